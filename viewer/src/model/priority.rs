//! What to fix first: the few findings that matter most, by severity and then by reach, and the
//! inventory rows kept apart from the findings they would otherwise swell.

use policy_core::Severity;
use policy_core::report::Finding;

/// Identities whose credentials or bindings reach the whole cluster, or anyone at all.
const BROAD: [&str; 5] =
    ["system:masters", "system:anonymous", "system:unauthenticated", "system:authenticated", "cluster-admin"];

/// How far a finding reaches, for ordering findings of one severity: naming a cluster-wide or
/// anyone-at-all identity (a `system:masters` credential, anonymous access), then being about a
/// cluster-scoped object (a ClusterRoleBinding, the API server's flags) rather than one namespace.
pub fn reach(f: &Finding) -> u8 {
    let names_broad =
        BROAD.iter().any(|b| f.message.contains(b) || f.evidence.iter().any(|e| !e.redacted && e.value.contains(b)));
    let cluster_wide = f.object.namespace.is_none() || f.object.namespace.as_deref() == Some("kube-system");
    u8::from(names_broad) * 2 + u8::from(cluster_wide)
}

/// Whether a finding is an inventory row (a rule that lists what exists, at info) rather than
/// a problem found.
pub fn is_inventory(f: &Finding) -> bool {
    f.severity == Severity::Info
        && policy_core::registry::find(&f.code).is_some_and(|r| r.meta().severity == Severity::Info)
}

/// Indices of the findings to fix first: at least medium, worst severity first, then the widest
/// reach, then report order; at most `n`.
pub fn fix_first(findings: &[Finding], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> =
        findings.iter().enumerate().filter(|(_, f)| f.severity >= Severity::Medium).map(|(i, _)| i).collect();
    idx.sort_by_key(|i| findings.get(*i).map(|f| (std::cmp::Reverse(f.severity), std::cmp::Reverse(reach(f)))));
    idx.truncate(n);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::finding;
    use policy_core::report::Mechanism;

    #[test]
    fn the_worst_and_widest_come_first_and_low_ones_never() {
        let mut masters =
            finding("CC001", Severity::High, Mechanism::ClientCertificates, "Secret", Some("ci"), "kc", 4);
        masters.message = "a client certificate in group `system:masters`".into();
        let f = vec![
            finding("SA001", Severity::High, Mechanism::ServiceAccountTokens, "Secret", Some("ci"), "t", 1),
            finding("AN001", Severity::Low, Mechanism::Anonymous, "Pod", Some("kube-system"), "api", 2),
            masters,
            finding("ST001", Severity::Critical, Mechanism::StaticTokenFile, "Pod", Some("ci"), "x", 3),
            finding("RB001", Severity::High, Mechanism::General, "ClusterRoleBinding", None, "b", 5),
        ];
        assert_eq!(fix_first(&f, 10), vec![3, 2, 4, 0]);
        assert_eq!(fix_first(&f, 2), vec![3, 2]);
        assert!(fix_first(&[], 3).is_empty());
    }

    #[test]
    fn inventory_rows_are_the_info_rules_only() {
        let mx = finding("MX004", Severity::Info, Mechanism::General, "Secret", Some("ci"), "t", 1);
        assert!(is_inventory(&mx));
        // A check whose finding was lowered to info is still a finding.
        let lowered =
            finding("BT001", Severity::Info, Mechanism::BootstrapTokens, "Secret", Some("kube-system"), "b", 1);
        assert!(!is_inventory(&lowered));
    }
}
