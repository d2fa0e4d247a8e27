//! What the audit log says of each credential, as the Credentials tab shows it: the usage cells,
//! the "used in the log / not used" filter and the log's window in the summary. Without a log
//! the page says nothing of usage (absence of evidence is not disuse).

use crate::model::timeline::Bucket;
use crate::model::{human_count, parse_time};
use policy_core::audit::AuditSummary;
use policy_core::inventory::credentials::Credential;

/// An instant to the minute (`2025-11-28 09:30 UTC`), or the text as it is.
pub fn minute(text: &str) -> String {
    let Some(t) = parse_time(text) else { return text.to_string() };
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", t.date(), t.hour(), t.minute())
}

fn count(n: u64) -> String {
    human_count(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The Credentials tab's usage filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UsageFilter {
    /// Every credential.
    #[default]
    All,
    /// Seen in the log's window.
    Used,
    /// Not seen in the log's window (the log could tell).
    Unused,
}

impl UsageFilter {
    /// Every filter, in the order of the buttons.
    pub const ALL: [Self; 3] = [Self::All, Self::Used, Self::Unused];

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Used => "used in the log",
            Self::Unused => "not used",
        }
    }

    /// Stable name (element ids, test hooks).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Used => "used",
            Self::Unused => "unused",
        }
    }

    /// Read [`UsageFilter::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether `c` passes the filter. A credential the log cannot tell about (an exec user, a
    /// CSR) is neither used nor unused.
    pub fn keeps(self, c: &Credential) -> bool {
        match self {
            Self::All => true,
            Self::Used => used(c) == Some(true),
            Self::Unused => used(c) == Some(false),
        }
    }
}

/// Whether the log saw `c` make a request: `None` when no log was given or it cannot tell.
pub fn used(c: &Credential) -> Option<bool> {
    c.usage.as_ref().map(|u| u.seen)
}

/// Indices of the credentials the usage filter and the chart's drill-down (an expiry period)
/// keep, in report order.
pub fn filtered(credentials: &[Credential], filter: UsageFilter, expiry: Option<Bucket>) -> Vec<usize> {
    let in_period = |c: &Credential| expiry.is_none_or(|b| b.holds(c.expires.as_deref().and_then(parse_time)));
    credentials.iter().enumerate().filter(|(_, c)| filter.keeps(c) && in_period(c)).map(|(i, _)| i).collect()
}

/// The usage cells of one row: (last used, requests). Nothing without a log; "never used in
/// the log's window" when the log was given and the credential made no request.
pub fn cells(c: &Credential, log_given: bool) -> Option<(String, String)> {
    if !log_given {
        return None;
    }
    Some(match &c.usage {
        None => ("the log cannot tell".into(), String::new()),
        Some(u) if !u.seen => ("never used in the log's window".into(), "0".into()),
        Some(u) => {
            let when = u.last_used.as_ref().map_or_else(|| "in the window".to_string(), |s| minute(&s.at));
            let weaker = if u.weaker { " (matched by user name only)" } else { "" };
            (format!("{when}{weaker}"), count(u.requests))
        }
    })
}

