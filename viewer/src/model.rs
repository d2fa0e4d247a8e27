//! The view-model: everything the page decides that is not drawing. Filters, grouping, sorting,
//! the URL fragment, mechanism scores, the expiry timeline and redacted source excerpts. Plain
//! Rust over the report types, tested natively (`cargo test -p viewer`).

use policy_core::inventory::credentials::Credential;
use policy_core::report::{Finding, Mechanism};
use policy_core::{Report, Severity};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Which tab of the report is showing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tab {
    /// The findings list and the detail panel.
    #[default]
    Findings,
    /// MX001: the mechanism inventory with scores.
    Mechanisms,
    /// MX004: credentials and their expiry timeline.
    Credentials,
    /// Rules that could not be judged, and the inputs' diagnostics.
    Coverage,
}

impl Tab {
    /// Every tab, in display order.
    pub const ALL: [Tab; 4] = [Self::Findings, Self::Mechanisms, Self::Credentials, Self::Coverage];

    /// The id used in the fragment and in element ids.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Findings => "findings",
            Self::Mechanisms => "mechanisms",
            Self::Credentials => "credentials",
            Self::Coverage => "coverage",
        }
    }

    /// Parse the fragment id.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// How the findings list is grouped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Grouping {
    /// One flat list.
    #[default]
    None,
    /// By rule code.
    Code,
    /// By namespace (cluster-scoped objects together).
    Namespace,
    /// By object kind.
    Kind,
    /// By mechanism of the guide.
    Mechanism,
    /// By severity.
    Severity,
}

impl Grouping {
    /// Every grouping, in menu order.
    pub const ALL: [Grouping; 6] =
        [Self::None, Self::Severity, Self::Code, Self::Mechanism, Self::Namespace, Self::Kind];

    /// The fragment id.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Code => "code",
            Self::Namespace => "namespace",
            Self::Kind => "kind",
            Self::Mechanism => "mechanism",
            Self::Severity => "severity",
        }
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "No grouping",
            Self::Code => "Rule",
            Self::Namespace => "Namespace",
            Self::Kind => "Kind",
            Self::Mechanism => "Mechanism",
            Self::Severity => "Severity",
        }
    }

    /// Parse the fragment id.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// How findings are ordered (inside each group).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Worst first, then code, then object (the report's own order).
    #[default]
    Severity,
    /// By rule code.
    Code,
    /// By object (kind, namespace, name).
    Object,
    /// By file and line.
    Source,
}

impl SortKey {
    /// Every order, in menu order.
    pub const ALL: [SortKey; 4] = [Self::Severity, Self::Code, Self::Object, Self::Source];

    /// The fragment id.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Severity => "severity",
            Self::Code => "code",
            Self::Object => "object",
            Self::Source => "source",
        }
    }

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Severity => "Severity",
            Self::Code => "Rule",
            Self::Object => "Object",
            Self::Source => "File and line",
        }
    }

    /// Parse the fragment id.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The findings filters. Empty sets and `None` mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Severities to show.
    pub severities: BTreeSet<Severity>,
    /// Mechanisms to show.
    pub mechanisms: BTreeSet<Mechanism>,
    /// One namespace; `Some("")` means cluster-scoped objects.
    pub namespace: Option<String>,
    /// One object kind.
    pub kind: Option<String>,
    /// One rule code.
    pub code: Option<String>,
    /// Free text, matched case-insensitively against message, code, slug, object and file.
    pub text: String,
}

impl Filters {
    /// Whether a finding passes every filter.
    pub fn matches(&self, f: &Finding) -> bool {
        (self.severities.is_empty() || self.severities.contains(&f.severity))
            && (self.mechanisms.is_empty() || self.mechanisms.contains(&f.mechanism))
            && self.namespace.as_deref().is_none_or(|ns| f.object.namespace.as_deref().unwrap_or("") == ns)
            && self.kind.as_deref().is_none_or(|k| f.object.kind == k)
            && self.code.as_deref().is_none_or(|c| f.code.eq_ignore_ascii_case(c))
            && self.text_matches(f)
    }

    fn text_matches(&self, f: &Finding) -> bool {
        let needle = self.text.trim().to_lowercase();
        if needle.is_empty() {
            return true;
        }
        let object = f.object.to_string();
        [f.message.as_str(), f.code.as_str(), f.slug.as_str(), object.as_str(), &f.source.path]
            .iter()
            .any(|hay| hay.to_lowercase().contains(&needle))
    }

    /// Whether any filter is set.
    pub fn is_active(&self) -> bool {
        *self != Self::default()
    }
}

/// Everything that the URL fragment carries: a view of a report, never its data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewState {
    /// The tab showing.
    pub tab: Tab,
    /// Findings filters.
    pub filters: Filters,
    /// Grouping of the findings list.
    pub group: Grouping,
    /// Order of the findings list.
    pub sort: SortKey,
    /// The selected finding's key ([`finding_key`]).
    pub selected: Option<String>,
}

