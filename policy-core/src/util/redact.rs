//! Secret values inside text shown to users, replaced by [`REDACTED`].
//!
//! Every message, evidence value and diagnostic passes through here when it is built (the
//! [`Finding`](crate::report::Finding) collector, [`Evidence::plain`](crate::data::evidence::Evidence::plain),
//! [`Diagnostic`](crate::data::diagnostic::Diagnostic)), so a rule that echoes an input value cannot leak the
//! secrets it may hold. Two shapes are recognised anywhere in a text:
//!
//! - the userinfo of a URL (`https://user:password@host` → `https://REDACTED@host`): the user
//!   name goes too, since tokens are often passed as one (`https://TOKEN@host`);
//! - the value of an assignment whose name names a secret (`--oidc-client-secret=…`,
//!   `--token …`, `DB_PASSWORD=…`, `password: …`, `"token":"…"`, `?access_token=…`), except
//!   names of files, durations, switches and references (`--token-auth-file`,
//!   `--authentication-token-webhook-cache-ttl`, `secretName`), and boolean values.
//!
//! A value of a field that names a secret (`data.token`, `users[0].user.password`) is redacted
//! as a whole by [`field_value`].

use std::borrow::Cow;

/// What stands in for a redacted value. Plain capitals: no markup in any output format.
pub const REDACTED: &str = "REDACTED";

/// Words that make a name a secret's (in the name's kebab-case form).
const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "credential",
    "apikey",
    "api-key",
    "private-key",
    "privatekey",
    "access-key",
    "client-key-data",
    "certificate-key",
    "authorization",
    "cookie",
];

/// One of these is in every secret word and key file name, without a dash in it: kebab-case
/// only adds dashes and lowercases, so a name that holds none of them (in any case) is no
/// secret's.
const SECRET_PIECES: &[&str] = &["secret", "pass", "token", "credential", "key", "authorization", "cookie"];

fn contains_ignoring_case(text: &str, piece: &str) -> bool {
    text.as_bytes().windows(piece.len()).any(|w| w.eq_ignore_ascii_case(piece.as_bytes()))
}

/// Whole names that hold a private key although no secret word is in them.
const KEY_FILES: &[&str] = &["tls.key", "ssh-privatekey", "key.pem", "client.key", "tls-key"];

/// Endings of secret-sounding names whose values are not secrets: files and directories, times,
/// switches, references to other objects, identifiers and URLs (whose userinfo is redacted anyway).
const NOT_A_VALUE: &[&str] = &[
    "-file",
    "-files",
    "-dir",
    "-path",
    "-ttl",
    "-expiration",
    "-seconds",
    "-duration",
    "-webhook",
    "-lookup",
    "-version",
    "-auth",
    "-hash",
    "-verification",
    "-name",
    "-names",
    "-ref",
    "-id",
    "-namespace",
    "-type",
    "-mode",
    "-claim",
    "-prefix",
    "-url",
    "-uri",
    "-endpoint",
    "-audiences",
    "-header",
    "-headers",
    "-count",
    "-used",
    "-since",
    "-at",
    "-time",
    "-timestamp",
    "-lifespan",
    "-lifetime",
    "-expiry",
    "-timeout",
    "-interval",
    "-period",
    "-age",
    "-length",
    "-size",
    "-limit",
    "-max",
    "-min",
];

/// Beginnings of names of switches about secrets (`automountServiceAccountToken`), whose values
/// are words like `true` or `unset`.
const SWITCHES: &[&str] = &["automount-", "enable-", "disable-", "use-", "allow-", "rotate-", "skip-"];

/// Auth schemes that come before the credential in an `Authorization` value.
const AUTH_SCHEMES: &[&str] = &["bearer", "basic", "token", "digest", "negotiate"];

