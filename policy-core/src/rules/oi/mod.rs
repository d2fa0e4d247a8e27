//! OI: OpenID Connect / structured JWT authentication.

mod insecure_oidc_issuer_url;
pub(crate) use insecure_oidc_issuer_url::InsecureOidcIssuerUrl;
mod long_lived_id_token;
pub(crate) use long_lived_id_token::LongLivedIdToken;
mod unprefixed_oidc_groups;
pub(crate) use unprefixed_oidc_groups::UnprefixedOidcGroups;
mod unprefixed_oidc_username;
pub(crate) use unprefixed_oidc_username::UnprefixedOidcUsername;
mod unisolated_authenticator;
pub(crate) use unisolated_authenticator::{UnisolatedAuthenticator, report_unisolated};
mod unvalidated_jwt_audience;
pub(crate) use unvalidated_jwt_audience::UnvalidatedJwtAudience;
