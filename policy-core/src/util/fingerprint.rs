//! The fingerprint that stands in for a secret (token, password, private key) in every output.
//!
//! It has to tell the same credential apart across reports, and must never help anyone guess
//! the secret back (see "Secret fingerprints" in docs/decisions.md for the threat model):
//!
//! - a secret judged guessable ([`is_guessable`]: short, low-entropy, runs, common words, or a
//!   small character pool) gets **no value-derived fingerprint**: [`WITHHELD`] stands in for it,
//!   and the finding's object and field path identify it;
//! - any other secret gets [`PREFIX`] + the first 48 bits of SHA-256 over a domain-separation
//!   label and the secret, so the value matches no plain SHA-256 of the secret (no lookup in
//!   tables or other tools' logs), and, the secret having far more than 48 bits of entropy,
//!   about 2^32 or more candidate secrets share each fingerprint: it cannot pin the secret even
//!   to an attacker with unlimited compute. It is deterministic: the same secret has the same
//!   fingerprint in every report, from every build of this scheme.
//!
//! Certificates are not secrets: they keep their full plain SHA-256 ([`crate::util::sha256_hex`]).

use crate::util::token_strength::TokenStrength;
use sha2::{Digest, Sha256};

/// Marks this construction (version 1) in the report: not a plain `sha256:` digest.
pub const PREFIX: &str = "fp1:";

/// What a guessable secret shows instead of a fingerprint.
pub const WITHHELD: &str = "withheld (weak secret)";

/// Hashed before the secret, so that the digest is of this scheme only.
const DOMAIN: &[u8] = b"authn-audit credential fingerprint v1\0";

/// A secret shorter than this is guessable whatever its characters.
pub const MIN_LENGTH: usize = 16;

/// Estimated bits (length × log2 of the character pool) below which a secret is guessable: a
/// 48-bit fingerprint pins any secret drawn from a space not much larger than 2^48.
const MIN_POOL_BITS: f64 = 64.0;

/// The fingerprint shown for a secret: [`PREFIX`] + 12 hex digits, or [`WITHHELD`] when the
/// secret is guessable.
pub fn of_secret(secret: &[u8]) -> String {
    if is_guessable(secret) { WITHHELD.to_string() } else { digest(secret) }
}

/// The construction itself, with no strength check: [`PREFIX`] + the first 6 bytes of
/// `SHA-256(DOMAIN || secret)` in hex. Public for tests that attack it; outputs use [`of_secret`].
pub fn digest(secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN);
    hasher.update(secret);
    let hex = crate::util::hex(hasher.finalize().get(..6).unwrap_or_default());
    format!("{PREFIX}{hex}")
}

/// Whether a secret could be found by guessing, by the same judge as the weak-token rules: text
/// with any weakness at [`MIN_LENGTH`], or whose character pool gives fewer than 64 bits. Bytes
/// that are not text (DER keys) are judged by length only: no person typed them.
pub fn is_guessable(secret: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(secret) else { return secret.len() < MIN_LENGTH };
    let strength = TokenStrength::of(text.trim());
    #[expect(clippy::cast_precision_loss, reason = "small integers")]
    let pool_bits = strength.length as f64 * (strength.pool.max(1) as f64).log2();
    !strength.weaknesses(MIN_LENGTH).is_empty() || pool_bits < MIN_POOL_BITS
}

/// Whether a shown fingerprint identifies a credential (it is not [`WITHHELD`] or empty), so two
/// equal ones are the same secret.
pub fn identifies(fingerprint: &str) -> bool {
    fingerprint.starts_with(PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &[u8] = b"6tw6wnqgp5z0wb77.Qm3Xr7pL2vK9sT4w";

    #[test]
    fn strong_secrets_have_a_short_stable_domain_separated_fingerprint() {
        let fp = of_secret(STRONG);
        assert_eq!(fp, of_secret(STRONG));
        assert_eq!(fp.len(), PREFIX.len() + 12);
        assert!(identifies(&fp));
        assert_ne!(of_secret(STRONG), of_secret(b"6tw6wnqgp5z0wb77.Qm3Xr7pL2vK9sT4x"));
        // Not the plain SHA-256 of the secret, in full or in part.
        let plain = crate::util::sha256_hex(STRONG);
        assert!(!plain.contains(fp.trim_start_matches(PREFIX)));
    }

    #[test]
    fn guessable_secrets_have_none() {
        for weak in [&b"changeme123"[..], b"admin123", b"abcdef.0123456789abcdef", b"8273645519283746", b"short\xff"] {
            assert_eq!(of_secret(weak), WITHHELD, "{weak:?}");
        }
        assert!(!identifies(WITHHELD));
        // A DER private key is bytes, not text.
        assert!(!is_guessable(&[
            0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc3, 0x5a, 0xff, 0x10
        ]));
    }
}
