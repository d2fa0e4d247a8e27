//! Hostile and broken inputs, one class per test: each asserts the diagnostic code, its line,
//! and that the other documents' and inputs' objects are still loaded. Big inputs are made at
//! test time in memory (no file is left behind); the memory bound itself is measured by
//! `cargo xtask bench-memory`, not here.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice, reason = "tests")]

use policy_core::input::{InputFile, Level, Limits, Loaded, load};

fn run(name: &str, bytes: &[u8]) -> Loaded {
    load(&[InputFile { name, bytes }], &Limits::default())
}

/// `(code, line)` of every diagnostic.
fn codes(l: &Loaded) -> Vec<(String, u32)> {
    l.inputs.iter().flat_map(|i| &i.diagnostics).map(|d| (d.code.to_string(), d.source.line)).collect()
}

/// `(kind, name, line)` of every object.
fn objects(l: &Loaded) -> Vec<(String, String, u32)> {
    l.objects.iter().map(|o| (o.kind().to_string(), o.name().to_string(), o.source.line)).collect()
}

fn obj(kind: &str, name: &str, line: u32) -> (String, String, u32) {
    (kind.to_string(), name.to_string(), line)
}

fn code(c: &str, line: u32) -> (String, u32) {
    (c.to_string(), line)
}

fn no_internals(l: &Loaded) {
    for d in l.inputs.iter().flat_map(|i| &i.diagnostics) {
        for internal in ["NomError", "Eof", "Error(", "ScanError", "Marker", "serde"] {
            assert!(!d.message.contains(internal), "parser internals in {d}");
        }
    }
}

fn ns(name: &str) -> String {
    format!("{{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {{\"name\": \"{name}\"}}}}")
}

#[test]
fn json_stream_bad_values_cost_only_themselves() {
    let text = format!(
        "{}\n{{\"kind\": NaN}}\n{}\n{}{}\n{{\"n\": {}}}\n{}\n",
        ns("a"),
        ns("b"),
        "[".repeat(200),
        "]".repeat(200),
        "9".repeat(400),
        ns("c")
    );
    let l = run("stream.json", text.as_bytes());
    assert_eq!(objects(&l), vec![obj("Namespace", "a", 1), obj("Namespace", "b", 3), obj("Namespace", "c", 6)]);
    assert_eq!(codes(&l), vec![code("json-syntax", 2), code("too-deep", 4), code("json-syntax", 5)]);
    assert!(l.inputs[0].diagnostics.iter().all(|d| d.message.ends_with("the document is skipped")));
    no_internals(&l);
}

#[test]
fn json_list_with_a_bad_item_keeps_the_other_items() {
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{},\n{{\"kind\": Infinity}},\n{}\n]}}\n",
        ns("a"),
        ns("b")
    );
    let l = run("list.json", text.as_bytes());
    assert_eq!(objects(&l), vec![obj("Namespace", "a", 2), obj("Namespace", "b", 4)]);
    assert_eq!(codes(&l), vec![code("json-syntax", 3)]);
}

#[test]
fn yaml_stream_starting_with_a_json_document_is_yaml() {
    let text = format!(
        "{}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: b}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: c}}\n",
        ns("a")
    );
    for name in ["dump.yaml", "-"] {
        let l = run(name, text.as_bytes());
        assert_eq!(
            objects(&l),
            vec![obj("Namespace", "a", 1), obj("Namespace", "b", 3), obj("Namespace", "c", 7)],
            "{name}"
        );
        assert!(codes(&l).is_empty(), "{name}: {:?}", codes(&l));
    }
}

#[test]
fn deep_flow_yaml_mapping_is_too_deep_not_a_key_error() {
    let deep = format!("{}x{}\n", "{a: ".repeat(300), "}".repeat(300));
    let text = format!("{deep}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: ok}}\n");
    for name in ["deep.yaml", "deep"] {
        let l = run(name, text.as_bytes());
        assert_eq!(objects(&l), vec![obj("Namespace", "ok", 3)], "{name}");
        assert_eq!(codes(&l), vec![code("too-deep", 1)], "{name}");
        assert!(!l.inputs[0].diagnostics[0].message.contains("key must be a string"));
    }
}

#[test]
fn yaml_error_inside_a_list_costs_only_its_item() {
    let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace: x\n  metadata: {name: b}\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: c\n- apiVersion: v1\n  kind: \"d\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: e}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
    let l = run("list.yaml", text.as_bytes());
    assert_eq!(objects(&l), vec![obj("Namespace", "a", 3), obj("Namespace", "c", 9), obj("Namespace", "e", 15)]);
    let got = codes(&l);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.iter().all(|(c, _)| c == "yaml-syntax"), "{got:?}");
    assert_eq!((got[0].1, got[1].1), (7, 14), "{got:?}");
    assert!(l.inputs[0].diagnostics.iter().all(|d| d.message.ends_with("the list item is skipped")));
    no_internals(&l);
}

