//! Hostile inputs through the binary: devices and pipes that never end, a named pipe nobody
//! writes to, a sparse file over the size limit beside a good one, missing files, empty and
//! truncated dumps, a full disk on stdout, and inputs given in any order. Each test asserts the
//! located diagnostic, the input's status in the report, that the other inputs' findings are
//! still there, and the exit code. Big files are sparse, made at test time and removed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::*;

/// What the command line reads over all inputs by default (2 GiB: a 300k-object dump scans
/// as it is; the library's `limits.maxTotalBytes` default, for the browser, stays 256 MiB).
const LIMIT: u64 = 2 << 30;

/// The cap the device tests give with `--max-input-bytes` (reading 2 GiB of /dev/zero would
/// cost a test run 2 GiB of memory).
const DEVICE_CAP: u64 = 256 << 20;

/// Settings with a 1 MiB byte budget, so that device tests read little.
fn small_budget(dir: &Scratch) -> PathBuf {
    dir.file("small.json", r#"{"limits": {"maxTotalBytes": 1048576}}"#)
}

/// The report's entry for `path`.
fn input<'r>(report: &'r Value, path: &str) -> &'r Value {
    report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == path)
        .unwrap_or_else(|| panic!("no input {path} in {:#}", report["inputs"]))
}

/// Status, and (code, line) of each diagnostic, of one input of the report.
fn status(report: &Value, path: &str) -> (String, Vec<(String, u64)>) {
    let entry = input(report, path);
    let diagnostics = entry["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["source"]["line"].as_u64().unwrap()))
        .collect();
    (entry["status"].as_str().unwrap().to_string(), diagnostics)
}

/// Run the binary, failing the test (and killing it) if it has not ended after `limit`: a
/// hang is the bug some of these tests look for.
fn run_within(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("`authn-audit {}` still running after {limit:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn dev_zero_is_cut_at_the_byte_budget_and_the_rest_is_analysed() {
    let dir = Scratch::new("dev-zero");
    let good = dir.file("good.json", APISERVER);
    let good = good.to_str().unwrap();
    // Read at most the cap + 1 byte of the endless device, then skip it.
    let cap = DEVICE_CAP.to_string();
    let args = ["scan", "/dev/zero", good, "--now", NOW, "--format", "json", "--max-input-bytes", &cap];
    let out = run_within(&args, Duration::from_secs(120));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "/dev/zero:1: too-large: input has more than {DEVICE_CAP} bytes but the limit is {DEVICE_CAP} bytes; the input is skipped (raise `limits.maxTotalBytes` to read it)\n"
        )),
        "{err}"
    );
    let report = json(&out);
    assert_eq!(status(&report, "/dev/zero"), ("skipped".into(), vec![("too-large".into(), 1)]));
    assert_eq!(status(&report, good), ("analysed".into(), vec![]));
    assert!(codes(&report).contains(&"ST001".to_string()), "the good input is still analysed");
}

#[test]
fn dev_urandom_and_a_pipe_on_stdin_are_cut_at_the_byte_budget() {
    let dir = Scratch::new("urandom");
    let good = dir.file("good.json", APISERVER);
    let settings = small_budget(&dir);
    let base = ["scan", "--now", NOW, "--format", "json", "--settings", settings.to_str().unwrap()];
    let out = run_within(&[&base[..], &["/dev/urandom", good.to_str().unwrap()]].concat(), Duration::from_secs(60));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("/dev/urandom:1: too-large: input has more than 1048576 bytes"), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(status(&report, "/dev/urandom"), ("skipped".into(), vec![("too-large".into(), 1)]));
    assert_eq!(input(&report, "/dev/urandom")["bytes"], 1_048_577, "the bytes seen: the budget and one more");
    assert!(codes(&report).contains(&"ST001".to_string()));

    // Standard input from a pipe that brings more than the budget.
    let flood = vec![b'#'; 3 << 20];
    let args = [&base[..], &["-", good.to_str().unwrap()]].concat();
    let out = run_with(Path::new(BIN), &args, Some(&flood), &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("-:1: too-large: input has more than 1048576 bytes"), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(status(&report, "-").0, "skipped");
    assert!(codes(&report).contains(&"ST001".to_string()));
}

#[test]
fn a_named_pipe_without_a_writer_is_reported_not_waited_on_forever() {
    let dir = Scratch::new("fifo");
    let good = dir.file("good.json", APISERVER);
    let fifo = dir.0.join("cluster.yaml");
    mkfifo(&fifo);
    let fifo = fifo.to_str().unwrap();
    let args = ["scan", fifo, good.to_str().unwrap(), "--now", NOW, "--format", "json", "--pipe-timeout", "2"];
    let out = run_within(&args, Duration::from_secs(30));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("authn-audit: waiting for a writer on named pipe `{fifo}`")), "{err}");
    assert!(
        err.contains(&format!(
            "{fifo}: read-timeout: no writer opened this named pipe within 2 s (see --pipe-timeout)\n"
        )),
        "{err}"
    );
    let report = json(&out);
    assert_eq!(status(&report, fifo), ("unreadable".into(), vec![("read-timeout".into(), 0)]));
    assert!(codes(&report).contains(&"ST001".to_string()), "the good input is still analysed");
}

