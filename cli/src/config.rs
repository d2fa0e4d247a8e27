//! The config file: `.authn-audit.yaml` (or `.yml`, `.json`) in the working directory or the
//! repository root, or `--config FILE`. It speaks the one settings language of policy-core
//! (camelCase, YAML or JSON: `select`, `severityOverrides`, `suppressions`, `namespaces`…) plus
//! the CLI's own keys (`failOn`, `minSeverity`); a key of the admission policy's settings is an
//! error that says where it belongs.

use policy_core::Settings;
use policy_core::settings::{ADMISSION_ONLY_KEYS, where_key_applies};
use std::path::{Path, PathBuf};

/// The names looked for, in this order.
pub const FILE_NAMES: [&str; 3] = [".authn-audit.yaml", ".authn-audit.yml", ".authn-audit.json"];

/// Keys only the CLI reads.
const CLI_KEYS: [&str; 2] = ["failOn", "minSeverity"];

/// What a config file says.
#[derive(Debug, Default)]
pub struct Config {
    /// The shared settings.
    pub settings: Settings,
    /// `failOn`, when set: a severity name or `never`.
    pub fail_on: Option<String>,
    /// `minSeverity`, when set.
    pub min_severity: Option<String>,
    /// Whether the file chose an input cap (`limits.maxTotalBytes`), whatever its value: the CLI
    /// raises the library's default cap only when nobody chose one.
    pub chose_input_cap: bool,
}

