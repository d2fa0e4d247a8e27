//! `cargo xtask viewer`: build the release viewer into `dist/viewer/`, without Trunk.
//!
//! `index.html` describes the page the way Trunk reads it (`<link data-trunk …>` tags), and Trunk
//! still builds it (`trunk build --release`, see `Trunk.toml`). This task does the same steps
//! itself, so a fresh machine needs neither trunk nor wasm-bindgen-cli compiled first: cargo
//! builds the `rel="rust"` crate for wasm32, wasm-bindgen runs as a library (`crate::bindgen`),
//! the other tags' files are copied with Trunk's names and integrity hashes, and `finish`
//! (also Trunk's post-build hook, `viewer --finish`) optimises the wasm with binaryen's
//! `wasm-opt` (the npm package: Debian's binaryen cannot read current rustc output) and wraps
//! it in a module script, so the page starts without a single fetch under its
//! `connect-src 'none'` policy.

use anyhow::{Context as _, anyhow, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha384};

use crate::bindgen;

const USAGE: &str = "\
usage: cargo xtask viewer [--dev]
  (no flag)   release build into dist/viewer/ (needs the wasm32-unknown-unknown target and
              viewer/node_modules from `npm ci --prefix viewer`; scripts/tools.sh installs them)
  --dev       debug build, no wasm-opt (faster)
  --finish    Trunk's post-build hook (reads TRUNK_STAGING_DIR and TRUNK_PROFILE)";

/// The files the page ships, for the size summary.
const SHIPPED: &[&str] =
    &["index.html", "boot.js", "viewer.js", "viewer_bg.wasm.js", "worker.js", "embed.js", "style.css", "favicon.svg"];

/// Trunk.toml's `public_url`: relative, so dist/viewer works from any folder of a docs site.
const BASE: &str = "./";
/// Trunk.toml's `pattern_script` with `{base}` filled in: boot.js starts the app (no inline
/// script, which the CSP forbids).
const BOOT_SCRIPT: &str = r#"<script type="module" src="./boot.js"></script>"#;

/// Build the viewer (see the module docs).
pub fn run(args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        None => build(true),
        Some("--dev") => build(false),
        Some("--finish") => {
            let staging = std::env::var_os("TRUNK_STAGING_DIR").context("--finish runs as Trunk's post-build hook")?;
            let release = std::env::var("TRUNK_PROFILE").is_ok_and(|p| p == "release");
            finish(Path::new(&staging), release)
        }
        Some("--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(anyhow!("unknown viewer argument `{other}`\n{USAGE}")),
    }
}

