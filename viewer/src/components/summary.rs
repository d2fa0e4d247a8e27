//! The summary above the tabs: counts by severity (each a filter shortcut) and a score per
//! mechanism.

use crate::components::Shared;
use crate::model::{self, Tab, ViewState};
use crate::views::state_badge;
use policy_core::{Report, Severity};
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
    /// A click on a count or a mechanism: the view showing those findings.
    pub on_view: Callback<ViewState>,
}

/// Counts by severity and a score per mechanism.
#[function_component]
pub fn Summary(props: &SummaryProps) -> Html {
    let SummaryProps { report, view, elapsed_ms, on_view } = props;
    let scores = use_memo(report.clone(), |report| model::mechanism_scores(report));
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
