//! X.509 decoding: PEM blocks, DER certificates and requests, private-key labels, base64 as
//! Kubernetes writes it. Pure decoding, no Kubernetes objects: the certificate inventory
//! ([`super::certs`]) and kubeconfigs ([`super::kubeconfig`]) both build on it.

use crate::util::{fingerprint, sha256_hex};
use base64::Engine as _;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate, X509CertificationRequest, X509Name};

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
    pub fn from_der(der: &[u8]) -> Result<Self, DerError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| DerError::NotACertificate(der_problem(&e)))?;
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
    pub fn from_der(der: &[u8]) -> Result<Self, DerError> {
        let (_, csr) = X509CertificationRequest::from_der(der).map_err(|e| DerError::NotARequest(der_problem(&e)))?;
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

/// Why a value is not base64, by position only: the decoder's own messages quote the offending
/// byte, which may belong to a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    /// A byte outside the base64 alphabet.
    #[error("invalid character at offset {0}")]
    InvalidCharacter(usize),
    /// A last symbol with bits that encode nothing.
    #[error("invalid last character at offset {0}")]
    InvalidLastCharacter(usize),
    /// A length no base64 text has.
    #[error("length {0} is not a valid base64 length")]
    InvalidLength(usize),
    /// Padding where none may be.
    #[error("invalid padding")]
    InvalidPadding,
}

/// Decode standard base64 as Kubernetes writes it, ignoring line breaks and spaces.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    // Most values are one line: decoded where they stand, copied without their whitespace only
    // when wrapped (every Secret value of a dump comes through here).
    let compact: std::borrow::Cow<'_, [u8]> = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        text.bytes().filter(|b| !b.is_ascii_whitespace()).collect::<Vec<u8>>().into()
    } else {
        text.as_bytes().into()
    };
    base64::engine::general_purpose::STANDARD.decode(&compact).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, _) => Base64Error::InvalidCharacter(at),
        base64::DecodeError::InvalidLastSymbol { offset, .. } => Base64Error::InvalidLastCharacter(offset),
        base64::DecodeError::InvalidLength(len) => Base64Error::InvalidLength(len),
        base64::DecodeError::InvalidPadding => Base64Error::InvalidPadding,
    })
}

/// Why DER bytes did not decode, in words for users (never the parser's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DerError {
    /// Not an X.509 certificate; the reason says how (truncated or malformed).
    #[error("not an X.509 certificate ({0})")]
    NotACertificate(&'static str),
    /// Not a PKCS#10 certificate request.
    #[error("not a PKCS#10 certificate request ({0})")]
    NotARequest(&'static str),
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

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

    #[test]
    fn base64_errors_say_where_never_which_byte() {
        assert_eq!(decode_base64(" aGk=\n"), Ok(b"hi".to_vec()));
        assert_eq!(decode_base64("aG$k"), Err(Base64Error::InvalidCharacter(2)));
        assert_eq!(decode_base64("aG$k").unwrap_err().to_string(), "invalid character at offset 2");
        assert_eq!(decode_base64("aGk"), Err(Base64Error::InvalidPadding));
        assert_eq!(decode_base64("aGkhx"), Err(Base64Error::InvalidLength(5)));
    }

    #[test]
    fn der_errors_say_what_they_mean_not_parser_internals() {
        for (der, want) in [(&[0x30u8, 0x82, 0x01][..], "ends early"), (&[0x02, 0x01, 0x00][..], "malformed")] {
            let cert = CertInfo::from_der(der).err().unwrap().to_string();
            let csr = CsrInfo::from_der(der).err().unwrap().to_string();
            for message in [cert, csr] {
                assert!(message.contains(want), "{message}");
                assert!(
                    !message.contains("Nom") && !message.contains("Eof") && !message.contains("Error"),
                    "{message}"
                );
            }
        }
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
    fn system_identities() {
        assert!(is_system_identity("system:node:n1", &[]));
        assert!(is_system_identity("x", &["system:nodes".to_string()]));
        assert!(is_system_identity("system:kube-scheduler", &[]));
        assert!(!is_system_identity("kubernetes-admin", &["system:masters".to_string()]));
        assert!(!is_system_identity("alice", &[]));
    }
}
