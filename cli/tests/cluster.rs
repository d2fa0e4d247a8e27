//! `scan --cluster` against a fake `kubectl` on the PATH: which `kubectl get` calls are made, that
//! their JSON reaches the analysis, and that an RBAC refusal is "not assessable" with the missing
//! permission, never a pass. The real API server drives the same mode in tests/real_cluster.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

mod support;

use serde_json::Value;
use std::path::Path;
use support::*;

/// A kubectl that logs its arguments and answers from canned JSON: pods hold the kube-apiserver
/// with a token file (ST001); `FAKE_FORBID` lists resources it refuses as RBAC would.
const FAKE_KUBECTL: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$FAKE_LOG"
while [ "$1" != get ]; do shift; done
resource="$2"
for forbidden in $FAKE_FORBID; do
  if [ "$resource" = "$forbidden" ]; then
    echo "Error from server (Forbidden): $resource is forbidden: User \"viewer\" cannot list resource \"$resource\" in API group \"\" at the cluster scope" >&2
    exit 1
  fi
done
case "$resource" in
  pods) printf '{"apiVersion":"v1","kind":"List","items":[%s]}\n' "$FAKE_POD" ;;
  iamidentitymappings.*) echo "error: the server doesn't have a resource type \"iamidentitymappings\"" >&2; exit 1 ;;
  configmap) [ "$3" = kubelet-config ] && echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kubelet-config","namespace":"kube-system"},"data":{}}' ;;
  *) echo '{"apiVersion":"v1","kind":"List","items":[]}' ;;
esac
"#;

struct Fake {
    dir: Scratch,
}

impl Fake {
    fn new(name: &str) -> Self {
        let dir = Scratch::new(&format!("cluster-{name}"));
        let script = dir.file("bin/kubectl", FAKE_KUBECTL);
        make_executable(&script);
        Self { dir }
    }

    fn scan(&self, args: &[&str], forbid: &str) -> std::process::Output {
        let path = format!("{}:{}", self.dir.0.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let log = self.dir.0.join("kubectl.log");
        let args = [&["scan", "--cluster", "--now", NOW, "--format", "json", "--select", "ST"][..], args].concat();
        run_with(
            Path::new(BIN),
            &args,
            None,
            &[("PATH", &path), ("FAKE_LOG", log.to_str().unwrap()), ("FAKE_FORBID", forbid), ("FAKE_POD", APISERVER)],
        )
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.0.join("kubectl.log")).unwrap_or_default().lines().map(String::from).collect()
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn input<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["inputs"].as_array().unwrap().iter().find(|i| i["path"] == path).unwrap_or_else(|| panic!("no {path}"))
}

#[test]
fn a_live_scan_lists_every_resource_the_rules_read_and_analyses_it() {
    let fake = Fake::new("all");
    let out = fake.scan(&["--context", "prod", "--kubeconfig", "/k/admin.conf"], "");
    assert_eq!(code(&out), 1, "ST001 (high) from the pods: {}", stderr(&out));
    let report = json(&out);
    assert_eq!(codes(&report), vec!["ST001"]);
    assert_eq!(report["findings"][0]["object"]["name"], "kube-apiserver-cp-1");
    let calls = fake.calls();
    assert_eq!(calls.len(), 20, "{calls:#?}");
    for resource in ["pods", "secrets", "configmaps", "clusterrolebindings.rbac.authorization.k8s.io", "nodes"] {
        let want = format!("--kubeconfig /k/admin.conf --context prod get {resource} --all-namespaces --output json");
        assert!(calls.iter().any(|c| c.starts_with(&want)), "no `{want}` in {calls:#?}");
    }
    assert_eq!(input(&report, "cluster/pods")["objects"], 1);
    let paths: Vec<&str> = report["inputs"].as_array().unwrap().iter().map(|i| i["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["cluster/pods"], "empty lists and unserved resources are no inputs");
    let progress = stderr(&out);
    assert!(progress.contains("reading secrets from the cluster (context `prod`) (12/20)"), "{progress}");
    assert!(progress.contains("the cluster does not serve iamidentitymappings"), "{progress}");
    assert!(progress.contains("listed 19 of 20 resources from the cluster"), "{progress}");
    assert!(!progress.contains("no-objects"), "an empty list is no unreadable input: {progress}");
}

#[test]
fn a_resource_the_caller_may_not_list_is_not_assessable_and_names_the_permission() {
    let fake = Fake::new("forbidden");
    let out = fake.scan(&[], "secrets configmaps");
    assert_eq!(code(&out), 2, "an unassessed resource is never a pass: {}", stderr(&out));
    let report = json(&out);
    assert_eq!(codes(&report), vec!["ST001"], "the rest is still analysed");
    let secrets = input(&report, "cluster/secrets");
    assert_eq!(secrets["status"], "unreadable");
    assert_eq!(secrets["diagnostics"][0]["code"], "forbidden");
    let message = secrets["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("not assessable: the caller may not list `secrets` (the core API group)"), "{message}");
    assert!(message.contains("grant `list` on `secrets`"), "{message}");
    // ConfigMaps refused as a list: the configuration ones are asked for by name.
    assert_eq!(input(&report, "cluster/configmaps/kube-system/kubelet-config")["objects"], 1);
    assert_eq!(input(&report, "cluster/configmaps")["diagnostics"][0]["code"], "forbidden");
    let calls = fake.calls();
    assert!(
        calls.iter().any(|c| c.starts_with("get configmap extension-apiserver-authentication --namespace kube-system"))
    );
    assert!(stderr(&out).contains("2 not assessable"), "{}", stderr(&out));
}

#[test]
fn without_kubectl_the_scan_stops_with_a_clear_error() {
    let dir = Scratch::new("cluster-no-kubectl");
    let out = run_with(Path::new(BIN), &["scan", "--cluster"], None, &[("PATH", dir.0.to_str().unwrap())]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot run `kubectl`"), "{}", stderr(&out));
    assert!(stderr(&out).contains("install it or put it on the PATH"), "{}", stderr(&out));
}

#[test]
fn context_and_kubeconfig_need_cluster_and_a_path_is_needed_without_it() {
    assert_eq!(code(&run(&["scan", "--context", "prod", "x.yaml"])), 2);
    assert_eq!(code(&run(&["scan", "--kubeconfig", "k", "x.yaml"])), 2);
    assert_eq!(code(&run(&["scan"])), 2);
}

/// An audit log given beside `--cluster` is streamed and joined with the live objects: the
/// API server's `kube-apiserver` Pod comes from the cluster, the usage from the log.
#[test]
fn a_live_scan_reads_an_audit_log_given_beside_it() {
    let fake = Fake::new("audit-log");
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/audit/cluster-audit.log");
    let out = fake.scan(&[log.to_str().unwrap()], "");
    assert_eq!(code(&out), 1, "ST001 (high) from the pods: {}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["audit"]["requests"], 12, "{}", stderr(&out));
    assert_eq!(input(&report, log.to_str().unwrap())["documents"], 13);
    assert_eq!(input(&report, "cluster/pods")["objects"], 1);
}
