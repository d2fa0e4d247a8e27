//! Caps that keep any input from exhausting memory or time.

use serde::{Deserialize, Serialize};

/// Caps that keep any input from exhausting memory or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Limits {
    /// Total bytes over all inputs (default 256 MiB).
    pub max_total_bytes: u64,
    /// Maximum nesting depth of any document (default 128).
    pub max_depth: u32,
    /// Maximum nodes copied by YAML alias expansion, per document (default 100 000).
    pub max_alias_nodes: u64,
    /// Maximum documents per input (default 1 000 000).
    pub max_documents: u32,
    /// Memory the values read from an input may take, per byte of that input, plus 16 MiB
    /// (default 4). Charged while values are built, every copy a YAML alias makes included:
    /// what would exceed it is skipped with `memory-limit` or `alias-limit`.
    pub max_expansion: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_total_bytes: 256 << 20,
            max_depth: 128,
            max_alias_nodes: 100_000,
            max_documents: 1_000_000,
            max_expansion: 4,
        }
    }
}
