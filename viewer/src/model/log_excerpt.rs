//! The source line of a finding whose evidence is an audit log event (issue 12). The worker
//! streams logs and keeps none of them, so the line is read again from the file when a finding
//! is opened: [`LinePicker`] counts lines through the (maybe gzip-compressed) bytes and keeps only
//! the one asked for; [`event_excerpt`] shows that event without its request and response bodies
//! (they can hold Secrets) and with every remaining value redacted like any other excerpt.

use crate::model::excerpt::{ExcerptLine, REDACTED, redact_inline};
use policy_core::report::Finding;
use policy_core::util::redact;
use serde_json::Value;
use std::io::Write;

/// Longest line kept: an event with large bodies is cut, and then said to be unreadable rather
/// than shown in part.
const MAX_LINE_BYTES: usize = 4 << 20;
/// Characters of the shown event: the fields a finding cites fit well within it.
const SHOWN_CHARS: usize = 2_000;
/// Compressed bytes handed to the decoder at once (what it writes out stays bounded).
const GZIP_STEP: usize = 4 << 10;

/// Finds line `wanted` (1-based) of a log pushed in chunks, keeping no other line.
pub struct LinePicker {
    wanted: u32,
    /// Lines ended so far.
    line: u32,
    kept: Vec<u8>,
    overlong: bool,
    done: bool,
    started: bool,
    head: Vec<u8>,
    gzip: Option<flate2::write::MultiGzDecoder<Vec<u8>>>,
}

impl LinePicker {
    /// Look for line `wanted`.
    pub fn new(wanted: u32) -> Self {
        Self {
            wanted,
            line: 0,
            kept: Vec::new(),
            overlong: false,
            done: wanted == 0,
            started: false,
            head: Vec::new(),
            gzip: None,
        }
    }

    /// Whether the line has been read whole (the rest of the file is not needed).
    pub fn found(&self) -> bool {
        self.done
    }

    /// The next bytes of the file, as stored (gzip is told by its first two bytes).
    pub fn push(&mut self, chunk: &[u8]) {
        if self.done {
            return;
        }
        if !self.started {
            self.head.extend_from_slice(chunk);
            if self.head.len() < 2 {
                return;
            }
            self.started = true;
            let head = std::mem::take(&mut self.head);
            if head.starts_with(&[0x1f, 0x8b]) {
                self.gzip = Some(flate2::write::MultiGzDecoder::new(Vec::new()));
            }
            return self.decoded(&head);
        }
        self.decoded(chunk);
    }

    fn decoded(&mut self, bytes: &[u8]) {
        let Some(mut decoder) = self.gzip.take() else { return self.text(bytes) };
        for step in bytes.chunks(GZIP_STEP) {
            let result = decoder.write_all(step);
            let out = std::mem::take(decoder.get_mut());
            self.text(&out);
            if result.is_err() || self.done {
                // Corrupt data: the line is not there to be had.
                self.done = self.done || result.is_err();
                return;
            }
        }
        self.gzip = Some(decoder);
    }

    fn text(&mut self, mut bytes: &[u8]) {
        while !self.done && !bytes.is_empty() {
            let in_wanted = self.line + 1 == self.wanted;
            match bytes.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    if in_wanted {
                        self.keep(bytes.get(..end).unwrap_or_default());
                        self.done = true;
                    }
                    self.line += 1;
                    bytes = bytes.get(end + 1..).unwrap_or_default();
                }
                None => {
                    if in_wanted {
                        self.keep(bytes);
                    }
                    return;
                }
            }
        }
    }

    fn keep(&mut self, part: &[u8]) {
        if self.kept.len() + part.len() > MAX_LINE_BYTES {
            self.overlong = true;
        } else if !self.overlong {
            self.kept.extend_from_slice(part);
        }
    }

    /// The end of the file: the excerpt of the line, or nothing when the file has fewer lines.
    pub fn finish(mut self) -> Vec<ExcerptLine> {
        if self.wanted == 0 {
            return Vec::new();
        }
        if !self.started && !self.head.is_empty() {
            let head = std::mem::take(&mut self.head);
            self.text(&head);
        }
        if let Some(mut decoder) = self.gzip.take() {
            let _ = decoder.try_finish();
            let out = std::mem::take(decoder.get_mut());
            self.text(&out);
        }
        // The last line may end without a newline.
        let last_line = !self.done && self.line + 1 == self.wanted && !self.kept.is_empty();
        if !self.done && !last_line {
            return Vec::new();
        }
        let text = if self.overlong {
            "(this event is too long to show here)".to_string()
        } else {
            event_excerpt(&String::from_utf8_lossy(&self.kept))
        };
        vec![ExcerptLine { number: self.wanted, text, highlight: true }]
    }
}

