//! The evaluation instant ("as of"): expiry verdicts are made at one instant, shown on screen and
//! settable, as the CLI's `--now`. The dump's own newest timestamp is the natural suggestion: a
//! dump taken last week is judged as of last week, not as of the reader's clock.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Keys whose values are instants the API server wrote when the dump was made (or before).
const STAMPS: [&str; 3] = ["creationTimestamp", "lastTransitionTime", "lastUpdateTime"];

/// The newest RFC 3339 instant under one of [`STAMPS`] in a YAML or JSON text, if any. A linear
/// scan of the bytes, no parse: one pass, as every key holds `Time` (three passes, one per key,
/// took a tenth of a second of a 100k-object dump in the worker).
pub fn newest_timestamp(text: &[u8]) -> Option<OffsetDateTime> {
    let mut newest: Option<OffsetDateTime> = None;
    let mut at = 0;
    while let Some(found) = find(text.get(at..)?, b"Time") {
        let time = at + found;
        at = time + 1;
        let Some(after) = STAMPS.iter().find_map(|key| key_around(text, time, key.as_bytes())) else { continue };
        // `key: value`, `key: "value"`, `"key": "value"`.
        let rest = text.get(after..)?;
        let skip = rest.iter().take_while(|b| matches!(b, b'"' | b'\'' | b':' | b' ' | b'\t')).count();
        let Some(value) = rest
            .get(skip..)
            .map(|v| v.iter().take_while(|b| is_stamp_byte(**b)).count())
            .and_then(|n| rest.get(skip..skip + n))
        else {
            continue;
        };
        if let Some(instant) = std::str::from_utf8(value).ok().and_then(|v| OffsetDateTime::parse(v, &Rfc3339).ok())
            && newest.is_none_or(|n| instant > n)
        {
            newest = Some(instant);
        }
    }
    newest
}

/// Where `key` ends, if the text holds it with its `Time` at `time`.
fn key_around(text: &[u8], time: usize, key: &[u8]) -> Option<usize> {
    let start = time.checked_sub(find(key, b"Time")?)?;
    (text.get(start..start + key.len())? == key).then_some(start + key.len())
}

fn is_stamp_byte(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'-' | b':' | b'T' | b'Z' | b'.' | b'+' | b't' | b'z')
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An instant as RFC 3339, to the second, in UTC: `2025-11-28T09:00:00Z`.
pub fn rfc3339(instant: OffsetDateTime) -> String {
    let utc = instant.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(instant);
    utc.format(&Rfc3339).unwrap_or_default()
}

/// An instant for people: `2025-11-28 09:00 UTC`.
pub fn display(text: &str) -> String {
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!("{}-{:02}-{:02} {:02}:{:02} UTC", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
        }
        Err(_) => text.to_string(),
    }
}

/// What the user typed into the "as of" field, as an RFC 3339 instant: a full RFC 3339 value, or
/// the `datetime-local` form `2025-11-28T09:00` (read as UTC), or a bare date (its midnight, UTC).
pub fn parse_input(text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(rfc3339(t));
    }
    let candidates = [format!("{text}:00Z"), format!("{text}Z"), format!("{text}T00:00:00Z")];
    candidates.iter().find_map(|c| OffsetDateTime::parse(c, &Rfc3339).ok()).map(rfc3339)
}

/// The `datetime-local` value for an RFC 3339 instant (UTC, to the minute).
pub fn input_value(text: &str) -> String {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!("{}-{:02}-{:02}T{:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_newest_stamp_wins_in_yaml_and_json() {
        let yaml = b"metadata:\n  creationTimestamp: \"2025-11-20T08:00:00Z\"\n---\nmetadata:\n  creationTimestamp: 2025-11-28T09:30:00Z\nstatus:\n  conditions:\n  - lastTransitionTime: \"2025-11-27T00:00:00Z\"\n";
        assert_eq!(rfc3339(newest_timestamp(yaml).unwrap()), "2025-11-28T09:30:00Z");
        let json = br#"{"metadata":{"creationTimestamp":"2024-01-02T03:04:05Z"}}"#;
        assert_eq!(rfc3339(newest_timestamp(json).unwrap()), "2024-01-02T03:04:05Z");
        assert_eq!(newest_timestamp(b"kind: Pod\nmetadata:\n  creationTimestamp: null\n"), None);
        assert_eq!(newest_timestamp(b""), None);
        // A key at the very end, with nothing after it, is no instant and no panic.
        assert_eq!(newest_timestamp(b"creationTimestamp"), None);
        assert_eq!(newest_timestamp(b"Time: 2025-11-28T09:30:00Z\nastUpdateTime: 2025-11-28T09:30:00Z"), None);
        let every = b"a:\n  lastUpdateTime: 2025-01-01T00:00:00Z\n  lastTransitionTime: 2025-02-01T00:00:00Z\n";
        assert_eq!(rfc3339(newest_timestamp(every).unwrap()), "2025-02-01T00:00:00Z");
    }

    #[test]
    fn typed_instants_are_read_as_utc() {
        assert_eq!(parse_input("2025-11-28T09:00").as_deref(), Some("2025-11-28T09:00:00Z"));
        assert_eq!(parse_input("2025-11-28").as_deref(), Some("2025-11-28T00:00:00Z"));
        assert_eq!(parse_input("2025-11-28T10:00:00+01:00").as_deref(), Some("2025-11-28T09:00:00Z"));
        assert_eq!(parse_input("yesterday"), None);
        assert_eq!(input_value("2025-11-28T09:05:59Z"), "2025-11-28T09:05");
        assert_eq!(display("2025-11-28T09:05:59Z"), "2025-11-28 09:05 UTC");
    }
}
