//! The Credentials tab (MX004): every credential the dump reveals, with an expiry chart.

use crate::components::Shared;
use crate::model::{self, UsageFilter, usage};
use policy_core::Report;
use yew::prelude::*;

/// The credential inventory's input.
#[derive(Properties, PartialEq)]
pub struct CredentialsProps {
    /// The report.
    pub report: Shared<Report>,
}

/// Rows of the table drawn at a time: a dump of 100k objects reveals over ten thousand
/// credentials, and drawing them all froze the page for seconds.
const PAGE_ROWS: usize = 200;

/// The credentials table (a page at a time) and the expiry timeline.
#[function_component]
pub fn CredentialInventory(props: &CredentialsProps) -> Html {
    let report = &props.report;
    let page = use_state_eq(|| 0usize);
    let filter = use_state_eq(UsageFilter::default);
    {
        // A new report starts on its first page, unfiltered.
        let (page, filter) = (page.clone(), filter.clone());
        use_effect_with(report.clone(), move |_| {
            page.set(0);
            filter.set(UsageFilter::All);
        });
    }
    let shown = use_memo((report.clone(), *filter), |(report, filter)| usage::filtered(&report.credentials, *filter));
    let log_given = report.audit.is_some();
    let timeline = use_memo(report.clone(), |report| {
        let now = model::parse_time(&report.evaluated_at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        model::timeline(&report.credentials, now, 40)
    });
    if report.credentials.is_empty() {
        return html! { <p class="empty">{"This dump reveals no credentials (client certificates, CSRs, token Secrets, kubeconfig users)."}</p> };
    }
    let total = shown.len();
    let (first, last) = model::page_range(total, *page, PAGE_ROWS);
    let pages = total.div_ceil(PAGE_ROWS);
    let go = |to: usize| {
        let page = page.clone();
        Callback::from(move |_: MouseEvent| page.set(to))
    };
    let filter_bar = log_given.then(|| {
        let (used, unused) = usage::counts(&report.credentials);
        html! {
            <div class="usage-filter" role="group" aria-label="Usage in the audit log">
                { for UsageFilter::ALL.into_iter().map(|f| {
                    let n = match f { UsageFilter::All => report.credentials.len(), UsageFilter::Used => used, UsageFilter::Unused => unused };
                    let (page, filter) = (page.clone(), filter.clone());
                    html! {
                        <button type="button" id={format!("usage-{}", f.as_str())} aria-pressed={(*filter == f).to_string()}
                            class={classes!("button", "ghost", (*filter == f).then_some("on"))}
                            onclick={Callback::from(move |_: MouseEvent| { filter.set(f); page.set(0); })}>
                            { format!("{} ({})", f.label(), model::human_count(n)) }
                        </button>
                    }
                }) }
            </div>
        }
    });
    let pager = html! {
        <nav class="pager" aria-label="Credential pages">
            <span id="credential-page" aria-live="polite">
                if total == 0 { {"no credential matches this filter"} } else {
                    { format!("credentials {}–{} of {}", model::human_count(first + 1), model::human_count(last), model::human_count(total)) }
                }
            </span>
            if pages > 1 {
                <button type="button" class="button ghost" id="credential-prev" disabled={*page == 0} onclick={go(page.saturating_sub(1))}>{"‹ Previous"}</button>
                <button type="button" class="button ghost" id="credential-next" disabled={*page + 1 >= pages} onclick={go(*page + 1)}>{"Next ›"}</button>
            }
        </nav>
    };
    html! {
        <>
            { timeline_chart(&timeline, log_given) }
            { filter_bar }
            { pager }
            <div class="table-wrap">
                <table class="grid" id="credential-table" aria-label="Credentials">
                    <thead><tr>
                        <th scope="col">{"Kind"}</th><th scope="col">{"Identity"}</th><th scope="col">{"Groups"}</th>
                        <th scope="col">{"Status"}</th><th scope="col">{"Expires"}</th>
                        if log_given { <th scope="col">{"Last used"}</th><th scope="col">{"Requests"}</th> }
                        <th scope="col">{"Fingerprint"}</th><th scope="col">{"Where"}</th>
                    </tr></thead>
                    <tbody>
                        { for shown.get(first..last).unwrap_or_default().iter().filter_map(|i| report.credentials.get(*i)).map(|c| html! {
                            <tr data-identity={c.identity.clone()} data-used={usage::used(c).map(|u| u.to_string())}>
                                <td data-label="Kind">{ format!("{:?}", c.kind).chars().fold(String::new(), |mut s, ch| { if ch.is_uppercase() && !s.is_empty() { s.push(' '); } s.push(ch.to_ascii_lowercase()); s }) }</td>
                                <th scope="row" data-label="Identity">{ &c.identity }</th>
                                <td data-label="Groups">{ c.groups.join(", ") }</td>
                                <td data-label="Status"><span class={classes!("status", c.status.clone())}>{ &c.status }</span></td>
                                <td class="nowrap" data-label="Expires">{ c.expires.as_deref().map_or_else(|| "never".to_string(), model::short_date) }</td>
                                if let Some((last, requests)) = usage::cells(c, log_given) {
                                    <td class={classes!("last-used", (usage::used(c) != Some(true)).then_some("muted"))} data-label="Last used" title={usage::details(c)}>{ last }</td>
                                    <td class="num" data-label="Requests">{ requests }</td>
                                }
                                <td data-label="Fingerprint"><code class="fp" title={c.fingerprint.clone()}>{ c.fingerprint.chars().take(23).collect::<String>() }</code></td>
                                <td class="muted" data-label="Where">{ format!("{} · {}:{}", c.object, c.source.path, c.source.line) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </>
    }
}

fn timeline_chart(t: &model::Timeline, log_given: bool) -> Html {
    const LABEL_W: f64 = 210.0;
    const CHART_W: f64 = 870.0;
    const ROW_H: f64 = 18.0;
    let height = ROW_H * t.rows.len() as f64 + 28.0;
    let x = |frac: f64| LABEL_W + frac * CHART_W;
    let fmt = |v: f64| format!("{v:.1}");
    html! {
        <figure class="timeline" aria-label="Credential expiry timeline">
            <svg viewBox={format!("0 0 {} {}", LABEL_W + CHART_W + 10.0, height)} role="img"
                aria-label={format!("Expiry of {} credentials; {} expired", t.rows.len(), t.rows.iter().filter(|r| r.expired).count())}>
                { for t.ticks.iter().map(|(pos, label)| html! {
                    <g class="tick">
                        <line x1={fmt(x(*pos))} x2={fmt(x(*pos))} y1="0" y2={fmt(height - 16.0)} />
                        <text x={fmt(x(*pos))} y={fmt(height - 4.0)} text-anchor="middle">{ label }</text>
                    </g>
                }) }
                { for t.rows.iter().enumerate().map(|(i, r)| {
                    let y = i as f64 * ROW_H;
                    let class = if r.expired { "expired" } else if r.soon { "soon" } else if r.never { "never" } else { "valid" };
                    let (use_class, use_word) = match r.used {
                        Some(true) => (Some("used"), ", used in the log"),
                        Some(false) => (Some("unused"), ", never used in the log's window"),
                        None => (None, ""),
                    };
                    let label: String = if r.label.chars().count() > 30 { r.label.chars().take(29).chain(['…']).collect() } else { r.label.clone() };
                    html! {
                        <g class={classes!("row", class, use_class)}>
                            <title>{ format!("{} ({class}{use_word})", r.label) }</title>
                            <text x={fmt(LABEL_W - 8.0)} y={fmt(y + 13.0)} text-anchor="end">{ label }</text>
                            <rect x={fmt(x(r.start))} y={fmt(y + 4.0)} width={fmt(((r.end - r.start) * CHART_W).max(2.0))} height="10" rx="3" />
                        </g>
                    }
                }) }
                <line class="now" x1={fmt(x(t.now))} x2={fmt(x(t.now))} y1="0" y2={fmt(height - 16.0)} />
                <text class="now-label" x={fmt(x(t.now) + 4.0)} y="10">{"now"}</text>
            </svg>
            <figcaption class="legend">
                <span class="key expired">{"expired"}</span><span class="key soon">{"expires within 30 days"}</span>
                <span class="key valid">{"valid"}</span><span class="key never">{"never expires"}</span>
                if log_given {
                    <span class="key used">{"used in the log (bold name)"}</span><span class="key unused">{"not used in the log (dashed)"}</span>
                }
                if t.undated > 0 { <span class="muted">{ format!(" · {} undated not drawn", t.undated) }</span> }
            </figcaption>
        </figure>
    }
}
