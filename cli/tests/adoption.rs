//! What a pipeline needs to adopt the tool: suppressions with reasons (config file and, in
//! audits, the object's annotation), baselines with stable ids, one settings language, and
//! namespace scoping. Each test runs the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod support;

use serde_json::Value;
use std::process::Command;
use support::*;

/// A legacy token Secret (SA001, medium) in a namespace.
fn legacy_token(namespace: &str, name: &str) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token","metadata":{{"name":"{name}","namespace":"{namespace}","annotations":{{"kubernetes.io/service-account.name":"deployer"}}}}}}"#
    )
}

fn scan_json(args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["scan", "--now", NOW, "--no-config", "-f", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    (code(&out), json(&out), stderr(&out))
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

#[test]
fn config_suppressions_keep_the_finding_with_its_reason_and_do_not_fail() {
    let dir = Scratch::new("suppress");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    assert_eq!(scan_json(&[dump]).0, 1, "ST001 is high: fails by default");

    let config = dir.file(
        "accept.yaml",
        "suppressions:\n  - rule: ST\n    kind: Pod\n    namespace: kube-*\n    name: kube-apiserver-*\n    reason: the token file is gone in the next release\n    owner: platform-team\n    expires: 2026-01-31\n  - rule: BT001\n    reason: no bootstrap tokens in this cluster\n",
    );
    let out = run(&["scan", dump, "--now", NOW, "--config", config.to_str().unwrap(), "-f", "json"]);
    assert_eq!(code(&out), 0, "a suppressed finding does not count: {}", stderr(&out));
    let report = json(&out);
    let st = report["findings"].as_array().unwrap().iter().find(|f| f["code"] == "ST001").unwrap();
    assert_eq!(st["suppression"]["kind"], "external");
    assert_eq!(st["suppression"]["justification"], "the token file is gone in the next release");
    assert_eq!(st["suppression"]["owner"], "platform-team");
    assert_eq!(report["summary"]["suppressed"], 1);
    // The entry that matched nothing is a warning, on stderr and in the report.
    assert!(stderr(&out).contains("warning: stale-suppression: `suppressions[1]` for `BT001`"), "{}", stderr(&out));
    assert_eq!(report["staleSuppressions"][0]["rule"], "BT001");

    // Every format lists it in its own section; SARIF says external, with the justification.
    let out = run(&["scan", dump, "--now", NOW, "--config", config.to_str().unwrap(), "-f", "sarif"]);
    let sarif = json(&out);
    let result = sarif["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "ST001").unwrap();
    assert_eq!(result["suppressions"][0]["kind"], "external");
    assert_eq!(result["suppressions"][0]["status"], "accepted");
    let text = stdout(&run(&["scan", dump, "--now", NOW, "--config", config.to_str().unwrap(), "--color", "never"]));
    assert!(text.contains("Suppressed (accepted, not counted):") && text.contains("reason: the token file is gone"));
    assert!(text.contains("1 suppressed"), "{text}");

    // Past its date the finding counts again and says so.
    let out = run(&["scan", dump, "--now", "2026-02-01T00:00:00Z", "--config", config.to_str().unwrap(), "-f", "json"]);
    assert_eq!(code(&out), 1, "expired: fails again");
    let report = json(&out);
    let st = report["findings"].as_array().unwrap().iter().find(|f| f["code"] == "ST001").unwrap();
    assert_eq!(st["suppression"]["status"], "expired");
    assert!(st["message"].as_str().unwrap().contains("suppression expired on `2026-01-31`"), "{st}");
}

#[test]
fn a_suppression_without_a_reason_is_a_located_error() {
    let dir = Scratch::new("no-reason");
    let dump = dir.file("apiserver.json", APISERVER);
    let config = dir.file("c.yaml", "select: [ST]\nsuppressions:\n  - rule: ST001\n");
    let out = run(&["scan", dump.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("invalid settings: missing field `reason`"), "{}", stderr(&out));
    let config = dir.file("d.yaml", "suppressions:\n  - rule: ST001\n    reason: ''\n");
    let out = run(&["scan", dump.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert!(stderr(&out).contains("needs a `reason`"), "{}", stderr(&out));
}

#[test]
fn the_annotation_suppresses_in_audits_with_its_reason() {
    let dir = Scratch::new("annotation");
    let annotated = APISERVER.replace(
        r#""tier":"control-plane"}"#,
        r#""tier":"control-plane"},"annotations":{"authn-audit.dev/ignore":"ST001: break-glass file, audited weekly"}"#,
    );
    let dump = dir.file("apiserver.json", &annotated);
    let (status, report, _) = scan_json(&[dump.to_str().unwrap()]);
    assert_eq!(status, 0, "{report}");
    let st = report["findings"].as_array().unwrap().iter().find(|f| f["code"] == "ST001").unwrap();
    assert_eq!(st["suppression"]["kind"], "inSource");
    assert_eq!(st["suppression"]["justification"], "break-glass file, audited weekly");
    let sarif = json(&run(&["scan", dump.to_str().unwrap(), "--now", NOW, "--no-config", "-f", "sarif"]));
    let result = sarif["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "ST001").unwrap();
    assert_eq!(result["suppressions"][0]["kind"], "inSource");
}

#[test]
fn a_baseline_fails_on_new_findings_only() {
    let dir = Scratch::new("baseline");
    let old =
        dir.file("old.json", &format!("[{},{}]", legacy_token("ci", "a-token"), legacy_token("ci", "gone-token")));
    // One rule, so the counts are about legacy tokens only (MX001's one finding lists every token).
    let (_, report, _) = scan_json(&[old.to_str().unwrap(), "--select", "SA001"]);
    let ids: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|id| id.len() == 32), "{ids:?}");
    let baseline = dir.file("baseline.json", &report.to_string());
    let baseline = baseline.to_str().unwrap();

    // Reformatted and reordered, one finding fixed: nothing new, so no failure at medium.
    let same =
        dir.file("same.yaml", &format!("apiVersion: v1\nkind: List\nitems:\n- {}\n", legacy_token("ci", "a-token")));
    let (status, report, err) =
        scan_json(&[same.to_str().unwrap(), "--select", "SA001", "--baseline", baseline, "--fail-on", "medium"]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(report["findings"][0]["baseline"], "unchanged");
    assert_eq!(
        report["summary"]["baseline"],
        serde_json::json!({"new": 0, "unchanged": 1, "fixed": 1, "credentialsAdded": 0, "credentialsRemoved": 1})
    );
    assert_eq!(report["fixed"][0]["object"]["name"], "gone-token");
    assert_eq!(report["credentialChanges"]["removed"][0]["object"]["name"], "gone-token");

    // A new legacy token fails.
    let grown =
        dir.file("grown.json", &format!("[{},{}]", legacy_token("ci", "a-token"), legacy_token("ci", "new-token")));
    let (status, report, _) =
        scan_json(&[grown.to_str().unwrap(), "--select", "SA001", "--baseline", baseline, "--fail-on", "medium"]);
    assert_eq!(status, 1);
    let new: Vec<&Value> = report["findings"].as_array().unwrap().iter().filter(|f| f["baseline"] == "new").collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0]["object"]["name"], "new-token");
    let text = stdout(&run(&[
        "scan",
        "--now",
        NOW,
        "--no-config",
        grown.to_str().unwrap(),
        "--select",
        "SA001",
        "--baseline",
        baseline,
    ]));
    assert!(text.contains("baseline: 1 new, 1 unchanged, 1 fixed"), "{text}");

    // Something that is no report is refused, located.
    let out = run(&["scan", "--no-config", grown.to_str().unwrap(), "--baseline", grown.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("not a baseline"), "{}", stderr(&out));
}

#[test]
fn namespaces_scope_the_audit_with_globs() {
    let dir = Scratch::new("namespaces");
    let dump = dir.file(
        "tokens.json",
        &format!("[{},{},{}]", legacy_token("team-a", "t"), legacy_token("team-b", "t"), legacy_token("ops", "t")),
    );
    let dump = dump.to_str().unwrap();
    let names = |report: &Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "SA001")
            .map(|f| f["object"]["namespace"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&scan_json(&[dump]).1).len(), 3);
    assert_eq!(names(&scan_json(&[dump, "-n", "team-*"]).1), ["team-a", "team-b"]);
    assert_eq!(names(&scan_json(&[dump, "-n", "team-*", "--exclude-namespace", "team-b"]).1), ["team-a"]);
    let config = dir.file("c.yaml", "excludeNamespaces: [ops]\n");
    let out = run(&["scan", dump, "--now", NOW, "--config", config.to_str().unwrap(), "-f", "json"]);
    assert_eq!(names(&json(&out)), ["team-a", "team-b"]);
    assert!(!codes(&json(&out)).is_empty());
}

#[test]
fn one_settings_language_and_keys_that_apply_elsewhere() {
    let dir = Scratch::new("dialect");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    // YAML and JSON, the same keys; the config's failOn decides unless the flag is given.
    let yaml = dir.file("c.yaml", "select: [ST001]\nseverityOverrides:\n  ST001: low\nfailOn: low\n");
    let out = run(&["scan", dump, "--now", NOW, "--config", yaml.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "failOn: low from the config");
    let out = run(&["scan", dump, "--now", NOW, "--config", yaml.to_str().unwrap(), "--fail-on", "high"]);
    assert_eq!(code(&out), 0, "the flag wins");
    // An admission-policy key is a located error naming where it applies.
    let engine = dir.file("e.yaml", "select: [ST001]\nexemptNamespaces: [kube-system]\n");
    let out = run(&["scan", dump, "--config", engine.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let expected =
        format!("{}:2: invalid settings: `exemptNamespaces` applies to the admission policy", engine.display());
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    // A wrong value is named by what was expected, never repeated.
    let wrong = dir.file("w.json", r#"{"maxCertLifetimeSeconds": "s3cr3t-value"}"#);
    let out = run(&["scan", dump, "--settings", wrong.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(!stderr(&out).contains("s3cr3t-value"), "{}", stderr(&out));
}

#[test]
fn the_config_file_is_found_in_the_working_directory() {
    let dir = Scratch::new("discover");
    dir.file("apiserver.json", APISERVER);
    dir.file(".authn-audit.yaml", "suppressions:\n  - rule: ST001\n    reason: accepted for the demo\n");
    let out = Command::new(BIN).current_dir(&dir.0).args(["scan", "apiserver.json", "--now", NOW]).output().unwrap();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(BIN)
        .current_dir(&dir.0)
        .args(["scan", "apiserver.json", "--now", NOW, "--no-config"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "--no-config reads none");
}

#[test]
fn min_severity_and_verbose_change_what_is_shown_not_the_verdict() {
    let dir = Scratch::new("shown");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    let text = |extra: &[&str]| {
        let mut args = vec!["scan", dump, "--now", NOW, "--no-config"];
        args.extend_from_slice(extra);
        let out = run(&args);
        (code(&out), stdout(&out).split_whitespace().collect::<Vec<_>>().join(" "))
    };
    let (status, default) = text(&[]);
    assert_eq!(status, 1);
    assert!(default.contains("of info severity (show them with -v) not shown"), "{default}");
    let (_, verbose) = text(&["-v"]);
    assert!(!verbose.contains("not shown") && verbose.contains(" info "), "{verbose}");
    let (status, critical) = text(&["--min-severity", "critical"]);
    assert_eq!(status, 1, "the high finding still fails");
    assert!(critical.contains("below `critical` not shown") && !critical.contains("Findings by rule"), "{critical}");
    let (_, all, _) = scan_json(&[dump]);
    let (status, high, _) = scan_json(&[dump, "--min-severity", "high"]);
    assert_eq!(status, 1);
    assert!(
        high["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "high" || f["severity"] == "critical")
    );
    assert!(high["findings"].as_array().unwrap().len() < all["findings"].as_array().unwrap().len());
    assert_eq!(high["summary"], all["summary"], "the counts are of the analysis");
}

#[test]
fn directories_are_sniffed_and_copies_of_an_object_merged() {
    let dir = Scratch::new("sniff");
    // The same legacy token as JSON, as YAML without an extension, and in a per-namespace file.
    dir.file("cluster.json", &legacy_token("ci", "t"));
    dir.file("dump", &format!("apiVersion: v1\nkind: List\nitems:\n- {}\n", legacy_token("ci", "t")));
    dir.file("ns/ci.yaml", &legacy_token("ci", "t"));
    // A kubeconfig named as kubectl names it, and one with kubeadm's name.
    let kubeconfig =
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://10.0.0.1:8080\n";
    dir.file("home/.kube/config", kubeconfig);
    dir.file("etc/admin.conf", kubeconfig);
    dir.file("etc/nginx.conf", "server { listen 80; }\n");
    dir.file("README", "notes about the cluster\n");
    let out = run(&["scan", dir.0.to_str().unwrap(), "--now", NOW, "--no-config", "-f", "json", "--fail-on", "never"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let root = dir.0.to_str().unwrap();
    let inputs: Vec<String> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap().strip_prefix(root).unwrap().to_string())
        .collect();
    assert_eq!(
        inputs,
        ["/cluster.json", "/dump", "/etc/admin.conf", "/ns/ci.yaml"],
        "hidden .kube skipped, nginx.conf and README not Kubernetes"
    );
    let sa001: Vec<&Value> = report["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "SA001").collect();
    assert_eq!(sa001.len(), 1, "one object, one finding");
    let also: Vec<&str> = sa001[0]["alsoIn"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert_eq!(also.len(), 2, "{also:?}");
    assert!(also.iter().any(|p| p.ends_with("/dump")) && also.iter().any(|p| p.ends_with("/ns/ci.yaml")));
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["source"]["path"].as_str().unwrap().ends_with("admin.conf")),
        "the kubeconfig is analysed"
    );
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef authn-audit"),
        ("fish", "complete -c authn-audit"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[authn-audit]"),
    ] {
        let out = run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["scan", "baseline", "min-severity", "exclude-namespace", "explain"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    // bash checks the script it is given, when there is a bash.
    if let Ok(status) = Command::new("bash").arg("-n").arg("-c").arg(stdout(&run(&["completions", "bash"]))).status() {
        assert!(status.success(), "bash -n rejects the completion script");
    }
    assert_eq!(code(&run(&["completions", "tcsh"])), 2);
}

#[test]
fn links_lead_somewhere() {
    let dir = Scratch::new("links");
    let dump = dir.file("apiserver.json", APISERVER);
    let dump = dump.to_str().unwrap();
    for format in ["markdown", "html", "sarif", "json", "text", "junit"] {
        let out = stdout(&run(&["scan", dump, "--now", NOW, "--no-config", "-f", format]));
        assert!(!out.contains("example.invalid"), "{format} links to a host that does not exist");
    }
    // Without hosted docs, the reports link to the rule docs they carry.
    let md = stdout(&run(&["scan", dump, "--now", NOW, "--no-config", "-f", "markdown"]));
    assert!(md.contains("](#rule-st001)") && md.contains("### <a id=\"rule-st001\"></a>ST001 token-auth-file"), "{md}");
    let html = stdout(&run(&["scan", dump, "--now", NOW, "--no-config", "-f", "html"]));
    assert!(html.contains("href=\"#rule-st001\"") && html.contains("<article id=\"rule-st001\">"));
    // With --docs-url, to the team's docs.
    let base = "https://docs.corp.test/authn-audit";
    let md = stdout(&run(&["scan", dump, "--now", NOW, "--no-config", "-f", "markdown", "--docs-url", base]));
    assert!(md.contains("](https://docs.corp.test/authn-audit/rules/ST001-token-auth-file.md)"), "{md}");
    let sarif = json(&run(&["scan", dump, "--now", NOW, "--no-config", "-f", "sarif", "--docs-url", base]));
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let st001 = rules.iter().find(|r| r["id"] == "ST001").unwrap();
    assert_eq!(st001["helpUri"], format!("{base}/rules/ST001-token-auth-file.md"));
    // explain shows the page itself, not where it sits in a source tree.
    let page = stdout(&run(&["explain", "ST001"]));
    assert!(!page.contains("docs/rules/") && page.contains("## How to fix"), "{page}");
}
