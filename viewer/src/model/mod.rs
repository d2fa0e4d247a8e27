//! The view-model: everything the page decides that is not drawing, one concern per module. Plain
//! Rust over the report types, tested natively (`cargo test -p viewer`).

pub mod as_of;
pub mod excerpt;
pub mod findings;
pub mod format;
pub mod log_excerpt;
pub mod posture;
pub mod priority;
pub mod timeline;
pub mod usage;
pub mod view;
pub mod window;

#[cfg(test)]
mod fixtures;

pub use excerpt::{ExcerptLine, REDACTED, excerpt, redact_inline};
pub use findings::{Facets, Group, KeyMaker, Line, facets, finding_key, finding_keys, group, lines, rows, visible};
pub use format::{capitalize, human_bytes, human_count, kind_words, short_date};
pub use posture::{Overall, Posture, Verdict, overall, report_postures};
pub use priority::{fix_first, inventory_rows, is_inventory, is_preview};
pub use timeline::{Bar, Bucket, Step, Timeline, parse_time, timeline};
pub use usage::UsageFilter;
pub use view::{Compared, EmbedOptions, Filters, Grouping, SortKey, Tab, ViewState, decode, encode, fragment};
pub use window::window;
