//! Stateless drawing: each function turns part of the report into markup.

use crate::intake;
use crate::model::{self, ExcerptLine, Tab, ViewState};
use crate::protocol::Progress;
use policy_core::inventory::mechanisms::State;
use policy_core::report::{Finding, InputStatus};
use policy_core::{Report, Severity};
use std::rc::Rc;
use yew::prelude::*;

/// A severity pill.
pub fn severity_badge(severity: Severity) -> Html {
    html! { <span class={classes!("sev", severity.as_str())}>{ severity.as_str() }</span> }
}

/// A finding message with its `backtick` spans as code.
pub fn message(text: &str) -> Html {
    let mut parts = Vec::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            parts.push(html! { <code>{ part }</code> });
        } else if !part.is_empty() {
            parts.push(html! { { part } });
        }
    }
    // An unmatched backtick: show the text as it is.
    if text.matches('`').count() % 2 == 1 {
        return html! { { text } };
    }
    parts.into_iter().collect::<Html>()
}

/// The progress bar and its numbers, with a button that stops the analysis.
pub fn progress(p: &Progress, on_stop: Callback<MouseEvent>) -> Html {
    let (label, bar) = match p.phase.as_str() {
        "reading" => (
            format!(
                "Reading files: {} of {} ({} of {} files)",
                model::human_bytes(p.bytes_read),
                model::human_bytes(p.bytes_total),
                p.files_read,
                p.files_total
            ),
            html! { <progress id="progress-bar" max={p.bytes_total.max(1).to_string()} value={p.bytes_read.to_string()}
            aria-label="Reading files"></progress> },
        ),
        "sending" => (
            format!(
                "{} objects parsed, {} rules run · loading {} of {} findings",
                p.objects.map(|n| model::human_count(usize::try_from(n).unwrap_or(usize::MAX))).unwrap_or_default(),
                p.rules_run,
                p.findings_sent,
                p.findings_total
            ),
            html! { <progress id="progress-bar" max={p.findings_total.max(1).to_string()} value={p.findings_sent.to_string()}
            aria-label="Loading findings"></progress> },
        ),
        _ => {
            let objects =
                p.objects.map(|n| model::human_count(usize::try_from(n).unwrap_or(usize::MAX))).unwrap_or_default();
            (
                format!(
                    "Analysing {}: {objects} objects parsed ({} of {} files) · {} of {} rules run",
                    model::human_bytes(p.bytes_total),
                    p.files_read,
                    p.files_total,
                    p.rules_run,
                    p.rules_total
                ),
                // Loading a file and running a rule count as one step each.
                html! { <progress id="progress-bar" max={p.files_total.saturating_add(p.rules_total).max(1).to_string()}
                value={p.files_read.saturating_add(p.rules_run).to_string()} aria-label="Analysing"></progress> },
            )
        }
    };
    html! {
        <div class="progress" role="status" aria-live="polite">
            { bar }
            <p id="progress-text">{ label }</p>
            <button type="button" class="button ghost" id="stop-button" onclick={on_stop}>{"Stop"}</button>
        </div>
    }
}

