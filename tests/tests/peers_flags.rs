//! Our verdicts on the peers' control-plane flag inputs (checkov `ApiServer*` / `Kubelet*`, the
//! kubescape regolibrary API-server and KubeletInfo files), one assertion per peer verdict.
//! Where we disagree, `docs/peers.md` ("Control-plane flags") says why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use policy_core::{InputFile, Report, Settings};
use std::collections::BTreeSet;

/// Run the given codes over one corpus file; `None` (skip, loudly) where the corpus is absent.
fn scan(path: &str, codes: &[&str]) -> Option<Report> {
    let bytes = authn_audit_tests::read(&authn_audit_tests::shared("corpus")?.join(path));
    let settings = Settings {
        select: codes.iter().map(|c| (*c).to_string()).collect(),
        now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)),
        ..Settings::default()
    };
    Some(policy_core::analyze(&[InputFile { name: path, bytes: &bytes }], &settings))
}

/// `CODE severity Kind/[ns/]name` of every finding of `codes` in one corpus file.
fn verdicts(path: &str, codes: &[&str]) -> Option<BTreeSet<String>> {
    let report = scan(path, codes)?;
    assert!(report.not_assessable.iter().all(|n| !codes.contains(&n.code.as_str())), "{path}: not assessable");
    Some(report.findings.iter().map(|f| format!("{} {} {}", f.code, f.severity, f.object)).collect())
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

const CHECKOV: &str = "peers/checkov";
const API: &str = "Pod/kube-system/kube-apiserver";

#[test]
fn checkov_api_server_anonymous_auth() {
    let dir = format!("{CHECKOV}/ApiServerAnonymousAuth");
    let Some(v) = verdicts(&format!("{dir}/ApiServer-AnonymousAuth-True-FAILED.yaml"), &["AN001"]) else { return };
    assert_eq!(v, set(&[&format!("AN001 medium {API}")]));
    let v = verdicts(&format!("{dir}/ApiServer-AnonymousAuth-Missing-FAILED.yaml"), &["AN001"]).unwrap();
    assert_eq!(v, set(&[&format!("AN001 medium {API}")]));
    let v = verdicts(&format!("{dir}/ApiServer-AnonymousAuth-False-PASSED.yaml"), &["AN001"]).unwrap();
    assert!(v.is_empty());
}

#[test]
fn checkov_api_server_basic_auth_file() {
    let dir = format!("{CHECKOV}/ApiServerBasicAuthFile");
    let Some(v) = verdicts(&format!("{dir}/ApiServerBasicAuthFile-FAILED.yaml"), &["ST002"]) else { return };
    assert_eq!(v, set(&[&format!("ST002 high {API}")]));
    assert!(verdicts(&format!("{dir}/ApiServerBasicAuthFile-PASSED.yaml"), &["ST002"]).unwrap().is_empty());
}

#[test]
fn checkov_api_server_token_auth_file() {
    let dir = format!("{CHECKOV}/ApiServerTokenAuthFile");
    let Some(v) = verdicts(&format!("{dir}/ApiServerTokenAuthFile-FAILED.yaml"), &["ST001"]) else { return };
    assert_eq!(v, set(&[&format!("ST001 high {API}")]));
    assert!(verdicts(&format!("{dir}/ApiServerTokenAuthFile-PASSED.yaml"), &["ST001"]).unwrap().is_empty());
}

/// Disagreement: checkov fails a Pod without `--service-account-lookup`; the flag defaults to
/// `true`, so we do not.
#[test]
fn checkov_api_server_service_account_lookup() {
    let dir = format!("{CHECKOV}/ApiServerServiceAccountLookup");
    let Some(v) = verdicts(&format!("{dir}/ApiServer-FAILED.yaml"), &["SA006"]) else { return };
    assert_eq!(v, set(&[&format!("SA006 low {API}")]));
    assert!(verdicts(&format!("{dir}/ApiServer-FAILED-2.yaml"), &["SA006"]).unwrap().is_empty());
    assert!(verdicts(&format!("{dir}/ApiServer-PASSED.yaml"), &["SA006"]).unwrap().is_empty());
}

/// Agreement on anonymous access; disagreement on the passing Pod: it runs the kubelet on flags
/// alone, where `--authentication-token-webhook` defaults to `false`, and AN003 also covers that.
#[test]
fn checkov_kubelet_anonymous_auth() {
    let dir = format!("{CHECKOV}/KubeletAnonymousAuth");
    let Some(v) = verdicts(&format!("{dir}/KubeletAnonymousAuth-FAILED.yaml"), &["AN003"]) else { return };
    assert_eq!(v, set(&["AN003 high Pod/kube-system/kubelet", "AN003 medium Pod/kube-system/kubelet"]));
    let v = verdicts(&format!("{dir}/KubeletAnonymousAuth-PASSED.yaml"), &["AN003"]).unwrap();
    assert_eq!(v, set(&["AN003 medium Pod/kube-system/kubelet"]));
}

/// Not an overlapping check: checkov's `KubeletClientCa` (CKV_K8S_140) wants `--client-ca-file`
/// in the kubelet's `command`. Without it the kubelet accepts no client certificates, which breaks
/// `kubectl logs/exec` but opens nothing. What opens the kubelet is anonymous access, and both Pods
/// leave `--anonymous-auth` at its default `true`: AN003 reports both, whatever the CA says.
#[test]
fn checkov_kubelet_client_ca() {
    let dir = format!("{CHECKOV}/KubeletClientCa");
    let both = set(&["AN003 high Pod/kube-system/kubelet", "AN003 medium Pod/kube-system/kubelet"]);
    let Some(v) = verdicts(&format!("{dir}/KubeletClientCa-FAILED.yaml"), &["AN003"]) else { return };
    assert_eq!(v, both);
    assert_eq!(verdicts(&format!("{dir}/KubeletClientCa-PASSED.yaml"), &["AN003"]).unwrap(), both);
    let report = scan(&format!("{dir}/KubeletClientCa-PASSED.yaml"), &["AN003"]).unwrap();
    assert!(
        report.findings.iter().any(|f| f.message.contains("anonymous") && f.message.contains("kubelet default `true`"))
    );
}

/// Not an overlapping check: checkov's `ApiServerServiceAccountKeyFile` (CKV_K8S_97) fails a
/// `--service-account-key-file` whose path does not match its `.pem` regex (`sdfsdf\dsadsapem`).
/// The file holds the public keys tokens are verified with; its name says nothing about how
/// tokens are issued or accepted. Every rule of ours gives the two Pods the same verdict.
#[test]
fn checkov_api_server_service_account_key_file() {
    let dir = format!("{CHECKOV}/ApiServerServiceAccountKeyFile");
    let all: Vec<&str> = policy_core::registry::ALL.iter().map(|r| r.meta().code).collect();
    let render = |report: Report| -> BTreeSet<String> {
        report.findings.iter().map(|f| format!("{} {} {}: {}", f.code, f.severity, f.object, f.message)).collect()
    };
    let Some(failed) = scan(&format!("{dir}/ApiServerServiceAccountKeyFile-FAILED.yaml"), &all).map(render) else {
        return;
    };
    let passed = render(scan(&format!("{dir}/ApiServerServiceAccountKeyFile-PASSED.yaml"), &all).unwrap());
    assert_eq!(failed, passed);
    let above_info: BTreeSet<&str> =
        failed.iter().filter(|v| !v.contains(" info ")).filter_map(|v| v.split(':').next()).collect();
    assert_eq!(
        above_info,
        [format!("AN001 medium {API}"), format!("TR002 low {API}")].iter().map(String::as_str).collect()
    );
}

#[test]
fn kubescape_api_server_and_kubelet_inputs() {
    let ks = "kubescape-regolibrary";
    let Some(v) = verdicts(&format!("{ks}/apiserver-rke2-args-anonymous-true.yaml"), &["AN001"]) else { return };
    assert_eq!(v, set(&["AN001 medium Pod/kube-system/kube-apiserver-rke2-server"]));
    assert!(verdicts(&format!("{ks}/apiserver-minikube-mirror-pod.yaml"), &["AN001"]).unwrap().is_empty());
    let v = verdicts(&format!("{ks}/apiserver-minikube-token-auth-file-in-same-arg.yaml"), &["ST001"]).unwrap();
    assert_eq!(v, set(&["ST001 high Pod/kube-system/kube-apiserver-minikube"]));
    let v = verdicts(&format!("{ks}/apiserver-rke2-args-token-auth-file.yaml"), &["ST001"]).unwrap();
    assert_eq!(v, set(&["ST001 high Pod/kube-system/kube-apiserver-rke2-server"]));
    let v = verdicts(&format!("{ks}/kubeletinfo-anonymous-enabled-base64-config.json"), &["AN003"]).unwrap();
    assert_eq!(v, set(&["AN003 high KubeletInfo/"]));
    assert!(verdicts(&format!("{ks}/kubeletinfo-valid-config.json"), &["AN003"]).unwrap().is_empty());
}

/// kubeadm and kops configurations as shipped: nothing above low from the flag rules except
/// AN001 where `--anonymous-auth` is left at its default.
#[test]
fn default_configurations_stay_low() {
    let flag_codes = [
        "AN001", "AN003", "AP001", "BT006", "CC007", "MX002", "OI001", "OI002", "OI003", "OI005", "SA006", "ST002",
        "TR002", "WH003",
    ];
    for (path, expected) in [
        ("kops/nodeup-golden-minimal-tasks-kube-apiserver.yaml", &["TR002 low Pod/kube-system/kube-apiserver"][..]),
        ("kops/nodeup-golden-oidc-tasks-kube-apiserver.yaml", &["TR002 low Pod/kube-system/kube-apiserver"][..]),
        ("kops/nodeup-golden-awsiam-tasks-kube-apiserver.yaml", &["TR002 low Pod/kube-system/kube-apiserver"][..]),
        (
            "minikube/bsutil-testdata-v1.30-options.yaml",
            &["AN001 medium ClusterConfiguration/", "TR002 low ClusterConfiguration/"][..],
        ),
    ] {
        let Some(report) = scan(path, &flag_codes) else { return };
        let got: BTreeSet<String> =
            report.findings.iter().map(|f| format!("{} {} {}", f.code, f.severity, f.object)).collect();
        assert_eq!(got, set(expected), "{path}");
    }
    // The kops Cluster spec shows only overrides: judged where set, otherwise not assessable.
    let report = scan("kops/nodeup-golden-oidc-cluster.yaml", &flag_codes).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    let not_assessable: BTreeSet<&str> = report.not_assessable.iter().map(|n| n.code.as_str()).collect();
    assert!(not_assessable.contains("AN001") && !not_assessable.contains("OI002"));
}
