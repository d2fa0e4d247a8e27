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

/// How many findings are inventory rows. One catalogue look-up per rule code, not per finding:
/// a 100k-object dump has 38,000 findings and only a few dozen codes.
pub fn inventory_rows(findings: &[Finding]) -> usize {
    let mut by_code: std::collections::BTreeMap<&str, bool> = std::collections::BTreeMap::new();
    findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .filter(|f| *by_code.entry(f.code.as_str()).or_insert_with(|| is_inventory(f)))
        .count()
}

/// Whether a finding comes from a preview rule (off by default; the usage rules run when an
/// audit log is given): the page says so beside it.
pub fn is_preview(f: &Finding) -> bool {
    policy_core::registry::find(&f.code)
        .is_some_and(|r| matches!(r.meta().status, policy_core::rule::RuleStatus::Preview(_)))
}

/// A finding's place in "fix first": worst severity, then widest reach.
type Rank = (std::cmp::Reverse<Severity>, std::cmp::Reverse<u8>);

/// Indices of the findings to fix first: at least medium, worst severity first, then the widest
/// reach, then report order; at most `n`. Each finding's reach is worked out once (it reads
/// the message and evidence), not at every comparison of the sort.
pub fn fix_first(findings: &[Finding], n: usize) -> Vec<usize> {
    let mut keyed: Vec<(Rank, usize)> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.severity >= Severity::Medium)
        .map(|(i, f)| ((std::cmp::Reverse(f.severity), std::cmp::Reverse(reach(f))), i))
        .collect();
    // Report order breaks ties (the index is the key's last part).
    if keyed.len() > n && n > 0 {
        keyed.select_nth_unstable(n - 1);
        keyed.truncate(n);
    }
    keyed.sort_unstable();
    keyed.into_iter().take(n).map(|(_, i)| i).collect()
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
        let many: Vec<Finding> = (0..50).map(|i| if i % 2 == 0 { mx.clone() } else { lowered.clone() }).collect();
        assert_eq!(inventory_rows(&many), 25);
    }

    #[test]
    fn ties_keep_report_order_however_many_findings() {
        let f: Vec<Finding> = (0..1000)
            .map(|i| finding("SA001", Severity::High, Mechanism::ServiceAccountTokens, "Secret", Some("ci"), "t", i))
            .collect();
        assert_eq!(fix_first(&f, 3), vec![0, 1, 2]);
        assert_eq!(fix_first(&f, 0), Vec::<usize>::new());
    }

    #[test]
    fn usage_rules_are_marked_preview_and_stable_ones_are_not() {
        let ul = finding("UL001", Severity::Critical, Mechanism::ClientCertificates, "Secret", None, "k", 1);
        let st = finding("ST001", Severity::High, Mechanism::StaticTokenFile, "Pod", None, "api", 1);
        assert!(is_preview(&ul) && !is_preview(&st));
    }
}
