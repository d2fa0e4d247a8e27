//! `cargo xtask bench-memory [--quick | --divide N] [--no-build] [--dumps N,...] [--no-shapes]`:
//! peak memory of the release CLI, as a ratio to the input's bytes, over
//! - a battery of hostile input shapes: fails (exit 1) when a shape breaks the bound of issue 8,
//!   peak RSS <= 8 x input bytes + 64 MiB;
//! - the scan bench's realistic dumps (`cargo bench -p policy-core --bench scan` with
//!   `SCAN_WRITE`: Pods with `managedFields`, token Secrets, RBAC, ConfigMaps) as kubectl-style
//!   YAML and pretty JSON: fails when one of 100 000 objects or more breaks the bound of issue 15,
//!   peak RSS <= 3 x input bytes for JSON and <= 4 x for YAML. The full run measures 100 000 and
//!   300 000 objects; `--dumps` chooses the sizes (also in a quick run, which has none).
//!
//! Each input is generated into a temporary directory (deleted after), scanned once by
//! `target/release/authn-audit scan FILE -f json -o REPORT` under `/usr/bin/time -v`, whose
//! "Maximum resident set size" is the peak: what the user pays, the CLI holding the file too.
//! `--quick` (= `--divide 50`) makes every shape 50 times smaller (CI: well under a minute once
//! built); the full sizes are those of the issue (a 171 MB List, 10^6 documents), which today
//! need several GB: run them on a machine of your own.

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

/// Objects of the dumps the full run measures: the sizes of issue 15.
const FULL_DUMPS: &[u64] = &[100_000, 300_000];

/// Dumps from this many objects on are held to issue 15's bound (smaller ones are dominated by
/// the program's own few MiB).
const DUMP_BOUND_FROM: u64 = 100_000;

