//! The integration recipes are checked, not just written: every YAML block of docs/ci.md parses,
//! every `authn-audit` command in it runs against a sample (no usage error), the JUnit report it
//! asks for is well-formed JUnit, the pre-commit hook's entry runs, the krew template parses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn yaml(text: &str) -> Value {
    policy_core::input::parse_yaml_value(text).map(Value::from).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

/// The fenced blocks of a Markdown page with their language.
fn blocks(page: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in page.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.push(current.take().unwrap()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// Run an `authn-audit …` command line of the docs (no shell: words split on spaces).
fn run_doc_command(line: &str, dir: &Path) -> i32 {
    let words: Vec<&str> = line.split_whitespace().take_while(|w| *w != ">" && *w != "#").collect();
    assert_eq!(words[0], "authn-audit", "{line}");
    let out = Command::new(BIN).args(&words[1..]).current_dir(dir).output().unwrap();
    let status = out.status.code().unwrap();
    assert!(status == 0 || status == 1, "`{line}` exits {status}: {}", String::from_utf8_lossy(&out.stderr));
    status
}

#[test]
fn every_recipe_of_docs_ci_parses_and_runs() {
    let page = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let dir = Scratch::new("recipes");
    dir.file("manifests/apiserver.json", APISERVER);
    let mut yaml_blocks = 0;
    let mut commands = 0;
    for (lang, body) in blocks(&page) {
        if lang == "yaml" {
            yaml_blocks += 1;
            let doc = yaml(&body);
            assert!(doc.is_object() || doc.is_array(), "{body}");
            if body.contains("suppressions:") {
                // The config example is a valid config: the scan accepts it.
                let config = dir.file("example.authn-audit.yaml", &body);
                let out =
                    run(&["scan", dir.0.join("manifests").to_str().unwrap(), "--config", config.to_str().unwrap()]);
                assert!(code(&out) != 2, "{}", stderr(&out));
            }
        }
        for line in body.lines() {
            let line = line.trim().trim_start_matches("- ").trim_start_matches("run: ");
            if line.starts_with("authn-audit ") {
                commands += 1;
                run_doc_command(line, &dir.0);
            }
        }
    }
    assert!(yaml_blocks >= 4 && commands >= 6, "{yaml_blocks} YAML blocks, {commands} commands");

    // GitHub: the workflow uploads the SARIF the scan step writes.
    let workflow = blocks(&page).into_iter().find(|(_, b)| b.contains("upload-sarif")).unwrap().1;
    let steps = yaml(&workflow)["jobs"]["scan"]["steps"].as_array().unwrap().clone();
    let upload = steps.iter().find(|s| s["uses"].as_str().is_some_and(|u| u.contains("upload-sarif"))).unwrap();
    let sarif = upload["with"]["sarif_file"].as_str().unwrap();
    assert!(steps.iter().any(|s| s["run"].as_str().is_some_and(|r| r.contains(&format!("--output {sarif}")))));
    let log: Value = serde_json::from_slice(&std::fs::read(dir.0.join(sarif)).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");

    // GitLab: the JUnit report is well-formed JUnit with the finding as a failure.
    let xml = std::fs::read_to_string(dir.0.join("authn-audit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    let cases: Vec<_> = suites.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len().to_string(), suites.attribute("tests").unwrap());
    let failures: Vec<_> = cases.iter().filter(|c| c.children().any(|n| n.has_tag_name("failure"))).collect();
    assert_eq!(failures.len().to_string(), suites.attribute("failures").unwrap());
    assert!(failures.iter().any(|c| c.attribute("classname") == Some("ST001 token-auth-file")));
}

#[test]
fn junit_marks_suppressed_findings_skipped_and_escapes_values() {
    let dir = Scratch::new("junit");
    let hostile = APISERVER.replace("kube-apiserver-cp-1", "cp-<&\\\"'>");
    let dump = dir.file("apiserver.json", &hostile);
    let config = dir.file("c.yaml", "suppressions:\n  - rule: ST001\n    reason: gone <soon> & \"tracked\"\n");
    let out = run(&["scan", dump.to_str().unwrap(), "--now", NOW, "-f", "junit", "--config", config.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let xml = stdout(&out);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let st = doc.descendants().find(|n| n.attribute("classname") == Some("ST001 token-auth-file")).unwrap();
    assert!(st.attribute("name").unwrap().contains("cp-<&\"'>"));
    let skipped = st.children().find(|n| n.has_tag_name("skipped")).unwrap();
    assert_eq!(skipped.attribute("message"), Some("suppressed: gone <soon> & \"tracked\""));
}

#[test]
fn the_pre_commit_hook_runs() {
    let hooks = yaml(&std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap());
    let hook = &hooks[0];
    assert_eq!(hook["id"], "authn-audit");
    let entry = hook["entry"].as_str().unwrap();
    let files = hook["files"].as_str().unwrap();
    assert!(files.contains("ya?ml") && files.contains("json"));
    // pre-commit appends the staged file names to the entry.
    let dir = Scratch::new("hook");
    let bad = dir.file("apiserver.json", APISERVER);
    let good = dir.file("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
    let hook_run = |file: &Path| {
        let words: Vec<&str> = entry.split_whitespace().collect();
        assert_eq!(words[0], "authn-audit");
        Command::new(BIN).args(&words[1..]).arg(file).current_dir(&dir.0).status().unwrap().code().unwrap()
    };
    assert_eq!(hook_run(&bad), 1, "a high finding blocks the commit");
    assert_eq!(hook_run(&good), 0);
}

#[test]
fn the_krew_template_and_the_containerfile() {
    let krew = yaml(&std::fs::read_to_string(root().join("packaging/krew/authn-audit.yaml")).unwrap());
    assert_eq!(krew["kind"], "Plugin");
    assert_eq!(krew["metadata"]["name"], "authn-audit");
    for platform in krew["spec"]["platforms"].as_array().unwrap() {
        assert_eq!(platform["bin"], "kubectl-authn_audit", "the name the CLI answers to as a plugin");
    }
    let containerfile = std::fs::read_to_string(root().join("Containerfile")).unwrap();
    assert!(containerfile.contains("FROM scratch"));
    // The image copies the binary CI builds and tests: the same script, the same cargo install.
    assert!(containerfile.contains("RUN scripts/static-binary.sh build /out"), "{containerfile}");
    assert!(containerfile.contains("COPY --from=build /out/bin/authn-audit "), "{containerfile}");
    let script = std::fs::read_to_string(root().join("scripts/static-binary.sh")).unwrap();
    assert!(script.contains("TRIPLE=x86_64-unknown-linux-musl"));
    assert!(script.contains(r#"cargo install --locked --path cli --root "$out" --target "$TRIPLE""#));
    let user = containerfile.lines().find_map(|l| l.strip_prefix("USER ")).unwrap();
    assert!(!user.starts_with('0') && !user.starts_with("root"), "non-root: {user}");
}

#[test]
fn the_man_pages_are_current() {
    for (file, subcommand) in [
        ("authn-audit.1", None),
        ("authn-audit-scan.1", Some("scan")),
        ("authn-audit-rules.1", Some("rules")),
        ("authn-audit-explain.1", Some("explain")),
        ("authn-audit-completions.1", Some("completions")),
    ] {
        let mut args = vec!["man"];
        args.extend(subcommand);
        let out = run(&args);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let page = stdout(&out);
        assert!(page.contains(".TH authn-audit"), "{page}");
        let checked_in = std::fs::read_to_string(root().join("docs/man").join(file)).unwrap_or_default();
        assert!(checked_in == page, "docs/man/{file} is out of date: run `cargo xtask man`");
    }
    let scan = stdout(&run(&["man", "scan"]));
    for flag in ["baseline", "min\\-severity", "exclude\\-namespace", "docs\\-url"] {
        assert!(scan.contains(flag), "the scan page documents {flag}");
    }
    assert_eq!(code(&run(&["man", "nope"])), 2);
}
