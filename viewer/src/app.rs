//! The page: input, progress, and the report with its tabs. One component owns the state and the
//! worker; the views are methods that draw from it. Decisions live in [`crate::model`].

use crate::browser::{self, NamedBlob};
use crate::intake;
use crate::model::{self, EmbedOptions, ExcerptLine, Facets, Filters, Grouping, SortKey, Tab, ViewState};
use crate::protocol::{Progress, Reply, Request};
use crate::views;
use policy_core::report::{Finding, Mechanism};
use policy_core::{Report, Severity};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{
    DragEvent, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, KeyboardEvent, MessageEvent, Worker,
};
use yew::html::Scope;
use yew::prelude::*;

/// Height in CSS pixels of every line of the findings list (rows and group headings alike):
/// one height makes the virtual list's arithmetic exact. `style.css` sets the same value.
const ROW_H: f64 = 60.0;
/// Lines drawn above and below the ones in view; the window also moves in steps of this many
/// lines, so scrolling redraws the page only every few rows.
const OVERSCAN: usize = 10;
/// Up to this many lines the whole list is drawn; beyond it only the window around the view.
const VIRTUAL_FROM: usize = 150;
/// Assumed height of the list's viewport until it has been measured.
const DEFAULT_VIEWPORT_H: f64 = 1000.0;

/// One fixed-height line of the findings list.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    /// A group's heading.
    Head { label: String, worst: Severity, count: usize },
    /// A finding, by index into the report's findings.
    Row(usize),
}

/// Where the analysis stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Waiting for input.
    Idle,
    /// The worker is reading or analysing.
    Working(Progress),
    /// The report is complete.
    Ready,
    /// The worker said no, or stopped working.
    Failed(String),
    /// The user stopped the analysis.
    Stopped,
}

