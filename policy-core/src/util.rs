//! Small helpers shared by the loader, the inventory and the rules.

pub mod fingerprint;
pub mod redact;
pub mod token_strength;

use crate::value::Value;
use sha2::{Digest, Sha256};

/// The full SHA-256 of some bytes, lowercase hex (certificate fingerprints: not secrets).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of some bytes (one allocation: every finding's id is one).
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
}

/// The value at a path of object keys.
pub fn at<'v>(value: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| v.get(*key))
}

/// A message cut into plain text and `code` spans: `(true, "x")` is a span written `` `x` ``.
/// An unmatched backtick stays in the plain text. Messages write user values this way; every
/// renderer, the viewer's included, cuts them here so they show the same spans.
pub fn code_spans(message: &str) -> Vec<(bool, &str)> {
    let mut parts = Vec::new();
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find('`') else { break };
        let before = rest.get(..open).unwrap_or("");
        if !before.is_empty() {
            parts.push((false, before));
        }
        parts.push((true, after.get(..close).unwrap_or("")));
        rest = after.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        parts.push((false, rest));
    }
    parts
}

/// Parse a Go duration (`24h0m0s`, `8760h`, `1h30m`, `90s`, `500ms`) or a bare number of seconds.
/// Returns whole seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(secs);
    }
    let mut total_ms: u128 = 0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let number: f64 = number.parse().ok()?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit()).unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let ms_per_unit: f64 = match unit {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        let ms = number * ms_per_unit;
        if !ms.is_finite() || ms < 0.0 {
            return None;
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "finite, non-negative, bounded by f64"
        )]
        let ms = ms as u128;
        total_ms = total_ms.checked_add(ms)?;
        rest = tail;
    }
    u64::try_from(total_ms / 1000).ok()
}

/// The minor of a Kubernetes 1.x version: `v1.20.2`, `1.20` → 20; anything else → `None`.
pub fn kubernetes_minor(version: &str) -> Option<u32> {
    let mut parts = version.strip_prefix('v').unwrap_or(version).split('.');
    (parts.next()? == "1").then_some(())?;
    parts.next()?.parse().ok()
}

/// Format seconds the way people read them: `90d`, `36h`, `45m`, `30s`.
pub fn human_duration(secs: u64) -> String {
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 86_400 => format!("{}d{}h", s / 86_400, (s % 86_400) / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s if s >= 3_600 => format!("{}h{}m", s / 3_600, (s % 3_600) / 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_split_and_keep_unmatched_backticks() {
        assert_eq!(code_spans("a `b` c"), vec![(false, "a "), (true, "b"), (false, " c")]);
        assert_eq!(code_spans("`x``y`"), vec![(true, "x"), (true, "y")]);
        assert_eq!(code_spans("odd ` tick"), vec![(false, "odd ` tick")]);
        assert_eq!(code_spans(""), Vec::<(bool, &str)>::new());
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_duration("24h0m0s"), Some(86_400));
        assert_eq!(parse_duration("8760h"), Some(31_536_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("1.5h"), Some(5_400));
        assert_eq!(parse_duration("3600"), Some(3_600));
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(86_400 * 365), "365d");
        assert_eq!(human_duration(3_607), "1h0m");
        assert_eq!(human_duration(7_200), "2h");
    }
}