impl ViewState {
    /// The fragment (without `#`): only non-default parts, in a fixed order.
    pub fn to_fragment(&self) -> String {
        let mut parts: Vec<(&str, String)> = Vec::new();
        if self.tab != Tab::default() {
            parts.push(("tab", self.tab.as_str().to_string()));
        }
        let f = &self.filters;
        if !f.severities.is_empty() {
            parts.push(("sev", f.severities.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")));
        }
        if !f.mechanisms.is_empty() {
            parts.push(("mech", f.mechanisms.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(",")));
        }
        if let Some(ns) = &f.namespace {
            parts.push(("ns", if ns.is_empty() { "-".to_string() } else { ns.clone() }));
        }
        if let Some(kind) = &f.kind {
            parts.push(("kind", kind.clone()));
        }
        if let Some(code) = &f.code {
            parts.push(("code", code.clone()));
        }
        if !f.text.is_empty() {
            parts.push(("q", f.text.clone()));
        }
        if self.group != Grouping::default() {
            parts.push(("group", self.group.as_str().to_string()));
        }
        if self.sort != SortKey::default() {
            parts.push(("sort", self.sort.as_str().to_string()));
        }
        if let Some(sel) = &self.selected {
            parts.push(("f", sel.clone()));
        }
        parts.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// Read a fragment (with or without `#`). Unknown keys and bad values are ignored, so an old
    /// or hand-edited link still opens. Keys that are not view state (embed options) pass through.
    pub fn from_fragment(fragment: &str) -> Self {
        let mut state = Self::default();
        for (key, value) in fragment_pairs(fragment) {
            let f = &mut state.filters;
            match key.as_str() {
                "tab" => state.tab = Tab::parse(&value).unwrap_or_default(),
                "sev" => f.severities = value.split(',').filter_map(Severity::parse).collect(),
                "mech" => {
                    f.mechanisms =
                        value.split(',').filter_map(|m| Mechanism::ALL.into_iter().find(|x| x.as_str() == m)).collect();
                }
                "ns" => f.namespace = Some(if value == "-" { String::new() } else { value }),
                "kind" if !value.is_empty() => f.kind = Some(value),
                "code" if !value.is_empty() => f.code = Some(value),
                "q" => f.text = value,
                "group" => state.group = Grouping::parse(&value).unwrap_or_default(),
                "sort" => state.sort = SortKey::parse(&value).unwrap_or_default(),
                "f" if !value.is_empty() => state.selected = Some(value),
                _ => {}
            }
        }
        state
    }
}

/// Options for an embedded viewer, read from the same fragment (`embed`, `compact`, `sample=off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedOptions {
    /// Running inside another page (an iframe): no page header, accepts dumps by `postMessage`.
    pub embedded: bool,
    /// Tighter layout: no summary cards, detail below the list.
    pub compact: bool,
    /// Whether the "try a sample cluster" button shows.
    pub sample: bool,
    /// Analyse the sample as soon as the page opens (`sample=load`): what `scripts/viewer.sh`
    /// links to, so the first page a user sees is a full report.
    pub load_sample: bool,
}

impl Default for EmbedOptions {
    fn default() -> Self {
        Self { embedded: false, compact: false, sample: true, load_sample: false }
    }
}

impl EmbedOptions {
    /// Read the embed options from a fragment.
    pub fn from_fragment(fragment: &str) -> Self {
        let mut options = Self::default();
        for (key, value) in fragment_pairs(fragment) {
            let on = !matches!(value.as_str(), "off" | "0" | "false" | "no");
            match key.as_str() {
                "embed" => options.embedded = on,
                "compact" => options.compact = on,
                "sample" => {
                    options.sample = on;
                    options.load_sample = value == "load";
                }
                _ => {}
            }
        }
        options
    }

    /// The fragment keys of these options (kept when the view state rewrites the fragment).
    pub fn to_fragment(self) -> String {
        let mut parts = Vec::new();
        if self.embedded {
            parts.push("embed");
        }
        if self.compact {
            parts.push("compact");
        }
        if !self.sample {
            parts.push("sample=off");
        }
        parts.join("&")
    }
}

/// The full fragment for a view inside (maybe) an embedding.
pub fn fragment(options: EmbedOptions, view: &ViewState) -> String {
    [options.to_fragment(), view.to_fragment()].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join("&")
}

fn fragment_pairs(fragment: &str) -> impl Iterator<Item = (String, String)> + '_ {
    fragment.trim_start_matches('#').split('&').filter(|p| !p.is_empty()).map(|pair| match pair.split_once('=') {
        Some((k, v)) => (decode(k), decode(v)),
        None => (decode(pair), String::new()),
    })
}

/// Percent-encode everything but unreserved characters and a few readable separators.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~,:/|@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Undo [`encode`] (and `+` as space); malformed escapes are kept as written.
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = || {
            let hi = char::from(*bytes.get(i + 1)?).to_digit(16)?;
            let lo = char::from(*bytes.get(i + 2)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        };
        match (b, hex()) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A finding's stable key for links: code, object and line. Identical for the same dump.
pub fn finding_key(f: &Finding) -> String {
    format!("{}|{}|{}", f.code, f.object, f.source.line)
}

/// Every finding's unique key, in report order: [`finding_key`], with `~2`, `~3`… appended when
/// a rule reports the same object and line more than once.
pub fn finding_keys(findings: &[Finding]) -> Vec<String> {
    let mut maker = KeyMaker::default();
    findings.iter().map(|f| maker.key(f)).collect()
}

/// Makes [`finding_keys`] one finding at a time, so the page can key findings as they arrive.
#[derive(Debug, Default)]
pub struct KeyMaker {
    seen: std::collections::HashMap<String, usize>,
}

impl KeyMaker {
    /// The next finding's unique key.
    pub fn key(&mut self, f: &Finding) -> String {
        let key = finding_key(f);
        let n = self.seen.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n == 1 { key } else { format!("{key}~{n}") }
    }
}

/// Indices of the findings that pass the filters, ordered by `sort`.
pub fn visible(findings: &[Finding], filters: &Filters, sort: SortKey) -> Vec<usize> {
    let mut idx: Vec<usize> = findings.iter().enumerate().filter(|(_, f)| filters.matches(f)).map(|(i, _)| i).collect();
    let key = |i: &usize| findings.get(*i);
    match sort {
        // The report is already in this order.
        SortKey::Severity => {}
        SortKey::Code => {
            idx.sort_by(|a, b| key(a).map(|f| (&f.code, &f.object)).cmp(&key(b).map(|f| (&f.code, &f.object))))
        }
        SortKey::Object => {
            idx.sort_by(|a, b| key(a).map(|f| (&f.object, &f.code)).cmp(&key(b).map(|f| (&f.object, &f.code))))
        }
        SortKey::Source => idx.sort_by(|a, b| key(a).map(|f| &f.source).cmp(&key(b).map(|f| &f.source))),
    }
    idx
}

/// A group of the findings list: its label and member indices (in sorted order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Stable id (for collapse state and element ids).
    pub id: String,
    /// Shown in the group's header.
    pub label: String,
    /// The worst severity inside (for the header's badge).
    pub worst: Severity,
    /// Indices into the report's findings.
    pub members: Vec<usize>,
}

/// Split sorted indices into groups. Group order: worst severity first, then label.
pub fn group(findings: &[Finding], sorted: &[usize], grouping: Grouping) -> Vec<Group> {
    if grouping == Grouping::None {
        let worst = sorted.iter().filter_map(|i| findings.get(*i)).map(|f| f.severity).max();
        return vec![Group {
            id: "all".to_string(),
            label: "All findings".to_string(),
            worst: worst.unwrap_or(Severity::Info),
            members: sorted.to_vec(),
        }];
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for &i in sorted {
        let Some(f) = findings.get(i) else { continue };
        let (id, label) = match grouping {
            Grouping::None | Grouping::Code => (f.code.clone(), format!("{} {}", f.code, f.slug)),
            Grouping::Namespace => match f.object.namespace.as_deref() {
                Some(ns) => (ns.to_string(), ns.to_string()),
                None => ("-".to_string(), "Cluster-scoped".to_string()),
            },
            Grouping::Kind => (
                f.object.kind.clone(),
                if f.object.kind.is_empty() { "(no kind)".into() } else { f.object.kind.clone() },
            ),
            Grouping::Mechanism => (f.mechanism.as_str().to_string(), f.mechanism.label().to_string()),
            Grouping::Severity => (f.severity.as_str().to_string(), capitalize(f.severity.as_str())),
        };
        let g = groups.entry(id.clone()).or_insert_with(|| Group { id, label, worst: f.severity, members: Vec::new() });
        g.worst = g.worst.max(f.severity);
        g.members.push(i);
    }
    let mut out: Vec<Group> = groups.into_values().collect();
    out.sort_by(|a, b| b.worst.cmp(&a.worst).then_with(|| a.label.cmp(&b.label)));
    out
}

/// The distinct values a filter menu offers, with how many findings have each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// Namespace (`""` for cluster-scoped) → count.
    pub namespaces: BTreeMap<String, usize>,
    /// Kind → count.
    pub kinds: BTreeMap<String, usize>,
    /// Code → (slug, count).
    pub codes: BTreeMap<String, (String, usize)>,
    /// Mechanism → count.
    pub mechanisms: BTreeMap<Mechanism, usize>,
}

/// Collect the filter menus' options from all findings.
pub fn facets(findings: &[Finding]) -> Facets {
    let mut out = Facets::default();
    for f in findings {
        out.add(f);
    }
    out
}

impl Facets {
    /// Count one more finding.
    pub fn add(&mut self, f: &Finding) {
        let ns = f.object.namespace.as_deref().unwrap_or("");
        match self.namespaces.get_mut(ns) {
            Some(n) => *n += 1,
            None => {
                self.namespaces.insert(ns.to_string(), 1);
            }
        }
        match self.kinds.get_mut(&f.object.kind) {
            Some(n) => *n += 1,
            None => {
                self.kinds.insert(f.object.kind.clone(), 1);
            }
        }
        match self.codes.get_mut(&f.code) {
            Some((_, n)) => *n += 1,
            None => {
                self.codes.insert(f.code.clone(), (f.slug.clone(), 1));
            }
        }
        *self.mechanisms.entry(f.mechanism).or_default() += 1;
    }
}

/// A mechanism's health in one number, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MechanismScore {
    /// Which mechanism.
    pub mechanism: Mechanism,
    /// 0 (bad) to 100 (no findings).
    pub score: u32,
    /// Findings per severity.
    pub counts: BTreeMap<Severity, usize>,
    /// Enabled / disabled / unknown from MX001, when the report has it.
    pub state: Option<policy_core::inventory::mechanisms::State>,
}