/// `text` with URL userinfo and the values of secret-named assignments replaced by [`REDACTED`].
///
/// Works on bytes: every delimiter it looks for is ASCII, and UTF-8 never puts an ASCII byte
/// inside a multi-byte character, so every span starts and ends on a character boundary.
pub fn text(text: &str) -> Cow<'_, str> {
    // Both shapes need a `:` or `=`, or a `--flag` before its value (looked for with SIMD byte
    // searches: every finding's message and evidence passes here).
    let bytes = text.as_bytes();
    let flag = || memchr::memchr_iter(b'-', bytes).any(|i| bytes.get(i + 1) == Some(&b'-'));
    if memchr::memchr2(b':', b'=', bytes).is_none() && !flag() {
        return Cow::Borrowed(text);
    }
    let mut spans = userinfo_spans(bytes);
    spans.extend(assignment_spans(text));
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if end <= at {
            continue;
        }
        out.push_str(text.get(at..start.max(at)).unwrap_or_default());
        out.push_str(REDACTED);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Cow::Owned(out)
}

/// [`text`] of an owned string, without a copy when nothing is redacted.
pub fn string(value: String) -> String {
    match text(&value) {
        Cow::Borrowed(_) => value,
        Cow::Owned(redacted) => redacted,
    }
}

/// A field's value as shown, and whether it was redacted: [`REDACTED`] when the field's own
/// name names a secret (a boolean stays), else the value with [`text`] applied.
pub fn field_value(path: &str, value: String) -> (String, bool) {
    // Label and annotation keys name what the object is, not a secret they hold.
    let metadata = path.starts_with("metadata.");
    if !metadata && is_secret_name(leaf(path)) && !is_harmless_value(&value) {
        return (REDACTED.to_string(), true);
    }
    let shown = string(value);
    let redacted = shown.contains(REDACTED);
    (shown, redacted)
}

/// Whether a flag, field or variable name (`--oidc-client-secret`, `clientSecret`, `DB_PASSWORD`,
/// `token`) holds a secret value, as opposed to a file, a duration or a switch about one.
pub fn is_secret_name(name: &str) -> bool {
    // Most names (every `:` of a message is looked at) are plainly no secret's: told without
    // the kebab-case copy.
    if !SECRET_PIECES.iter().any(|piece| contains_ignoring_case(name, piece)) {
        return false;
    }
    let name = kebab(name.trim_matches(|c| c == '-' || c == '"' || c == '\''));
    // Keys of the kubernetes.io/tls and ssh-auth Secret types, wherever they are copied.
    if KEY_FILES.contains(&name.as_str()) {
        return true;
    }
    let name = name.rsplit('.').next().unwrap_or(&name);
    SECRET_WORDS.iter().any(|w| name.contains(w))
        && !NOT_A_VALUE.iter().any(|end| name.ends_with(end))
        && !SWITCHES.iter().any(|start| name.starts_with(start))
}

/// The name a field path ends with: `data.token` → `token`, `data[token]` → `token`,
/// `env[3]` → `env`.
fn leaf(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    match last.split_once('[') {
        Some((name, rest)) => {
            let key = rest.trim_end_matches(']');
            if key.is_empty() || key.chars().all(|c| c.is_ascii_digit()) { name } else { key }
        }
        None => last,
    }
}

/// camelCase, snake_case and dotted names as lowercase kebab-case: `clientSecret` → `client-secret`.
fn kebab(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('-');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c == '_' { '-' } else { c.to_ascii_lowercase() });
    }
    out
}

/// Values no secret has: empty, booleans, Go durations with a unit (`idTokens: 24h`), and
/// what is already redacted.
fn is_harmless_value(value: &str) -> bool {
    let value = value.trim();
    value.is_empty()
        || value.eq_ignore_ascii_case("true")
        || value.eq_ignore_ascii_case("false")
        || value == REDACTED
        || (value.contains(|c: char| c.is_ascii_alphabetic()) && crate::util::parse_duration(value).is_some())
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Where a value shown in text ends.
fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'`' | b'"' | b'\'' | b'&' | b'<' | b'>')
}

/// The userinfo of every URL: from after `://` to the last `@` before the first `/` of the URL.
fn userinfo_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while let Some(rest) = bytes.get(i..) {
        let Some(found) = rest.windows(3).position(|w| w == b"://") else { break };
        let start = i + found + 3;
        let url = bytes.get(start..).unwrap_or_default();
        let end = url.iter().position(|&b| ends_value(b) || b == b'/').unwrap_or(url.len());
        if let Some(at) = url.get(..end).and_then(|authority| authority.iter().rposition(|&b| b == b'@'))
            && at > 0
        {
            spans.push((start, start + at));
        }
        i = start;
    }
    spans
}

