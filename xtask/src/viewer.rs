//! `cargo xtask viewer`: build the release viewer into `dist/viewer/` with Trunk.
//!
//! Trunk compiles the Yew app and runs wasm-bindgen; its post-build hook calls back here
//! (`viewer --finish`) to optimise the wasm with binaryen's `wasm-opt` (the npm package: Debian's
//! binaryen cannot read current rustc output) and to wrap it in a module script, so the page
//! starts without a single fetch under its `connect-src 'none'` policy.

use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "\
usage: cargo xtask viewer [--dev]
  (no flag)   release build into dist/viewer/ (needs trunk 0.21.14, wasm-bindgen-cli, and
              viewer/node_modules from `npm ci --prefix viewer`; scripts/tools.sh installs them)
  --dev       debug build, no wasm-opt (faster)
  --finish    Trunk's post-build hook (reads TRUNK_STAGING_DIR and TRUNK_PROFILE)";

/// The files the page ships, for the size summary.
const SHIPPED: &[&str] =
    &["index.html", "boot.js", "viewer.js", "viewer_bg.wasm.js", "worker.js", "embed.js", "style.css", "favicon.svg"];

/// Build the viewer (see the module docs).
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None => build(true),
        Some("--dev") => build(false),
        Some("--finish") => {
            let staging = std::env::var_os("TRUNK_STAGING_DIR").ok_or("--finish runs as Trunk's post-build hook")?;
            let release = std::env::var("TRUNK_PROFILE").is_ok_and(|p| p == "release");
            finish(Path::new(&staging), release)
        }
        Some("--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown viewer argument `{other}`\n{USAGE}")),
    }
}

fn build(release: bool) -> Result<(), String> {
    let root = crate::root();
    let mut trunk = Command::new("trunk");
    trunk.current_dir(&root).arg("build");
    if release {
        trunk.arg("--release");
    }
    let status =
        trunk.status().map_err(|e| format!("cannot run trunk ({e}); install it with `scripts/tools.sh trunk`"))?;
    if !status.success() {
        return Err(format!("trunk build failed ({status})"));
    }
    let dist = root.join("dist/viewer");
    print_sizes(&dist);
    println!("viewer built into {}", dist.display());
    Ok(())
}

/// Post-build: optimise, embed the wasm as a module script, and check the page has no inline script.
fn finish(staging: &Path, release: bool) -> Result<(), String> {
    let wasm = staging.join("viewer_bg.wasm");
    if release {
        optimise(&wasm)?;
    }
    let bytes = std::fs::read(&wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let module = format!(
        "// The viewer's WebAssembly, base64: loaded as a script so the page needs no fetch.\nexport default \"{}\";\n",
        base64(&bytes)
    );
    let out = staging.join("viewer_bg.wasm.js");
    std::fs::write(&out, module).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    std::fs::remove_file(&wasm).map_err(|e| format!("cannot remove {}: {e}", wasm.display()))?;
    let index = std::fs::read_to_string(staging.join("index.html")).map_err(|e| format!("no index.html: {e}"))?;
    check_no_inline_script(&index)?;
    Ok(())
}

fn wasm_opt() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("WASM_OPT") {
        return Ok(PathBuf::from(path));
    }
    let local = crate::root().join("viewer/node_modules/.bin/wasm-opt");
    if local.exists() {
        return Ok(local);
    }
    Err("wasm-opt not found: run `npm ci --prefix viewer` (binaryen from npm) or set WASM_OPT".to_string())
}

fn optimise(wasm: &Path) -> Result<(), String> {
    let tool = wasm_opt()?;
    let out = wasm.with_extension("opt.wasm");
    // The features rustc 1.95 enables by default for wasm32-unknown-unknown.
    let status = Command::new(&tool)
        .args(["-Oz", "--strip-debug", "--strip-producers"])
        .args([
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&out)
        .status()
        .map_err(|e| format!("cannot run {} ({e})", tool.display()))?;
    if !status.success() {
        return Err(format!("wasm-opt failed ({status})"));
    }
    std::fs::rename(&out, wasm).map_err(|e| format!("cannot replace {}: {e}", wasm.display()))
}

/// The page's CSP has no `'unsafe-inline'`: fail the build if Trunk ever injects an inline script.
fn check_no_inline_script(html: &str) -> Result<(), String> {
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(start) = rest.find("<script") {
        let tag_end = rest.get(start..).and_then(|t| t.find('>')).map_or(rest.len(), |e| start + e);
        let tag = rest.get(start..tag_end).unwrap_or("");
        if !tag.contains("src=") {
            return Err("index.html has an inline <script>, which the CSP forbids".to_string());
        }
        rest = rest.get(tag_end..).unwrap_or("");
    }
    Ok(())
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |n: u32, shift: u32| char::from(TABLE.get(((n >> shift) & 63) as usize).copied().unwrap_or(b'A'));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sextet(n, 18));
        out.push(sextet(n, 12));
        out.push(if chunk.len() > 1 { sextet(n, 6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(n, 0) } else { '=' });
    }
    out
}

fn print_sizes(dist: &Path) {
    let mut raw_total = 0;
    let mut gz_total = 0;
    for name in SHIPPED {
        let path = dist.join(name);
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        let gz = gzip_size(&path).unwrap_or(0);
        raw_total += meta.len();
        gz_total += gz;
        println!("  {name:<20} {:>10} bytes  {:>9} gzip", meta.len(), gz);
    }
    println!("  {:<20} {raw_total:>10} bytes  {gz_total:>9} gzip", "total");
}

fn gzip_size(path: &Path) -> Option<u64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn inline_scripts_are_refused() {
        assert!(check_no_inline_script(r#"<script type="module" src="./boot.js"></script>"#).is_ok());
        assert!(check_no_inline_script("<SCRIPT>alert(1)</SCRIPT>").is_err());
        assert!(check_no_inline_script(r#"<script src="a.js"></script><script type="module">x</script>"#).is_err());
    }
}
