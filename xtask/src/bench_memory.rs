//! `cargo xtask bench-memory [--quick] [--no-build]`: peak memory of the release CLI over a
//! battery of hostile input shapes, as a ratio to the input's bytes. Fails (exit 1) when a shape
//! breaks the bound of issue 8: peak RSS <= 8 x input bytes + 64 MiB.
//!
//! Each shape is generated into a temporary directory (deleted after), scanned once by
//! `target/release/authn-audit scan FILE -f json -o /dev/null` under `/usr/bin/time -v`, whose
//! "Maximum resident set size" is the peak. `--quick` (= `--divide 50`) makes every input 50
//! times smaller (CI: well under a minute once built); the full sizes are those of the issue (a
//! 171 MB List, 10^6 documents), which today need several GB: run them on a machine of your own.

use anyhow::{Context as _, anyhow, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const MIB: u64 = 1 << 20;

/// One shape: its name, what it is, and how to write `scale` units of it.
struct Shape {
    name: &'static str,
    what: &'static str,
    make: fn(u64) -> String,
    /// Units at full size (the issue's figures where it gives them).
    full: u64,
}

fn configmap(i: u64) -> String {
    format!("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n")
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "alias-bomb",
        what: "one 1 MB scalar referenced by 8000 aliases",
        full: 8000,
        // Always full size: it is small, and the point is what it would expand to.
        make: |_| {
            let big = "x".repeat(1 << 20);
            let mut s = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: bomb}}\ndata:\n  a: &a {big}\n");
            for i in 0..8000 {
                let _ = writeln!(s, "  k{i}: *a");
            }
            s + "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: after}\n"
        },
    },
    Shape {
        name: "tiny-list-items",
        what: "`kind: List` of tiny ConfigMaps (kubectl layout)",
        full: 3_000_000,
        make: |n| {
            let mut s = String::from("apiVersion: v1\nitems:\n");
            for i in 0..n {
                s.push_str(&configmap(i));
            }
            s + "kind: List\nmetadata:\n  resourceVersion: \"\"\n"
        },
    },
    Shape {
        name: "tiny-documents",
        what: "tiny ConfigMap documents separated by `---`",
        full: 1_000_000,
        make: |n| (0..n).map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n")).collect(),
    },
    Shape {
        name: "cr-line-endings",
        what: "tiny documents with old-Mac `\\r` line ends",
        full: 1_000_000,
        make: |n| (0..n).map(|i| format!("---\rapiVersion: v1\rkind: ConfigMap\rmetadata: {{name: c{i}}}\r")).collect(),
    },
    Shape {
        name: "json-list-items",
        what: "`kubectl -o json` List of tiny ConfigMaps",
        full: 1_000_000,
        make: |n| {
            let items: Vec<String> = (0..n)
                .map(|i| {
                    format!("{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"c{i}\"}}}}")
                })
                .collect();
            format!("{{\"apiVersion\": \"v1\", \"items\": [\n{}\n], \"kind\": \"List\"}}\n", items.join(",\n"))
        },
    },
    Shape {
        name: "long-scalars",
        what: "ConfigMaps holding one 8 MB value each",
        full: 16,
        make: |n| {
            let value = "y".repeat(8 << 20);
            (0..n)
                .map(|i| {
                    format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata:\n  v: {value}\n")
                })
                .collect()
        },
    },
    Shape {
        name: "many-keys",
        what: "one ConfigMap with a million keys",
        full: 1_000_000,
        make: |n| {
            let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keys}\ndata:\n");
            for i in 0..n {
                let _ = writeln!(s, "  k{i}: v");
            }
            s
        },
    },
    Shape {
        name: "tiny-maps-in-a-pod",
        what: "one Pod with a million `{name, value}` env entries",
        full: 1_000_000,
        make: |n| {
            let mut s = String::from(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    env:\n",
            );
            for i in 0..n {
                let _ = writeln!(s, "    - {{name: E{i}, value: v}}");
            }
            s
        },
    },
    Shape {
        name: "empty-containers",
        what: "JSON with a million `{}` / `[]` (densest nodes)",
        full: 2_000_000,
        make: |n| {
            let items: Vec<&str> = (0..n).map(|i| if i % 2 == 0 { "{}" } else { "[]" }).collect();
            format!(
                "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"e\"}}, \"x\": [{}]}}\n",
                items.join(",")
            )
        },
    },
    Shape {
        name: "deep-nesting",
        what: "documents nested 120 deep (under the 128 cap)",
        full: 50_000,
        make: |n| {
            let deep = format!("{}x{}", "[".repeat(120), "]".repeat(120));
            (0..n)
                .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: d{i}}}\nx: {deep}\n"))
                .collect()
        },
    },
    Shape {
        name: "small-anchor-aliases",
        what: "a million aliases of small anchors",
        full: 1_000_000,
        make: |n| {
            let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nx:\n- &a {k: v}\n");
            for _ in 0..n {
                s.push_str("- *a\n");
            }
            s
        },
    },
];

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut divide = 1u64;
    let mut build = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => divide = 50,
            "--no-build" => build = false,
            "--divide" => {
                divide = rest
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .context("--divide needs a number > 0")?;
            }
            bad => {
                return Err(anyhow!(
                    "bench-memory: unknown argument `{bad}` (expected --quick, --divide N, --no-build)"
                ));
            }
        }
    }
    let root = crate::root();
    if build {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "-p", "authn-audit"])
            .current_dir(&root)
            .status()
            .context("cannot run cargo")?;
        if !status.success() {
            bail!("release build failed");
        }
    }
    let cli = root.join("target/release/authn-audit");
    let dir = std::env::temp_dir().join(format!("authn-audit-bench-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let result = measure_all(&cli, &dir, divide);
    let _ = std::fs::remove_dir_all(&dir);
    let (table, over) = result?;
    println!("{table}");
    if over.is_empty() { Ok(()) } else { Err(anyhow!("peak memory above 8 x input + 64 MiB for: {}", over.join(", "))) }
}

fn measure_all(cli: &Path, dir: &Path, divide: u64) -> anyhow::Result<(String, Vec<&'static str>)> {
    let mut table = format!(
        "`cargo xtask bench-memory{}` (peak RSS of `authn-audit scan --fail-on never -f json -o REPORT FILE`)\n\n\
         | shape | input | input bytes | peak RSS | RSS / input | bound (8x + 64 MiB) | diagnostics |\n|---|---|---:|---:|---:|---:|---|\n",
        if divide > 1 { format!(" --divide {divide}") } else { String::new() }
    );
    let mut over = Vec::new();
    for shape in SHAPES {
        let units = (shape.full / divide).max(1);
        let path = dir.join(format!(
            "{}.{}",
            shape.name,
            if shape.name.starts_with("json") || shape.name == "empty-containers" { "json" } else { "yaml" }
        ));
        let text = (shape.make)(units);
        std::fs::write(&path, &text).with_context(|| format!("{}", path.display()))?;
        let bytes = text.len() as u64;
        drop(text);
        let (rss, codes) = peak_rss(cli, &path)?;
        let _ = std::fs::remove_file(&path);
        let bound = 8 * bytes + 64 * MIB;
        if rss > bound {
            over.push(shape.name);
        }
        let _ = writeln!(
            table,
            "| {} | {} ({units}) | {} | {:.1} MiB | {:.2} | {} | {} |",
            shape.name,
            shape.what,
            bytes,
            rss as f64 / MIB as f64,
            rss as f64 / bytes as f64,
            if rss > bound { "**over**" } else { "ok" },
            codes
        );
        eprintln!("{}: {bytes} bytes, peak {:.1} MiB", shape.name, rss as f64 / MIB as f64);
    }
    Ok((table, over))
}

/// Peak RSS in bytes of one scan, and the diagnostic codes its report lists.
fn peak_rss(cli: &Path, input: &PathBuf) -> anyhow::Result<(u64, String)> {
    let report = input.with_extension("report.json");
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(cli)
        .args(["scan", "--fail-on", "never", "-f", "json", "-o"])
        .arg(&report)
        .arg(input)
        .output()
        .context("cannot run /usr/bin/time")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kb = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .with_context(|| format!("no peak RSS in the output of /usr/bin/time for {}: {stderr}", input.display()))?;
    let codes = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .map(|r| {
            let mut codes: Vec<String> = r
                .get("inputs")
                .and_then(|i| i.as_array())
                .into_iter()
                .flatten()
                .flat_map(|i| i.get("diagnostics").and_then(|d| d.as_array()).cloned().unwrap_or_default())
                .filter_map(|d| d.get("code").and_then(|c| c.as_str()).map(str::to_string))
                .collect();
            codes.dedup();
            codes.join(", ")
        })
        .unwrap_or_else(|| format!("no report (exit {:?})", out.status.code()));
    let _ = std::fs::remove_file(&report);
    Ok((kb * 1024, codes))
}
