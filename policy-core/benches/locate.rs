//! What placing findings at their fields costs, as a share of the whole analysis.
//!
//! `cargo bench -p policy-core --bench locate [-- SIZES...]` (default sizes 1000 10000 100000).
//! For each size it writes one `kind: List` as kubectl-style YAML, pretty JSON and minified JSON
//! (every object on one line: the locator's worst case) and measures in this process:
//! - `policy_core::analyze` (load, inventory, every rule, placing the findings): the baseline;
//! - `place_findings` alone over the same findings, put back at their objects' lines (less the
//!   time to copy them for each run).
//!
//! Times are the best of a few runs. Not a timed test: figures go to `docs/benchmarks.md`.

use policy_core::input::InputFile;
use policy_core::{Settings, analyze};
use std::fmt::Write as _;
use std::time::Instant;

/// A kube-apiserver static Pod, then per step a legacy token Secret, a workload Pod and a
/// ConfigMap: findings on most objects, in field paths of every depth.
fn yaml(n: usize) -> String {
    let mut out = String::from(
        "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    labels:\n      component: kube-apiserver\n    name: kube-apiserver-cp-1\n    namespace: kube-system\n  spec:\n    containers:\n    - command:\n      - kube-apiserver\n      - --anonymous-auth=true\n      - --token-auth-file=/etc/kubernetes/tokens.csv\n      image: registry.k8s.io/kube-apiserver:v1.31.0\n      name: kube-apiserver\n",
    );
    for i in 1..n {
        let ns = i % 40;
        let _ = match i % 3 {
            0 => write!(
                out,
                "- apiVersion: v1\n  data:\n    ca.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n    token: ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXlKemRXSWlPaUp6ZVhOMFpXMDZjMlZ5ZG1salpXRmpZMjkxYm5RNmRHVmhiVHBsZUdGdGNHeGxJbjAuc2lnbmF0dXJl\n  kind: Secret\n  metadata:\n    annotations:\n      kubernetes.io/service-account.name: sa-{i}\n    name: sa-{i}-token\n    namespace: team-{ns}\n  type: kubernetes.io/service-account-token\n"
            ),
            1 => write!(
                out,
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    labels:\n      app: web\n    name: web-{i}\n    namespace: team-{ns}\n  spec:\n    containers:\n    - args:\n      - --port=8080\n      image: nginx:1.27\n      name: web\n    serviceAccountName: sa-{i}\n    volumes:\n    - name: token\n      projected:\n        sources:\n        - serviceAccountToken:\n            expirationSeconds: 86400\n            path: token\n"
            ),
            _ => write!(
                out,
                "- apiVersion: v1\n  data:\n    app.yaml: |\n      server:\n        port: 8080\n  kind: ConfigMap\n  metadata:\n    name: settings-{i}\n    namespace: team-{ns}\n"
            ),
        };
    }
    out.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    out
}

fn best(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        f();
        best = best.min(started.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000] } else { sizes };
    let now = Some(time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000));
    let settings = Settings { now, ..Settings::default() };
    println!(
        "| objects | form | MB | findings | analyze | placing the findings | share |\n|---:|---|---:|---:|---:|---:|---:|"
    );
    for n in sizes {
        let yaml = yaml(n);
        let value: serde_json::Value =
            policy_core::input::parse_yaml_value(&yaml).map(serde_json::Value::from).unwrap_or_default();
        assert!(
            value.get("items").and_then(serde_json::Value::as_array).is_some_and(|items| items.len() == n),
            "the generated YAML parses"
        );
        let pretty = serde_json::to_string_pretty(&value).unwrap_or_default();
        let minified = serde_json::to_string(&value).unwrap_or_default();
        let runs = if n >= 100_000 { 2 } else { 5 };
        for (form, text) in [("yaml", &yaml), ("json", &pretty), ("minified json", &minified)] {
            let input = [InputFile { name: "dump", bytes: text.as_bytes() }];
            let report = analyze(&input, &settings);
            let placed = report.findings.iter().filter(|f| f.source.column > 0).count();
            assert!(placed * 2 > report.findings.len(), "{form}: most findings are placed ({placed})");
            let full = best(runs, || drop(analyze(&input, &settings)));
            let mut at_objects = report.findings.clone();
            for f in &mut at_objects {
                f.source.line = f.source.object_line;
                f.source.column = 0;
            }
            // Placing works on a fresh copy each run: the copy's cost is measured and taken off.
            let copy = best(runs, || drop(at_objects.clone()));
            let place = best(runs, || {
                let mut findings = at_objects.clone();
                policy_core::place_findings(&mut findings, &input);
            }) - copy;
            println!(
                "| {n} | {form} | {:.1} | {} | {:.1} ms | {:.1} ms | {:.1} % |",
                text.len() as f64 / 1e6,
                report.findings.len(),
                full * 1e3,
                place * 1e3,
                place / full * 100.0
            );
        }
    }
}
