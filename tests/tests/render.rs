//! Reports end to end: schema validity (our JSON schema, the official SARIF 2.1.0 schema), golden
//! reports of `examples/` in every format, and no secret of the sample in any output.
//!
//! Goldens change whenever a rule is added or a message changes. Regenerate them with
//! `UPDATE_GOLDEN=1 cargo test -p authn-audit-tests --test render` and review the diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use base64::Engine as _;
use policy_core::inventory::credentials::{Credential, CredentialKind};
use policy_core::inventory::mechanisms::{MechanismEvidence, MechanismStatus, State};
use policy_core::render::{self, Format};
use policy_core::report::{Evidence, InputStatus, InputSummary, Mechanism, NotAssessable, ObjectRef, Source};
use policy_core::report::{Suppression, SuppressionKind, SuppressionStatus};
use policy_core::{InputFile, Report, Settings, Severity};
use serde_json::Value;
use std::path::{Path, PathBuf};

const NOW: &str = "2025-11-28T12:00:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn settings() -> Settings {
    Settings {
        now: Some(time::OffsetDateTime::parse(NOW, &time::format_description::well_known::Rfc3339).unwrap()),
        ..Settings::default()
    }
}

/// Every dump under `examples/`, named as the CLI names them, in the CLI's (sorted) order.
fn example_inputs() -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| [".yaml", ".yml", ".json", ".csv"].iter().any(|ext| n.ends_with(ext)))
        .collect();
    names.sort();
    assert!(names.contains(&"sample-cluster.yaml".to_string()));
    names
        .into_iter()
        .map(|n| (format!("examples/{n}"), std::fs::read(root().join("examples").join(&n)).unwrap()))
        .collect()
}

fn analyze(inputs: &[(String, Vec<u8>)]) -> Report {
    let files: Vec<InputFile<'_>> = inputs.iter().map(|(n, b)| InputFile { name: n, bytes: b }).collect();
    policy_core::analyze(&files, &settings())
}

fn example_report() -> Report {
    analyze(&example_inputs())
}

/// One report from each rule fixture: real reports with every kind of finding the rules make.
fn fixture_reports() -> Vec<(String, Report)> {
    let mut out = Vec::new();
    let dir = root().join("tests/fixtures/rules");
    let Ok(codes) = std::fs::read_dir(&dir) else { return out };
    let mut paths: Vec<PathBuf> = codes
        .filter_map(Result::ok)
        .flat_map(|code| std::fs::read_dir(code.path()).into_iter().flatten().filter_map(Result::ok))
        .map(|e| e.path())
        .collect();
    paths.sort();
    for path in paths {
        let name = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
        let bytes = std::fs::read(&path).unwrap();
        out.push((name.clone(), analyze(&[(name, bytes)])));
    }
    out
}

