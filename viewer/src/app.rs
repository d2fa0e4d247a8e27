//! The page: input, progress, and the report with its tabs. The root component owns the report,
//! the view (what the URL fragment carries) and the worker; the panels are components of their
//! own ([`crate::components`]). Decisions live in [`crate::model`].

use crate::browser::{self, NamedBlob};
use crate::components::compare::{BaselineOutcome, ComparePanel};
use crate::components::credentials::CredentialInventory;
use crate::components::detail::DetailPanel;
use crate::components::filter_bar::FilterBar;
use crate::components::findings_list::FindingsList;
use crate::components::input_panel::InputPanel;
use crate::components::mechanisms::MechanismInventory;
use crate::components::summary::Summary;
use crate::intake;
use crate::model::{self, EmbedOptions, ExcerptLine, Facets, Filters, Line, Tab, ViewState};
use crate::protocol::{Progress, Reply, Request};
use crate::views;
use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use policy_core::Report;
use policy_core::report::Finding;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{KeyboardEvent, MessageEvent, Worker};
use yew::html::Scope;
use yew::prelude::*;

/// What the built-in sample is called on the page.
const SAMPLE_LABEL: &str = "sample cluster with its audit log";

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
    /// The host page could not fetch the dump it meant to load (embed `data-dump`).
    DumpMissing(String),
}