#[test]
fn a_named_pipe_is_read_when_written_and_cut_at_the_budget() {
    let dir = Scratch::new("fifo-written");
    let fifo = dir.0.join("dump.json");
    mkfifo(&fifo);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(&fifo, APISERVER).unwrap())
    };
    let out = run_within(&["scan", fifo.to_str().unwrap(), "--now", NOW, "--format", "json"], Duration::from_secs(30));
    writer.join().unwrap();
    assert_eq!(code(&out), 1, "ST001 is high: {}", stderr(&out));
    let report = json(&out);
    assert_eq!(status(&report, fifo.to_str().unwrap()), ("analysed".into(), vec![]));
    assert!(codes(&report).contains(&"ST001".to_string()));

    // A writer that never stops: cut at the budget, skipped; the writer sees the pipe close.
    let endless = dir.0.join("endless.yaml");
    mkfifo(&endless);
    let writer = {
        let endless = endless.clone();
        std::thread::spawn(move || {
            use std::io::Write as _;
            let mut pipe = std::fs::OpenOptions::new().write(true).open(&endless).unwrap();
            let chunk = vec![b'#'; 64 << 10];
            while pipe.write_all(&chunk).is_ok() {}
        })
    };
    let settings = small_budget(&dir);
    let args = ["scan", endless.to_str().unwrap(), "--settings", settings.to_str().unwrap(), "--format", "json"];
    let out = run_within(&args, Duration::from_secs(30));
    writer.join().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(status(&json(&out), endless.to_str().unwrap()), ("skipped".into(), vec![("too-large".into(), 1)]));
}

#[test]
fn a_sparse_file_past_the_default_cap_is_skipped_and_the_good_one_beside_it_analysed() {
    let dir = Scratch::new("sparse");
    let big = dir.0.join("big.yaml");
    let size = LIMIT + (300 << 20);
    std::fs::File::create(&big).unwrap().set_len(size).unwrap();
    let good = dir.file("good.json", APISERVER);
    let (big, good) = (big.to_str().unwrap(), good.to_str().unwrap());
    // In both orders: the skipped file costs nothing of the budget.
    for paths in [[big, good], [good, big]] {
        let out =
            run_within(&[&["scan", "--now", NOW, "--format", "json"][..], &paths].concat(), Duration::from_secs(60));
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "{big}:1: too-large: input is {size} bytes but the limit is {LIMIT} bytes; the input is skipped"
            )),
            "{err}"
        );
        assert!(!err.contains(&format!("{good}:")), "the good input has no problem: {err}");
        let report = json(&out);
        assert_eq!(status(&report, big), ("skipped".into(), vec![("too-large".into(), 1)]));
        assert_eq!(input(&report, big)["bytes"], size);
        assert_eq!(status(&report, good), ("analysed".into(), vec![]));
        assert!(codes(&report).contains(&"ST001".to_string()));
    }
}

