//! The credential expiry chart's layout: credentials counted per week, month or year of their
//! expiry (one bar per period, however many credentials), so that 12,000 credentials draw as a
//! few dozen readable bars. A bar is a [`Bucket`], which also filters the table below it (the
//! drill-down) and travels in the URL fragment as a date, never a name.

use policy_core::inventory::credentials::Credential;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime};

/// Parse an RFC 3339 instant.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Expiring within this many days of the evaluation instant counts as "soon".
const SOON_DAYS: i64 = 30;
/// Most bars of one width before the chart moves to the next wider period.
const MAX_BARS: i64 = 60;

/// A period of expiry dates: one bar of the chart, and a filter of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// The week starting on this Monday.
    Week(Date),
    /// A calendar month (its first day).
    Month(Date),
    /// A calendar year (its first day).
    Year(Date),
    /// Credentials that never expire.
    Never,
}

impl Bucket {
    /// The period of `step` that holds `t`.
    fn of(step: Step, t: OffsetDateTime) -> Self {
        let d = t.date();
        match step {
            Step::Week => Self::Week(d - Duration::days(i64::from(d.weekday().number_days_from_monday()))),
            Step::Month => Self::Month(d.replace_day(1).unwrap_or(d)),
            Step::Year => Self::Year(Date::from_calendar_date(d.year(), Month::January, 1).unwrap_or(d)),
        }
    }

    /// First instant of the period (`None` for [`Bucket::Never`]).
    pub fn start(self) -> Option<OffsetDateTime> {
        match self {
            Self::Week(d) | Self::Month(d) | Self::Year(d) => Some(d.midnight().assume_utc()),
            Self::Never => None,
        }
    }

    /// First instant after the period.
    pub fn end(self) -> Option<OffsetDateTime> {
        let next = match self {
            Self::Week(d) => d + Duration::days(7),
            Self::Month(d) => {
                let (y, m) = if d.month() == Month::December {
                    (d.year() + 1, Month::January)
                } else {
                    (d.year(), d.month().next())
                };
                Date::from_calendar_date(y, m, 1).ok()?
            }
            Self::Year(d) => Date::from_calendar_date(d.year() + 1, Month::January, 1).ok()?,
            Self::Never => return None,
        };
        Some(next.midnight().assume_utc())
    }

    /// Whether a credential expiring at `expires` (`None`: never) falls in this period.
    pub fn holds(self, expires: Option<OffsetDateTime>) -> bool {
        match (self, expires) {
            (Self::Never, None) => true,
            (Self::Never, Some(_)) | (_, None) => false,
            (b, Some(t)) => b.start().is_some_and(|s| s <= t) && b.end().is_some_and(|e| t < e),
        }
    }

    /// The fragment's and the label's form: `2026-03-02` (week of that Monday), `2026-03`, `2026`,
    /// `never`.
    pub fn as_key(self) -> String {
        match self {
            Self::Week(d) => format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
            Self::Month(d) => format!("{}-{:02}", d.year(), u8::from(d.month())),
            Self::Year(d) => d.year().to_string(),
            Self::Never => "never".into(),
        }
    }

    /// Read [`Bucket::as_key`]; anything else is `None` (an old or hand-edited link still opens).
    pub fn parse(key: &str) -> Option<Self> {
        if key == "never" {
            return Some(Self::Never);
        }
        let mut parts = key.split('-').map(str::parse::<u32>);
        let year = i32::try_from(parts.next()?.ok()?).ok()?;
        let month =
            parts.next().map(|m| m.ok().and_then(|m| u8::try_from(m).ok()).and_then(|m| Month::try_from(m).ok()));
        let day = parts.next().map(|d| d.ok().and_then(|d| u8::try_from(d).ok()));
        if parts.next().is_some() {
            return None;
        }
        match (month, day) {
            (None, None) => Date::from_calendar_date(year, Month::January, 1).ok().map(Self::Year),
            (Some(m), None) => Date::from_calendar_date(year, m?, 1).ok().map(Self::Month),
            (Some(m), Some(d)) => {
                let date = Date::from_calendar_date(year, m?, d?).ok()?;
                (date.weekday() == time::Weekday::Monday).then_some(Self::Week(date))
            }
            (None, Some(_)) => None,
        }
    }

