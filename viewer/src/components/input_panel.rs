//! The input panel: drop zone, file picker, paste box and the sample button. It owns the drag
//! highlight and the paste box; what it reads goes to the parent as files.

use crate::browser::{self, NamedBlob};
use web_sys::{DragEvent, HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The input panel's inputs.
#[derive(Properties, PartialEq)]
pub struct InputPanelProps {
    /// A report is showing or being made: the panel shrinks to one line.
    pub slim: bool,
    /// What the current report is of.
    pub label: AttrValue,
    /// Offer the built-in sample.
    pub sample: bool,
    /// Files to analyse (picker, drop or paste).
    pub on_files: Callback<Vec<NamedBlob>>,
    /// The sample button.
    pub on_sample: Callback<()>,
}

/// Drop zone, picker, paste box and sample.
#[function_component]
pub fn InputPanel(props: &InputPanelProps) -> Html {
    let dragging = use_state_eq(|| false);
    let paste_open = use_state_eq(|| false);
    let picker = use_node_ref();
    let paste = use_node_ref();
    {
        // Focus the paste box when it opens.
        let paste = paste.clone();
        use_effect_with(*paste_open, move |open| {
            if *open && let Some(area) = paste.cast::<HtmlTextAreaElement>() {
                let _ = area.focus();
            }
        });
    }
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let ondrop = {
        let (dragging, on_files) = (dragging.clone(), props.on_files.clone());
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            if let Some(transfer) = e.data_transfer() {
                let on_files = on_files.clone();
                wasm_bindgen_futures::spawn_local(async move { on_files.emit(browser::dropped(transfer).await) });
            }
        })
    };
    let onpick = {
        let (picker, on_files) = (picker.clone(), props.on_files.clone());
        Callback::from(move |_: Event| {
            let input = picker.cast::<HtmlInputElement>();
            let files = browser::files_of(input.as_ref().and_then(HtmlInputElement::files));
            if let Some(input) = input {
                input.set_value("");
            }
            on_files.emit(files);
        })
    };
    let onpaste_submit = {
        let (paste, paste_open, on_files) = (paste.clone(), paste_open.clone(), props.on_files.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = paste.cast::<HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default();
            if text.trim().is_empty() {
                return;
            }
            paste_open.set(false);
            on_files.emit(browser::text_blob("pasted.yaml", &text).into_iter().collect());
        })
    };
    let toggle_paste = {
        let paste_open = paste_open.clone();
        Callback::from(move |_: MouseEvent| paste_open.set(!*paste_open))
    };
    let on_sample = props.on_sample.reform(|_: MouseEvent| ());
    html! {
        <section class={classes!("intake", props.slim.then_some("slim"), dragging.then_some("dragging"))}
            aria-label="Input" {ondragover} {ondragleave} {ondrop}>
            <div class="dropzone" id="dropzone">
                if !props.slim {
                    <h2>{"Drop a cluster dump here"}</h2>
                    <p class="hint">
                        {"One or more YAML or JSON files, or whole folders — for example the output of "}
                        <code>{"kubectl get pods,secrets,serviceaccounts,configmaps,csr,clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml"}</code>
                        {". Drop the API server's audit logs beside it (JSON lines, also rotated and "}<code>{".gz"}</code>
                        {") to see which credentials are used. Secret values are never shown: findings carry fingerprints only."}
                    </p>
                } else {
                    <p class="current">
                        <span class="muted">{"Report for "}</span><strong>{ &props.label }</strong>
                        <span class="muted">{" · drop more files here to start over"}</span>
                    </p>
                }
                <div class="actions">
                    // The input first: its focus ring is drawn on the label that follows it.
                    <input id="file-picker" class="visually-hidden" type="file" multiple=true
                        accept=".yaml,.yml,.json,.csv,.log,.jsonl,.gz,.conf,.kubeconfig,text/*,application/json,application/yaml"
                        ref={picker} onchange={onpick} />
                    <label class="button primary" for="file-picker">{"Choose files…"}</label>
                    <button type="button" class="button" aria-expanded={paste_open.to_string()} aria-controls="paste-form"
                        onclick={toggle_paste.clone()}>{"Paste YAML…"}</button>
                    if props.sample {
                        // One sample, with both kinds of evidence: its dump and its API server's
                        // audit log (a second "dump only" button would show less for a choice
                        // nobody needs to make).
                        <button type="button" class="button" id="sample-button" onclick={on_sample}
                            title="A made-up cluster's dump and its API server's audit log">
                            {"Try a sample cluster"}
                        </button>
                    }
                </div>
                if *paste_open {
                    <form id="paste-form" class="paste" onsubmit={onpaste_submit}>
                        <label for="paste-text">{"Paste one or more YAML or JSON documents"}</label>
                        <textarea id="paste-text" ref={paste} rows="10" spellcheck="false"
                            placeholder={"apiVersion: v1\nkind: Secret\n…"} />
                        <div class="actions">
                            <button type="submit" class="button primary">{"Analyse pasted text"}</button>
                            <button type="button" class="button ghost" onclick={toggle_paste}>{"Cancel"}</button>
                        </div>
                    </form>
                }
            </div>
        </section>
    }
}
