//! Certificates, certificate requests and private keys wherever a dump hides them.
//!
//! Sources: CSR objects (`spec.request`, `status.certificate`), kubeconfig documents and
//! kubeconfigs stored in Secrets/ConfigMaps (see [`kubeconfig`]), PEM or DER
//! in Secret `data`/`stringData` and ConfigMap `data`/`binaryData`, and the
//! `extension-apiserver-authentication` ConfigMap. Everything is decoded once, when the
//! inventory is built. A value that should hold a certificate and does not decode becomes a
//! [`Diagnostic`]. Private keys are never kept: only their label, whether they are encrypted,
//! and a short fingerprint.

use super::kubeconfig::{self, Kubeconfig, Read};
use super::x509::{CertInfo, CsrInfo, KeyInfo, PemItem, certificates, decode_base64, parse_pem};
use crate::data::diagnostic::{Diagnostic, DiagnosticCode};
use crate::input::Object;
use crate::value::Value;
use std::collections::HashMap;

/// Signer of kubelet client certificates (`system:node:*`, approved automatically).
pub const KUBELET_CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client-kubelet";
/// Signer of general client certificates for the API server.
pub const CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client";
/// The pre-v1 default signer; kube-controller-manager signs it with the cluster CA.
pub const LEGACY_SIGNER: &str = "kubernetes.io/legacy-unknown";

/// Where a certificate was found, which says what it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRole {
    /// `client-certificate-data` of a kubeconfig user: a login credential.
    KubeconfigClient,
    /// `certificate-authority-data` of a kubeconfig cluster.
    KubeconfigCa,
    /// `status.certificate` of a CSR: what the signer issued.
    CsrIssued,
    /// Stored in a Secret or ConfigMap value.
    Stored,
    /// `client-ca-file` of `extension-apiserver-authentication`.
    ClientCa,
    /// `requestheader-client-ca-file` of `extension-apiserver-authentication`.
    RequestHeaderCa,
}

/// A certificate and where it is.
#[derive(Debug, Clone)]
pub struct FoundCert<'a> {
    /// The object holding it.
    pub object: &'a Object,
    /// Field path inside the object (`data.kubeconfig` + `users[0].user.client-certificate-data`).
    pub path: String,
    /// What the location says the certificate is for.
    pub role: CertRole,
    /// Position in its bundle (0 for the first).
    pub index: usize,
    /// For kubeconfig certificates: the user or cluster entry's name.
    pub entry: Option<String>,
    /// The decoded certificate.
    pub cert: CertInfo,
}

/// A private key and where it is.
#[derive(Debug, Clone)]
pub struct FoundKey<'a> {
    /// The object holding it.
    pub object: &'a Object,
    /// Field path inside the object.
    pub path: String,
    /// Label, encryption and fingerprint.
    pub key: KeyInfo,
    /// The client certificates stored beside it (same kubeconfig user, same tls Secret).
    pub paired_with: Vec<CertInfo>,
}

/// Whether a CSR was approved, by whom, or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// No decision yet.
    Pending,
    /// Approved; `reason` as recorded, `manual` when a person approved it with kubectl.
    Approved {
        /// The condition's reason (`AutoApproved`, `KubectlApprove`, …).
        reason: String,
        /// Approved by `kubectl certificate approve` rather than a controller.
        manual: bool,
    },
    /// Denied.
    Denied,
    /// The signer failed to issue.
    Failed,
}

/// A CertificateSigningRequest object, decoded.
#[derive(Debug, Clone)]
pub struct Csr<'a> {
    /// The CSR object.
    pub object: &'a Object,
    /// `spec.signerName`; [`LEGACY_SIGNER`] when absent (pre-v1 default).
    pub signer: String,
    /// `spec.expirationSeconds`.
    pub expiration_seconds: Option<u64>,
    /// The decoded `spec.request`.
    pub request: Option<CsrInfo>,
    /// The decoded `status.certificate` chain (leaf first).
    pub issued: Vec<CertInfo>,
    /// The approval decision.
    pub approval: Approval,
    /// `spec.username`: who created the request.
    pub requester: String,
}