#[test]
fn cr_only_line_endings_give_right_lines() {
    let text = "apiVersion: v1\rkind: Namespace\rmetadata: {name: a}\r---\rapiVersion: v1\rkind: Secret\rmetadata: [x\r---\rapiVersion: v1\rkind: Namespace\rmetadata:\r  name: b\r";
    let l = run("mac.yaml", text.as_bytes());
    assert_eq!(objects(&l), vec![obj("Namespace", "a", 1), obj("Namespace", "b", 9)]);
    assert_eq!(codes(&l).len(), 1);
    assert_eq!(codes(&l)[0].0, "yaml-syntax");
    assert!((7..=8).contains(&codes(&l)[0].1), "{:?}", codes(&l));
}

/// `kubectl get -A -o yaml` cut short: `kind: List` comes last, so it is lost.
#[test]
fn truncated_list_is_loaded_and_said_to_be_truncated() {
    let mut text = String::from("apiVersion: v1\nitems:\n");
    for i in 0..50 {
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n    namespace: ns\n"
        ));
    }
    text.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    let cut = &text[..text.len() / 2];
    let lines = cut.matches('\n').count() as u32 + 1;
    let l = run("cut.yaml", cut.as_bytes());
    assert!(l.objects.len() >= 20, "{}", l.objects.len());
    assert_eq!(l.objects[0].source.line, 3);
    let truncated: Vec<_> = l.inputs[0].diagnostics.iter().filter(|d| d.code.as_str() == "truncated").collect();
    assert_eq!(truncated.len(), 1, "{:?}", codes(&l));
    assert_eq!((truncated[0].level, truncated[0].source.line), (Level::Error, lines));
    assert!(truncated[0].message.contains(&format!("line {lines}")));
    // The complete dump is not truncated.
    let whole = run("whole.yaml", text.as_bytes());
    assert_eq!(whole.objects.len(), 50);
    assert!(codes(&whole).is_empty());
    // The same in JSON, cut inside an item: the complete items are kept.
    let json =
        format!("{{\"apiVersion\": \"v1\", \"items\": [\n{},\n{},\n{{\"apiVersion\": \"v1\", \"ki", ns("a"), ns("b"));
    let l = run("cut.json", json.as_bytes());
    assert_eq!(objects(&l), vec![obj("Namespace", "a", 2), obj("Namespace", "b", 3)]);
    let got = codes(&l);
    assert!(got.contains(&code("truncated", 4)) && got.iter().any(|(c, _)| c == "json-syntax"), "{got:?}");
}