/// The audit-log events a finding's evidence cites (`first request`, `last request`: a value
/// `path:line at time`), other than the finding's own line, in the order cited.
pub fn cited_events(f: &Finding) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for e in f.evidence.iter().filter(|e| e.path.ends_with(" request") && !e.redacted) {
        let place = e.value.rsplit_once(" at ").map_or(e.value.as_str(), |(place, _)| place);
        let Some((path, line)) = place.rsplit_once(':') else { continue };
        let Ok(line) = line.parse::<u32>() else { continue };
        let own = *f.source.path == *path && f.source.line == line;
        if !own && !out.iter().any(|(p, l)| p == path && *l == line) {
            out.push((path.to_string(), line));
        }
    }
    out
}

/// The excerpt of `wanted` from a log held in memory (the built-in sample's).
pub fn log_line(bytes: &[u8], wanted: u32) -> Vec<ExcerptLine> {
    let mut picker = LinePicker::new(wanted);
    picker.push(bytes);
    picker.finish()
}

/// The fields of an event in the order the API server writes them; others follow by name.
const ORDER: &[&str] = &[
    "kind",
    "apiVersion",
    "level",
    "auditID",
    "stage",
    "requestURI",
    "verb",
    "user",
    "impersonatedUser",
    "sourceIPs",
    "userAgent",
    "objectRef",
    "responseStatus",
    "requestReceivedTimestamp",
    "stageTimestamp",
    "annotations",
];

/// Fields never shown: what was sent and answered (Secrets, tokens, whole objects).
const BODIES: &[&str] = &["requestObject", "responseObject"];

/// One audit event as shown: compact JSON in the API server's field order, the bodies replaced
/// by a note, every value redacted. A line that is no JSON object is not shown at all (it could
/// be anything, a body included).
pub fn event_excerpt(line: &str) -> String {
    let Ok(Value::Object(event)) = serde_json::from_str::<Value>(line.trim()) else {
        return "(this line is not an audit event that can be shown)".to_string();
    };
    let mut keys: Vec<&String> = event.keys().collect();
    let rank = |k: &str| ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len());
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    let mut parts = Vec::new();
    for key in keys {
        let Some(value) = event.get(key.as_str()) else { continue };
        let shown = if BODIES.contains(&key.as_str()) {
            Value::String("(not shown: may hold secrets)".into())
        } else {
            redacted(key, value.clone(), key == "annotations")
        };
        parts.push(format!("{}:{}", Value::String(key.clone()), shown));
    }
    let text = format!("{{{}}}", parts.join(","));
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

