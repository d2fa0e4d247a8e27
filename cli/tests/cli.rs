//! The `authn-audit` binary end to end: exit codes, formats, stdin, directories, selection,
//! settings, colour, and the kubectl plugin name. The binary is the one cargo built for this test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use support::*;

#[test]
fn help_documents_the_exit_codes() {
    for args in [&["--help"][..], &["scan", "--help"]] {
        let out = run(args);
        assert_eq!(code(&out), 0);
        let help = stdout(&out);
        assert!(help.contains("0  no finding at or above --fail-on"), "{help}");
        assert!(help.contains("1  at least one finding at or above --fail-on"));
        assert!(help.contains("2  usage error, or an input that could not be read or parsed"));
    }
    let out = run(&["scan", "--frobnicate", "x"]);
    assert_eq!(code(&out), 2, "clap usage errors exit 2");
    assert_eq!(code(&run(&["scan"])), 2, "a path is required");
}

#[test]
fn fail_on_decides_the_exit_code() {
    let dir = Scratch::new("fail-on");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    let base = ["scan", dump, "--now", NOW, "--select", "ST", "--format", "json"];
    let out = run(&base);
    assert_eq!(code(&out), 1, "default --fail-on high, ST001 is high: {}", stderr(&out));
    assert_eq!(codes(&json(&out)), vec!["ST001"]);
    let with = |extra: &[&str]| code(&run(&[&base[..], extra].concat()));
    assert_eq!(with(&["--fail-on", "critical"]), 0);
    assert_eq!(with(&["--fail-on", "medium"]), 1);
    assert_eq!(with(&["--fail-on", "never"]), 0);
    assert_eq!(with(&["--fail-on", "severe"]), 2);
}

