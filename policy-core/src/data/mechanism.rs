//! The authentication mechanisms of the guide.

use serde::{Deserialize, Serialize};

/// An authentication mechanism of the guide; each rule belongs to the section it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mechanism {
    /// The guide's opening: choose few mechanisms, audit every source.
    General,
    /// Unauthenticated requests (`system:anonymous`).
    Anonymous,
    /// X.509 client certificates.
    ClientCertificates,
    /// `--token-auth-file` (and the removed `--basic-auth-file`).
    StaticTokenFile,
    /// `bootstrap.kubernetes.io/token` Secrets.
    BootstrapTokens,
    /// Legacy `kubernetes.io/service-account-token` Secrets.
    ServiceAccountTokens,
    /// Short-lived TokenRequest (projected) tokens.
    TokenRequest,
    /// OpenID Connect / structured JWT authentication.
    Oidc,
    /// Webhook token authentication.
    Webhook,
    /// Authenticating proxy (request-header authentication).
    AuthenticatingProxy,
}

impl Mechanism {
    /// Every mechanism, in the guide's order.
    pub const ALL: [Mechanism; 10] = [
        Self::General,
        Self::Anonymous,
        Self::ClientCertificates,
        Self::StaticTokenFile,
        Self::BootstrapTokens,
        Self::ServiceAccountTokens,
        Self::TokenRequest,
        Self::Oidc,
        Self::Webhook,
        Self::AuthenticatingProxy,
    ];

    /// The guide heading this mechanism is discussed under.
    pub fn guide_section(self) -> &'static str {
        match self {
            Self::General | Self::Anonymous => "Authentication Mechanisms",
            Self::ClientCertificates => "Client Certificate Authentication",
            Self::StaticTokenFile => "Static Token File",
            Self::BootstrapTokens => "Bootstrap Tokens",
            Self::ServiceAccountTokens => "Service Account Secret Tokens",
            Self::TokenRequest => "TokenRequest API",
            Self::Oidc => "OIDC",
            Self::Webhook => "Webhook Authentication",
            Self::AuthenticatingProxy => "Authenticating Proxy",
        }
    }

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::General => "General",
            Self::Anonymous => "Anonymous access",
            Self::ClientCertificates => "Client certificates",
            Self::StaticTokenFile => "Static token file",
            Self::BootstrapTokens => "Bootstrap tokens",
            Self::ServiceAccountTokens => "Service-account secret tokens",
            Self::TokenRequest => "TokenRequest tokens",
            Self::Oidc => "OIDC / JWT",
            Self::Webhook => "Webhook authentication",
            Self::AuthenticatingProxy => "Authenticating proxy",
        }
    }

    /// The kebab-case id used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Anonymous => "anonymous",
            Self::ClientCertificates => "client-certificates",
            Self::StaticTokenFile => "static-token-file",
            Self::BootstrapTokens => "bootstrap-tokens",
            Self::ServiceAccountTokens => "service-account-tokens",
            Self::TokenRequest => "token-request",
            Self::Oidc => "oidc",
            Self::Webhook => "webhook",
            Self::AuthenticatingProxy => "authenticating-proxy",
        }
    }
}
