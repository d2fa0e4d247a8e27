//! One piece of evidence behind a verdict.

use serde::{Deserialize, Serialize};

/// One piece of evidence: a field path and its value, redacted when it is a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Field path in the object, e.g. `spec.containers[0].command[3]` or `data.token`.
    pub path: String,
    /// The value as shown to users: plain (URL userinfo and secret flag values `REDACTED`), or
    /// a fingerprint (`fp1:<12 hex>`, see [`crate::util::fingerprint`]) for secrets.
    pub value: String,
    /// True when `value` stands in for a secret (a fingerprint, or holds `REDACTED`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

impl Evidence {
    /// A value read from the input, shown as it is except for the secrets it may hold: the
    /// whole value when the field names a secret, else URL userinfo and secret flag values
    /// ([`crate::util::redact`]).
    pub fn plain(path: impl Into<String>, value: impl Into<String>) -> Self {
        let path = path.into();
        let (value, redacted) = crate::util::redact::field_value(&path, value.into());
        Self { path, value, redacted }
    }

    /// A secret value: only its fingerprint is kept, and none at all for a guessable secret.
    pub fn secret(path: impl Into<String>, secret: &[u8]) -> Self {
        Self { path: path.into(), value: crate::util::fingerprint::of_secret(secret), redacted: true }
    }

    /// Redact a value that was set without [`Evidence::plain`].
    pub(crate) fn redact(self) -> Self {
        if self.redacted { self } else { Self::plain(self.path, self.value) }
    }
}