/// Everything that can happen to the page.
pub enum Msg {
    /// Files to analyse (picker, drop, paste, or a host page's `postMessage`).
    Files(Vec<NamedBlob>),
    /// The built-in sample (the sample cluster with its audit log).
    Sample,
    /// A worker message.
    FromWorker(JsValue),
    /// The worker died (a trap, out of memory, an uncaught error): what the browser said.
    WorkerDied(String),
    /// The host page could not load its `data-dump`: the message to show.
    DumpMissing(String),
    /// Stop the running analysis.
    Stop,
    /// This many findings have arrived (already taken in by the worker's message handler).
    Loaded(usize),
    /// A new view (filters, tab, grouping, sorting, selection).
    View(ViewState),
    /// The user edited the fragment or went back.
    HashChanged,
    /// Check the same inputs again as of another instant (RFC 3339).
    AsOf(String),
    /// Download the report in a format.
    Export(&'static str),
    /// Exports hold only the filtered view (`true`) or everything.
    ExportFiltered(bool),
    /// An earlier report to compare the current inputs with (the baseline picker).
    Baseline(Vec<NamedBlob>),
    /// The watchdog's tick: is the worker still answering?
    Tick,
    /// A global key press.
    Key(KeyboardEvent),
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
            incoming.report = Some(serde_json::from_slice::<Report>(&json_payload(&array)).ok()?);
            incoming.keys = Default::default();
            Some(0)
        }
        Reply::Findings => {
            let mut chunk = serde_json::from_slice::<Vec<Finding>>(&json_payload(&array)).ok()?;
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

/// The JSON text a worker message carries as UTF-8 bytes (see the worker's `post_json`).
fn json_payload(message: &js_sys::Array) -> Vec<u8> {
    message.get(1).dyn_into::<js_sys::Uint8Array>().map(|bytes| bytes.to_vec()).unwrap_or_default()
}

/// The root component.
pub struct App {
    worker: Option<WorkerLink>,
    status: Status,
    report: Option<Rc<Report>>,
    incoming: Rc<RefCell<Incoming>>,
    view: ViewState,
    options: EmbedOptions,
    /// The filtered, sorted and grouped findings as drawn, one entry per line.
    lines: Rc<Vec<Line>>,
    /// How many findings the lines hold.
    shown: usize,
    keys: Rc<Vec<String>>,
    facets: Rc<Facets>,
    excerpt: Option<(String, u32, Rc<Vec<ExcerptLine>>)>,
    /// The audit-log events the selected finding's evidence cites, as they arrive.
    events: Vec<(String, u32, Rc<Vec<ExcerptLine>>)>,
    inputs_label: String,
    /// The inputs as messages name them.
    inputs_subject: String,
    elapsed_ms: Option<f64>,
    /// The dump's newest timestamp, suggested as the "as of".
    newest: Option<String>,
    /// The earlier report this one is compared with, and whether it could be.
    baseline: Option<BaselineOutcome>,
    /// Exports hold only the findings the filters show (else everything).
    export_filtered: bool,
    /// What the report was of before the last drop (shown again when that drop was only an
    /// earlier report to compare with).
    compared_label: String,
    _listeners: Vec<EventListener>,
    /// When the worker last said anything (ms since the epoch): set by its message handler.
    last_heard: Rc<Cell<f64>>,
    /// When the oldest request still without an answer was posted.
    awaiting: Option<f64>,
    /// When the running analysis was asked for (ms since the epoch): the progress line counts
    /// the seconds while the loader has nothing else to tell.
    started_at: f64,
    _watchdog: Option<Interval>,
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
            lines: Rc::default(),
            shown: 0,
            keys: Rc::default(),
            facets: Rc::default(),
            excerpt: None,
            events: Vec::new(),
            inputs_label: String::new(),
            inputs_subject: String::new(),
            elapsed_ms: None,
            newest: None,
            baseline: None,
            export_filtered: false,
            compared_label: String::new(),
            _listeners: Vec::new(),
            last_heard: Rc::new(Cell::new(js_sys::Date::now())),
            awaiting: None,
            started_at: js_sys::Date::now(),
            _watchdog: None,
        };
        app.listen(ctx);
        if app.options.embedded {
            browser::tell_host("authn-audit:started", &[]);
        }
        app.worker = spawn_worker(ctx, Rc::clone(&app.incoming), Rc::clone(&app.last_heard));
        let link = ctx.link().clone();
        app._watchdog = Some(Interval::new(1_000, move || link.send_message(Msg::Tick)));
        if app.worker.is_none() {
            app.fail("this browser cannot start the analysis worker".into());
        } else if app.options.load_sample {
            // Queued until the worker says it is ready.
            app.inputs_label = SAMPLE_LABEL.into();
            app.inputs_subject = format!("the {SAMPLE_LABEL}");
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
                let label = match files.as_slice() {
                    [(name, _)] => name.clone(),
                    _ => format!("{} files", files.len()),
                };
                self.compared_label = std::mem::replace(&mut self.inputs_label, label);
                self.inputs_subject = intake::subject(&files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>());
                let names = files.iter().map(|(n, _)| n.clone()).collect();
                let blobs = js_sys::Array::new();
                for (_, blob) in &files {
                    blobs.push(blob);
                }
                self.start(Request::Analyze { names, now: browser::now_rfc3339() }, blobs.into());
                true
            }
            Msg::Sample => {
                if matches!(self.status, Status::Working(_)) {
                    self.restart_worker(ctx);
                }
                self.inputs_label = SAMPLE_LABEL.into();
                self.inputs_subject = format!("the {SAMPLE_LABEL}");
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
            Msg::DumpMissing(message) => {
                if matches!(self.status, Status::Working(_)) || self.report.is_some() {
                    return false;
                }
                browser::tell_host("authn-audit:failed", &[("message", JsValue::from_str(&message))]);
                self.status = Status::DumpMissing(message);
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
            Msg::AsOf(now) => {
                if self.report.is_none() {
                    return false;
                }
                self.start(Request::Reanalyze { now }, JsValue::UNDEFINED);
                true
            }
            Msg::Export(format) => self.export(format),
            Msg::ExportFiltered(filtered) => {
                self.export_filtered = filtered;
                true
            }
            Msg::Baseline(files) => self.compare_with(files),
            Msg::Tick => {
                let heard = self.last_heard.get();
                self.awaiting = intake::unanswered_since(self.awaiting, heard);
                let analysing =
                    matches!(self.status, Status::Working(_)) && self.worker.as_ref().is_some_and(|w| w.ready);
                if self.worker.is_some() && intake::worker_silent(js_sys::Date::now(), self.awaiting, heard, analysing)
                {
                    // No error event came: the worker ended silently (out of memory, killed).
                    return Component::update(self, ctx, Msg::WorkerDied(String::new()));
                }
                // The progress line's seconds move on.
                analysing
            }
            Msg::Key(event) => self.on_key(ctx, &event),
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
                    <InputPanel slim={self.report.is_some() || matches!(self.status, Status::Working(_))}
                        label={self.inputs_label.clone()} sample={self.options.sample}
                        on_files={link.callback(Msg::Files)} on_sample={link.callback(|()| Msg::Sample)} />
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

fn spawn_worker(ctx: &Context<App>, incoming: Rc<RefCell<Incoming>>, heard: Rc<Cell<f64>>) -> Option<WorkerLink> {
    // (A worker that traps, runs out of memory or throws fires `error` here; one whose message
    // cannot be deserialised fires `messageerror`. Both mean the worker is no longer usable.)
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    options.set_name("authn-audit analysis");
    let worker = Worker::new_with_options("./worker.js", &options).ok()?;
    let link = ctx.link().clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        heard.set(js_sys::Date::now());
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
        let on_hash = EventListener::new(&window, "hashchange", move |_| link.send_message(Msg::HashChanged));
        let link = ctx.link().clone();
        let on_key = EventListener::new(&window, "keydown", move |e| {
            if let Some(key) = e.dyn_ref::<KeyboardEvent>() {
                link.send_message(Msg::Key(key.clone()));
            }
        });
        // A host page (same origin only) may hand us files: see docs/embedding.md.
        let link = ctx.link().clone();
        let on_message = EventListener::new(&window, "message", move |e| {
            let Some(event) = e.dyn_ref::<MessageEvent>() else { return };
            let Some(own) = web_sys::window().and_then(|w| w.location().origin().ok()) else { return };
            if event.origin() != own {
                return;
            }
            if let Some(files) = embedded_files(&event.data()) {
                link.send_message(Msg::Files(files));
            } else if let Some(message) = load_failure(&event.data()) {
                link.send_message(Msg::DumpMissing(message));
            }
        });
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
        self.awaiting = None;
        self.worker = spawn_worker(ctx, Rc::clone(&self.incoming), Rc::clone(&self.last_heard));
        if self.worker.is_none() {
            self.fail("this browser cannot start the analysis worker".into());
        }
    }

    fn start(&mut self, request: Request, payload: JsValue) {
        self.status = Status::Working(Progress { phase: "reading".into(), ..Progress::default() });
        self.started_at = js_sys::Date::now();
        self.report = None;
        *self.incoming.borrow_mut() = Incoming::default();
        self.excerpt = None;
        self.elapsed_ms = None;
        self.baseline = None;
        self.lines = Rc::default();
        self.shown = 0;
        self.send(request, payload);
    }

    fn send(&mut self, request: Request, payload: JsValue) {
        let Some(link) = &mut self.worker else { return };
        if !link.ready {
            link.queued.push((request, payload));
            return;
        }
        post(&link.worker, &request, &payload);
        self.watch_answer();
    }

    /// A request went to the worker: watch for its answer, unless an older one is still unanswered.
    fn watch_answer(&mut self) {
        self.awaiting =
            intake::unanswered_since(self.awaiting, self.last_heard.get()).or_else(|| Some(js_sys::Date::now()));
    }

    fn on_worker(&mut self, ctx: &Context<Self>, data: JsValue) -> bool {
        let array = js_sys::Array::from(&data);
        let Some(header) = array.get(0).as_string() else { return false };
        let Ok(reply) = serde_json::from_str::<Reply>(&header) else { return false };
        match reply {
            Reply::Ready => {
                if let Some(link) = &mut self.worker {
                    link.ready = true;
                    let queued = std::mem::take(&mut link.queued);
                    for (request, payload) in &queued {
                        post(&link.worker, request, payload);
                    }
                    if !queued.is_empty() {
                        self.watch_answer();
                    }
                }
                false
            }
            Reply::Progress(progress) => {
                self.status = Status::Working(progress);
                true
            }
            Reply::ReportHead => match serde_json::from_slice::<Report>(&json_payload(&array)) {
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
            Reply::WarmedUp { slices, elapsed_ms } => {
                // For tests and the benchmark: `data-warm-up-ms`, and the slices it ran.
                mark_phases(&[("warm-up", elapsed_ms)]);
                if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
                    let _ = root.set_attribute("data-warm-up-slices", &slices.to_string());
                }
                false
            }
            Reply::Done { elapsed_ms, waited_ms, read_ms, analyze_ms, send_ms, memory_bytes, newest } => {
                self.newest = newest;
                let incoming = std::mem::take(&mut *self.incoming.borrow_mut());
                if let Some(report) = incoming.report {
                    let (_, keys, facets) = incoming.keys;
                    self.facets = Rc::new(facets);
                    self.keys = Rc::new(keys);
                    self.report = Some(Rc::new(report));
                    self.status = Status::Ready;
                    self.elapsed_ms = Some(elapsed_ms);
                    self.refresh();
                    self.request_excerpt();
                    if let Some(report) = &self.report {
                        mark_ready(report, elapsed_ms, memory_bytes);
                        mark_phases(&[
                            ("wait", waited_ms),
                            ("read", read_ms),
                            ("analyze", analyze_ms),
                            ("send", send_ms),
                        ]);
                    }
                }
                let _ = ctx;
                true
            }
            Reply::Excerpt { path, line, lines } => {
                let cited = self.selected().map(model::log_excerpt::cited_events).unwrap_or_default();
                if cited.iter().any(|(p, l)| *p == path && *l == line) {
                    self.events.retain(|(p, l, _)| !(*p == path && *l == line));
                    self.events.push((path, line, Rc::new(lines)));
                } else {
                    self.excerpt = Some((path, line, Rc::new(lines)));
                }
                true
            }
            Reply::Baseline { name, error } => {
                // An earlier report dropped alone compares the inputs already shown: the
                // report is still theirs.
                if self.inputs_label == name {
                    self.inputs_label = std::mem::take(&mut self.compared_label);
                }
                self.baseline = Some(BaselineOutcome { name, error });
                true
            }
            Reply::Export { filename, .. } => {
                // The worker made the file (a Blob, typed): the page only names and saves it.
                if let Ok(blob) = array.get(1).dyn_into::<web_sys::Blob>() {
                    let _ = browser::download_blob(&filename, &blob);
                }
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
        if let (Some(closed), None) = (&self.view.selected, &view.selected) {
            // Closing the details (button, Escape, the row again) puts the focus back on the
            // row they were opened from, not at the top of the page.
            browser::focus_later(format!("button.finding[data-key=\"{closed}\"]"));
        }
        self.view = view;
        browser::replace_hash(&model::fragment(self.options, &self.view));
        if filters_changed {
            self.refresh();
        }
        if selection_changed {
            self.request_excerpt();
        }
    }

    /// Filter, sort and group once per view change, not per drawing.
    fn refresh(&mut self) {
        if let Some(report) = &self.report {
            let lines = model::lines(&report.findings, &self.view.filters, self.view.sort, self.view.group);
            self.shown = model::rows(&lines).count();
            self.lines = Rc::new(lines);
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
        self.events.clear();
        let Some(f) = self.selected() else {
            self.excerpt = None;
            return;
        };
        let request = Request::Excerpt {
            path: f.source.path.to_string(),
            line: f.source.line,
            object_line: f.source.object_line,
        };
        // And the log events its evidence cites (issue 12), read again from the log.
        let cited = model::log_excerpt::cited_events(f);
        self.send(request, JsValue::UNDEFINED);
        for (path, line) in cited {
            self.send(Request::Excerpt { path, line, object_line: 0 }, JsValue::UNDEFINED);
        }
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
                browser::focus_later("#search".to_string());
                true
            }
            "j" | "k" => {
                let order = model::rows(&self.lines).collect::<Vec<_>>();
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

    /// Ask the worker for an export: everything, or only what the filters show (the file says
    /// which), as the user chose.
    fn export(&mut self, format: &str) -> bool {
        let filtered = self.export_filtered && self.view.filters.is_active();
        let view =
            filtered.then(|| ViewState { filters: self.view.filters.clone(), ..ViewState::default() }.to_fragment());
        self.send(Request::Export { format: format.to_string(), view }, JsValue::UNDEFINED);
        false
    }

    /// Compare the current inputs with an earlier report: the worker analyses them again with it.
    fn compare_with(&mut self, files: Vec<NamedBlob>) -> bool {
        let Some((name, blob)) = files.into_iter().next() else { return false };
        if self.report.is_none() {
            return false;
        }
        self.start(Request::Baseline { name }, blob.into());
        true
    }

    fn export_menu(&self, link: &Scope<Self>) -> Html {
        let Some(report) = &self.report else {
            return html! {};
        };
        let active = self.view.filters.is_active();
        let filtered = self.export_filtered && active;
        let on_scope = link.callback(|e: Event| {
            let value = e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            Msg::ExportFiltered(value == "filtered")
        });
        html! {
            <nav class="exports" aria-label="Download the report">
                <label class="label" for="export-scope">{"Download"}</label>
                <select id="export-scope" class="export-scope" onchange={on_scope}
                    title="What the downloaded file holds; it says so itself">
                    <option value="all" selected={!filtered}>{ format!("everything ({})", model::human_count(report.findings.len())) }</option>
                    <option value="filtered" selected={filtered} disabled={!active}>{
                        if active { format!("filtered view ({} of {})", model::human_count(self.shown), model::human_count(report.findings.len())) }
                        else { "filtered view (no filter set)".to_string() }
                    }</option>
                </select>
                { for [("json", "JSON"), ("sarif", "SARIF"), ("markdown", "Markdown"), ("html", "HTML")].into_iter().map(|(f, label)| html! {
                    <button type="button" class="ghost" data-export={f} onclick={link.callback(move |_| Msg::Export(f))}
                        aria-label={format!("Download the report as {label}")}>{label}</button>
                }) }
            </nav>
        }
    }

    fn status_view(&self, link: &Scope<Self>) -> Html {
        match &self.status {
            Status::Idle if self.view != ViewState::default() => html! {
                <div class="callout" role="status" id="link-without-data">{ views::message(&intake::link_without_data(self.view.selected.is_some())) }</div>
            },
            Status::Idle | Status::Ready => html! {},
            Status::DumpMissing(message) => html! {
                <div class="callout error" role="alert" id="dump-missing"><strong>{"No dump to show: "}</strong>{ views::message(message) }</div>
            },
            Status::Failed(message) => html! {
                <div class="callout error" role="alert" id="analysis-failed"><strong>{"Analysis failed: "}</strong>{ views::message(message) }</div>
            },
            Status::Stopped => html! {
                <div class="callout" role="status" id="analysis-stopped">{"Analysis stopped. Drop a file here or choose one to start again."}</div>
            },
            Status::Working(p) => {
                views::progress(p, js_sys::Date::now() - self.started_at, link.callback(|_| Msg::Stop))
            }
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
            browser::focus_later(format!("#tab-{}", view.tab.as_str()));
            Some(Msg::View(view))
        });
        html! {
            <div class="report" id="report">
                { views::not_analysed(&incomplete, report.inputs.len()) }
                if !self.options.compact {
                    <Summary report={report} keys={&self.keys} view={self.view.clone()} elapsed_ms={self.elapsed_ms} newest={self.newest.clone()}
                        on_view={link.callback(Msg::View)} on_as_of={link.callback(Msg::AsOf)} />
                }
                <ComparePanel report={report} baseline={self.baseline.clone()} view={self.view.clone()}
                    on_view={link.callback(Msg::View)} on_pick={link.callback(Msg::Baseline)} />
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
                        Tab::Mechanisms => html! { <MechanismInventory report={report} /> },
                        Tab::Credentials => html! { <CredentialInventory report={report} view={view.clone()} on_view={link.callback(Msg::View)} /> },
                        Tab::Coverage => views::coverage(report),
                    } }
                </div>
            </div>
        }
    }

    fn findings_view(&self, link: &Scope<Self>, report: &Rc<Report>) -> Html {
        let view = &self.view;
        let selected = self.selected();
        let on_select = {
            let view = view.clone();
            link.callback(move |key: Option<String>| {
                let mut next = view.clone();
                next.selected = key;
                Msg::View(next)
            })
        };
        html! {
            <div class={classes!("findings-layout", selected.is_some().then_some("with-detail"))}>
                <FilterBar report={report} facets={&self.facets} view={view.clone()} on_view={link.callback(Msg::View)} />
                <div class="findings-pane">
                    <p class="count" aria-live="polite" id="result-count">
                        { format!("{} of {} findings", model::human_count(self.shown), model::human_count(report.findings.len())) }
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
                    } else if self.shown == 0 {
                        <p class="empty">{"No finding matches these filters."}</p>
                    } else {
                        <FindingsList report={report} keys={&self.keys} lines={&self.lines}
                            selected={view.selected.clone()} on_select={on_select.clone()} />
                    }
                </div>
                if let Some(f) = selected {
                    <DetailPanel finding={f.clone()}
                        excerpt={self.excerpt.as_ref().filter(|(p, l, _)| **p == *f.source.path && *l == f.source.line).map(|(_, _, lines)| Rc::clone(lines))}
                        events={model::log_excerpt::cited_events(f).into_iter().filter_map(|(p, l)| self.events.iter().find(|(ep, el, _)| *ep == p && *el == l).cloned()).collect::<Vec<_>>()}
                        on_close={on_select.reform(|_: MouseEvent| None)} />
                }
            </div>
        }
    }
}

fn post(worker: &Worker, request: &Request, payload: &JsValue) {
    let header = serde_json::to_string(request).unwrap_or_default();
    // Stamped, so the worker can say how long the request waited for it (`Reply::Done`).
    let posted = JsValue::from_f64(js_sys::Date::now());
    let _ = worker.post_message(&js_sys::Array::of3(&JsValue::from_str(&header), payload, &posted));
}

/// The host page's word that its `data-dump` could not be fetched:
/// `{type: "authn-audit:load-failed", url, status, refused}` (see `embed.js`).
fn load_failure(data: &JsValue) -> Option<String> {
    let field = |name: &str| js_sys::Reflect::get(data, &name.into()).ok();
    if field("type")?.as_string()? != "authn-audit:load-failed" {
        return None;
    }
    let url = field("url").and_then(|u| u.as_string()).unwrap_or_else(|| "data-dump".into());
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "an HTTP status, clamped")]
    let status = field("status").and_then(|s| s.as_f64()).map_or(0, |s| s.clamp(0.0, 999.0) as u16);
    let refused = field("refused").is_some_and(|r| r.is_truthy());
    Some(intake::dump_missing(&url, status, refused))
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

/// Where the worker's time went (`data-wait-ms`, `data-read-ms`, `data-analyze-ms`,
/// `data-send-ms` on the root), for tests and the benchmark.
fn mark_phases(phases: &[(&str, f64)]) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
    for (name, ms) in phases {
        let _ = root.set_attribute(&format!("data-{name}-ms"), &format!("{ms:.0}"));
    }
}

/// Keep the keyboard focus on the selected row after j/k.
fn focus_selected() {
    browser::focus_later("button.finding.selected".to_string());
}