impl Csr<'_> {
    /// Whether the signer issues certificates the API server accepts from clients other than kubelets.
    pub fn for_client_signer(&self) -> bool {
        self.signer == CLIENT_SIGNER || self.signer == LEGACY_SIGNER
    }

    /// Whether the signer issues any kind of API client certificate (kubelets included).
    pub fn for_any_client_signer(&self) -> bool {
        self.for_client_signer() || self.signer == KUBELET_CLIENT_SIGNER
    }

    /// Approved, and not denied or failed.
    pub fn approved(&self) -> bool {
        matches!(self.approval, Approval::Approved { .. })
    }
}

/// The CA bundles of the `extension-apiserver-authentication` ConfigMap.
#[derive(Debug, Clone)]
pub struct ExtensionAuth<'a> {
    /// The ConfigMap.
    pub object: &'a Object,
    /// `client-ca-file`: CAs of client certificates.
    pub client_ca: Vec<CertInfo>,
    /// `requestheader-client-ca-file`: CAs of the authenticating proxy's certificate.
    pub requestheader_ca: Vec<CertInfo>,
}

/// Every certificate, request, key and kubeconfig of the dump, decoded once.
#[derive(Debug, Default)]
pub struct Certificates<'a> {
    /// Every certificate, with its location and role.
    pub certs: Vec<FoundCert<'a>>,
    /// Every private key (fingerprints only).
    pub keys: Vec<FoundKey<'a>>,
    /// Every CertificateSigningRequest object.
    pub csrs: Vec<Csr<'a>>,
    /// Every kubeconfig: documents and those stored in Secrets/ConfigMaps.
    pub kubeconfigs: Vec<Kubeconfig<'a>>,
    /// The `extension-apiserver-authentication` ConfigMap, when present.
    pub extension_auth: Option<ExtensionAuth<'a>>,
    /// PEM texts already decoded while collecting, and what they held: every legacy token
    /// Secret and `kube-root-ca.crt` ConfigMap of a cluster carries the same CA, so a dump of
    /// 10⁵ objects would otherwise parse one certificate 10⁴ times. Emptied when collected.
    pem_seen: HashMap<String, Parsed>,
    /// How much of each kubeconfig is decoded.
    read: Read,
}

/// What [`parse_pem`] makes of a text.
type Parsed = (Vec<PemItem>, Vec<(u32, String)>);

/// Distinct PEM texts remembered at most (a dump of distinct certificates parses each once
/// anyway; the memo must not hold a copy of them all).
const PEM_MEMO: usize = 256;

/// The certificates and keys found so far in the values of one Secret or ConfigMap.
#[derive(Default)]
struct StoredFinds<'a> {
    certs: Vec<CertInfo>,
    keys: Vec<FoundKey<'a>>,
}

/// Collects findings-free facts and the diagnostics of one object.
struct Scan<'a, 'd> {
    object: &'a Object,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Scan<'_, '_> {
    fn diagnose(&mut self, code: DiagnosticCode, path: &str, problem: &str, expected: &str) {
        let message = format!("`{path}` of {}: {problem}; expected {expected}", self.object.display_name());
        self.diagnostics.push(Diagnostic::new(&self.object.source.path, self.object.source.line, code, message));
    }
}

impl<'a> Certificates<'a> {
    /// Decode everything certificate-shaped in `objects`.
    pub fn collect(objects: &'a [Object]) -> (Self, Vec<Diagnostic>) {
        Self::collect_reading(objects, Read::Everything)
    }

    /// [`Certificates::collect`], decoding of each kubeconfig only what `read` asks for: at
    /// admission ([`Read::ClientCertificates`]) a kubeconfig gives only its users' client
    /// certificates, and one whose text cannot hold any is not parsed at all. CSRs, stored PEM
    /// and DER values are decoded in full either way.
    pub fn collect_reading(objects: &'a [Object], read: Read) -> (Self, Vec<Diagnostic>) {
        let mut found = Self { read, ..Self::default() };
        let mut diagnostics = Vec::new();
        for object in objects {
            let mut scan = Scan { object, diagnostics: &mut diagnostics };
            match object.kind() {
                "CertificateSigningRequest" => found.csr(&mut scan),
                "Config" if object.value.get("clusters").is_some() || object.value.get("users").is_some() => {
                    let (config, problems) = kubeconfig::parse_reading(object, &object.value, "", read);
                    for (path, problem, expected) in problems {
                        scan.diagnose(DiagnosticCode::KubeconfigInvalid, &path, &problem, &expected);
                    }
                    found.add_kubeconfig(config);
                }
                "Secret" => found.secret(&mut scan),
                "ConfigMap" => found.config_map(&mut scan),
                _ => {}
            }
        }
        debug_assert!(
            found
                .csrs
                .iter()
                .zip(found.csrs.iter().skip(1))
                .all(|(a, b)| std::ptr::from_ref(a.object) < std::ptr::from_ref(b.object))
        );
        found.pem_seen = HashMap::new();
        (found, diagnostics)
    }

