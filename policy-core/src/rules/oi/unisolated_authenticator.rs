use crate::inventory::authenticators::{deployed, isolation_shortfalls};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags identity software for OIDC and authenticating proxies (dex, pinniped, keycloak,
    /// kube-oidc-proxy, oauth2-proxy, gangway, openunison, teleport, …, recognised by image
    /// name) that is not isolated from general workloads. It falls short when it runs in the
    /// `default` namespace or shares its namespace with unrelated applications (kube-system
    /// counts as system-only); when its Pods can land on any node (isolation needs a node
    /// selector or required affinity *and* a tolerated taint that keeps other Pods away); when
    /// it runs privileged (privileged containers, host namespaces, added capabilities); or when
    /// its service account is shared with other applications or holds secret-reading, wildcard
    /// or admin-equivalent permissions through a generic role (`cluster-admin`, `admin`, `edit`)
    /// or a group. A role written for the product itself is what it needs and is not counted.
    /// At admission time only the object's own fields are judged.
    ///
    /// ## Why is this bad?
    /// This software mints or vouches for identities and usually holds strong API permissions
    /// (kube-oidc-proxy impersonates any user). A compromised neighbour that shares its node,
    /// namespace or service account can steal its signing keys, client secrets or token and
    /// become anyone in the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: dex
    ///   namespace: default
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: dex
    ///           image: ghcr.io/dexidp/dex:v2.41.1
    /// ```
    ///
    /// ## How to fix
    /// Give the software its own namespace and service account, pin it to dedicated nodes
    /// (a taint such as `dedicated=auth:NoSchedule` plus a matching node selector and
    /// toleration), and drop privileged settings.
    ///
    /// Guide: *OIDC*.
    pub UnisolatedAuthenticator {
        code: "OI004",
        slug: "unisolated-authenticator",
        severity: Severity::Medium,
        mechanism: Mechanism::Oidc,
        scope: Scope::Admit,
    }
}

impl Check for UnisolatedAuthenticator {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        report_unisolated(self, cx, out, false);
    }
}

/// One finding per deployment of authenticator software that falls short of isolation: the
/// webhook authenticators (WH002) or the others (OI004), which share every criterion.
pub(crate) fn report_unisolated<R: Meta>(rule: &R, cx: &Context<'_, '_>, out: &mut Findings, webhooks: bool) {
    for d in deployed(cx.inv) {
        if (d.product.mechanism == Mechanism::Webhook) != webhooks {
            continue;
        }
        let shortfalls = isolation_shortfalls(cx.inv, &d, cx.mode == Scope::Admit);
        if shortfalls.is_empty() {
            continue;
        }
        let whats: Vec<&str> = shortfalls.iter().map(|s| s.what.as_str()).collect();
        let what = if webhooks { "webhook authenticator " } else { "" };
        let mut finding = rule.finding(
            d.workload.object,
            format!(
                "{what}{} (`{}`) is not isolated from general workloads: {}",
                d.product.name,
                d.workload.label(),
                whats.join("; ")
            ),
        );
        for shortfall in shortfalls {
            finding = finding.evidence(shortfall.evidence);
        }
        for owned in d.workload.related() {
            finding = finding.related(owned);
        }
        out.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{objects, run, summary};
    use serde_json::{Value, json};

    fn deployment(name: &str, ns: &str, image: &str, extra: Value) -> Value {
        let mut spec = json!({"containers": [{"name": name, "image": image}]});
        if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
            spec.extend(extra.clone());
        }
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
               "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": spec}}})
    }

    fn dedicated() -> Value {
        json!({"nodeSelector": {"dedicated": "auth"},
               "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "auth", "effect": "NoSchedule"}]})
    }

    #[test]
    fn shortfalls_are_listed_in_one_finding_per_workload() {
        let (found, _) = run(
            &UnisolatedAuthenticator,
            vec![
                deployment("dex", "auth", "ghcr.io/dexidp/dex:v2.41.1", json!({})),
                deployment("shop", "auth", "shop:1", json!({})),
                deployment("kube-oidc-proxy", "default", "quay.io/jetstack/kube-oidc-proxy:v1.0.0", dedicated()),
                deployment("keycloak", "idp", "quay.io/keycloak/keycloak:26.0", dedicated()),
                deployment("keycloak-postgresql", "idp", "postgres:16", json!({})),
                deployment("guard", "kube-system", "ghcr.io/kubeguard/guard:v0.18.0", json!({})),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "medium".to_string(),
                    "Deployment/auth/dex".to_string(),
                    "dex (`Deployment/dex`) is not isolated from general workloads: shares namespace `auth` with `Deployment/shop`; no dedicated nodes; service account `default` shared with `Deployment/shop`"
                        .to_string()
                ),
                (
                    "medium".to_string(),
                    "Deployment/default/kube-oidc-proxy".to_string(),
                    "kube-oidc-proxy (`Deployment/kube-oidc-proxy`) is not isolated from general workloads: runs in the `default` namespace"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn privileged_settings_and_admission() {
        let mut privileged = dedicated();
        privileged["hostPID"] = json!(true);
        let objs = objects(vec![deployment("dex", "auth", "dex:v2", privileged)]);
        let inv = Inventory::new(&objs);
        let settings = crate::settings::Settings::default();
        let cx = Context { inv: &inv, settings: &settings, now: None, mode: Scope::Admit };
        let mut out = Findings::default();
        UnisolatedAuthenticator.check(&cx, &mut out);
        let messages: Vec<&str> = out.found.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, vec!["dex (`Deployment/dex`) is not isolated from general workloads: hostPID"]);
    }
}
