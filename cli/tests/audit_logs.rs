//! `authn-audit scan dump.yaml audit.log…`: audit logs beside dumps, recognised by content,
//! streamed (gzip too), their problems located on stderr.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod support;

use std::path::{Path, PathBuf};
use support::*;

const UL: &str = "UL001,UL002,UL003,UL004,UL005,UL006,UL007,UL008";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/audit").join(name)
}

#[test]
fn a_dump_with_its_audit_log_gives_the_usage_findings() {
    let dir = Scratch::new("audit-log");
    // A rotated log: the older half gzip-compressed, the newer half plain, cut mid-line.
    let text = std::fs::read_to_string(fixture("cluster-audit.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (older, newer) = lines.split_at(7);
    let gz = dir.0.join("audit-2025-11-27.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, (older.join("\n") + "\n").as_bytes()).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let plain =
        dir.file("audit.log", &(newer.join("\n") + "\n{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"us"));
    let (dump, tokens) = (fixture("cluster.yaml"), fixture("tokens.csv"));
    let args = [dump.to_str().unwrap(), tokens.to_str().unwrap(), gz.to_str().unwrap(), plain.to_str().unwrap()];
    let out = run(
        &[&["scan"][..], &args, &["--now", NOW, "--format", "json", "--select", UL, "--fail-on", "never"]].concat()
    );
    // The cut line leaves that log partly read: no clean bill of health, whatever was found.
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let report = json(&out);
    let mut found = codes(&report);
    found.sort();
    found.dedup();
    assert_eq!(found, ["UL001", "UL002", "UL003", "UL004", "UL005", "UL006", "UL007", "UL008"]);
    assert_eq!(report["audit"]["requests"], 12);
    assert!(stderr(&out).contains(&format!("{}:7: audit-truncated-line:", plain.display())), "{}", stderr(&out));
    let log = report["inputs"].as_array().unwrap().iter().find(|i| i["path"] == plain.to_str().unwrap()).unwrap();
    assert_eq!(log["status"], "partial");
    // The same inputs without the cut line are read whole.
    std::fs::write(&plain, newer.join("\n") + "\n").unwrap();
    let out = run(
        &[&["scan"][..], &args, &["--now", NOW, "--format", "json", "--select", UL, "--fail-on", "never"]].concat()
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["audit"]["files"].as_array().map(Vec::len), Some(2));
}

/// The API server's log directory as it is (`--audit-log-path=/var/log/kubernetes/audit/audit.log`
/// with `--audit-log-maxbackup` and `--audit-log-compress`): the live file, a rotated backup named
/// by lumberjack (`audit-<time>.log`) and a gzip-compressed one, told by content, beside a dump
/// in another directory. A directory of logs alone is no "directory without a dump".
#[test]
fn a_directory_of_rotated_logs_is_streamed_by_content() {
    let dir = Scratch::new("audit-dir");
    let text = std::fs::read_to_string(fixture("cluster-audit.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::create_dir_all(dir.0.join("logs")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, (lines[..4].join("\n") + "\n").as_bytes()).unwrap();
    std::fs::write(dir.0.join("logs/audit-2025-11-27T08-00-00.000.log.gz"), encoder.finish().unwrap()).unwrap();
    dir.file("logs/audit-2025-11-27T09-00-00.000.log", &(lines[4..8].join("\n") + "\n"));
    dir.file("logs/audit.log", &(lines[8..].join("\n") + "\n"));
    let logs = dir.0.join("logs");
    let (dump, tokens) = (fixture("cluster.yaml"), fixture("tokens.csv"));
    let args = [logs.to_str().unwrap(), dump.to_str().unwrap(), tokens.to_str().unwrap()];
    let out = run(
        &[&["scan"][..], &args, &["--now", NOW, "--format", "json", "--select", UL, "--fail-on", "never"]].concat()
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["audit"]["requests"], 12, "the three files make the whole log");
    assert_eq!(report["audit"]["files"].as_array().unwrap().len(), 3);
    let mut found = codes(&report);
    found.sort();
    found.dedup();
    assert_eq!(found, ["UL001", "UL002", "UL003", "UL004", "UL005", "UL006", "UL007", "UL008"]);
}

/// Progress through logs goes to stderr: with `--progress` always (here stderr is no terminal),
/// without it only on a terminal; never to stdout, whose report stays clean.
#[test]
fn progress_is_on_stderr_with_the_flag_only() {
    let log = fixture("cluster-audit.log");
    let args = ["scan", log.to_str().unwrap(), "--now", NOW, "--format", "json", "--fail-on", "never"];
    let quiet = run(&args);
    assert!(!stderr(&quiet).contains("events read"), "{}", stderr(&quiet));
    let shown = run(&[&args[..], &["--progress"]].concat());
    assert!(stderr(&shown).contains("cluster-audit.log: 9268 bytes, 13 events read"), "{}", stderr(&shown));
    assert_eq!(json(&shown)["audit"], json(&quiet)["audit"]);
}
