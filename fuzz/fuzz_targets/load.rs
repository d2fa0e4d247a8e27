//! Fuzz the loader: arbitrary bytes, under a name that picks the format (YAML, JSON or token
//! CSV), must load without a panic and with every diagnostic on a line of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::input::{InputFile, Limits, load, parse_yaml_value};

fuzz_target!(|data: &[u8]| {
    let (selector, bytes) = data.split_first().map_or((0, data), |(s, rest)| (*s, rest));
    let name = match selector % 3 {
        0 => "input.yaml",
        1 => "input.json",
        _ => "tokens.csv",
    };
    // Small limits so that expansion and depth guards are exercised, not just memory.
    let limits = Limits { max_total_bytes: 1 << 20, max_depth: 64, max_alias_nodes: 10_000, max_documents: 1_000 };
    let loaded = load(&[InputFile { name, bytes }], &limits);
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count() as u32;
    let lines = (newlines + u32::from(bytes.last().is_some_and(|&b| b != b'\n'))).max(1);
    for input in &loaded.inputs {
        for d in &input.diagnostics {
            assert!(d.source.line >= 1 && d.source.line <= lines, "diagnostic outside the input: {d}");
        }
    }
    for object in &loaded.objects {
        assert!(object.source.line >= 1 && object.source.line <= lines, "object outside the input");
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = parse_yaml_value(text);
    }
});
