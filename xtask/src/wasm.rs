//! `cargo xtask wasm`: builds the policy-engine wasm modules (owned by the policy-wasm work).

/// Build the wasm modules.
pub fn run(_args: &[String]) -> Result<(), String> {
    Err("not built yet".to_string())
}