/// A report with every optional part filled in, so the schemas see each branch even before the
/// rules that produce them exist.
fn full_report() -> Report {
    let mut report = example_report();
    let secret = ObjectRef {
        api_version: "v1".into(),
        kind: "Secret".into(),
        namespace: Some("ci".into()),
        name: "ci-deployer-token".into(),
    };
    let source = Source { path: "examples/sample-cluster.yaml".into(), line: 7 };
    let meta = policy_core::registry::ALL[0].meta();
    let mut finding = policy_core::Finding::new(
        meta,
        secret.clone(),
        source.clone(),
        "legacy token `ci/ci-deployer-token` never expires".into(),
    )
    .remediation(meta.remediation())
    .evidence(Evidence::secret("data.token", b"not-a-real-token"))
    .evidence(Evidence::plain("type", "kubernetes.io/service-account-token"))
    .related(ObjectRef { namespace: None, kind: "ClusterRoleBinding".into(), ..secret.clone() })
    .severity(Severity::Critical);
    finding.source.line = 0;
    finding.id = policy_core::report::baseline::finding_id(&finding);
    finding.baseline = Some(policy_core::report::BaselineState::New);
    report.findings.insert(0, finding);
    // Suppressed findings of both kinds, an expired one, a stale entry and a fixed finding: the
    // schemas (ours and SARIF's) see every branch of suppressions and baselines.
    for (i, (kind, status)) in [
        (SuppressionKind::External, SuppressionStatus::Accepted),
        (SuppressionKind::InSource, SuppressionStatus::Accepted),
        (SuppressionKind::External, SuppressionStatus::Expired),
    ]
    .into_iter()
    .enumerate()
    {
        let mut accepted = report.findings[1 + i].clone();
        accepted.suppression = Some(Box::new(Suppression {
            kind,
            status,
            justification: "rotated by the CI every day".into(),
            owner: (kind == SuppressionKind::External).then(|| "platform-team".into()),
            expires: (kind == SuppressionKind::External).then(|| "2025-11-01".into()),
            origin: if kind == SuppressionKind::External {
                "suppressions[0]".into()
            } else {
                "authn-audit.dev/ignore".into()
            },
        }));
        accepted.baseline = Some(policy_core::report::BaselineState::Unchanged);
        report.findings[1 + i] = accepted;
    }
    report.summary.suppressed = 2;
    report.summary.baseline = Some(policy_core::report::BaselineCounts {
        new: 1,
        unchanged: 3,
        fixed: 1,
        ..policy_core::report::BaselineCounts::default()
    });
    report.stale_suppressions.push(policy_core::report::StaleSuppression {
        origin: "suppressions[1]".into(),
        rule: "BT001".into(),
        reason: "no bootstrap tokens here".into(),
    });
    report.fixed.push(policy_core::report::FixedFinding {
        id: "a1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
        code: "SA001".into(),
        severity: Severity::High,
        object: secret.clone(),
        message: "legacy token `ci/old-token` never expires".into(),
    });
    report.not_assessable.push(NotAssessable {
        code: "ST001".into(),
        slug: "token-auth-file".into(),
        reason: "control plane not visible".into(),
        add: vec!["the kube-apiserver static Pod".into()],
    });
    report.mechanisms = Mechanism::ALL
        .iter()
        .map(|&mechanism| MechanismStatus {
            mechanism,
            state: if mechanism == Mechanism::Oidc { State::Unknown } else { State::Enabled },
            evidence: vec![MechanismEvidence {
                object: secret.clone(),
                source: source.clone(),
                evidence: Evidence::plain("spec.containers[0].command[3]", "--oidc-issuer-url=http://dex"),
            }],
            hint: (mechanism == Mechanism::Oidc).then(|| "the kube-apiserver static Pod".to_string()),
        })
        .collect();
    report.credentials = vec![Credential {
        kind: CredentialKind::ClientCertificate,
        identity: "alice".into(),
        groups: vec!["system:masters".into()],
        issuer: Some("CN=kubernetes".into()),
        not_before: Some("2025-06-01T09:00:00Z".into()),
        expires: Some("2027-06-01T09:00:00Z".into()),
        last_used: Some("2025-11-27T00:00:00Z".into()),
        status: "valid".into(),
        fingerprint: policy_core::util::sha256_hex(b"certificate"),
        object: secret,
        source,
        path: "status.certificate".into(),
        usage: None,
    }];
    report.inputs[0].diagnostics.push(policy_core::input::Diagnostic::new(
        "examples/sample-cluster.yaml",
        3,
        policy_core::input::DiagnosticCode::NotAKubernetesObject,
        "document has no `kind`",
    ));
    // Every input status: the JSON schema and SARIF's notifications see each one.
    let limits = policy_core::Limits::default();
    report.inputs.push(InputSummary::too_large("dumps/big.yaml", 300 << 20, true, limits.max_total_bytes, &limits));
    report.inputs.push(InputSummary::too_large("/dev/zero", 1 + (1 << 20), false, 1 << 20, &limits));
    report.inputs.push(InputSummary::unreadable(
        "dumps/gone.yaml",
        policy_core::input::DiagnosticCode::ReadError,
        "no such file or directory",
    ));
    report.inputs.push(InputSummary {
        path: "dumps/empty.yaml".into(),
        status: InputStatus::NoObjects,
        ..InputSummary::default()
    });
    let mut partial = report.inputs[0].clone();
    partial.path = "dumps/partial.yaml".into();
    partial.status = InputStatus::Partial;
    report.inputs.push(partial);
    report.inputs.sort_by(|a, b| a.path.cmp(&b.path));
    report
}

/// A report built as the CLI and the viewer build one when some inputs could not be read: the
/// examples, an empty input, a List cut before its first item, a missing file and a device
/// over the byte budget.
fn unread_report() -> Report {
    let mut inputs = example_inputs();
    inputs.push(("dumps/empty.yaml".into(), Vec::new()));
    inputs.push(("dumps/cut.yaml".into(), b"apiVersion: v1\nitems:\n".to_vec()));
    let files: Vec<InputFile<'_>> = inputs.iter().map(|(n, b)| InputFile { name: n, bytes: b }).collect();
    let limits = policy_core::Limits::default();
    let unread = [
        InputSummary::unreadable(
            "dumps/gone.yaml",
            policy_core::input::DiagnosticCode::ReadError,
            "no such file or directory",
        ),
        InputSummary::too_large("/dev/zero", limits.max_total_bytes + 1, false, limits.max_total_bytes, &limits),
    ];
    policy_core::analyze_with_unread(&files, &unread, &settings(), &mut |_| {})
}

