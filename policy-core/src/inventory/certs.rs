//! Certificates, certificate requests and private keys wherever a dump hides them.
//!
//! Sources: CSR objects (`spec.request`, `status.certificate`), kubeconfig documents and
//! kubeconfigs stored in Secrets/ConfigMaps (see [`kubeconfig`](super::kubeconfig)), PEM or DER
//! in Secret `data`/`stringData` and ConfigMap `data`/`binaryData`, and the
//! `extension-apiserver-authentication` ConfigMap. Everything is decoded once, when the
//! inventory is built. A value that should hold a certificate and does not decode becomes a
//! [`Diagnostic`]. Private keys are never kept: only their label, whether they are encrypted,
//! and a short fingerprint.

use super::kubeconfig::{self, Kubeconfig};
use crate::input::{Diagnostic, Object};
use crate::util::{fingerprint, sha256_hex};
use crate::value::Value;
use base64::Engine as _;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate, X509CertificationRequest, X509Name};

/// Signer of kubelet client certificates (`system:node:*`, approved automatically).
pub const KUBELET_CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client-kubelet";
/// Signer of general client certificates for the API server.
pub const CLIENT_SIGNER: &str = "kubernetes.io/kube-apiserver-client";
/// The pre-v1 default signer; kube-controller-manager signs it with the cluster CA.
pub const LEGACY_SIGNER: &str = "kubernetes.io/legacy-unknown";

/// What the dump says about one X.509 certificate. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// The subject as `CN=…, O=…`.
    pub subject: String,
    /// Subject CN (the user name); empty when absent.
    pub common_name: String,
    /// Subject O values (the groups).
    pub organizations: Vec<String>,
    /// The issuer as `CN=…`.
    pub issuer: String,
    /// Serial number, `aa:bb:…`.
    pub serial: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// Basic constraints `CA:true`.
    pub is_ca: bool,
    /// Usable for client authentication: EKU `clientAuth` or `anyExtendedKeyUsage`, or no EKU.
    pub client_auth: bool,
    /// EKU `serverAuth` present.
    pub server_auth: bool,
    /// Key usage bits by name (`digitalSignature`, `keyCertSign`, …).
    pub key_usage: Vec<&'static str>,
    /// Subject DER, for comparing CAs by identity rather than by display string.
    pub subject_der: Vec<u8>,
    /// Issuer DER.
    pub issuer_der: Vec<u8>,
    /// SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// SHA-256 of the certificate DER, lowercase hex.
    pub fingerprint: String,
}

impl CertInfo {
    /// Decode one DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate ({})", der_problem(&e)))?;
        let eku = cert.extended_key_usage().ok().flatten().map(|e| e.value);
        let client_auth = eku.is_none_or(|e| e.client_auth || e.any);
        let server_auth = eku.is_some_and(|e| e.server_auth);
        let key_usage = cert.key_usage().ok().flatten().map(|ku| key_usage_names(ku.value)).unwrap_or_default();
        let validity = cert.validity();
        Ok(Self {
            subject: cert.subject().to_string(),
            common_name: common_name(cert.subject()),
            organizations: organizations(cert.subject()),
            issuer: cert.issuer().to_string(),
            serial: cert.raw_serial_as_string(),
            not_before: validity.not_before.to_datetime(),
            not_after: validity.not_after.to_datetime(),
            is_ca: cert.is_ca(),
            client_auth,
            server_auth,
            key_usage,
            subject_der: cert.subject().as_raw().to_vec(),
            issuer_der: cert.issuer().as_raw().to_vec(),
            spki: cert.public_key().raw.to_vec(),
            fingerprint: sha256_hex(der),
        })
    }

    /// Seconds between not-before and not-after.
    pub fn lifetime_seconds(&self) -> i64 {
        (self.not_after - self.not_before).whole_seconds()
    }

    /// Whether the certificate has expired at `now`.
    pub fn expired_at(&self, now: OffsetDateTime) -> bool {
        self.not_after < now
    }

    /// The same CA as `other`: same subject and same public key (file names and serials may differ).
    pub fn same_ca(&self, other: &CertInfo) -> bool {
        self.subject_der == other.subject_der && self.spki == other.spki
    }

    /// Whether `ca` could have issued this certificate (issuer name equals the CA's subject).
    pub fn issued_by(&self, ca: &CertInfo) -> bool {
        self.issuer_der == ca.subject_der
    }

    /// A leaf certificate a client can log in with.
    pub fn is_client_cert(&self) -> bool {
        !self.is_ca && self.client_auth
    }

    /// Whether the identity belongs to a Kubernetes system component rather than a person.
    pub fn is_system_component(&self) -> bool {
        is_system_identity(&self.common_name, &self.organizations)
    }

    /// Status word at `now`: `valid`, `expired` or `not-yet-valid`.
    pub fn status_at(&self, now: OffsetDateTime) -> &'static str {
        if self.expired_at(now) {
            "expired"
        } else if self.not_before > now {
            "not-yet-valid"
        } else {
            "valid"
        }
    }
}