/// Counts by severity (each a filter shortcut) and a score per mechanism.
pub fn summary(report: &Rc<Report>, view: &ViewState, elapsed_ms: Option<f64>, on_view: Callback<ViewState>) -> Html {
    let scores = model::mechanism_scores(report);
    let objects = model::human_count(report.summary.objects);
    let files = report.inputs.len();
    let card = |sev: Severity| {
        let n = report.summary.by_severity.get(&sev).copied().unwrap_or(0);
        let mut next = view.clone();
        next.tab = Tab::Findings;
        next.filters.severities = [sev].into();
        let on_view = on_view.clone();
        html! {
            <button type="button" class={classes!("stat", sev.as_str(), (n == 0).then_some("zero"))}
                aria-label={format!("{n} {sev} findings: show them")} onclick={Callback::from(move |_| on_view.emit(next.clone()))}>
                <span class="n">{ model::human_count(n) }</span>
                <span class="what">{ sev.as_str() }</span>
            </button>
        }
    };
    html! {
        <section class="summary" aria-label="Summary">
            <div class="stats">
                { for Severity::ALL.into_iter().rev().map(card) }
                <div class="stat meta">
                    <span class="n">{ objects }</span>
                    <span class="what">{ format!("object{} in {files} file{}", if report.summary.objects == 1 { "" } else { "s" }, if files == 1 { "" } else { "s" }) }</span>
                    if let Some(ms) = elapsed_ms {
                        <span class="time">{ format!("analysed in {:.1} s", ms / 1000.0) }</span>
                    }
                </div>
            </div>
            <div class="scores" aria-label="Score per mechanism">
                { for scores.iter().map(|s| {
                    let mut next = view.clone();
                    next.tab = Tab::Findings;
                    next.filters.mechanisms = [s.mechanism].into();
                    let on_view = on_view.clone();
                    let total: usize = s.counts.values().sum();
                    html! {
                        <button type="button" class={classes!("score", s.grade())} title={s.mechanism.guide_section()}
                            aria-label={format!("{}: score {} of 100, {} findings", s.mechanism.label(), s.score, total)}
                            onclick={Callback::from(move |_| on_view.emit(next.clone()))}>
                            <span class="name">{ s.mechanism.label() }</span>
                            <meter min="0" max="100" low="60" high="90" optimum="100" value={s.score.to_string()}></meter>
                            <span class="value">{ s.score }</span>
                            { state_badge(s.state) }
                        </button>
                    }
                }) }
            </div>
        </section>
    }
}

fn state_badge(state: Option<State>) -> Html {
    let (class, text) = match state {
        Some(State::Enabled) => ("enabled", "enabled"),
        Some(State::Disabled) => ("disabled", "disabled"),
        Some(State::Unknown) | None => ("unknown", "unknown"),
    };
    html! { <span class={classes!("state", class)}>{ text }</span> }
}

/// Located problems of the inputs, shown next to the report of what did load: errors first, so
/// that a truncated or unreadable input is seen even among many warnings.
pub fn diagnostics_callout(report: &Report) -> Html {
    const SHOWN: usize = 20;
    let mut all: Vec<_> = report.inputs.iter().flat_map(|i| i.diagnostics.iter()).collect();
    all.sort_by_key(|d| d.level);
    let total = report.summary.diagnostics.max(all.len());
    let plural = if total == 1 { "" } else { "s" };
    let heading = if intake::nothing_read(report) {
        format!("{} problem{plural} in the input.", model::human_count(total))
    } else {
        format!("{} problem{plural} in the input; the rest was analysed.", model::human_count(total))
    };
    let not_sent = intake::diagnostics_not_shown(report);
    html! {
        <section class="callout warning" aria-label="Input problems" id="diagnostics">
            <strong>{ heading }</strong>
            <ul>
                { for all.iter().take(SHOWN).map(|d| html! {
                    <li class={classes!("diag", format!("{:?}", d.level).to_lowercase())} data-code={d.code.clone()}>
                        <code>{ format!("{}:{}", d.source.path, d.source.line) }</code>{" "}
                        <span class="muted">{ &d.code }</span>{" "}{ message(&d.message) }
                    </li>
                }) }
            </ul>
            if all.len() > SHOWN {
                <p class="muted">{ format!("…and {} more in the Coverage tab.", model::human_count(all.len() - SHOWN)) }</p>
            }
            if not_sent > 0 {
                <p class="muted">{ format!("{} more are not drawn here; the downloaded report lists them all.", model::human_count(not_sent)) }</p>
            }
        </section>
    }
}