    fn add_kubeconfig(&mut self, config: Kubeconfig<'a>) {
        for cluster in &config.clusters {
            for (index, cert) in cluster.ca.iter().enumerate() {
                self.certs.push(FoundCert {
                    object: config.object,
                    path: format!("{}{}.certificate-authority-data", config.prefix(), cluster.path),
                    role: CertRole::KubeconfigCa,
                    index,
                    entry: Some(cluster.name.clone()),
                    cert: cert.clone(),
                });
            }
        }
        for user in &config.users {
            for (index, cert) in user.client_certs.iter().enumerate() {
                self.certs.push(FoundCert {
                    object: config.object,
                    path: format!("{}{}.client-certificate-data", config.prefix(), user.path),
                    role: CertRole::KubeconfigClient,
                    index,
                    entry: Some(user.name.clone()),
                    cert: cert.clone(),
                });
            }
            if let Some(key) = &user.client_key {
                self.keys.push(FoundKey {
                    object: config.object,
                    path: format!("{}{}.client-key-data", config.prefix(), user.path),
                    key: key.clone(),
                    paired_with: user.client_certs.iter().filter(|c| c.is_client_cert()).cloned().collect(),
                });
            }
        }
        self.kubeconfigs.push(config);
    }

    fn csr(&mut self, scan: &mut Scan<'a, '_>) {
        let object = scan.object;
        let request = match object.str_at(&["spec", "request"]) {
            Some(encoded) => match decode_base64(encoded) {
                Ok(bytes) => {
                    let (items, problems) = parse_pem(&String::from_utf8_lossy(&bytes));
                    for (_, problem) in &problems {
                        scan.diagnose(
                            DiagnosticCode::CsrInvalid,
                            "spec.request",
                            problem,
                            "a PEM `CERTIFICATE REQUEST`",
                        );
                    }
                    let request = items.into_iter().find_map(|i| match i {
                        PemItem::Request(r) => Some(r),
                        _ => None,
                    });
                    if request.is_none() && problems.is_empty() {
                        scan.diagnose(
                            DiagnosticCode::CsrInvalid,
                            "spec.request",
                            "holds no certificate request",
                            "a PEM `CERTIFICATE REQUEST`",
                        );
                    }
                    request
                }
                Err(e) => {
                    scan.diagnose(
                        DiagnosticCode::Base64Invalid,
                        "spec.request",
                        &format!("not valid base64 ({e})"),
                        "base64 of PEM",
                    );
                    None
                }
            },
            None => None,
        };
        let issued = match object.str_at(&["status", "certificate"]).filter(|s| !s.is_empty()) {
            Some(encoded) => match decode_base64(encoded) {
                Ok(bytes) => {
                    let (certs, problems) = certificates(&bytes);
                    for problem in problems {
                        scan.diagnose(DiagnosticCode::PemInvalid, "status.certificate", &problem, "PEM certificates");
                    }
                    certs
                }
                Err(e) => {
                    let problem = format!("not valid base64 ({e})");
                    scan.diagnose(
                        DiagnosticCode::Base64Invalid,
                        "status.certificate",
                        &problem,
                        "base64 of PEM certificates",
                    );
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        for (index, cert) in issued.iter().enumerate() {
            self.certs.push(FoundCert {
                object,
                path: "status.certificate".to_string(),
                role: CertRole::CsrIssued,
                index,
                entry: None,
                cert: cert.clone(),
            });
        }
        self.csrs.push(Csr {
            object,
            signer: object.str_at(&["spec", "signerName"]).unwrap_or(LEGACY_SIGNER).to_string(),
            expiration_seconds: object.at(&["spec", "expirationSeconds"]).and_then(Value::as_u64),
            request,
            issued,
            approval: approval(object),
            requester: object.str_at(&["spec", "username"]).unwrap_or("").to_string(),
        });
    }

    fn secret(&mut self, scan: &mut Scan<'a, '_>) {
        let object = scan.object;
        // Each value is looked at as it is decoded (a Secret or ConfigMap may hold a million
        // keys: no copy of them all); what the values say comes after the decoding errors.
        let mut said = Vec::new();
        let mut finds = StoredFinds::default();
        let mut values = Scan { object, diagnostics: &mut said };
        for (key, value) in object.at(&["data"]).and_then(Value::as_object).into_iter().flatten() {
            let Some(encoded) = value.as_str() else { continue };
            match decode_base64(encoded) {
                Ok(bytes) => self.stored_value(&mut values, &mut finds, ("data.", key), &bytes),
                Err(e) => scan.diagnose(
                    DiagnosticCode::Base64Invalid,
                    &format!("data.{key}"),
                    &format!("not valid base64 ({e})"),
                    "base64",
                ),
            }
        }
        for (key, value) in object.at(&["stringData"]).and_then(Value::as_object).into_iter().flatten() {
            if let Some(text) = value.as_str() {
                self.stored_value(&mut values, &mut finds, ("stringData.", key), text.as_bytes());
            }
        }
        scan.diagnostics.append(&mut said);
        self.pair_keys(finds);
    }

    fn config_map(&mut self, scan: &mut Scan<'a, '_>) {
        let object = scan.object;
        let mut said = Vec::new();
        let mut finds = StoredFinds::default();
        let mut values = Scan { object, diagnostics: &mut said };
        for (key, value) in object.at(&["data"]).and_then(Value::as_object).into_iter().flatten() {
            if let Some(text) = value.as_str() {
                self.stored_value(&mut values, &mut finds, ("data.", key), text.as_bytes());
            }
        }
        for (key, value) in object.at(&["binaryData"]).and_then(Value::as_object).into_iter().flatten() {
            let Some(encoded) = value.as_str() else { continue };
            match decode_base64(encoded) {
                Ok(bytes) => self.stored_value(&mut values, &mut finds, ("binaryData.", key), &bytes),
                Err(e) => scan.diagnose(
                    DiagnosticCode::Base64Invalid,
                    &format!("binaryData.{key}"),
                    &format!("not valid base64 ({e})"),
                    "base64",
                ),
            }
        }
        scan.diagnostics.append(&mut said);
        self.pair_keys(finds);
        if object.name() == "extension-apiserver-authentication" && object.namespace() == Some("kube-system") {
            let bundle = |key: &str| -> Vec<CertInfo> {
                self.certs
                    .iter()
                    .filter(|f| std::ptr::eq(f.object, object) && f.path == format!("data.{key}"))
                    .map(|f| f.cert.clone())
                    .collect()
            };
            let client_ca = bundle("client-ca-file");
            let requestheader_ca = bundle("requestheader-client-ca-file");
            for found in self.certs.iter_mut().filter(|f| std::ptr::eq(f.object, object)) {
                found.role = match found.path.as_str() {
                    "data.client-ca-file" => CertRole::ClientCa,
                    "data.requestheader-client-ca-file" => CertRole::RequestHeaderCa,
                    _ => found.role,
                };
            }
            self.extension_auth = Some(ExtensionAuth { object, client_ca, requestheader_ca });
        }
    }

    /// Look at one value of a Secret or ConfigMap (`(field prefix, key)`) for PEM, DER
    /// certificates and kubeconfigs. Its field path is only written out when something is found.
    fn stored_value(
        &mut self,
        scan: &mut Scan<'a, '_>,
        finds: &mut StoredFinds<'a>,
        (prefix, key): (&str, &str),
        bytes: &[u8],
    ) {
        let object = scan.object;
        let path = || format!("{prefix}{key}");
        let mut bytes = std::borrow::Cow::Borrowed(bytes);
        // A PEM base64-encoded once more than the field needs (`LS0tLS1CRUdJTi…`).
        if bytes.starts_with(b"LS0tLS1CRUdJTi")
            && let Ok(inner) = decode_base64(&String::from_utf8_lossy(&bytes))
        {
            bytes = std::borrow::Cow::Owned(inner);
        }
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("-----BEGIN ") {
            let path = path();
            let (items, problems) = match self.pem_seen.get(text.as_ref()) {
                Some(parsed) => parsed.clone(),
                None => {
                    let parsed = parse_pem(&text);
                    if self.pem_seen.len() < PEM_MEMO {
                        self.pem_seen.insert(text.to_string(), parsed.clone());
                    }
                    parsed
                }
            };
            for (_, problem) in problems {
                scan.diagnose(DiagnosticCode::PemInvalid, &path, &problem, "well-formed PEM blocks");
            }
            let mut index = 0;
            for item in items {
                match item {
                    PemItem::Certificate(cert) => {
                        finds.certs.push(cert.clone());
                        self.certs.push(FoundCert {
                            object,
                            path: path.clone(),
                            role: CertRole::Stored,
                            index,
                            entry: None,
                            cert,
                        });
                        index += 1;
                    }
                    PemItem::PrivateKey(key) => {
                        finds.keys.push(FoundKey { object, path: path.clone(), key, paired_with: Vec::new() });
                    }
                    PemItem::Request(_) | PemItem::Other(_) => {}
                }
            }
        } else if kubeconfig::looks_like(&text) {
            if self.read == Read::ClientCertificates && !kubeconfig::may_hold_client_certificates(&text) {
                return;
            }
            let path = path();
            match crate::input::parse_yaml_value(&text) {
                Ok(value) if value.get("clusters").is_some() || value.get("users").is_some() => {
                    let (config, problems) = kubeconfig::parse_reading(object, &value, &path, self.read);
                    for (inner, problem, expected) in problems {
                        scan.diagnose(
                            DiagnosticCode::KubeconfigInvalid,
                            &format!("{path} → {inner}"),
                            &problem,
                            &expected,
                        );
                    }
                    self.add_kubeconfig(config);
                }
                Ok(_) => {}
                Err(e) => scan.diagnose(
                    DiagnosticCode::KubeconfigNotYaml,
                    &path,
                    &format!("does not parse ({e})"),
                    "a kubeconfig",
                ),
            }
        } else if bytes.first() == Some(&0x30)
            && let Ok(cert) = CertInfo::from_der(&bytes)
        {
            finds.certs.push(cert.clone());
            self.certs.push(FoundCert { object, path: path(), role: CertRole::Stored, index: 0, entry: None, cert });
        } else if is_certificate_key_name(key) {
            scan.diagnose(
                DiagnosticCode::CertificateInvalid,
                &path(),
                "holds no certificate",
                "a PEM or DER certificate",
            );
        }
    }

    /// The object's private keys, each paired with the client certificates stored beside it.
    fn pair_keys(&mut self, finds: StoredFinds<'a>) {
        let client_certs: Vec<CertInfo> = finds.certs.into_iter().filter(CertInfo::is_client_cert).collect();
        for mut key in finds.keys {
            key.paired_with.clone_from(&client_certs);
            self.keys.push(key);
        }
    }

    /// CAs known to sign API client certificates: `client-ca-file`, and the cluster CA that
    /// `kube-root-ca.crt` and kubeconfigs publish (the same CA on kubeadm-style clusters).
    pub fn client_cas(&self) -> impl Iterator<Item = &CertInfo> {
        self.certs
            .iter()
            .filter(|f| {
                f.role == CertRole::ClientCa
                    || f.role == CertRole::KubeconfigCa
                    || (f.role == CertRole::Stored && f.object.is("ConfigMap") && f.object.name() == "kube-root-ca.crt")
            })
            .map(|f| &f.cert)
    }

    /// Client certificates someone can log in to the API server with: kubeconfig users, client
    /// certificates issued through CSRs, and stored client certificates signed by a known client CA.
    pub fn client_credentials(&self) -> impl Iterator<Item = &FoundCert<'a>> {
        let cas: Vec<&CertInfo> = self.client_cas().collect();
        self.certs.iter().filter(move |f| {
            f.cert.is_client_cert()
                && match f.role {
                    CertRole::KubeconfigClient => true,
                    CertRole::CsrIssued => {
                        f.index == 0 && self.csr_of(f.object).is_some_and(Csr::for_any_client_signer)
                    }
                    CertRole::Stored => cas.iter().any(|ca| f.cert.issued_by(ca)),
                    CertRole::KubeconfigCa | CertRole::ClientCa | CertRole::RequestHeaderCa => false,
                }
        })
    }

    /// The decoded CSR of a CSR object.
    ///
    /// A binary search: [`Certificates::collect`] walks the objects' slice in order, so the
    /// requests are sorted by the address of their object (a linear search here made 40 000
    /// issued certificates quadratic).
    pub fn csr_of(&self, object: &Object) -> Option<&Csr<'a>> {
        let address = |o: &Object| std::ptr::from_ref(o) as usize;
        let i = self.csrs.binary_search_by_key(&address(object), |c| address(c.object)).ok()?;
        self.csrs.get(i)
    }
}

fn is_certificate_key_name(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [".crt", ".cer", ".der", ".pem", "-cert", ".cert"].iter().any(|s| key.ends_with(s))
}

fn approval(object: &Object) -> Approval {
    let conditions = object.at(&["status", "conditions"]).and_then(Value::as_array).unwrap_or_default();
    let holds = |c: &&Value| c.get("status").and_then(Value::as_str).is_none_or(|s| s == "True");
    let of_type = |t: &str| conditions.iter().filter(holds).find(|c| c.get("type").and_then(Value::as_str) == Some(t));
    if of_type("Denied").is_some() {
        return Approval::Denied;
    }
    if of_type("Failed").is_some() {
        return Approval::Failed;
    }
    let Some(approved) = of_type("Approved") else { return Approval::Pending };
    let reason = approved.get("reason").and_then(Value::as_str).unwrap_or("").to_string();
    let kubectl_manager = object
        .at(&["metadata", "managedFields"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| m.get("subresource").and_then(Value::as_str) == Some("approval"))
        .any(|m| m.get("manager").and_then(Value::as_str).is_some_and(|n| n.starts_with("kubectl")));
    let manual = reason == "KubectlApprove" || kubectl_manager;
    Approval::Approved { reason, manual }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::source::Source;
    use crate::input::Origin;
    use crate::inventory::x509::tests::{CA_PEM, EVE_MASTERS_PEM, KEY_PEM, MALLORY_CSR_PEM, b64};

    pub(crate) fn object(value: impl Into<Value>) -> Object {
        Object::new(value, Source { path: "test.yaml".into(), line: 3 }, Origin::Document)
    }

    #[test]
    fn secrets_with_bad_base64_or_bad_certs_are_diagnostics() {
        let objects = [object(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "namespace": "default"},
            "data": {"token": "%%%", "ca.crt": b64("hello"), "tls.crt": b64(EVE_MASTERS_PEM), "tls.key": b64(KEY_PEM)}
        }))];
        let (found, diagnostics) = Certificates::collect(&objects);
        let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, vec!["base64-invalid", "certificate-invalid"]);
        assert!(diagnostics.iter().all(|d| d.source.line == 3 && d.message.contains("Secret/default/s")));
        assert_eq!(found.certs.len(), 1);
        assert_eq!(found.keys.len(), 1);
        assert_eq!(found.keys[0].path, "data.tls.key");
        assert_eq!(found.keys[0].paired_with.len(), 1);
    }

    #[test]
    fn one_ca_in_many_objects_is_found_in_each() {
        let objects: Vec<Object> = (0..3)
            .map(|i| {
                object(serde_json::json!({
                    "apiVersion": "v1", "kind": if i == 2 { "ConfigMap" } else { "Secret" },
                    "metadata": {"name": format!("o{i}"), "namespace": "default"},
                    "data": {"ca.crt": if i == 2 { CA_PEM.to_string() } else { b64(CA_PEM) }}
                }))
            })
            .collect();
        let (found, diagnostics) = Certificates::collect(&objects);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let names: Vec<(&str, &str)> = found.certs.iter().map(|c| (c.object.name(), c.path.as_str())).collect();
        assert_eq!(names, [("o0", "data.ca.crt"), ("o1", "data.ca.crt"), ("o2", "data.ca.crt")]);
        assert!(found.certs.iter().all(|c| c.cert == found.certs[0].cert));
        assert!(found.pem_seen.is_empty(), "the memo is not kept past collecting");
    }

    #[test]
    fn csr_objects_decode_request_issued_cert_and_approval() {
        let objects = [object(serde_json::json!({
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": "m"},
            "spec": {"request": b64(MALLORY_CSR_PEM), "signerName": CLIENT_SIGNER, "username": "admin"},
            "status": {
                "conditions": [{"type": "Approved", "status": "True", "reason": "KubectlApprove"}],
                "certificate": b64(EVE_MASTERS_PEM)
            }
        }))];
        let (found, diagnostics) = Certificates::collect(&objects);
        assert!(diagnostics.is_empty());
        let csr = &found.csrs[0];
        assert_eq!(csr.request.as_ref().unwrap().common_name, "mallory");
        assert_eq!(csr.issued[0].common_name, "eve");
        assert_eq!(csr.approval, Approval::Approved { reason: "KubectlApprove".to_string(), manual: true });
        assert_eq!(found.client_credentials().count(), 1);
    }

    /// A Secret holding `kubeconfig` under `data.kubeconfig`.
    fn kubeconfig_secret(kubeconfig: &str) -> serde_json::Value {
        serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "kc", "namespace": "ci"},
            "data": {"kubeconfig": b64(kubeconfig)}
        })
    }

    #[test]
    fn admission_reads_a_kubeconfigs_client_certificates_however_the_key_is_spelled() {
        let cert = b64(EVE_MASTERS_PEM);
        let spellings = [
            format!(
                "kind: Config\ncurrent-context: x\nusers:\n- name: eve\n  user:\n    client-certificate-data: {cert}\n"
            ),
            format!(
                "kind: Config\ncurrent-context: x\nusers:\n- name: eve\n  user:\n    \"client\\x2dcertificate-data\": {cert}\n"
            ),
            format!(
                r#"{{"kind": "Config", "current-context": "x", "users": [{{"name": "eve", "user": {{"client\u002dcertificate-data": "{cert}"}}}}]}}"#
            ),
        ];
        for kubeconfig in spellings {
            let objects = [object(kubeconfig_secret(&kubeconfig))];
            let client = |read| -> Vec<String> {
                let (found, _) = Certificates::collect_reading(&objects, read);
                let clients = found.certs.iter().filter(|f| f.role == CertRole::KubeconfigClient);
                clients.map(|f| format!("{} {}", f.path, f.cert.common_name)).collect()
            };
            assert_eq!(client(Read::Everything), ["data.kubeconfig → users[0].user.client-certificate-data eve"]);
            assert_eq!(client(Read::ClientCertificates), client(Read::Everything), "{kubeconfig}");
            let request =
                serde_json::json!({"operation": "CREATE", "namespace": "ci", "object": kubeconfig_secret(&kubeconfig)});
            let decision = crate::admit(&request.into(), &crate::Settings::default(), &crate::AdmitSettings::default());
            let codes: Vec<String> = decision.iter().flat_map(|d| &d.findings).map(|f| f.code.to_string()).collect();
            assert_eq!(codes, ["CC001"], "{kubeconfig}");
            assert!(decision.is_ok_and(|d| !d.allowed));
        }
    }

    #[test]
    fn admission_skips_what_no_admission_rule_reads_and_the_audit_keeps_it() {
        let kubeconfig = format!(
            "kind: Config\ncurrent-context: x\nclusters:\n- name: c\n  cluster:\n    certificate-authority-data: {}\nusers:\n- name: ci\n  user:\n    token: abc.def.ghi\n",
            b64(CA_PEM)
        );
        let objects = [object(kubeconfig_secret(&kubeconfig))];
        let (audit, _) = Certificates::collect(&objects);
        assert_eq!(audit.kubeconfigs.len(), 1);
        assert!(audit.kubeconfigs[0].users[0].token.is_some());
        assert!(audit.certs.iter().any(|f| f.role == CertRole::KubeconfigCa));
        let (admission, _) = Certificates::collect_reading(&objects, Read::ClientCertificates);
        assert!(admission.kubeconfigs.is_empty() && admission.certs.is_empty(), "no client certificate to read");
        let with_key = kubeconfig.replace("token: abc.def.ghi", &format!("client-key-data: {}", b64(KEY_PEM)));
        let objects =
            [object(kubeconfig_secret(&format!("{with_key}    client-certificate-data: {}\n", b64(EVE_MASTERS_PEM))))];
        let (admission, _) = Certificates::collect_reading(&objects, Read::ClientCertificates);
        let user = &admission.kubeconfigs[0].users[0];
        assert_eq!((user.client_certs.len(), user.client_key.is_none()), (1, true));
        assert!(admission.keys.is_empty() && admission.kubeconfigs[0].clusters.is_empty());
    }

    #[test]
    fn extension_auth_bundles_are_read() {
        let objects = [object(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "extension-apiserver-authentication", "namespace": "kube-system"},
            "data": {"client-ca-file": CA_PEM, "requestheader-client-ca-file": format!("{CA_PEM}{CA_PEM}")}
        }))];
        let (found, _) = Certificates::collect(&objects);
        let auth = found.extension_auth.unwrap();
        assert_eq!(auth.client_ca.len(), 1);
        assert_eq!(auth.requestheader_ca.len(), 2);
        assert!(found.certs.iter().any(|f| f.role == CertRole::RequestHeaderCa));
    }
}
