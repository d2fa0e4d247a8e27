//! What the page shows and how the URL fragment carries it: the tab, the filters, grouping and
//! sorting, the selected finding, and the embedding options. Never the report's data.

use crate::model::timeline::Bucket;
use crate::model::usage::UsageFilter;
use policy_core::Severity;
use policy_core::report::{BaselineState, Finding, Mechanism};
use std::collections::BTreeSet;

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

/// A finding compared with the baseline report, as the status filter offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compared {
    /// Not in the baseline.
    New,
    /// In the baseline too.
    Unchanged,
    /// In the baseline, gone now: listed from the baseline, never among this scan's findings.
    Fixed,
}

impl Compared {
    /// Every status, in menu order.
    pub const ALL: [Compared; 3] = [Self::New, Self::Unchanged, Self::Fixed];

    /// The fragment id and the word shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Unchanged => "unchanged",
            Self::Fixed => "fixed",
        }
    }

    /// Parse the fragment id.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether a finding of this scan has this status.
    pub fn matches(self, f: &Finding) -> bool {
        match self {
            Self::New => f.baseline == Some(BaselineState::New),
            Self::Unchanged => f.baseline == Some(BaselineState::Unchanged),
            Self::Fixed => false,
        }
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
    /// Compared with the baseline: new, unchanged or fixed.
    pub compared: Option<Compared>,
}

impl Filters {
    /// Whether a finding passes every filter.
    pub fn matches(&self, f: &Finding) -> bool {
        (self.severities.is_empty() || self.severities.contains(&f.severity))
            && (self.mechanisms.is_empty() || self.mechanisms.contains(&f.mechanism))
            && self.namespace.as_deref().is_none_or(|ns| f.object.namespace.as_deref().unwrap_or("") == ns)
            && self.kind.as_deref().is_none_or(|k| f.object.kind == k)
            && self.code.as_deref().is_none_or(|c| f.code.eq_ignore_ascii_case(c))
            && self.compared.is_none_or(|c| c.matches(f))
            && self.text_matches(f)
    }

    /// The filters in words, for an export that holds only what they let through
    /// (`severity `high`, `critical`; namespace `ci``); values in backticks.
    pub fn describe(&self) -> String {
        let list = |values: Vec<&str>| values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if !self.severities.is_empty() {
            parts.push(format!("severity {}", list(self.severities.iter().map(|s| s.as_str()).collect())));
        }
        if !self.mechanisms.is_empty() {
            parts.push(format!("mechanism {}", list(self.mechanisms.iter().map(|m| m.label()).collect())));
        }
        match self.namespace.as_deref() {
            Some("") => parts.push("cluster-scoped objects".to_string()),
            Some(ns) => parts.push(format!("namespace `{ns}`")),
            None => {}
        }
        if let Some(kind) = &self.kind {
            parts.push(format!("kind `{kind}`"));
        }
        if let Some(code) = &self.code {
            parts.push(format!("rule `{code}`"));
        }
        if let Some(compared) = self.compared {
            parts.push(format!("{} since the baseline", compared.as_str()));
        }
        if !self.text.trim().is_empty() {
            parts.push(format!("text `{}`", self.text.trim()));
        }
        if parts.is_empty() { "no filter".to_string() } else { parts.join("; ") }
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
    /// The Credentials tab's filter on usage in the audit log.
    pub usage: UsageFilter,
    /// The Credentials tab's drill-down: the expiry period of the chart's bar clicked.
    pub expiry: Option<Bucket>,
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
        if let Some(compared) = f.compared {
            parts.push(("status", compared.as_str().to_string()));
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
        if self.usage != UsageFilter::default() {
            parts.push(("used", self.usage.as_str().to_string()));
        }
        if let Some(bucket) = self.expiry {
            parts.push(("expires", bucket.as_key()));
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
                "status" => f.compared = Compared::parse(&value),
                "group" => state.group = Grouping::parse(&value).unwrap_or_default(),
                "sort" => state.sort = SortKey::parse(&value).unwrap_or_default(),
                "f" if !value.is_empty() => state.selected = Some(value),
                "used" => state.usage = UsageFilter::parse(&value).unwrap_or_default(),
                "expires" => state.expiry = Bucket::parse(&value),
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

#[cfg(test)]
mod tests {
    use super::*;
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
    fn the_baseline_status_filters_round_trip_and_every_filter_is_said_in_words() {
        let mut findings = crate::model::fixtures::sample();
        findings[0].baseline = Some(BaselineState::New);
        findings[1].baseline = Some(BaselineState::Unchanged);
        let new = Filters { compared: Some(Compared::New), ..Filters::default() };
        assert_eq!(findings.iter().filter(|f| new.matches(f)).count(), 1);
        let fixed = Filters { compared: Some(Compared::Fixed), ..Filters::default() };
        assert_eq!(findings.iter().filter(|f| fixed.matches(f)).count(), 0, "fixed ones are the baseline's");
        let view = ViewState { filters: new.clone(), ..ViewState::default() };
        assert_eq!(view.to_fragment(), "status=new");
        assert_eq!(ViewState::from_fragment("status=new").filters, new);
        assert_eq!(ViewState::from_fragment("status=bogus").filters, Filters::default());
        let many = Filters {
            severities: [Severity::High, Severity::Critical].into(),
            namespace: Some("ci".into()),
            code: Some("SA001".into()),
            text: " token ".into(),
            ..new
        };
        assert_eq!(
            many.describe(),
            "severity `high`, `critical`; namespace `ci`; rule `SA001`; new since the baseline; text `token`"
        );
        assert_eq!(Filters::default().describe(), "no filter");
    }

    #[test]
    fn the_credential_filters_travel_in_the_fragment_as_words_and_dates_only() {
        let view = ViewState {
            tab: Tab::Credentials,
            usage: UsageFilter::Unused,
            expiry: Bucket::parse("2026-03"),
            ..ViewState::default()
        };
        let frag = view.to_fragment();
        assert_eq!(frag, "tab=credentials&used=unused&expires=2026-03");
        assert_eq!(ViewState::from_fragment(&frag), view);
        let never = ViewState { expiry: Some(Bucket::Never), usage: UsageFilter::Used, ..ViewState::default() };
        assert_eq!(ViewState::from_fragment(&never.to_fragment()), never);
        // Junk values fall back to no filter.
        let junk = ViewState::from_fragment("used=maybe&expires=2026-99");
        assert_eq!((junk.usage, junk.expiry), (UsageFilter::All, None));
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
}
