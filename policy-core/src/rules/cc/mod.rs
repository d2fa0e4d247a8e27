//! CC: client certificates and certificate signing requests.

mod client_csr_approval;
mod issued_user_certificate;
mod long_cluster_signing_duration;
mod long_lived_client_csr;
mod long_lived_user_certificate;
mod reserved_identity_csr;
mod stored_client_private_key;
mod system_masters_certificate;
pub(crate) use client_csr_approval::ClientCsrApproval;
pub(crate) use issued_user_certificate::IssuedUserCertificate;
pub(crate) use long_cluster_signing_duration::LongClusterSigningDuration;
pub(crate) use long_lived_client_csr::LongLivedClientCsr;
pub(crate) use long_lived_user_certificate::LongLivedUserCertificate;
pub(crate) use reserved_identity_csr::ReservedIdentityCsr;
pub(crate) use stored_client_private_key::StoredClientPrivateKey;
pub(crate) use system_masters_certificate::SystemMastersCertificate;

/// `2026-01-01` from an instant, for messages.
pub(crate) fn day(at: time::OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", at.year(), u8::from(at.month()), at.day())
}

/// `` `a`, `b` `` for messages.
pub(crate) fn ticked(items: &[String]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}
