//! `cargo xtask wasm`: build the policy-engine modules into `dist/policy/`.
//!
//! - `kubewarden.wasm`: the waPC guest, with `metadata.yml` embedded as the `io.kubewarden.metadata`
//!   custom section (JSON), as `kwctl annotate` does;
//! - `opa.wasm`: the OPA ABI module, with the `opa_wasm_abi_version` (1) and
//!   `opa_wasm_abi_minor_version` (2) globals added after linking (stable Rust cannot export a
//!   valued global), and the same Kubewarden metadata with `executionMode: opa`;
//! - `gatekeeper.wasm`: the very same module with `executionMode: gatekeeper`. Kubewarden takes the
//!   mode from the metadata (policy-server has no other way to be told, and `kwctl run` refuses a
//!   `--execution-mode` that contradicts it), so each Rego mode gets its own annotated copy; the
//!   module answers both contracts (see `policy_wasm::opa`);
//! - `npm/`: the wasm-bindgen package, `web/` (ES module, `init()` first) and `node/` (CommonJS);
//! - `metadata.yml`: the Kubewarden metadata as written.
//!
//! The link flags of the OPA module come from its own `build.rs`, so they reach nothing else.

use anyhow::{Context as _, anyhow, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bindgen;
use walrus::{ConstExpr, Module, RawCustomSection, ValType, ir::Value};

const USAGE: &str = "\
usage: cargo xtask wasm [--out DIR]
  builds kubewarden.wasm, opa.wasm, gatekeeper.wasm, npm/ and metadata.yml into dist/policy/ (or DIR);
  needs the wasm32-unknown-unknown target (`scripts/tools.sh rust_targets` adds it);
  wasm-bindgen runs as a library, so wasm-bindgen-cli is not needed";

const TARGET: &str = "wasm32-unknown-unknown";
const PROFILE: &str = "wasm";
const KUBEWARDEN_SECTION: &str = "io.kubewarden.metadata";
/// OPA ABI version this module implements: 1.2 (context path and `opa_eval` fast path).
const OPA_ABI: (i32, i32) = (1, 2);
/// Kubewarden's burrego gives the OPA module exactly this many pages.
const OPA_MAX_INITIAL_PAGES: u64 = 5;
const NPM_NAME: &str = "authn_audit";
/// The OPA module's artifacts, one per Kubewarden Rego execution mode.
const REGO_MODES: [(&str, &str); 2] = [("opa.wasm", "opa"), ("gatekeeper.wasm", "gatekeeper")];

/// Build everything (see the module docs).
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let root = crate::root();
    let out = match args {
        [] => root.join("dist/policy"),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        [flag] if flag == "--help" || flag == "-h" => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => return Err(anyhow!("unexpected arguments {args:?}\n{USAGE}")),
    };
    let built = build(&root)?;
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;

    let metadata_yml = root.join("policy-wasm/kubewarden/metadata.yml");
    let metadata_text = read_to_string(&metadata_yml)?;
    let metadata = kubewarden_metadata(&metadata_text)?;
    let kubewarden = annotate(&read(&built.join("policy_wasm_kubewarden.wasm"))?, &metadata)?;
    write(&out.join("kubewarden.wasm"), &kubewarden)?;
    write(&out.join("metadata.yml"), metadata_text.as_bytes())?;

    let opa = add_abi_globals(&read(&built.join("policy_wasm_opa.wasm"))?)?;
    for (file, mode) in REGO_MODES {
        write(&out.join(file), &with_metadata(parse(&opa)?, &in_mode(&metadata, mode))?)?;
    }

    npm(&built.join("policy_wasm_js.wasm"), &out.join("npm"))?;

    for file in [
        "kubewarden.wasm",
        "opa.wasm",
        "gatekeeper.wasm",
        "npm/web/authn_audit_bg.wasm",
        "npm/node/authn_audit_bg.wasm",
    ] {
        let path = out.join(file);
        let raw = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!("{file:32} {:>8} bytes  {:>8} gzip", raw, gzip_size(&path).map_or("?".to_string(), |n| n.to_string()));
    }
    println!("policy modules built into {}", out.display());
    Ok(())
}

