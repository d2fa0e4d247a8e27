//! The analysis side: runs in a dedicated Web Worker, on the same wasm module as the page.
//! It checks every dropped file against the byte budget before reading any of it, reads those
//! that fit (in chunks, reporting bytes), runs `policy_core::analyze_with_unread` (reporting
//! objects parsed and rules run; the files it did not read are listed in the report), and sends
//! the report back in pieces the page can parse without freezing. It keeps the inputs and the
//! report for excerpts and exports; nothing is stored anywhere else. If it traps or runs out of
//! memory, the page hears of it through the worker's `error` event (see `static/worker.js`).

use crate::protocol::{FINDINGS_CHUNK, Progress, Reply, Request};
use crate::sample::SAMPLE;
use crate::{intake, model, warm_up};
use policy_core::audit::{AuditLog, FileReader, looks_like_audit_log};
use policy_core::input::DiagnosticCode;
use policy_core::report::{ExportScope, InputSummary};
use policy_core::{InputFile, Report, Settings};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

/// Bytes read from a blob per step: progress ticks for big files, few awaits for small ones.
const READ_CHUNK: f64 = 4.0 * 1024.0 * 1024.0;
/// Lines shown above and below a finding's line.
const EXCERPT_RADIUS: u32 = 6;
/// Least wall time between two progress posts while analysing.
const PROGRESS_INTERVAL_MS: f64 = 50.0;

#[derive(Default)]
struct State {
    inputs: Vec<(String, Vec<u8>)>,
    /// The inputs not read (skipped, unreadable), kept for a new "as of".
    unread: Vec<InputSummary>,
    /// The audit logs' aggregates (the logs themselves are streamed, never kept).
    audit: AuditLog,
    /// The dropped audit logs' files (handles, not bytes): a finding's event line is read again
    /// from them when it is opened.
    logs: Vec<(String, Blob)>,
    report: Option<Report>,
    /// The earlier report compared with (its name and bytes), kept for a new "as of".
    baseline: Option<Baseline>,
}

/// An earlier report to compare with: its file name and bytes.
type Baseline = (String, Vec<u8>);

/// Install the message handler, tell the page we are ready, and warm up until asked for something.
pub fn start(scope: DedicatedWorkerGlobalScope) {
    let state = Rc::new(RefCell::new(State::default()));
    let warm_up = Rc::new(warm_up::WarmUp::default());
    let post_scope = scope.clone();
    let stop_warm_up = Rc::clone(&warm_up);
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        // The request's own work warms up the rest; no slice runs after it.
        stop_warm_up.stop();
        let state = Rc::clone(&state);
        let scope = post_scope.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(message) = handle(&scope, &state, event.data()).await {
                post(&scope, &Reply::Failed { message }, &JsValue::UNDEFINED);
            }
        });
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    onmessage.forget();
    post(&scope, &Reply::Ready, &JsValue::UNDEFINED);
    warm_up::start(warm_up, move |slices, elapsed_ms| {
        post(&scope, &Reply::WarmedUp { slices, elapsed_ms }, &JsValue::UNDEFINED);
    });
}

fn post(scope: &DedicatedWorkerGlobalScope, reply: &Reply, payload: &JsValue) {
    let header = serde_json::to_string(reply).unwrap_or_default();
    let message = js_sys::Array::of2(&JsValue::from_str(&header), payload);
    // A failed post means the page is gone: nothing to tell anyone.
    let _ = scope.post_message(&message);
}

