//! A located problem with the input, and the closed list of problems there are.

use crate::data::source::Source;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Part of the input could not be read.
    Error,
    /// Read, but something looks off (e.g. not a Kubernetes object).
    Warning,
}

/// Declares [`DiagnosticCode`]: each variant with its stable kebab-case name and its level, side
/// by side, so a new code cannot be added without saying how serious it is.
macro_rules! diagnostic_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal, $level:ident;)+) => {
        /// Every problem a diagnostic can report. The name is what reports show and tools match on:
        /// it never changes once released. The level belongs to the code, not to the call site.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum DiagnosticCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl DiagnosticCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable kebab-case name, e.g. `yaml-syntax`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// Whether the input (or part of it) could not be read, or was read with a doubt.
            pub const fn level(self) -> Level {
                match self {
                    $(Self::$variant => Level::$level,)+
                }
            }
        }
    };
}

diagnostic_codes! {
    // Reading bytes.
    /// The input could not be read (I/O error, a pipe nobody wrote to).
    ReadError = "read-error", Error;
    /// No writer opened a named pipe in time.
    ReadTimeout = "read-timeout", Error;
    /// The input is larger than the size limit.
    TooLarge = "too-large", Error;
    /// Invalid UTF-8 or UTF-16; the bad bytes were replaced and the rest was read.
    NotUtf8 = "not-utf8", Error;
    // Parsing documents.
    /// Invalid YAML.
    YamlSyntax = "yaml-syntax", Error;
    /// Invalid JSON.
    JsonSyntax = "json-syntax", Error;
    /// A malformed line of a static token file.
    CsvSyntax = "csv-syntax", Error;
    /// Nesting deeper than the limit.
    TooDeep = "too-deep", Error;
    /// YAML aliases that would expand past the limit.
    AliasLimit = "alias-limit", Error;
    /// The input's values would take more memory than its budget.
    MemoryLimit = "memory-limit", Error;
    /// More documents than the limit; the rest is skipped.
    TooManyDocuments = "too-many-documents", Error;
    /// A list dump that ends early (kubectl writes `kind: List` last).
    Truncated = "truncated", Error;
    /// Nothing to check was read from the input.
    NoObjects = "no-objects", Error;
    /// More diagnostics than are kept for one input.
    MoreDiagnostics = "more-diagnostics", Warning;
    /// A YAML mapping repeats a key (the last value wins, as in Kubernetes).
    DuplicateKey = "duplicate-key", Warning;
    // Reading objects.
    /// A document or item without `apiVersion`/`kind`, skipped.
    NotAKubernetesObject = "not-a-kubernetes-object", Warning;
    /// An object without `apiVersion`, read anyway.
    MissingApiVersion = "missing-api-version", Warning;
    /// A field of an object has the wrong type.
    InvalidField = "invalid-field", Warning;
    /// An AdmissionReview without a `request.object` mapping.
    InvalidAdmissionReview = "invalid-admission-review", Warning;
    /// A `KubeletInfo` whose `data.configFile.content` is not base64 text.
    EmbeddedInvalid = "embedded-invalid", Warning;
    /// A static token file line with an empty token.
    EmptyToken = "empty-token", Warning;
    /// A token that appears twice in a static token file.
    DuplicateToken = "duplicate-token", Warning;
    /// A value that is an unrendered template (`{{ … }}`): the manifest was never rendered.
    UnrenderedTemplate = "unrendered-template", Warning;
    // Values inside objects.
    /// A value that should be base64 is not.
    Base64Invalid = "base64-invalid", Error;
    /// A value that should be PEM is not well-formed.
    PemInvalid = "pem-invalid", Error;
    /// A CertificateSigningRequest whose request cannot be read.
    CsrInvalid = "csr-invalid", Error;
    /// A kubeconfig whose clusters or users cannot be read.
    KubeconfigInvalid = "kubeconfig-invalid", Error;
    /// A value that looks like a kubeconfig but is not YAML (it may be no kubeconfig at all).
    KubeconfigNotYaml = "kubeconfig-not-yaml", Warning;
    /// A value named like a certificate that holds none.
    CertificateInvalid = "certificate-invalid", Warning;
    /// An `aws-auth` or `aws-iam-authenticator` mapping list that cannot be read.
    AwsAuthUnreadable = "aws-auth-unreadable", Error;
    /// An `aws-auth` mapping read as written but probably not as meant (a mis-indented group).
    AwsAuthInvalid = "aws-auth-invalid", Warning;
    /// An embedded JSON value that cannot be read.
    EmbeddedJson = "embedded-json", Error;
    /// An embedded YAML value that cannot be read.
    EmbeddedYaml = "embedded-yaml", Error;
    /// An embedded component config that cannot be read.
    EmbeddedConfig = "embedded-config", Error;
    // Live scans.
    /// The caller may not list a resource.
    Forbidden = "forbidden", Error;
    /// `kubectl get` failed for another reason.
    KubectlError = "kubectl-error", Error;
    // Audit logs.
    /// A gzip stream that cannot be decompressed.
    AuditGzip = "audit-gzip", Error;
    /// A gzip stream that ends early.
    AuditGzipTruncated = "audit-gzip-truncated", Error;
    /// An `EventList` larger than the limit.
    AuditListTooLarge = "audit-list-too-large", Error;
    /// A log line longer than the limit.
    AuditLineTooLong = "audit-line-too-long", Error;
    /// The last line of a log ends in the middle of an event.
    AuditTruncatedLine = "audit-truncated-line", Error;
    /// A line that is not a readable audit event.
    AuditMalformedEvent = "audit-malformed-event", Error;
    /// A log from which no event was read.
    AuditNoEvents = "audit-no-events", Error;
    /// A JSON line that is not an audit event, skipped.
    AuditNotAnEvent = "audit-not-an-event", Warning;
    /// More diagnostics than are kept for one log.
    AuditMoreDiagnostics = "audit-more-diagnostics", Warning;
    // Report settings.
    /// A suppression that matched no finding.
    StaleSuppression = "stale-suppression", Warning;
}

