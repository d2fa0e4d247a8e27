//! MX004's data: every credential the dump reveals, so access can be reviewed from every source.
//! Secret material never appears: tokens and keys are identified by a short fingerprint.

use crate::report::{ObjectRef, Source};
use serde::{Deserialize, Serialize};

/// What kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// An X.509 client certificate (kubeconfig, Secret, issued CSR).
    ClientCertificate,
    /// A CertificateSigningRequest (pending, approved or denied).
    CertificateSigningRequest,
    /// A `kubernetes.io/service-account-token` Secret.
    ServiceAccountToken,
    /// A `bootstrap.kubernetes.io/token` Secret.
    BootstrapToken,
    /// A user entry of a kubeconfig (token, basic auth, exec or auth-provider).
    KubeconfigUser,
    /// A row of a static token file.
    StaticToken,
}

/// One credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// What kind.
    pub kind: CredentialKind,
    /// The identity it authenticates as (CN, `system:serviceaccount:ns:name`, bootstrap user).
    pub identity: String,
    /// Groups it carries (certificate O, bootstrap `auth-extra-groups`, token file column).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Issuer (certificates) or signer (CSRs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Not-before / creation time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Expiry (RFC 3339); `None`: never expires, or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Last use, where the dump shows it (legacy token labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Status in a word: `valid`, `expired`, `pending`, `approved`, `denied`, `invalid`.
    pub status: String,
    /// SHA-256 fingerprint: of the certificate (full hex) or of the secret (short).
    pub fingerprint: String,
    /// The object holding it.
    pub object: ObjectRef,
    /// Where.
    pub source: Source,
    /// Field path inside the object.
    pub path: String,
}

/// Collect every credential the dump reveals (MX004).
pub fn collect(_inv: &crate::inventory::Inventory<'_>, _now: time::OffsetDateTime) -> Vec<Credential> {
    Vec::new() // PENDING: filled in with the certificate engine (issue 3).
}