#[test]
fn inputs_not_read_are_listed_by_analyze_with_unread() {
    let report = unread_report();
    let statuses: Vec<(&str, InputStatus)> = report.inputs.iter().map(|i| (i.path.as_str(), i.status)).collect();
    assert_eq!(
        statuses,
        [
            ("/dev/zero", InputStatus::Skipped),
            ("dumps/cut.yaml", InputStatus::NoObjects),
            ("dumps/empty.yaml", InputStatus::NoObjects),
            ("dumps/gone.yaml", InputStatus::Unreadable),
            ("examples/sample-cluster.yaml", InputStatus::Analysed),
            ("examples/sample-static-tokens.csv", InputStatus::Analysed),
        ],
        "every input, sorted by name"
    );
    assert!(!report.is_complete());
    assert_eq!(report.findings, example_report().findings, "the examples are analysed as without the others");
    let gone = &report.inputs[3].diagnostics;
    assert_eq!((gone[0].code.as_str(), gone[0].source.line), ("read-error", 0));
    assert_eq!(gone[0].to_string(), "dumps/gone.yaml: read-error: no such file or directory");
}

#[test]
fn every_format_is_byte_identical_whatever_the_input_order() {
    let mut inputs: Vec<(String, Vec<u8>)> = fixture_reports()
        .into_iter()
        .map(|(name, _)| {
            let bytes = std::fs::read(root().join(&name)).unwrap();
            (name, bytes)
        })
        .collect();
    inputs.extend(example_inputs());
    assert!(inputs.len() > 100);
    let forward = analyze(&inputs);
    inputs.reverse();
    let backward = analyze(&inputs);
    let third = inputs.len() / 3;
    inputs.rotate_left(third);
    let rotated = analyze(&inputs);
    for format in Format::ALL {
        let first = render::render(&forward, format, false);
        assert!(first == render::render(&backward, format, false), "{} depends on the input order", format.as_str());
        assert!(first == render::render(&rotated, format, false), "{} depends on the input order", format.as_str());
    }
}

fn validator(schema_path: &str) -> jsonschema::Validator {
    let mut schema: Value = serde_json::from_slice(&std::fs::read(root().join(schema_path)).unwrap()).unwrap();
    fix_language_pattern(&mut schema);
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
}

/// Erratum of the official SARIF schema: the `language` patterns have a stray `]`, which the
/// meta-schema's `regex` format check rejects. Fixed in memory; nothing we emit uses `language`.
fn fix_language_pattern(schema: &mut Value) {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "pattern" && value == BROKEN {
                    *value = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$".into();
                } else {
                    fix_language_pattern(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fix_language_pattern),
        _ => {}
    }
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn json_reports_match_the_report_schema() {
    let schema = validator("schema/report.schema.json");
    let mut reports = fixture_reports();
    reports.push(("examples".into(), example_report()));
    reports.push(("full".into(), full_report()));
    reports.push(("unread".into(), unread_report()));
    for (name, report) in &reports {
        let json: Value = serde_json::from_str(&render::json(report)).unwrap();
        let errs = errors(&schema, &json);
        assert!(errs.is_empty(), "{name}: {errs:#?}");
    }
}

#[test]
fn the_report_schema_rejects_drift() {
    let schema = validator("schema/report.schema.json");
    let mut json: Value = serde_json::from_str(&render::json(&full_report())).unwrap();
    json["findings"][0]["severity"] = "severe".into();
    json["findings"][0]["extra"] = 1.into();
    json["summary"]["by_severity"] = Value::Null;
    json["inputs"][0]["status"] = "fine".into();
    json["inputs"][1].as_object_mut().unwrap().remove("status");
    let errs = errors(&schema, &json);
    assert!(errs.iter().any(|e| e.contains("/inputs/0/status")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.contains("status") && e.contains("/inputs/1")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.contains("/findings/0/severity")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.contains("extra")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.contains("by_severity")), "{errs:#?}");
}

#[test]
fn sarif_reports_match_the_official_schema() {
    let schema = validator("tests/schemas/sarif-schema-2.1.0.json");
    let mut reports = fixture_reports();
    reports.push(("examples".into(), example_report()));
    reports.push(("full".into(), full_report()));
    reports.push(("unread".into(), unread_report()));
    for (name, report) in &reports {
        let sarif: Value = serde_json::from_str(&render::sarif(report)).unwrap();
        let errs = errors(&schema, &sarif);
        assert!(errs.is_empty(), "{name}: {errs:#?}");
        assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), report.findings.len(), "{name}");
    }
    // The validator does reject a broken log, so the loop above proves something.
    let mut broken: Value = serde_json::from_str(&render::sarif(&full_report())).unwrap();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] = serde_json::json!({"startLine": 0});
    let errs = errors(&schema, &broken);
    assert!(errs.iter().any(|e| e.contains("/runs/0/results/0/level")), "{errs:#?}");
}