/// [`post`] with a JSON text as its payload, handed over as UTF-8 bytes whose buffer moves to
/// the page (no copy, and no UTF-16 string made on this side and read back on the other).
fn post_json(scope: &DedicatedWorkerGlobalScope, reply: &Reply, json: &[u8]) {
    let header = serde_json::to_string(reply).unwrap_or_default();
    let bytes = js_sys::Uint8Array::new_with_length(u32::try_from(json.len()).unwrap_or(u32::MAX));
    bytes.copy_from(json);
    let message = js_sys::Array::of2(&JsValue::from_str(&header), &bytes);
    let _ = scope.post_message_with_transfer(&message, &js_sys::Array::of1(&bytes.buffer()));
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

async fn handle(scope: &DedicatedWorkerGlobalScope, state: &RefCell<State>, data: JsValue) -> Result<(), String> {
    let array: js_sys::Array = data.dyn_into().map_err(|_| "malformed message".to_string())?;
    let header = array.get(0).as_string().ok_or("malformed message header")?;
    let request: Request = serde_json::from_str(&header).map_err(|e| format!("malformed request: {e}"))?;
    // How long the request waited for this worker (the page stamps each post): what a slice of
    // the warm-up, or anything else before it, held it up.
    let waited_ms = array.get(2).as_f64().map_or(0.0, |posted| (now_ms() - posted).max(0.0));
    match request {
        Request::Analyze { names, now } => {
            let blobs: js_sys::Array = array.get(1).dyn_into().map_err(|_| "no files in request".to_string())?;
            let started = now_ms();
            // The last analysis's inputs and report go before the new files come in (unless
            // the files are only an earlier report to compare them with).
            let previous = std::mem::take(&mut *state.borrow_mut());
            let (inputs, unread, audit, logs) = read_all(scope, &names, &blobs).await;
            let (mut baselines, inputs): (Vec<Baseline>, Vec<_>) =
                inputs.into_iter().partition(|(_, bytes)| intake::looks_like_report(bytes));
            // One earlier report is compared with; the first given.
            let baseline = (!baselines.is_empty()).then(|| baselines.swap_remove(0));
            if baseline.is_some() && inputs.is_empty() && unread.is_empty() && logs.is_empty() {
                let Some(report) = &previous.report else {
                    return Err(intake::BASELINE_WITHOUT_DUMP.to_string());
                };
                // The same inputs, as of the same instant, now compared.
                let now = report.evaluated_at.clone();
                state.borrow_mut().logs = previous.logs;
                analyze(
                    scope,
                    state,
                    (previous.inputs, previous.unread, previous.audit),
                    baseline,
                    &now,
                    (waited_ms, started),
                );
            } else {
                state.borrow_mut().logs = logs;
                analyze(scope, state, (inputs, unread, audit), baseline, &now, (waited_ms, started));
            }
        }
        Request::Sample { now } => {
            let started = now_ms();
            *state.borrow_mut() = State::default();
            let inputs = SAMPLE.iter().map(|(name, bytes)| ((*name).to_string(), bytes.to_vec())).collect();
            analyze(scope, state, (inputs, Vec::new(), AuditLog::default()), None, &now, (waited_ms, started));
        }
        Request::Reanalyze { now } => {
            let started = now_ms();
            let previous = std::mem::take(&mut *state.borrow_mut());
            if previous.report.is_none() {
                return Err("nothing to check again yet".into());
            }
            state.borrow_mut().logs = previous.logs;
            let inputs = (previous.inputs, previous.unread, previous.audit);
            analyze(scope, state, inputs, previous.baseline, &now, (waited_ms, started));
        }
        Request::Baseline { name } => {
            let started = now_ms();
            let blob: Blob = array.get(1).dyn_into().map_err(|_| "no report in request".to_string())?;
            let bytes = read_slice(&blob, 0.0, blob.size()).await.map_err(|()| {
                format!(
                    "the browser could not read `{name}` (it may have been moved, deleted or locked); choose it again"
                )
            })?;
            let previous = std::mem::take(&mut *state.borrow_mut());
            let Some(report) = &previous.report else {
                return Err(intake::BASELINE_WITHOUT_DUMP.to_string());
            };
            // The same inputs, as of the same instant, now compared.
            let now = report.evaluated_at.clone();
            state.borrow_mut().logs = previous.logs;
            let inputs = (previous.inputs, previous.unread, previous.audit);
            analyze(scope, state, inputs, Some((name, bytes)), &now, (waited_ms, started));
        }
        Request::Excerpt { path, line, object_line } => {
            let lines = excerpt_lines(state, &path, line, object_line).await;
            post(scope, &Reply::Excerpt { path, line, lines }, &JsValue::UNDEFINED);
        }
        Request::Export { format, view } => {
            let mut state = state.borrow_mut();
            let report = state.report.as_mut().ok_or("nothing to export yet")?;
            let format = policy_core::render::Format::parse(&format).ok_or("unknown export format")?;
            let text = export(report, format, view.as_deref());
            let mime = match format {
                policy_core::render::Format::Json | policy_core::render::Format::Sarif => "application/json",
                policy_core::render::Format::Markdown => "text/markdown",
                policy_core::render::Format::Html => "text/html",
                policy_core::render::Format::Text => "text/plain",
            };
            let part = if view.is_some() { "-filtered" } else { "" };
            let filename = format!("authn-audit-report{part}.{}", format.extension());
            post(scope, &Reply::Export { filename, mime: mime.to_string() }, &export_blob(&text, mime)?);
        }
    }
    Ok(())
}

/// The report rendered in `format`: whole, or (`view`, a link fragment) only the findings its
/// filters let through, the file saying which and how many of how many (the summary and the
/// inventories stay the whole report's). The report is left as it was.
fn export(report: &mut Report, format: policy_core::render::Format, view: Option<&str>) -> String {
    let Some(view) = view else { return policy_core::render::render(report, format, false) };
    let filters = model::ViewState::from_fragment(view).filters;
    let all = std::mem::take(&mut report.findings);
    report.findings = all.iter().filter(|f| filters.matches(f)).cloned().collect();
    let view = model::ViewState { filters: filters.clone(), ..model::ViewState::default() }.to_fragment();
    let shown = report.findings.len();
    report.scope = Some(ExportScope { filter: filters.describe(), view, shown, total: all.len() });
    let text = policy_core::render::render(report, format, false);
    report.findings = all;
    report.scope = None;
    text
}

/// A rendered export as a Blob made here: the page gets a handle to it, not tens of megabytes of
/// text to copy on its own thread (a 100k-object JSON export blocked the page for a second).
fn export_blob(text: &str, mime: &str) -> Result<JsValue, String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    Blob::new_with_str_sequence_and_options(&parts, &options)
        .map(JsValue::from)
        .map_err(|_| "the browser could not hold the export; try a smaller format".to_string())
}