impl MechanismScore {
    /// A word for the score band.
    pub fn grade(&self) -> &'static str {
        match self.score {
            90.. => "good",
            60..90 => "fair",
            _ => "poor",
        }
    }
}

/// What one finding of a severity costs a mechanism's score.
pub fn penalty(severity: Severity) -> u32 {
    match severity {
        Severity::Critical => 40,
        Severity::High => 20,
        Severity::Medium => 8,
        Severity::Low => 3,
        Severity::Info => 0,
    }
}

/// One score per mechanism of the guide, in the guide's order: 100 minus the findings' penalties.
pub fn mechanism_scores(report: &Report) -> Vec<MechanismScore> {
    Mechanism::ALL
        .into_iter()
        .map(|mechanism| {
            let mut counts = BTreeMap::new();
            for f in report.findings.iter().filter(|f| f.mechanism == mechanism) {
                *counts.entry(f.severity).or_insert(0usize) += 1;
            }
            let lost: u64 = counts.iter().map(|(s, n)| u64::from(penalty(*s)).saturating_mul(*n as u64)).sum();
            let score = u32::try_from(100u64.saturating_sub(lost)).unwrap_or(0);
            let state = report.mechanisms.iter().find(|m| m.mechanism == mechanism).map(|m| m.state);
            MechanismScore { mechanism, score, counts, state }
        })
        .collect()
}

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
            let label = credentials.get(d.index).map(|c| c.identity.clone()).unwrap_or_default();
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