#[test]
fn an_input_with_nothing_readable_says_so_and_others_still_load() {
    let good = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n";
    for empty in [&b""[..], b"\n\n", b"# only a comment\n", b"apiVersion: v1\nkind: [", b"{\"kind\": "] {
        let l = load(
            &[InputFile { name: "empty.yaml", bytes: empty }, InputFile { name: "good.yaml", bytes: good }],
            &Limits::default(),
        );
        assert_eq!(objects(&l), vec![obj("Namespace", "ok", 1)]);
        let first = &l.inputs[0];
        assert_eq!(first.objects, 0);
        assert!(first.diagnostics.iter().any(|d| d.level == Level::Error), "{:?}", first.diagnostics);
        if !matches!(empty.first(), Some(b'a' | b'{')) {
            assert!(first.diagnostics.iter().any(|d| d.code.as_str() == "no-objects" && d.source.line == 1));
        }
        assert!(l.inputs[1].diagnostics.is_empty());
    }
}

#[test]
fn many_broken_documents_make_a_bounded_number_of_diagnostics() {
    let text = "kind: [\n---\n".repeat(5000) + "apiVersion: v1\nkind: Namespace\nmetadata: {name: last}\n";
    let l = run("broken.yaml", text.as_bytes());
    assert_eq!(objects(&l), vec![obj("Namespace", "last", 10_001)]);
    let d = &l.inputs[0].diagnostics;
    assert!(d.len() <= 1001, "{}", d.len());
    assert!(
        d.iter().any(|d| d.code.as_str() == "more-diagnostics" && d.message.starts_with("4000 more")),
        "{:?}",
        d.last()
    );
}

#[test]
fn alias_copies_are_limited_by_the_bytes_they_would_make() {
    // One 1 MB scalar behind 8000 aliases is 8 GB once expanded, in only 8000 nodes.
    let big = "x".repeat(1 << 20);
    let mut text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: bomb}}\ndata:\n  a: &a {big}\n");
    for i in 0..8000 {
        text.push_str(&format!("  k{i}: *a\n"));
    }
    text.push_str("---\napiVersion: v1\nkind: Namespace\nmetadata: {name: after}\n");
    let good = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n";
    let l = load(
        &[InputFile { name: "bomb.yaml", bytes: text.as_bytes() }, InputFile { name: "good.yaml", bytes: good }],
        &Limits::default(),
    );
    assert_eq!(objects(&l), vec![obj("Namespace", "after", 8007), obj("Namespace", "other", 1)]);
    let got = codes(&l);
    assert_eq!(got.len(), 1, "{got:?}");
    // The budget is 4 x 1 MB + 16 MiB: about twenty copies fit, the next alias is refused.
    assert_eq!(got[0].0, "alias-limit");
    assert!((10..=40).contains(&got[0].1), "{got:?}");
    let message = &l.inputs[0].diagnostics[0].message;
    assert!(message.contains("bytes") && message.contains("`limits.maxExpansion`"), "{message}");
    // Raising the limit lets a smaller expansion through.
    let small = text.lines().take(60).collect::<Vec<_>>().join("\n");
    let raised = load(
        &[InputFile { name: "s.yaml", bytes: small.as_bytes() }],
        &Limits { max_expansion: 100, ..Limits::default() },
    );
    assert_eq!(objects(&raised), vec![obj("ConfigMap", "bomb", 1)]);
}

#[test]
fn a_list_beyond_the_memory_budget_keeps_what_was_read_and_says_where_it_stopped() {
    let mut text = String::from("apiVersion: v1\nitems:\n");
    for i in 0..20_000 {
        text.push_str(&format!("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n"));
    }
    text.push_str("kind: List\n");
    // With no allowance per input byte the budget is the fixed 16 MiB: 20 MB of items do not fit.
    let fat: String = text.replace("    name: c", &format!("    name: {}c", "n".repeat(1000)));
    let good = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n";
    let l = load(
        &[InputFile { name: "fat.yaml", bytes: fat.as_bytes() }, InputFile { name: "good.yaml", bytes: good }],
        &Limits { max_expansion: 0, ..Limits::default() },
    );
    let got = codes(&l);
    let memory: Vec<_> = got.iter().filter(|(c, _)| c == "memory-limit").collect();
    assert_eq!(memory.len(), 1, "{got:?}");
    let kept = l.objects.iter().filter(|o| &*o.source.path == "fat.yaml").count();
    assert!(kept > 1000 && kept < 20_000, "{kept}");
    // The refused item's line: right after the last kept one; the list's kind was still read.
    let first_refused = 3 + 4 * kept as u32;
    assert!((first_refused..first_refused + 4).contains(&memory[0].1), "{got:?} kept {kept}");
    assert!(!got.iter().any(|(c, _)| c == "truncated"), "{got:?}");
    assert!(l.inputs[0].diagnostics.iter().any(|d| d.message.contains("`limits.maxExpansion`")));
    assert_eq!(objects(&l).last(), Some(&obj("Namespace", "other", 1)));
}

