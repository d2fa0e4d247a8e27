//! What the audit log says of one credential of the dump: plain data, filled in by the join of
//! the log with the credential inventory ([`crate::inventory::usage`]) and carried by each
//! [`crate::inventory::credentials::Credential`].

use super::{Action, Seen};
use serde::{Deserialize, Serialize};

/// How a credential was recognised in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// `authentication.kubernetes.io/credential-id`.
    CredentialId,
    /// The legacy token Secret's name in the audit annotations.
    SecretName,
    /// The service account of a legacy token (the Secret not named by the log).
    ServiceAccount,
    /// The bootstrap token's id in its user name.
    TokenId,
    /// User name (and, for certificates, groups) only: weaker.
    Username,
}

/// What the log says of one credential of the dump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialUsage {
    /// Whether it made any request in the log's window.
    pub seen: bool,
    /// How it was recognised (`None` when not seen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<MatchedBy>,
    /// The match rests on the user name alone (older API servers record no credential-id).
    #[serde(default)]
    pub weaker: bool,
    /// First request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_used: Option<Seen>,
    /// Last request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<Seen>,
    /// Requests made.
    pub requests: u64,
    /// Where from.
    #[serde(default)]
    pub source_ips: Vec<String>,
    /// With which clients.
    #[serde(default)]
    pub user_agents: Vec<String>,
    /// The most sensitive thing it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub most_sensitive: Option<Action>,
}