/// Identities of the control plane and nodes, exempt from user-certificate lifetime checks:
/// CN `system:node:*` or O `system:nodes` (kubelets), CN `system:kube-*` (controller-manager,
/// scheduler, proxy), and the fixed names kubeadm gives the API server's own client certificates.
pub fn is_system_identity(common_name: &str, organizations: &[String]) -> bool {
    const FIXED: [&str; 5] = [
        "kube-apiserver-kubelet-client",
        "kube-apiserver-etcd-client",
        "front-proxy-client",
        "system:apiserver",
        "system:konnectivity-server",
    ];
    common_name.starts_with("system:node:")
        || common_name.starts_with("system:kube-")
        || FIXED.contains(&common_name)
        || organizations.iter().any(|o| o == "system:nodes")
}

/// A PKCS#10 certificate request: the identity it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrInfo {
    /// The subject as `CN=…, O=…`.
    pub subject: String,
    /// Requested CN (user name).
    pub common_name: String,
    /// Requested O values (groups).
    pub organizations: Vec<String>,
    /// SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// SHA-256 of the request DER, lowercase hex.
    pub fingerprint: String,
}

impl CsrInfo {
    /// Decode one DER certificate request.
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        let (_, csr) = X509CertificationRequest::from_der(der)
            .map_err(|e| format!("not a PKCS#10 certificate request ({})", der_problem(&e)))?;
        let info = &csr.certification_request_info;
        Ok(Self {
            subject: info.subject.to_string(),
            common_name: common_name(&info.subject),
            organizations: organizations(&info.subject),
            spki: info.subject_pki.raw.to_vec(),
            fingerprint: sha256_hex(der),
        })
    }
}

fn attr_text(attr: &x509_parser::x509::AttributeTypeAndValue<'_>) -> String {
    attr.as_str().map_or_else(|_| String::from_utf8_lossy(attr.as_slice()).into_owned(), str::to_string)
}

fn common_name(name: &X509Name<'_>) -> String {
    name.iter_common_name().next().map(attr_text).unwrap_or_default()
}

fn organizations(name: &X509Name<'_>) -> Vec<String> {
    name.iter_organization().map(attr_text).collect()
}

fn key_usage_names(ku: &x509_parser::extensions::KeyUsage) -> Vec<&'static str> {
    [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect()
}

/// A private key seen in the dump. The key itself is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// PEM label, e.g. `RSA PRIVATE KEY`.
    pub label: String,
    /// Protected by a passphrase (`ENCRYPTED PRIVATE KEY` or a `Proc-Type: 4,ENCRYPTED` header).
    pub encrypted: bool,
    /// Short fingerprint of the PEM block.
    pub fingerprint: String,
}

/// One decoded item of a PEM (or DER) value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemItem {
    /// A certificate.
    Certificate(CertInfo),
    /// A certificate request.
    Request(CsrInfo),
    /// A private key (fingerprint only).
    PrivateKey(KeyInfo),
    /// Any other PEM label (public keys, parameters); recorded, not interpreted.
    Other(String),
}

