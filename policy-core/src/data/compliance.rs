//! Which items of the CIS Kubernetes Benchmark (numbering of v1.12, as kube-bench's
//! `cfg/cis-1.12`) and of the NSA/CISA Kubernetes Hardening Guidance (v1.2, by section) each
//! rule automates. Shown in the rule docs, carried by findings (JSON `references`, SARIF tags)
//! and selectable like a code (`select: [cis-3.1.1]`, or `cis-5.1` for the whole section).

/// The NSA/CISA guidance's "Authentication and authorization" section.
const NSA_AUTHN: &str = "nsa-cisa-authn-authz";
/// The NSA/CISA guidance's "Kubernetes Pod security" section (service-account tokens).
const NSA_POD: &str = "nsa-cisa-pod-security";

/// `(rule code, references)`, sorted by code.
static REFERENCES: &[(&str, &[&str])] = &[
    ("AN001", &["cis-1.2.1", NSA_AUTHN]),
    ("AN002", &[NSA_AUTHN]),
    ("AN003", &["cis-4.2.1", NSA_AUTHN]),
    ("AN004", &[NSA_AUTHN]),
    ("AP001", &[NSA_AUTHN]),
    ("AP002", &[NSA_AUTHN]),
    ("AP003", &[NSA_AUTHN]),
    ("AP005", &[NSA_AUTHN]),
    ("BT001", &[NSA_AUTHN]),
    ("BT003", &["cis-3.1.3", NSA_AUTHN]),
    ("BT004", &[NSA_AUTHN]),
    ("BT005", &["cis-3.1.3", NSA_AUTHN]),
    ("CC001", &["cis-5.1.7", NSA_AUTHN]),
    ("CC002", &["cis-3.1.1", NSA_AUTHN]),
    ("CC003", &["cis-3.1.1", NSA_AUTHN]),
    ("CC004", &[NSA_AUTHN]),
    ("CC005", &["cis-3.1.1", NSA_AUTHN]),
    ("CC006", &["cis-3.1.1", NSA_AUTHN]),
    ("CC008", &["cis-5.1.11", NSA_AUTHN]),
    ("EK001", &["cis-5.1.7", NSA_AUTHN]),
    ("IM001", &["cis-5.1.8", NSA_AUTHN]),
    ("KC001", &[NSA_AUTHN]),
    ("KC002", &[NSA_AUTHN]),
    ("MX002", &[NSA_AUTHN]),
    ("MX003", &["cis-3.1.1", "cis-3.1.2", NSA_AUTHN]),
    ("OI001", &[NSA_AUTHN]),
    ("OI002", &[NSA_AUTHN]),
    ("OI003", &[NSA_AUTHN]),
    ("OI005", &[NSA_AUTHN]),
    ("SA001", &[NSA_AUTHN]),
    ("SA002", &["cis-5.1.1", NSA_AUTHN]),
    ("SA003", &["cis-5.1.2", NSA_AUTHN]),
    ("SA004", &["cis-3.1.2", NSA_AUTHN]),
    ("SA006", &["cis-1.2.21", NSA_AUTHN]),
    ("SA007", &["cis-5.1.5", NSA_AUTHN]),
    ("ST001", &["cis-1.2.2", NSA_AUTHN]),
    ("ST003", &["cis-1.2.2", NSA_AUTHN]),
    ("TR001", &[NSA_POD]),
    ("TR002", &["cis-1.2.30", NSA_AUTHN]),
    ("TR003", &["cis-5.1.13", NSA_AUTHN]),
    ("TR004", &["cis-5.1.6", NSA_POD]),
];

/// The references of rule `code` (empty when it automates no listed item).
pub fn references(code: &str) -> &'static [&'static str] {
    REFERENCES.binary_search_by(|(c, _)| (*c).cmp(code)).ok().and_then(|i| REFERENCES.get(i)).map_or(&[], |(_, r)| r)
}

/// Whether `selector` picks reference `reference`: the same id, or a section of it
/// (`cis-5.1` picks `cis-5.1.13`, not `cis-5.11`), case-insensitively.
pub fn selects(selector: &str, reference: &str) -> bool {
    let selector = selector.trim();
    let (s, r) = (selector.to_ascii_lowercase(), reference.to_ascii_lowercase());
    !s.is_empty() && (r == s || r.strip_prefix(&s).is_some_and(|rest| rest.starts_with('.')))
}

/// Whether `selector` names any reference at all (so it is not an unknown selector).
pub fn is_known(selector: &str) -> bool {
    REFERENCES.iter().flat_map(|(_, refs)| refs.iter()).any(|r| selects(selector, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_references_are_selectable_by_section() {
        assert!(REFERENCES.windows(2).all(|w| w.first().map(|a| a.0) < w.get(1).map(|b| b.0)));
        assert_eq!(references("TR003"), ["cis-5.1.13", NSA_AUTHN]);
        assert!(references("MX001").is_empty());
        assert!(selects("CIS-5.1", "cis-5.1.13"));
        assert!(selects("cis-5.1.13", "cis-5.1.13"));
        assert!(!selects("cis-5.1.1", "cis-5.1.13"));
        assert!(is_known("cis-3.1") && is_known("nsa-cisa-authn-authz") && !is_known("cis-9.9"));
    }
}