/// Everything that can happen to the page.
pub enum Msg {
    /// Files to analyse (picker, drop, paste, or a host page's `postMessage`).
    Files(Vec<NamedBlob>),
    /// The built-in sample.
    Sample,
    /// A worker message.
    FromWorker(JsValue),
    /// The worker died (a trap, out of memory, an uncaught error): what the browser said.
    WorkerDied(String),
    /// Stop the running analysis.
    Stop,
    /// This many findings have arrived (already taken in by the worker's message handler).
    Loaded(usize),
    /// A new view (filters, tab, grouping, sorting, selection).
    View(ViewState),
    /// The user edited the fragment or went back.
    HashChanged,
    /// The findings list scrolled: its scroll offset and viewport height.
    Scroll(f64, f64),
    /// Download the report in a format.
    Export(&'static str),
    /// Drag state for the drop zone's highlight.
    Dragging(bool),
    /// Show or hide the paste box.
    TogglePaste,
    /// A global key press.
    Key(KeyboardEvent),
    /// Nothing to do (a handler that only prevents default).
    Noop,
}

struct WorkerLink {
    worker: Worker,
    ready: bool,
    queued: Vec<(Request, JsValue)>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for WorkerLink {
    /// Stop the worker and its handlers together, so no event reaches a dropped closure.
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.set_onmessageerror(None);
        self.worker.terminate();
    }
}

/// The report as it arrives. The worker's message handler fills it directly, one chunk per
/// message event, rather than through Yew's scheduler: that scheduler runs every message queued
/// while it was busy in one browser task, which made a pile of chunks one long block.
#[derive(Default)]
struct Incoming {
    report: Option<Report>,
    /// Keys and facets of the findings, built chunk by chunk so that finishing the report never
    /// blocks the page for long.
    keys: (model::KeyMaker, Vec<String>, Facets),
}

/// Take a report head or findings chunk in; `Some(findings so far)` if it was one.
fn take_in(incoming: &RefCell<Incoming>, data: &JsValue) -> Option<usize> {
    let array = js_sys::Array::from(data);
    let reply = serde_json::from_str::<Reply>(&array.get(0).as_string()?).ok()?;
    let mut incoming = incoming.borrow_mut();
    match reply {
        Reply::ReportHead => {
            // A head that does not parse goes to the component, which reports the error.
            incoming.report = Some(serde_json::from_str::<Report>(&array.get(1).as_string()?).ok()?);
            incoming.keys = Default::default();
            Some(0)
        }
        Reply::Findings => {
            let mut chunk = serde_json::from_str::<Vec<Finding>>(&array.get(1).as_string()?).ok()?;
            let Incoming { report, keys: (maker, keys, facets) } = &mut *incoming;
            let report = report.as_mut()?;
            for f in &chunk {
                keys.push(maker.key(f));
                facets.add(f);
            }
            report.findings.append(&mut chunk);
            Some(report.findings.len())
        }
        _ => None,
    }
}

/// The root component.
pub struct App {
    worker: Option<WorkerLink>,
    status: Status,
    report: Option<Rc<Report>>,
    incoming: Rc<RefCell<Incoming>>,
    view: ViewState,
    options: EmbedOptions,
    visible: Rc<Vec<usize>>,
    /// The filtered, sorted and grouped findings as drawn, one entry per line.
    lines: Rc<Vec<Line>>,
    keys: Rc<Vec<String>>,
    facets: Rc<Facets>,
    scroll_top: f64,
    viewport_h: Option<f64>,
    /// `scroll_top` was changed by the app and must be applied to the list after drawing.
    scroll_pending: bool,
    list_ref: NodeRef,
    spacer_ref: NodeRef,
    rows_ref: NodeRef,
    excerpt: Option<(String, u32, Vec<ExcerptLine>)>,
    paste_open: bool,
    dragging: bool,
    inputs_label: String,
    /// The inputs as messages name them.
    inputs_subject: String,
    elapsed_ms: Option<f64>,
    search_ref: NodeRef,
    paste_ref: NodeRef,
    picker_ref: NodeRef,
    _listeners: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let fragment = browser::location_hash();
        let mut app = Self {
            worker: None,
            status: Status::Idle,
            report: None,
            incoming: Rc::default(),
            view: ViewState::from_fragment(&fragment),
            options: EmbedOptions::from_fragment(&fragment),
            visible: Rc::default(),
            lines: Rc::default(),
            keys: Rc::default(),
            facets: Rc::default(),
            scroll_top: 0.0,
            viewport_h: None,
            scroll_pending: false,
            list_ref: NodeRef::default(),
            spacer_ref: NodeRef::default(),
            rows_ref: NodeRef::default(),
            excerpt: None,
            paste_open: false,
            dragging: false,
            inputs_label: String::new(),
            inputs_subject: String::new(),
            elapsed_ms: None,
            search_ref: NodeRef::default(),
            paste_ref: NodeRef::default(),
            picker_ref: NodeRef::default(),
            _listeners: Vec::new(),
        };
        app.listen(ctx);
        if app.options.embedded {
            browser::tell_host("authn-audit:started", &[]);
        }
        app.worker = spawn_worker(ctx, Rc::clone(&app.incoming));
        if app.worker.is_none() {
            app.fail("this browser cannot start the analysis worker".into());
        } else if app.options.load_sample {
            // Queued until the worker says it is ready.
            app.inputs_label = "sample cluster".into();
            app.inputs_subject = "the sample cluster".into();
            app.start(Request::Sample { now: browser::now_rfc3339() }, JsValue::UNDEFINED);
        }
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            let class = if app.options.embedded { "embedded" } else { "standalone" };
            let _ = body.class_list().add_1(class);
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Files(files) if files.is_empty() => false,
            Msg::Files(files) => {
                // New input while an analysis runs replaces it: the page never waits on a
                // worker busy with a file the user has given up on.
                if matches!(self.status, Status::Working(_)) {
                    self.restart_worker(ctx);
                }
                self.inputs_label = match files.as_slice() {
                    [(name, _)] => name.clone(),
                    _ => format!("{} files", files.len()),
                };
                self.inputs_subject = intake::subject(&files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>());
                let names = files.iter().map(|(n, _)| n.clone()).collect();
                let blobs = js_sys::Array::new();
                for (_, blob) in &files {
                    blobs.push(blob);
                }
                self.start(Request::Analyze { names, now: browser::now_rfc3339() }, blobs.into());
                self.paste_open = false;
                true
            }
            Msg::Sample => {
                if matches!(self.status, Status::Working(_)) {
                    self.restart_worker(ctx);
                }
                self.inputs_label = "sample cluster".into();
                self.inputs_subject = "the sample cluster".into();
                self.start(Request::Sample { now: browser::now_rfc3339() }, JsValue::UNDEFINED);
                true
            }
            Msg::FromWorker(data) => self.on_worker(ctx, data),
            Msg::WorkerDied(said) => {
                let started = self.worker.as_ref().is_some_and(|w| w.ready);
                let working = matches!(self.status, Status::Working(_));
                self.fail(intake::worker_failure(&self.inputs_subject, &said, started, working));
                *self.incoming.borrow_mut() = Incoming::default();
                // A worker that never started will not start on a second try; one that died
                // on an input is replaced so the next drop works.
                if started {
                    self.restart_worker(ctx);
                } else {
                    self.worker = None;
                }
                true
            }
            Msg::Stop => {
                if !matches!(self.status, Status::Working(_)) {
                    return false;
                }
                self.restart_worker(ctx);
                *self.incoming.borrow_mut() = Incoming::default();
                self.status = Status::Stopped;
                true
            }
            Msg::Loaded(sent) => match &mut self.status {
                Status::Working(p) => {
                    p.findings_sent = sent as u64;
                    true
                }
                _ => false,
            },
            Msg::View(view) => {
                self.set_view(ctx, view);
                true
            }
            Msg::HashChanged => {
                let fragment = browser::location_hash();
                let view = ViewState::from_fragment(&fragment);
                if view == self.view {
                    return false;
                }
                self.set_view(ctx, view);
                true
            }
            Msg::Scroll(top, height) => {
                let before = self.window();
                self.scroll_top = top;
                self.viewport_h = Some(height);
                self.window() != before
            }
            Msg::Export(format) => {
                self.send(Request::Export { format: format.to_string() }, JsValue::UNDEFINED);
                false
            }
            Msg::Dragging(on) => {
                let changed = self.dragging != on;
                self.dragging = on;
                changed
            }
            Msg::TogglePaste => {
                self.paste_open = !self.paste_open;
                true
            }
            Msg::Key(event) => self.on_key(ctx, &event),
            Msg::Noop => false,
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        // The spacer first: the scroll offset below can only reach as far as it is high.
        self.place_rows();
        if let Some(list) = self.list_ref.cast::<web_sys::Element>() {
            if self.scroll_pending {
                self.scroll_pending = false;
                #[expect(clippy::cast_possible_truncation, reason = "scroll offsets are far below 2^31 px")]
                list.set_scroll_top(self.scroll_top as i32);
            }
            if self.viewport_h.is_none() {
                self.viewport_h = Some(f64::from(list.client_height()));
            }
        }
        if self.paste_open
            && let Some(area) = self.paste_ref.cast::<HtmlTextAreaElement>()
            && web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .is_none_or(|a| a.tag_name() != "TEXTAREA")
        {
            let _ = area.focus();
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let compact = self.options.compact;
        html! {
            <div class={classes!("app", compact.then_some("compact"), self.options.embedded.then_some("embedded"))}>
                if !self.options.embedded {
                    <header class="masthead">
                        <div class="brand">
                            <span class="logo" aria-hidden="true">{"◈"}</span>
                            <div>
                                <h1>{"authn-audit"}</h1>
                                <p class="tagline">{"Kubernetes authentication, checked in your browser. Nothing leaves this page."}</p>
                            </div>
                        </div>
                        { self.export_menu(link) }
                    </header>
                }
                <main id="main">
                    { self.input_panel(link) }
                    { self.status_view(link) }
                    if let Some(report) = &self.report {
                        { self.report_view(link, report) }
                    }
                </main>
                if !self.options.embedded {
                    <footer class="colophon">
                        <p>{format!("authn-audit {} · runs offline: no request leaves this page, nothing is stored.", policy_core::TOOL_VERSION)}</p>
                        <p class="keys">{"Keys: "}<kbd>{"/"}</kbd>{" search · "}<kbd>{"j"}</kbd>{" "}<kbd>{"k"}</kbd>{" next / previous finding · "}<kbd>{"Esc"}</kbd>{" close details"}</p>
                    </footer>
                }
            </div>
        }
    }
}

fn spawn_worker(ctx: &Context<App>, incoming: Rc<RefCell<Incoming>>) -> Option<WorkerLink> {
    // (A worker that traps, runs out of memory or throws fires `error` here; one whose message
    // cannot be deserialised fires `messageerror`. Both mean the worker is no longer usable.)
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    options.set_name("authn-audit analysis");
    let worker = Worker::new_with_options("./worker.js", &options).ok()?;
    let link = ctx.link().clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        match take_in(&incoming, &data) {
            Some(sent) => link.send_message(Msg::Loaded(sent)),
            None => link.send_message(Msg::FromWorker(data)),
        }
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    let link = ctx.link().clone();
    let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        // Handled here: the browser need not report it again as the page's own error.
        e.prevent_default();
        let said = e.dyn_ref::<web_sys::ErrorEvent>().map(web_sys::ErrorEvent::message).unwrap_or_default();
        link.send_message(Msg::WorkerDied(said));
    });
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    worker.set_onmessageerror(Some(onerror.as_ref().unchecked_ref()));
    // The worker instantiates the page's own compiled module: nothing is fetched twice.
    worker.post_message(&wasm_bindgen::module()).ok()?;
    Some(WorkerLink { worker, ready: false, queued: Vec::new(), _onmessage: onmessage, _onerror: onerror })
}

