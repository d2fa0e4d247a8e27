//! What every fuzz target checks, beyond "no panic": each diagnostic and finding of an input
//! points at a line of that input, the report renders (as JSON and in one more format picked by
//! the input), and no output shows a secret value planted in a place that holds secrets.
//!
//! Targets stay on bytes-in APIs (`analyze`, `load`, `kubewarden::validate`, `opa::parse_json`),
//! so that changes to the value types under them do not break the fuzzers.

use base64::Engine as _;
use policy_core::render::{Format, render};
use policy_core::{InputFile, Limits, Report, Settings};

/// A secret value planted in secret-bearing places (token file, Secret data, kubeconfig
/// credentials). No byte of any output may contain it.
pub const MARKER: &str = "Xq7zPlantedFuzzSecret9wK";

/// Small limits, so that depth, alias, size and document guards run, not only the allocator.
#[allow(clippy::needless_update, reason = "limits gain fields (budgets); those keep their defaults")]
pub fn limits() -> Limits {
    Limits {
        max_total_bytes: 1 << 20,
        max_depth: 64,
        max_alias_nodes: 10_000,
        max_documents: 1_000,
        ..Limits::default()
    }
}

/// Settings for a run: every rule, small limits, a fixed instant (2027-01-15) so that time rules run.
pub fn settings() -> Settings {
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).ok();
    Settings { now, limits: limits(), ..Settings::default() }
}

/// How many lines `bytes` has, counting `\n`, `\r\n` and a lone `\r` each as one break (so the
/// bound holds whether or not the loader counts CR-only line ends), at least 1.
pub fn line_count(bytes: &[u8]) -> u32 {
    let mut breaks = 0u32;
    let mut iter = bytes.iter().peekable();
    while let Some(&b) = iter.next() {
        if b == b'\n' || (b == b'\r' && iter.peek() != Some(&&b'\n')) {
            breaks = breaks.saturating_add(1);
        }
    }
    let open_last = bytes.last().is_some_and(|&b| b != b'\n' && b != b'\r');
    (breaks + u32::from(open_last)).max(1)
}

/// Whether `bytes` contains the planted marker (in clear or base64 of it at any alignment): then
/// the input itself put it in a visible place and the no-leak check cannot apply.
pub fn mentions_marker(bytes: &[u8]) -> bool {
    // `str::contains`, not a window-by-window comparison: libFuzzer traces every `memcmp`, and a
    // million of them per input made the targets a hundred times slower.
    let text = String::from_utf8_lossy(bytes);
    marker_forms().iter().any(|form| text.contains(form.as_str()))
}

/// The marker, and the middle of its base64 after 0, 1 or 2 other bytes (the same whatever those
/// bytes and the ones after it are).
fn marker_forms() -> &'static [String] {
    static FORMS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FORMS.get_or_init(|| {
        let mut forms = vec![MARKER.to_string()];
        for shift in 0..3 {
            let mut shifted = vec![0u8; shift];
            shifted.extend_from_slice(MARKER.as_bytes());
            let b64 = base64::engine::general_purpose::STANDARD.encode(shifted);
            forms.extend(b64.get(4..b64.len().saturating_sub(4)).map(str::to_string));
        }
        forms
    })
}

/// Files with the marker in every place that holds a secret: a static token file, a
/// service-account token Secret, kubeconfigs (plain and in a Secret) with a token, a basic-auth
/// password and a password in the server URL, and a kube-apiserver with one in its OIDC issuer
/// URL, its OIDC client secret and an env value named like a password.
pub fn planted_inputs() -> Vec<(String, Vec<u8>)> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n\
         clusters: [{{name: c, cluster: {{server: 'https://admin:{MARKER}@10.0.0.1:6443'}}}}]\n\
         users: [{{name: u, user: {{token: {MARKER}}}}}, {{name: b, user: {{username: admin, password: {MARKER}}}}}]\n\
         contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n"
    );
    let secrets = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\n\
         metadata: {{name: planted-sa-token, namespace: default, annotations: {{kubernetes.io/service-account.name: default}}}}\n\
         data: {{token: {token}}}\n---\n\
         apiVersion: v1\nkind: Secret\nmetadata: {{name: planted-kubeconfig, namespace: default}}\n\
         data: {{kubeconfig: {kubeconfig}}}\n---\n{plain}",
        token = b64(MARKER),
        kubeconfig = b64(&kubeconfig),
        plain = kubeconfig,
    );
    let apiserver = format!(
        "apiVersion: v1\nkind: Pod\n\
         metadata: {{name: kube-apiserver-planted, namespace: kube-system, labels: {{component: kube-apiserver}}}}\n\
         spec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.30.6\n    command:\n\
         \x20   - kube-apiserver\n    - --oidc-issuer-url=https://oidc:{MARKER}@dex.example.com\n    - --oidc-client-id=k8s\n\
         \x20   - --oidc-client-secret={MARKER}\n    - --token-auth-file=/etc/kubernetes/tokens.csv\n\
         \x20   - --anonymous-auth=true\n    env: [{{name: DB_PASSWORD, value: {MARKER}}}]\n"
    );
    vec![
        ("planted/apiserver.yaml".to_string(), apiserver.into_bytes()),
        ("planted/tokens.csv".to_string(), format!("{MARKER},planted-user,1001,\"system:masters\"\n").into_bytes()),
        ("planted/secrets.yaml".to_string(), secrets.into_bytes()),
    ]
}

