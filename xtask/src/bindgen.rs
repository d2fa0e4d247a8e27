//! wasm-bindgen through its library (`wasm-bindgen-cli-support`, pinned to Cargo.lock's
//! wasm-bindgen), so neither the viewer nor the npm package needs wasm-bindgen-cli installed.
//! The options are the CLI's defaults, so the output is the CLI's byte for byte.

use anyhow::Context as _;
use std::path::Path;

use wasm_bindgen_cli_support::Bindgen;

/// The JavaScript flavour wasm-bindgen generates.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// An ES module for browsers (`--target web`).
    Web,
    /// CommonJS for node (`--target nodejs`).
    #[cfg_attr(not(feature = "registry"), expect(dead_code, reason = "only the npm package (`xtask wasm`) uses it"))]
    Nodejs,
}

/// `wasm-bindgen --target T --out-name NAME --out-dir OUT [--no-typescript] WASM`.
pub(crate) fn generate(wasm: &Path, out: &Path, target: Target, name: &str, typescript: bool) -> anyhow::Result<()> {
    let mut bindgen = Bindgen::new();
    match target {
        Target::Web => bindgen.web(true),
        Target::Nodejs => bindgen.nodejs(true),
    }
    .context("wasm-bindgen")?;
    bindgen
        .input_path(wasm)
        .out_name(name)
        .typescript(typescript)
        // The CLI keeps the default path (`new URL('NAME_bg.wasm', import.meta.url)`); so do we.
        .omit_default_module_path(false)
        .generate(out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))
}
