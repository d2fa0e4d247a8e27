//! Kubernetes authentication-hardening rules, after the guide "Authentication Mechanisms".
//!
//! `policy-core` turns bytes (kubectl dumps, manifests, kubeconfigs, AdmissionReviews) into a
//! [`Report`] of findings. It does no I/O, reads no clock and knows nothing of wasm: callers pass
//! the bytes and the evaluation instant in, and render the report with [`render`].
//!
//! The public surface is small: [`analyze`] for a whole dump, [`admit`] for one admission
//! request, [`registry::ALL`] for the catalogue, [`Settings`] and the report types.
#![deny(missing_docs)]

pub mod audit;
pub mod data;
pub mod input;
pub mod inventory;
pub mod registry;
pub mod render;
pub mod report;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod util;
pub mod value;

mod engine;

pub use data::limits::Limits;
pub use data::rule_meta::RuleMeta;
pub use data::severity::Severity;
pub use engine::{
    AdmitDecision, AdmitError, AdmitSettings, Analysis, Progress, admit, admit_owned, analyze, analyze_with_audit,
    analyze_with_progress, analyze_with_unread, place_findings,
};
pub use input::InputFile;
pub use report::{Finding, Report, TOOL_NAME, TOOL_VERSION};
pub use settings::Settings;