/// Why a config file was refused, in one line; [`parse`] adds the line of the key it is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Neither YAML nor JSON.
    #[error(transparent)]
    Syntax(#[from] policy_core::input::ParseError),
    /// A document that is no mapping.
    #[error("the settings must be a mapping of keys (e.g. `select: [SA]`)")]
    NotAMapping,
    /// A key of the admission policy's settings.
    #[error("`{key}` {applies}; audits do not read it")]
    AdmissionOnly {
        /// The key.
        key: String,
        /// Where it applies, in words.
        applies: &'static str,
    },
    /// `failOn` or `minSeverity` that is not a string.
    #[error("`{0}` must be a severity name (e.g. `{0}: high`)")]
    NotASeverityName(&'static str),
    /// The shared settings refused (serde's complaint, without the value it quoted).
    #[error("{0}")]
    Settings(String),
}

impl Error {
    /// The key the error is about: named by the variant, else the first one its message quotes
    /// (serde's ``unknown field `x` ``).
    fn key(&self) -> Option<String> {
        match self {
            Self::AdmissionOnly { key, .. } => Some(key.clone()),
            Self::NotASeverityName(key) => Some((*key).to_string()),
            other => other.to_string().split('`').nth(1).map(str::to_string),
        }
    }
}

/// The config file to use: the one given, else the first of [`FILE_NAMES`] in `cwd`, else in
/// the repository root above it (the nearest directory holding `.git`).
pub fn discover(cwd: &Path) -> Option<PathBuf> {
    let in_dir = |dir: &Path| FILE_NAMES.iter().map(|name| dir.join(name)).find(|p| p.is_file());
    in_dir(cwd).or_else(|| cwd.ancestors().find(|dir| dir.join(".git").exists()).and_then(in_dir))
}

/// Parse a config (or settings) file's text, YAML or JSON. The error is one line, with the line
/// of the key it is about when that can be told; the caller prefixes the file name.
pub fn parse(text: &str) -> Result<Config, (Option<usize>, String)> {
    parse_unlocated(text).map_err(|why| (line_of(text, &why.key().unwrap_or_default()), why.to_string()))
}

/// The 1-based line where `key` is first written as a mapping key (`key:`, `"key":`).
fn line_of(text: &str, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    text.lines()
        .position(|line| {
            let t = line.trim_start().trim_start_matches("- ").trim_start_matches(['"', '\'', '{', ' ']);
            t.strip_prefix(key).is_some_and(|rest| rest.trim_start_matches(['"', '\'']).trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

fn parse_unlocated(text: &str) -> Result<Config, Error> {
    let value: serde_json::Value = policy_core::input::parse_yaml_value(text)?.into();
    let mut map = match value {
        serde_json::Value::Object(map) => map,
        serde_json::Value::Null => return Ok(Config::default()),
        _ => return Err(Error::NotAMapping),
    };
    if let Some(key) = map.keys().find(|k| ADMISSION_ONLY_KEYS.contains(&k.as_str())) {
        return Err(Error::AdmissionOnly { key: key.clone(), applies: where_key_applies(key) });
    }
    let mut text_key = |key: &'static str| -> Result<Option<String>, Error> {
        match map.remove(key) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::NotASeverityName(key)),
        }
    };
    let fail_on = text_key(CLI_KEYS[0])?;
    let min_severity = text_key(CLI_KEYS[1])?;
    let chose_input_cap = map.get("limits").and_then(|limits| limits.get("maxTotalBytes")).is_some();
    let settings = serde_json::from_value::<Settings>(serde_json::Value::Object(map))
        .map_err(|e| {
            let text = e.to_string();
            // serde says `unknown field `x`, expected one of …`: the list is long, name the key.
            // A wrong value is not repeated (it could be anything the user pasted), only what was expected.
            match text.split_once(", expected") {
                Some((head, _)) if head.starts_with("unknown field") => format!("{head} (see docs/ci.md for the keys)"),
                Some(_) if text.starts_with("invalid") => {
                    let expected = text.rsplit_once(", expected ").map_or("", |(_, e)| e);
                    format!("wrong type or value, expected {expected}")
                }
                _ => policy_core::util::redact::string(text),
            }
        })
        .map_err(Error::Settings)?;
    Ok(Config { settings, fail_on, min_severity, chose_input_cap })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_say_the_same() {
        let yaml =
            "select: [SA]\nfailOn: medium\nsuppressions:\n  - rule: SA001\n    namespace: ci\n    reason: rotated\n";
        let json = r#"{"select":["SA"],"failOn":"medium","suppressions":[{"rule":"SA001","namespace":"ci","reason":"rotated"}]}"#;
        let (a, b) = (parse(yaml).unwrap(), parse(json).unwrap());
        assert_eq!(a.settings, b.settings);
        assert_eq!(a.fail_on.as_deref(), Some("medium"));
        assert_eq!(a.settings.suppressions.len(), 1);
    }

    #[test]
    fn a_cap_chosen_in_the_file_is_known_even_when_it_equals_the_library_default() {
        let default = policy_core::Limits::default().max_total_bytes;
        let chosen = parse(&format!("limits:\n  maxTotalBytes: {default}\n")).unwrap();
        assert!(chosen.chose_input_cap);
        assert_eq!(chosen.settings.limits.max_total_bytes, default);
        assert!(!parse("limits:\n  maxDepth: 64\n").unwrap().chose_input_cap);
        assert!(!parse("").unwrap().chose_input_cap);
    }

    #[test]
    fn an_admission_key_says_where_it_applies() {
        let (line, err) = parse("select: [SA]\nrejectAt: high\n").unwrap_err();
        assert!(err.contains("`rejectAt`") && err.contains("admission policy"), "{err}");
        assert_eq!(line, Some(2));
        let (line, err) = parse("{\n  \"selcet\": [\"SA\"]\n}").unwrap_err();
        assert!(err.contains("unknown field `selcet`"), "{err}");
        assert_eq!(line, Some(2));
        assert!(matches!(parse_unlocated("- a\n"), Err(Error::NotAMapping)));
        assert!(matches!(parse_unlocated("select: [SA]\nfailOn: 3\n"), Err(Error::NotASeverityName("failOn"))));
        let (line, err) = parse("select: [SA]\nfailOn: 3\n").unwrap_err();
        assert_eq!((line, err.as_str()), (Some(2), "`failOn` must be a severity name (e.g. `failOn: high`)"));
        assert!(parse("").unwrap().settings.select.is_empty());
    }
}
