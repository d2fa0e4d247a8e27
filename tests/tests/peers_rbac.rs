//! Our verdicts on the peers' own RBAC test inputs (`shared/corpus/peers/` and the kubescape
//! regolibrary files), one assertion per peer verdict. Where we disagree, `docs/peers.md`
//! ("RBAC") says why; the assertions here pin our side of each disagreement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use policy_core::input::{self, InputFile, Limits};
use policy_core::inventory::Inventory;
use policy_core::inventory::rbac::{RoleKind, SECRET_READ_VERBS};
use policy_core::{Report, Settings};
use std::collections::BTreeSet;

/// The rules of RBAC reach: they are the ones overlapping these peer checks.
const RBAC_CODES: &[&str] = &["AN002", "BT003", "BT005", "SA002", "SA003", "TR003"];

/// The peers' files, or `None` (skip) where the shared corpus is absent.
fn read(paths: &[&str]) -> Option<Vec<(String, Vec<u8>)>> {
    authn_audit_tests::shared_files("corpus", paths)
}

fn scan(files: &[(String, Vec<u8>)]) -> Report {
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    let settings = Settings {
        select: RBAC_CODES.iter().map(|c| (*c).to_string()).collect(),
        now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)),
        ..Settings::default()
    };
    policy_core::analyze(&inputs, &settings)
}

/// `CODE severity Kind/[ns/]name` of every finding.
fn verdicts(report: &Report) -> BTreeSet<String> {
    report.findings.iter().map(|f| format!("{} {} {}", f.code, f.severity, f.object)).collect()
}

/// Findings on one object, by `Kind/[ns/]name`.
fn on(report: &Report, object: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.object.to_string() == object)
        .map(|f| format!("{} {}", f.code, f.severity))
        .collect()
}

const KYVERNO: &str = "peers/kyverno/restrict-binding-system-groups";

#[test]
fn kyverno_restrict_binding_system_groups() {
    let Some(files) = read(&[
        &format!("{KYVERNO}/chainsaw-crb-bad.yaml"),
        &format!("{KYVERNO}/chainsaw-crb-good.yaml"),
        &format!("{KYVERNO}/chainsaw-rb-bad.yaml"),
        &format!("{KYVERNO}/chainsaw-rb-good.yaml"),
    ]) else {
        return;
    };
    let report = scan(&files);
    assert!(report.inputs.iter().all(|i| i.objects >= 3), "every chainsaw file holds three bindings");
    // restrict-anonymous / restrict-unauthenticated: fail, and we agree (AN002; the roles are
    // not in the input, so high rather than critical).
    for object in
        ["ClusterRoleBinding/badcrb01", "ClusterRoleBinding/badcrb02", "RoleBinding/badrb01", "RoleBinding/badrb02"]
    {
        assert_eq!(on(&report, object), ["AN002 high"], "{object}");
    }
    // restrict-masters: fail for Kyverno; we disagree (docs/peers.md): binding a role to
    // `system:masters` grants nothing that group does not already have.
    for object in ["ClusterRoleBinding/badcrb03", "RoleBinding/badrb03"] {
        assert!(on(&report, object).is_empty(), "{object}: {:?}", on(&report, object));
    }
    // Every `good*` binding: pass, and we agree.
    for object in [
        "ClusterRoleBinding/goodcrb01",
        "ClusterRoleBinding/goodcrb02",
        "ClusterRoleBinding/goodcrb03",
        "RoleBinding/goodrb01",
        "RoleBinding/goodrb02",
        "RoleBinding/goodrb03",
    ] {
        assert!(on(&report, object).is_empty(), "{object}: {:?}", on(&report, object));
    }
    assert_eq!(report.findings.len(), 4);
}

const CHECKOV: &str = "peers/checkov/RbacApproveCertificateSigningRequests";

