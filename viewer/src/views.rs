//! Stateless drawing: each function turns part of the report into markup.

use crate::intake;
use crate::model;
use crate::protocol::Progress;
use policy_core::inventory::mechanisms::State;
use policy_core::report::InputStatus;
use policy_core::{Report, Severity};
use yew::prelude::*;

/// A severity pill.
pub fn severity_badge(severity: Severity) -> Html {
    html! { <span class={classes!("sev", severity.as_str())}>{ severity.as_str() }</span> }
}

/// A finding message with its `backtick` spans as code, cut by policy-core as every renderer
/// cuts them (an unmatched backtick stays plain text).
pub fn message(text: &str) -> Html {
    policy_core::util::code_spans(text)
        .into_iter()
        .map(|(code, part)| {
            if code {
                html! { <code>{ part }</code> }
            } else {
                html! { { part } }
            }
        })
        .collect::<Html>()
}

/// The progress bar and its numbers, with a button that stops the analysis.
pub fn progress(p: &Progress, elapsed_ms: f64, on_stop: Callback<MouseEvent>) -> Html {
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
        // While files parse, the bytes and objects read so far (the loader reports them about
        // every MiB, inside one big file too); before its first report, what it is doing rather
        // than "0 objects parsed".
        _ if p.files_read < p.files_total => {
            let read = match p.objects.unwrap_or(0) {
                0 if p.bytes_parsed == 0 => String::new(),
                objects => format!(
                    "{} read, {} objects · ",
                    model::human_bytes(p.bytes_parsed),
                    model::human_count(usize::try_from(objects).unwrap_or(usize::MAX))
                ),
            };
            #[expect(clippy::cast_precision_loss, reason = "byte counts are < 2^53")]
            let files_done = p.bytes_parsed as f64 / p.bytes_total.max(1) as f64 * f64::from(p.files_total);
            (
                format!(
                    "Parsing {}: {read}file {} of {} · then {} rules · {:.0} s",
                    model::human_bytes(p.bytes_total),
                    p.files_read.saturating_add(1),
                    p.files_total,
                    p.rules_total,
                    (elapsed_ms / 1000.0).floor()
                ),
                // Loading a file and running a rule count as one step each; a file by its bytes.
                html! { <progress id="progress-bar" max={p.files_total.saturating_add(p.rules_total).max(1).to_string()}
                value={format!("{files_done:.3}")} aria-label="Analysing"></progress> },
            )
        }
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

/// A mechanism's MX001 state as a tag.
pub fn state_badge(state: Option<State>) -> Html {
    let (class, text) = match state {
        Some(State::Enabled) => ("enabled", "enabled"),
        Some(State::Disabled) => ("disabled", "disabled"),
        Some(State::Unknown) => ("unknown", "unknown"),
        // No MX001 row (the general rules): no state to claim.
        None => return html! {},
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
                    <li class={classes!("diag", format!("{:?}", d.level).to_lowercase())} data-code={d.code.as_str()}>
                        <code>{ format!("{}:{}", d.source.path, d.source.line) }</code>{" "}
                        <span class="muted">{ d.code.as_str() }</span>{" "}{ message(&d.message) }
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
                                            <li><code>{ format!("line {}", d.source.line) }</code>{" "}<span class="muted">{ d.code.as_str() }</span>{" "}{ message(&d.message) }</li>
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
