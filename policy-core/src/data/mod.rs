//! The plain data every layer speaks: where something is in the input, which object it is,
//! how bad, which mechanism, the evidence behind a verdict, what went wrong reading an input.
//!
//! These types depend on nothing above them (only [`crate::util`] for redaction), so input,
//! inventory, report, rules and renderers can all name them without importing each other.

pub mod compliance;
pub mod diagnostic;
pub mod evidence;
pub mod input_summary;
pub mod limits;
pub mod mechanism;
pub mod object_ref;
pub mod rule_meta;
pub mod severity;
pub mod shared_text;
pub mod source;
pub mod suppression_rule;