/// Compile the three cdylibs at the `wasm` profile's opt-level `s` (about twice as fast as `z`;
/// kubewarden.wasm fits its 1 MiB since the admission modules link only the admit rules:
/// `policy_core::registry::ADMIT`); returns the directory holding them.
fn build(root: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--target", TARGET, "--profile", PROFILE])
        .args(["-p", "policy-wasm-kubewarden", "-p", "policy-wasm-opa", "-p", "policy-wasm-js"])
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build of the wasm modules failed ({status})");
    }
    Ok(crate::target_dir(root).join(TARGET).join(PROFILE))
}

/// `metadata.yml` as the JSON Kubewarden reads from the custom section, with the protocol version
/// that `kwctl annotate` would ask the guest for.
pub(crate) fn kubewarden_metadata(yaml: &str) -> anyhow::Result<serde_json::Value> {
    let mut json = policy_core::input::parse_yaml_value(yaml).context("metadata.yml")?;
    let map = json.as_object_mut().context("metadata.yml is not a mapping")?;
    map.insert("protocolVersion".to_string(), "v1".into());
    let version = map.get("annotations").and_then(|a| a.get("io.kubewarden.policy.version"));
    if version.and_then(policy_core::value::Value::as_str) != Some(policy_core::TOOL_VERSION) {
        return Err(anyhow!(
            "metadata.yml: `io.kubewarden.policy.version` must be the crate version {}",
            policy_core::TOOL_VERSION
        ));
    }
    if map.get("executionMode").and_then(policy_core::value::Value::as_str) != Some("kubewarden-wapc") {
        bail!("metadata.yml: `executionMode` must be `kubewarden-wapc`");
    }
    Ok(json.into())
}

fn parse(wasm: &[u8]) -> anyhow::Result<Module> {
    Module::from_buffer(wasm).context("cannot read wasm")
}

/// Embed the Kubewarden metadata; refuse a module kwctl would take for a Rego policy.
fn annotate(wasm: &[u8], metadata: &serde_json::Value) -> anyhow::Result<Vec<u8>> {
    let module = parse(wasm)?;
    if let Some(export) = module.exports.iter().find(|e| e.name.starts_with("opa_")) {
        bail!("kubewarden.wasm exports `{}`: kwctl would run it as Rego", export.name);
    }
    with_metadata(module, metadata)
}

/// The module with the metadata in its `io.kubewarden.metadata` section, as `kwctl annotate` writes it.
fn with_metadata(mut module: Module, metadata: &serde_json::Value) -> anyhow::Result<Vec<u8>> {
    let data = serde_json::to_vec(metadata)?;
    module.customs.add(RawCustomSection { name: KUBEWARDEN_SECTION.to_string(), data });
    Ok(module.emit_wasm())
}

/// The waPC metadata for one of Kubewarden's Rego execution modes.
fn in_mode(metadata: &serde_json::Value, mode: &str) -> serde_json::Value {
    let mut metadata = metadata.clone();
    if let Some(map) = metadata.as_object_mut() {
        map.insert("executionMode".to_string(), mode.into());
    }
    metadata
}

/// Export the ABI version globals every OPA SDK reads, and check the memory import fits burrego.
fn add_abi_globals(wasm: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut module = parse(wasm)?;
    let memory = module
        .imports
        .iter()
        .find(|i| i.module == "env" && i.name == "memory")
        .context("opa.wasm does not import `env.memory`")?;
    let walrus::ImportKind::Memory(id) = memory.kind else { return Err(anyhow!("`env.memory` is not a memory")) };
    let initial = module.memories.get(id).initial;
    if initial > OPA_MAX_INITIAL_PAGES {
        return Err(anyhow!("opa.wasm needs {initial} initial pages; OPA hosts give {OPA_MAX_INITIAL_PAGES}"));
    }
    for (name, value) in [("opa_wasm_abi_version", OPA_ABI.0), ("opa_wasm_abi_minor_version", OPA_ABI.1)] {
        let global = module.globals.add_local(ValType::I32, false, false, ConstExpr::Value(Value::I32(value)));
        module.exports.add(name, global);
    }
    Ok(module.emit_wasm())
}

