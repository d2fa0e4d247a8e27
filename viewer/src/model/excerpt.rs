//! Source excerpts around a finding's line, with secret values redacted: by policy-core's
//! redactor (secret-named keys and flags, URL userinfo), plus what only a whole source line
//! shows (the values of a Secret's `data`, bearer tokens, JWTs, long base64 runs, the token
//! column of a static token file).

use policy_core::input::locate::Locator;
use policy_core::util::redact;

/// One line of a source excerpt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExcerptLine {
    /// 1-based line number.
    pub number: u32,
    /// The text, with secret values replaced.
    pub text: String,
    /// The finding's own line.
    pub highlight: bool,
}

/// What stands in for a secret value in an excerpt: the same word as in every other output.
pub const REDACTED: &str = redact::REDACTED;

/// Lines `line - radius ..= line + radius` of a file, kept inside the object that starts at
/// `object_line` (0: unknown), with secret values redacted: the values under `data`/`stringData`
/// of any object that is not a ConfigMap, keys that name secrets (token, password, key data…),
/// `--token=`-style flags, bearer tokens, JWTs and long base64 runs, and the token column of CSV
/// files (static token files).
///
/// `line` is the finding's own line (the field or flag its evidence names), highlighted; the
/// object's extent comes from policy-core's locator, so the excerpt shows no line of the object
/// before or after it (the previous document of a stream, the next item of a list).
pub fn excerpt(path: &str, text: &str, line: u32, object_line: u32, radius: u32) -> Vec<ExcerptLine> {
    let (object_first, object_last) = object_extent(text, line, object_line);
    let first = line.saturating_sub(radius).max(1).max(object_first);
    let last = line.saturating_add(radius).min(object_last);
    // Enough lines around the window to see which block a line is in and which kind holds it.
    let context_first = first.saturating_sub(CONTEXT).max(1);
    let skip = usize::try_from(context_first - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(last.saturating_add(CONTEXT) - context_first + 1).unwrap_or(usize::MAX);
    let window: Vec<&str> = text.lines().skip(skip).take(take).collect();
    let csv = path.to_ascii_lowercase().ends_with(".csv");
    let secret = if csv { vec![false; window.len()] } else { secret_value_lines(&window) };
    let mut out = Vec::new();
    for (i, raw) in window.iter().enumerate() {
        let number = context_first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        if number < first || number > last {
            continue;
        }
        let text = if csv {
            redact_csv(raw)
        } else if secret.get(i).copied().unwrap_or(false) {
            redact_value(raw)
        } else {
            redact_line(raw)
        };
        out.push(ExcerptLine { number, text: shorten(text, EXCERPT_LINE_CHARS), highlight: number == line });
    }
    out
}

/// The first and last line of the object starting at `object_line` when it holds `line`, else
/// no bound.
fn object_extent(text: &str, line: u32, object_line: u32) -> (u32, u32) {
    if object_line == 0 || object_line > line {
        return (1, u32::MAX);
    }
    match Locator::new(text).object_lines(object_line) {
        Some((first, last)) if (first..=last).contains(&line) => (first, last),
        _ => (1, u32::MAX),
    }
}

/// Characters of one excerpt line shown: a hostile file's megabyte-long line stays readable.
const EXCERPT_LINE_CHARS: usize = 400;

fn shorten(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

/// Lines of context read around an excerpt to find the enclosing block and kind.
const CONTEXT: u32 = 400;

fn redact_csv(line: &str) -> String {
    match line.split_once(',') {
        Some((_, rest)) if !line.trim_start().starts_with('#') => format!("{REDACTED},{rest}"),
        _ => line.to_string(),
    }
}

/// Column where a line's content starts (after indentation and a list dash), or `None` when blank
/// or a comment.
fn content_column(raw: &str) -> Option<usize> {
    let body = raw.trim_start();
    if body.is_empty() || body.starts_with('#') {
        return None;
    }
    let indent = raw.len() - body.len();
    let after_dash = body.strip_prefix("- ").map(str::trim_start);
    Some(after_dash.map_or(indent, |rest| raw.len() - rest.len()))
}

fn indent_of(raw: &str) -> usize {
    raw.len() - raw.trim_start().len()
}

/// The key of a `key: value` line (quotes and list dash removed) and its value.
fn key_value(raw: &str) -> Option<(String, &str)> {
    let body = raw.trim_start();
    let item = body.strip_prefix("- ").map_or(body, str::trim_start);
    let (key, value) = split_key_value(item)?;
    Some((key.trim().trim_matches(|c| c == '"' || c == '\'').to_string(), value))
}

/// Which lines hold values of a secret block (`data`/`stringData` of anything but a ConfigMap).
fn secret_value_lines(lines: &[&str]) -> Vec<bool> {
    let mut secret = vec![false; lines.len()];
    for (i, raw) in lines.iter().enumerate() {
        let Some((key, value)) = key_value(raw) else { continue };
        let opens_block = matches!(value.trim(), "" | "{");
        if !(opens_block && matches!(key.as_str(), "data" | "stringData")) {
            continue;
        }
        let Some(column) = content_column(raw) else { continue };
        if enclosing_kind(lines, i, column).as_deref() == Some("ConfigMap") {
            continue;
        }
        for (j, line) in lines.iter().enumerate().skip(i + 1) {
            let body = line.trim();
            let closes = body.starts_with('}') && indent_of(line) <= column;
            if closes || line.starts_with("---") || content_column(line).is_some_and(|c| c <= column) {
                break;
            }
            if let Some(flag) = secret.get_mut(j) {
                *flag = true;
            }
        }
    }
    secret
}

/// The `kind` of the object a key at `column` on line `at` belongs to: the sibling `kind:` key,
/// looked for before and after until the object ends.
fn enclosing_kind(lines: &[&str], at: usize, column: usize) -> Option<String> {
    let is_kind = |raw: &str| {
        key_value(raw)
            .filter(|(k, _)| k == "kind")
            .map(|(_, v)| v.trim().trim_matches(|c| c == '"' || c == ',').to_string())
    };
    // Backwards: siblings until a line that starts the object (a list dash) or sits left of it.
    for raw in lines.iter().take(at).rev() {
        let Some(c) = content_column(raw) else { continue };
        if c == column
            && let Some(kind) = is_kind(raw)
        {
            return Some(kind);
        }
        if c < column || raw.starts_with("---") || (c == column && raw.trim_start().starts_with("- ")) {
            break;
        }
    }
    for raw in lines.iter().skip(at + 1) {
        let Some(c) = content_column(raw) else { continue };
        if c < column || raw.starts_with("---") || (c == column && raw.trim_start().starts_with("- ")) {
            break;
        }
        if c == column
            && let Some(kind) = is_kind(raw)
        {
            return Some(kind);
        }
    }
    None
}

/// A line inside a secret block: keep the key, hide the value (or the whole line if it has no key).
fn redact_value(raw: &str) -> String {
    let indent = raw.get(..indent_of(raw)).unwrap_or("");
    let body = raw.trim_start();
    if body.is_empty() || body.starts_with('}') || body.starts_with('#') {
        return raw.to_string();
    }
    match split_key_value(body) {
        Some((key, value)) if !value.trim().is_empty() => format!("{indent}{key}: {REDACTED}"),
        Some(_) => raw.to_string(),
        None => format!("{indent}{REDACTED}"),
    }
}

/// Any other line: hide the value of secret-named keys, then secrets inside values (policy-core's
/// redactor first, for assignments and URL userinfo).
fn redact_line(raw: &str) -> String {
    if let Some((key, value)) = key_value(raw)
        && is_secret_key(&key)
        && !is_harmless(value)
    {
        let body = raw.trim_start();
        let item = body.strip_prefix("- ").map_or(body, str::trim_start);
        let prefix = raw.get(..raw.len() - item.len()).unwrap_or("");
        let key_text = split_key_value(item).map_or("", |(k, _)| k);
        return format!("{prefix}{key_text}: {REDACTED}");
    }
    redact_inline(&redact::text(raw))
}

/// Whether a key or flag names a secret: policy-core's one judgement (the same that redacts
/// messages and evidence), so an excerpt never shows what a finding would hide.
fn is_secret_key(key: &str) -> bool {
    redact::is_secret_name(key)
}

/// Values that name a file, open a block or are booleans: not secrets.
fn is_harmless(value: &str) -> bool {
    let v = value.trim().trim_end_matches(',').trim_matches(|c| c == '"' || c == '\'');
    v.is_empty()
        || v.starts_with('/')
        || v.starts_with('{')
        || v.starts_with('[')
        || v == "|"
        || v == ">"
        || v.eq_ignore_ascii_case("true")
        || v.eq_ignore_ascii_case("false")
        || v.eq_ignore_ascii_case("null")
}

/// Split `key: value` (the colon followed by a space or the end), ignoring colons inside a
/// quoted key.
fn split_key_value(item: &str) -> Option<(&str, &str)> {
    let mut in_quote: Option<char> = None;
    for (i, c) in item.char_indices() {
        match (c, in_quote) {
            ('"' | '\'', None) if i == 0 => in_quote = Some(c),
            (q, Some(open)) if q == open => in_quote = None,
            (':', None) => {
                let rest = item.get(i + 1..)?;
                if rest.is_empty() || rest.starts_with(' ') {
                    return Some((item.get(..i)?, rest));
                }
            }
            (' ', None) => return None,
            _ => {}
        }
    }
    None
}

/// Redact secrets that sit inside a value: `--token=…`, `--password …`, `Bearer …`, JWTs and
/// long base64 runs.
pub fn redact_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        let start = rest.find(|c: char| is_word_char(c)).unwrap_or(rest.len());
        out.push_str(rest.get(..start).unwrap_or(""));
        rest = rest.get(start..).unwrap_or("");
        let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        let word = rest.get(..end).unwrap_or("");
        out.push_str(&redact_word(word, &out));
        rest = rest.get(end..).unwrap_or("");
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+/=-_.:".contains(c)
}

fn redact_word(word: &str, before: &str) -> String {
    // `--token=abc`: keep the flag, hide the value.
    if let Some((flag, value)) = word.split_once('=')
        && flag.starts_with("--")
        && is_secret_key(flag.trim_start_matches('-'))
        && !is_harmless(value)
        && !value.is_empty()
    {
        return format!("{flag}={REDACTED}");
    }
    let previous = before.trim_end().rsplit(|c: char| c.is_whitespace() || c == '"').next().unwrap_or("");
    if previous.eq_ignore_ascii_case("bearer")
        || (previous.starts_with("--") && is_secret_key(previous.trim_start_matches('-')))
    {
        return REDACTED.to_string();
    }
    let looks_jwt = word.starts_with("eyJ") && word.matches('.').count() >= 2;
    let base64ish = word.len() >= 32
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c))
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_uppercase())
        && word.chars().any(|c| c.is_ascii_lowercase());
    if looks_jwt || base64ish { REDACTED.to_string() } else { word.to_string() }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    #[test]
    fn excerpt_lines_are_cut_to_a_readable_length() {
        let long = format!("spec:\n  big: {}é\n", "lorem ipsum ".repeat(1000));
        let lines = excerpt("cm.yaml", &long, 2, 0, 1);
        let text = &lines.iter().find(|l| l.number == 2).unwrap().text;
        assert_eq!(text.chars().count(), EXCERPT_LINE_CHARS + 1);
        assert!(text.starts_with("  big: lorem ipsum") && text.ends_with('…'), "{text}");
        assert_eq!(lines[0].text, "spec:");
    }

    #[test]
    fn excerpt_redacts_secret_data_but_not_configmaps() {
        let text = "\
apiVersion: v1
items:
- apiVersion: v1
  data:
    ca.crt: aGVsbG8=
    token: c2hvcnQ=
  kind: Secret
  metadata:
    name: old-token
- apiVersion: v1
  data:
    config: plain-setting
  kind: ConfigMap
  metadata:
    name: settings
";
        let lines = excerpt("dump.yaml", text, 6, 0, 100);
        assert_eq!(lines.len(), 15);
        let joined: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined[4], "    ca.crt: REDACTED");
        assert_eq!(joined[5], "    token: REDACTED");
        assert!(lines[5].highlight && !lines[4].highlight);
        assert_eq!(joined[11], "    config: plain-setting");
        assert_eq!(joined[8], "    name: old-token");
        assert!(!joined.iter().any(|l| l.contains("c2hvcnQ")));
    }

    #[test]
    fn excerpt_window_and_inline_secrets() {
        let text = "\
spec:
  containers:
  - command:
    - kube-apiserver
    - --token-auth-file=/etc/kubernetes/tokens.csv
    - --oidc-client-secret=hunter2
    - --kubelet-client-key=/pki/k.key
    env:
    - name: X
      value: Bearer abc.def
    password: hunter2
    clientKeyData: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwYWJjZGVm
    automountServiceAccountToken: true
";
        let lines = excerpt("pod.yaml", text, 5, 0, 1);
        assert_eq!(lines.iter().map(|l| l.number).collect::<Vec<_>>(), vec![4, 5, 6]);
        assert_eq!(lines[1].text, "    - --token-auth-file=/etc/kubernetes/tokens.csv");
        assert_eq!(lines[2].text, "    - --oidc-client-secret=REDACTED");
        let all = excerpt("pod.yaml", text, 1, 0, 100);
        let t: Vec<&str> = all.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(t[6], "    - --kubelet-client-key=/pki/k.key");
        assert_eq!(t[9], "      value: Bearer REDACTED");
        assert_eq!(t[10], "    password: REDACTED");
        assert_eq!(t[11], "    clientKeyData: REDACTED");
        assert_eq!(t[12], "    automountServiceAccountToken: true");
        assert!(excerpt("x.yaml", text, 99, 0, 2).is_empty());
    }

    #[test]
    fn excerpt_redacts_json_secrets_and_csv_tokens() {
        let json = r#"{
    "apiVersion": "v1",
    "data": {
        "token": "c2hvcnQ="
    },
    "kind": "Secret"
}"#;
        let t: Vec<String> = excerpt("d.json", json, 4, 0, 10).into_iter().map(|l| l.text).collect();
        assert_eq!(t[3], r#"        "token": REDACTED"#);
        assert_eq!(t[5], r#"    "kind": "Secret""#);
        let csv = "s3cr3t,alice,1001,\"system:masters\"\n# comment,x\n";
        let t: Vec<String> = excerpt("tokens.csv", csv, 1, 0, 1).into_iter().map(|l| l.text).collect();
        assert_eq!(t, vec!["REDACTED,alice,1001,\"system:masters\"".to_string(), "# comment,x".to_string()]);
        let jwt = "  id-token-hint eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert_eq!(redact_inline(jwt), "  id-token-hint REDACTED");
    }

    /// The excerpt hides exactly what policy-core's redactor calls a secret: a second list
    /// in the viewer would drift from it (it did: `passphrase`, `cookie`, `authorization`).
    #[test]
    fn excerpts_redact_by_policy_cores_one_judgement() {
        let value = "s3cr3t-value-xyz";
        let names = [
            "password",
            "DB_PASSWORD",
            "clientSecret",
            "apiKey",
            "passphrase",
            "cookie",
            "authorization",
            "id-token",
            "token",
            "secretName",
            "token-auth-file",
            "tokenExpirationSeconds",
            "name",
            "replicas",
        ];
        for name in names {
            let yaml = format!("kind: ConfigMap\ndata:\n  {name}: {value}\n");
            let shown = &excerpt("cm.yaml", &yaml, 3, 0, 0)[0].text;
            assert_eq!(!shown.contains(value), redact::is_secret_name(name), "`{name}` shown as `{shown}`");
        }
        let pod = [
            "apiVersion: v1",
            "kind: Secret",
            "data:",
            "  token: ZTJlLXZlcnktc2VjcmV0LXRva2Vu",
            "---",
            "kind: Pod",
            "spec:",
            "  containers:",
            "  - command:",
            "    - --token=abc123def456",
            "    - --oidc-client-secret=hunter2-hunter2",
            "    - --token-auth-file=/etc/kubernetes/tokens.csv",
            "    env:",
            "    - name: UPSTREAM",
            "      value: https://admin:p4ssw0rd@git.example/repo.git",
        ]
        .join("\n");
        let t: Vec<String> = excerpt("dump.yaml", &pod, 8, 0, 20).into_iter().map(|l| l.text).collect();
        let all = t.join("\n");
        for secret in ["ZTJlLXZlcnktc2VjcmV0LXRva2Vu", "abc123def456", "hunter2-hunter2", "admin", "p4ssw0rd"] {
            assert!(!all.contains(secret), "`{secret}` in\n{all}");
        }
        assert!(all.contains("--token-auth-file=/etc/kubernetes/tokens.csv"), "a file name stays: {all}");
        assert!(all.contains("git.example/repo.git"), "the rest of the URL stays: {all}");
    }

    /// The issue's case: the excerpt of a flag centres on the flag's line and shows nothing of
    /// the document before the Pod, nor of the one after.
    #[test]
    fn excerpt_centres_on_the_field_and_stays_inside_the_object() {
        let text = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: before
---
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
spec:
  containers:
  - command:
    - kube-apiserver
    - --token-auth-file=/etc/kubernetes/tokens.csv
    - --anonymous-auth=false
---
apiVersion: v1
kind: Secret
";
        let lines = excerpt("dump.yaml", text, 14, 6, 6);
        let numbers: Vec<u32> = lines.iter().map(|l| l.number).collect();
        assert_eq!(numbers, (8..=15).collect::<Vec<_>>());
        let lit: Vec<&ExcerptLine> = lines.iter().filter(|l| l.highlight).collect();
        assert_eq!(lit.len(), 1);
        assert_eq!(lit[0].text, "    - --token-auth-file=/etc/kubernetes/tokens.csv");
        // The object's line not known (an older report): the plain window.
        assert_eq!(excerpt("dump.yaml", text, 14, 0, 6).first().map(|l| l.number), Some(8));
        assert_eq!(excerpt("dump.yaml", text, 14, 0, 6).last().map(|l| l.number), Some(18));
        // A list item: the excerpt ends with the item.
        let list = "items:\n- kind: Secret\n  metadata: {name: a}\n  data:\n    token: eA==\n- kind: Secret\n  metadata: {name: b}\n";
        let lines = excerpt("dump.yaml", list, 5, 2, 6);
        assert_eq!(lines.iter().map(|l| l.number).collect::<Vec<_>>(), vec![2, 3, 4, 5]);
        assert_eq!(lines[3].text, "    token: REDACTED");
    }
}