#[test]
fn missing_and_unreadable_inputs_are_in_every_format() {
    let dir = Scratch::new("missing");
    let good = dir.file("good.json", APISERVER);
    let missing = dir.0.join("missing.yaml");
    let (good, missing) = (good.to_str().unwrap(), missing.to_str().unwrap());
    let scan = |format: &str| {
        let out = run(&["scan", good, missing, "--now", NOW, "--select", "ST001", "--format", format]);
        assert_eq!(code(&out), 2, "{format}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("{missing}: read-error: no such file or directory\n")),
            "{}",
            stderr(&out)
        );
        stdout(&out)
    };
    let report: Value = serde_json::from_str(&scan("json")).unwrap();
    assert_eq!(status(&report, missing), ("unreadable".into(), vec![("read-error".into(), 0)]));
    assert!(codes(&report).contains(&"ST001".to_string()));

    let sarif: Value = serde_json::from_str(&scan("sarif")).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let note = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["descriptor"]["id"] == "read-error")
        .unwrap();
    assert_eq!(note["level"], "error");
    assert_eq!(note["message"]["text"], "no such file or directory");
    let location = &note["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(location["uri"].as_str().unwrap().ends_with("/missing.yaml"), "{location}");
    let artifact = &run["artifacts"][location["index"].as_u64().unwrap() as usize];
    assert_eq!(artifact["properties"]["status"], "unreadable");
    assert_eq!(run["results"][0]["ruleId"], "ST001");

    let text = scan("text");
    assert!(
        text.contains(&format!("Inputs not analysed whole:\n  {missing}: unreadable: no such file or directory\n")),
        "{text}"
    );
    assert!(scan("markdown").contains("| **unreadable**: no such file or directory |"));
    assert!(scan("html").contains("<span class=\"status-other\">unreadable</span>: no such file or directory"));
}

#[test]
fn empty_and_truncated_dumps_are_never_a_pass() {
    let dir = Scratch::new("truncated");
    let good = dir.file("good.json", APISERVER);
    // What `kubectl get -o yaml` writes, cut short: `kind: List` comes last, so it is lost.
    let mut list = String::from("apiVersion: v1\nitems:\n");
    for name in ["a", "b", "c"] {
        list.push_str(&format!(
            "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: {name}\n    namespace: x\n"
        ));
    }
    list.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    let cut = list.find("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c").unwrap() + 30;
    let dumps = [
        dir.file("empty.yaml", ""),
        dir.file("comments.yaml", "# nothing here\n---\n"),
        dir.file("no-items.yaml", "apiVersion: v1\nitems:\n"),
        dir.file("cut.yaml", list.get(..cut).unwrap()),
    ];
    for dump in &dumps {
        let dump = dump.to_str().unwrap();
        for format in ["text", "json", "markdown", "html", "sarif"] {
            let out = run(&["scan", dump, "--now", NOW, "--fail-on", "never", "--format", format]);
            assert_eq!(code(&out), 2, "{dump} ({format}) is never a pass: {}", stderr(&out));
            let (report, err) = (stdout(&out), stderr(&out));
            // At most "No findings in what could be read" (a cut-short List whose items were read).
            assert!(
                !report.replace("No findings in what could be read", "").contains("No findings"),
                "{dump} ({format}): {report}"
            );
            if format == "sarif" {
                let log: Value = serde_json::from_str(&report).unwrap();
                assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false, "{dump}");
            } else if format != "json" {
                assert!(
                    report.contains("No Kubernetes object could be read from the inputs: nothing was analysed")
                        || report.contains("partly analysed"),
                    "{dump} ({format}): {report}"
                );
            }
            if !dump.ends_with("cut.yaml") {
                assert!(
                    err.contains(&format!("{dump}:1: no-objects: no Kubernetes object could be read from this input")),
                    "{err}"
                );
                assert!(
                    err.contains("authn-audit: error: no Kubernetes object could be read from the inputs"),
                    "{err}"
                );
            }
        }
        // Beside a good input: the good one's findings are still there, the bad one listed.
        let out = run(&["scan", dump, good.to_str().unwrap(), "--now", NOW, "--fail-on", "never", "--format", "json"]);
        assert_eq!(code(&out), 2, "{dump}: {}", stderr(&out));
        let report = json(&out);
        assert!(
            ["no-objects", "partial"].contains(&status(&report, dump).0.as_str()),
            "{dump}: {:#}",
            report["inputs"]
        );
        assert_eq!(status(&report, good.to_str().unwrap()).0, "analysed");
        assert!(codes(&report).contains(&"ST001".to_string()));
    }
}

