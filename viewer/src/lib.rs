//! The viewer: drop a cluster dump, get the authentication report. Runs entirely in the browser
//! over `policy-core`; the analysis happens in a Web Worker that instantiates this same module.
//!
//! It does not fetch, store or send anything: inputs arrive by drop, picker, paste, the built-in
//! sample, or `postMessage` from a same-origin host page.

pub mod app;
pub mod browser;
pub mod components;
pub mod intake;
pub mod model;
pub mod protocol;
pub mod sample;
pub mod views;
pub mod warm_up;
pub mod worker;

use wasm_bindgen::JsCast;

/// Entry point for both sides: in a dedicated worker, serve analysis requests; in a page, mount
/// the app on `#app` (or the body).
pub fn run() {
    let global = js_sys::global();
    if let Ok(scope) = global.dyn_into::<web_sys::DedicatedWorkerGlobalScope>() {
        worker::start(scope);
        return;
    }
    let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => yew::Renderer::<app::App>::with_root(root).render(),
        None => yew::Renderer::<app::App>::new().render(),
    };
}
