//! The detail panel of one finding: evidence, fix, source excerpt and the rule's docs.

use crate::browser;
use crate::model::ExcerptLine;
use crate::views::{message, severity_badge};
use policy_core::report::{Finding, Fix, FixKind};
use std::rc::Rc;
use yew::prelude::*;

/// The detail panel's inputs.
#[derive(Properties, PartialEq)]
pub struct DetailProps {
    /// The finding shown.
    pub finding: Finding,
    /// Its source lines, once the worker has sent them.
    pub excerpt: Option<Rc<Vec<ExcerptLine>>>,
    /// The close button.
    pub on_close: Callback<MouseEvent>,
    /// The audit-log events the evidence cites (log, line, the event redacted), once read.
    #[prop_or_default]
    pub events: Vec<(String, u32, Rc<Vec<ExcerptLine>>)>,
}

/// One finding in full.
#[function_component]
pub fn DetailPanel(props: &DetailProps) -> Html {
    let DetailProps { finding: f, excerpt, on_close, events } = props;
    let excerpt = excerpt.as_deref();
    let rule = policy_core::registry::find(&f.code).map(|r| r.meta());
    let title = rule.map(|m| m.title()).unwrap_or_default();
    html! {
        <aside class="detail" id="detail" aria-label={format!("Details of {} on {}", f.code, f.object)}>
            <div class="detail-head">
                <div>
                    <p class="eyebrow">{ severity_badge(f.severity) }{" "}<span class="code">{ f.code.as_str() }</span>{" "}<span class="muted">{ f.slug.as_str() }</span></p>
                    <h2 id="detail-title" tabindex="-1">{ message(&f.message) }</h2>
                    if !title.is_empty() { <p class="muted rule-title">{ message(&title) }</p> }
                </div>
                <button type="button" class="icon" aria-label="Close details" onclick={on_close.clone()}>{"×"}</button>
            </div>
            <dl class="facts">
                <dt>{"Object"}</dt><dd><code>{ f.object.to_string() }</code></dd>
                <dt>{"Source"}</dt><dd><code>{ f.source.to_string() }</code></dd>
                if f.baseline.is_some() {
                    <dt>{"Since the baseline"}</dt><dd id="detail-since">{ crate::components::compare::since_tag(f) }</dd>
                }
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
            if let Some(fix) = &f.fix {
                <FixToCopy fix={(**fix).clone()} />
            }
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
            if !events.is_empty() {
                <h3>{"Audit log events"}</h3>
                { for events.iter().filter(|(_, _, lines)| !lines.is_empty()).map(|(path, line, lines)| html! {
                    <>
                    <p class="muted small event-where"><code>{ format!("{path}:{line}") }</code></p>
                    <pre class="excerpt event" aria-label={format!("{path} line {line}")}>
                        { for lines.iter().map(|l| html! {
                            <span class={classes!("line", l.highlight.then_some("hit"))}><span class="ln">{ l.number }</span>{ &l.text }{"\n"}</span>
                        }) }
                    </pre>
                    </>
                }) }
            }
            if let Some(meta) = rule {
                <details class="docs" open=true>
                    <summary>{ format!("Rule {} {}", meta.code, meta.slug) }</summary>
                    <div class="markdown">{ Html::from_html_unchecked(AttrValue::from(markdown(&meta.markdown()))) }</div>
                </details>
            }
        </aside>
    }
}

/// The fix's inputs.
#[derive(Properties, PartialEq)]
struct FixProps {
    fix: Fix,
}

/// A finding's fix: what it does, the text as it will be copied, and a button that copies it
/// (the button carries the same text in `data-copy`).
#[function_component]
fn FixToCopy(props: &FixProps) -> Html {
    let fix = &props.fix;
    // What the last copy did: `None` before any, then whether the browser took it.
    let copied = use_state(|| None::<bool>);
    {
        // Another finding's fix starts afresh.
        let copied = copied.clone();
        use_effect_with(fix.text.clone(), move |_| copied.set(None));
    }
    let onclick = {
        let (copied, text) = (copied.clone(), fix.text.clone());
        Callback::from(move |_: MouseEvent| {
            let (copied, text) = (copied.clone(), text.clone());
            wasm_bindgen_futures::spawn_local(async move { copied.set(Some(browser::copy_text(&text).await)) });
        })
    };
    let (label, note) = match *copied {
        None => ("Copy", ""),
        Some(true) => ("Copied", "copied to the clipboard"),
        Some(false) => ("Copy", "the browser did not allow copying: select the text and copy it by hand"),
    };
    let what = match fix.kind {
        FixKind::Command => "Command to run",
        FixKind::Edit => "Line to write",
    };
    html! {
        <section class="fix" id="fix" aria-labelledby="fix-title">
            <h3 id="fix-title">{"Fix to copy"}</h3>
            <p class="fix-summary">{ message(&fix.summary) }</p>
            <div class="fix-text">
                <pre aria-label={what}><code id="fix-text">{ &fix.text }</code></pre>
                <button type="button" class="ghost copy" id="copy-fix" data-copy={fix.text.clone()}
                    aria-label={format!("Copy the {}", what.to_lowercase())} {onclick}>{ label }</button>
            </div>
            <p class="muted small" role="status" aria-live="polite">{ note }</p>
        </section>
    }
}

/// Rule docs (our own, compiled-in text) as HTML.
fn markdown(text: &str) -> String {
    let parser = pulldown_cmark::Parser::new(text);
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    out
}