#[test]
fn a_failed_write_to_stdout_exits_2_and_a_closed_pipe_is_quiet() {
    let dir = Scratch::new("dev-full");
    let good = dir.file("good.json", APISERVER);
    let good = good.to_str().unwrap();
    for args in [&["scan", good, "--now", NOW][..], &["rules"], &["explain", "ST001"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(BIN).args(args).stdout(full).stderr(Stdio::piped()).output().unwrap();
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(
            stderr(&out).contains("authn-audit: error: cannot write to standard output: no space left on device\n"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // A reader that went away (`| head`) is no error: no message, the usual exit code.
    let mut child = Command::new(BIN)
        .args(["scan", good, "--now", NOW, "--format", "sarif"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 1, "ST001 is high: {}", stderr(&out));
    assert!(!stderr(&out).contains("cannot write"), "{}", stderr(&out));
}

#[test]
fn settings_from_an_endless_device_are_refused() {
    let out = run_within(&["scan", "-", "--settings", "/dev/zero"], Duration::from_secs(30));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("/dev/zero: cannot read settings: more than 1048576 bytes"), "{}", stderr(&out));
}

/// The rule fixtures (same-named objects in different files, several API servers), the
/// examples, a file too large for the budget and a missing one.
fn many_inputs(dir: &Scratch) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths: Vec<String> = Vec::new();
    for family in std::fs::read_dir(root.join("tests/fixtures/rules")).unwrap() {
        for file in std::fs::read_dir(family.unwrap().path()).unwrap() {
            paths.push(file.unwrap().path().to_str().unwrap().to_string());
        }
    }
    paths.push(root.join("examples/sample-cluster.yaml").to_str().unwrap().to_string());
    let big = dir.0.join("big.yaml");
    std::fs::File::create(&big).unwrap().set_len(2 << 20).unwrap();
    paths.push(big.to_str().unwrap().to_string());
    paths.push(dir.0.join("missing.yaml").to_str().unwrap().to_string());
    paths.sort();
    paths
}

#[test]
fn every_format_is_byte_identical_whatever_the_input_order() {
    let dir = Scratch::new("order");
    let settings = dir.file("settings.json", r#"{"limits": {"maxTotalBytes": 2000000}}"#);
    let sorted = many_inputs(&dir);
    assert!(sorted.len() > 100, "{}", sorted.len());
    let mut reversed = sorted.clone();
    reversed.reverse();
    let mut shuffled = sorted.clone();
    let mut state = 0x9e37_79b9_u64;
    for i in (1..shuffled.len()).rev() {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        shuffled.swap(i, (state >> 33) as usize % (i + 1));
    }
    assert_ne!(shuffled, sorted);
    for format in ["text", "json", "sarif", "markdown", "html"] {
        let scan = |paths: &[String]| {
            let mut args = vec!["scan", "--now", NOW, "--fail-on", "never", "--format", format];
            args.extend(["--settings", settings.to_str().unwrap()]);
            args.extend(paths.iter().map(String::as_str));
            let out = run(&args);
            assert_eq!(code(&out), 2, "a missing and a too-large input: {}", stderr(&out));
            out
        };
        let first = scan(&sorted);
        for other in [&reversed, &shuffled] {
            let again = scan(other);
            assert!(first.stdout == again.stdout, "{format} report depends on the input order");
            assert!(first.stderr == again.stderr, "{format}: stderr depends on the input order");
        }
        if format == "json" {
            let report = json(&first);
            let mx001 = report["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "MX001").count();
            assert!(mx001 > 3, "MX001 findings are compared: {mx001}");
            assert_eq!(status(&report, dir.0.join("big.yaml").to_str().unwrap()).0, "skipped");
        }
    }
}