/// Analyse `fuzzed` (as `name`) beside the planted inputs, render, and check the invariants; the
/// leak check is skipped when the input itself shows the marker. Returns the report.
pub fn analyze_checked(name: &str, fuzzed: &[u8]) -> Report {
    analyze_with(name, fuzzed, !mentions_marker(fuzzed) && !mentions_marker(name.as_bytes()))
}

/// [`analyze_checked`] for an input that holds the marker on purpose (in a secret's place) and
/// where `check_leaks` says whether the fuzzed rest of it left the marker out.
pub fn analyze_with(name: &str, fuzzed: &[u8], check_leaks: bool) -> Report {
    let planted = planted_inputs();
    let mut inputs = vec![InputFile { name, bytes: fuzzed }];
    inputs.extend(planted.iter().map(|(n, b)| InputFile { name: n, bytes: b }));
    let report = policy_core::analyze(&inputs, &settings());
    assert_located(&report, name, fuzzed);
    // JSON is the whole report model, which every other format is drawn from: the leak check is
    // made on it. One other format, picked by the input's length, is rendered too (all five
    // each time would cost most of the run: SARIF alone repeats the rule catalogue).
    let other = Format::ALL.get(fuzzed.len() % Format::ALL.len()).copied().unwrap_or(Format::Text);
    for format in [Format::Json, other] {
        let out = render(&report, format, false);
        assert!(
            !check_leaks || !mentions_marker(out.as_bytes()),
            "{} output shows the planted secret",
            format.as_str()
        );
    }
    report
}

/// Every diagnostic and finding located in `name` is on a line of `bytes` (of plain text).
pub fn assert_located(report: &Report, name: &str, bytes: &[u8]) {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        // A gzip audit log: its lines are those of the text inside, which the audit target
        // checks on plain logs (the same reader, chunk by chunk).
        return;
    }
    let lines = line_count(bytes);
    for input in report.inputs.iter().filter(|i| i.path == name) {
        for d in &input.diagnostics {
            assert!(d.source.line >= 1 && d.source.line <= lines, "diagnostic outside the input ({lines} lines): {d}");
        }
    }
    for f in report.findings.iter().filter(|f| *f.source.path == *name) {
        assert!(f.source.line >= 1 && f.source.line <= lines, "{} at line {} of {lines}", f.code, f.source.line);
    }
}

/// Load `bytes` as `name` alone and check every diagnostic and object line (cheaper than a
/// whole analysis, so the parsers get most of the executions).
pub fn load_checked(name: &str, bytes: &[u8]) {
    let loaded = policy_core::input::load(&[InputFile { name, bytes }], &limits());
    let lines = line_count(bytes);
    for input in &loaded.inputs {
        for d in &input.diagnostics {
            assert!(d.source.line >= 1 && d.source.line <= lines, "diagnostic outside the input ({lines} lines): {d}");
        }
    }
    for object in &loaded.objects {
        assert!(
            object.source.line >= 1 && object.source.line <= lines,
            "object at line {} of {lines}",
            object.source.line
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_every_kind_of_break() {
        assert_eq!(line_count(b""), 1);
        assert_eq!(line_count(b"a\nb\n"), 2);
        assert_eq!(line_count(b"a\r\nb"), 2);
        assert_eq!(line_count(b"a\rb\rc"), 3);
    }

    #[test]
    fn the_marker_is_seen_in_clear_and_in_base64() {
        assert!(mentions_marker(MARKER.as_bytes()));
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("ab{MARKER}"));
        assert!(mentions_marker(b64.as_bytes()));
        assert!(!mentions_marker(b"kind: Secret"));
    }

    #[test]
    fn the_planted_inputs_load_and_produce_findings() {
        let report = analyze_checked("empty.yaml", b"");
        assert!(report.summary.objects >= 4, "{} objects", report.summary.objects);
        // The marker sits where the rules read secrets: the token file, the token Secret and both
        // kubeconfigs (the embedded one and the plain one) are each reported on.
        let found =
            |code: &str, path: &str| report.findings.iter().filter(|f| f.code == code && *f.source.path == *path).count();
        assert!(found("ST003", "planted/tokens.csv") >= 1);
        assert_eq!(found("SA001", "planted/secrets.yaml"), 1);
        assert_eq!(found("KC002", "planted/secrets.yaml"), 4, "token and password of two kubeconfigs");
        assert!(found("OI001", "planted/apiserver.yaml") + found("AN001", "planted/apiserver.yaml") >= 1);
        for format in Format::ALL {
            assert!(!mentions_marker(render(&report, format, false).as_bytes()), "{} shows it", format.as_str());
        }
    }
}