#[test]
fn full_report_sarif_locations_and_notifications() {
    let report = full_report();
    let sarif: Value = serde_json::from_str(&render::sarif(&report)).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    // Line 0 (unknown) means no region rather than an invalid startLine.
    assert!(result["locations"][0]["physicalLocation"].get("region").is_none());
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "examples/sample-cluster.yaml");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "inputs were skipped or unreadable");
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert!(notes.iter().any(|n| n["level"] == "warning" && n["descriptor"]["id"] == "not-a-kubernetes-object"));
    // Each input not analysed is a located notification (the file; a line when there is one).
    let artifacts = sarif["runs"][0]["artifacts"].as_array().unwrap();
    for (id, path, line) in [
        ("too-large", "dumps/big.yaml", Some(1)),
        ("too-large", "/dev/zero", Some(1)),
        ("read-error", "dumps/gone.yaml", None),
        ("no-objects", "dumps/empty.yaml", None),
    ] {
        let note = notes
            .iter()
            .find(|n| {
                n["descriptor"]["id"] == id && n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path
            })
            .unwrap_or_else(|| panic!("{id} {path}: {notes:#?}"));
        assert_eq!(note["level"], "error");
        let physical = &note["locations"][0]["physicalLocation"];
        assert_eq!(physical["region"]["startLine"].as_u64(), line.map(|l: u64| l), "{id} {path}");
        let index = physical["artifactLocation"]["index"].as_u64().unwrap() as usize;
        assert_eq!(artifacts[index]["location"]["uri"], path);
    }
    let gone = artifacts.iter().find(|a| a["location"]["uri"] == "dumps/gone.yaml").unwrap();
    assert_eq!((gone["length"].as_i64(), gone["properties"]["status"].as_str()), (Some(-1), Some("unreadable")));
    let zero =
        notes.iter().find(|n| n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "/dev/zero").unwrap();
    assert_eq!(
        zero["message"]["text"],
        "input has more than 1048576 bytes but only 1048576 of the 268435456-byte limit remain; the input is skipped (raise `limits.maxTotalBytes` to read it)"
    );
    assert!(notes.iter().any(|n| n["level"] == "note" && n["associatedRule"]["id"] == "ST001"));
    // Suppressions as SARIF says them, with the justification; the id is the fingerprint.
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    for (i, finding) in report.findings.iter().enumerate() {
        assert_eq!(results[i]["partialFingerprints"]["authnAuditFinding/v1"], finding.id.as_str());
    }
    let kinds: Vec<(&str, &str)> = results[1..4]
        .iter()
        .map(|r| (r["suppressions"][0]["kind"].as_str().unwrap(), r["suppressions"][0]["status"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("external", "accepted"), ("inSource", "accepted"), ("external", "rejected")]);
    assert_eq!(results[1]["suppressions"][0]["justification"], "rotated by the CI every day");
    assert_eq!(
        (results[0]["baselineState"].as_str(), results[1]["baselineState"].as_str()),
        (Some("new"), Some("unchanged"))
    );
    assert!(notes.iter().any(|n| n["level"] == "warning" && n["descriptor"]["id"] == "stale-suppression"));
}

