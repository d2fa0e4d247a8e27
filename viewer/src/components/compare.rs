//! Comparing with an earlier report (issue 14.9): the baseline's name and the CLI's own counts
//! (new, unchanged, fixed; credentials added and removed), each a filter, the fixed findings
//! and the changed credentials listed, and a picker for the earlier report. The comparison
//! itself is `policy_core::report::baseline::compare`, run in the worker.

use crate::browser::{self, NamedBlob};
use crate::components::Shared;
use crate::model::{Compared, Tab, ViewState, human_count};
use crate::views::{message, severity_badge};
use policy_core::Report;
use policy_core::report::{BaselineState, CredentialSeen, Finding};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What became of the earlier report: its file name, and why it could not be used if it could not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineOutcome {
    /// The file given.
    pub name: String,
    /// The reason, located (`line 3: …`); `None` when the report was compared with.
    pub error: Option<String>,
}

/// The comparison panel's inputs.
#[derive(Properties, PartialEq)]
pub struct CompareProps {
    /// The report (compared when its summary has baseline counts).
    pub report: Shared<Report>,
    /// The earlier report given, if any.
    pub baseline: Option<BaselineOutcome>,
    /// The current view, which a count narrows.
    pub view: ViewState,
    /// A click on a count: the view showing those findings.
    pub on_view: Callback<ViewState>,
    /// An earlier report chosen with the picker.
    pub on_pick: Callback<Vec<NamedBlob>>,
}

/// The baseline line above the tabs: a picker before any comparison, the counts after.
#[function_component]
pub fn ComparePanel(props: &CompareProps) -> Html {
    let CompareProps { report, baseline, view, on_view, on_pick } = props;
    let picker = use_node_ref();
    let onpick = {
        let (picker, on_pick) = (picker.clone(), on_pick.clone());
        Callback::from(move |_: Event| {
            let input = picker.cast::<HtmlInputElement>();
            let files = browser::files_of(input.as_ref().and_then(HtmlInputElement::files));
            if let Some(input) = input {
                input.set_value("");
            }
            on_pick.emit(files);
        })
    };
    let chooser = html! {
        <>
            <input id="baseline-picker" class="visually-hidden" type="file" accept=".json,application/json"
                ref={picker} onchange={onpick} />
            <label class="button ghost" for="baseline-picker">{"Compare with an earlier report…"}</label>
        </>
    };
    let counts = report.summary.baseline;
    let failed = baseline.as_ref().and_then(|b| b.error.as_deref());
    let Some(counts) = counts.filter(|_| failed.is_none()) else {
        return html! {
            <section class="compare" id="compare" aria-label="Compare with an earlier report">
                if let Some(why) = failed {
                    <div class="callout error" role="alert" id="baseline-error">{ message(why) }</div>
                } else {
                    <p class="muted small">{"Drop a JSON report of an earlier scan (the viewer's download, or the CLI's "}
                        <code>{"--format json"}</code>{") beside the dump to see what is new, unchanged and fixed."}</p>
                }
                { chooser }
            </section>
        };
    };
    let name = baseline.as_ref().map_or("the baseline", |b| b.name.as_str());
    let status = |compared: Compared, n: usize| {
        let active = view.filters.compared == Some(compared);
        let mut next = view.clone();
        next.tab = Tab::Findings;
        next.filters.compared = (!active).then_some(compared);
        let on_view = on_view.clone();
        html! {
            <button type="button" class={classes!("stat", "compared", compared.as_str(), active.then_some("active"))}
                data-status={compared.as_str()} aria-pressed={active.to_string()}
                onclick={Callback::from(move |_| on_view.emit(next.clone()))}>
                <span class="n">{ human_count(n) }</span>
                <span class="what">{ compared.as_str() }</span>
            </button>
        }
    };
    let changes = report.credential_changes.as_ref();
    let fixed_open = view.filters.compared == Some(Compared::Fixed);
    html! {
        <section class="compare compared" id="compare" aria-label="Compared with an earlier report">
            <p class="compare-head">{"Compared with "}<code>{ name }</code>
                <span class="muted">{" · the same finding ids as the CLI's "}<code>{"--baseline"}</code></span></p>
            <div class="compare-counts" id="baseline-counts">
                { status(Compared::New, counts.new) }
                { status(Compared::Unchanged, counts.unchanged) }
                { status(Compared::Fixed, counts.fixed) }
                if changes.is_some() {
                    <p class="muted" id="credential-counts">{ format!(
                        "credentials since the baseline: {} added, {} removed",
                        human_count(counts.credentials_added), human_count(counts.credentials_removed)
                    ) }</p>
                }
            </div>
            if !report.fixed.is_empty() {
                <details class="fixed-list" id="fixed-list" open={fixed_open}>
                    <summary>{ format!("Fixed since the baseline ({})", human_count(report.fixed.len())) }</summary>
                    <ul class="plain">
                        { for report.fixed.iter().map(|f| html! {
                            <li class="fixed" data-id={f.id.clone()}>
                                { severity_badge(f.severity) }{" "}<span class="code">{ &f.code }</span>{" "}
                                <code>{ f.object.to_string() }</code>{" "}{ message(&f.message) }
                            </li>
                        }) }
                    </ul>
                </details>
            }
            if let Some(changes) = changes.filter(|c| !c.added.is_empty() || !c.removed.is_empty()) {
                <details class="credential-changes" id="credential-changes">
                    <summary>{ format!("Credentials added ({}) and removed ({})", changes.added.len(), changes.removed.len()) }</summary>
                    <ul class="plain">
                        { for changes.added.iter().map(|c| credential_line("added", c)) }
                        { for changes.removed.iter().map(|c| credential_line("removed", c)) }
                    </ul>
                </details>
            }
            { chooser }
        </section>
    }
}

fn credential_line(what: &'static str, c: &CredentialSeen) -> Html {
    let kind = serde_json::to_value(c.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    html! {
        <li class={classes!("credential-change", what)} data-change={what}>
            <span class={classes!("tag", what)}>{ what }</span>{" "}{ kind }{" "}<code>{ &c.identity }</code>
            {" in "}<code>{ c.object.to_string() }</code>
        </li>
    }
}

/// A finding's mark in the list and the details: `new` or `unchanged` since the baseline.
pub fn since_tag(f: &Finding) -> Html {
    match f.baseline {
        Some(BaselineState::New) => html! { <span class="tag new" title="not in the baseline">{"new"}</span> },
        Some(BaselineState::Unchanged) => {
            html! { <span class="tag unchanged" title="in the baseline too">{"unchanged"}</span> }
        }
        None => html! {},
    }
}
