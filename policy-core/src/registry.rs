//! The catalogue: every rule, sorted by code (test-enforced), and the retired codes.

use crate::rule::Rule;
use crate::rules::*;

/// Every rule, sorted by code.
pub static ALL: &[&dyn Rule] = &[
    &an::AnonymousRoleBinding,
    &ap::InsecureProxyConnection,
    &bt::NonExpiringBootstrapToken,
    &bt::ExpiredBootstrapToken,
    &bt::PrivilegedBootstrapToken,
    &bt::WeakBootstrapToken,
    &bt::OverprivilegedBootstrappers,
    &oi::UnisolatedAuthenticator,
    &oi::LongLivedIdToken,
    &sa::LegacyTokenSecret,
    &sa::PrivilegedLegacyToken,
    &sa::LegacyTokenReadable,
    &sa::UnmountedLegacyToken,
    &sa::StaleLegacyToken,
    &st::TokenAuthFile,
    &st::BasicAuthFile,
    &st::WeakStaticToken,
    &tr::LongLivedProjectedToken,
    &tr::ServiceAccountTokenCreation,
    &tr::AutomountedServiceAccountToken,
    &wh::UnisolatedWebhookAuthenticator,
];

/// Codes that were released and then withdrawn: `(code, why, replacement)`. Never reuse them.
pub static RETIRED: &[(&str, &str, Option<&str>)] = &[];

/// A rule by code (case-insensitive).
pub fn find(code: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().code.eq_ignore_ascii_case(code))
}
