//! The findings list: stable keys for links, filtering and sorting, groups, and the facet counts
//! the filter menus offer.

use crate::model::format::capitalize;
use crate::model::view::{Filters, Grouping, SortKey};
use policy_core::Severity;
use policy_core::report::{Finding, Mechanism};
use std::collections::BTreeMap;

/// A finding's id for links: its rule code and 12 hex digits of a hash of its rule, object and
/// line. Identical for the same dump, and it names no object or namespace: names can be
/// sensitive, and a link travels further than the dump it was made from.
pub fn finding_key(f: &Finding) -> String {
    let hex = policy_core::util::sha256_hex(format!("{}\0{}\0{}", f.code, f.object, f.source.line).as_bytes());
    format!("{}-{}", f.code, hex.get(..12).unwrap_or(&hex))
}

/// Every finding's unique key, in report order: [`finding_key`], with `~2`, `~3`… appended when
/// a rule reports the same object and line more than once.
pub fn finding_keys(findings: &[Finding]) -> Vec<String> {
    let mut maker = KeyMaker::default();
    findings.iter().map(|f| maker.key(f)).collect()
}

/// Makes [`finding_keys`] one finding at a time, so the page can key findings as they arrive.
#[derive(Debug, Default)]
pub struct KeyMaker {
    seen: std::collections::HashMap<String, usize>,
}

impl KeyMaker {
    /// The next finding's unique key.
    pub fn key(&mut self, f: &Finding) -> String {
        let key = finding_key(f);
        let n = self.seen.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n == 1 { key } else { format!("{key}~{n}") }
    }
}

/// Indices of the findings that pass the filters, ordered by `sort`.
pub fn visible(findings: &[Finding], filters: &Filters, sort: SortKey) -> Vec<usize> {
    let mut idx: Vec<usize> = findings.iter().enumerate().filter(|(_, f)| filters.matches(f)).map(|(i, _)| i).collect();
    let key = |i: &usize| findings.get(*i);
    match sort {
        // The report is already in this order.
        SortKey::Severity => {}
        SortKey::Code => {
            idx.sort_by(|a, b| key(a).map(|f| (&f.code, &f.object)).cmp(&key(b).map(|f| (&f.code, &f.object))))
        }
        SortKey::Object => {
            idx.sort_by(|a, b| key(a).map(|f| (&f.object, &f.code)).cmp(&key(b).map(|f| (&f.object, &f.code))))
        }
        SortKey::Source => idx.sort_by(|a, b| key(a).map(|f| &f.source).cmp(&key(b).map(|f| &f.source))),
    }
    idx
}

/// A group of the findings list: its label and member indices (in sorted order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Stable id (for collapse state and element ids).
    pub id: String,
    /// Shown in the group's header.
    pub label: String,
    /// The worst severity inside (for the header's badge).
    pub worst: Severity,
    /// Indices into the report's findings.
    pub members: Vec<usize>,
}

/// Split sorted indices into groups. Group order: worst severity first, then label.
pub fn group(findings: &[Finding], sorted: &[usize], grouping: Grouping) -> Vec<Group> {
    if grouping == Grouping::None {
        let worst = sorted.iter().filter_map(|i| findings.get(*i)).map(|f| f.severity).max();
        return vec![Group {
            id: "all".to_string(),
            label: "All findings".to_string(),
            worst: worst.unwrap_or(Severity::Info),
            members: sorted.to_vec(),
        }];
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for &i in sorted {
        let Some(f) = findings.get(i) else { continue };
        let (id, label) = match grouping {
            Grouping::None | Grouping::Code => (f.code.to_string(), format!("{} {}", f.code, f.slug)),
            Grouping::Namespace => match f.object.namespace.as_deref() {
                Some(ns) => (ns.to_string(), ns.to_string()),
                None => ("-".to_string(), "Cluster-scoped".to_string()),
            },
            Grouping::Kind => (
                f.object.kind.clone(),
                if f.object.kind.is_empty() { "(no kind)".into() } else { f.object.kind.clone() },
            ),
            Grouping::Mechanism => (f.mechanism.as_str().to_string(), f.mechanism.label().to_string()),
            Grouping::Severity => (f.severity.as_str().to_string(), capitalize(f.severity.as_str())),
        };
        let g = groups.entry(id.clone()).or_insert_with(|| Group { id, label, worst: f.severity, members: Vec::new() });
        g.worst = g.worst.max(f.severity);
        g.members.push(i);
    }
    let mut out: Vec<Group> = groups.into_values().collect();
    out.sort_by(|a, b| b.worst.cmp(&a.worst).then_with(|| a.label.cmp(&b.label)));
    out
}

/// The distinct values a filter menu offers, with how many findings have each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// Namespace (`""` for cluster-scoped) → count.
    pub namespaces: BTreeMap<String, usize>,
    /// Kind → count.
    pub kinds: BTreeMap<String, usize>,
    /// Code → (slug, count).
    pub codes: BTreeMap<String, (String, usize)>,
    /// Mechanism → count.
    pub mechanisms: BTreeMap<Mechanism, usize>,
}