impl App {
    fn listen(&mut self, ctx: &Context<Self>) {
        let Some(window) = web_sys::window() else { return };
        let link = ctx.link().clone();
        let on_hash = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| link.send_message(Msg::HashChanged));
        let _ = window.add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
        let link = ctx.link().clone();
        let on_key = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if let Ok(key) = e.dyn_into::<KeyboardEvent>() {
                link.send_message(Msg::Key(key));
            }
        });
        let _ = window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
        // A host page (same origin only) may hand us files: see docs/embedding.md.
        let link = ctx.link().clone();
        let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Ok(event) = e.dyn_into::<MessageEvent>() else { return };
            let Some(own) = web_sys::window().and_then(|w| w.location().origin().ok()) else { return };
            if event.origin() != own {
                return;
            }
            if let Some(files) = embedded_files(&event.data()) {
                link.send_message(Msg::Files(files));
            }
        });
        let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
        self._listeners = vec![on_hash, on_key, on_message];
    }

    /// Show a failure, and tell a host page (which gets no report this time).
    fn fail(&mut self, message: String) {
        browser::tell_host("authn-audit:failed", &[("message", JsValue::from_str(&message))]);
        self.status = Status::Failed(message);
    }

    /// Replace the worker with a fresh one (stopping whatever it was doing).
    fn restart_worker(&mut self, ctx: &Context<Self>) {
        // Dropping the link terminates the old worker.
        self.worker = None;
        self.worker = spawn_worker(ctx, Rc::clone(&self.incoming));
        if self.worker.is_none() {
            self.fail("this browser cannot start the analysis worker".into());
        }
    }

    fn start(&mut self, request: Request, payload: JsValue) {
        self.status = Status::Working(Progress { phase: "reading".into(), ..Progress::default() });
        self.report = None;
        *self.incoming.borrow_mut() = Incoming::default();
        self.excerpt = None;
        self.elapsed_ms = None;
        self.lines = Rc::default();
        self.send(request, payload);
    }

    fn send(&mut self, request: Request, payload: JsValue) {
        let Some(link) = &mut self.worker else { return };
        if !link.ready {
            link.queued.push((request, payload));
            return;
        }
        post(&link.worker, &request, &payload);
    }

    fn on_worker(&mut self, ctx: &Context<Self>, data: JsValue) -> bool {
        let array = js_sys::Array::from(&data);
        let Some(header) = array.get(0).as_string() else { return false };
        let Ok(reply) = serde_json::from_str::<Reply>(&header) else { return false };
        let payload = array.get(1).as_string().unwrap_or_default();
        match reply {
            Reply::Ready => {
                if let Some(link) = &mut self.worker {
                    link.ready = true;
                    for (request, payload) in std::mem::take(&mut link.queued) {
                        post(&link.worker, &request, &payload);
                    }
                }
                false
            }
            Reply::Progress(progress) => {
                self.status = Status::Working(progress);
                true
            }
            Reply::ReportHead => match serde_json::from_str::<Report>(&payload) {
                Ok(head) => {
                    self.incoming.borrow_mut().report = Some(head);
                    false
                }
                Err(_) => {
                    self.fail("the report could not be read; drop the files again".into());
                    true
                }
            },
            // Taken in by the worker's message handler (see `take_in`); here only if unreadable.
            Reply::Findings => {
                self.fail("a chunk of findings could not be read".into());
                true
            }
            Reply::Done { elapsed_ms, memory_bytes, .. } => {
                let incoming = std::mem::take(&mut *self.incoming.borrow_mut());
                if let Some(report) = incoming.report {
                    let (_, keys, facets) = incoming.keys;
                    self.facets = Rc::new(facets);
                    self.keys = Rc::new(keys);
                    self.report = Some(Rc::new(report));
                    self.status = Status::Ready;
                    self.elapsed_ms = Some(elapsed_ms);
                    self.refresh();
                    self.reveal_selected();
                    self.request_excerpt();
                    if let Some(report) = &self.report {
                        mark_ready(report, elapsed_ms, memory_bytes);
                    }
                }
                let _ = ctx;
                true
            }
            Reply::Excerpt { path, line, lines } => {
                self.excerpt = Some((path, line, lines));
                true
            }
            Reply::Export { filename, mime } => {
                let _ = browser::download(&filename, &mime, &payload);
                false
            }
            Reply::Failed { message } => {
                self.fail(message);
                true
            }
        }
    }

    fn set_view(&mut self, _ctx: &Context<Self>, view: ViewState) {
        let filters_changed =
            view.filters != self.view.filters || view.sort != self.view.sort || view.group != self.view.group;
        let selection_changed = view.selected != self.view.selected;
        self.view = view;
        browser::replace_hash(&model::fragment(self.options, &self.view));
        if filters_changed {
            self.refresh();
        }
        if selection_changed || filters_changed {
            self.reveal_selected();
        }
        if selection_changed {
            self.request_excerpt();
        }
    }

    /// Filter, sort and group once per view change, not per drawing.
    fn refresh(&mut self) {
        if let Some(report) = &self.report {
            let visible = model::visible(&report.findings, &self.view.filters, self.view.sort);
            let groups = model::group(&report.findings, &visible, self.view.group);
            let mut lines = Vec::with_capacity(visible.len() + groups.len());
            for g in groups {
                if self.view.group != Grouping::None {
                    lines.push(Line::Head { label: g.label, worst: g.worst, count: g.members.len() });
                }
                lines.extend(g.members.into_iter().map(Line::Row));
            }
            self.visible = Rc::new(visible);
            self.lines = Rc::new(lines);
            self.scroll_top = 0.0;
            self.scroll_pending = true;
        }
    }

    /// The lines drawn: all of a short list, else those in view plus the overscan.
    fn window(&self) -> (usize, usize) {
        model::window(
            self.lines.len(),
            self.scroll_top,
            self.viewport_h.unwrap_or(DEFAULT_VIEWPORT_H),
            ROW_H,
            OVERSCAN,
            VIRTUAL_FROM,
        )
    }

    /// Size the spacer to the whole list and move the drawn lines to their place. Through the
    /// CSSOM, as the Content-Security-Policy forbids inline `style` attributes.
    fn place_rows(&self) {
        let (first, _) = self.window();
        #[expect(clippy::cast_precision_loss, reason = "line counts are far below 2^52")]
        let (height, offset) = (self.lines.len() as f64 * ROW_H, first as f64 * ROW_H);
        if let Some(spacer) = self.spacer_ref.cast::<web_sys::HtmlElement>() {
            let _ = spacer.style().set_property("height", &format!("{height}px"));
        }
        if let Some(rows) = self.rows_ref.cast::<web_sys::HtmlElement>() {
            let _ = rows.style().set_property("transform", &format!("translateY({offset}px)"));
        }
    }

    /// Scroll the list so the selected finding is in view (keyboard moves, a shared link).
    fn reveal_selected(&mut self) {
        let Some(selected) = self.selected_index() else { return };
        let Some(pos) = self.lines.iter().position(|l| *l == Line::Row(selected)) else { return };
        #[expect(clippy::cast_precision_loss, reason = "line counts are far below 2^52")]
        let top = pos as f64 * ROW_H;
        let height = self.viewport_h.unwrap_or(DEFAULT_VIEWPORT_H);
        if top < self.scroll_top || top + ROW_H > self.scroll_top + height {
            self.scroll_top = (top - (height - ROW_H) / 2.0).max(0.0);
            self.scroll_pending = true;
        }
    }

    fn selected_index(&self) -> Option<usize> {
        let key = self.view.selected.as_deref()?;
        self.keys.iter().position(|k| k == key)
    }

    fn selected(&self) -> Option<&Finding> {
        self.report.as_ref()?.findings.get(self.selected_index()?)
    }

    fn request_excerpt(&mut self) {
        let Some(f) = self.selected() else {
            self.excerpt = None;
            return;
        };
        let request = Request::Excerpt { path: f.source.path.clone(), line: f.source.line };
        self.send(request, JsValue::UNDEFINED);
    }

    fn on_key(&mut self, ctx: &Context<Self>, event: &KeyboardEvent) -> bool {
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return false;
        }
        let typing = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let key = event.key();
        if key == "Escape" && self.view.selected.is_some() {
            let mut view = self.view.clone();
            view.selected = None;
            self.set_view(ctx, view);
            return true;
        }
        if typing || self.report.is_none() {
            return false;
        }
        match key.as_str() {
            "/" => {
                event.prevent_default();
                let mut view = self.view.clone();
                view.tab = Tab::Findings;
                self.set_view(ctx, view);
                if let Some(input) = self.search_ref.cast::<HtmlInputElement>() {
                    let _ = input.focus();
                }
                true
            }
            "j" | "k" => {
                let order = self
                    .lines
                    .iter()
                    .filter_map(|l| if let Line::Row(i) = l { Some(*i) } else { None })
                    .collect::<Vec<_>>();
                let current = self.selected_index();
                let pos = current.and_then(|c| order.iter().position(|i| *i == c));
                let next = match (key.as_str(), pos) {
                    ("j", None) => Some(0),
                    ("j", Some(p)) => Some((p + 1).min(order.len().saturating_sub(1))),
                    ("k", Some(p)) => Some(p.saturating_sub(1)),
                    _ => None,
                };
                let Some(next) = next.and_then(|n| order.get(n)).and_then(|i| self.keys.get(*i)) else {
                    return false;
                };
                let mut view = self.view.clone();
                view.tab = Tab::Findings;
                view.selected = Some(next.clone());
                self.set_view(ctx, view);
                focus_selected();
                true
            }
            _ => false,
        }
    }

    fn export_menu(&self, link: &Scope<Self>) -> Html {
        if self.report.is_none() {
            return html! {};
        }
        html! {
            <nav class="exports" aria-label="Download the report">
                <span class="label">{"Download"}</span>
                { for [("json", "JSON"), ("sarif", "SARIF"), ("markdown", "Markdown"), ("html", "HTML")].into_iter().map(|(f, label)| html! {
                    <button type="button" class="ghost" data-export={f} onclick={link.callback(move |_| Msg::Export(f))}
                        aria-label={format!("Download the report as {label}")}>{label}</button>
                }) }
            </nav>
        }
    }

    fn input_panel(&self, link: &Scope<Self>) -> Html {
        let has_report = self.report.is_some() || matches!(self.status, Status::Working(_));
        let ondragover = link.callback(|e: DragEvent| {
            e.prevent_default();
            Msg::Dragging(true)
        });
        let ondragleave = link.callback(|_: DragEvent| Msg::Dragging(false));
        let ondrop = {
            let link = link.clone();
            Callback::from(move |e: DragEvent| {
                e.prevent_default();
                link.send_message(Msg::Dragging(false));
                if let Some(transfer) = e.data_transfer() {
                    let link = link.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let files = browser::dropped(transfer).await;
                        link.send_message(Msg::Files(files));
                    });
                }
            })
        };
        let picker = self.picker_ref.clone();
        let onpick = link.callback(move |_: Event| {
            let input = picker.cast::<HtmlInputElement>();
            let files = browser::files_of(input.as_ref().and_then(HtmlInputElement::files));
            if let Some(input) = input {
                input.set_value("");
            }
            Msg::Files(files)
        });
        let paste = self.paste_ref.clone();
        let onpaste_submit = link.callback(move |e: SubmitEvent| {
            e.prevent_default();
            let text = paste.cast::<HtmlTextAreaElement>().map(|t| t.value()).unwrap_or_default();
            if text.trim().is_empty() {
                return Msg::Noop;
            }
            Msg::Files(browser::text_blob("pasted.yaml", &text).into_iter().collect())
        });
        html! {
            <section class={classes!("intake", has_report.then_some("slim"), self.dragging.then_some("dragging"))}
                aria-label="Input" {ondragover} {ondragleave} {ondrop}>
                <div class="dropzone" id="dropzone">
                    if !has_report {
                        <h2>{"Drop a cluster dump here"}</h2>
                        <p class="hint">
                            {"One or more YAML or JSON files, or whole folders — for example the output of "}
                            <code>{"kubectl get pods,secrets,serviceaccounts,configmaps,csr,clusterroles,clusterrolebindings,roles,rolebindings -A -o yaml"}</code>
                            {". Secret values are never shown: findings carry fingerprints only."}
                        </p>
                    } else {
                        <p class="current">
                            <span class="muted">{"Report for "}</span><strong>{ &self.inputs_label }</strong>
                            <span class="muted">{" · drop more files here to start over"}</span>
                        </p>
                    }
                    <div class="actions">
                        <label class="button primary" for="file-picker">{"Choose files…"}</label>
                        <input id="file-picker" class="visually-hidden" type="file" multiple=true
                            accept=".yaml,.yml,.json,.csv,.conf,.kubeconfig,text/*,application/json,application/yaml"
                            ref={self.picker_ref.clone()} onchange={onpick} />
                        <button type="button" class="button" aria-expanded={self.paste_open.to_string()} aria-controls="paste-form"
                            onclick={link.callback(|_| Msg::TogglePaste)}>{"Paste YAML…"}</button>
                        if self.options.sample {
                            <button type="button" class="button" id="sample-button" onclick={link.callback(|_| Msg::Sample)}>
                                {"Try a sample cluster"}
                            </button>
                        }
                    </div>
                    if self.paste_open {
                        <form id="paste-form" class="paste" onsubmit={onpaste_submit}>
                            <label for="paste-text">{"Paste one or more YAML or JSON documents"}</label>
                            <textarea id="paste-text" ref={self.paste_ref.clone()} rows="10" spellcheck="false"
                                placeholder={"apiVersion: v1\nkind: Secret\n…"} />
                            <div class="actions">
                                <button type="submit" class="button primary">{"Analyse pasted text"}</button>
                                <button type="button" class="button ghost" onclick={link.callback(|_| Msg::TogglePaste)}>{"Cancel"}</button>
                            </div>
                        </form>
                    }
                </div>
            </section>
        }
    }

    fn status_view(&self, link: &Scope<Self>) -> Html {
        match &self.status {
            Status::Idle | Status::Ready => html! {},
            Status::Failed(message) => html! {
                <div class="callout error" role="alert" id="analysis-failed"><strong>{"Analysis failed: "}</strong>{ views::message(message) }</div>
            },
            Status::Stopped => html! {
                <div class="callout" role="status" id="analysis-stopped">{"Analysis stopped. Drop a file here or choose one to start again."}</div>
            },
            Status::Working(p) => views::progress(p, link.callback(|_| Msg::Stop)),
        }
    }

    fn report_view(&self, link: &Scope<Self>, report: &Rc<Report>) -> Html {
        let view = &self.view;
        let tab_button = |tab: Tab, label: String| {
            let mut next = view.clone();
            next.tab = tab;
            let selected = view.tab == tab;
            html! {
                <button type="button" role="tab" id={format!("tab-{}", tab.as_str())} aria-selected={selected.to_string()}
                    aria-controls={format!("panel-{}", tab.as_str())} tabindex={if selected { "0" } else { "-1" }}
                    class={classes!("tab", selected.then_some("active"))}
                    onclick={link.callback(move |_| Msg::View(next.clone()))}>{label}</button>
            }
        };
        let diagnostics = report.inputs.iter().map(|i| i.diagnostics.len()).sum::<usize>();
        let incomplete = intake::incomplete(report);
        if intake::nothing_read(report) {
            return html! {
                <div class="report" id="report">
                    { views::nothing_read(report) }
                    { views::not_analysed(&incomplete, report.inputs.len()) }
                    if diagnostics > 0 {
                        { views::diagnostics_callout(report) }
                    }
                    { views::inputs_table(report) }
                </div>
            };
        }
        // The tab pattern: arrows move between tabs, Tab moves into the panel.
        let tab_base = view.clone();
        let tab_keys = link.batch_callback(move |e: KeyboardEvent| {
            let at = Tab::ALL.iter().position(|t| *t == tab_base.tab).unwrap_or(0);
            let next = match e.key().as_str() {
                "ArrowRight" => (at + 1) % Tab::ALL.len(),
                "ArrowLeft" => (at + Tab::ALL.len() - 1) % Tab::ALL.len(),
                "Home" => 0,
                "End" => Tab::ALL.len() - 1,
                _ => return None,
            };
            e.prevent_default();
            let mut view = tab_base.clone();
            view.tab = Tab::ALL.get(next).copied().unwrap_or_default();
            focus_later(format!("#tab-{}", view.tab.as_str()));
            Some(Msg::View(view))
        });
        html! {
            <div class="report" id="report">
                { views::not_analysed(&incomplete, report.inputs.len()) }
                if !self.options.compact {
                    { views::summary(report, &self.view, self.elapsed_ms, link.callback(Msg::View)) }
                }
                if diagnostics > 0 {
                    { views::diagnostics_callout(report) }
                }
                <div class="tabs" role="tablist" aria-label="Report sections" onkeydown={tab_keys}>
                    { tab_button(Tab::Findings, format!("Findings ({})", model::human_count(report.findings.len()))) }
                    { tab_button(Tab::Mechanisms, "Mechanisms".into()) }
                    { tab_button(Tab::Credentials, format!("Credentials ({})", model::human_count(report.credentials.len()))) }
                    { tab_button(Tab::Coverage, format!("Coverage ({})", report.not_assessable.len() + diagnostics)) }
                </div>
                <div role="tabpanel" id={format!("panel-{}", view.tab.as_str())} aria-labelledby={format!("tab-{}", view.tab.as_str())} class="panel">
                    { match view.tab {
                        Tab::Findings => self.findings_view(link, report),
                        Tab::Mechanisms => views::mechanisms(report),
                        Tab::Credentials => views::credentials(report),
                        Tab::Coverage => views::coverage(report),
                    } }
                </div>
            </div>
        }
    }

    fn findings_view(&self, link: &Scope<Self>, report: &Rc<Report>) -> Html {
        let view = &self.view;
        let selected = self.selected();
        let shown_total = self.visible.len();
        let lines = &self.lines;
        let (first, last) = self.window();
        let list = self.list_ref.clone();
        let onscroll = link.batch_callback(move |_: Event| {
            let el = list.cast::<web_sys::Element>()?;
            Some(Msg::Scroll(f64::from(el.scroll_top()), f64::from(el.client_height())))
        });
        let drawn = lines.iter().enumerate().skip(first).take(last - first).map(|(at, line)| match line {
            Line::Head { label, worst, count } => html! {
                <li key={format!("head:{label}")} class="group-head" aria-posinset={(at + 1).to_string()} aria-setsize={lines.len().to_string()}>
                    { views::severity_badge(*worst) }
                    <span class="label">{ label }</span>
                    <span class="muted">{ format!(" · {count}") }</span>
                </li>
            },
            Line::Row(i) => match (report.findings.get(*i), self.keys.get(*i)) {
                (Some(f), Some(key)) => self.finding_row(link, f, key, at, lines.len()),
                _ => html! {},
            },
        });
        html! {
            <div class={classes!("findings-layout", selected.is_some().then_some("with-detail"))}>
                { self.filter_bar(link, report) }
                <div class="findings-pane">
                    <p class="count" aria-live="polite" id="result-count">
                        { format!("{} of {} findings", model::human_count(shown_total), model::human_count(report.findings.len())) }
                        if view.filters.is_active() {
                            {" · "}
                            <button type="button" class="link" onclick={
                                let mut next = view.clone();
                                next.filters = Filters::default();
                                link.callback(move |_| Msg::View(next.clone()))
                            }>{"clear filters"}</button>
                        }
                    </p>
                    if report.findings.is_empty() && !report.is_complete() {
                        <p class="empty">{"No findings in what could be read. The inputs listed above were not analysed in full."}</p>
                    } else if report.findings.is_empty() {
                        <p class="empty">{"No findings. Check the Coverage tab for rules this dump could not assess."}</p>
                    } else if shown_total == 0 {
                        <p class="empty">{"No finding matches these filters."}</p>
                    } else {
                        // Only the lines in view are in the document; the spacer keeps the
                        // scrollbar true to the whole list.
                        <div class="findings-scroll" ref={self.list_ref.clone()} {onscroll}>
                            <div class="findings-spacer" ref={self.spacer_ref.clone()}>
                                <ol class="findings" aria-label="Findings" ref={self.rows_ref.clone()}>
                                    { for drawn }
                                </ol>
                            </div>
                        </div>
                    }
                </div>
                if let Some(f) = selected {
                    { views::detail(f, self.excerpt.as_ref().filter(|(p, l, _)| *p == f.source.path && *l == f.source.line).map(|(_, _, lines)| lines.as_slice()), {
                        let mut next = view.clone();
                        next.selected = None;
                        link.callback(move |_| Msg::View(next.clone()))
                    }) }
                }
            </div>
        }
    }

    fn finding_row(&self, link: &Scope<Self>, f: &Finding, key: &str, at: usize, of: usize) -> Html {
        let key = key.to_string();
        let selected = self.view.selected.as_deref() == Some(key.as_str());
        let mut next = self.view.clone();
        next.selected = if selected { None } else { Some(key.clone()) };
        html! {
            <li key={key.clone()} aria-posinset={(at + 1).to_string()} aria-setsize={of.to_string()}>
                <button type="button" class={classes!("finding", selected.then_some("selected"))} aria-pressed={selected.to_string()}
                    data-key={key} data-code={f.code.clone()} onclick={link.callback(move |_| Msg::View(next.clone()))}>
                    { views::severity_badge(f.severity) }
                    <span class="code">{ &f.code }</span>
                    <span class="message">{ views::message(&f.message) }</span>
                    <span class="object">{ f.object.to_string() }</span>
                    <span class="where">{ format!("{}:{}", f.source.path, f.source.line) }</span>
                </button>
            </li>
        }
    }

    fn filter_bar(&self, link: &Scope<Self>, report: &Rc<Report>) -> Html {
        let view = &self.view;
        let facets = &self.facets;
        let sev_chip = |sev: Severity| {
            let on = view.filters.severities.contains(&sev);
            let count = report.summary.by_severity.get(&sev).copied().unwrap_or(0);
            let mut next = view.clone();
            if on {
                next.filters.severities.remove(&sev);
            } else {
                next.filters.severities.insert(sev);
            }
            html! {
                <button type="button" class={classes!("chip", sev.as_str(), on.then_some("on"))} aria-pressed={on.to_string()}
                    data-severity={sev.as_str()} onclick={link.callback(move |_| Msg::View(next.clone()))}>
                    { model::capitalize(sev.as_str()) }<span class="n">{ count }</span>
                </button>
            }
        };
        let select = |id: &'static str,
                      label: &'static str,
                      current: Option<String>,
                      options: Vec<(String, String)>,
                      apply: fn(&mut ViewState, Option<String>)| {
            let base = view.clone();
            let onchange = link.callback(move |e: Event| {
                let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
                let mut next = base.clone();
                apply(&mut next, (value != "*").then_some(value));
                Msg::View(next)
            });
            html! {
                <label class="field">
                    <span>{label}</span>
                    <select id={id} {onchange} aria-label={label}>
                        <option value="*" selected={current.is_none()}>{"Any"}</option>
                        { for options.into_iter().map(|(value, text)| html! {
                            <option selected={current.as_deref() == Some(value.as_str())} value={value.clone()}>{text}</option>
                        }) }
                    </select>
                </label>
            }
        };
        let mechanism_options: Vec<(String, String)> = Mechanism::ALL
            .into_iter()
            .filter(|m| facets.mechanisms.contains_key(m))
            .map(|m| (m.as_str().to_string(), format!("{} ({})", m.label(), facets.mechanisms.get(&m).unwrap_or(&0))))
            .collect();
        let current_mechanism = (view.filters.mechanisms.len() == 1)
            .then(|| view.filters.mechanisms.iter().next().map(|m| m.as_str().to_string()))
            .flatten();
        let search_base = view.clone();
        let oninput = link.callback(move |e: InputEvent| {
            let value = e.target_dyn_into::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let mut next = search_base.clone();
            next.filters.text = value;
            Msg::View(next)
        });
        let group_base = view.clone();
        let on_group = link.callback(move |e: Event| {
            let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            let mut next = group_base.clone();
            next.group = Grouping::parse(&value).unwrap_or_default();
            Msg::View(next)
        });
        let sort_base = view.clone();
        let on_sort = link.callback(move |e: Event| {
            let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            let mut next = sort_base.clone();
            next.sort = SortKey::parse(&value).unwrap_or_default();
            Msg::View(next)
        });
        html! {
            <div class="filters" role="search" aria-label="Filter findings">
                <div class="chips" role="group" aria-label="Severity">
                    { for Severity::ALL.into_iter().rev().map(sev_chip) }
                </div>
                <div class="fields">
                    <label class="field grow">
                        <span>{"Search"}</span>
                        <input id="search" type="search" placeholder="message, object, file…" value={view.filters.text.clone()}
                            ref={self.search_ref.clone()} {oninput} aria-label="Search findings" />
                    </label>
                    { select("filter-mechanism", "Mechanism", current_mechanism, mechanism_options, |v, value| {
                        v.filters.mechanisms = value.and_then(|m| Mechanism::ALL.into_iter().find(|x| x.as_str() == m)).into_iter().collect();
                    }) }
                    { select("filter-namespace", "Namespace", view.filters.namespace.as_ref().map(|n| if n.is_empty() { "-".to_string() } else { n.clone() }),
                        facets.namespaces.iter().map(|(ns, n)| if ns.is_empty() { ("-".to_string(), format!("cluster-scoped ({n})")) } else { (ns.clone(), format!("{ns} ({n})")) }).collect(),
                        |v, value| v.filters.namespace = value.map(|ns| if ns == "-" { String::new() } else { ns })) }
                    { select("filter-kind", "Kind", view.filters.kind.clone(),
                        facets.kinds.iter().map(|(k, n)| (k.clone(), format!("{k} ({n})"))).collect(),
                        |v, value| v.filters.kind = value) }
                    { select("filter-code", "Rule", view.filters.code.clone(),
                        facets.codes.iter().map(|(c, (slug, n))| (c.clone(), format!("{c} {slug} ({n})"))).collect(),
                        |v, value| v.filters.code = value) }
                    <label class="field">
                        <span>{"Group by"}</span>
                        <select id="group-by" onchange={on_group} aria-label="Group findings by">
                            { for Grouping::ALL.into_iter().map(|g| html! {
                                <option value={g.as_str()} selected={view.group == g}>{g.label()}</option>
                            }) }
                        </select>
                    </label>
                    <label class="field">
                        <span>{"Sort by"}</span>
                        <select id="sort-by" onchange={on_sort} aria-label="Sort findings by">
                            { for SortKey::ALL.into_iter().map(|s| html! {
                                <option value={s.as_str()} selected={view.sort == s}>{s.label()}</option>
                            }) }
                        </select>
                    </label>
                </div>
            </div>
        }
    }
}

