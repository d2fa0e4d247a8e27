//! The loader under hostile and broken input: alias bombs, deep nesting, huge and truncated
//! files, bad encodings, and a deterministic mutation run over the corpus. Every case must
//! finish without a panic, within the limits, with every diagnostic on a line of the file.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use policy_core::input::{InputFile, Limits, Loaded, load};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn run(name: &str, bytes: &[u8]) -> Loaded {
    load(&[InputFile { name, bytes }], &Limits::default())
}

fn codes(l: &Loaded) -> Vec<(String, u32)> {
    l.inputs.iter().flat_map(|i| &i.diagnostics).map(|d| (d.code.to_string(), d.source.line)).collect()
}

/// Lines of a file as a text editor counts them (at least 1).
fn line_count(bytes: &[u8]) -> u32 {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u32;
    (newlines + u32::from(bytes.last().is_some_and(|&b| b != b'\n'))).max(1)
}

fn assert_located(name: &str, bytes: &[u8], loaded: &Loaded) {
    let max = line_count(bytes);
    for d in loaded.inputs.iter().flat_map(|i| &i.diagnostics) {
        assert!((1..=max).contains(&d.source.line), "{name}: diagnostic outside the file ({max} lines): {d}");
        assert!(!d.message.is_empty() && !d.message.contains('\n'), "{name}: {d}");
    }
    for o in &loaded.objects {
        assert!((1..=max).contains(&o.source.line), "{name}: object outside the file: {}", o.source.line);
    }
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..30 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let started = Instant::now();
    let l = run("laughs.yaml", text.as_bytes());
    assert_eq!(codes(&l), vec![("alias-limit".to_string(), 5)]);
    assert!(l.objects.is_empty());
    assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
    // A tighter limit trips earlier; a looser one lets a small expansion through.
    let small = "a: &a [x, x]\nb: [*a, *a]\napiVersion: v1\nkind: ConfigMap\n";
    let tight =
        load(&[InputFile { name: "s", bytes: small.as_bytes() }], &Limits { max_alias_nodes: 4, ..Limits::default() });
    assert_eq!(codes(&tight), vec![("alias-limit".to_string(), 2)]);
    assert_eq!(run("s", small.as_bytes()).objects.len(), 1);
}

#[test]
fn deep_nesting_is_refused_in_yaml_and_json() {
    for (name, text) in [
        ("flow.yaml", format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000))),
        ("block.yaml", (0..2000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect::<String>()),
        ("deep.json", format!("{{\"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000))),
        ("open.json", "[".repeat(1_000_000)),
        ("open.yaml", "- ".repeat(100_000)),
    ] {
        let l = run(name, text.as_bytes());
        assert_eq!(codes(&l).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), vec!["too-deep"], "{name}");
        assert_located(name, text.as_bytes(), &l);
    }
    // Within the limit is fine; a stricter limit applies to JSON too.
    let ok =
        format!("{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"x\": {}1{}}}", "[".repeat(100), "]".repeat(100));
    assert_eq!(run("ok.json", ok.as_bytes()).objects.len(), 1);
    let strict =
        load(&[InputFile { name: "ok.json", bytes: ok.as_bytes() }], &Limits { max_depth: 10, ..Limits::default() });
    assert_eq!(codes(&strict), vec![("too-deep".to_string(), 1)]);
}

#[test]
fn huge_input_respects_the_size_limit_and_still_loads_big_dumps() {
    // 20 000 ConfigMaps in one List (about 2 MB): all loaded, each at its own line.
    let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for i in 0..20_000 {
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-{i}\n  data:\n    k: v\n"
        ));
    }
    let l = run("big.yaml", text.as_bytes());
    assert_eq!(l.objects.len(), 20_000);
    assert_eq!(l.objects[19_999].source.line, 4 + 19_999 * 6);
    // Over the limit: a located error and nothing read from that input, the next one still read.
    let limits = Limits { max_total_bytes: 1 << 20, ..Limits::default() };
    let small = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";
    let l =
        load(&[InputFile { name: "big.yaml", bytes: text.as_bytes() }, InputFile { name: "a", bytes: small }], &limits);
    // Inputs come back sorted by name: `a` first.
    assert_eq!(l.inputs[1].path, "big.yaml");
    assert_eq!(l.inputs[1].diagnostics[0].code.as_str(), "too-large");
    assert_eq!((l.inputs[1].objects, l.inputs[0].objects), (0, 1));
    // Many tiny documents: capped by the document limit.
    let docs = "---\napiVersion: v1\nkind: Namespace\n".repeat(50);
    let l =
        load(&[InputFile { name: "d", bytes: docs.as_bytes() }], &Limits { max_documents: 10, ..Limits::default() });
    assert_eq!(codes(&l), vec![("too-many-documents".to_string(), 32)]);
}

