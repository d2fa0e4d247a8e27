//! OI: OpenID Connect / structured JWT authentication.

mod insecure_oidc_issuer_url;
pub(crate) use insecure_oidc_issuer_url::InsecureOidcIssuerUrl;
mod unprefixed_oidc_groups;
pub(crate) use unprefixed_oidc_groups::UnprefixedOidcGroups;
mod unprefixed_oidc_username;
pub(crate) use unprefixed_oidc_username::UnprefixedOidcUsername;
mod unvalidated_jwt_audience;
pub(crate) use unvalidated_jwt_audience::UnvalidatedJwtAudience;
