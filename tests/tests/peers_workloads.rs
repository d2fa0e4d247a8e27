//! Our verdicts on the peers' own test inputs for service-account tokens and workloads
//! (`shared/corpus/peers/`: Kyverno's automount and token-Secret policies, checkov's
//! ServiceAccountTokens / DefaultServiceAccount / DefaultServiceAccountBinding), one assertion
//! per peer verdict. Where we disagree, `docs/peers.md` ("Workloads and tokens") says why; the
//! assertions here pin our side of each disagreement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "tests")]

use policy_core::{InputFile, Report, Settings};
use std::collections::BTreeSet;

/// Our rules that overlap these peer checks.
const WORKLOAD_CODES: &[&str] = &["SA001", "SA004", "SA005", "TR001", "TR004"];

/// The peers' files, or `None` (skip) where the shared corpus is absent.
fn read(paths: &[&str]) -> Option<Vec<(String, Vec<u8>)>> {
    authn_audit_tests::shared_files("corpus/peers", paths)
}

fn scan(files: &[(String, Vec<u8>)]) -> Report {
    let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
    let settings = Settings {
        select: WORKLOAD_CODES.iter().map(|c| (*c).to_string()).collect(),
        now: Some(time::macros::datetime!(2025-11-28 12:00:00 UTC)),
        ..Settings::default()
    };
    policy_core::analyze(&inputs, &settings)
}