/// Collect the filter menus' options from all findings.
pub fn facets(findings: &[Finding]) -> Facets {
    let mut out = Facets::default();
    for f in findings {
        out.add(f);
    }
    out
}

impl Facets {
    /// Count one more finding.
    pub fn add(&mut self, f: &Finding) {
        let ns = f.object.namespace.as_deref().unwrap_or("");
        match self.namespaces.get_mut(ns) {
            Some(n) => *n += 1,
            None => {
                self.namespaces.insert(ns.to_string(), 1);
            }
        }
        match self.kinds.get_mut(&f.object.kind) {
            Some(n) => *n += 1,
            None => {
                self.kinds.insert(f.object.kind.clone(), 1);
            }
        }
        match self.codes.get_mut(f.code.as_str()) {
            Some((_, n)) => *n += 1,
            None => {
                self.codes.insert(f.code.to_string(), (f.slug.to_string(), 1));
            }
        }
        *self.mechanisms.entry(f.mechanism).or_default() += 1;
    }
}

/// One fixed-height line of the findings list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A group's heading.
    Head {
        /// The group's label.
        label: String,
        /// Its worst severity.
        worst: Severity,
        /// How many findings it holds.
        count: usize,
    },
    /// A finding, by index into the report's findings.
    Row(usize),
}

/// The findings list as drawn: the findings that pass the filters, sorted and grouped, with a
/// heading line per group (none when not grouping).
pub fn lines(findings: &[Finding], filters: &Filters, sort: SortKey, grouping: Grouping) -> Vec<Line> {
    let shown = visible(findings, filters, sort);
    let groups = group(findings, &shown, grouping);
    let mut lines = Vec::with_capacity(shown.len() + groups.len());
    for g in groups {
        if grouping != Grouping::None {
            lines.push(Line::Head { label: g.label, worst: g.worst, count: g.members.len() });
        }
        lines.extend(g.members.into_iter().map(Line::Row));
    }
    lines
}