/// Secret values of the sample: Secret `data` entries that hold tokens, passwords, kubeconfigs and
/// keys (base64 as in the file, and decoded), plus the token and key inside the kubeconfigs.
fn sample_secrets() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("examples/sample-cluster.yaml")).unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let mut secrets = Vec::new();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once(": ") else { continue };
        if !["token", "token-secret", "password", "config", "kubeconfig"].contains(&key) || !line.starts_with("  ") {
            continue;
        }
        secrets.push(value.to_string());
        let Ok(decoded) = engine.decode(value) else { continue };
        let decoded = String::from_utf8_lossy(&decoded).to_string();
        for inner in decoded.lines() {
            if let Some((k, v)) = inner.trim().split_once(": ")
                && ["token", "client-key-data"].contains(&k)
            {
                secrets.push(v.to_string());
            }
        }
        if !decoded.contains('\n') {
            secrets.push(decoded);
        }
    }
    secrets.retain(|s| s.len() >= 16);
    secrets
}

#[test]
fn no_output_format_shows_a_secret_of_the_sample() {
    let secrets = sample_secrets();
    assert!(secrets.len() >= 10, "the sample holds tokens, passwords, kubeconfigs: {}", secrets.len());
    assert!(secrets.iter().any(|s| s == "0123456789abcdef"), "bootstrap token secret found");
    let report = full_report();
    for format in Format::ALL {
        // The rule docs Markdown and HTML carry are the catalogue's static text (BT004 quotes the
        // well-known weak token the sample also uses), cut as SARIF's catalogue is below.
        let mut out = render::render(&report, format, true);
        if let Some(start) = out.find("\n## Rules\n") {
            out.truncate(start);
        }
        if let (Some(start), Some(end)) = (out.find("<section id=\"rules\">"), out.find("<footer>")) {
            out.replace_range(start..end, "");
        }
        if format == Format::Sarif {
            // The rule catalogue (`tool.driver.rules`) quotes the docs' examples, which use the
            // same well-known weak bootstrap token as the sample; only the results must be clean.
            let mut log: Value = serde_json::from_str(&out).unwrap();
            log["runs"][0]["tool"] = Value::Null;
            out = log.to_string();
        }
        for secret in &secrets {
            assert!(!out.contains(secret.as_str()), "{} output shows a secret", format.as_str());
        }
    }
}

/// Compare with `tests/golden/<name>`, or rewrite it when `UPDATE_GOLDEN` is set.
fn golden(name: &str, actual: &str) -> Option<String> {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .map_or_else(|| expected.lines().count().min(actual.lines().count()) + 1, |i| i + 1);
    Some(format!(
        "tests/golden/{name} differs from line {line}:\n  golden: {:?}\n  actual: {:?}",
        expected.lines().nth(line - 1).unwrap_or("<end>"),
        actual.lines().nth(line - 1).unwrap_or("<end>")
    ))
}

#[test]
fn golden_reports_of_the_examples() {
    let report = example_report();
    let mut mismatches = Vec::new();
    for format in Format::ALL {
        let name = format!("examples.{}", format.extension());
        mismatches.extend(golden(&name, &render::render(&report, format, false)));
    }
    assert!(
        mismatches.is_empty(),
        "{}\n\nIf the change is intended: UPDATE_GOLDEN=1 cargo test -p authn-audit-tests --test render",
        mismatches.join("\n")
    );
}

#[test]
fn golden_text_report_is_located_and_plain() {
    let text = std::fs::read_to_string(root().join("tests/golden/examples.txt")).unwrap();
    assert!(!text.contains('\x1b'));
    let lines: Vec<&str> = text.lines().collect();
    // The summary first, the total again at the end.
    assert!(lines[0].starts_with("authn-audit "), "{}", lines[0]);
    assert!(lines[1].starts_with("Found "), "{}", lines[1]);
    assert!(text.contains("\nTop risks:\n") && text.contains("\nFindings by rule\n"));
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("(show them with -v) not shown"), "info findings stay out by default");
    // Each rule once, under one header with one remediation; each object located under it.
    let mut headers = Vec::new();
    for line in &lines {
        if let Some(code) =
            line.split(' ').next().filter(|c| policy_core::registry::find(c).is_some() && !line.starts_with(' '))
        {
            headers.push(code.to_string());
        }
        if let Some(rest) = line.strip_prefix("  examples/") {
            let (location, _) = rest.split_once(' ').unwrap();
            let (_, line_no) = location.rsplit_once(':').unwrap();
            assert!(line_no.parse::<u32>().unwrap() >= 1, "{line}");
        }
        assert!(
            line.chars().count() <= 100 || line.split(' ').any(|w| w.chars().count() > 60),
            "within 100 columns: {line}"
        );
    }
    let mut unique = headers.clone();
    unique.dedup();
    assert_eq!(headers, unique, "one group per rule");
    assert!(!headers.is_empty());
}
