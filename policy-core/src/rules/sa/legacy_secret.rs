//! Reading legacy `kubernetes.io/service-account-token` Secrets, shared by the SA rules.

use crate::input::Object;
use crate::inventory::Inventory;
use crate::settings::Settings;

/// The Secret type of legacy (non-expiring) service-account tokens.
pub(crate) const LEGACY_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";

/// The annotation naming the service account a legacy token belongs to.
pub(crate) const SERVICE_ACCOUNT_ANNOTATION: &str = "kubernetes.io/service-account.name";

/// Every legacy token Secret of the dump.
pub(crate) fn legacy_token_secrets<'a>(inv: &Inventory<'a>) -> impl Iterator<Item = &'a Object> {
    inv.of_kind("Secret").filter(|s| s.str_at(&["type"]) == Some(LEGACY_TOKEN_TYPE))
}

/// Whether `settings.allowed_legacy_tokens` lists this Secret (`namespace/name`; a Secret
/// without a namespace is taken as in `default`).
pub(crate) fn allowed(settings: &Settings, secret: &Object) -> bool {
    let key = format!("{}/{}", secret.namespace().unwrap_or("default"), secret.name());
    settings.allowed_legacy_tokens.iter().any(|a| a.trim() == key)
}

/// `for service account `x`` or an empty string when the annotation is missing.
pub(crate) fn owner_phrase(secret: &Object) -> String {
    secret.annotation(SERVICE_ACCOUNT_ANNOTATION).map_or_else(String::new, |sa| format!(" for service account `{sa}`"))
}
