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