/// Decode every PEM block of `text`. Each problem is `(line offset in text, message)`.
pub fn parse_pem(text: &str) -> (Vec<PemItem>, Vec<(u32, String)>) {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((start, line)) = lines.next() {
        let Some(label) = line.trim().strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end_marker = format!("-----END {label}-----");
        let mut body = String::new();
        let mut encrypted = label.contains("ENCRYPTED");
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            let line = line.trim();
            if line == end_marker {
                closed = true;
                break;
            }
            if let Some((header, value)) = line.split_once(':') {
                // RFC 1421 headers of legacy encrypted keys: `Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`.
                encrypted |= header.trim() == "Proc-Type" && value.contains("ENCRYPTED");
                continue;
            }
            body.push_str(line);
        }
        if !closed {
            problems.push((start, format!("PEM block `{label}` has no `{end_marker}` line")));
            continue;
        }
        let der = match decode_base64(&body) {
            Ok(der) => der,
            Err(e) => {
                problems.push((start, format!("PEM block `{label}` is not valid base64 ({e})")));
                continue;
            }
        };
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => match CertInfo::from_der(&der) {
                Ok(cert) => items.push(PemItem::Certificate(cert)),
                Err(e) => problems.push((start, format!("PEM block `{label}`: {e}"))),
            },
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => match CsrInfo::from_der(&der) {
                Ok(csr) => items.push(PemItem::Request(csr)),
                Err(e) => problems.push((start, format!("PEM block `{label}`: {e}"))),
            },
            l if l.ends_with("PRIVATE KEY") => items.push(PemItem::PrivateKey(KeyInfo {
                label: l.to_string(),
                encrypted,
                fingerprint: fingerprint::of_secret(&der),
            })),
            other => items.push(PemItem::Other(other.to_string())),
        }
    }
    (items, problems)
}

/// Decode standard base64 as Kubernetes writes it, ignoring line breaks and spaces.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    // The decoder's own messages quote the offending byte: it may belong to a secret.
    base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, _) => format!("invalid character at offset {at}"),
        base64::DecodeError::InvalidLastSymbol { offset, .. } => format!("invalid last character at offset {offset}"),
        base64::DecodeError::InvalidLength(len) => format!("length {len} is not a valid base64 length"),
        base64::DecodeError::InvalidPadding => "invalid padding".to_string(),
    })
}

/// What a DER parse error means. x509-parser's own text names parser internals
/// (`NomError(Eof)`), which say nothing to a user.
fn der_problem(e: &x509_parser::nom::Err<x509_parser::error::X509Error>) -> &'static str {
    use x509_parser::error::X509Error;
    use x509_parser::nom::{Err, error::ErrorKind};
    match e {
        Err::Incomplete(_)
        | Err::Error(X509Error::NomError(ErrorKind::Eof))
        | Err::Failure(X509Error::NomError(ErrorKind::Eof)) => "its DER ends early: truncated?",
        _ => "its DER is malformed",
    }
}

/// Certificates of a PEM bundle (or a single DER certificate), with problems as messages.
pub fn certificates(bytes: &[u8]) -> (Vec<CertInfo>, Vec<String>) {
    let text = String::from_utf8_lossy(bytes);
    if text.contains("-----BEGIN ") {
        let (items, problems) = parse_pem(&text);
        let certs: Vec<CertInfo> = items
            .into_iter()
            .filter_map(|i| match i {
                PemItem::Certificate(c) => Some(c),
                _ => None,
            })
            .collect();
        let mut problems: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
        if certs.is_empty() && problems.is_empty() {
            problems.push("holds no `CERTIFICATE` PEM block".to_string());
        }
        return (certs, problems);
    }
    match CertInfo::from_der(bytes) {
        Ok(cert) => (vec![cert], Vec::new()),
        Err(_) => (Vec::new(), vec!["is neither PEM nor a DER certificate".to_string()]),
    }
}

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
}

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
    fn error(&mut self, code: &str, path: &str, problem: &str, expected: &str) {
        let message = format!("`{path}` of {}: {problem}; expected {expected}", self.object.display_name());
        self.diagnostics.push(Diagnostic::error(&self.object.source.path, self.object.source.line, code, message));
    }

    fn warning(&mut self, code: &str, path: &str, problem: &str, expected: &str) {
        let message = format!("`{path}` of {}: {problem}; expected {expected}", self.object.display_name());
        self.diagnostics.push(Diagnostic::warning(&self.object.source.path, self.object.source.line, code, message));
    }
}