/// What Trunk would do for index.html, into a staging folder that then replaces dist/viewer.
fn build(release: bool) -> anyhow::Result<()> {
    let root = crate::root();
    let index = read_text(&root.join("index.html"))?;
    let links = trunk_links(&index)?;
    let dist = root.join("dist/viewer");
    let staging = root.join("dist/.viewer-staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging).with_context(|| format!("cannot create {}", staging.display()))?;

    let mut page = String::with_capacity(index.len());
    let mut from = 0;
    for link in &links {
        page.push_str(index.get(from..link.start).unwrap_or(""));
        page.push_str(&asset(&root, &staging, link, release)?);
        from = link.end;
    }
    page.push_str(index.get(from..).unwrap_or(""));
    write(&staging.join("index.html"), page.as_bytes())?;
    finish(&staging, release)?;

    if dist.exists() {
        std::fs::remove_dir_all(&dist).with_context(|| format!("cannot replace {}", dist.display()))?;
    }
    std::fs::rename(&staging, &dist).with_context(|| format!("cannot move the build to {}", dist.display()))?;
    print_sizes(&dist);
    println!("viewer built into {}", dist.display());
    Ok(())
}

/// One `<link data-trunk …>` tag of index.html: its byte range and its attributes.
#[derive(Debug)]
struct TrunkLink {
    start: usize,
    end: usize,
    attrs: Vec<(String, String)>,
}

impl TrunkLink {
    fn get(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn require(&self, name: &str) -> anyhow::Result<&str> {
        self.get(name).with_context(|| format!("index.html: a `<link data-trunk>` tag has no `{name}`"))
    }
}

/// Build or copy what one tag names into `out`; returns the HTML that replaces the tag, as
/// Trunk writes it (so a Trunk build and this one give the same dist/viewer).
fn asset(root: &Path, out: &Path, link: &TrunkLink, release: bool) -> anyhow::Result<String> {
    match link.require("rel")? {
        "rust" => {
            let manifest = root.join(link.require("href")?);
            let bin = link.require("data-bin")?;
            let profile = if release { link.get("data-cargo-profile-release").unwrap_or("release") } else { "dev" };
            let wasm = cargo_build(root, &manifest, bin, profile)?;
            bindgen::generate(&wasm, out, bindgen::Target::Web, bin, false)?;
            Ok(BOOT_SCRIPT.to_string())
        }
        "css" => Ok(format!(
            r#"<link rel="stylesheet" href="{BASE}{}" integrity="{}"/>"#,
            copy(root, out, link)?,
            sri(out, link)?
        )),
        "icon" => {
            Ok(format!(r#"<link rel="icon" href="{BASE}{}" integrity="{}"/>"#, copy(root, out, link)?, sri(out, link)?))
        }
        "copy-file" => copy(root, out, link).map(|_| String::new()),
        other => {
            Err(anyhow!("index.html: `<link data-trunk rel=\"{other}\">` is not supported by `cargo xtask viewer`"))
        }
    }
}

/// `cargo build` of the page's crate for the browser; returns the linked `.wasm`.
fn cargo_build(root: &Path, manifest: &Path, bin: &str, profile: &str) -> anyhow::Result<PathBuf> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--target", TARGET, "--profile", profile, "--bin", bin, "--manifest-path"])
        .arg(manifest)
        .status()
        .map_err(|e| anyhow!("cannot run cargo ({e})"))?;
    if !status.success() {
        bail!("cargo build of the viewer failed ({status})");
    }
    let folder = match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    };
    Ok(crate::target_dir(root).join(TARGET).join(folder).join(format!("{bin}.wasm")))
}

/// Copy the tag's `href` into `out` under its own name; returns that name.
fn copy(root: &Path, out: &Path, link: &TrunkLink) -> anyhow::Result<String> {
    let href = link.require("href")?;
    let from = root.join(href);
    let name =
        from.file_name().and_then(|n| n.to_str()).with_context(|| format!("index.html: `{href}` names no file"))?;
    std::fs::copy(&from, out.join(name)).with_context(|| format!("cannot copy {}", from.display()))?;
    Ok(name.to_string())
}

/// Subresource integrity of a copied file, as Trunk writes it (SHA-384, base64).
fn sri(out: &Path, link: &TrunkLink) -> anyhow::Result<String> {
    let name = Path::new(link.require("href")?).file_name().context("index.html: an `href` names no file")?;
    let path = out.join(name);
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(format!("sha384-{}", base64(&Sha384::digest(&bytes))))
}

/// Every `<link … data-trunk …>` tag, in document order.
fn trunk_links(html: &str) -> anyhow::Result<Vec<TrunkLink>> {
    let mut links = Vec::new();
    let mut at = 0;
    while let Some(offset) = html.get(at..).and_then(|rest| rest.find("<link")) {
        let start = at + offset;
        let Some(len) = html.get(start..).and_then(|tag| tag.find('>')) else {
            bail!("index.html: a `<link` tag is not closed");
        };
        let end = start + len + 1;
        let attrs = attributes(html.get(start + "<link".len()..end - 1).unwrap_or(""));
        if attrs.iter().any(|(name, _)| name == "data-trunk") {
            links.push(TrunkLink { start, end, attrs });
        }
        at = end;
    }
    Ok(links)
}

/// The attributes of a tag's inside: `name`, `name=value`, `name="value"` or `name='value'`.
fn attributes(inside: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut chars = inside.trim_end_matches('/').chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let name: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && *c != '=')).collect();
        if name.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            match chars.next_if(|c| *c == '"' || *c == '\'') {
                Some(quote) => value.extend(std::iter::from_fn(|| chars.next().filter(|c| *c != quote))),
                None => value.extend(std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace()))),
            }
        }
        attrs.push((name, value));
    }
    attrs
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Post-build: optimise, embed the wasm as a module script, and check the page has no inline script.
fn finish(staging: &Path, release: bool) -> anyhow::Result<()> {
    let wasm = staging.join("viewer_bg.wasm");
    if release {
        optimise(&wasm)?;
    }
    let bytes = std::fs::read(&wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let module = format!(
        "// The viewer's WebAssembly, one byte per character: loaded as a script so the page needs no fetch.\nexport default \"{}\";\n",
        byte_string(&bytes)
    );
    let out = staging.join("viewer_bg.wasm.js");
    std::fs::write(&out, module).with_context(|| format!("cannot write {}", out.display()))?;
    std::fs::remove_file(&wasm).with_context(|| format!("cannot remove {}", wasm.display()))?;
    let index = std::fs::read_to_string(staging.join("index.html")).context("no index.html")?;
    check_no_inline_script(&index)?;
    Ok(())
}

fn wasm_opt() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("WASM_OPT") {
        return Ok(PathBuf::from(path));
    }
    let local = crate::root().join("viewer/node_modules/.bin/wasm-opt");
    if local.exists() {
        return Ok(local);
    }
    Err(anyhow!("wasm-opt not found: run `npm ci --prefix viewer` (binaryen from npm) or set WASM_OPT"))
}

