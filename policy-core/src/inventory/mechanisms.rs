//! MX001's data: each authentication mechanism of the guide, enabled, disabled or unknown.

use crate::report::{Evidence, Mechanism, ObjectRef, Source};
use serde::{Deserialize, Serialize};

/// Whether a mechanism is on, as far as the dump shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Evidence shows it on.
    Enabled,
    /// Evidence shows it off.
    Disabled,
    /// The dump holds no evidence either way.
    Unknown,
}

/// One row of the mechanism inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MechanismStatus {
    /// Which mechanism.
    pub mechanism: Mechanism,
    /// Enabled, disabled or unknown.
    pub state: State,
    /// Why we think so: flag values, objects that exist.
    pub evidence: Vec<MechanismEvidence>,
    /// For `unknown`: what to add to the dump to know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A fact behind a mechanism's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MechanismEvidence {
    /// The object holding it.
    pub object: ObjectRef,
    /// Where.
    pub source: Source,
    /// What it says.
    pub evidence: Evidence,
}

/// Assess every mechanism from the inventory (MX001).
pub fn assess(_inv: &crate::inventory::Inventory<'_>) -> Vec<MechanismStatus> {
    Vec::new() // PENDING: filled in with the MX rules (issue 3).
}