impl<'a> Certificates<'a> {
    /// Decode everything certificate-shaped in `objects`.
    pub fn collect(objects: &'a [Object]) -> (Self, Vec<Diagnostic>) {
        let mut found = Self::default();
        let mut diagnostics = Vec::new();
        for object in objects {
            let mut scan = Scan { object, diagnostics: &mut diagnostics };
            match object.kind() {
                "CertificateSigningRequest" => found.csr(&mut scan),
                "Config" if object.value.get("clusters").is_some() || object.value.get("users").is_some() => {
                    let (config, problems) = kubeconfig::parse(object, &object.value, "");
                    for (path, problem, expected) in problems {
                        scan.error("kubeconfig-invalid", &path, &problem, &expected);
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
                        scan.error("csr-invalid", "spec.request", problem, "a PEM `CERTIFICATE REQUEST`");
                    }
                    let request = items.into_iter().find_map(|i| match i {
                        PemItem::Request(r) => Some(r),
                        _ => None,
                    });
                    if request.is_none() && problems.is_empty() {
                        scan.error(
                            "csr-invalid",
                            "spec.request",
                            "holds no certificate request",
                            "a PEM `CERTIFICATE REQUEST`",
                        );
                    }
                    request
                }
                Err(e) => {
                    scan.error("base64-invalid", "spec.request", &format!("not valid base64 ({e})"), "base64 of PEM");
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
                        scan.error("pem-invalid", "status.certificate", &problem, "PEM certificates");
                    }
                    certs
                }
                Err(e) => {
                    let problem = format!("not valid base64 ({e})");
                    scan.error("base64-invalid", "status.certificate", &problem, "base64 of PEM certificates");
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
                Err(e) => {
                    scan.error("base64-invalid", &format!("data.{key}"), &format!("not valid base64 ({e})"), "base64")
                }
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
                Err(e) => scan.error(
                    "base64-invalid",
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
            let (items, problems) = parse_pem(&text);
            for (_, problem) in problems {
                scan.error("pem-invalid", &path, &problem, "well-formed PEM blocks");
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
            let path = path();
            match crate::input::parse_yaml_value(&text) {
                Ok(value) if value.get("clusters").is_some() || value.get("users").is_some() => {
                    let (config, problems) = kubeconfig::parse(object, &value, &path);
                    for (inner, problem, expected) in problems {
                        scan.error("kubeconfig-invalid", &format!("{path} → {inner}"), &problem, &expected);
                    }
                    self.add_kubeconfig(config);
                }
                Ok(_) => {}
                Err(e) => scan.warning("kubeconfig-invalid", &path, &format!("does not parse ({e})"), "a kubeconfig"),
            }
        } else if bytes.first() == Some(&0x30)
            && let Ok(cert) = CertInfo::from_der(&bytes)
        {
            finds.certs.push(cert.clone());
            self.certs.push(FoundCert { object, path: path(), role: CertRole::Stored, index: 0, entry: None, cert });
        } else if is_certificate_key_name(key) {
            scan.warning("certificate-invalid", &path(), "holds no certificate", "a PEM or DER certificate");
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
#[expect(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic, reason = "tests")]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn der_errors_say_what_they_mean_not_parser_internals() {
        for (der, want) in [(&[0x30u8, 0x82, 0x01][..], "ends early"), (&[0x02, 0x01, 0x00][..], "malformed")] {
            let cert = CertInfo::from_der(der).err().unwrap();
            let csr = CsrInfo::from_der(der).err().unwrap();
            for message in [cert, csr] {
                assert!(message.contains(want), "{message}");
                assert!(
                    !message.contains("Nom") && !message.contains("Eof") && !message.contains("Error"),
                    "{message}"
                );
            }
        }
    }
    use crate::input::Origin;
    use crate::report::Source;

    /// A client certificate: CN=eve, O=system:masters, O=dev; clientAuth; 2025-01-01 .. 2035-01-01.
    pub(crate) const EVE_MASTERS_PEM: &str = include_str!("testdata/eve-masters.crt");
    /// A CA: CN=test-ca; 2025-01-01 .. 2035-01-01.
    pub(crate) const CA_PEM: &str = include_str!("testdata/ca.crt");
    /// A CSR: CN=mallory, O=system:masters.
    pub(crate) const MALLORY_CSR_PEM: &str = include_str!("testdata/mallory.csr");
    /// An unencrypted EC key (test only, signs nothing real).
    pub(crate) const KEY_PEM: &str = include_str!("testdata/eve.key");

    pub(crate) fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    }

    pub(crate) fn object(value: impl Into<Value>) -> Object {
        Object::new(value, Source { path: "test.yaml".into(), line: 3 }, Origin::Document)
    }

    #[test]
    fn reads_subject_groups_usage_and_lifetime() {
        let (items, problems) = parse_pem(EVE_MASTERS_PEM);
        assert!(problems.is_empty(), "{problems:?}");
        let PemItem::Certificate(cert) = &items[0] else { panic!("not a certificate") };
        assert_eq!(cert.common_name, "eve");
        assert_eq!(cert.organizations, vec!["system:masters".to_string(), "dev".to_string()]);
        assert!(cert.client_auth && !cert.server_auth && !cert.is_ca);
        assert_eq!(cert.lifetime_seconds(), 3652 * 86_400);
        assert_eq!(cert.issuer, "CN=test-ca");
        assert_eq!(cert.fingerprint.len(), 64);
        assert!(cert.key_usage.contains(&"digitalSignature"));
    }

    #[test]
    fn a_bundle_yields_every_certificate_and_ca_flag() {
        let bundle = format!("{CA_PEM}\n{EVE_MASTERS_PEM}");
        let (certs, problems) = certificates(bundle.as_bytes());
        assert!(problems.is_empty());
        assert_eq!(certs.len(), 2);
        assert!(certs[0].is_ca);
        assert!(certs[1].issued_by(&certs[0]));
        assert!(certs[0].same_ca(&certs[0].clone()));
        assert!(!certs[0].same_ca(&certs[1]));
    }

    #[test]
    fn csr_and_keys_are_recognised_without_keeping_the_key() {
        let (items, _) = parse_pem(&format!("{MALLORY_CSR_PEM}{KEY_PEM}"));
        let PemItem::Request(csr) = &items[0] else { panic!("not a request") };
        assert_eq!(csr.common_name, "mallory");
        assert_eq!(csr.organizations, vec!["system:masters".to_string()]);
        let PemItem::PrivateKey(key) = &items[1] else { panic!("not a key") };
        assert!(!key.encrypted);
        assert!(key.fingerprint.starts_with("fp1:"));
        let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let (items, problems) = parse_pem(encrypted);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(matches!(&items[0], PemItem::PrivateKey(k) if k.encrypted));
    }

    #[test]
    fn broken_pem_is_a_problem_with_its_line() {
        let (items, problems) = parse_pem("x\n-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        assert!(items.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 1);
        let (_, problems) = parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n");
        assert!(problems[0].1.contains("no `-----END CERTIFICATE-----` line"));
        let (_, problems) = parse_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert!(problems[0].1.contains("not an X.509 certificate"));
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

    #[test]
    fn system_identities() {
        assert!(is_system_identity("system:node:n1", &[]));
        assert!(is_system_identity("x", &["system:nodes".to_string()]));
        assert!(is_system_identity("system:kube-scheduler", &[]));
        assert!(!is_system_identity("kubernetes-admin", &["system:masters".to_string()]));
        assert!(!is_system_identity("alice", &[]));
    }
}
