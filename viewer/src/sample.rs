//! The built-in sample the viewer opens on (`#sample=load`) and warms its worker up on.

/// The built-in sample (issue 12): the sample cluster's dump, the rows of its API server's
/// `--token-auth-file`, and the audit log that API server wrote, so that the first report a
/// user sees shows both kinds of evidence: what exists and what is used.
pub const SAMPLE: [(&str, &[u8]); 3] = [
    ("sample-cluster.yaml", include_bytes!("../../examples/sample-cluster.yaml")),
    ("sample-static-tokens.csv", include_bytes!("../../examples/sample-static-tokens.csv")),
    ("sample-cluster-audit.log", include_bytes!("../../examples/sample-cluster-audit.log")),
];
