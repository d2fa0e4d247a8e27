//! The credential expiry chart's layout.

use policy_core::inventory::credentials::Credential;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One row of the credential expiry chart.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    /// Index into the report's credentials.
    pub index: usize,
    /// Identity (the row label).
    pub label: String,
    /// Start of the bar, 0..=1 across the chart.
    pub start: f64,
    /// End of the bar, 0..=1; 1 for credentials that never expire.
    pub end: f64,
    /// No expiry: the bar runs off the right edge.
    pub never: bool,
    /// Already expired at the evaluation instant.
    pub expired: bool,
    /// Expires within 30 days of the evaluation instant.
    pub soon: bool,
    /// Seen in the audit log's window (`None`: no log, or it cannot tell).
    pub used: Option<bool>,
}

/// The chart: rows, where "now" is, and month ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Rows, soonest expiry first, credentials with no dates left out.
    pub rows: Vec<TimelineRow>,
    /// Position of the evaluation instant, 0..=1.
    pub now: f64,
    /// Axis ticks: position and label (`2026-03`).
    pub ticks: Vec<(f64, String)>,
    /// Credentials left out because they carry no dates at all.
    pub undated: usize,
}

/// Parse an RFC 3339 instant.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Lay out the credential expiry chart around `now`: from 90 days before it (or the earliest
/// start) to one year after it (or the latest expiry), at most `max_rows` rows.
pub fn timeline(credentials: &[Credential], now: OffsetDateTime, max_rows: usize) -> Timeline {
    let day = time::Duration::days(1);
    struct Dated {
        index: usize,
        start: Option<OffsetDateTime>,
        end: Option<OffsetDateTime>,
    }
    let mut dated: Vec<Dated> = Vec::new();
    let mut undated = 0;
    for (index, c) in credentials.iter().enumerate() {
        let start = c.not_before.as_deref().and_then(parse_time);
        let end = c.expires.as_deref().and_then(parse_time);
        if start.is_none() && end.is_none() {
            undated += 1;
        } else {
            dated.push(Dated { index, start, end });
        }
    }
    // Soonest expiry first; never-expiring last (they matter, but differently).
    dated.sort_by_key(|d| (d.end.is_none(), d.end, d.index));
    dated.truncate(max_rows);
    let mut lo: OffsetDateTime = now - day * 90;
    let mut hi: OffsetDateTime = now + day * 365;
    for d in &dated {
        if let Some(s) = d.start {
            lo = lo.min(s);
        }
        if let Some(e) = d.end {
            hi = hi.max(e + day * 30);
        }
    }
    let span = (hi - lo).as_seconds_f64().max(1.0);
    let pos = |t: OffsetDateTime| ((t - lo).as_seconds_f64() / span).clamp(0.0, 1.0);
    let rows = dated
        .iter()
        .map(|d| {
            let credential = credentials.get(d.index);
            let label = credential.map(|c| c.identity.clone()).unwrap_or_default();
            let start: f64 = d.start.map_or(0.0, pos);
            let end: f64 = d.end.map_or(1.0, pos);
            TimelineRow {
                index: d.index,
                label,
                start: start.min(end),
                end,
                never: d.end.is_none(),
                expired: d.end.is_some_and(|e| e <= now),
                soon: d.end.is_some_and(|e| e > now && e - now <= day * 30),
                used: credential.and_then(crate::model::usage::used),
            }
        })
        .collect();
    Timeline { rows, now: pos(now), ticks: ticks(lo, hi, pos), undated }
}

fn ticks(lo: OffsetDateTime, hi: OffsetDateTime, pos: impl Fn(OffsetDateTime) -> f64) -> Vec<(f64, String)> {
    let months = ((hi - lo).whole_days() / 30).max(1);
    // About six labels whatever the span, on round month steps.
    let step: u8 = [1u8, 2, 3, 6, 12].into_iter().find(|s| i64::from(*s) * 7 >= months).unwrap_or(12);
    let mut out = Vec::new();
    let (mut year, mut month) = (lo.year(), u8::from(lo.month()));
    for _ in 0..200 {
        month += 1;
        if month > 12 {
            month = 1;
            year += 1;
        }
        let Ok(m) = time::Month::try_from(month) else { break };
        let Ok(date) = time::Date::from_calendar_date(year, m, 1) else { break };
        let t = date.midnight().assume_utc();
        // A tick on the right edge would have its label cut off.
        if t >= hi {
            break;
        }
        if u32::from(month - 1) % u32::from(step) == 0 {
            out.push((pos(t), format!("{year}-{month:02}")));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    #[test]
    fn timeline_orders_by_expiry_and_places_now() {
        let now = parse_time("2026-01-01T00:00:00Z").unwrap();
        let creds = vec![
            credential("forever", Some("2025-12-01T00:00:00Z"), None),
            credential("late", Some("2025-06-01T00:00:00Z"), Some("2026-06-01T00:00:00Z")),
            credential("gone", Some("2025-10-01T00:00:00Z"), Some("2025-12-15T00:00:00Z")),
            credential("soon", None, Some("2026-01-20T00:00:00Z")),
            credential("nodates", None, None),
        ];
        let t = timeline(&creds, now, 10);
        let labels: Vec<&str> = t.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["gone", "soon", "late", "forever"]);
        assert_eq!(t.undated, 1);
        assert!(t.rows[0].expired && !t.rows[0].soon);
        assert!(t.rows[1].soon && !t.rows[1].expired);
        assert!(t.rows[3].never);
        assert!((t.rows[3].end - 1.0).abs() < f64::EPSILON);
        // The window starts at the earliest not-before (2025-06-01), ends a year after now.
        assert!(t.rows[2].start.abs() < 1e-9);
        assert!(t.now > 0.3 && t.now < 0.45, "now at {}", t.now);
        assert!(t.rows.iter().all(|r| r.start <= r.end));
        assert!(!t.ticks.is_empty() && t.ticks.windows(2).all(|w| w[0].0 < w[1].0));
        // 2025-06 to 2027-01: 19 months, ticks every 3 months on quarter starts.
        let labels: Vec<&str> = t.ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, vec!["2025-07", "2025-10", "2026-01", "2026-04", "2026-07", "2026-10"]);
        assert_eq!(timeline(&creds, now, 2).rows.len(), 2);
        assert!(t.rows.iter().all(|r| r.used.is_none()), "no log, no usage mark");
    }

    #[test]
    fn timeline_rows_carry_the_logs_usage() {
        use policy_core::audit::usage::CredentialUsage;
        let now = parse_time("2026-01-01T00:00:00Z").unwrap();
        let usage = |seen| CredentialUsage {
            seen,
            matched_by: None,
            weaker: false,
            first_used: None,
            last_used: None,
            requests: u64::from(seen),
            source_ips: vec![],
            user_agents: vec![],
            most_sensitive: None,
        };
        let mut used = credential("used", None, Some("2026-02-01T00:00:00Z"));
        used.usage = Some(usage(true));
        let mut idle = credential("idle", None, Some("2026-03-01T00:00:00Z"));
        idle.usage = Some(usage(false));
        let t = timeline(&[used, idle], now, 10);
        assert_eq!(t.rows.iter().map(|r| r.used).collect::<Vec<_>>(), vec![Some(true), Some(false)]);
    }
}
