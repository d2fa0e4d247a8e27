//! Project tasks: `cargo xtask docs [--check]`, `cargo xtask new-rule CODE slug`,
//! `cargo xtask wasm …`, `cargo xtask viewer …`, `cargo xtask bench [--quick]`, `cargo xtask bench-memory [--quick]`. Plain Rust so they run wherever cargo does.

mod bench;
mod bench_memory;
mod bindgen;
#[cfg(feature = "registry")]
mod docs;
mod man;
#[cfg(feature = "registry")]
mod new_rule;
mod viewer;
#[cfg(feature = "registry")]
mod wasm;

use anyhow::anyhow;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  docs [--check]                 generate docs/rules/ and the README rules table from the registry;
                                 --check fails (exit 1) when a generated file is stale
  new-rule CODE slug [--severity S] [--mechanism M] [--scope audit|admit]
                                 scaffold a rule file, its registry line and fixtures
  man [--check]                  write (or check) docs/authn-audit.1 from the CLI's definition
  wasm [args]                    build the policy-engine wasm modules
  viewer [args]                  build the viewer
  bench [--quick] [--no-hosts]   every benchmark (scan, pathological, audit, admission native and in
                                 the wasm hosts, memory), then the ratios they printed
  bench-memory [--quick] [--no-build] [--dumps N,...] [--no-shapes]
                                 peak RSS of the release CLI over hostile input shapes (fails
                                 above 8 x input + 64 MiB) and the scan bench's dumps of 100k
                                 and 300k objects (fails above 3 x input for JSON, 4 x for YAML)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match task.as_str() {
        #[cfg(feature = "registry")]
        "docs" => docs::run(rest),
        "man" => man::run(rest),
        #[cfg(feature = "registry")]
        "new-rule" => new_rule::run(rest),
        #[cfg(feature = "registry")]
        "wasm" => wasm::run(rest),
        #[cfg(not(feature = "registry"))]
        "docs" | "new-rule" | "wasm" => Err(anyhow!(
            "`{task}` reads the rule registry: run it as `cargo xtask {task}` (this xtask was built without it)"
        )),
        "viewer" => viewer::run(rest),
        "bench" => bench::run(rest),
        "bench-memory" => bench_memory::run(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(anyhow!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // `{:#}` prints the context chain on one line: `cannot read x: No such file…`.
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub(crate) fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the workspace root) or `target/`.
pub(crate) fn target_dir(root: &std::path::Path) -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    if dir.is_relative() { root.join(dir) } else { dir }
}
