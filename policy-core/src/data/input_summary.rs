//! What became of one input file.

use crate::data::diagnostic::{Diagnostic, DiagnosticCode, Level};
use crate::data::limits::Limits;
use serde::{Deserialize, Serialize};

/// What became of an input: analysed whole, in part, or not at all (and why).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputStatus {
    /// Read whole: Kubernetes objects found, no error.
    #[default]
    Analysed,
    /// Read, but part of it was lost (its error diagnostics say where); the rest was analysed.
    Partial,
    /// Read, but no Kubernetes object could be read from it (empty, truncated, unparseable, or
    /// not Kubernetes): nothing of it was analysed.
    NoObjects,
    /// Not read: it does not fit in the size limit.
    Skipped,
    /// Could not be read at all (missing, permission denied, an I/O error, no writer on a pipe).
    Unreadable,
}

impl InputStatus {
    /// Every status, best first.
    pub const ALL: [InputStatus; 5] = [Self::Analysed, Self::Partial, Self::NoObjects, Self::Skipped, Self::Unreadable];

    /// The kebab-case id used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Analysed => "analysed",
            Self::Partial => "partial",
            Self::NoObjects => "no-objects",
            Self::Skipped => "skipped",
            Self::Unreadable => "unreadable",
        }
    }

    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Analysed => "analysed",
            Self::Partial => "partly analysed",
            Self::NoObjects => "no Kubernetes object",
            Self::Skipped => "skipped",
            Self::Unreadable => "unreadable",
        }
    }
}

impl std::fmt::Display for InputStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The message of an input from which no Kubernetes object could be read.
pub const NO_OBJECTS: &str = "no Kubernetes object could be read from this input";

/// One input file: its size, what it held, what became of it and what was wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputSummary {
    /// The input's name.
    pub path: String,
    /// Analysed whole, in part, or not at all.
    #[serde(default)]
    pub status: InputStatus,
    /// Size in bytes (for an input skipped before its end was seen, the bytes seen).
    pub bytes: u64,
    /// YAML/JSON documents read.
    pub documents: u32,
    /// Kubernetes objects found (list items counted one by one).
    pub objects: u32,
    /// Located problems; the rest of the input was still analysed.
    pub diagnostics: Vec<Diagnostic>,
}

impl InputSummary {
    /// An input its caller could not read at all, for [`crate::analyze_with_unread`]: `code` is a
    /// stable kebab-case id (`read-error` unless something more precise fits) and `message` says
    /// why in one line. The diagnostic is at line 0: the input as a whole.
    pub fn unreadable(path: &str, code: DiagnosticCode, message: impl Into<String>) -> Self {
        Self {
            path: path.to_string(),
            status: InputStatus::Unreadable,
            diagnostics: vec![Diagnostic::new(path, 0, code, message)],
            ..Self::default()
        }
    }

    /// An input not read because it does not fit in what remains of `limits.maxTotalBytes`:
    /// `bytes` is its size, or with `size_known` false the bytes seen before giving up (a device
    /// or a pipe says no size and may never end).
    pub fn too_large(path: &str, bytes: u64, size_known: bool, remaining: u64, limits: &Limits) -> Self {
        let limit = limits.max_total_bytes;
        let size = if size_known {
            format!("input is {bytes} bytes")
        } else {
            format!("input has more than {remaining} bytes")
        };
        let budget = if remaining == limit {
            format!("the limit is {limit} bytes")
        } else {
            format!("only {remaining} of the {limit}-byte limit remain")
        };
        let message = format!("{size} but {budget}; the input is skipped (raise `limits.maxTotalBytes` to read it)");
        Self {
            path: path.to_string(),
            status: InputStatus::Skipped,
            bytes,
            diagnostics: vec![Diagnostic::new(path, 1, DiagnosticCode::TooLarge, message)],
            ..Self::default()
        }
    }

    /// Decide the status of an input that was read, once every diagnostic about it is in.
    pub(crate) fn settle_status(&mut self) {
        if matches!(self.status, InputStatus::Skipped | InputStatus::Unreadable) {
            return;
        }
        self.status = if self.objects == 0 {
            InputStatus::NoObjects
        } else if self.has_errors() {
            InputStatus::Partial
        } else {
            InputStatus::Analysed
        };
    }

    /// Whether it has an error-level diagnostic (part or all of it could not be read).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }

    /// Whether all of it was analysed.
    pub fn is_analysed(&self) -> bool {
        self.status == InputStatus::Analysed
    }
}