#[test]
fn invalid_utf8_and_binary_input() {
    let mut bytes = b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n  labels: {a: \"".to_vec();
    bytes.extend([0xC3, 0x28, 0xFF]);
    bytes.extend(b"\"}\n");
    let l = run("bad.yaml", &bytes);
    assert_eq!(codes(&l), vec![("not-utf8".to_string(), 5)]);
    assert_eq!(l.objects.len(), 1, "the rest of the input is still read");
    let mut state = 7u64;
    let noise: Vec<u8> = (0..4096).map(|_| next(&mut state) as u8).collect();
    let l = run("noise.bin", &noise);
    assert!(codes(&l).iter().any(|c| c.0 == "not-utf8"));
    assert_located("noise.bin", &noise, &l);
    // Odd-length UTF-16.
    let l = run("w.yaml", &[0xFF, 0xFE, b'a', 0, b':', 0, b' ', 0, b'1']);
    assert_eq!(codes(&l)[0].0, "not-utf8");
}

fn fixture_and_corpus_files() -> Vec<(String, Vec<u8>)> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dirs = [authn_audit_tests::shared("corpus"), Some(base.join("fixtures/input"))];
    let mut paths: Vec<PathBuf> = dirs.iter().flatten().flat_map(|d| authn_audit_tests::files_under(d)).collect();
    paths.retain(|p| p.extension().is_some_and(|e| e != "md"));
    paths.sort();
    paths.into_iter().map(|p| (p.to_string_lossy().to_string(), authn_audit_tests::read(&p))).collect()
}

#[test]
fn every_truncation_of_every_file_loads() {
    for (name, bytes) in fixture_and_corpus_files() {
        let step = (bytes.len() / 40).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let part = &bytes[..cut];
            let l = run(&name, part);
            assert_located(&name, part, &l);
        }
    }
}

/// xorshift64*: a tiny deterministic generator, so a failure reproduces from its seed.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

const TOKENS: &[&[u8]] = &[
    b":",
    b"- ",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"\n",
    b"\t",
    b"\"",
    b"'",
    b"|\n",
    b">-\n",
    b"---\n",
    b"...\n",
    b"#",
    b"!!str ",
    b"? ",
    b"\\u",
    b"\xFF",
    b"\r\n",
    b"  ",
    b"kind: List\nitems:\n",
    b"0x",
];

fn mutate(bytes: &[u8], state: &mut u64) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=(next(state) % 4) {
        let at = if out.is_empty() { 0 } else { (next(state) as usize) % (out.len() + 1) };
        match next(state) % 5 {
            0 if at < out.len() => out[at] = next(state) as u8,
            1 if at < out.len() => {
                let end = (at + 1 + (next(state) as usize) % 64).min(out.len());
                out.drain(at..end);
            }
            2 => {
                let token = TOKENS[(next(state) as usize) % TOKENS.len()];
                out.splice(at..at, token.iter().copied());
            }
            3 => {
                // Duplicate a slice (a line, a block): repeated keys, deeper structures.
                let end = (at + (next(state) as usize) % 200).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            _ => out.truncate(at),
        }
    }
    out
}

#[test]
fn mutated_corpus_never_panics_and_diagnostics_stay_in_the_file() {
    let files = fixture_and_corpus_files();
    let mut state = 0x5EED_1234_ABCD_0001u64;
    let mut diagnostics = 0usize;
    for round in 0..3000 {
        let (name, bytes) = &files[(next(&mut state) as usize) % files.len()];
        let mutated = mutate(bytes, &mut state);
        let l = run(name, &mutated);
        assert_located(&format!("{name} (round {round})"), &mutated, &l);
        diagnostics += l.inputs[0].diagnostics.len();
    }
    // The mutations do break things: the run is not vacuous.
    assert!(diagnostics > 500, "only {diagnostics} diagnostics");
}