/// The details a used credential's row carries in its tooltip: first use, where from, with what
/// client, the most sensitive thing it did.
pub fn details(c: &Credential) -> Option<String> {
    let u = c.usage.as_ref().filter(|u| u.seen)?;
    let mut parts = Vec::new();
    if let Some(first) = &u.first_used {
        parts.push(format!("first used {}", minute(&first.at)));
    }
    if !u.source_ips.is_empty() {
        parts.push(format!("from {}", u.source_ips.join(", ")));
    }
    if !u.user_agents.is_empty() {
        parts.push(format!("with {}", u.user_agents.join(", ")));
    }
    if let Some(action) = &u.most_sensitive {
        parts.push(format!("most sensitive: {}", action.what));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// The summary's line on the audit log: files, requests and the window (from–to).
pub fn window_line(audit: &AuditSummary) -> String {
    let files = match audit.files.as_slice() {
        [one] => format!("`{one}`"),
        many => format!("{} logs", many.len()),
    };
    let window = match (&audit.from, &audit.to) {
        (Some(from), Some(to)) => format!(" from {} to {}", minute(from), minute(to)),
        _ => String::new(),
    };
    let plural = if audit.requests == 1 { "" } else { "s" };
    format!("audit log {files}: {} request{plural}{window}", count(audit.requests))
}

/// Counts for the filter buttons: (used, unused).
pub fn counts(credentials: &[Credential]) -> (usize, usize) {
    credentials.iter().fold((0, 0), |(u, n), c| match used(c) {
        Some(true) => (u + 1, n),
        Some(false) => (u, n + 1),
        None => (u, n),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::model::fixtures::credential;
    use policy_core::audit::Seen;
    use policy_core::audit::usage::{CredentialUsage, MatchedBy};
    use policy_core::report::Source;

    fn seen(at: &str, line: u32) -> Seen {
        Seen { at: at.into(), source: Source { path: "audit.log".into(), line } }
    }

    fn with_usage(identity: &str, usage: Option<CredentialUsage>) -> Credential {
        Credential { usage, ..credential(identity, None, None) }
    }

    fn used_by(requests: u64) -> CredentialUsage {
        CredentialUsage {
            seen: true,
            matched_by: Some(MatchedBy::CredentialId),
            weaker: false,
            first_used: Some(seen("2025-11-27T08:00:00Z", 3)),
            last_used: Some(seen("2025-11-28T09:30:00Z", 9)),
            requests,
            source_ips: vec!["203.0.113.7".into()],
            user_agents: vec!["kubectl/v1.32.0".into()],
            most_sensitive: None,
        }
    }

    fn unused() -> CredentialUsage {
        CredentialUsage {
            seen: false,
            matched_by: None,
            weaker: false,
            first_used: None,
            last_used: None,
            requests: 0,
            source_ips: vec![],
            user_agents: vec![],
            most_sensitive: None,
        }
    }

    fn sample() -> Vec<Credential> {
        vec![
            with_usage("admin", Some(used_by(1234))),
            with_usage("old-token", Some(unused())),
            with_usage("exec-user", None),
        ]
    }

    #[test]
    fn usage_cells_say_last_use_never_or_nothing_without_a_log() {
        let c = sample();
        assert_eq!(cells(&c[0], true), Some(("2025-11-28 09:30 UTC".into(), "1\u{202f}234".into())));
        assert_eq!(cells(&c[1], true), Some(("never used in the log's window".into(), "0".into())));
        assert_eq!(cells(&c[2], true).unwrap().0, "the log cannot tell");
        // No log given: no usage claim at all, not even for credentials carrying none.
        assert!(c.iter().all(|c| cells(c, false).is_none()));
        let weak = with_usage("alice", Some(CredentialUsage { weaker: true, ..used_by(2) }));
        assert!(cells(&weak, true).unwrap().0.contains("user name only"));
    }

    #[test]
    fn the_filter_keeps_used_or_unused_and_never_guesses_for_the_untellable() {
        let c = sample();
        assert_eq!(filtered(&c, UsageFilter::All, None), vec![0, 1, 2]);
        assert_eq!(filtered(&c, UsageFilter::Used, None), vec![0]);
        assert_eq!(filtered(&c, UsageFilter::Unused, None), vec![1]);
        // The drill-down keeps the credentials of one expiry period; none of these expires.
        assert_eq!(filtered(&c, UsageFilter::All, Some(Bucket::Never)), vec![0, 1, 2]);
        assert_eq!(filtered(&c, UsageFilter::All, Bucket::parse("2026-03")), Vec::<usize>::new());
        let mut dated = c.clone();
        dated[1].expires = Some("2026-03-09T00:00:00Z".into());
        assert_eq!(filtered(&dated, UsageFilter::All, Bucket::parse("2026-03")), vec![1]);
        assert_eq!(filtered(&dated, UsageFilter::Used, Bucket::parse("2026-03")), Vec::<usize>::new());
        assert_eq!(counts(&c), (1, 1));
    }

    #[test]
    fn details_and_the_window_line_name_what_the_log_says() {
        let c = sample();
        let d = details(&c[0]).unwrap();
        assert!(d.contains("first used 2025-11-27") && d.contains("203.0.113.7") && d.contains("kubectl"), "{d}");
        assert!(details(&c[1]).is_none() && details(&c[2]).is_none());
        let audit = AuditSummary {
            files: vec!["audit.log".into()],
            requests: 1500,
            uncounted_requests: 0,
            from: Some("2025-11-27T08:00:00Z".into()),
            to: Some("2025-11-28T09:30:00Z".into()),
            identities: vec![],
            invalidated_tokens: vec![],
        };
        let line = window_line(&audit);
        assert_eq!(
            line,
            "audit log `audit.log`: 1\u{202f}500 requests from 2025-11-27 08:00 UTC to 2025-11-28 09:30 UTC"
        );
        assert!(line.starts_with(|c: char| c.is_lowercase()) && !line.ends_with('.'), "house style: {line}");
    }
}
