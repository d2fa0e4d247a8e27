use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, source, user_ref, when_and_where, with_evidence};
use std::net::IpAddr;

declare_rule! {
    /// ## What it does
    /// Flags a legacy service-account token Secret the audit log shows in use from an address
    /// outside the cluster's pod network (`--cluster-cidr` of the controller manager), or from
    /// anywhere when the dump does not show that network.
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

/// Parse `10.244.0.0/16` (or a bare address) into a network and prefix length.
fn network(cidr: &str) -> Option<(IpAddr, u32)> {
    let (address, bits) = cidr.trim().split_once('/').unwrap_or((cidr.trim(), ""));
    let address: IpAddr = address.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let bits = if bits.is_empty() { max } else { bits.parse().ok().filter(|b| *b <= max)? };
    Some((address, bits))
}

fn contains((net, bits): (IpAddr, u32), ip: IpAddr) -> bool {
    let mask = |max: u32| if bits == 0 { 0 } else { u128::MAX << (max - bits) };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            (u128::from(n.to_bits()) ^ u128::from(i.to_bits())) & mask(32) & 0xffff_ffff == 0
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => (n.to_bits() ^ i.to_bits()) & mask(128) == 0,
        _ => false,
    }
}

impl Check for LegacyTokenUsedOutsidePods {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let inv = cx.inv;
        if !inv.audit.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        let pod_network: Vec<(IpAddr, u32)> = inv
            .controller_manager
            .get("cluster-cidr")
            .map(|f| f.value.split(',').filter_map(network).collect())
            .unwrap_or_default();
        for identity in inv.audit.identities().into_iter().filter(|i| i.legacy_token) {
            let outside: Vec<&String> = identity
                .source_ips
                .iter()
                .filter(|ip| ip.parse::<IpAddr>().is_ok_and(|ip| !pod_network.iter().any(|n| contains(*n, ip))))
                .collect();
            let Some(first) = outside.first() else { continue };
            let whose = identity.username.strip_prefix("system:serviceaccount:").unwrap_or(&identity.username);
            let network = if pod_network.is_empty() {
                " (the dump does not show the pod network: add the kube-controller-manager Pod)".to_string()
            } else {
                format!(
                    ", outside the pod network `{}`",
                    inv.controller_manager.get("cluster-cidr").map_or("", |f| f.value.as_str())
                )
            };
            let message =
                format!("the legacy token of `{whose}` was used from `{first}`{network}: {}", when_and_where(identity));
            let namespace = whose.split(':').next().unwrap_or("");
            let object = identity
                .legacy_secret
                .as_deref()
                .and_then(|name| inv.get("Secret", namespace, name))
                .map_or_else(|| user_ref(&identity.username), Object::object_ref);
            let finding = self.finding_at(object, source(identity), message);
            out.push(with_evidence(finding, identity));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::controller_manager_pod;
    use crate::rules::ul::test_support::{event, run};

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
        assert!(found[0].message.starts_with("the legacy token of `ci:deployer` was used from `203.0.113.9`, outside the pod network `10.244.0.0/16,fd00::/64`"), "{}", found[0].message);
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

    #[test]
    fn networks_parse_and_match() {
        let net = network("10.244.0.0/16").unwrap();
        assert!(contains(net, "10.244.255.1".parse().unwrap()));
        assert!(!contains(net, "10.245.0.1".parse().unwrap()));
        assert!(contains(network("0.0.0.0/0").unwrap(), "8.8.8.8".parse().unwrap()));
        assert!(network("10.0.0.0/33").is_none() && network("nope").is_none());
        assert!(!contains(network("fd00::/64").unwrap(), "10.0.0.1".parse().unwrap()));
    }
}