    /// What the period is called on screen: "week of 2026-03-02", "2026-03", "2026", "never".
    pub fn label(self) -> String {
        match self {
            Self::Week(_) => format!("week of {}", self.as_key()),
            Self::Never => "never expiring".into(),
            _ => self.as_key(),
        }
    }
}

/// The width of the chart's bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// One bar per week.
    Week,
    /// One bar per month.
    Month,
    /// One bar per year (a span of decades).
    Year,
}

impl Step {
    /// The word for the legend.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

/// One bar: the credentials expiring in one period, counted by how they stand.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The period.
    pub bucket: Bucket,
    /// Left edge of the bar, 0..=1 across the time axis (unused for [`Bucket::Never`]).
    pub start: f64,
    /// Right edge, 0..=1.
    pub end: f64,
    /// Already expired at the evaluation instant.
    pub expired: usize,
    /// Expiring within 30 days of it.
    pub soon: usize,
    /// Valid for longer (or, for [`Bucket::Never`], never expiring).
    pub valid: usize,
    /// Seen in the audit log's window.
    pub used: usize,
    /// Not seen in the audit log's window (the log could tell).
    pub unused: usize,
}

impl Bar {
    /// Credentials in the bar.
    pub fn total(&self) -> usize {
        self.expired + self.soon + self.valid
    }
}

/// The chart: bars in time order, the never-expiring bar, where "now" is, and axis ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// One bar per period holding at least one expiry, earliest first.
    pub bars: Vec<Bar>,
    /// Credentials with no expiry at all (but a start date): drawn apart, right of the axis.
    pub never: Option<Bar>,
    /// The bars' width.
    pub step: Step,
    /// Position of the evaluation instant, 0..=1.
    pub now: f64,
    /// Axis ticks: position and label (`2026-03`).
    pub ticks: Vec<(f64, String)>,
    /// The tallest bar's count (the vertical scale).
    pub max: usize,
    /// Credentials left out because they carry no dates at all.
    pub undated: usize,
}

/// Lay out the credential expiry chart around `now`: the axis runs from the earliest expiry (or
/// `now`, if earlier) to the latest (or 30 days after `now`), in weeks, months or years, whichever
/// gives at most 60 bars.
pub fn timeline(credentials: &[Credential], now: OffsetDateTime) -> Timeline {
    let mut undated = 0;
    let mut dated: Vec<(Option<OffsetDateTime>, &Credential)> = Vec::new();
    for c in credentials {
        let end = c.expires.as_deref().and_then(parse_time);
        if end.is_none() && c.not_before.as_deref().and_then(parse_time).is_none() {
            undated += 1;
        } else {
            dated.push((end, c));
        }
    }
    let soon = Duration::days(SOON_DAYS);
    let (mut lo, mut hi) = (now, now + soon);
    for end in dated.iter().filter_map(|(e, _)| *e) {
        lo = lo.min(end);
        hi = hi.max(end);
    }
    let weeks = (hi - lo).whole_weeks();
    let step = if weeks <= MAX_BARS {
        Step::Week
    } else if weeks / 4 <= MAX_BARS {
        Step::Month
    } else {
        Step::Year
    };
    // The axis covers whole periods, so the first and last bars are as wide as the others.
    let axis_lo = Bucket::of(step, lo).start().unwrap_or(lo);
    let axis_hi = Bucket::of(step, hi).end().unwrap_or(hi);
    let span = (axis_hi - axis_lo).as_seconds_f64().max(1.0);
    let pos = |t: OffsetDateTime| ((t - axis_lo).as_seconds_f64() / span).clamp(0.0, 1.0);
    let mut bars: std::collections::BTreeMap<Bucket, Bar> = std::collections::BTreeMap::new();
    for (end, c) in &dated {
        let bucket = end.map_or(Bucket::Never, |t| Bucket::of(step, t));
        let bar = bars.entry(bucket).or_insert_with(|| Bar {
            bucket,
            start: bucket.start().map_or(0.0, pos),
            end: bucket.end().map_or(1.0, pos),
            expired: 0,
            soon: 0,
            valid: 0,
            used: 0,
            unused: 0,
        });
        match end {
            Some(e) if *e <= now => bar.expired += 1,
            Some(e) if *e - now <= soon => bar.soon += 1,
            _ => bar.valid += 1,
        }
        // Seen in the audit log or not (`None`: no log, or it cannot tell for this credential).
        match c.usage.as_ref().map(|u| u.seen) {
            Some(true) => bar.used += 1,
            Some(false) => bar.unused += 1,
            None => {}
        }
    }
    let never = bars.remove(&Bucket::Never);
    let bars: Vec<Bar> = bars.into_values().collect();
    let max = bars.iter().chain(never.iter()).map(Bar::total).max().unwrap_or(0);
    Timeline { bars, never, step, now: pos(now), ticks: ticks(axis_lo, axis_hi, &pos), max, undated }
}

