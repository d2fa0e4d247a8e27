//! Helpers shared by the CLI's test files: the binary, scratch directories, running and reading.
#![allow(dead_code, reason = "each test file uses a different part")]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_authn-audit");
pub const NOW: &str = "2025-11-28T12:00:00Z";

/// A kube-apiserver mirror Pod started with `--token-auth-file` (ST001, high), as JSON.
pub const APISERVER: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"kube-apiserver-cp-1","namespace":"kube-system",
"labels":{"component":"kube-apiserver","tier":"control-plane"}},"spec":{"containers":[{"name":"kube-apiserver",
"image":"registry.k8s.io/kube-apiserver:v1.30.6","command":["kube-apiserver","--anonymous-auth=false",
"--token-auth-file=/etc/kubernetes/auth/tokens.csv","--authorization-mode=Node,RBAC"]}]}}"#;

/// A scratch directory, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("authn-audit-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Run `bin` with `stdin` fed from a thread (the binary may stop reading early: a write error
/// is then expected and ignored).
pub fn run_with(bin: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args).env_remove("NO_COLOR").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.unwrap_or(b"").to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

pub fn run(args: &[&str]) -> Output {
    run_with(Path::new(BIN), args, None, &[])
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

pub fn codes(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}
