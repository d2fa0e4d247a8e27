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

/// The rules that run at admission time ([`crate::data::rule_meta::RuleMeta::admits`]), in
/// catalogue order: what `admit` runs. A list of its own so that an admission module (Kubewarden,
/// OPA) links none of the audit-only rules, their docs or the inventory only they read: a third of
/// the module, and the room that lets it be built for speed within its size budget.
pub static ADMIT: &[&dyn Rule] = &[
    &an::AnonymousRoleBinding,
    &an::AuthenticatedRoleBinding,
    &ap::InsecureApiService,
    &bt::NonExpiringBootstrapToken,
    &bt::PrivilegedBootstrapToken,
    &bt::WeakBootstrapToken,
    &cc::SystemMastersCertificate,
    &cc::LongLivedClientCsr,
    &cc::ReservedIdentityCsr,
    &cc::ClientCsrApproval,
    &im::ImpersonationGrant,
    &oi::UnisolatedAuthenticator,
    &sa::LegacyTokenSecret,
    &tr::LongLivedProjectedToken,
    &tr::ServiceAccountTokenCreation,
    &tr::AutomountedServiceAccountToken,
    &wh::UnisolatedWebhookAuthenticator,
];

/// Every rule's code, in catalogue order: what settings are checked against, without linking the
/// rules themselves (see [`ADMIT`]).
pub static CODES: &[&str] = &[
    "AN001", "AN002", "AN003", "AN004", "AP001", "AP002", "AP003", "AP004", "AP005", "BT001", "BT002", "BT003",
    "BT004", "BT005", "BT006", "CC001", "CC002", "CC003", "CC004", "CC005", "CC006", "CC007", "CC008", "EK001",
    "IM001", "KC001", "KC002", "MX001", "MX002", "MX003", "MX004", "OI001", "OI002", "OI003", "OI004", "OI005",
    "OI006", "SA001", "SA002", "SA003", "SA004", "SA005", "SA006", "SA007", "ST001", "ST002", "ST003", "TR001",
    "TR002", "TR003", "TR004", "UL001", "UL002", "UL003", "UL004", "UL005", "UL006", "UL007", "UL008", "UL009",
    "WH001", "WH002", "WH003",
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
        .filter(|s| !CODES.iter().any(|code| matches(s, code)) && !crate::data::compliance::is_known(s))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admit_holds_every_admitting_rule_in_catalogue_order() {
        let admitting: Vec<&str> = ALL.iter().map(|r| r.meta()).filter(|m| m.admits()).map(|m| m.code).collect();
        let admit: Vec<&str> = ADMIT.iter().map(|r| r.meta().code).collect();
        assert_eq!(admit, admitting, "registry::ADMIT must list exactly the rules of scope Admit, in order");
    }

    #[test]
    fn codes_name_every_rule_in_catalogue_order() {
        let codes: Vec<&str> = ALL.iter().map(|r| r.meta().code).collect();
        assert_eq!(CODES, codes.as_slice(), "registry::CODES must list the code of every rule of ALL, in order");
    }

    #[test]
    fn a_selector_naming_an_audit_only_rule_is_known() {
        let audit_only = ALL.iter().map(|r| r.meta()).find(|m| !m.admits()).map(|m| m.code).unwrap_or_default();
        let with = |selector: &str| Settings { select: vec![selector.to_string()], ..Settings::default() };
        assert!(unknown_selectors(&with(audit_only)).is_empty(), "{audit_only}");
        assert_eq!(unknown_selectors(&with("XX999")), ["XX999"]);
    }
}