fn post(worker: &Worker, request: &Request, payload: &JsValue) {
    let header = serde_json::to_string(request).unwrap_or_default();
    let _ = worker.post_message(&js_sys::Array::of2(&JsValue::from_str(&header), payload));
}

/// Files a host page posted: `{type: "authn-audit:load", files: [{name, data}]}` where `data` is
/// a string, an ArrayBuffer, or a Blob.
fn embedded_files(data: &JsValue) -> Option<Vec<NamedBlob>> {
    let kind = js_sys::Reflect::get(data, &"type".into()).ok()?.as_string()?;
    if kind != "authn-audit:load" {
        return None;
    }
    let files = js_sys::Array::from(&js_sys::Reflect::get(data, &"files".into()).ok()?);
    let mut out = Vec::new();
    for file in files.iter() {
        let name =
            js_sys::Reflect::get(&file, &"name".into()).ok()?.as_string().unwrap_or_else(|| "embedded.yaml".into());
        let content = js_sys::Reflect::get(&file, &"data".into()).ok()?;
        let blob = if let Ok(blob) = content.clone().dyn_into::<web_sys::Blob>() {
            blob
        } else {
            web_sys::Blob::new_with_buffer_source_sequence(&js_sys::Array::of1(&content))
                .or_else(|_| web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&content)))
                .ok()?
        };
        out.push((name, blob));
    }
    Some(out)
}