fn optimise(wasm: &Path) -> anyhow::Result<()> {
    let tool = wasm_opt()?;
    let out = wasm.with_extension("opt.wasm");
    // The features rustc 1.95 enables by default for wasm32-unknown-unknown.
    let status = Command::new(&tool)
        .args(["-O3", "--strip-debug", "--strip-producers"])
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
        .map_err(|e| anyhow!("cannot run {} ({e})", tool.display()))?;
    if !status.success() {
        bail!("wasm-opt failed ({status})");
    }
    std::fs::rename(&out, wasm).with_context(|| format!("cannot replace {}", wasm.display()))
}

/// The page's CSP has no `'unsafe-inline'`: fail the build if Trunk ever injects an inline script.
fn check_no_inline_script(html: &str) -> anyhow::Result<()> {
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(start) = rest.find("<script") {
        let tag_end = rest.get(start..).and_then(|t| t.find('>')).map_or(rest.len(), |e| start + e);
        let tag = rest.get(start..tag_end).unwrap_or("");
        if !tag.contains("src=") {
            bail!("index.html has an inline <script>, which the CSP forbids");
        }
        rest = rest.get(tag_end..).unwrap_or("");
    }
    Ok(())
}

/// Bytes as the characters of a JS string literal, one each: a byte that cannot stand in a
/// literal as itself (`"`, `\\`, a line break) is written 256 higher, and boot.js keeps each
/// character's low byte. Against base64 (4 characters per 3 bytes, which breaks gzip's
/// byte-aligned matches) this ships the module 5 % bigger than the bare wasm gzipped, not 34 %.
fn byte_string(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            let escaped = matches!(b, b'"' | b'\\' | b'\n' | b'\r');
            char::from_u32(u32::from(b) + if escaped { 0x100 } else { 0 }).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect()
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
    fn every_byte_is_one_literal_character_whose_low_byte_it_is() {
        let all: Vec<u8> = (0..=255).collect();
        let text = byte_string(&all);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars.len(), 256);
        for (&b, &c) in all.iter().zip(&chars) {
            assert_eq!(u32::from(c) & 0xff, u32::from(b), "byte {b:#04x}");
            // What a JS string literal cannot hold as itself (ECMAScript's DoubleStringCharacter).
            let unfit = matches!(c, '"' | '\\' | '\n' | '\r' | '\u{2028}' | '\u{2029}');
            assert!(!unfit, "byte {b:#04x} stands as {c:?} in the literal");
        }
        assert_eq!(byte_string(b"AZaz09+/\0"), "AZaz09+/\0", "all but four bytes stand for themselves");
        assert_eq!(byte_string(b"\"\\\n\r"), "\u{122}\u{15c}\u{10a}\u{10d}");
    }

    #[test]
    fn trunk_links_are_found_with_their_attributes_and_ranges() {
        let html = "<head>\n  <link rel=\"x\">\n  <link data-trunk rel=\"rust\" href='viewer/Cargo.toml' data-bin=viewer data-wasm-no-import>\n  <link data-trunk rel=\"css\" href=\"a b.css\"/>\n</head>";
        let links = trunk_links(html).unwrap();
        assert_eq!(links.len(), 2, "the plain <link> is left alone");
        let rust = &links[0];
        assert_eq!(
            html.get(rust.start..rust.end).unwrap(),
            "<link data-trunk rel=\"rust\" href='viewer/Cargo.toml' data-bin=viewer data-wasm-no-import>"
        );
        assert_eq!(rust.get("href"), Some("viewer/Cargo.toml"));
        assert_eq!(rust.get("data-bin"), Some("viewer"));
        assert_eq!(rust.get("data-wasm-no-import"), Some(""));
        assert_eq!(links[1].get("href"), Some("a b.css"));
        assert!(trunk_links("<link data-trunk rel=\"css\"").is_err(), "an unclosed tag is an error");
    }

    /// The tags other than `rel="rust"` become what Trunk 0.21.14 writes (from its dist/viewer).
    #[test]
    fn static_assets_are_copied_and_tagged_as_trunk_does() {
        let dir = std::env::temp_dir().join(format!("xtask-viewer-test-{}", std::process::id()));
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(dir.join("style.css"), "body { color: red }\n").unwrap();
        std::fs::write(dir.join("boot.js"), "import './viewer.js';\n").unwrap();
        let html = "<link data-trunk rel=\"css\" href=\"style.css\">|<link data-trunk rel=\"icon\" href=\"style.css\">|<link data-trunk rel=\"copy-file\" href=\"boot.js\">";
        let links = trunk_links(html).unwrap();
        let tags: Vec<String> = links.iter().map(|l| asset(&dir, &out, l, true).unwrap()).collect();
        // printf 'body { color: red }\n' | openssl dgst -sha384 -binary | base64
        let sri = "sha384-lJPaNmsEF2H+9++xAFjRl6vkAKpT5r4h3UMLzkOckcSm0oVbYFaxkRIUanSbnzTN";
        assert_eq!(tags[0], format!(r#"<link rel="stylesheet" href="./style.css" integrity="{sri}"/>"#));
        assert_eq!(tags[1], format!(r#"<link rel="icon" href="./style.css" integrity="{sri}"/>"#));
        assert_eq!(tags[2], "", "a copied file leaves no tag");
        assert_eq!(std::fs::read_to_string(out.join("boot.js")).unwrap(), "import './viewer.js';\n");
        let unknown = trunk_links("<link data-trunk rel=\"sass\" href=\"a.scss\">").unwrap();
        assert!(
            asset(&dir, &out, &unknown[0], true).unwrap_err().to_string().contains("`<link data-trunk rel=\"sass\">`")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Trunk and this task must write the same page: Trunk.toml holds the same base and script.
    #[test]
    fn trunk_toml_agrees_with_the_constants() {
        let toml = std::fs::read_to_string(crate::root().join("Trunk.toml")).unwrap();
        assert!(toml.contains(&format!("public_url = \"{BASE}\"")));
        assert!(toml.contains(&format!("pattern_script = '{}'", BOOT_SCRIPT.replace(BASE, "{base}"))));
        assert!(toml.contains("filehash = false"), "the worker and boot.js import the plain names");
    }

    #[test]
    fn inline_scripts_are_refused() {
        assert!(check_no_inline_script(r#"<script type="module" src="./boot.js"></script>"#).is_ok());
        assert!(check_no_inline_script("<SCRIPT>alert(1)</SCRIPT>").is_err());
        assert!(check_no_inline_script(r#"<script src="a.js"></script><script type="module">x</script>"#).is_err());
    }
}