/// The CLI's default input cap (`DEFAULT_MAX_INPUT_BYTES`): bigger dumps are scanned with
/// `--max-input-bytes` raised to their size.
const CLI_DEFAULT_CAP: u64 = 2 << 30;

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut divide = 1u64;
    let mut build = true;
    let mut dumps: Option<Vec<u64>> = None;
    let mut shapes = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => divide = 50,
            "--no-build" => build = false,
            "--no-shapes" => shapes = false,
            "--divide" => {
                divide = rest
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .context("--divide needs a number > 0")?;
            }
            "--dumps" => {
                let sizes = rest.next().context("--dumps needs sizes, e.g. 100000,300000")?;
                let sizes: Result<Vec<u64>, _> = sizes.split(',').map(str::parse).collect();
                dumps =
                    Some(sizes.ok().filter(|s| !s.is_empty()).context("--dumps needs numbers, e.g. 100000,300000")?);
            }
            bad => {
                return Err(anyhow!(
                    "bench-memory: unknown argument `{bad}` (expected --quick, --divide N, --no-build, --dumps N,..., --no-shapes)"
                ));
            }
        }
    }
    let dumps = dumps.unwrap_or_else(|| if divide == 1 { FULL_DUMPS.to_vec() } else { Vec::new() });
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
    let result = (|| {
        let shapes = if shapes { Some(measure_all(&cli, &dir, divide)?) } else { None };
        let dumps = if dumps.is_empty() { None } else { Some(measure_dumps(&root, &cli, &dir, &dumps)?) };
        anyhow::Ok((shapes, dumps))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    let (shapes, dumps) = result?;
    let mut failures = Vec::new();
    if let Some((table, over)) = shapes {
        println!("{table}");
        if !over.is_empty() {
            failures.push(format!("peak memory above 8 x input + 64 MiB for: {}", over.join(", ")));
        }
    }
    if let Some((table, over)) = dumps {
        println!("{table}");
        if !over.is_empty() {
            failures.push(format!("peak memory above 3 x (JSON) / 4 x (YAML) the input for: {}", over.join(", ")));
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(anyhow!("{}", failures.join("; "))) }
}

/// The scan bench's dumps of `sizes` objects, YAML and JSON, each scanned once: peak RSS as a
/// ratio to the input's bytes, CPU and wall time. One size at a time is on disk.
fn measure_dumps(root: &Path, cli: &Path, dir: &Path, sizes: &[u64]) -> anyhow::Result<(String, Vec<String>)> {
    let mut table = format!(
        "`cargo xtask bench-memory --dumps {}` (peak RSS of `authn-audit scan --fail-on never -f json -o REPORT FILE` on the scan bench's dumps)\n\n\
         | objects | form | input bytes | peak RSS | RSS / input | bound | CPU (user + sys) | wall | diagnostics |\n|---:|---|---:|---:|---:|---:|---:|---:|---|\n",
        sizes.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
    );
    let mut over = Vec::new();
    for &n in sizes {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["bench", "--quiet", "-p", "policy-core", "--bench", "scan", "--"])
            .arg(n.to_string())
            .env("SCAN_WRITE", dir)
            .current_dir(root)
            .status()
            .context("cannot run cargo bench")?;
        if !status.success() {
            bail!("the scan bench could not write the dumps of {n} objects");
        }
        for (form, bound) in [("yaml", 4u64), ("json", 3)] {
            let path = dir.join(format!("scan-{n}.{form}"));
            let bytes = std::fs::metadata(&path).with_context(|| format!("{}", path.display()))?.len();
            let cap = (bytes > CLI_DEFAULT_CAP).then_some(bytes);
            let run = peak_rss(cli, &path, cap);
            let _ = std::fs::remove_file(&path);
            let run = run?;
            let ratio = run.rss as f64 / bytes as f64;
            let judged = n >= DUMP_BOUND_FROM;
            let verdict = match (judged, run.rss > bound * bytes) {
                (false, _) => format!("({bound}x from {DUMP_BOUND_FROM})"),
                (true, true) => format!("**over** {bound}x"),
                (true, false) => format!("ok ({bound}x)"),
            };
            if judged && run.rss > bound * bytes {
                over.push(format!("{n} {form}"));
            }
            let flag = cap.map_or(String::new(), |c| format!(" (`--max-input-bytes {c}`)"));
            let _ = writeln!(
                table,
                "| {n} | {form}{flag} | {bytes} | {:.1} MiB | {ratio:.2} | {verdict} | {:.1} s | {} | {} |",
                run.rss as f64 / MIB as f64,
                run.cpu,
                run.wall,
                run.codes
            );
            eprintln!(
                "dump of {n} objects, {form}: {bytes} bytes, peak {:.1} MiB ({ratio:.2}x)",
                run.rss as f64 / MIB as f64
            );
        }
    }
    Ok((table, over))
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
        let Run { rss, codes, .. } = peak_rss(cli, &path, None)?;
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

/// What one scan cost.
struct Run {
    /// Peak RSS in bytes.
    rss: u64,
    /// User + system CPU seconds.
    cpu: f64,
    /// Wall time as `/usr/bin/time` prints it (`m:ss.cc`).
    wall: String,
    /// The diagnostic codes its report lists.
    codes: String,
}

/// One scan under `/usr/bin/time -v`, with the input cap raised to `cap` when given.
fn peak_rss(cli: &Path, input: &PathBuf, cap: Option<u64>) -> anyhow::Result<Run> {
    let report = input.with_extension("report.json");
    let mut command = Command::new("/usr/bin/time");
    command.arg("-v").arg(cli).args(["scan", "--fail-on", "never", "-f", "json", "-o"]).arg(&report);
    if let Some(cap) = cap {
        command.args(["--max-input-bytes", &cap.to_string()]);
    }
    let out = command.arg(input).output().context("cannot run /usr/bin/time")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let field = |name: &str| stderr.lines().find_map(|l| l.trim().strip_prefix(name).map(str::trim));
    let kb = field("Maximum resident set size (kbytes): ")
        .and_then(|v| v.parse::<u64>().ok())
        .with_context(|| format!("no peak RSS in the output of /usr/bin/time for {}: {stderr}", input.display()))?;
    let seconds = |name: &str| field(name).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = seconds("User time (seconds): ") + seconds("System time (seconds): ");
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss): ").unwrap_or("?").to_string();
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
    Ok(Run { rss: kb * 1024, cpu, wall, codes })
}