#[test]
fn documents_past_the_memory_budget_are_counted_in_one_more_diagnostic() {
    let doc = format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {}}}\n", "n".repeat(10_000));
    let text = doc.repeat(2000); // 20 MB of names: past the flat 16 MiB
    let l = load(
        &[InputFile { name: "many.yaml", bytes: text.as_bytes() }],
        &Limits { max_expansion: 0, ..Limits::default() },
    );
    let memory: Vec<_> = l.inputs[0].diagnostics.iter().filter(|d| d.code.as_str() == "memory-limit").collect();
    assert_eq!(memory.len(), 2, "{:?}", codes(&l));
    let kept = l.objects.len();
    assert!(kept > 1000 && kept < 2000, "{kept}");
    assert_eq!(memory[0].source.line, 4 * kept as u32 + 4, "the name of the first refused document");
    assert!(memory[1].message.starts_with(&format!("{} later documents", 2000 - kept - 1)), "{}", memory[1].message);
}

#[test]
fn managed_field_sets_are_not_kept() {
    // Only CSR approval reads `managedFields`: entries of the `approval` subresource, their
    // `manager` (policy-core/src/input/managed_fields.rs).
    let yaml = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  managedFields:\n  - manager: kubectl\n    subresource: approval\n    operation: Update\n    fieldsV1: {f:spec: {}}\n  - manager: kubelet\n    fieldsV1: {f:status: {}}\n";
    let json = br#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "managedFields": [{"manager": "kubectl", "subresource": "approval", "operation": "Update", "fieldsV1": {"f:spec": {}}}, {"manager": "kubelet", "fieldsV1": {"f:status": {}}}]}}"#;
    for (name, bytes) in [("p.yaml", &yaml[..]), ("p.json", &json[..])] {
        let l = run(name, bytes);
        let managed = l.objects[0].at(&["metadata", "managedFields"]).unwrap();
        assert_eq!(managed, &serde_json::json!([{"manager": "kubectl", "subresource": "approval"}]), "{name}");
    }
}

#[test]
fn a_json_list_is_charged_item_by_item() {
    let name = "n".repeat(1000);
    let items: Vec<String> = (0..20_000)
        .map(|i| {
            format!("{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"{name}{i}\"}}}}")
        })
        .collect();
    let text = format!("{{\"apiVersion\": \"v1\", \"items\": [\n{}\n], \"kind\": \"List\"}}\n", items.join(",\n"));
    let l = load(
        &[InputFile { name: "fat.json", bytes: text.as_bytes() }],
        &Limits { max_expansion: 0, ..Limits::default() },
    );
    let kept = l.objects.len();
    assert!(kept > 1000 && kept < 20_000, "{kept}");
    let memory: Vec<_> = l.inputs[0].diagnostics.iter().filter(|d| d.code.as_str() == "memory-limit").collect();
    assert_eq!(memory[0].source.line, 2 + kept as u32, "the first item that did not fit");
    assert!(!codes(&l).iter().any(|(c, _)| c == "truncated"), "{:?}", codes(&l));
    // Under the default limits the same List loads whole.
    assert_eq!(run("fat.json", text.as_bytes()).objects.len(), 20_000);
}