/// The findings of the list in drawing order (for next / previous).
pub fn rows(lines: &[Line]) -> impl Iterator<Item = usize> + '_ {
    lines.iter().filter_map(|l| if let Line::Row(i) = l { Some(*i) } else { None })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    #[test]
    fn filters_combine_and_text_is_case_insensitive() {
        let f = sample();
        let mut filters = Filters::default();
        assert_eq!(visible(&f, &filters, SortKey::Severity), vec![0, 1, 2, 3]);
        filters.severities.insert(Severity::Medium);
        assert_eq!(visible(&f, &filters, SortKey::Severity), vec![1, 2]);
        filters.namespace = Some("ci".into());
        assert_eq!(visible(&f, &filters, SortKey::Severity), vec![2]);
        let text = Filters { text: "DEPLOYER".into(), ..Filters::default() };
        assert_eq!(visible(&f, &text, SortKey::Severity), vec![2]);
        let cluster = Filters { namespace: Some(String::new()), ..Filters::default() };
        assert_eq!(visible(&f, &cluster, SortKey::Severity), vec![3]);
        let code = Filters { code: Some("sa001".into()), kind: Some("Secret".into()), ..Filters::default() };
        assert_eq!(visible(&f, &code, SortKey::Severity), vec![1, 2]);
        let mech = Filters { mechanisms: [Mechanism::ClientCertificates].into(), ..Filters::default() };
        assert_eq!(visible(&f, &mech, SortKey::Severity), vec![3]);
        assert!(mech.is_active());
        assert!(!Filters::default().is_active());
    }

    #[test]
    fn sorting_orders_by_the_chosen_key() {
        let f = sample();
        let all = Filters::default();
        assert_eq!(visible(&f, &all, SortKey::Code), vec![3, 2, 1, 0]);
        // Object order: kind first, so the CSR sorts before the Pod and the Secrets.
        assert_eq!(visible(&f, &all, SortKey::Object), vec![3, 0, 2, 1]);
        assert_eq!(visible(&f, &all, SortKey::Source), vec![3, 1, 0, 2]);
    }

    #[test]
    fn grouping_puts_the_worst_group_first() {
        let f = sample();
        let order = visible(&f, &Filters::default(), SortKey::Severity);
        let groups = group(&f, &order, Grouping::Code);
        let labels: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(labels, vec!["ST001", "SA001", "CC002"]);
        assert_eq!(groups[1].members, vec![1, 2]);
        let by_ns = group(&f, &order, Grouping::Namespace);
        assert_eq!(
            by_ns.iter().map(|g| g.label.as_str()).collect::<Vec<_>>(),
            vec!["kube-system", "ci", "default", "Cluster-scoped"]
        );
        let flat = group(&f, &order, Grouping::None);
        assert_eq!(flat.len(), 1);
        assert_eq!(flat[0].members.len(), 4);
        assert_eq!(flat[0].worst, Severity::High);
    }

    #[test]
    fn facets_count_each_value() {
        let facets = facets(&sample());
        assert_eq!(facets.namespaces.get(""), Some(&1));
        assert_eq!(facets.namespaces.get("ci"), Some(&1));
        assert_eq!(facets.kinds.get("Secret"), Some(&2));
        assert_eq!(facets.codes.get("SA001"), Some(&("slug-of-sa001".to_string(), 2)));
        assert_eq!(facets.mechanisms.get(&Mechanism::StaticTokenFile), Some(&1));
    }

    #[test]
    fn keys_are_unique_and_stable() {
        let mut f = sample();
        f.push(f[1].clone());
        f.push(f[1].clone());
        let keys = finding_keys(&f);
        assert!(keys[1].starts_with("SA001-") && keys[1].len() == "SA001-".len() + 12, "{}", keys[1]);
        assert!(keys.iter().all(|k| !k.contains("old-token") && !k.contains("default")), "no names: {keys:?}");
        assert_eq!(keys[4], format!("{}~2", keys[1]));
        assert_eq!(keys[5], format!("{}~3", keys[1]));
        // Another line of the same object is another finding.
        let mut moved = f[1].clone();
        moved.source.line += 1;
        assert_ne!(finding_key(&moved), finding_key(&f[1]));
        assert_eq!(keys.iter().collect::<std::collections::BTreeSet<_>>().len(), keys.len());
        assert_eq!(finding_keys(&f), keys);
    }

    #[test]
    fn lines_put_a_heading_before_each_group_only_when_grouping() {
        let f = sample();
        let flat = lines(&f, &Filters::default(), SortKey::default(), Grouping::None);
        assert_eq!(flat.len(), f.len());
        assert!(flat.iter().all(|l| matches!(l, Line::Row(_))));
        let grouped = lines(&f, &Filters::default(), SortKey::default(), Grouping::Mechanism);
        let heads = grouped.iter().filter(|l| matches!(l, Line::Head { .. })).count();
        assert!(heads >= 2, "{grouped:?}");
        assert_eq!(grouped.len(), f.len() + heads);
        assert!(matches!(grouped.first(), Some(Line::Head { .. })));
        let mut order: Vec<usize> = rows(&grouped).collect();
        order.sort_unstable();
        assert_eq!(order, (0..f.len()).collect::<Vec<_>>());
    }
}