/// One line of a source excerpt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExcerptLine {
    /// 1-based line number.
    pub number: u32,
    /// The text, with secret values replaced.
    pub text: String,
    /// The finding's own line.
    pub highlight: bool,
}

/// What stands in for a secret value in an excerpt.
pub const REDACTED: &str = "‹redacted›";

/// Lines `line - radius ..= line + radius` of a file, with secret values redacted: the values
/// under `data`/`stringData` of any object that is not a ConfigMap, keys that name secrets
/// (token, password, key data…), `--token=`-style flags, bearer tokens, JWTs and long base64 runs,
/// and the token column of CSV files (static token files).
pub fn excerpt(path: &str, text: &str, line: u32, radius: u32) -> Vec<ExcerptLine> {
    let first = line.saturating_sub(radius).max(1);
    let last = line.saturating_add(radius);
    // Enough lines around the window to see which block a line is in and which kind holds it.
    let context_first = first.saturating_sub(CONTEXT).max(1);
    let skip = usize::try_from(context_first - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(last.saturating_add(CONTEXT) - context_first + 1).unwrap_or(usize::MAX);
    let window: Vec<&str> = text.lines().skip(skip).take(take).collect();
    let csv = path.to_ascii_lowercase().ends_with(".csv");
    let secret = if csv { vec![false; window.len()] } else { secret_value_lines(&window) };
    let mut out = Vec::new();
    for (i, raw) in window.iter().enumerate() {
        let number = context_first.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        if number < first || number > last {
            continue;
        }
        let text = if csv {
            redact_csv(raw)
        } else if secret.get(i).copied().unwrap_or(false) {
            redact_value(raw)
        } else {
            redact_line(raw)
        };
        out.push(ExcerptLine { number, text: shorten(text, EXCERPT_LINE_CHARS), highlight: number == line });
    }
    out
}

/// Characters of one excerpt line shown: a hostile file's megabyte-long line stays readable.
const EXCERPT_LINE_CHARS: usize = 400;

fn shorten(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

/// Lines of context read around an excerpt to find the enclosing block and kind.
const CONTEXT: u32 = 400;

fn redact_csv(line: &str) -> String {
    match line.split_once(',') {
        Some((_, rest)) if !line.trim_start().starts_with('#') => format!("{REDACTED},{rest}"),
        _ => line.to_string(),
    }
}

/// Column where a line's content starts (after indentation and a list dash), or `None` when blank
/// or a comment.
fn content_column(raw: &str) -> Option<usize> {
    let body = raw.trim_start();
    if body.is_empty() || body.starts_with('#') {
        return None;
    }
    let indent = raw.len() - body.len();
    let after_dash = body.strip_prefix("- ").map(str::trim_start);
    Some(after_dash.map_or(indent, |rest| raw.len() - rest.len()))
}

fn indent_of(raw: &str) -> usize {
    raw.len() - raw.trim_start().len()
}

/// The key of a `key: value` line (quotes and list dash removed) and its value.
fn key_value(raw: &str) -> Option<(String, &str)> {
    let body = raw.trim_start();
    let item = body.strip_prefix("- ").map_or(body, str::trim_start);
    let (key, value) = split_key_value(item)?;
    Some((key.trim().trim_matches(|c| c == '"' || c == '\'').to_string(), value))
}

/// Which lines hold values of a secret block (`data`/`stringData` of anything but a ConfigMap).
fn secret_value_lines(lines: &[&str]) -> Vec<bool> {
    let mut secret = vec![false; lines.len()];
    for (i, raw) in lines.iter().enumerate() {
        let Some((key, value)) = key_value(raw) else { continue };
        let opens_block = matches!(value.trim(), "" | "{");
        if !(opens_block && matches!(key.as_str(), "data" | "stringData")) {
            continue;
        }
        let Some(column) = content_column(raw) else { continue };
        if enclosing_kind(lines, i, column).as_deref() == Some("ConfigMap") {
            continue;
        }
        for (j, line) in lines.iter().enumerate().skip(i + 1) {
            let body = line.trim();
            let closes = body.starts_with('}') && indent_of(line) <= column;
            if closes || line.starts_with("---") || content_column(line).is_some_and(|c| c <= column) {
                break;
            }
            if let Some(flag) = secret.get_mut(j) {
                *flag = true;
            }
        }
    }
    secret
}

/// The `kind` of the object a key at `column` on line `at` belongs to: the sibling `kind:` key,
/// looked for before and after until the object ends.
fn enclosing_kind(lines: &[&str], at: usize, column: usize) -> Option<String> {
    let is_kind = |raw: &str| {
        key_value(raw)
            .filter(|(k, _)| k == "kind")
            .map(|(_, v)| v.trim().trim_matches(|c| c == '"' || c == ',').to_string())
    };
    // Backwards: siblings until a line that starts the object (a list dash) or sits left of it.
    for raw in lines.iter().take(at).rev() {
        let Some(c) = content_column(raw) else { continue };
        if c == column
            && let Some(kind) = is_kind(raw)
        {
            return Some(kind);
        }
        if c < column || raw.starts_with("---") || (c == column && raw.trim_start().starts_with("- ")) {
            break;
        }
    }
    for raw in lines.iter().skip(at + 1) {
        let Some(c) = content_column(raw) else { continue };
        if c < column || raw.starts_with("---") || (c == column && raw.trim_start().starts_with("- ")) {
            break;
        }
        if c == column
            && let Some(kind) = is_kind(raw)
        {
            return Some(kind);
        }
    }
    None
}

/// A line inside a secret block: keep the key, hide the value (or the whole line if it has no key).
fn redact_value(raw: &str) -> String {
    let indent = raw.get(..indent_of(raw)).unwrap_or("");
    let body = raw.trim_start();
    if body.is_empty() || body.starts_with('}') || body.starts_with('#') {
        return raw.to_string();
    }
    match split_key_value(body) {
        Some((key, value)) if !value.trim().is_empty() => format!("{indent}{key}: {REDACTED}"),
        Some(_) => raw.to_string(),
        None => format!("{indent}{REDACTED}"),
    }
}

/// Any other line: hide the value of secret-named keys, then secrets inside values.
fn redact_line(raw: &str) -> String {
    if let Some((key, value)) = key_value(raw)
        && is_secret_key(&key)
        && !is_harmless(value)
    {
        let body = raw.trim_start();
        let item = body.strip_prefix("- ").map_or(body, str::trim_start);
        let prefix = raw.get(..raw.len() - item.len()).unwrap_or("");
        let key_text = split_key_value(item).map_or("", |(k, _)| k);
        return format!("{prefix}{key_text}: {REDACTED}");
    }
    redact_inline(raw)
}

const SECRET_KEYS: &[&str] = &[
    "token",
    "password",
    "passwd",
    "secret",
    "client-key-data",
    "private-key",
    "privatekey",
    "id-token",
    "refresh-token",
    "access-token",
    "client-secret",
    "credential",
    "credentials",
    "apikey",
    "api-key",
    "ssh-privatekey",
];

fn is_secret_key(key: &str) -> bool {
    let key = key.trim().trim_matches(|c| c == '"' || c == '\'').to_ascii_lowercase().replace('_', "-");
    SECRET_KEYS.iter().any(|s| key == *s || key.ends_with(&format!("-{s}")) || key.ends_with(&format!(".{s}")))
        || key.ends_with("token")
        || key.ends_with("password")
        || key.ends_with(".key")
        || key.ends_with("-key-data")
}

/// Values that name a file, open a block or are booleans: not secrets.
fn is_harmless(value: &str) -> bool {
    let v = value.trim().trim_end_matches(',').trim_matches(|c| c == '"' || c == '\'');
    v.is_empty()
        || v.starts_with('/')
        || v.starts_with('{')
        || v.starts_with('[')
        || v == "|"
        || v == ">"
        || v.eq_ignore_ascii_case("true")
        || v.eq_ignore_ascii_case("false")
        || v.eq_ignore_ascii_case("null")
}

/// Split `key: value` (the colon followed by a space or the end), ignoring colons inside a
/// quoted key.
fn split_key_value(item: &str) -> Option<(&str, &str)> {
    let mut in_quote: Option<char> = None;
    for (i, c) in item.char_indices() {
        match (c, in_quote) {
            ('"' | '\'', None) if i == 0 => in_quote = Some(c),
            (q, Some(open)) if q == open => in_quote = None,
            (':', None) => {
                let rest = item.get(i + 1..)?;
                if rest.is_empty() || rest.starts_with(' ') {
                    return Some((item.get(..i)?, rest));
                }
            }
            (' ', None) => return None,
            _ => {}
        }
    }
    None
}

/// Redact secrets that sit inside a value: `--token=…`, `--password …`, `Bearer …`, JWTs and
/// long base64 runs.
pub fn redact_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        let start = rest.find(|c: char| is_word_char(c)).unwrap_or(rest.len());
        out.push_str(rest.get(..start).unwrap_or(""));
        rest = rest.get(start..).unwrap_or("");
        let end = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
        let word = rest.get(..end).unwrap_or("");
        out.push_str(&redact_word(word, &out));
        rest = rest.get(end..).unwrap_or("");
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+/=-_.:".contains(c)
}

fn redact_word(word: &str, before: &str) -> String {
    // `--token=abc`: keep the flag, hide the value.
    if let Some((flag, value)) = word.split_once('=')
        && flag.starts_with("--")
        && is_secret_key(flag.trim_start_matches('-'))
        && !is_harmless(value)
        && !value.is_empty()
    {
        return format!("{flag}={REDACTED}");
    }
    let previous = before.trim_end().rsplit(|c: char| c.is_whitespace() || c == '"').next().unwrap_or("");
    if previous.eq_ignore_ascii_case("bearer")
        || (previous.starts_with("--") && is_secret_key(previous.trim_start_matches('-')))
    {
        return REDACTED.to_string();
    }
    let looks_jwt = word.starts_with("eyJ") && word.matches('.').count() >= 2;
    let base64ish = word.len() >= 32
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "+/=_-".contains(c))
        && word.chars().any(|c| c.is_ascii_digit())
        && word.chars().any(|c| c.is_ascii_uppercase())
        && word.chars().any(|c| c.is_ascii_lowercase());
    if looks_jwt || base64ish { REDACTED.to_string() } else { word.to_string() }
}

