//! The summary above the tabs: the evaluation instant ("as of", settable), counts by severity (each a filter
//! shortcut), the overall posture in rules, and where each mechanism stands.

use crate::components::Shared;
use crate::model::{self, Tab, Verdict, ViewState, as_of};
use crate::views::{message, severity_badge};

/// How many findings the summary leads with.
const FIX_FIRST: usize = 5;
use policy_core::{Report, Severity};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The summary's inputs.
#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    /// The report.
    pub report: Shared<Report>,
    /// The current view, which a click narrows.
    pub view: ViewState,
    /// How long the analysis took.
    pub elapsed_ms: Option<f64>,
    /// Each finding's key, in report order (to open a "fix first" finding).
    pub keys: Shared<Vec<String>>,
    /// The dump's newest timestamp, offered as the "as of".
    pub newest: Option<String>,
    /// A click on a count or a mechanism: the view showing those findings.
    pub on_view: Callback<ViewState>,
    /// A new evaluation instant (RFC 3339): check the same inputs again.
    pub on_as_of: Callback<String>,
}

/// Counts by severity, the posture line and one tile per mechanism.
#[function_component]
pub fn Summary(props: &SummaryProps) -> Html {
    let SummaryProps { report, keys, view, elapsed_ms, newest, on_view, on_as_of } = props;
    let first = use_memo(report.clone(), |report| model::fix_first(&report.findings, FIX_FIRST));
    let inventory = use_memo(report.clone(), |report| model::inventory_rows(&report.findings));
    let postures = use_memo(report.clone(), |report| model::report_postures(report));
    let overall = model::overall(&postures);
    let objects = model::human_count(report.summary.objects);
    let files = report.inputs.len();
    let card = |sev: Severity| {
        let all = report.summary.by_severity.get(&sev).copied().unwrap_or(0);
        // Inventory rows (what exists, listed at info) are no findings to act on.
        let n = if sev == Severity::Info { all.saturating_sub(*inventory) } else { all };
        let mut next = view.clone();
        next.tab = Tab::Findings;
        next.filters.severities = [sev].into();
        let on_view = on_view.clone();
        html! {
            <button type="button" class={classes!("stat", sev.as_str(), (n == 0).then_some("zero"))}
                data-severity={sev.as_str()} onclick={Callback::from(move |_| on_view.emit(next.clone()))}>
                <span class="n">{ model::human_count(n) }</span>
                <span class="what">{ format!("{sev} findings") }</span>
                if sev == Severity::Info && *inventory > 0 {
                    <span class="time" id="inventory-rows">{ format!("+ {} inventory rows", model::human_count(*inventory)) }</span>
                }
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
            if !first.is_empty() {
                <section class="fix-first" id="fix-first" aria-labelledby="fix-first-title">
                    <h2 id="fix-first-title">{"Fix first"}</h2>
                    <ol>
                        { for first.iter().filter_map(|i| Some((report.findings.get(*i)?, keys.get(*i)?))).map(|(f, key)| {
                            let mut next = view.clone();
                            next.tab = Tab::Findings;
                            next.selected = Some(key.clone());
                            let on_view = on_view.clone();
                            html! {
                                <li>
                                    <button type="button" class="link fix" data-key={key.clone()} data-code={f.code.to_string()}
                                        onclick={Callback::from(move |_| on_view.emit(next.clone()))}>
                                        { severity_badge(f.severity) }{" "}<span class="code">{ f.code.as_str() }</span>{" "}
                                        { message(&f.message) }<span class="muted">{ format!(" · {}", f.object) }</span>
                                    </button>
                                </li>
                            }
                        }) }
                    </ol>
                </section>
            }
            if let Some(audit) = &report.audit {
                <p class="audit-window" id="audit-window">{ message(&model::usage::window_line(audit)) }</p>
            }
            <AsOf evaluated_at={report.evaluated_at.clone()} newest={newest.clone()} on_as_of={on_as_of.clone()} />
            <p class="posture" id="posture">
                <strong>{"Rules: "}</strong>
                <span class="verdict failed">{ format!("{} failed", overall.failed) }</span>{" · "}
                <span class="verdict passed">{ format!("{} passed", overall.passed) }</span>{" · "}
                <span class="verdict not-assessable">{ format!("{} not assessable", overall.not_assessable) }</span>
                <span class="muted">{" from this dump"}</span>
            </p>
            <div class="scores" aria-label="Rules per mechanism">
                { for postures.iter().map(|p| {
                    let mut next = view.clone();
                    next.tab = Tab::Findings;
                    next.filters.mechanisms = [p.mechanism].into();
                    let on_view = on_view.clone();
                    let verdict = p.verdict();
                    html! {
                        <button type="button" class={classes!("score", verdict.as_str(), p.worst.map(Severity::as_str))}
                            title={p.mechanism.guide_section()} data-mechanism={p.mechanism.as_str()} data-verdict={verdict.as_str()}
                            onclick={Callback::from(move |_| on_view.emit(next.clone()))}>
                            <span class="name">{ p.mechanism.label() }</span>
                            <span class="value">{ verdict.label() }</span>
                            <span class="counts">
                                if let (Verdict::NotAssessable, Some(add)) = (verdict, p.add_short()) {
                                    { format!("add {add} to the dump") }
                                } else if verdict == Verdict::NotAssessable {
                                    {"no rule could judge it from this dump"}
                                } else {
                                    { format!("rules: {}", p.counts_text()) }
                                }
                            </span>
                        </button>
                    }
                }) }
            </div>
            <p class="posture-legend muted small" id="posture-legend">
                <span class="key failed">{"failed: a rule found a problem"}</span>
                <span class="key passed">{"passed: every rule was judged and found nothing"}</span>
                <span class="key partial">{"partly assessed: some rules could not be judged"}</span>
                <span class="key not-assessable">{"not assessable: the dump does not show it (no pass)"}</span>
            </p>
        </section>
    }
}

/// The "as of" line's inputs.
#[derive(Properties, PartialEq)]
pub struct AsOfProps {
    /// The report's evaluation instant (RFC 3339).
    pub evaluated_at: String,
    /// The dump's newest timestamp (RFC 3339).
    pub newest: Option<String>,
    /// A new instant to check the dump at.
    pub on_as_of: Callback<String>,
}

/// The evaluation instant every expiry verdict is made at, with a field to change it (read as
/// UTC, as the CLI's `--now`) and the dump's newest timestamp as a one-click suggestion.
#[function_component]
pub fn AsOf(props: &AsOfProps) -> Html {
    let input = use_node_ref();
    let invalid = use_state_eq(|| false);
    let onsubmit = {
        let (input, invalid, on_as_of) = (input.clone(), invalid.clone(), props.on_as_of.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let typed = input.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            match as_of::parse_input(&typed) {
                Some(now) => {
                    invalid.set(false);
                    on_as_of.emit(now);
                }
                None => invalid.set(true),
            }
        })
    };
    let suggestion = props.newest.as_ref().filter(|n| as_of::parse_input(n) != as_of::parse_input(&props.evaluated_at));
    html! {
        <form class="as-of" id="as-of" {onsubmit} aria-label="Evaluation instant">
            <p id="as-of-text">{"Expiry judged as of "}<strong>{ as_of::display(&props.evaluated_at) }</strong></p>
            <label for="as-of-input">{"As of (UTC)"}</label>
            <input id="as-of-input" type="datetime-local" ref={input} value={as_of::input_value(&props.evaluated_at)}
                aria-invalid={invalid.to_string()} />
            <button type="submit" class="button">{"Check again"}</button>
            if let Some(newest) = suggestion {
                <button type="button" class="button ghost" id="as-of-newest"
                    onclick={ let (on_as_of, newest) = (props.on_as_of.clone(), newest.clone()); Callback::from(move |_: MouseEvent| on_as_of.emit(newest.clone())) }>
                    { format!("Use the dump's newest timestamp ({})", as_of::display(newest)) }
                </button>
            }
            if *invalid {
                <p class="as-of-error small" role="alert">{ message("enter a date and time, for example `2025-11-28T09:00`") }</p>
            }
        </form>
    }
}