/// Month (or year) ticks, about six whatever the span, never on the right edge (its label
/// would be cut off).
fn ticks(lo: OffsetDateTime, hi: OffsetDateTime, pos: &impl Fn(OffsetDateTime) -> f64) -> Vec<(f64, String)> {
    let months = ((hi - lo).whole_days() / 30).max(1);
    let step: i64 = [1, 2, 3, 6, 12, 24, 60, 120].into_iter().find(|s| s * 7 >= months).unwrap_or(120);
    let mut out = Vec::new();
    let mut at = Bucket::of(Step::Month, lo);
    for _ in 0..2_000 {
        let Some(next) = at.end() else { break };
        at = Bucket::Month(next.date());
        if next >= hi {
            break;
        }
        let index = i64::from(next.year()) * 12 + i64::from(u8::from(next.month())) - 1;
        if index % step == 0 {
            let label = if step >= 12 { next.year().to_string() } else { at.as_key() };
            out.push((pos(next), label));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::model::fixtures::*;

    fn at(text: &str) -> OffsetDateTime {
        parse_time(text).unwrap()
    }

    #[test]
    fn credentials_are_counted_per_month_with_their_standing() {
        let now = at("2026-01-01T00:00:00Z");
        let creds = vec![
            credential("forever", Some("2025-12-01T00:00:00Z"), None),
            credential("late", Some("2025-06-01T00:00:00Z"), Some("2026-06-01T00:00:00Z")),
            credential("late-too", None, Some("2026-06-20T00:00:00Z")),
            credential("gone", Some("2025-10-01T00:00:00Z"), Some("2025-12-15T00:00:00Z")),
            credential("soon", None, Some("2026-01-20T00:00:00Z")),
            credential("nodates", None, None),
        ];
        let t = timeline(&creds, now);
        // 2025-12-15 to 2026-06-20 is 26 weeks: weekly bars (up to 60); two years and more go by month.
        assert_eq!(t.step, Step::Week);
        let keys: Vec<String> = t.bars.iter().map(|b| b.bucket.as_key()).collect();
        assert_eq!(keys, vec!["2025-12-15", "2026-01-19", "2026-06-01", "2026-06-15"]);
        assert_eq!((t.bars[0].expired, t.bars[1].soon, t.bars[2].valid), (1, 1, 1));
        assert_eq!(t.never.as_ref().map(Bar::total), Some(1));
        assert_eq!(t.undated, 1);
        assert!(t.bars.windows(2).all(|w| w[0].end <= w[1].start), "bars in time order, not overlapping");
        assert!(t.now > t.bars[0].end && t.now < t.bars[1].start, "now between the expired and the soon bar");

        let mut wide = creds.clone();
        wide.push(credential("far", None, Some("2028-03-03T00:00:00Z")));
        let t = timeline(&wide, now);
        assert_eq!(t.step, Step::Month);
        let keys: Vec<String> = t.bars.iter().map(|b| b.bucket.as_key()).collect();
        assert_eq!(keys, vec!["2025-12", "2026-01", "2026-06", "2028-03"]);
        assert_eq!(t.bars[2].total(), 2, "two credentials expire in 2026-06: one bar");
        assert_eq!(t.max, 2);
        // Ticks: 2025-12 to 2028-04 is 28 months, a tick every 6 months on half-year starts.
        let labels: Vec<&str> = t.ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, vec!["2026-01", "2026-07", "2027-01", "2027-07", "2028-01"]);

        let mut decades = wide;
        decades.push(credential("ca", None, Some("2045-01-01T00:00:00Z")));
        assert_eq!(timeline(&decades, now).step, Step::Year);
    }

    #[test]
    fn twelve_thousand_credentials_draw_as_a_few_bars() {
        let now = at("2026-01-01T00:00:00Z");
        let creds: Vec<Credential> = (0..12_000)
            .map(|i| {
                let expires = now + Duration::hours(i64::from(i) * 3);
                credential(&format!("c{i}"), None, Some(&expires.format(&Rfc3339).unwrap()))
            })
            .collect();
        let t = timeline(&creds, now);
        assert!(t.bars.len() <= 60, "{} bars", t.bars.len());
        assert_eq!(t.bars.iter().map(Bar::total).sum::<usize>(), 12_000);
    }

    #[test]
    fn a_bucket_filters_what_its_bar_counts_and_round_trips_as_a_key() {
        let now = at("2026-01-01T00:00:00Z");
        let creds = vec![
            credential("a", None, Some("2026-03-01T00:00:00Z")),
            credential("b", None, Some("2026-03-31T23:59:59Z")),
            credential("c", None, Some("2026-04-01T00:00:00Z")),
            credential("d", Some("2025-01-01T00:00:00Z"), None),
            credential("e", None, Some("2027-06-01T00:00:00Z")),
        ];
        let t = timeline(&creds, now);
        assert_eq!(t.step, Step::Month);
        for bar in t.bars.iter().chain(t.never.iter()) {
            let held = creds.iter().filter(|c| bar.bucket.holds(c.expires.as_deref().and_then(parse_time))).count();
            assert_eq!(held, bar.total(), "{}", bar.bucket.as_key());
            assert_eq!(Bucket::parse(&bar.bucket.as_key()), Some(bar.bucket));
        }
        let week = Bucket::of(Step::Week, at("2026-03-05T12:00:00Z"));
        assert_eq!(week.as_key(), "2026-03-02");
        assert_eq!(Bucket::parse("2026-03-02"), Some(week));
        assert_eq!(Bucket::parse("2026"), Some(Bucket::of(Step::Year, now)));
        // Junk and a week key that is no Monday are ignored.
        for junk in ["", "2026-13", "2026-03-03", "x", "2026-03-02-1", "-1"] {
            assert_eq!(Bucket::parse(junk), None, "{junk}");
        }
        assert_eq!(
            Bucket::Month(Date::from_calendar_date(2026, Month::December, 1).unwrap()).end(),
            Some(at("2027-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn bars_count_the_logs_usage() {
        use policy_core::audit::usage::CredentialUsage;
        let now = at("2026-01-01T00:00:00Z");
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
        let mut idle = credential("idle", None, Some("2026-02-03T00:00:00Z"));
        idle.usage = Some(usage(false));
        let quiet = credential("no-log", None, Some("2026-02-04T00:00:00Z"));
        let t = timeline(&[used, idle, quiet], now);
        assert_eq!(t.bars.iter().map(|b| (b.used, b.unused)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)), (1, 1));
    }
}
