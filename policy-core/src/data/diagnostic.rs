//! A located problem with the input.

use crate::data::source::Source;
use serde::{Deserialize, Serialize};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Part of the input could not be read.
    Error,
    /// Read, but something looks off (e.g. not a Kubernetes object).
    Warning,
}

/// A located problem with the input. Never contains a secret value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// File and line.
    pub source: Source,
    /// Error or warning.
    pub level: Level,
    /// Stable kebab-case id of the problem, e.g. `yaml-syntax`, `alias-limit`.
    pub code: String,
    /// What was wrong and what was expected, in one line.
    pub message: String,
}

impl Diagnostic {
    /// An error at `path:line`.
    pub fn error(path: &str, line: u32, code: &str, message: impl Into<String>) -> Self {
        Self::new(Level::Error, path, line, code, message)
    }

    /// A warning at `path:line`.
    pub fn warning(path: &str, line: u32, code: &str, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, path, line, code, message)
    }

    /// Every diagnostic is built here: a message that quotes the input has its secrets redacted.
    fn new(level: Level, path: &str, line: u32, code: &str, message: impl Into<String>) -> Self {
        let message = crate::util::redact::string(message.into());
        Self { source: Source { path: path.into(), line }, level, code: code.to_string(), message }
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
        let d = Diagnostic::error("dump.yaml", 3, "yaml-syntax", "near `password: hunter2` in `http://u:pw@h`");
        assert_eq!(d.message, "near `password: REDACTED` in `http://REDACTED@h`");
        assert_eq!(d.to_string(), "dump.yaml:3: yaml-syntax: near `password: REDACTED` in `http://REDACTED@h`");
    }
}