#[test]
fn select_and_ignore() {
    let dir = Scratch::new("select");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    let found = |extra: &[&str]| {
        let out = run(&[&["scan", dump, "--now", NOW, "--format", "json", "--fail-on", "never"][..], extra].concat());
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        codes(&json(&out))
    };
    assert!(found(&[]).contains(&"ST001".to_string()));
    assert_eq!(found(&["--select", "ST001"]), vec!["ST001"]);
    assert_eq!(found(&["--select", "ST002,ST003"]), Vec::<String>::new());
    assert!(!found(&["--ignore", "ST001"]).contains(&"ST001".to_string()));
    assert_eq!(found(&["--select", "ST", "--ignore", "ST001"]), Vec::<String>::new());
    let out = run(&["scan", dump, "--select", "ZZ9"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown rule code or family `ZZ9`"), "{}", stderr(&out));
}

#[test]
fn stdin_is_read_with_dash() {
    let out = run_with(
        Path::new(BIN),
        &["scan", "-", "--now", NOW, "--format", "json", "--select", "ST001"],
        Some(APISERVER.as_bytes()),
        &[],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["inputs"][0]["path"], "-");
    assert_eq!(report["findings"][0]["source"]["path"], "-");
    // At the flag, as from a file: standard input cannot be read again, so its bytes are kept
    // to place the findings.
    let source = &report["findings"][0]["source"];
    assert_eq!((&source["line"], &source["column"], &source["objectLine"]), (&4.into(), &1.into(), &1.into()));
    assert_eq!(report["evaluatedAt"], NOW);
}

#[test]
fn unreadable_input_is_a_located_error_and_exit_2() {
    let dir = Scratch::new("unreadable");
    let good = dir.file("apiserver.json", APISERVER);
    let missing = dir.0.join("missing.yaml");
    let out = run(&["scan", good.to_str().unwrap(), missing.to_str().unwrap(), "--now", NOW, "--format", "json"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.starts_with(&format!("{}: read-error: ", missing.display())), "{err}");
    // The rest was still analysed and reported.
    assert!(codes(&json(&out)).contains(&"ST001".to_string()));

    let empty = Scratch::new("empty-dir");
    let out = run(&["scan", empty.0.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no .yaml, .yml, .json or .csv file"));
}

#[test]
fn unparseable_input_is_reported_with_file_and_line() {
    let dir = Scratch::new("broken");
    let broken =
        dir.file("broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: [unclosed\n");
    let out = run(&["scan", broken.to_str().unwrap(), "--now", NOW]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    let first = err.lines().next().unwrap();
    let prefix = format!("{}:", broken.display());
    assert!(first.starts_with(&prefix), "{err}");
    let line: u32 = first.strip_prefix(&prefix).unwrap().split(':').next().unwrap().parse().unwrap();
    assert!((1..=6).contains(&line), "{first}");
}

#[test]
fn directories_are_walked_for_dumps_only() {
    let dir = Scratch::new("walk");
    dir.file("b/apiserver.json", APISERVER);
    dir.file("a.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
    dir.file("notes.txt", "not a dump");
    dir.file("c/tokens.CSV", "t0k3n,alice,1001,\"system:masters\"\n");
    let out = run(&["scan", dir.0.to_str().unwrap(), "--now", NOW, "--format", "json", "--fail-on", "never"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let inputs: Vec<String> = json(&out)["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap().strip_prefix(dir.0.to_str().unwrap()).unwrap().to_string())
        .collect();
    assert_eq!(inputs, vec!["/a.yaml", "/b/apiserver.json", "/c/tokens.CSV"]);
}

#[test]
fn every_format_and_output_file() {
    let dir = Scratch::new("formats");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    let render = |format: &str| {
        let out = run(&["scan", dump, "--now", NOW, "--select", "ST001", "--format", format]);
        assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let text = render("text");
    // Grouped by rule: a header, then each object located under it.
    assert!(text.contains("\nST001 high token-auth-file (Static token file, 1 object)\n"), "{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // At the flag itself (line 4, column 1 of the JSON), not the object's first line.
    assert!(
        flat.contains("apiserver.json:4:1 Pod/kube-system/kube-apiserver-cp-1 kube-apiserver reads static tokens"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "not a terminal: no colour");
    assert_eq!(json(&run(&["scan", dump, "--now", NOW, "--format", "sarif"]))["version"], "2.1.0");
    assert!(render("markdown").starts_with("# authn-audit report\n"));
    assert!(render("html").starts_with("<!DOCTYPE html>"));
    assert_eq!(codes(&serde_json::from_str(&render("json")).unwrap()), vec!["ST001"]);

    let target = dir.0.join("report.sarif");
    let out = run(&["scan", dump, "--now", NOW, "-f", "sarif", "-o", target.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    let sarif: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "ST001");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = Scratch::new("colour");
    let dump = dir.file("apiserver.json", APISERVER);
    let args = ["scan", dump.to_str().unwrap(), "--now", NOW, "--select", "ST001"];
    let always = run(&[&args[..], &["--color", "always"]].concat());
    assert!(stdout(&always).contains("\x1b[31mhigh\x1b[0m"));
    let never = run(&[&args[..], &["--color", "never"]].concat());
    assert!(!stdout(&never).contains('\x1b'));
    let no_color = run_with(Path::new(BIN), &args, None, &[("NO_COLOR", "1")]);
    assert!(!stdout(&no_color).contains('\x1b'));
}

#[test]
fn now_and_settings() {
    let dir = Scratch::new("settings");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    let out = run(&["scan", dump, "--now", "yesterday"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("RFC 3339"));

    let settings = dir.file(
        "settings.json",
        r#"{"select":["ST001"],"severityOverrides":{"ST001":"critical"},"now":"2024-01-02T03:04:05Z"}"#,
    );
    let out =
        run(&["scan", dump, "--settings", settings.to_str().unwrap(), "--format", "json", "--fail-on", "critical"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["findings"][0]["severity"], "critical");
    assert_eq!(report["evaluatedAt"], "2024-01-02T03:04:05Z", "settings' now when no --now");

    let typo = dir.file("typo.json", "{\n  \"selcet\": [\"ST\"]\n}");
    let out = run(&["scan", dump, "--settings", typo.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains(&format!("{}:2: invalid settings", typo.display())), "{}", stderr(&out));
}

#[test]
fn rules_and_explain() {
    let out = run(&["rules"]);
    assert_eq!(code(&out), 0);
    let table = stdout(&out);
    assert!(table.starts_with("CODE   SEVERITY SCOPE MECHANISM"));
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("ST001  high     audit static-token-file") && l.contains("token-auth-file"))
    );

    let list = json(&run(&["rules", "--format", "json"]));
    let st001 = list.as_array().unwrap().iter().find(|r| r["code"] == "ST001").unwrap();
    assert_eq!(st001["slug"], "token-auth-file");
    assert_eq!(st001["docs"], "docs/rules/ST001-token-auth-file.md");
    // One line per rule plus the header; long titles wrap onto indented lines of their own.
    let rows = table.lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(list.as_array().unwrap().len(), rows - 1);
    let narrow = stdout(&run_with(std::path::Path::new(BIN), &["rules"], None, &[("COLUMNS", "120")]));
    assert!(narrow.lines().all(|l| l.chars().count() <= 120 || l.split(' ').any(|w| w.len() > 30)), "{narrow}");
    assert!(narrow.lines().any(|l| l.starts_with(' ')), "titles wrap");

    for query in ["ST001", "st001", "token-auth-file"] {
        let out = run(&["explain", query]);
        assert_eq!(code(&out), 0);
        let page = stdout(&out);
        assert!(page.starts_with("# ST001 token-auth-file\n"), "{page}");
        assert!(page.contains("## What it does") && page.contains("## How to fix"));
    }
    let out = run(&["explain", "ZZ999"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("unknown rule `ZZ999`"));
}

#[test]
fn works_as_a_kubectl_plugin() {
    let dir = Scratch::new("plugin");
    let plugin = dir.0.join("kubectl-authn_audit");
    // A link, not a copy: a copy is a file this process wrote, and another test thread forking
    // while it is still open for writing makes executing it fail with "text file busy".
    std::os::unix::fs::symlink(BIN, &plugin).unwrap();
    let help = run_with(&plugin, &["--help"], None, &[]);
    assert_eq!(code(&help), 0);
    assert!(stdout(&help).contains("Usage: kubectl authn-audit <COMMAND>"), "{}", stdout(&help));
    let out = run_with(
        &plugin,
        &["scan", "-", "--now", NOW, "--select", "ST001", "--format", "json"],
        Some(APISERVER.as_bytes()),
        &[],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(codes(&json(&out)), vec!["ST001"]);

    // Through kubectl's own plugin lookup, when kubectl is installed.
    let path = format!("{}:{}", dir.0.display(), std::env::var("PATH").unwrap_or_default());
    let Ok(via) = Command::new("kubectl").args(["authn-audit", "rules"]).env("PATH", &path).output() else {
        eprintln!("kubectl not installed: plugin lookup not exercised");
        return;
    };
    assert_eq!(via.status.code(), Some(0), "{}", String::from_utf8_lossy(&via.stderr));
    assert!(String::from_utf8_lossy(&via.stdout).contains("ST001"));
}

#[test]
fn a_fix_to_copy_is_in_the_text_and_markdown_reports_with_names_quoted() {
    let dir = Scratch::new("fix");
    // A legacy token unused for a year, named like a command.
    let dump = dir.file(
        "tokens.yaml",
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/service-account-token\nmetadata:\n  name: \"old; rm -rf ~\"\n  namespace: ci\n  labels: {kubernetes.io/legacy-token-last-used: \"2024-06-02\"}\n  annotations: {kubernetes.io/service-account.name: deployer}\n",
    );
    let dump = dump.to_str().unwrap();
    let text = stdout(&run(&["scan", dump, "--now", NOW, "--select", "SA005", "--no-config"]));
    assert!(text.contains("fix: delete the unused token Secret"), "{text}");
    assert!(text.lines().any(|l| l.trim() == "kubectl delete secret -n ci 'old; rm -rf ~'"), "{text}");
    let md = stdout(&run(&["scan", dump, "--now", NOW, "--select", "SA005", "--no-config", "-f", "markdown"]));
    assert!(md.contains("## Fixes to copy") && md.contains("  kubectl delete secret -n ci 'old; rm -rf ~'\n"), "{md}");
    let report = json(&run(&["scan", dump, "--now", NOW, "--select", "SA005", "--no-config", "-f", "json"]));
    assert_eq!(report["findings"][0]["fix"]["kind"], "command");
}
