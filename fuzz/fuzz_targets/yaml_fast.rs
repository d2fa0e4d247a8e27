//! The fast reader for kubectl's block YAML against saphyr's event path: the same bytes loaded
//! both ways give the same objects, lines, diagnostics and summaries, or the fast reader gave
//! way to saphyr. Inputs that look like kubectl output (seeds from the fixtures) reach deep
//! into the subset; the rest checks that the way out is taken.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::input::{InputFile, load, load_by_events};

fuzz_target!(|data: &[u8]| {
    let inputs = [InputFile { name: "input.yaml", bytes: data }];
    let limits = authn_audit_fuzz::limits();
    let fast = format!("{:?}", load(&inputs, &limits));
    let events = format!("{:?}", load_by_events(&inputs, &limits));
    assert_eq!(fast, events, "the two YAML readers disagree");
});
