//! Renderers: pure functions from a [`Report`](crate::Report) to text.

/// The report as pretty JSON (the stable format of `schema/report.schema.json`).
pub fn json(report: &crate::Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}
