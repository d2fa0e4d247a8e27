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
