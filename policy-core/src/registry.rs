//! The catalogue: every rule, sorted by code (test-enforced), and the retired codes.

use crate::rule::Rule;
use crate::rules::*;
use crate::settings::{Settings, matches};

/// Every rule, sorted by code.
pub static ALL: &[&dyn Rule] = &[
    &an::AnonymousAuthEnabled,
    &an::AnonymousRoleBinding,
    &an::WeakKubeletAuthentication,
    &an::AuthenticatedRoleBinding,
    &ap::RequestHeaderAnyClient,
    &ap::SharedRequestHeaderCa,
    &ap::InsecureProxyConnection,
    &ap::RequestHeaderIdentityHeaders,
    &ap::InsecureApiService,
    &bt::NonExpiringBootstrapToken,
    &bt::ExpiredBootstrapToken,
    &bt::PrivilegedBootstrapToken,
    &bt::WeakBootstrapToken,
    &bt::OverprivilegedBootstrappers,
    &bt::BootstrapAuthWithoutTokens,
    &cc::SystemMastersCertificate,
    &cc::LongLivedUserCertificate,
    &cc::LongLivedClientCsr,
    &cc::ReservedIdentityCsr,
    &cc::StoredClientPrivateKey,
    &cc::IssuedUserCertificate,
    &cc::LongClusterSigningDuration,
    &cc::ClientCsrApproval,
    &ek::AwsAuthSystemMasters,
    &im::ImpersonationGrant,
    &kc::InsecureKubeconfigCluster,
    &kc::StaticKubeconfigCredential,
    &mx::AuthenticationMechanisms,
    &mx::TooManyUserMechanisms,
    &mx::InternalUserCredentials,
    &mx::CredentialInventory,
    &oi::InsecureOidcIssuerUrl,
    &oi::UnprefixedOidcGroups,
    &oi::UnprefixedOidcUsername,
    &oi::UnisolatedAuthenticator,
    &oi::UnvalidatedJwtAudience,
    &oi::LongLivedIdToken,
    &sa::LegacyTokenSecret,
    &sa::PrivilegedLegacyToken,
    &sa::LegacyTokenReadable,
    &sa::UnmountedLegacyToken,
    &sa::StaleLegacyToken,
    &sa::ServiceAccountLookupDisabled,
    &sa::DefaultServiceAccountBinding,
    &st::TokenAuthFile,
    &st::BasicAuthFile,
    &st::WeakStaticToken,
    &tr::LongLivedProjectedToken,
    &tr::LongLivedTokenRequests,
    &tr::ServiceAccountTokenCreation,
    &tr::AutomountedServiceAccountToken,
    &ul::UsedSystemMastersCertificate,
    &ul::LegacyTokenUsedOutsidePods,
    &ul::AnonymousRequestsAnswered,
    &ul::BootstrapTokenMisused,
    &ul::CertificatesUsedByPeople,
    &ul::StaticTokenUsersSeen,
    &ul::UnusedCredential,
    &ul::ImpersonationByUsers,
    &ul::InvalidatedLegacyTokenTried,
    &wh::WebhookTokenAuthentication,
    &wh::UnisolatedWebhookAuthenticator,
    &wh::LongWebhookCacheTtl,
];

/// Codes that were released and then withdrawn: `(code, why, replacement)`. Never reuse them.
pub static RETIRED: &[(&str, &str, Option<&str>)] = &[];

/// A rule by code (case-insensitive).
pub fn find(code: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().code.eq_ignore_ascii_case(code))
}

/// Codes in the settings' selectors and overrides that match no rule: a typo the user should hear
/// about.
pub fn unknown_selectors(settings: &Settings) -> Vec<String> {
    settings
        .selectors()
        .filter(|s| !ALL.iter().any(|r| matches(s, r.meta().code)) && !crate::data::compliance::is_known(s))
        .cloned()
        .collect()
}