impl std::fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DiagnosticCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DiagnosticCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Self::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code `{name}`")))
    }
}

/// A located problem with the input. Never contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// File and line.
    pub source: Source,
    /// Error or warning: always `code.level()`.
    pub level: Level,
    /// What kind of problem, e.g. `yaml-syntax`, `alias-limit`.
    pub code: DiagnosticCode,
    /// What was wrong and what was expected, in one line.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `path:line`, as serious as its code says. Every diagnostic is built here:
    /// a message that quotes the input has its secrets redacted.
    pub fn new(path: &str, line: u32, code: DiagnosticCode, message: impl Into<String>) -> Self {
        let message = crate::util::redact::string(message.into());
        Self { source: Source { path: path.into(), line }, level: code.level(), code, message }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Line 0 is the input as a whole (e.g. a file that could not be opened).
        match self.source.line {
            0 => write!(f, "{}: {}: {}", self.source.path, self.code, self.message),
            line => write!(f, "{}:{line}: {}: {}", self.source.path, self.code, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_never_quote_a_secret() {
        let d =
            Diagnostic::new("dump.yaml", 3, DiagnosticCode::YamlSyntax, "near `password: hunter2` in `http://u:pw@h`");
        assert_eq!(d.message, "near `password: REDACTED` in `http://REDACTED@h`");
        assert_eq!(d.to_string(), "dump.yaml:3: yaml-syntax: near `password: REDACTED` in `http://REDACTED@h`");
    }

    #[test]
    fn every_code_has_a_unique_kebab_case_name() {
        let mut seen = std::collections::BTreeSet::new();
        for code in DiagnosticCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "`{name}` names two codes");
            let words: Vec<&str> = name.split('-').collect();
            assert!(
                !words.is_empty()
                    && words
                        .iter()
                        .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "`{name}` is not kebab-case"
            );
        }
        assert_eq!(seen.len(), DiagnosticCode::ALL.len());
    }

    #[test]
    fn the_level_comes_from_the_code_and_the_json_keeps_the_name() {
        let d = Diagnostic::new("a.yaml", 1, DiagnosticCode::DuplicateKey, "`x` twice");
        assert_eq!(d.level, Level::Warning);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!((json["code"].as_str(), json["level"].as_str()), (Some("duplicate-key"), Some("warning")));
        assert_eq!(serde_json::from_value::<Diagnostic>(json).unwrap(), d);
        let typo = serde_json::json!({"source": {"path": "a", "line": 1}, "level": "error", "code": "yaml-sytnax", "message": "m"});
        let error = serde_json::from_value::<Diagnostic>(typo).unwrap_err().to_string();
        assert!(error.contains("unknown diagnostic code `yaml-sytnax`"), "{error}");
    }

    #[test]
    fn codes_that_lose_part_of_the_input_are_errors() {
        // The loader once found the level by matching names, so a new or misspelt code fell to a warning.
        for code in [DiagnosticCode::Truncated, DiagnosticCode::MemoryLimit, DiagnosticCode::AwsAuthUnreadable] {
            assert_eq!(code.level(), Level::Error, "{code}");
        }
        for code in
            [DiagnosticCode::AwsAuthInvalid, DiagnosticCode::KubeconfigNotYaml, DiagnosticCode::StaleSuppression]
        {
            assert_eq!(code.level(), Level::Warning, "{code}");
        }
    }
}
