//! Every file of the shared corpus (`../shared/corpus/`, real files from other projects) loads
//! with exactly the objects and diagnostics it deserves. `EXPECTED` is the reviewed record:
//! `Kind:name@line` plus an origin mark (`L` list item, `E` embedded, `A` admission request,
//! `S` synthetic, none for a document), and `(code, line)` for each diagnostic.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use policy_core::input::{InputFile, Limits, Loaded, Origin, load};
use std::path::{Path, PathBuf};

type Expected = (&'static str, u32, &'static [&'static str], &'static [(&'static str, u32)]);

/// Why some files deserve what they get:
/// - aws-auth-missing-bar: `data.mapRoles` is a YAML list, but ConfigMap values are strings.
/// - insights-operator: Go-cased `TypeMeta`/`ObjectMeta`, no `apiVersion`/`kind`.
/// - kops nodeup task streams: the kube-apiserver Pod (and a kubeconfig written with empty
///   `apiVersion`/`kind`) are embedded as `contents: |` text; the other tasks (files,
///   directories, keypairs) are not Kubernetes objects: one aggregated warning per file.
/// - kube-bench cfg files are benchmark definitions, not Kubernetes objects.
/// - kubescape KubeletInfo: the base64 kubelet config (no `kind` in it) becomes an embedded
///   `KubeletConfiguration` at the line of `content`.
const EXPECTED: &[Expected] = &[
    ("aws-iam-authenticator/aws-auth-crazy-case-keys.yaml", 1, &["ConfigMap:aws-auth@1"], &[]),
    ("aws-iam-authenticator/aws-auth-missing-bar.yaml", 1, &["ConfigMap:aws-auth@1"], &[("invalid-field", 7)]),
    ("aws-iam-authenticator/aws-auth-space-out-of-place.yaml", 1, &["ConfigMap:aws-auth@1"], &[]),
    ("aws-iam-authenticator/aws-auth.yaml", 1, &["ConfigMap:aws-auth@1"], &[]),
    (
        "aws-iam-authenticator/deploy-example.yaml",
        6,
        &[
            "ClusterRole:aws-iam-authenticator@22",
            "ServiceAccount:aws-iam-authenticator@67",
            "RoleBinding:aws-iam-authenticator@74",
            "ConfigMap:aws-iam-authenticator@112",
            "DaemonSet:aws-iam-authenticator@188",
        ],
        &[],
    ),
    (
        "dex/examples-k8s-dex.yaml",
        7,
        &[
            "Namespace:dex@2",
            "Deployment:dex@7",
            "ConfigMap:dex@68",
            "Service:dex@111",
            "ServiceAccount:dex@127",
            "ClusterRole:dex@135",
            "ClusterRoleBinding:dex@147",
        ],
        &[],
    ),
    (
        "insights-operator/archive-sample-certificatesigningrequests-csr-test.json",
        1,
        &[],
        &[("not-a-kubernetes-object", 1), ("no-objects", 1)],
    ),
    (
        "kops/addons-authentication.aws-k8s-1.12.yaml",
        6,
        &[
            "CustomResourceDefinition:iamidentitymappings.iamauthenticator.k8s.aws@1",
            "ClusterRole:aws-iam-authenticator@52",
            "ServiceAccount:aws-iam-authenticator@102",
            "ClusterRoleBinding:aws-iam-authenticator@114",
            "DaemonSet:aws-iam-authenticator@133",
            "IAMIdentityMapping:iam-identity-mapping-0@216",
        ],
        &[],
    ),
    (
        "kops/nodeup-golden-awsiam-tasks-kube-apiserver.yaml",
        24,
        &["Config:@2E", "Pod:kube-apiserver@23E"],
        &[("not-a-kubernetes-object", 208)],
    ),
    (
        "kops/nodeup-golden-minimal-tasks-kube-apiserver.yaml",
        19,
        &["Pod:kube-apiserver@2E"],
        &[("not-a-kubernetes-object", 180)],
    ),
    (
        "kops/nodeup-golden-oidc-cluster.yaml",
        2,
        &["Cluster:minimal.example.com@1", "InstanceGroup:master-us-test-1a@65"],
        &[],
    ),
    (
        "kops/nodeup-golden-oidc-tasks-kube-apiserver.yaml",
        19,
        &["Pod:kube-apiserver@2E"],
        &[("not-a-kubernetes-object", 192)],
    ),
    ("kube-bench/cfg-cis-1.12-master.yaml", 1, &[], &[("no-objects", 1), ("not-a-kubernetes-object", 2)]),
    ("kube-bench/cfg-cis-1.12-node.yaml", 1, &[], &[("no-objects", 1), ("not-a-kubernetes-object", 2)]),
    ("kube-bench/cfg-cis-1.12-policies.yaml", 1, &[], &[("no-objects", 1), ("not-a-kubernetes-object", 2)]),
    ("kube-bench/job-master.yaml", 1, &["Job:kube-bench-master@2"], &[]),
    (
        "kube-oidc-proxy/deploy-yaml-kube-oidc-proxy.yaml",
        6,
        &[
            "Namespace:kube-oidc-proxy@1",
            "ServiceAccount:kube-oidc-proxy@6",
            "Deployment:kube-oidc-proxy@13",
            "Service:kube-oidc-proxy@91",
            "ClusterRoleBinding:kube-oidc-proxy@108",
            "ClusterRole:kube-oidc-proxy@121",
        ],
        &[],
    ),
    ("kubernetes/hack-testdata-csr.yml", 1, &["CertificateSigningRequest:foo@1"], &[]),
    (
        "kubernetes/kubeadm-testdata-defaulting-controlplane-defaulted.yaml",
        4,
        &["InitConfiguration:@1", "ClusterConfiguration:@21", "KubeProxyConfiguration:@42", "KubeletConfiguration:@84"],
        &[],
    ),
    ("kubernetes/kubeadm-testdata-kubelet-with-embedded-cert.yaml", 1, &["Config:@1"], &[]),
    ("kubernetes-website/pod-projected-svc-token.yaml", 1, &["Pod:nginx@1"], &[]),
    ("kubescape-regolibrary/apiserver-minikube-mirror-pod.yaml", 1, &["Pod:kube-apiserver-minikube@1"], &[]),
    (
        "kubescape-regolibrary/apiserver-minikube-token-auth-file-in-same-arg.yaml",
        1,
        &["Pod:kube-apiserver-minikube@1"],
        &[],
    ),
    ("kubescape-regolibrary/apiserver-rke2-args-anonymous-true.yaml", 1, &["Pod:kube-apiserver-rke2-server@1"], &[]),
    ("kubescape-regolibrary/apiserver-rke2-args-token-auth-file.yaml", 1, &["Pod:kube-apiserver-rke2-server@1"], &[]),
    ("kubescape-regolibrary/clusterrole-watch-secrets-wildcard-group.yaml", 1, &["ClusterRole:test@1"], &[]),
    (
        "kubescape-regolibrary/crb-read-secrets-global-groups.yaml",
        1,
        &["ClusterRoleBinding:read-secrets-global@1"],
        &[],
    ),
    (
        "kubescape-regolibrary/crb-system-public-info-viewer-unauthenticated.yaml",
        1,
        &["ClusterRoleBinding:system:public-info-viewer@1"],
        &[],
    ),
    (
        "kubescape-regolibrary/kubeletinfo-anonymous-enabled-base64-config.json",
        1,
        &["KubeletInfo:@1", "KubeletConfiguration:@7E"],
        &[],
    ),
    ("kubescape-regolibrary/kubeletinfo-valid-config.json", 1, &["KubeletInfo:@1", "KubeletConfiguration:@7E"], &[]),
    ("kubescape-regolibrary/list-serviceaccount-legacy-token-ref.json", 1, &["ServiceAccount:not-default@4L"], &[]),
    ("kubescape-regolibrary/rolebinding-user-jane.yaml", 1, &["RoleBinding:pod@1"], &[]),
    ("kubescape-regolibrary/serviceaccount-default-automount-true.json", 1, &["ServiceAccount:default@1"], &[]),
    (
        "minikube/bsutil-testdata-v1.30-options.yaml",
        4,
        &["InitConfiguration:@1", "ClusterConfiguration:@20", "KubeletConfiguration:@50", "KubeProxyConfiguration:@69"],
        &[],
    ),
    (
        "peers/checkov/ApiServerAnonymousAuth/ApiServer-AnonymousAuth-False-PASSED.yaml",
        1,
        &["Pod:kube-apiserver@1"],
        &[],
    ),
    (
        "peers/checkov/ApiServerAnonymousAuth/ApiServer-AnonymousAuth-Missing-FAILED.yaml",
        1,
        &["Pod:kube-apiserver@1"],
        &[],
    ),
    (
        "peers/checkov/ApiServerAnonymousAuth/ApiServer-AnonymousAuth-True-FAILED.yaml",
        1,
        &["Pod:kube-apiserver@1"],
        &[],
    ),
    ("peers/checkov/ApiServerBasicAuthFile/ApiServerBasicAuthFile-FAILED.yaml", 1, &["Pod:kube-apiserver@1"], &[]),
    ("peers/checkov/ApiServerBasicAuthFile/ApiServerBasicAuthFile-PASSED.yaml", 1, &["Pod:kube-apiserver@1"], &[]),
    (
        "peers/checkov/ApiServerServiceAccountKeyFile/ApiServerServiceAccountKeyFile-FAILED.yaml",
        1,
        &["Pod:kube-apiserver@1"],
        &[],
    ),
    (
        "peers/checkov/ApiServerServiceAccountKeyFile/ApiServerServiceAccountKeyFile-PASSED.yaml",
        1,
        &["Pod:kube-apiserver@1"],
        &[],
    ),
    ("peers/checkov/ApiServerServiceAccountLookup/ApiServer-FAILED-2.yaml", 1, &["Pod:kube-apiserver@1"], &[]),
    ("peers/checkov/ApiServerServiceAccountLookup/ApiServer-FAILED.yaml", 1, &["Pod:kube-apiserver@1"], &[]),
    ("peers/checkov/ApiServerServiceAccountLookup/ApiServer-PASSED.yaml", 1, &["Pod:kube-apiserver@1"], &[]),
    ("peers/checkov/ApiServerTokenAuthFile/ApiServerTokenAuthFile-FAILED.yaml", 1, &["Pod:kube-apiserver@1"], &[]),
    ("peers/checkov/ApiServerTokenAuthFile/ApiServerTokenAuthFile-PASSED.yaml", 1, &["Pod:kube-apiserver@1"], &[]),
    (
        "peers/checkov/DefaultServiceAccount/DefaultServiceAccount-FAILED.yaml",
        2,
        &["Namespace:awesomeness@1", "ServiceAccount:default@6"],
        &[],
    ),
    (
        "peers/checkov/DefaultServiceAccount/DefaultServiceAccount-FAILED2.yaml",
        2,
        &["Namespace:awesomeness@1", "ServiceAccount:default@6"],
        &[],
    ),
    (
        "peers/checkov/DefaultServiceAccount/DefaultServiceAccount-PASSED.yaml",
        3,
        &["Namespace:awesomeness@1", "ServiceAccount:notdefault@6", "ServiceAccount:default@12"],
        &[],
    ),
    (
        "peers/checkov/DefaultServiceAccountBinding/DefaultServiceAccountBinding-FAILED.yaml",
        4,
        &["Namespace:whoa@1", "Role:pod-reader@6", "RoleBinding:read-pods@16", "ClusterRoleBinding:destroy-k8s@31"],
        &[],
    ),
    (
        "peers/checkov/DefaultServiceAccountBinding/DefaultServiceAccountBinding-PASSED.yaml",
        6,
        &[
            "Namespace:whoa@1",
            "Role:pod-reader@6",
            "RoleBinding:read-pods@16",
            "ServiceAccount:supercool@31",
            "RoleBinding:read-pods2@37",
            "ClusterRoleBinding:read-secrets-global@52",
        ],
        &[],
    ),
    ("peers/checkov/KubeletAnonymousAuth/KubeletAnonymousAuth-FAILED.yaml", 1, &["Pod:kubelet@1"], &[]),
    ("peers/checkov/KubeletAnonymousAuth/KubeletAnonymousAuth-PASSED.yaml", 1, &["Pod:kubelet@1"], &[]),
    ("peers/checkov/KubeletClientCa/KubeletClientCa-FAILED.yaml", 1, &["Pod:kubelet@1"], &[]),
    ("peers/checkov/KubeletClientCa/KubeletClientCa-PASSED.yaml", 1, &["Pod:kubelet@1"], &[]),
    (
        "peers/checkov/RbacApproveCertificateSigningRequests/clusterrole-failed-1.yaml",
        1,
        &["ClusterRole:test-should-fail-1@2"],
        &[],
    ),
    (
        "peers/checkov/RbacApproveCertificateSigningRequests/clusterrole-failed-2.yaml",
        1,
        &["ClusterRole:test-should-fail-2@2"],
        &[],
    ),
    (
        "peers/checkov/RbacApproveCertificateSigningRequests/clusterrole-failed-3.yaml",
        1,
        &["ClusterRole:test-should-fail-3@2"],
        &[],
    ),
    (
        "peers/checkov/RbacApproveCertificateSigningRequests/clusterrole-passed-1.yaml",
        1,
        &["ClusterRole:test-should-pass-1@2"],
        &[],
    ),
    (
        "peers/checkov/RbacApproveCertificateSigningRequests/clusterrole-passed-2.yaml",
        1,
        &["ClusterRole:test-should-pass-2@2"],
        &[],
    ),
    ("peers/checkov/ServiceAccountTokens/ServiceAccountTokensFAILED.yaml", 2, &["Pod:pod1@2", "Pod:pod2@13"], &[]),
    ("peers/checkov/ServiceAccountTokens/ServiceAccountTokensPASSED.yaml", 1, &["Pod:pod-pass@2"], &[]),
    ("peers/checkov/ServiceAccountTokens/ServiceAccountTokensUNKNOWN.yaml", 1, &["Deployment:myapp-deployment@1"], &[]),
    (
        "peers/kyverno/check-serviceaccount-secrets/chainsaw-bad-svc-account.yaml",
        1,
        &["ServiceAccount:bad-svc-account-02@1"],
        &[],
    ),
    (
        "peers/kyverno/check-serviceaccount-secrets/chainsaw-good-svc-account.yaml",
        1,
        &["ServiceAccount:good-svc-account@1"],
        &[],
    ),
    ("peers/kyverno/check-serviceaccount-secrets/kyverno-kyverno-test.yaml", 1, &["Test:svc-name@1"], &[]),
    (
        "peers/kyverno/check-serviceaccount-secrets/kyverno-resource.yaml",
        2,
        &["ServiceAccount:bad-svc-account@1", "ServiceAccount:good-svc-account@9"],
        &[],
    ),
    ("peers/kyverno/deny-secret-service-account-token-type/chainsaw-bad-secret.yaml", 1, &["Secret:bad-secret@1"], &[]),
    (
        "peers/kyverno/deny-secret-service-account-token-type/chainsaw-good-secret.yaml",
        1,
        &["Secret:good-secret@1"],
        &[],
    ),
    (
        "peers/kyverno/deny-secret-service-account-token-type/kyverno-kyverno-test.yaml",
        1,
        &["Test:deny-secret-service-account-token-type@1"],
        &[],
    ),
    (
        "peers/kyverno/deny-secret-service-account-token-type/kyverno-resource.yaml",
        2,
        &["Secret:bad-secret@1", "Secret:good-secret@9"],
        &[],
    ),
    (
        "peers/kyverno/restrict-automount-sa-token/chainsaw-pod-bad.yaml",
        3,
        &["Pod:badpod01@1", "Pod:badpod02@11", "Pod:badpod03@22"],
        &[],
    ),
    (
        "peers/kyverno/restrict-automount-sa-token/chainsaw-pod-good.yaml",
        3,
        &["Pod:goodpod01@1", "Pod:goodpod02@11", "Pod:goodpod03@21"],
        &[],
    ),
    (
        "peers/kyverno/restrict-automount-sa-token/chainsaw-podcontroller-bad.yaml",
        2,
        &["Deployment:baddeployment01@1", "CronJob:badcronjob01@23"],
        &[],
    ),
    (
        "peers/kyverno/restrict-automount-sa-token/chainsaw-podcontroller-good.yaml",
        2,
        &["Deployment:gooddeployment01@1", "CronJob:goodcronjob01@23"],
        &[],
    ),
    (
        "peers/kyverno/restrict-automount-sa-token/kyverno-kyverno-test.yaml",
        1,
        &["Test:restrict-automount-sa-token@1"],
        &[],
    ),
    (
        "peers/kyverno/restrict-automount-sa-token/kyverno-resource.yaml",
        4,
        &[
            "Pod:myapp-pod@1",
            "Deployment:mydeploy@14",
            "Pod:policy-reporter@36",
            "Deployment:deploy-policy-reporter@50",
        ],
        &[],
    ),
    (
        "peers/kyverno/restrict-binding-system-groups/chainsaw-crb-bad.yaml",
        3,
        &["ClusterRoleBinding:badcrb01@1", "ClusterRoleBinding:badcrb02@14", "ClusterRoleBinding:badcrb03@28"],
        &[],
    ),
    (
        "peers/kyverno/restrict-binding-system-groups/chainsaw-crb-good.yaml",
        3,
        &["ClusterRoleBinding:goodcrb01@1", "ClusterRoleBinding:goodcrb02@14", "ClusterRoleBinding:goodcrb03@28"],
        &[],
    ),
    (
        "peers/kyverno/restrict-binding-system-groups/chainsaw-rb-bad.yaml",
        3,
        &["RoleBinding:badrb01@1", "RoleBinding:badrb02@14", "RoleBinding:badrb03@28"],
        &[],
    ),
    (
        "peers/kyverno/restrict-binding-system-groups/chainsaw-rb-good.yaml",
        3,
        &["RoleBinding:goodrb01@1", "RoleBinding:goodrb02@14", "RoleBinding:goodrb03@27"],
        &[],
    ),
    (
        "peers/kyverno/restrict-binding-system-groups/kyverno-kyverno-test.yaml",
        1,
        &["Test:restrict-binding-system-groups@1"],
        &[],
    ),
    (
        "peers/kyverno/restrict-sa-automount-sa-token/chainsaw-bad-sa.yaml",
        3,
        &["ServiceAccount:bad-sa-01@1", "ServiceAccount:bad-sa-02@7", "ServiceAccount:bad-sa-03@16"],
        &[],
    ),
    (
        "peers/kyverno/restrict-sa-automount-sa-token/chainsaw-good-sa.yaml",
        2,
        &["ServiceAccount:good-sa@1", "ServiceAccount:good-sa-02@8"],
        &[],
    ),
    (
        "peers/kyverno/restrict-sa-automount-sa-token/kyverno-kyverno-test.yaml",
        1,
        &["Test:restrict-sa-automount-sa-token@1"],
        &[],
    ),
    (
        "peers/kyverno/restrict-sa-automount-sa-token/kyverno-resource.yaml",
        2,
        &["ServiceAccount:good-svc@1", "ServiceAccount:bad-svc@7"],
        &[],
    ),
    (
        "popeye/testdata-auth-crb-1-list.yaml",
        1,
        &["ClusterRoleBinding:crb1@5L", "ClusterRoleBinding:crb2@17L", "ClusterRoleBinding:crb3@30L"],
        &[],
    ),
    (
        "popeye/testdata-core-sa-1-list.yaml",
        1,
        &[
            "ServiceAccount:default@5L",
            "ServiceAccount:sa1@10L",
            "ServiceAccount:sa2@16L",
            "ServiceAccount:sa3@22L",
            "ServiceAccount:sa4@28L",
            "ServiceAccount:sa5@41L",
        ],
        &[],
    ),
    ("popeye/testdata-core-secret-1-list.yaml", 1, &["Secret:sec1@4L", "Secret:sec2@15L", "Secret:sec3@25L"], &[]),
];

fn corpus() -> Option<PathBuf> {
    authn_audit_tests::shared("corpus")
}

fn corpus_files(root: &Path) -> Vec<String> {
    let files = authn_audit_tests::files_under(root);
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .map(|p| authn_audit_tests::relative(p, root))
        .collect()
}

fn load_one(root: &Path, name: &str) -> (Loaded, Vec<u8>) {
    let bytes = authn_audit_tests::read(&root.join(name));
    let loaded = load(&[InputFile { name, bytes: &bytes }], &Limits::default());
    (loaded, bytes)
}

fn describe(loaded: &Loaded) -> Vec<String> {
    loaded
        .objects
        .iter()
        .map(|o| {
            let mark = match o.origin {
                Origin::Document => "",
                Origin::ListItem => "L",
                Origin::Embedded => "E",
                Origin::AdmissionRequest => "A",
                Origin::Synthetic => "S",
            };
            format!("{}:{}@{}{mark}", o.kind(), o.name(), o.source.line)
        })
        .collect()
}

#[test]
fn every_corpus_file_is_expected() {
    let Some(root) = corpus() else { return };
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(corpus_files(&root), listed, "corpus and EXPECTED differ (new file? add it after reviewing its load)");
}

#[test]
fn corpus_files_load_as_expected() {
    let Some(root) = corpus() else { return };
    let mut failures = Vec::new();
    for &(name, documents, objects, diagnostics) in EXPECTED {
        let (loaded, _) = load_one(&root, name);
        let summary = &loaded.inputs[0];
        let got_diags: Vec<(&str, u32)> =
            summary.diagnostics.iter().map(|d| (d.code.as_str(), d.source.line)).collect();
        let got_objects = describe(&loaded);
        if got_objects != objects || got_diags != diagnostics || summary.documents != documents {
            failures.push(format!(
                "{name}:\n  objects {got_objects:?}\n  want    {objects:?}\n  diags {got_diags:?} want {diagnostics:?}\n  documents {} want {documents}",
                summary.documents
            ));
        }
        assert_eq!(summary.objects as usize, loaded.objects.len(), "{name}: summary counts its objects");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn diagnostics_never_echo_file_text() {
    let Some(root) = corpus() else { return };
    for &(name, ..) in EXPECTED {
        let (loaded, bytes) = load_one(&root, name);
        let text = String::from_utf8_lossy(&bytes);
        for d in &loaded.inputs[0].diagnostics {
            assert!(d.source.line >= 1, "{name}: {d}");
            for line in text.lines().map(str::trim).filter(|l| l.len() >= 12) {
                assert!(!d.message.contains(line), "{name}: diagnostic `{d}` echoes file text");
            }
        }
    }
}

#[test]
fn merged_corpus_is_one_view() {
    let Some(root) = corpus() else { return };
    let files = corpus_files(&root);
    let contents: Vec<(String, Vec<u8>)> =
        files.iter().map(|f| (f.clone(), authn_audit_tests::read(&root.join(f)))).collect();
    let inputs: Vec<InputFile<'_>> = contents.iter().map(|(n, b)| InputFile { name: n, bytes: b }).collect();
    let merged = load(&inputs, &Limits::default());
    let separately: usize = EXPECTED.iter().map(|e| e.2.len()).sum();
    assert_eq!(merged.objects.len(), separately);
    assert_eq!(merged.inputs.len(), EXPECTED.len());
    // Objects keep their own file: the first kops Pod comes from its task stream.
    let pod = merged.objects.iter().find(|o| o.is("Pod") && o.origin == Origin::Embedded).unwrap();
    assert!(pod.source.path.starts_with("kops/nodeup-golden-"), "{}", pod.source.path);
}

#[test]
fn embedded_manifests_carry_their_content() {
    let Some(root) = corpus() else { return };
    let (loaded, _) = load_one(&root, "kops/nodeup-golden-oidc-tasks-kube-apiserver.yaml");
    let pod = &loaded.objects[0];
    let args = pod.at(&["spec", "containers"]).unwrap()[0]["args"].as_array().unwrap();
    assert!(args.iter().any(|a| a == "--oidc-issuer-url=https://oidc-issuer.nonexistent"));
    let (kubelet, _) = load_one(&root, "kubescape-regolibrary/kubeletinfo-anonymous-enabled-base64-config.json");
    let config = &kubelet.objects[1];
    assert_eq!(config.api_version(), "kubelet.config.k8s.io/v1beta1");
    assert_eq!(config.at(&["authentication", "anonymous", "enabled"]), Some(&policy_core::value::Value::Bool(true)));
    let (valid, _) = load_one(&root, "kubescape-regolibrary/kubeletinfo-valid-config.json");
    assert_eq!(
        valid.objects[1].at(&["authentication", "anonymous", "enabled"]),
        Some(&policy_core::value::Value::Bool(false))
    );
}

/// Our own fixtures (`tests/fixtures/input/`, made with `kubectl … --dry-run=client` and
/// `openssl rand`), one per input shape.
const FIXTURES: &[Expected] = &[
    ("admission-review.json", 1, &["Pod:web@24A"], &[]),
    ("billion-laughs.yaml", 2, &["ServiceAccount:survivor@17"], &[("alias-limit", 11)]),
    ("kubeconfig.yaml", 1, &["Config:@1"], &[]),
    ("list.json", 1, &["ServiceAccount:web@4L", "RoleBinding:web-view@13L", "Deployment:web@34L"], &[]),
    ("list.yaml", 1, &["ServiceAccount:web@3L", "RoleBinding:web-view@9L", "Deployment:web@23L"], &[]),
    (
        "multi-doc.yaml",
        4,
        &[
            "Namespace:team-a@1",
            "ServiceAccount:builder@9",
            "Secret:db-creds@16",
            "ClusterRoleBinding:builder-admin@25",
        ],
        &[],
    ),
    ("single.json", 1, &["ConfigMap:settings@1"], &[]),
    ("tokens.csv", 1, &["StaticTokenFile:tokens.csv@1S"], &[]),
    (
        "windows-utf16.yaml",
        4,
        &[
            "Namespace:team-a@1",
            "ServiceAccount:builder@9",
            "Secret:db-creds@16",
            "ClusterRoleBinding:builder-admin@25",
        ],
        &[],
    ),
];

#[test]
fn fixtures_load_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/input");
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    names.sort();
    assert_eq!(names, FIXTURES.iter().map(|f| f.0).collect::<Vec<_>>());
    for &(name, documents, objects, diagnostics) in FIXTURES {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let loaded = load(&[InputFile { name, bytes: &bytes }], &Limits::default());
        let got: Vec<(&str, u32)> =
            loaded.inputs[0].diagnostics.iter().map(|d| (d.code.as_str(), d.source.line)).collect();
        assert_eq!(describe(&loaded), objects, "{name}");
        assert_eq!(got, diagnostics, "{name}");
        assert_eq!(loaded.inputs[0].documents, documents, "{name}");
    }
}

#[test]
fn token_file_rows_keep_tokens_in_memory_only() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/input");
    let text = std::fs::read_to_string(dir.join("tokens.csv")).unwrap();
    let loaded = load(&[InputFile { name: "tokens.csv", bytes: text.as_bytes() }], &Limits::default());
    let rows = loaded.objects[0].value["rows"].as_array().unwrap();
    let first_token = text.split(',').next().unwrap();
    assert_eq!(rows[0]["token"], first_token);
    assert_eq!(rows[0]["groups"], serde_json::json!(["system:masters", "ops"]));
    assert_eq!((rows[1]["user"].as_str(), rows[1]["line"].as_u64()), (Some("ci-bot"), Some(2)));
}