/// `CODE severity Kind/[ns/]name` of every finding of one file scanned alone.
fn verdicts(path: &str) -> Option<BTreeSet<String>> {
    let files = read(&[path])?;
    let report = scan(&files);
    let diagnostics: Vec<String> = report.inputs.iter().flat_map(|i| &i.diagnostics).map(ToString::to_string).collect();
    assert!(
        report.inputs.iter().all(|i| i.diagnostics.iter().all(|d| d.level != policy_core::input::Level::Error)),
        "{path}: {diagnostics:?}"
    );
    Some(report.findings.iter().map(|f| format!("{} {} {}", f.code, f.severity, f.object)).collect())
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

const AUTOMOUNT: &str = "kyverno/restrict-automount-sa-token";

#[test]
fn kyverno_restrict_automount_sa_token_pods() {
    // Kyverno: badpod01..03 fail; goodpod01/02 pass, goodpod03 passes only because the policy
    // exempts Pods labelled as part of Kyverno's own policy-reporter.
    let Some(bad) = verdicts(&format!("{AUTOMOUNT}/chainsaw-pod-bad.yaml")) else { return };
    assert_eq!(bad, set(&["TR004 low Pod/badpod01", "TR004 low Pod/badpod02", "TR004 low Pod/badpod03"]));
    let good = verdicts(&format!("{AUTOMOUNT}/chainsaw-pod-good.yaml")).unwrap();
    // Disagreement: the tool exemption is Kyverno's, not a property of the Pod.
    assert_eq!(good, set(&["TR004 low Pod/goodpod03"]));
}

#[test]
fn kyverno_restrict_automount_sa_token_controllers() {
    // Kyverno: baddeployment01 and badcronjob01 fail; gooddeployment01 passes, goodcronjob01
    // passes by the policy-reporter exemption.
    let Some(bad) = verdicts(&format!("{AUTOMOUNT}/chainsaw-podcontroller-bad.yaml")) else { return };
    assert_eq!(bad, set(&["TR004 low CronJob/badcronjob01", "TR004 low Deployment/baddeployment01"]));
    let good = verdicts(&format!("{AUTOMOUNT}/chainsaw-podcontroller-good.yaml")).unwrap();
    assert_eq!(good, set(&["TR004 low CronJob/goodcronjob01"]));
}

#[test]
fn kyverno_restrict_automount_sa_token_cli_test() {
    // kyverno-test.yaml: mydeploy fail, myapp-pod pass, deploy-policy-reporter and
    // policy-reporter skip (exempted by label). Both exempted objects set
    // `automountServiceAccountToken: true` on the `default` service account: we report them.
    let Some(found) = verdicts(&format!("{AUTOMOUNT}/kyverno-resource.yaml")) else { return };
    assert_eq!(
        found,
        set(&[
            "TR004 low Deployment/deploy-policy-reporter",
            "TR004 low Deployment/mydeploy",
            "TR004 low Pod/policy-reporter"
        ])
    );
}

const SA_AUTOMOUNT: &str = "kyverno/restrict-sa-automount-sa-token";

#[test]
fn kyverno_restrict_sa_automount_sa_token() {
    // Kyverno fails bad-svc / bad-sa-01..03 (`automountServiceAccountToken: true` on the
    // ServiceAccount) and passes good-svc / good-sa*. A ServiceAccount mounts nothing by
    // itself: we judge the workloads that use it (TR004), so no finding on either side.
    for file in ["chainsaw-bad-sa.yaml", "chainsaw-good-sa.yaml", "kyverno-resource.yaml"] {
        let Some(found) = verdicts(&format!("{SA_AUTOMOUNT}/{file}")) else { return };
        assert!(found.is_empty(), "{file}: {found:?}");
    }
    // The same bad ServiceAccount used by a Deployment, in a dump that shows RBAC (a binding
    // for someone else): now a token is mounted that nothing grants a use for.
    let Some(mut files) = read(&[&format!("{SA_AUTOMOUNT}/chainsaw-bad-sa.yaml")]) else { return };
    files.push((
        "more.yaml".to_string(),
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  template:\n    spec:\n      serviceAccountName: bad-sa-02\n      containers:\n      - name: web\n        image: nginx\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: ci-edit\n  namespace: default\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit\nsubjects:\n- kind: ServiceAccount\n  name: ci\n  namespace: default\n"
            .to_vec(),
    ));
    let report = scan(&files);
    let found: Vec<String> = report.findings.iter().map(|f| format!("{} {}", f.code, f.object)).collect();
    assert_eq!(found, vec!["TR004 Deployment/default/web".to_string()]);
    let related: Vec<String> = report.findings[0].related.iter().map(ToString::to_string).collect();
    assert_eq!(related, vec!["ServiceAccount/default/bad-sa-02".to_string()]);
}

const DENY_TOKEN: &str = "kyverno/deny-secret-service-account-token-type";

#[test]
fn kyverno_deny_secret_service_account_token_type() {
    // Kyverno: bad-secret fails, good-secret (basic-auth) passes. We agree (SA001). SA004 is
    // not assessable without workloads, so it says nothing here.
    let Some(bad) = verdicts(&format!("{DENY_TOKEN}/chainsaw-bad-secret.yaml")) else { return };
    assert_eq!(bad, set(&["SA001 medium Secret/bad-secret"]));
    assert!(verdicts(&format!("{DENY_TOKEN}/chainsaw-good-secret.yaml")).unwrap().is_empty());
    assert_eq!(
        verdicts(&format!("{DENY_TOKEN}/kyverno-resource.yaml")).unwrap(),
        set(&["SA001 medium Secret/bad-secret"])
    );
}

#[test]
fn kyverno_deny_secret_service_account_token_type_at_admission() {
    let Some(files) = read(&[&format!("{DENY_TOKEN}/kyverno-resource.yaml")]) else { return };
    let text = String::from_utf8(files[0].1.clone()).unwrap();
    let bad = policy_core::input::parse_yaml_value(text.split("---").next().unwrap()).unwrap();
    let request = serde_json::json!({"operation": "CREATE", "namespace": "default", "object": bad});
    let decision =
        policy_core::admit(&request.into(), &Settings::default(), &policy_core::AdmitSettings::default()).unwrap();
    assert!(!decision.allowed);
    assert!(
        decision
            .message
            .unwrap()
            .contains("SA001: legacy token Secret for service account `build-robot` never expires")
    );
}

const SA_SECRETS: &str = "kyverno/check-serviceaccount-secrets";

#[test]
fn kyverno_check_serviceaccount_secrets() {
    // Kyverno fails a ServiceAccount whose `secrets` list names anything. The list is a
    // reference, not a credential: we report token Secrets themselves (SA001, SA004), and
    // these files hold none. Disagreement on bad-svc-account(-02).
    for file in ["chainsaw-bad-svc-account.yaml", "chainsaw-good-svc-account.yaml", "kyverno-resource.yaml"] {
        let Some(found) = verdicts(&format!("{SA_SECRETS}/{file}")) else { return };
        assert!(found.is_empty(), "{file}: {found:?}");
    }
}

#[test]
fn checkov_service_account_tokens() {
    // CKV_K8S_38: FAILED pod1 (unset) and pod2 (true); PASSED pod-pass (false); UNKNOWN for
    // a Deployment whose template spec is a list. We agree on all three.
    let Some(failed) = verdicts("checkov/ServiceAccountTokens/ServiceAccountTokensFAILED.yaml") else { return };
    assert_eq!(failed, set(&["TR004 low Pod/pod1", "TR004 low Pod/pod2"]));
    assert!(verdicts("checkov/ServiceAccountTokens/ServiceAccountTokensPASSED.yaml").unwrap().is_empty());
    assert!(verdicts("checkov/ServiceAccountTokens/ServiceAccountTokensUNKNOWN.yaml").unwrap().is_empty());
}

#[test]
fn checkov_default_service_account() {
    // CKV_K8S_41: FAILED when the `default` ServiceAccount does not set
    // `automountServiceAccountToken: false`; PASSED when it does. No workload uses it in these
    // files, so nothing is mounted: we report nothing (disagreement on FAILED and FAILED2).
    for file in
        ["DefaultServiceAccount-FAILED.yaml", "DefaultServiceAccount-FAILED2.yaml", "DefaultServiceAccount-PASSED.yaml"]
    {
        let Some(found) = verdicts(&format!("checkov/DefaultServiceAccount/{file}")) else { return };
        assert!(found.is_empty(), "{file}: {found:?}");
    }
    // Add a Pod that uses it, and the FAILED account is reported through that Pod; the
    // PASSED account (automount off) keeps the same Pod clean.
    let pod = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: awesomeness\nspec:\n  containers:\n  - name: app\n    image: nginx\n".to_vec();
    for (file, expected) in [
        ("DefaultServiceAccount-FAILED.yaml", set(&["TR004 low Pod/awesomeness/app"])),
        ("DefaultServiceAccount-FAILED2.yaml", set(&["TR004 low Pod/awesomeness/app"])),
        ("DefaultServiceAccount-PASSED.yaml", BTreeSet::new()),
    ] {
        let Some(mut files) = read(&[&format!("checkov/DefaultServiceAccount/{file}")]) else { return };
        files.push(("pod.yaml".to_string(), pod.clone()));
        let report = scan(&files);
        let found: BTreeSet<String> =
            report.findings.iter().map(|f| format!("{} {} {}", f.code, f.severity, f.object)).collect();
        assert_eq!(found, expected, "{file} + a Pod");
    }
}

#[test]
fn checkov_default_service_account_binding() {
    // CKV_K8S_42: FAILED when a binding names a `default` ServiceAccount, PASSED otherwise.
    // No workload and no token Secret here: none of our workload rules fire. The cluster-admin
    // grant itself is RBAC's business (docs/peers.md, RBAC section).
    for file in ["DefaultServiceAccountBinding-FAILED.yaml", "DefaultServiceAccountBinding-PASSED.yaml"] {
        let Some(found) = verdicts(&format!("checkov/DefaultServiceAccountBinding/{file}")) else { return };
        assert!(found.is_empty(), "{file}: {found:?}");
    }
    // A Pod on that bound `default` account does use the API: TR004 does not call its token
    // unneeded.
    let Some(mut files) = read(&["checkov/DefaultServiceAccountBinding/DefaultServiceAccountBinding-FAILED.yaml"])
    else {
        return;
    };
    files.push((
        "pod.yaml".to_string(),
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: whoa\nspec:\n  containers:\n  - name: app\n    image: nginx\n".to_vec(),
    ));
    assert!(scan(&files).findings.is_empty());
}