/// The inputs not analysed in full, each with its status and why: above the summary, so that a
/// partial report is never taken for the whole dump.
pub fn not_analysed(incomplete: &[intake::Incomplete], inputs: usize) -> Html {
    if incomplete.is_empty() {
        return html! {};
    }
    let read_nothing = incomplete.iter().all(|u| u.status != InputStatus::Partial);
    let heading = if incomplete.len() == inputs && read_nothing {
        if inputs == 1 {
            "Why the input could not be read".to_string()
        } else {
            "Why each input could not be read".to_string()
        }
    } else if incomplete.len() == 1 && inputs == 1 {
        "The input was not analysed in full".to_string()
    } else {
        format!(
            "{} of {} inputs were not analysed in full; the report covers only what could be read",
            incomplete.len(),
            inputs
        )
    };
    html! {
        <section class="callout error" aria-label="Inputs not analysed" id="not-analysed">
            <strong>{ heading }</strong>
            <ul>
                { for incomplete.iter().map(|u| html! {
                    <li class="unread" data-path={u.path.clone()} data-status={u.status.as_str()}>
                        <code>{ &u.path }</code><span class="muted">{ format!(" ({}) ", model::human_bytes(u.bytes)) }</span>
                        <span class={classes!("status", u.status.as_str())}>{ u.status.label() }</span>{" "}{ message(&u.reason) }
                    </li>
                }) }
            </ul>
        </section>
    }
}

/// A dump from which no Kubernetes object could be read: said plainly, in place of a summary
/// and an empty findings list that would read as a pass.
pub fn nothing_read(report: &Report) -> Html {
    let inputs = report.inputs.len();
    let what = if inputs == 1 { "the input".to_string() } else { format!("any of the {inputs} inputs") };
    html! {
        <section class="callout error" role="alert" id="nothing-read">
            <strong>{ format!("No Kubernetes object could be read from {what}, so nothing was checked.") }</strong>
            <p>{"This is not a pass: the reasons are listed below. Drop a dump made with "}
                <code>{"kubectl get … -o yaml"}</code>{" (whole, not cut short) to see findings."}</p>
        </section>
    }
}