/// Read the blobs: audit logs (told by their first bytes) are streamed into aggregates and never
/// held, so they cost nothing of the byte budget; the other blobs that fit the budget are read
/// whole, each checked before any of it is read; the rest come back as unread inputs saying why
/// (skipped, unreadable).
async fn read_all(
    scope: &DedicatedWorkerGlobalScope,
    names: &[String],
    blobs: &js_sys::Array,
) -> (Vec<(String, Vec<u8>)>, Vec<InputSummary>, AuditLog, Vec<(String, Blob)>) {
    let blobs: Vec<Blob> = blobs.iter().filter_map(|b| b.dyn_into::<Blob>().ok()).collect();
    let mut budget = intake::Budget::new(Settings::default().limits);
    let mut unread = Vec::new();
    let mut sized = Vec::with_capacity(blobs.len());
    for (i, blob) in blobs.iter().enumerate() {
        let name = names.get(i).cloned().unwrap_or_else(|| format!("input-{}", i + 1));
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "blob sizes are whole and < 2^53")]
        let size = blob.size() as u64;
        let is_log = match read_slice(blob, 0.0, LOG_HEAD_BYTES.min(blob.size())).await {
            Ok(head) => looks_like_audit_log(&head),
            // Unreadable: the ordinary read below says so.
            Err(()) => false,
        };
        if is_log {
            sized.push((name, blob, size, true));
            continue;
        }
        match budget.take(&name, size) {
            Ok(()) => sized.push((name, blob, size, false)),
            Err(skipped) => unread.push(skipped),
        }
    }
    let mut progress = Progress {
        phase: "reading".into(),
        bytes_total: sized.iter().map(|(_, _, size, _)| size).sum(),
        files_total: u32::try_from(sized.len()).unwrap_or(u32::MAX),
        ..Progress::default()
    };
    post(scope, &Reply::Progress(progress.clone()), &JsValue::UNDEFINED);
    let mut inputs = Vec::with_capacity(sized.len());
    let mut audit = AuditLog::default();
    let mut logs = Vec::new();
    for (name, blob, size, is_log) in sized {
        if is_log {
            stream_log(scope, &mut audit, &name, blob, size, &mut progress).await;
            logs.push((name, blob.clone()));
            progress.files_read += 1;
            continue;
        }
        match read_blob(scope, blob, size, &mut progress).await {
            Ok(bytes) => inputs.push((name, bytes)),
            Err(()) => {
                let message =
                    "the browser could not read this file (it may have been moved, deleted or locked); drop it again"
                        .to_string();
                unread.push(InputSummary {
                    bytes: size,
                    ..InputSummary::unreadable(&name, DiagnosticCode::ReadError, message)
                });
            }
        }
        progress.files_read += 1;
    }
    (inputs, unread, audit, logs)
}

