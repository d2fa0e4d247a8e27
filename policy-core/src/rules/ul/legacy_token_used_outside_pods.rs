use crate::audit::Seen;
use crate::inventory::usage::{node_addresses, pod_network};
use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, source, user_ref, with_evidence, with_requests};
use std::cmp::Ordering::{Greater, Less};
use std::net::IpAddr;

declare_rule! {
    /// ## What it does
    /// Flags a legacy service-account token Secret the audit log shows in use from an address
    /// outside the cluster's pod network (`--cluster-cidr` of the controller manager, else
    /// kubeadm's `networking.podSubnet`) and the nodes' own addresses (host-network pods), or
    /// from anywhere when the dump does not show that network.
    ///
    /// ## Why is this bad?
    /// A legacy token never expires and is bound to no pod, so the API server cannot tell the
    /// workload from whoever copied the Secret. Requests from outside the pod network mean the
    /// token has left the cluster: a CI system, a laptop, or an attacker uses it, and nothing
    /// will stop it until the Secret is deleted.
    ///
    /// ## Example
    /// An audit event with `"annotations": {"authentication.k8s.io/legacy-token":
    /// "system:serviceaccount:ci:deployer"}` and `"sourceIPs": ["203.0.113.9"]`.
    ///
    /// ## How to fix
    /// Give the outside client a short-lived token (`kubectl create token`, or workload identity
    /// federation), then delete the token Secret so the copy stops working.
    ///
    /// Guide: *Service Account Secret Tokens*.
    pub LegacyTokenUsedOutsidePods {
        code: "UL002",
        slug: "legacy-token-used-outside-pods",
        severity: Severity::High,
        mechanism: Mechanism::ServiceAccountTokens,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for LegacyTokenUsedOutsidePods {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        let pod_network = pod_network(inv);
        let nodes = node_addresses(inv);
        for identity in inv.audit.identities().into_iter().filter(|i| i.legacy_token) {
            let outside: Vec<&String> = identity
                .source_ips
                .iter()
                .filter(|ip| {
                    ip.parse::<IpAddr>()
                        .is_ok_and(|ip| !pod_network.as_ref().is_some_and(|n| n.contains(ip)) && !nodes.contains(&ip))
                })
                .collect();
            let Some(first) = outside.first() else { continue };
            let whose = identity.username.strip_prefix("system:serviceaccount:").unwrap_or(&identity.username);
            let network = match &pod_network {
                None => " (the dump does not show the pod network: add the kube-controller-manager Pod or the kubeadm-config ConfigMap)".to_string(),
                Some(network) => format!(", outside the pod network `{}` ({})", network.text, network.origin),
            };
            // The first and last request from outside: what the finding is about.
            let spans: Vec<&(Seen, Seen)> =
                outside.iter().filter_map(|ip| identity.spans.by_source.get(ip.as_str())).collect();
            let from = spans.iter().map(|(first, _)| first).min_by(|a, b| if a.before(b) { Less } else { Greater });
            let to = spans.iter().map(|(_, last)| last).max_by(|a, b| if a.before(b) { Less } else { Greater });
            let more = match outside.len() {
                1 => String::new(),
                n => format!(" and {} more addresses outside", n - 1),
            };
            let message = format!(
                "the legacy token of `{whose}` was used from `{first}`{more}{network}, between {} and {} ({} requests in all)",
                from.map_or("?", |s| s.at.as_str()),
                to.map_or("?", |s| s.at.as_str()),
                identity.requests
            );
            let (namespace, account) = whose.split_once(':').unwrap_or((whose, ""));
            // The Secret the log names; else the only legacy token Secret of that account.
            let secret = match identity.legacy_secret.as_deref() {
                Some(name) => inv.get("Secret", namespace, name),
                None => match legacy_token_secrets(inv, namespace, account).as_slice() {
                    [only] => Some(*only),
                    _ => None,
                },
            };
            let object = secret.map_or_else(|| user_ref(&identity.username), Object::object_ref);
            let at = from.map_or_else(|| source(identity), |s| s.source.clone());
            let finding = self.finding_at(object, at, message);
            let outside: Vec<String> = outside.into_iter().cloned().collect();
            out.push(match from.zip(to) {
                Some((from, to)) => with_requests(finding, from, to, &outside),
                None => with_evidence(finding, identity),
            });
        }
    }
}

/// The legacy token Secrets of one service account.
fn legacy_token_secrets<'i>(
    inv: &'i crate::inventory::Inventory<'_>,
    namespace: &str,
    account: &str,
) -> Vec<&'i Object> {
    inv.of_kind("Secret")
        .filter(|s| {
            s.namespace() == Some(namespace)
                && s.str_at(&["type"]) == Some("kubernetes.io/service-account-token")
                && s.str_at(&["metadata", "annotations", "kubernetes.io/service-account.name"]) == Some(account)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::controller_manager_pod;
    use crate::rules::ul::test_support::{event, run};
    use serde_json::json;

    fn legacy(ip: &str) -> String {
        event("system:serviceaccount:ci:deployer", "", "get", "/api/v1/pods", 200, "2025-11-01T10:00:00Z")
            .replace("10.0.0.7", ip)
            .replace(
                r#""requestReceivedTimestamp""#,
                r#""annotations":{"authentication.k8s.io/legacy-token":"system:serviceaccount:ci:deployer"},"requestReceivedTimestamp""#,
            )
    }

    #[test]
    fn fires_outside_the_pod_network_only() {
        let cm = || vec![controller_manager_pod(&["--cluster-cidr=10.244.0.0/16,fd00::/64"])];
        let (found, _) = run(&LegacyTokenUsedOutsidePods, cm(), &[legacy("203.0.113.9")]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.starts_with("the legacy token of `ci:deployer` was used from `203.0.113.9`, outside the pod network `10.244.0.0/16,fd00::/64` (kube-controller-manager `--cluster-cidr`)"), "{}", found[0].message);
        let (found, _) = run(&LegacyTokenUsedOutsidePods, cm(), &[legacy("10.244.3.7")]);
        assert!(found.is_empty());
        let (found, _) = run(&LegacyTokenUsedOutsidePods, vec![], &[legacy("10.244.3.7")]);
        assert!(found[0].message.contains("does not show the pod network"));
        // A bound token of the same account is no legacy token.
        let (found, _) = run(
            &LegacyTokenUsedOutsidePods,
            cm(),
            &[event("system:serviceaccount:ci:deployer", "", "get", "/api", 200, "2025-11-01T10:00:00Z")
                .replace("10.0.0.7", "203.0.113.9")],
        );
        assert!(found.is_empty());
    }

    /// A host-network pod uses its node's address: a Node of the dump says that one is inside.
    #[test]
    fn a_node_address_is_inside_the_cluster() {
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-2"},
            "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.22"}, {"type": "Hostname", "address": "worker-2"}]}});
        let cm = controller_manager_pod(&["--cluster-cidr=10.244.0.0/16"]);
        let (found, _) = run(&LegacyTokenUsedOutsidePods, vec![cm.clone(), node], &[legacy("10.0.0.22")]);
        assert!(found.is_empty(), "{found:?}");
        let (found, _) = run(&LegacyTokenUsedOutsidePods, vec![cm], &[legacy("10.0.0.22")]);
        assert_eq!(found.len(), 1);
    }

    /// The evidence is the first and last request from outside, not the token's uses from pods.
    #[test]
    fn the_evidence_is_the_requests_from_outside() {
        let cm = vec![controller_manager_pod(&["--cluster-cidr=10.244.0.0/16"])];
        let at = |line: &str, when: &str| line.replace("2025-11-01T10:00:00Z", when);
        let lines = [
            at(&legacy("10.244.3.7"), "2025-11-01T09:00:00Z"),
            at(&legacy("203.0.113.9"), "2025-11-01T10:00:00Z"),
            at(&legacy("203.0.113.9"), "2025-11-01T11:00:00Z"),
            at(&legacy("10.244.3.7"), "2025-11-01T12:00:00Z"),
        ];
        let (found, _) = run(&LegacyTokenUsedOutsidePods, cm, &lines);
        assert_eq!(found.len(), 1);
        let evidence: Vec<String> = found[0].evidence.iter().map(|e| format!("{}={}", e.path, e.value)).collect();
        assert_eq!(
            evidence,
            [
                "first request=audit.log:2 at 2025-11-01T10:00:00Z",
                "last request=audit.log:3 at 2025-11-01T11:00:00Z",
                "sourceIPs=203.0.113.9"
            ]
        );
        assert_eq!(found[0].source.line, 2);
        assert!(
            found[0].message.ends_with("between 2025-11-01T10:00:00Z and 2025-11-01T11:00:00Z (4 requests in all)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn networks_parse_and_match() {
        use crate::inventory::usage::{network, network_contains as contains};
        let net = network("10.244.0.0/16").unwrap();
        assert!(contains(net, "10.244.255.1".parse().unwrap()));
        assert!(!contains(net, "10.245.0.1".parse().unwrap()));
        assert!(contains(network("0.0.0.0/0").unwrap(), "8.8.8.8".parse().unwrap()));
        assert!(network("10.0.0.0/33").is_none() && network("nope").is_none());
        assert!(!contains(network("fd00::/64").unwrap(), "10.0.0.1".parse().unwrap()));
    }

    /// kubeadm's `networking.podSubnet` tells the pod network when the controller manager's
    /// flags do not (CNI plugins such as Calico allocate from it).
    #[test]
    fn kubeadm_pod_subnet_is_the_pod_network_and_the_secret_is_named() {
        let kubeadm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
            "data": {"ClusterConfiguration": "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 192.168.0.0/16\n"}});
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "deployer-token", "namespace": "ci",
                "annotations": {"kubernetes.io/service-account.name": "deployer"}}});
        let (found, _) =
            run(&LegacyTokenUsedOutsidePods, vec![kubeadm.clone(), secret.clone()], &[legacy("192.168.3.7")]);
        assert!(found.is_empty(), "{found:?}");
        let (found, _) = run(&LegacyTokenUsedOutsidePods, vec![kubeadm, secret], &[legacy("203.0.113.9")]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("outside the pod network `192.168.0.0/16` (kubeadm `podSubnet`)"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].object.to_string(), "Secret/ci/deployer-token");
    }
}
