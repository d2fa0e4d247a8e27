//! The fast reader for kubectl's block YAML and saphyr's event path load every YAML file of the
//! repository's tests and of the shared corpus (`../shared/corpus/`) to the same objects, lines,
//! diagnostics and summaries: the fast reader either agrees or gives way.
#![allow(clippy::unwrap_used, reason = "tests")]

use policy_core::input::{InputFile, Limits, load, load_by_events};
use std::path::Path;

fn yaml_files(root: &Path) -> Vec<std::path::PathBuf> {
    authn_audit_tests::files_under(root)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect()
}

/// Every file loaded both ways, under the default limits and under small ones (so that the
/// depth, alias and memory guards trip on some of them too); answers how many files it read.
fn agree(root: &Path) -> usize {
    let small = Limits { max_depth: 8, max_alias_nodes: 50, max_expansion: 1, ..Limits::default() };
    let files = yaml_files(root);
    for path in &files {
        let name = authn_audit_tests::relative(path, root);
        let bytes = authn_audit_tests::read(path);
        let inputs = [InputFile { name: &name, bytes: &bytes }];
        for limits in [Limits::default(), small] {
            let fast = format!("{:#?}", load(&inputs, &limits));
            let events = format!("{:#?}", load_by_events(&inputs, &limits));
            assert!(fast == events, "{name}: the readers disagree\nfast:\n{fast}\nevents:\n{events}");
        }
    }
    files.len()
}

#[test]
fn test_fixtures_load_the_same_through_both_readers() {
    assert!(agree(Path::new(env!("CARGO_MANIFEST_DIR"))) > 100, "the fixtures are YAML");
}

#[test]
fn shared_corpus_loads_the_same_through_both_readers() {
    let Some(corpus) = authn_audit_tests::shared("corpus") else { return };
    assert!(agree(&corpus) > 50, "the corpus is mostly YAML");
}