/// A finding's source lines: around its line in a dump, or the one event it cites in an audit
/// log, bodies left out and redacted (a dropped log is read again from its file up to that line;
/// the sample's log is in memory).
async fn excerpt_lines(state: &RefCell<State>, path: &str, line: u32, object_line: u32) -> Vec<model::ExcerptLine> {
    let blob = {
        let state = state.borrow();
        if let Some((_, bytes)) = state.inputs.iter().find(|(name, _)| name == path) {
            return if looks_like_audit_log(bytes) {
                model::log_excerpt::log_line(bytes, line)
            } else {
                // The text as the loader numbered its lines (BOM, UTF-16, old Mac line ends).
                let text = policy_core::input::locate::text_of(bytes);
                model::excerpt(path, &text, line, object_line, EXCERPT_RADIUS)
            };
        }
        match state.logs.iter().find(|(name, _)| name == path) {
            Some((_, blob)) => blob.clone(),
            None => return Vec::new(),
        }
    };
    let mut picker = model::log_excerpt::LinePicker::new(line);
    let size = blob.size();
    let mut offset = 0.0;
    while offset < size && !picker.found() {
        let end = (offset + READ_CHUNK).min(size);
        let Ok(chunk) = read_slice(&blob, offset, end).await else { return Vec::new() };
        picker.push(&chunk);
        offset = end;
    }
    picker.finish()
}

/// Bytes of a blob's start that tell an audit log from a dump (what
/// [`looks_like_audit_log`] looks at).
const LOG_HEAD_BYTES: f64 = 64.0 * 1024.0;

/// The bytes `start..end` of a blob.
async fn read_slice(blob: &Blob, start: f64, end: f64) -> Result<Vec<u8>, ()> {
    let part = blob.slice_with_f64_and_f64(start, end).map_err(|_| ())?;
    let buffer = JsFuture::from(part.array_buffer()).await.map_err(|_| ())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// One audit log streamed into `audit` a chunk at a time: only its aggregates stay in memory,
/// however long the log.
async fn stream_log(
    scope: &DedicatedWorkerGlobalScope,
    audit: &mut AuditLog,
    name: &str,
    blob: &Blob,
    size: u64,
    progress: &mut Progress,
) {
    let mut reader = FileReader::new(name);
    #[expect(clippy::cast_precision_loss, reason = "blob sizes are < 2^53")]
    let size = size as f64;
    let mut offset = 0.0;
    while offset < size {
        let end = (offset + READ_CHUNK).min(size);
        let Ok(chunk) = read_slice(blob, offset, end).await else {
            reader.fail("the browser could not read this log to its end (it may have been moved, deleted or locked); the log is read up to here");
            break;
        };
        reader.push(audit, &chunk);
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "blob offsets are whole")]
        {
            progress.bytes_read += (end - offset) as u64;
        }
        offset = end;
        post(scope, &Reply::Progress(progress.clone()), &JsValue::UNDEFINED);
    }
    reader.finish(audit);
}

/// One blob's bytes, read in chunks so that progress moves through a big file.
async fn read_blob(
    scope: &DedicatedWorkerGlobalScope,
    blob: &Blob,
    size: u64,
    progress: &mut Progress,
) -> Result<Vec<u8>, ()> {
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    #[expect(clippy::cast_precision_loss, reason = "blob sizes are < 2^53")]
    let size = size as f64;
    let mut offset = 0.0;
    while offset < size {
        let end = (offset + READ_CHUNK).min(size);
        let part = blob.slice_with_f64_and_f64(offset, end).map_err(|_| ())?;
        let buffer = JsFuture::from(part.array_buffer()).await.map_err(|_| ())?;
        let chunk = js_sys::Uint8Array::new(&buffer);
        let start = bytes.len();
        bytes.resize(start + chunk.length() as usize, 0);
        if let Some(dest) = bytes.get_mut(start..) {
            chunk.copy_to(dest);
        }
        #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "blob offsets are whole")]
        {
            progress.bytes_read += (end - offset) as u64;
        }
        offset = end;
        post(scope, &Reply::Progress(progress.clone()), &JsValue::UNDEFINED);
    }
    Ok(bytes)
}

/// Bytes of the worker's WebAssembly memory: it only grows, so this is its peak so far.
fn memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map_or(0, |b| u64::from(b.byte_length()))
}

/// What an analysis reads: the inputs read, those not read, and the audit logs' aggregates.
type Inputs = (Vec<(String, Vec<u8>)>, Vec<InputSummary>, AuditLog);

