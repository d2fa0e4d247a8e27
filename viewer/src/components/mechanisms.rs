//! The Mechanisms tab (MX001): each mechanism's state with its evidence, and its rules passed,
//! failed or not assessable.

use crate::components::Shared;
use crate::model::{self, Verdict};
use crate::views::{severity_badge, state_badge};
use policy_core::Report;
use yew::prelude::*;

/// The mechanism inventory's input.
#[derive(Properties, PartialEq)]
pub struct MechanismsProps {
    /// The report.
    pub report: Shared<Report>,
}

/// Each mechanism's state, score, findings and evidence.
#[function_component]
pub fn MechanismInventory(props: &MechanismsProps) -> Html {
    let report = &props.report;
    let postures = use_memo(report.clone(), |report| model::report_postures(report));
    html! {
        <div class="table-wrap">
            <table class="grid" id="mechanism-table" aria-label="Authentication mechanisms">
                <thead><tr><th scope="col">{"Mechanism"}</th><th scope="col">{"State"}</th><th scope="col">{"Rules"}</th><th scope="col">{"Findings"}</th><th scope="col">{"Evidence"}</th></tr></thead>
                <tbody>
                    { for postures.iter().map(|s| {
                        let status = report.mechanisms.iter().find(|m| m.mechanism == s.mechanism);
                        html! {
                            <tr data-mechanism={s.mechanism.as_str()}>
                                <th scope="row">{ s.mechanism.label() }<div class="muted small">{ s.mechanism.guide_section() }</div></th>
                                <td>{ state_badge(s.state) }</td>
                                <td>
                                    <span class={classes!("verdict", s.verdict().as_str())}>{ s.verdict().label() }</span>
                                    <div class="muted small">{ s.counts_text() }</div>
                                    if s.verdict() == Verdict::NotAssessable || s.verdict() == Verdict::Partial {
                                        if !s.add.is_empty() {
                                            <div class="small">{"Add: "}{ s.add.join(", ") }</div>
                                        }
                                    }
                                </td>
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
