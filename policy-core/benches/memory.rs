//! Heap cost of loaded objects, per shape: what `input::load` keeps and its peak, per object and
//! as a ratio to the input's bytes.
//!
//! `cargo bench -p policy-core --bench memory [-- N]` (default N = 100000; `--profile dev` gives
//! the same figures, allocation sizes do not depend on optimisation). Shapes:
//! - `list`: one `kind: List` of N tiny ConfigMaps (flow items, as a hostile file would be);
//! - `docs`: N tiny block-style documents separated by `---`;
//! - `sample`: `examples/sample-cluster.yaml` repeated until it holds about N/10 objects;
//! - `list.json`: the `list` shape as pretty JSON (serde_json's reader, our tree).
//!
//! Memory is counted by the global allocator: the peak of live heap bytes above the start during
//! the load, and what is still live while the result is held. Not a timed test: figures go to
//! `docs/benchmarks.md`.

use peak_alloc::PeakAlloc;
use policy_core::input::{InputFile, Level, Limits, load};

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

fn list(n: usize) -> String {
    let mut out = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..n {
        out.push_str(&format!(
            "- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: cm-{i}, namespace: default}}}}\n"
        ));
    }
    out
}

fn list_json(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "    {{\n      \"apiVersion\": \"v1\",\n      \"kind\": \"ConfigMap\",\n      \"metadata\": {{\n        \"name\": \"cm-{i}\",\n        \"namespace\": \"default\"\n      }}\n    }}"
            )
        })
        .collect();
    format!("{{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n{}\n  ],\n  \"kind\": \"List\"\n}}\n", items.join(",\n"))
}

fn docs(n: usize) -> String {
    (0..n).map(|i| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n---\n")).collect()
}

fn sample(n: usize) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/sample-cluster.yaml");
    let one = std::fs::read_to_string(path).unwrap_or_default();
    let per_copy = load(&[InputFile { name: "s.yaml", bytes: one.as_bytes() }], &Limits::default()).objects.len();
    let copies = (n / 10).div_ceil(per_copy.max(1)).max(1);
    let mut out = String::new();
    for _ in 0..copies {
        out.push_str(&one);
        if !one.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("---\n");
    }
    out
}

fn main() {
    let n = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000usize);
    println!(
        "| shape | input MB | objects | load peak | peak / input | kept | kept / object | errors |\n|---|---:|---:|---:|---:|---:|---:|---|"
    );
    let shapes: [(&str, String); 4] =
        [("list", list(n)), ("docs", docs(n)), ("sample", sample(n)), ("list.json", list_json(n))];
    for (shape, text) in shapes {
        let name = if shape.ends_with(".json") { "dump.json" } else { "dump.yaml" };
        let input = [InputFile { name, bytes: text.as_bytes() }];
        let before = ALLOC.current_usage();
        ALLOC.reset_peak_usage();
        let loaded = load(&input, &Limits::default());
        let peak = ALLOC.peak_usage().saturating_sub(before);
        let kept = ALLOC.current_usage().saturating_sub(before);
        let objects = loaded.objects.len();
        // A limit (e.g. the loader's memory budget) may stop a large input: say so with the figures.
        let errors: Vec<&str> = loaded
            .inputs
            .iter()
            .flat_map(|i| &i.diagnostics)
            .filter(|d| d.level == Level::Error)
            .map(|d| d.code.as_str())
            .collect();
        println!(
            "| {shape} | {:.1} | {objects} | {:.1} MiB | {:.2}x | {:.1} MiB | {} B | {} |",
            text.len() as f64 / 1e6,
            peak as f64 / (1024.0 * 1024.0),
            peak as f64 / text.len() as f64,
            kept as f64 / (1024.0 * 1024.0),
            kept / objects.max(1),
            if errors.is_empty() { "-".to_string() } else { errors.join(", ") },
        );
        drop(loaded);
    }
}
