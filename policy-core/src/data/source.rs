//! Where something came from in the input.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Where something came from in the input: file name and 1-based line.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Source {
    /// The input's name (file path as given, or `-` for stdin), shared by every object and
    /// finding of that input rather than copied into each.
    pub path: Arc<str>,
    /// 1-based line of the object's (or field's) start.
    pub line: u32,
}

/// Where a finding points: the field or flag its evidence names (line and column), in the
/// object that starts at `object_line`. Serialized as a [`Source`] with two more members, so
/// a reader of `path` and `line` reads the field's place.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// The input's name, as in [`Source::path`].
    pub path: Arc<str>,
    /// 1-based line of the field (the object's first line when no field could be placed).
    pub line: u32,
    /// 1-based column of the field, in characters; 0 (absent) when not placed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub column: u32,
    /// 1-based line where the object starts; 0 (absent) in reports of older versions.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub object_line: u32,
}

impl Location {
    /// The object's own place: its input and first line.
    pub fn object(&self) -> Source {
        let line = if self.object_line == 0 { self.line } else { self.object_line };
        Source { path: Arc::clone(&self.path), line }
    }
}

impl std::fmt::Display for Location {
    /// `path:line:column`, as compilers and editors write a place (`path:line` when no column).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)?;
        if self.column > 0 {
            write!(f, ":{}", self.column)?;
        }
        Ok(())
    }
}

impl From<Source> for Location {
    /// An object's place, before any field in it is placed.
    fn from(source: Source) -> Self {
        Self { path: source.path, line: source.line, column: 0, object_line: source.line }
    }
}

#[expect(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_zero(n: &u32) -> bool {
    *n == 0
}
