//! SA: legacy service-account secret tokens.

mod default_service_account_binding;
mod legacy_secret;
mod legacy_token_readable;
mod legacy_token_secret;
mod privileged_legacy_token;
mod service_account_lookup_disabled;
mod stale_legacy_token;
mod unmounted_legacy_token;
pub(crate) use default_service_account_binding::DefaultServiceAccountBinding;
pub(crate) use legacy_token_readable::LegacyTokenReadable;
pub(crate) use legacy_token_secret::LegacyTokenSecret;
pub(crate) use privileged_legacy_token::PrivilegedLegacyToken;
pub(crate) use service_account_lookup_disabled::ServiceAccountLookupDisabled;
pub(crate) use stale_legacy_token::StaleLegacyToken;
pub(crate) use unmounted_legacy_token::UnmountedLegacyToken;