/// The values of `name=value`, `name: value`, `"name":"value"` and `--name value` where the
/// name is a secret's.
fn assignment_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut next = 0;
    while let Some(&c) = bytes.get(next) {
        let i = next;
        next += 1;
        if !matches!(c, b'=' | b':' | b' ') {
            continue;
        }
        // The name, possibly closed by a quote: `"token":`.
        let mut name_end = i;
        if name_end > 0 && matches!(bytes.get(name_end - 1), Some(b'"' | b'\'')) {
            name_end -= 1;
        }
        let name_start = bytes
            .get(..name_end)
            .map_or(0, |before| before.iter().rposition(|&b| !is_name_byte(b)).map_or(0, |p| p + 1));
        let Some(name) = text.get(name_start..name_end).filter(|n| !n.is_empty()) else { continue };
        let mut start = i + 1;
        match c {
            // `--name value`: only for dashed flag names, never plain words of a sentence.
            b' ' if !name.starts_with("--") => continue,
            b' ' => {}
            // `name: value` as in YAML or JSON, not `system:masters`, `https://` or an object
            // path before a message (`Secret/ns/sa-token: not valid base64`).
            b':' => {
                let spaced = bytes.get(start) == Some(&b' ');
                let quoted = name_end < i || bytes.get(start) == Some(&b'"');
                let before = name_start.checked_sub(1).and_then(|b| bytes.get(b));
                let starts_a_key = before
                    .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'{' | b',' | b'"' | b'\'' | b'(' | b'`'));
                if !(spaced || quoted) || !starts_a_key {
                    continue;
                }
                while bytes.get(start) == Some(&b' ') {
                    start += 1;
                }
            }
            _ => {}
        }
        if !is_secret_name(name) {
            continue;
        }
        let quote = bytes.get(start).copied().filter(|q| matches!(q, b'"' | b'\''));
        if quote.is_some() {
            start += 1;
        }
        let value_end = |from: usize| {
            let rest = bytes.get(from..).unwrap_or_default();
            from + rest.iter().position(|&b| quote.map_or_else(|| ends_value(b), |q| b == q)).unwrap_or(rest.len())
        };
        let mut end = value_end(start);
        let value = text.get(start..end).unwrap_or_default();
        if c == b' ' && value.starts_with('-') {
            continue;
        }
        // `Authorization: Bearer <token>`: the credential is the next word.
        if quote.is_none()
            && AUTH_SCHEMES.iter().any(|s| value.eq_ignore_ascii_case(s))
            && bytes.get(end) == Some(&b' ')
        {
            end = value_end(end + 1);
        }
        if !is_harmless_value(value) || end > start + value.len() {
            spans.push((start, end));
            // Nothing inside a redacted value is looked at again: linear time on any input.
            next = end;
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_word_holds_a_piece_the_quick_check_looks_for() {
        for word in SECRET_WORDS.iter().chain(KEY_FILES) {
            assert!(SECRET_PIECES.iter().any(|p| word.contains(p)), "{word}");
        }
        // Any spelling of one: camelCase, snake_case, capitals.
        for name in ["clientSecret", "DB_PASSWORD", "--oidc-client-secret", "apiKey", "X-Api-Key", "tls.key"] {
            assert!(is_secret_name(name), "{name}");
        }
        assert!(!is_secret_name("serviceaccount") && !is_secret_name("system"));
    }

    #[test]
    fn url_userinfo_goes_whole() {
        assert_eq!(text("from `https://alice:s3cr3t@idp.example.com/x`"), "from `https://REDACTED@idp.example.com/x`");
        assert_eq!(text("--oidc-issuer-url=http://tok3n@dex"), "--oidc-issuer-url=http://REDACTED@dex");
        assert_eq!(text("server: http://u:p%40ss@[::1]:8080"), "server: http://REDACTED@[::1]:8080");
        // A `?` or `#` in the password does not end the userinfo early.
        assert_eq!(text("http://u:pa?s#s@h/p"), "http://REDACTED@h/p");
        assert_eq!(text("two: a://x:1@h and b://y:2@k"), "two: a://REDACTED@h and b://REDACTED@k");
    }

    #[test]
    fn urls_without_userinfo_are_untouched() {
        for plain in ["https://idp.example.com/@team", "http://127.0.0.1:8001", "mailto:a@b", "https://", "://@h"] {
            assert_eq!(text(plain), plain);
        }
    }

    #[test]
    fn secret_assignments_lose_their_values() {
        assert_eq!(text("`--oidc-client-secret=hunter2`"), "`--oidc-client-secret=REDACTED`");
        assert_eq!(text("kubectl --token abc.def --server x"), "kubectl --token REDACTED --server x");
        assert_eq!(text("DB_PASSWORD=pa55 MODE=prod"), "DB_PASSWORD=REDACTED MODE=prod");
        assert_eq!(text("password: hunter2"), "password: REDACTED");
        assert_eq!(text(r#"{"token":"eyJabc", "user":"x"}"#), r#"{"token":"REDACTED", "user":"x"}"#);
        assert_eq!(text("https://h/cb?access_token=abc&x=1"), "https://h/cb?access_token=REDACTED&x=1");
        assert_eq!(text("Authorization: Bearer abc123"), "Authorization: REDACTED");
        assert_eq!(text("clientSecret='a b'"), "clientSecret='REDACTED'");
        assert_eq!(text("é token=ünï-cødé ü"), "é token=REDACTED ü");
        assert_eq!(text("https://ü:pä@hôst/ü"), "https://REDACTED@hôst/ü");
    }

    #[test]
    fn files_switches_durations_and_prose_stay() {
        for plain in [
            "--token-auth-file=/etc/kubernetes/tokens.csv",
            "--enable-bootstrap-token-auth=true",
            "--authentication-token-webhook-cache-ttl=2m",
            "--service-account-max-token-expiration=48h",
            "--service-account-lookup=false",
            "--token-auth-file /etc/tokens.csv",
            "--token --server x",
            "secretName: creds",
            "system:serviceaccount:ns:token-reader",
            "legacy token: `kube-system/default-token-abc`",
            "the token of user `admin` is guessable: contains a common word",
            "secret `kube-system/x` is readable",
            "password=REDACTED",
            "`data.token` of Secret/default/sa-token: not valid base64",
            "label kubernetes.io/legacy-token-last-used=2024-06-14",
            "idTokens: 24h",
            "keycloak realm `accessTokenLifespan: 300`",
        ] {
            assert_eq!(text(plain), plain);
        }
    }

    #[test]
    fn secret_names() {
        for secret in [
            "--oidc-client-secret",
            "clientSecret",
            "DB_PASSWORD",
            "token",
            "token-secret",
            "apiKey",
            "tls.key",
            "ssh-privatekey",
            "privateKey",
        ] {
            assert!(is_secret_name(secret), "{secret}");
        }
        for not in ["--token-auth-file", "tokenFile", "secretName", "token-id", "mode", "tls-cipher-suites"] {
            assert!(!is_secret_name(not), "{not}");
        }
    }

    #[test]
    fn fields_named_like_secrets_are_withheld() {
        assert_eq!(field_value("users[0].user.password", "hunter2".into()), ("REDACTED".into(), true));
        assert_eq!(field_value("data[token]", "x".into()), ("REDACTED".into(), true));
        assert_eq!(field_value("spec.automountServiceAccountToken", "true".into()), ("true".into(), false));
        assert_eq!(field_value("spec.containers[0].command[3]", "--token=x".into()), ("--token=REDACTED".into(), true));
        assert_eq!(field_value("spec.containers[0].env[2].value", "v".into()), ("v".into(), false));
        assert_eq!(field_value("data[config.yaml].expiry.idTokens", "24h".into()), ("24h".into(), false));
        let label = "metadata.labels[kubernetes.io/legacy-token-last-used]";
        assert_eq!(field_value(label, "2024-06-14".into()), ("2024-06-14".into(), false));
    }

    #[test]
    fn redaction_is_idempotent() {
        let once = text("--token=a https://u:p@h password: x").into_owned();
        assert_eq!(text(&once), once);
    }
}