/// MX001: each mechanism's state with its evidence.
pub fn mechanisms(report: &Report) -> Html {
    let scores = model::mechanism_scores(report);
    html! {
        <div class="table-wrap">
            <table class="grid" id="mechanism-table" aria-label="Authentication mechanisms">
                <thead><tr><th scope="col">{"Mechanism"}</th><th scope="col">{"State"}</th><th scope="col">{"Score"}</th><th scope="col">{"Findings"}</th><th scope="col">{"Evidence"}</th></tr></thead>
                <tbody>
                    { for scores.iter().map(|s| {
                        let status = report.mechanisms.iter().find(|m| m.mechanism == s.mechanism);
                        html! {
                            <tr data-mechanism={s.mechanism.as_str()}>
                                <th scope="row">{ s.mechanism.label() }<div class="muted small">{ s.mechanism.guide_section() }</div></th>
                                <td>{ state_badge(s.state) }</td>
                                <td><span class={classes!("grade", s.grade())}>{ s.score }</span></td>
                                <td>{ for s.counts.iter().rev().map(|(sev, n)| html! { <span class="pair">{ severity_badge(*sev) }{ format!(" {n}") }</span> }) }</td>
                                <td>
                                    if let Some(m) = status {
                                        <ul class="evidence-list">
                                            { for m.evidence.iter().take(8).map(|e| html! {
                                                <li><code>{ &e.evidence.path }</code>{" = "}<code class={classes!(e.evidence.redacted.then_some("redacted"))}>{ &e.evidence.value }</code>
                                                <span class="muted">{ format!(" · {} · {}:{}", e.object, e.source.path, e.source.line) }</span></li>
                                            }) }
                                        </ul>
                                        if let Some(hint) = &m.hint { <p class="muted small">{ hint }</p> }
                                    } else {
                                        <span class="muted">{"not assessed from this dump"}</span>
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// MX004: the credentials, with an expiry chart.
pub fn credentials(report: &Report) -> Html {
    if report.credentials.is_empty() {
        return html! { <p class="empty">{"This dump reveals no credentials (client certificates, CSRs, token Secrets, kubeconfig users)."}</p> };
    }
    let now = model::parse_time(&report.evaluated_at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let timeline = model::timeline(&report.credentials, now, 40);
    html! {
        <>
            { timeline_chart(&timeline) }
            <div class="table-wrap">
                <table class="grid" id="credential-table" aria-label="Credentials">
                    <thead><tr>
                        <th scope="col">{"Kind"}</th><th scope="col">{"Identity"}</th><th scope="col">{"Groups"}</th>
                        <th scope="col">{"Status"}</th><th scope="col">{"Expires"}</th><th scope="col">{"Fingerprint"}</th><th scope="col">{"Where"}</th>
                    </tr></thead>
                    <tbody>
                        { for report.credentials.iter().map(|c| html! {
                            <tr data-identity={c.identity.clone()}>
                                <td>{ format!("{:?}", c.kind).chars().fold(String::new(), |mut s, ch| { if ch.is_uppercase() && !s.is_empty() { s.push(' '); } s.push(ch.to_ascii_lowercase()); s }) }</td>
                                <th scope="row">{ &c.identity }</th>
                                <td>{ c.groups.join(", ") }</td>
                                <td><span class={classes!("status", c.status.clone())}>{ &c.status }</span></td>
                                <td class="nowrap">{ c.expires.as_deref().map_or_else(|| "never".to_string(), model::short_date) }</td>
                                <td><code class="fp" title={c.fingerprint.clone()}>{ c.fingerprint.chars().take(23).collect::<String>() }</code></td>
                                <td class="muted">{ format!("{} · {}:{}", c.object, c.source.path, c.source.line) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </>
    }
}

fn timeline_chart(t: &model::Timeline) -> Html {
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
                    let label: String = if r.label.chars().count() > 30 { r.label.chars().take(29).chain(['…']).collect() } else { r.label.clone() };
                    html! {
                        <g class={classes!("row", class)}>
                            <title>{ format!("{} ({})", r.label, class) }</title>
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
                if t.undated > 0 { <span class="muted">{ format!(" · {} undated not drawn", t.undated) }</span> }
            </figcaption>
        </figure>
    }
}

/// Every input with its status, size, counts and problems.
pub fn inputs_table(report: &Report) -> Html {
    html! {
        <>
            <h3>{"Inputs"}</h3>
            <div class="table-wrap">
                <table class="grid" id="input-table" aria-label="Inputs">
                    <thead><tr><th scope="col">{"File"}</th><th scope="col">{"Status"}</th><th scope="col">{"Size"}</th><th scope="col">{"Documents"}</th><th scope="col">{"Objects"}</th><th scope="col">{"Problems"}</th></tr></thead>
                    <tbody>
                        { for report.inputs.iter().map(|i| html! {
                            <tr data-path={i.path.clone()}>
                                <th scope="row"><code>{ &i.path }</code></th>
                                <td><span class={classes!("status", i.status.as_str())}>{ i.status.label() }</span></td>
                                <td>{ model::human_bytes(i.bytes) }</td>
                                <td>{ i.documents }</td>
                                <td>{ i.objects }</td>
                                <td>
                                    if i.diagnostics.is_empty() { <span class="muted">{"none"}</span> }
                                    <ul class="plain">
                                        { for i.diagnostics.iter().map(|d| html! {
                                            <li><code>{ format!("line {}", d.source.line) }</code>{" "}<span class="muted">{ &d.code }</span>{" "}{ message(&d.message) }</li>
                                        }) }
                                    </ul>
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </>
    }
}

/// Rules that could not be judged and the inputs' diagnostics.
pub fn coverage(report: &Report) -> Html {
    html! {
        <>
            { inputs_table(report) }
            <h3>{"Not assessable from this dump"}</h3>
            if report.not_assessable.is_empty() {
                <p class="muted">{"Every enabled rule could be assessed."}</p>
            } else {
                <ul class="not-assessable">
                    { for report.not_assessable.iter().map(|n| html! {
                        <li>
                            <strong>{ &n.code }</strong>{" "}<span class="muted">{ &n.slug }</span>{" — "}{ &n.reason }
                            if !n.add.is_empty() {
                                <div class="small">{"Add: "}{ for n.add.iter().enumerate().map(|(i, a)| html! { <>{ if i > 0 { ", " } else { "" } }<code>{ a }</code></> }) }</div>
                            }
                        </li>
                    }) }
                </ul>
            }
        </>
    }
}

/// The detail panel of one finding.
pub fn detail(f: &Finding, excerpt: Option<&[ExcerptLine]>, on_close: Callback<MouseEvent>) -> Html {
    let rule = policy_core::registry::find(&f.code).map(|r| r.meta());
    let title = rule.map(|m| m.title()).unwrap_or_default();
    html! {
        <aside class="detail" id="detail" aria-label={format!("Details of {} on {}", f.code, f.object)}>
            <div class="detail-head">
                <div>
                    <p class="eyebrow">{ severity_badge(f.severity) }{" "}<span class="code">{ &f.code }</span>{" "}<span class="muted">{ &f.slug }</span></p>
                    <h2>{ message(&f.message) }</h2>
                    if !title.is_empty() { <p class="muted rule-title">{ message(&title) }</p> }
                </div>
                <button type="button" class="icon" aria-label="Close details" onclick={on_close}>{"×"}</button>
            </div>
            <dl class="facts">
                <dt>{"Object"}</dt><dd><code>{ f.object.to_string() }</code></dd>
                <dt>{"Source"}</dt><dd><code>{ format!("{}:{}", f.source.path, f.source.line) }</code></dd>
                <dt>{"Mechanism"}</dt><dd>{ f.mechanism.label() }<span class="muted">{ format!(" · guide: {}", f.mechanism.guide_section()) }</span></dd>
                if !f.related.is_empty() {
                    <dt>{"Related"}</dt><dd>{ for f.related.iter().map(|r| html! { <code class="related">{ r.to_string() }</code> }) }</dd>
                }
            </dl>
            if !f.evidence.is_empty() {
                <h3>{"Evidence"}</h3>
                <table class="evidence">
                    <tbody>
                        { for f.evidence.iter().map(|e| html! {
                            <tr>
                                <th scope="row"><code>{ &e.path }</code></th>
                                <td>
                                    <code class={classes!(e.redacted.then_some("redacted"))}>{ &e.value }</code>
                                    if e.redacted { <span class="muted small">{" fingerprint of a secret"}</span> }
                                </td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <h3>{"How to fix"}</h3>
            <p class="remediation">{ message(&f.remediation) }</p>
            <h3>{"Source"}</h3>
            { match excerpt {
                Some(lines) if !lines.is_empty() => html! {
                    <pre class="excerpt" aria-label={format!("{} around line {}", f.source.path, f.source.line)}>
                        { for lines.iter().map(|l| html! {
                            <span class={classes!("line", l.highlight.then_some("hit"))}><span class="ln">{ l.number }</span>{ &l.text }{"\n"}</span>
                        }) }
                    </pre>
                },
                Some(_) => html! { <p class="muted">{"No source lines for this finding."}</p> },
                None => html! { <p class="muted">{"Loading source…"}</p> },
            } }
            if let Some(meta) = rule {
                <details class="docs" open=true>
                    <summary>{ format!("Rule {} {}", meta.code, meta.slug) }</summary>
                    <div class="markdown">{ Html::from_html_unchecked(AttrValue::from(markdown(&meta.markdown()))) }</div>
                </details>
            }
        </aside>
    }
}

/// Rule docs (our own, compiled-in text) as HTML.
fn markdown(text: &str) -> String {
    let parser = pulldown_cmark::Parser::new(text);
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}