fn analyze(
    scope: &DedicatedWorkerGlobalScope,
    state: &RefCell<State>,
    (inputs, unread, audit): Inputs,
    baseline: Option<Baseline>,
    now: &str,
    (waited_ms, started): (f64, f64),
) {
    let bytes_total: u64 = inputs.iter().map(|(_, b)| b.len() as u64).sum();
    let rules_total = u32::try_from(policy_core::registry::ALL.len()).unwrap_or(u32::MAX);
    let mut progress = Progress {
        phase: "analysing".into(),
        bytes_read: bytes_total,
        bytes_total,
        files_total: u32::try_from(inputs.len()).unwrap_or(u32::MAX),
        objects: Some(0),
        rules_total,
        ..Progress::default()
    };
    post(scope, &Reply::Progress(progress.clone()), &JsValue::UNDEFINED);
    let settings = Settings { now: model::parse_time(now), ..Settings::default() };
    let analyze_started = now_ms();
    let newest = inputs.iter().filter_map(|(_, bytes)| model::as_of::newest_timestamp(bytes)).max();
    let mut report = {
        let files: Vec<InputFile<'_>> =
            inputs.iter().map(|(name, bytes)| InputFile { name: name.as_str(), bytes: bytes.as_slice() }).collect();
        let mut last_post = analyze_started;
        policy_core::analyze_with_audit(&files, &unread, audit.clone(), &settings, &mut |p| {
            // Each phase's last step is always posted so the page sees the final counts; in
            // between, at most one post per interval so posting never dominates the analysis.
            let phase_end = (p.rules_run == 0 && p.files_read == p.files) || (p.rules > 0 && p.rules_run == p.rules);
            let now = now_ms();
            if !phase_end && now - last_post < PROGRESS_INTERVAL_MS {
                return;
            }
            last_post = now;
            progress.files_read = u32::try_from(p.files_read).unwrap_or(u32::MAX);
            progress.objects = Some(p.objects as u64);
            progress.bytes_parsed = p.bytes_read;
            progress.rules_run = u32::try_from(p.rules_run).unwrap_or(u32::MAX);
            progress.rules_total = u32::try_from(p.rules).unwrap_or(u32::MAX);
            post(scope, &Reply::Progress(progress.clone()), &JsValue::UNDEFINED);
        })
    };
    let analyze_ms = now_ms() - analyze_started;
    let send_started = now_ms();
    if let Some((name, bytes)) = &baseline {
        // The CLI's own comparison (`--baseline`): the same ids, the same counts.
        let error = policy_core::report::baseline::compare(&mut report, bytes)
            .err()
            .map(|why| intake::baseline_failed(name, &why.to_string()));
        post(scope, &Reply::Baseline { name: name.clone(), error }, &JsValue::UNDEFINED);
    }
    progress.objects = Some(report.summary.objects as u64);
    progress.phase = "sending".into();
    progress.findings_total = report.findings.len() as u64;
    post(scope, &Reply::Progress(progress.clone()), &JsValue::UNDEFINED);

    // The page gets the report without its findings (they follow in chunks) and with only as
    // many diagnostics as it can draw; exports are rendered here from the whole report.
    let findings = std::mem::take(&mut report.findings);
    let shown = intake::inputs_shown(&report.inputs, intake::DIAGNOSTICS_SHOWN_PER_INPUT, intake::DIAGNOSTICS_SHOWN);
    let all_inputs = std::mem::replace(&mut report.inputs, shown);
    let head = serde_json::to_vec(&report).unwrap_or_default();
    report.inputs = all_inputs;
    post_json(scope, &Reply::ReportHead, &head);
    let mut json = Vec::new();
    for chunk in findings.chunks(FINDINGS_CHUNK) {
        json.clear();
        if serde_json::to_writer(&mut json, chunk).is_ok() {
            post_json(scope, &Reply::Findings, &json);
        }
    }
    report.findings = findings;
    let send_ms = now_ms() - send_started;
    let mut state = state.borrow_mut();
    state.inputs = inputs;
    state.unread = unread;
    state.audit = audit;
    state.report = Some(report);
    state.baseline = baseline;
    let memory_bytes = memory_bytes();
    let newest = newest.map(model::as_of::rfc3339);
    let read_ms = analyze_started - started;
    let done =
        Reply::Done { elapsed_ms: now_ms() - started, waited_ms, read_ms, analyze_ms, send_ms, memory_bytes, newest };
    post(scope, &done, &JsValue::UNDEFINED);
}