/// `value` with secrets redacted: under a secret-named key the whole value, elsewhere what
/// sits inside strings (URL passwords, `token=` assignments, bearer tokens, JWTs). Keys of
/// annotations and of `user.extra` name what they hold, never a secret, so only their values
/// are looked at.
fn redacted(path: &str, value: Value, names_only: bool) -> Value {
    match value {
        Value::String(s) => {
            let (shown, _) = if names_only { (redact::string(s), false) } else { redact::field_value(path, s) };
            Value::String(redact_inline(&shown))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| redacted(path, v, names_only)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let child = format!("{path}.{k}");
                    let names = names_only || k == "extra" || k == "annotations";
                    let v = if !names_only && redact::is_secret_name(&k) && !v.is_boolean() && !v.is_object() {
                        Value::String(REDACTED.into())
                    } else {
                        redacted(&child, v, names)
                    };
                    (k, v)
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/ci/secrets/deployer-token?token=abc123secret","verb":"get","user":{"username":"system:serviceaccount:ci:deployer","extra":{"authentication.kubernetes.io/credential-id":["JTI=2b7e"]}},"sourceIPs":["203.0.113.9"],"responseObject":{"kind":"Secret","data":{"token":"c3VwZXItc2VjcmV0LXRva2VuLXZhbHVl"}},"requestObject":{"password":"hunter2"},"annotations":{"authentication.k8s.io/legacy-token":"system:serviceaccount:ci:deployer"},"responseStatus":{"code":200},"headers":{"Authorization":"Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"}}"#;

    #[test]
    fn an_event_shows_without_its_bodies_and_with_secrets_redacted() {
        let shown = event_excerpt(EVENT);
        for secret in ["hunter2", "c3VwZXItc2VjcmV0LXRva2VuLXZhbHVl", "abc123secret", "eyJhbGciOiJSUzI1NiJ9"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.starts_with(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse""#),
            "{shown}"
        );
        assert!(shown.contains(r#""responseObject":"(not shown: may hold secrets)""#), "{shown}");
        // What the finding cites stays readable: who, from where, the annotation's service account.
        assert!(shown.contains("system:serviceaccount:ci:deployer") && shown.contains("203.0.113.9"), "{shown}");
        assert!(
            shown.contains(r#""authentication.k8s.io/legacy-token":"system:serviceaccount:ci:deployer""#),
            "{shown}"
        );
        assert!(shown.contains("JTI=2b7e"), "{shown}");
        // Not JSON: nothing of it is shown.
        let junk = event_excerpt(r#"password=hunter2 {"kind":"Event""#);
        assert!(!junk.contains("hunter2") && junk.starts_with('('), "{junk}");
        assert!(event_excerpt(&format!(r#"{{"kind":"Event","requestURI":"/{}"}}"#, "x".repeat(5_000))).ends_with('…'));
    }

    #[test]
    fn the_events_a_finding_cites_are_its_first_and_last_request() {
        use policy_core::Severity;
        use policy_core::report::{Evidence, Mechanism};
        let mut f = crate::model::fixtures::finding(
            "UL002",
            Severity::High,
            Mechanism::ServiceAccountTokens,
            "Secret",
            Some("ci"),
            "t",
            9,
        );
        f.evidence = vec![
            Evidence::plain("first request", "logs/audit.log:12 at 2025-11-27T08:00:00Z"),
            Evidence::plain("last request", "logs/audit.log:40 at 2025-11-27T09:00:00Z"),
            Evidence::plain("sourceIPs", "203.0.113.9"),
            Evidence::plain("last request", "logs/audit.log:40 at 2025-11-27T09:00:00Z"),
        ];
        assert_eq!(cited_events(&f), vec![("logs/audit.log".to_string(), 12), ("logs/audit.log".to_string(), 40)]);
        // The finding's own line is its main excerpt already.
        f.source.path = "logs/audit.log".into();
        f.source.line = 12;
        assert_eq!(cited_events(&f), vec![("logs/audit.log".to_string(), 40)]);
    }

    #[test]
    fn the_picker_keeps_only_the_line_asked_for_in_plain_and_gzip_logs_split_anywhere() {
        let log: String =
            (1..=50).map(|i| format!(r#"{{"kind":"Event","auditID":"id-{i}","verb":"get"}}"#) + "\n").collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(log.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        for bytes in [log.as_bytes(), gz.as_slice()] {
            for chunk in [1, 7, 4096] {
                let mut picker = LinePicker::new(37);
                for part in bytes.chunks(chunk) {
                    picker.push(part);
                }
                let lines = picker.finish();
                assert_eq!(lines.len(), 1);
                assert_eq!(lines[0].number, 37);
                assert!(lines[0].highlight);
                assert!(lines[0].text.contains(r#""auditID":"id-37""#), "{}", lines[0].text);
            }
        }
        // The last line without a newline, a line past the end, line 0.
        assert!(log_line(b"{\"kind\":\"Event\"}\n{\"kind\":\"Event\",\"verb\":\"list\"}", 2)[0].text.contains("list"));
        assert!(log_line(log.as_bytes(), 51).is_empty());
        assert!(log_line(log.as_bytes(), 0).is_empty());
        let mut picker = LinePicker::new(2);
        picker.push(b"{}\n{}\n{}");
        assert!(picker.found(), "the rest of the file is not read");
    }
}
