//! `cargo xtask bench [--quick] [--no-hosts]`: every benchmark of the project, one after the
//! other, then the tables of ratios they printed, gathered under one heading per benchmark.
//!
//! What runs (each prints its own tables, with the command that made it, for
//! `docs/benchmarks.md`; the summary repeats every table row and verdict):
//! - `cargo build --release -p authn-audit`, the CLI whose whole process the scan bench times;
//! - `cargo bench -p policy-core --bench scan`, `locate`, `pathological` (instruction counts
//!   under callgrind; valgrind installed by scripts/tools.sh), `audit`, `admission`, `memory`
//!   (the library, in process, as ratios to parsing the same bytes);
//! - `cargo xtask bench-memory` (peak RSS of the release CLI as a ratio to the input's bytes);
//! - the wasm hosts: `cargo xtask wasm`, then `tests/hosts/rust`'s `bench` (wasmtime through
//!   wapc + wasmtime-provider, as kwctl) and `node tests/hosts/bench.mjs` (`@wapc/host`,
//!   `@open-policy-agent/opa-wasm` and its memory pages, the npm package), each decision as a
//!   ratio to parsing the same review in the same process. The host crate builds into
//!   `AUTHN_AUDIT_HOSTS_CARGO_TARGET` (or `target/hosts`), as `scripts/test-hosts.sh` does.
//!
//! `--quick` gives every benchmark smaller sizes and fewer calls (a few minutes once built; its
//! figures are for checking that nothing regressed by an order of magnitude, not for the docs).
//! `--no-hosts` skips the wasm hosts (no wasm build, no wasmtime). Every benchmark runs even
//! when an earlier one fails; the exit status is non-zero if any failed (the pathological,
//! admission-host and memory benchmarks fail when their bound is broken).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask bench [--quick] [--no-hosts]";

/// One benchmark: a title and its command.
struct Step {
    title: &'static str,
    command: Command,
}

fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root).args(args);
    command
}

/// `cargo bench -p policy-core --bench NAME [-- ARGS]`.
fn core_bench(root: &Path, name: &str, args: &[&str]) -> Command {
    let mut command = cargo(root, &["bench", "--quiet", "-p", "policy-core", "--bench", name]);
    if !args.is_empty() {
        command.arg("--").args(args);
    }
    command
}

fn steps(root: &Path, quick: bool, hosts: bool) -> Vec<Step> {
    // Quick sizes: every shape still runs, at a tenth or less of the default.
    let pick = |full: &'static [&'static str], short: &'static [&'static str]| if quick { short } else { full };
    let mut valgrind = Command::new("bash");
    valgrind.current_dir(root).args(["-c", "source scripts/tools.sh && ensure_valgrind"]);
    let mut steps = vec![
        // The scan bench's whole-process columns run this binary (target/release/authn-audit).
        Step {
            title: "release CLI (for the scan's whole-process columns)",
            command: cargo(root, &["build", "--release", "--quiet", "-p", "authn-audit"]),
        },
        Step {
            title: "scan (whole scan vs parse, in process and as processes)",
            command: core_bench(root, "scan", pick(&[], &["1000", "10000"])),
        },
        Step {
            title: "placing findings on their field (share of analyze)",
            command: core_bench(root, "locate", pick(&[], &["1000", "10000"])),
        },
        Step { title: "valgrind (for the instruction counts)", command: valgrind },
        Step {
            title: "pathological shapes (growth vs input)",
            // Judged on callgrind's instruction counts: CPU time on a shared machine grows with
            // its load and cache misses and broke the 1.1 bar for shapes that are linear.
            command: {
                let mut command = core_bench(root, "pathological", pick(&[], &["1000", "4000"]));
                command.env("PATHOLOGICAL_MEASURE", "instructions");
                command
            },
        },
        Step { title: "audit logs (read vs parse)", command: core_bench(root, "audit", pick(&[], &["10", "50"])) },
        Step {
            title: "admission, native (decide vs parse)",
            command: core_bench(root, "admission", pick(&[], &["500"])),
        },
        Step { title: "memory per loaded object", command: core_bench(root, "memory", pick(&[], &["10000"])) },
        Step {
            title: "memory of the CLI (peak RSS vs input)",
            command: cargo(root, &[&["xtask", "bench-memory"], pick(&[], &["--quick"])].concat()),
        },
    ];
    if hosts {
        let target = std::env::var_os("AUTHN_AUDIT_HOSTS_CARGO_TARGET")
            .map_or_else(|| crate::target_dir(root).join("hosts"), std::path::PathBuf::from);
        let manifest = root.join("tests/hosts/rust/Cargo.toml");
        let calls = if quick { "300" } else { "2000" };
        let evaluations = if quick { "10000" } else { "100000" };
        let mut wasmtime = cargo(root, &["run", "--quiet", "--bin", "bench", "--manifest-path"]);
        wasmtime.arg(&manifest).args(["--", calls]).env("CARGO_TARGET_DIR", &target);
        let mut npm = Command::new("bash");
        npm.current_dir(root).args(["-c", "source scripts/tools.sh && ensure_npm_deps tests/hosts"]);
        let mut node = Command::new("node");
        node.current_dir(root.join("tests/hosts")).args(["bench.mjs", calls, evaluations]);
        steps.extend([
            Step { title: "wasm modules (cargo xtask wasm)", command: cargo(root, &["xtask", "wasm"]) },
            Step { title: "admission in wasmtime (wapc + wasmtime-provider)", command: wasmtime },
            Step { title: "node host dependencies", command: npm },
            Step { title: "admission in node (@wapc/host, opa-wasm, npm) and OPA memory", command: node },
        ]);
    }
    steps
}

/// What the summary repeats: the tables (every bench prints its ratios as Markdown tables), the
/// audit bench's throughput lines, and any verdict on a bound.
fn is_figure(line: &str) -> bool {
    line.trim_start().starts_with('|') || line.contains("MB/s") || line.contains("FAIL") || line.contains("GREW")
}

/// Run one step, echoing its output; returns whether it succeeded and the figure rows it printed.
fn run_step(step: &mut Step) -> (bool, Vec<String>) {
    let child = step.command.stdout(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("xtask bench: cannot start `{:?}`: {e}", step.command.get_program());
            return (false, Vec::new());
        }
    };
    let mut figures = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if is_figure(&line) {
                figures.push(line);
            }
        }
    }
    (child.wait().is_ok_and(|s| s.success()), figures)
}

/// Run the benchmarks (see the module docs).
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let (mut quick, mut hosts) = (false, true);
    for arg in args {
        match arg.as_str() {
            "--quick" => quick = true,
            "--no-hosts" => hosts = false,
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => anyhow::bail!("unexpected argument `{other}`\n{USAGE}"),
        }
    }
    let root = crate::root();
    let mut summary = Vec::new();
    let mut failed = Vec::new();
    for mut step in steps(&root, quick, hosts) {
        println!("\n## {}\n", step.title);
        let start = Instant::now();
        let (ok, figures) = run_step(&mut step);
        let took = start.elapsed().as_secs_f64();
        if !ok {
            failed.push(step.title);
        }
        summary.push((step.title, ok, took, figures));
    }
    println!("\n# Summary{}\n", if quick { " (--quick: small sizes, not figures for the docs)" } else { "" });
    for (title, ok, took, figures) in &summary {
        println!("## {title}: {} in {took:.0} s", if *ok { "ok" } else { "FAILED" });
        for line in figures {
            println!("{line}");
        }
        println!();
    }
    if failed.is_empty() { Ok(()) } else { anyhow::bail!("failed: {}", failed.join("; ")) }
}
