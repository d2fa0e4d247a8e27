use crate::inventory::authn_config::{AnonymousBlock, anonymous_block, authentication_configs};
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a kube-apiserver that serves unauthenticated requests beyond its health
    /// endpoints: `--anonymous-auth` is not `false` (it defaults to `true`) and no
    /// `AuthenticationConfiguration` limits the `anonymous` authenticator to `/healthz`,
    /// `/livez` and `/readyz`.
    ///
    /// ## Why is this bad?
    /// Every request without credentials becomes `system:anonymous` in the group
    /// `system:unauthenticated`. Today RBAC may give that group almost nothing, but a single
    /// careless binding (or a permissive authorizer) then opens the API to the whole network,
    /// and the version and discovery endpoints already help an attacker pick exploits.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-apiserver
    ///         - --anonymous-auth=true
    /// ```
    ///
    /// ## How to fix
    /// Set `--anonymous-auth=false`, or (Kubernetes 1.32+) use an `AuthenticationConfiguration`
    /// whose `anonymous` block is enabled only for the health endpoints the load balancer probes.
    ///
    /// No fix to copy: kubeadm's own liveness probes and many load balancers call `/livez` and
    /// `/readyz` without credentials, so the flag alone can put the API server in a restart loop.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub AnonymousAuthEnabled {
        code: "AN001",
        slug: "anonymous-auth-enabled",
        severity: Severity::Medium,
        mechanism: Mechanism::Anonymous,
        scope: Scope::Audit,
    }
}

impl Check for AnonymousAuthEnabled {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mut structured = false;
        for config in authentication_configs(cx.inv) {
            match anonymous_block(config) {
                Some(AnonymousBlock::Open(paths)) => {
                    structured = true;
                    let message = if paths.is_empty() {
                        "`AuthenticationConfiguration` lets anonymous requests reach every path".to_string()
                    } else {
                        format!("`AuthenticationConfiguration` lets anonymous requests reach `{}`", paths.join("`, `"))
                    };
                    out.push(
                        self.finding(config, message)
                            .evidence(Evidence::plain("anonymous.enabled", "true"))
                            .evidence(Evidence::plain("anonymous.conditions", paths.join(","))),
                    );
                }
                Some(_) => structured = true,
                None => {}
            }
        }
        if structured {
            return;
        }
        let flags = &cx.inv.apiserver;
        match flags.get("anonymous-auth") {
            Some(flag) if flag.value.trim() == "false" => {}
            Some(flag) => out.push(self.flag_finding(
                flag,
                "anonymous-auth",
                format!("kube-apiserver serves anonymous requests: `--anonymous-auth={}`", flag.value),
            )),
            None => match flags.origin().filter(|_| flags.is_visible()) {
                Some((object, source)) => out.push(
                    self.finding_at(
                        object,
                        source,
                        "kube-apiserver serves anonymous requests: `--anonymous-auth` is unset (default `true`)",
                    )
                    .evidence(Evidence::plain("--anonymous-auth", "unset (default: true)")),
                ),
                None => out.control_plane_not_visible(self),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{apiserver_pod, run, summary};
    use serde_json::json;

    fn authn_config(anonymous: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration", "anonymous": anonymous})
    }

    #[test]
    fn flag_true_or_unset_fires() {
        let (found, _) = run(&AnonymousAuthEnabled, vec![apiserver_pod(&["--anonymous-auth=true"])]);
        assert_eq!(
            summary(&found),
            [(
                "medium".into(),
                "Pod/kube-system/kube-apiserver-cp1".into(),
                "kube-apiserver serves anonymous requests: `--anonymous-auth=true`".into()
            )]
        );
        let (found, _) = run(&AnonymousAuthEnabled, vec![apiserver_pod(&["--secure-port=6443"])]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("unset"));
        let (found, na) = run(&AnonymousAuthEnabled, vec![apiserver_pod(&["--anonymous-auth=false"])]);
        assert!(found.is_empty() && na.is_empty());
    }

    #[test]
    fn structured_anonymous_block_decides() {
        let health = authn_config(json!({"enabled": true, "conditions": [{"path": "/livez"}, {"path": "/readyz"}]}));
        let (found, na) = run(&AnonymousAuthEnabled, vec![health]);
        assert!(found.is_empty() && na.is_empty());
        let open = authn_config(json!({"enabled": true, "conditions": [{"path": "/livez"}, {"path": "/api"}]}));
        let (found, _) =
            run(&AnonymousAuthEnabled, vec![open, apiserver_pod(&["--authentication-config=/etc/k/authn.yaml"])]);
        assert_eq!(
            summary(&found),
            [(
                "medium".into(),
                "AuthenticationConfiguration/".into(),
                "`AuthenticationConfiguration` lets anonymous requests reach `/livez`, `/api`".into()
            )]
        );
    }

    #[test]
    fn not_assessable_without_control_plane() {
        let (found, na) = run(&AnonymousAuthEnabled, vec![]);
        assert!(found.is_empty());
        assert_eq!(na, ["AN001"]);
    }
}