/// Human bytes: `512 B`, `1.5 kB`, `12.3 MB`.
pub fn human_bytes(bytes: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let b = bytes as f64;
    if bytes < 1000 {
        format!("{bytes} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else if b < 1e9 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.2} GB", b / 1e9)
    }
}

/// A count with thin grouping: `12 345`.
pub fn human_count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// `Critical` from `critical`.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The date part of an RFC 3339 instant, or the text as it is.
pub fn short_date(text: &str) -> String {
    text.get(..10).filter(|d| d.len() == 10 && text.len() > 10).unwrap_or(text).to_string()
}

/// The lines a virtual list draws, as a range `first..last` of `total` lines each `line_h`
/// pixels high, scrolled by `scroll_top` in a viewport `viewport_h` high: all of them up to
/// `draw_all_up_to` lines, else those in view plus `overscan` around them. The first line moves in
/// steps of `overscan`, so small scrolls keep the same range and need no redraw.
pub fn window(
    total: usize,
    scroll_top: f64,
    viewport_h: f64,
    line_h: f64,
    overscan: usize,
    draw_all_up_to: usize,
) -> (usize, usize) {
    if total <= draw_all_up_to || line_h <= 0.0 {
        return (0, total);
    }
    let step = overscan.max(1);
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "non-negative pixel counts")]
    let (top_line, in_view) = ((scroll_top.max(0.0) / line_h) as usize, (viewport_h.max(0.0) / line_h).ceil() as usize);
    let first = (top_line / step * step).saturating_sub(overscan).min(total);
    (first, first.saturating_add(in_view).saturating_add(3 * overscan).min(total))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use policy_core::report::{Evidence, ObjectRef, Source};

    fn finding(
        code: &str,
        severity: Severity,
        mechanism: Mechanism,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        line: u32,
    ) -> Finding {
        Finding {
            code: code.to_string(),
            slug: format!("slug-of-{}", code.to_lowercase()),
            severity,
            mechanism,
            object: ObjectRef {
                api_version: "v1".into(),
                kind: kind.into(),
                namespace: ns.map(Into::into),
                name: name.into(),
            },
            source: Source { path: "dump.yaml".into(), line },
            message: format!("`{name}` is flagged by {code}"),
            evidence: vec![Evidence::plain("spec", "x")],
            remediation: "fix it".into(),
            docs: String::new(),
            related: vec![],
            id: String::new(),
            suppression: None,
            also_in: Vec::new(),
            baseline: None,
        }
    }

    fn sample() -> Vec<Finding> {
        vec![
            finding(
                "ST001",
                Severity::High,
                Mechanism::StaticTokenFile,
                "Pod",
                Some("kube-system"),
                "kube-apiserver",
                40,
            ),
            finding(
                "SA001",
                Severity::Medium,
                Mechanism::ServiceAccountTokens,
                "Secret",
                Some("default"),
                "old-token",
                12,
            ),
            finding(
                "SA001",
                Severity::Medium,
                Mechanism::ServiceAccountTokens,
                "Secret",
                Some("ci"),
                "deployer-token",
                90,
            ),
            finding(
                "CC002",
                Severity::Low,
                Mechanism::ClientCertificates,
                "CertificateSigningRequest",
                None,
                "alice",
                3,
            ),
        ]
    }

    #[test]
    fn filters_combine_and_text_is_case_insensitive() {
        let f = sample();
        let mut filters = Filters::default();
        assert_eq!(visible(&f, &filters, SortKey::Severity), vec![0, 1, 2, 3]);
        filters.severities.insert(Severity::Medium);
        assert_eq!(visible(&f, &filters, SortKey::Severity), vec![1, 2]);
        filters.namespace = Some("ci".into());
        assert_eq!(visible(&f, &filters, SortKey::Severity), vec![2]);
        let text = Filters { text: "DEPLOYER".into(), ..Filters::default() };
        assert_eq!(visible(&f, &text, SortKey::Severity), vec![2]);
        let cluster = Filters { namespace: Some(String::new()), ..Filters::default() };
        assert_eq!(visible(&f, &cluster, SortKey::Severity), vec![3]);
        let code = Filters { code: Some("sa001".into()), kind: Some("Secret".into()), ..Filters::default() };
        assert_eq!(visible(&f, &code, SortKey::Severity), vec![1, 2]);
        let mech = Filters { mechanisms: [Mechanism::ClientCertificates].into(), ..Filters::default() };
        assert_eq!(visible(&f, &mech, SortKey::Severity), vec![3]);
        assert!(mech.is_active());
        assert!(!Filters::default().is_active());
    }

    #[test]
    fn sorting_orders_by_the_chosen_key() {
        let f = sample();
        let all = Filters::default();
        assert_eq!(visible(&f, &all, SortKey::Code), vec![3, 2, 1, 0]);
        // Object order: kind first, so the CSR sorts before the Pod and the Secrets.
        assert_eq!(visible(&f, &all, SortKey::Object), vec![3, 0, 2, 1]);
        assert_eq!(visible(&f, &all, SortKey::Source), vec![3, 1, 0, 2]);
    }

    #[test]
    fn grouping_puts_the_worst_group_first() {
        let f = sample();
        let order = visible(&f, &Filters::default(), SortKey::Severity);
        let groups = group(&f, &order, Grouping::Code);
        let labels: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(labels, vec!["ST001", "SA001", "CC002"]);
        assert_eq!(groups[1].members, vec![1, 2]);
        let by_ns = group(&f, &order, Grouping::Namespace);
        assert_eq!(
            by_ns.iter().map(|g| g.label.as_str()).collect::<Vec<_>>(),
            vec!["kube-system", "ci", "default", "Cluster-scoped"]
        );
        let flat = group(&f, &order, Grouping::None);
        assert_eq!(flat.len(), 1);
        assert_eq!(flat[0].members.len(), 4);
        assert_eq!(flat[0].worst, Severity::High);
    }

    #[test]
    fn facets_count_each_value() {
        let facets = facets(&sample());
        assert_eq!(facets.namespaces.get(""), Some(&1));
        assert_eq!(facets.namespaces.get("ci"), Some(&1));
        assert_eq!(facets.kinds.get("Secret"), Some(&2));
        assert_eq!(facets.codes.get("SA001"), Some(&("slug-of-sa001".to_string(), 2)));
        assert_eq!(facets.mechanisms.get(&Mechanism::StaticTokenFile), Some(&1));
    }

    #[test]
    fn fragment_round_trips_and_ignores_junk() {
        let mut view = ViewState { tab: Tab::Findings, ..ViewState::default() };
        view.filters.severities = [Severity::High, Severity::Critical].into();
        view.filters.mechanisms = [Mechanism::Oidc].into();
        view.filters.namespace = Some(String::new());
        view.filters.text = "a b&c=d#e".into();
        view.group = Grouping::Kind;
        view.sort = SortKey::Source;
        view.selected = Some("SA001|Secret/default/old-token|12".into());
        let frag = view.to_fragment();
        assert_eq!(
            frag,
            "sev=high,critical&mech=oidc&ns=-&q=a%20b%26c%3Dd%23e&group=kind&sort=source&f=SA001|Secret/default/old-token|12"
        );
        assert_eq!(ViewState::from_fragment(&format!("#{frag}")), view);
        let junk = ViewState::from_fragment("#sev=bogus,low&tab=nope&group=?&zzz=1&embed");
        assert_eq!(junk.filters.severities, [Severity::Low].into());
        assert_eq!(junk.tab, Tab::Findings);
        assert_eq!(junk.group, Grouping::None);
        assert_eq!(ViewState::default().to_fragment(), "");
        assert_eq!(decode("%zz%4"), "%zz%4");
        assert_eq!(decode("%C3%A9+x"), "é x");
    }

    #[test]
    fn embed_options_read_from_the_fragment() {
        let o = EmbedOptions::from_fragment("#embed&compact&sample=off&tab=credentials");
        assert_eq!(o, EmbedOptions { embedded: true, compact: true, sample: false, load_sample: false });
        let loading = EmbedOptions::from_fragment("#sample=load&tab=findings");
        assert_eq!(loading, EmbedOptions { embedded: false, compact: false, sample: true, load_sample: true });
        assert_eq!(EmbedOptions::from_fragment(""), EmbedOptions::default());
        let view = ViewState { tab: Tab::Credentials, ..ViewState::default() };
        assert_eq!(fragment(o, &view), "embed&compact&sample=off&tab=credentials");
        assert_eq!(fragment(EmbedOptions::default(), &ViewState::default()), "");
    }

    fn report_with(findings: Vec<Finding>) -> Report {
        Report {
            tool: policy_core::report::Tool { name: "authn-audit".into(), version: "0".into() },
            evaluated_at: "2026-01-01T00:00:00Z".into(),
            inputs: vec![],
            findings,
            not_assessable: vec![],
            mechanisms: vec![],
            credentials: vec![],
            summary: policy_core::report::Summary::default(),
            stale_suppressions: vec![],
            fixed: vec![],
        }
    }

    #[test]
    fn scores_lose_points_per_finding_and_floor_at_zero() {
        let mut findings = sample();
        for i in 0..3 {
            findings.push(finding("ST002", Severity::Critical, Mechanism::StaticTokenFile, "Pod", None, "p", i));
        }
        let scores = mechanism_scores(&report_with(findings));
        assert_eq!(scores.len(), Mechanism::ALL.len());
        let by = |m| scores.iter().find(|s| s.mechanism == m).unwrap();
        assert_eq!(by(Mechanism::ServiceAccountTokens).score, 84);
        assert_eq!(by(Mechanism::ServiceAccountTokens).grade(), "fair");
        assert_eq!(by(Mechanism::ClientCertificates).score, 97);
        assert_eq!(by(Mechanism::StaticTokenFile).score, 0);
        assert_eq!(by(Mechanism::StaticTokenFile).grade(), "poor");
        assert_eq!(by(Mechanism::Oidc).score, 100);
        assert_eq!(by(Mechanism::Oidc).grade(), "good");
        assert_eq!(by(Mechanism::ServiceAccountTokens).counts.get(&Severity::Medium), Some(&2));
    }

    fn credential(identity: &str, not_before: Option<&str>, expires: Option<&str>) -> Credential {
        use policy_core::inventory::credentials::CredentialKind;
        Credential {
            kind: CredentialKind::ClientCertificate,
            identity: identity.into(),
            groups: vec![],
            issuer: None,
            not_before: not_before.map(Into::into),
            expires: expires.map(Into::into),
            last_used: None,
            status: "valid".into(),
            fingerprint: "sha256:0".into(),
            object: ObjectRef::default(),
            source: Source::default(),
            path: String::new(),
        }
    }

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
    }

    #[test]
    fn excerpt_lines_are_cut_to_a_readable_length() {
        let long = format!("spec:\n  big: {}é\n", "lorem ipsum ".repeat(1000));
        let lines = excerpt("cm.yaml", &long, 2, 1);
        let text = &lines.iter().find(|l| l.number == 2).unwrap().text;
        assert_eq!(text.chars().count(), EXCERPT_LINE_CHARS + 1);
        assert!(text.starts_with("  big: lorem ipsum") && text.ends_with('…'), "{text}");
        assert_eq!(lines[0].text, "spec:");
    }

    #[test]
    fn excerpt_redacts_secret_data_but_not_configmaps() {
        let text = "\
apiVersion: v1
items:
- apiVersion: v1
  data:
    ca.crt: aGVsbG8=
    token: c2hvcnQ=
  kind: Secret
  metadata:
    name: old-token
- apiVersion: v1
  data:
    config: plain-setting
  kind: ConfigMap
  metadata:
    name: settings
";
        let lines = excerpt("dump.yaml", text, 6, 100);
        assert_eq!(lines.len(), 15);
        let joined: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined[4], "    ca.crt: ‹redacted›");
        assert_eq!(joined[5], "    token: ‹redacted›");
        assert!(lines[5].highlight && !lines[4].highlight);
        assert_eq!(joined[11], "    config: plain-setting");
        assert_eq!(joined[8], "    name: old-token");
        assert!(!joined.iter().any(|l| l.contains("c2hvcnQ")));
    }

    #[test]
    fn excerpt_window_and_inline_secrets() {
        let text = "\
spec:
  containers:
  - command:
    - kube-apiserver
    - --token-auth-file=/etc/kubernetes/tokens.csv
    - --oidc-client-secret=hunter2
    - --kubelet-client-key=/pki/k.key
    env:
    - name: X
      value: Bearer abc.def
    password: hunter2
    clientKeyData: QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwYWJjZGVm
    automountServiceAccountToken: true
";
        let lines = excerpt("pod.yaml", text, 5, 1);
        assert_eq!(lines.iter().map(|l| l.number).collect::<Vec<_>>(), vec![4, 5, 6]);
        assert_eq!(lines[1].text, "    - --token-auth-file=/etc/kubernetes/tokens.csv");
        assert_eq!(lines[2].text, "    - --oidc-client-secret=‹redacted›");
        let all = excerpt("pod.yaml", text, 1, 100);
        let t: Vec<&str> = all.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(t[6], "    - --kubelet-client-key=/pki/k.key");
        assert_eq!(t[9], "      value: Bearer ‹redacted›");
        assert_eq!(t[10], "    password: ‹redacted›");
        assert_eq!(t[11], "    clientKeyData: ‹redacted›");
        assert_eq!(t[12], "    automountServiceAccountToken: true");
        assert!(excerpt("x.yaml", text, 99, 2).is_empty());
    }

    #[test]
    fn excerpt_redacts_json_secrets_and_csv_tokens() {
        let json = r#"{
    "apiVersion": "v1",
    "data": {
        "token": "c2hvcnQ="
    },
    "kind": "Secret"
}"#;
        let t: Vec<String> = excerpt("d.json", json, 4, 10).into_iter().map(|l| l.text).collect();
        assert_eq!(t[3], r#"        "token": ‹redacted›"#);
        assert_eq!(t[5], r#"    "kind": "Secret""#);
        let csv = "s3cr3t,alice,1001,\"system:masters\"\n# comment,x\n";
        let t: Vec<String> = excerpt("tokens.csv", csv, 1, 1).into_iter().map(|l| l.text).collect();
        assert_eq!(t, vec!["‹redacted›,alice,1001,\"system:masters\"".to_string(), "# comment,x".to_string()]);
        let jwt = "  id-token-hint eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
        assert_eq!(redact_inline(jwt), "  id-token-hint ‹redacted›");
    }

    #[test]
    fn keys_are_unique_and_stable() {
        let mut f = sample();
        f.push(f[1].clone());
        f.push(f[1].clone());
        let keys = finding_keys(&f);
        assert_eq!(keys[1], "SA001|Secret/default/old-token|12");
        assert_eq!(keys[4], "SA001|Secret/default/old-token|12~2");
        assert_eq!(keys[5], "SA001|Secret/default/old-token|12~3");
        assert_eq!(keys.iter().collect::<BTreeSet<_>>().len(), keys.len());
        assert_eq!(finding_keys(&f), keys);
    }

    #[test]
    fn human_formats() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500), "1.5 kB");
        assert_eq!(human_bytes(12_345_678), "12.3 MB");
        assert_eq!(human_count(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(human_count(12), "12");
        assert_eq!(capitalize("critical"), "Critical");
        assert_eq!(short_date("2026-01-02T03:04:05Z"), "2026-01-02");
        assert_eq!(short_date("unknown"), "unknown");
    }

    #[test]
    fn virtual_window_covers_the_view_and_stays_bounded() {
        // Short lists are drawn whole.
        assert_eq!(window(120, 5_000.0, 600.0, 60.0, 10, 150), (0, 120));
        // At the top: the 10 lines in view plus overscan below.
        assert_eq!(window(40_000, 0.0, 600.0, 60.0, 10, 150), (0, 40));
        // Scrolled to line 1234: starts a step above the view and covers it.
        let (first, last) = window(40_000, 1234.0 * 60.0, 600.0, 60.0, 10, 150);
        assert_eq!((first, last), (1220, 1260));
        assert!(first <= 1234 && last >= 1234 + 10);
        // A few pixels further the range is unchanged (no redraw).
        assert_eq!(window(40_000, 1239.0 * 60.0, 600.0, 60.0, 10, 150), (1220, 1260));
        // At the end it stops at the last line.
        assert_eq!(window(40_000, 39_995.0 * 60.0, 600.0, 60.0, 10, 150), (39_980, 40_000));
        // Scroll offsets past the end (a list that just shrank) still give a valid range.
        let (first, last) = window(200, 1e9, 600.0, 60.0, 10, 150);
        assert!(first <= last && last == 200);
    }
}