/// Checkov's CKV_K8S_156-style check flags ClusterRoles able to approve CSRs. Our engine's
/// answer on each role agrees with Checkov's verdict in the file name; our findings follow reach,
/// and a role nobody holds approves nothing (docs/peers.md).
#[test]
fn checkov_rbac_approve_certificate_signing_requests() {
    let cases = [
        ("clusterrole-failed-1.yaml", "test-should-fail-1", true),
        ("clusterrole-failed-2.yaml", "test-should-fail-2", true),
        ("clusterrole-failed-3.yaml", "test-should-fail-3", true),
        ("clusterrole-passed-1.yaml", "test-should-pass-1", false),
        ("clusterrole-passed-2.yaml", "test-should-pass-2", false),
    ];
    let paths: Vec<String> = cases.iter().map(|(f, _, _)| format!("{CHECKOV}/{f}")).collect();
    let Some(files) = read(&paths.iter().map(String::as_str).collect::<Vec<_>>()) else { return };
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    let loaded = input::load(&inputs, &Limits::default());
    let inv = Inventory::new(&loaded.objects);
    for (file, name, checkov_fails) in cases {
        let role =
            inv.rbac().role(RoleKind::ClusterRole, "", name).unwrap_or_else(|| panic!("{file}: {name} not loaded"));
        for signer in ["kubernetes.io/kube-apiserver-client", "example.com/custom"] {
            assert_eq!(role.can_approve_csrs(signer), checkov_fails, "{file}: approve `{signer}`");
        }
    }
    // Unbound, none of them reaches anyone.
    assert!(inv.rbac().who_can_approve_csrs("kubernetes.io/kube-apiserver-client").is_empty());
    assert!(verdicts(&scan(&files)).is_empty());
}

/// Bound to someone, the same role is reach: the engine names the approver.
#[test]
fn checkov_failing_role_bound_names_its_approver() {
    let Some(mut files) = read(&[&format!("{CHECKOV}/clusterrole-failed-1.yaml")]) else { return };
    let binding = b"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: approvers\n\
roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: test-should-fail-1\nsubjects:\n\
- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: jane\n";
    files.push(("approvers.yaml".to_string(), binding.to_vec()));
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    let loaded = input::load(&inputs, &Limits::default());
    let inv = Inventory::new(&loaded.objects);
    let who: Vec<String> = inv
        .rbac()
        .who_can_approve_csrs("kubernetes.io/kube-apiserver-client")
        .iter()
        .map(|g| g.subject.to_string())
        .collect();
    assert_eq!(who, ["User/jane"]);
}

const KUBESCAPE: &str = "kubescape-regolibrary";

/// kubescape `rule-can-list-get-secrets-v1` (test `clusterrole-clusterrolebinding`): fail, the
/// groups `manager` and `dev` can watch Secrets. The engine agrees on the fact; SA003 reports it
/// only when there are legacy tokens to take (docs/peers.md), and then as critical.
#[test]
fn kubescape_can_list_get_secrets() {
    let Some(mut files) = read(&[
        &format!("{KUBESCAPE}/clusterrole-watch-secrets-wildcard-group.yaml"),
        &format!("{KUBESCAPE}/crb-read-secrets-global-groups.yaml"),
    ]) else {
        return;
    };
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    let loaded = input::load(&inputs, &Limits::default());
    let inv = Inventory::new(&loaded.objects);
    let readers: BTreeSet<String> = inv
        .rbac()
        .who_can_cluster_wide(SECRET_READ_VERBS, "", "secrets")
        .iter()
        .map(|a| a.grant.subject.to_string())
        .collect();
    assert_eq!(readers, BTreeSet::from(["Group/dev".to_string(), "Group/manager".to_string()]));
    assert!(verdicts(&scan(&files)).is_empty(), "no legacy token in the input: nothing to take");
    let token = concat!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci-token\n  namespace: ci\n  annotations:\n",
        "    kubernetes.io/service-account.name: ci\ntype: kubernetes.io/service-account-token\n"
    )
    .as_bytes();
    files.push(("token.yaml".to_string(), token.to_vec()));
    assert_eq!(
        verdicts(&scan(&files)),
        BTreeSet::from(["SA003 critical ClusterRoleBinding/read-secrets-global".to_string()])
    );
}

/// kubescape `anonymous-access-enabled`: its `fail` input is the default
/// `system:public-info-viewer` binding, its `success` input a RoleBinding to user `jane`. We pass
/// both: the default binding exposes only health and version endpoints (docs/peers.md).
#[test]
fn kubescape_anonymous_access_enabled() {
    let Some(files) = read(&[
        &format!("{KUBESCAPE}/crb-system-public-info-viewer-unauthenticated.yaml"),
        &format!("{KUBESCAPE}/rolebinding-user-jane.yaml"),
    ]) else {
        return;
    };
    let report = scan(&files);
    assert_eq!(report.summary.objects, 2);
    assert!(verdicts(&report).is_empty(), "{:?}", verdicts(&report));
}