/// Tell tests, benchmarks and a host page that a report is on screen (how long it took, and the
/// worker's peak memory). The host also learns how many objects were read and how many inputs
/// were not, so that it never takes an unread dump's zero findings for a pass.
fn mark_ready(report: &Report, elapsed_ms: f64, memory_bytes: u64) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("data-worker-memory", &memory_bytes.to_string());
        let _ = root.set_attribute("data-report-ms", &format!("{elapsed_ms:.0}"));
    }
    let findings = u32::try_from(report.findings.len()).unwrap_or(u32::MAX);
    let objects = u32::try_from(report.summary.objects).unwrap_or(u32::MAX);
    let unread = u32::try_from(intake::unread(report)).unwrap_or(u32::MAX);
    browser::tell_host(
        "authn-audit:report",
        &[
            ("findings", findings.into()),
            ("objects", objects.into()),
            ("unread", unread.into()),
            ("ms", elapsed_ms.into()),
        ],
    );
}

/// Keep the keyboard focus on the selected row after j/k.
fn focus_selected() {
    focus_later("button.finding.selected".to_string());
}

/// Focus an element once Yew has drawn it.
fn focus_later(selector: String) {
    let cb = Closure::once_into_js(move || {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.request_animation_frame(cb.unchecked_ref());
    }
}