/// wasm-bindgen's web and node builds, plus the package manifest.
fn npm(wasm: &Path, out: &Path) -> anyhow::Result<()> {
    for (target, dir) in [(bindgen::Target::Web, "web"), (bindgen::Target::Nodejs, "node")] {
        bindgen::generate(wasm, &out.join(dir), target, NPM_NAME, true)?;
    }
    // The web build is an ES module: say so, or node would read it as CommonJS.
    write(&out.join("web/package.json"), b"{\"type\": \"module\"}\n")?;
    let manifest = serde_json::json!({
        "name": "@authn-audit/policy",
        "version": policy_core::TOOL_VERSION,
        "description": "Kubernetes authentication-hardening rules (authn-audit) for browsers and node: audit dumps, decide admission requests.",
        "license": "Apache-2.0",
        "main": format!("./node/{NPM_NAME}.js"),
        "types": format!("./node/{NPM_NAME}.d.ts"),
        "exports": {
            ".": {
                "types": format!("./node/{NPM_NAME}.d.ts"),
                "node": format!("./node/{NPM_NAME}.js"),
                "default": format!("./web/{NPM_NAME}.js")
            },
            "./web": {"types": format!("./web/{NPM_NAME}.d.ts"), "default": format!("./web/{NPM_NAME}.js")},
            "./node": {"types": format!("./node/{NPM_NAME}.d.ts"), "default": format!("./node/{NPM_NAME}.js")}
        },
        "files": ["web/", "node/"],
        "sideEffects": false
    });
    let text = serde_json::to_string_pretty(&manifest)?;
    write(&out.join("package.json"), format!("{text}\n").as_bytes())
}

fn gzip_size(path: &Path) -> Option<usize> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len())
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_to_string(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_in_metadata_converts_to_kubewarden_json() {
        let yaml =
            std::fs::read_to_string(crate::root().join("policy-wasm/kubewarden/metadata.yml")).unwrap_or_default();
        let json = kubewarden_metadata(&yaml).unwrap_or_default();
        assert_eq!(json["protocolVersion"], "v1");
        assert_eq!(json["mutating"], false);
        assert_eq!(json["executionMode"], "kubewarden-wapc");
        assert_eq!(json["annotations"]["io.kubewarden.policy.severity"], "high");
        let resources: Vec<&str> = json["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["resources"].as_array().into_iter().flatten().filter_map(serde_json::Value::as_str))
            .collect();
        for kind in ["secrets", "pods", "certificatesigningrequests", "rolebindings", "clusterrolebindings"] {
            assert!(resources.contains(&kind), "metadata rules miss `{kind}`");
        }
    }

    #[test]
    fn each_rego_artifact_carries_its_own_execution_mode() {
        let metadata = serde_json::json!({"executionMode": "kubewarden-wapc", "mutating": false});
        let modes: Vec<_> =
            REGO_MODES.iter().map(|(_, mode)| in_mode(&metadata, mode)["executionMode"].clone()).collect();
        assert_eq!(modes, ["opa", "gatekeeper"]);
        assert_eq!(in_mode(&metadata, "opa")["mutating"], false);
        assert_eq!(metadata["executionMode"], "kubewarden-wapc", "the waPC metadata is left as it was");
    }

    #[test]
    fn metadata_with_a_stale_version_or_mode_is_refused() {
        let yaml = "executionMode: kubewarden-wapc\nannotations:\n  io.kubewarden.policy.version: 9.9.9\n";
        assert!(kubewarden_metadata(yaml).is_err_and(|e| e.to_string().contains("crate version")));
        let yaml = format!(
            "executionMode: opa\nannotations:\n  io.kubewarden.policy.version: {}\n",
            policy_core::TOOL_VERSION
        );
        assert!(kubewarden_metadata(&yaml).is_err_and(|e| e.to_string().contains("executionMode")));
    }
}
