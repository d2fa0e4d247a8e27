//! What was read and what was not. The worker checks every dropped file against the byte budget
//! before it reads any of it, so a file over the limit never reaches memory; inputs it could not
//! read go to the analysis as unread inputs (the report lists them with their status). The page
//! lists every input not analysed in full with its reason, and never shows a pass for a dump
//! from which no object was read. Plain Rust over the report types, tested natively.

use policy_core::input::{DiagnosticCode, Level};
use policy_core::report::{InputStatus, InputSummary};
use policy_core::{Limits, Report};

/// Diagnostics the worker sends the page per input, and over all inputs: the page draws each
/// one, so a dump of a million bad documents must not become a million list items. The
/// downloaded report keeps them all.
pub const DIAGNOSTICS_SHOWN_PER_INPUT: usize = 100;
/// See [`DIAGNOSTICS_SHOWN_PER_INPUT`].
pub const DIAGNOSTICS_SHOWN: usize = 1000;

/// The bytes still allowed over all inputs of one analysis (`limits.maxTotalBytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    limits: Limits,
    remaining: u64,
}

impl Budget {
    /// The budget of `limits`.
    pub fn new(limits: Limits) -> Self {
        Self { limits, remaining: limits.max_total_bytes }
    }

    /// Take an input of `size` bytes from the budget, or give it back as skipped. An input that
    /// does not fit costs nothing, so the ones after it are still read.
    pub fn take(&mut self, name: &str, size: u64) -> Result<(), InputSummary> {
        if size > self.remaining {
            return Err(InputSummary::too_large(name, size, true, self.remaining, &self.limits));
        }
        self.remaining -= size;
        Ok(())
    }
}

/// The inputs as the page gets them: at most `per_input` diagnostics of each and `total` in
/// all, errors before warnings, each input's kept ones in their order in the file.
pub fn inputs_shown(inputs: &[InputSummary], per_input: usize, total: usize) -> Vec<InputSummary> {
    let mut left = total;
    inputs
        .iter()
        .map(|input| {
            let keep = per_input.min(left);
            left -= keep.min(input.diagnostics.len());
            let mut chosen: Vec<usize> = (0..input.diagnostics.len()).collect();
            chosen.sort_by_key(|&i| input.diagnostics.get(i).map(|d| d.level));
            chosen.truncate(keep);
            chosen.sort_unstable();
            let diagnostics = chosen.into_iter().filter_map(|i| input.diagnostics.get(i).cloned()).collect();
            InputSummary { diagnostics, ..input.clone() }
        })
        .collect()
}

/// Bytes of a file's start that tell an earlier report from a dump ([`looks_like_report`]).
pub const REPORT_HEAD_BYTES: usize = 512;

/// Whether a file's first bytes are those of an authn-audit JSON report (the viewer's download,
/// or the CLI's `--format json` and so its `--baseline` file): a JSON object whose first member
/// is `"tool"` naming `authn-audit`, whatever the spacing. Such a file is the baseline to compare
/// with, not a dump: a dump is never an object that starts so.
pub fn looks_like_report(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head.get(..REPORT_HEAD_BYTES).unwrap_or(head));
    let compact: String = text.trim_start_matches('\u{feff}').chars().filter(|c| !c.is_whitespace()).collect();
    compact.starts_with(r#"{"tool":{"name":"authn-audit""#)
}

/// The page's message when an earlier report could not be used as the baseline: `name` is the
/// file, `why` the comparison's own reason (it names the line when the JSON is malformed).
pub fn baseline_failed(name: &str, why: &str) -> String {
    format!("`{name}` could not be used as the baseline, so nothing is compared: {why}")
}

/// The page's message when an earlier report came without a dump to compare it with.
pub const BASELINE_WITHOUT_DUMP: &str =
    "an earlier report was given without a dump: drop the dump (or the sample) first, then the report to compare with";

/// An input not analysed in full, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    /// The input's name.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// What became of it.
    pub status: InputStatus,
    /// Why, one line.
    pub reason: String,
}

/// Every input not analysed in full (skipped, unreadable, nothing read, or read in part), in
/// report order.
pub fn incomplete(report: &Report) -> Vec<Incomplete> {
    report
        .incomplete_inputs()
        .map(|i| Incomplete { path: i.path.clone(), bytes: i.bytes, status: i.status, reason: reason(i) })
        .collect()
}

/// Inputs nothing of which was analysed.
pub fn unread(report: &Report) -> usize {
    report.incomplete_inputs().filter(|i| i.status != InputStatus::Partial).count()
}

fn reason(input: &InputSummary) -> String {
    let first =
        |level: Level| input.diagnostics.iter().find(|d| d.level == level && d.code != DiagnosticCode::NoObjects);
    match input.status {
        InputStatus::Skipped => {
            let said = first(Level::Error).map(|d| d.message.as_str()).unwrap_or("it does not fit in the size limit");
            format!(
                "{said}; in the viewer, split the dump (one namespace or kind per file) or scan it with the `authn-audit` CLI"
            )
        }
        InputStatus::NoObjects if input.bytes == 0 => "the file is empty".into(),
        InputStatus::NoObjects if input.documents == 0 && first(Level::Error).is_none() => {
            "no YAML or JSON document in it (only blank lines or comments)".into()
        }
        _ => first(Level::Error)
            .or_else(|| first(Level::Warning))
            .or_else(|| input.diagnostics.first())
            .map_or_else(|| policy_core::report::NO_OBJECTS.to_string(), |d| d.message.clone()),
    }
}

/// No Kubernetes object could be read from any input: the report is no pass, whatever it counts.
pub fn nothing_read(report: &Report) -> bool {
    report.summary.objects == 0
}

/// Diagnostics the page was not sent (the downloaded report has them all).
pub fn diagnostics_not_shown(report: &Report) -> usize {
    let shown: usize = report.inputs.iter().map(|i| i.diagnostics.len()).sum();
    report.summary.diagnostics.saturating_sub(shown)
}

/// The page's message when the analysis worker died: `subject` names the inputs (already in
/// backticks where it is a file name, see [`subject`]), `said` is what
/// the browser reported (shown only as a cause, never verbatim: it is an engine's wording),
/// `started` whether the worker had come up, `working` whether it was analysing.
pub fn worker_failure(subject: &str, said: &str, started: bool, working: bool) -> String {
    if !started {
        return "the analysis worker could not start in this browser; reload the page, or use the `authn-audit` CLI"
            .into();
    }
    let said = said.to_ascii_lowercase();
    let cause = if ["memory", "allocation", "alloc"].iter().any(|w| said.contains(w)) {
        "it ran out of memory"
    } else {
        "it ran out of memory or hit an internal error"
    };
    if working {
        format!(
            "the analysis of {subject} stopped inside the browser ({cause}), so nothing of it is shown; try a smaller dump (one namespace or kind per file) or scan it with the `authn-audit` CLI, and drop a file here to start again"
        )
    } else {
        format!(
            "the analysis worker stopped ({cause}); drop the files again to see the source lines and download the report"
        )
    }
}

/// How long the worker may take to answer a request at all (its first reply to an analysis is
/// posted before it reads a byte).
pub const FIRST_ANSWER_MS: f64 = 15_000.0;
/// How long an analysis may go without a word from the worker (it reports progress per file and
/// per rule, at least every few seconds even on a 100 MB file).
pub const SILENCE_MS: f64 = 120_000.0;

/// Whether the worker must be taken for dead although it fired no error event (a tab's wasm
/// running out of memory can end it silently): a request unanswered for [`FIRST_ANSWER_MS`], or
/// an analysis silent for [`SILENCE_MS`]. `sent` is when the oldest unanswered request was
/// posted, `heard` when the worker last said anything (milliseconds, one clock).
pub fn worker_silent(now: f64, sent: Option<f64>, heard: f64, analysing: bool) -> bool {
    let unanswered = sent.is_some_and(|sent| heard < sent && now - sent > FIRST_ANSWER_MS);
    unanswered || (analysing && now - heard > SILENCE_MS)
}

/// When the oldest request still unanswered was posted: `sent` is the one being tracked, `heard`
/// when the worker last said anything. A request answered since is no longer tracked, so the
/// next one posted starts the clock afresh (the page must not keep an answered request's time
/// and forget the new one, which would leave a dead worker undetected).
pub fn unanswered_since(sent: Option<f64>, heard: f64) -> Option<f64> {
    sent.filter(|sent| heard < *sent)
}

/// The page's message when the host page could not fetch the dump its `data-dump` names:
/// `url` as the host resolved it, `status` the HTTP status (0 when the fetch itself failed or
/// the address was refused). Nothing was analysed, and the page must say so rather than show an
/// empty drop zone.
pub fn dump_missing(url: &str, status: u16, refused: bool) -> String {
    let why = if refused {
        "the address is not on the page's own origin".to_string()
    } else if status == 0 {
        "the request failed".to_string()
    } else {
        format!("the server answered HTTP {status}")
    };
    format!(
        "the dump `{url}` could not be loaded ({why}), so nothing was checked; fix the page's `data-dump` address, or drop a dump here"
    )
}

/// The page's note for a shared link opened without its data: the fragment holds a view
/// (filters, a tab, a selected finding), never the report, which stays on the machine that
/// made it.
pub fn link_without_data(selected: bool) -> String {
    let finding = if selected { " and open the finding it points at" } else { "" };
    format!(
        "this link holds a view of a report, not its data: nothing is stored or sent, so the dump stays where it was; drop or choose the same dump to see this view{finding}"
    )
}

/// How messages name the inputs of an analysis: a file name in backticks, or how many files.
pub fn subject(names: &[&str]) -> String {
    match names {
        [one] => format!("`{one}`"),
        many => format!("the {} files", many.len()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use policy_core::input::Diagnostic;
    use policy_core::{InputFile, Settings};

    fn analyze(files: &[(&str, &[u8])]) -> Report {
        let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
        policy_core::analyze(&inputs, &Settings::default())
    }

    const GOOD: &[u8] = b"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: ns}\n";

    #[test]
    fn an_input_over_the_budget_is_skipped_and_costs_nothing() {
        let mut budget = Budget::new(Limits { max_total_bytes: 100, ..Limits::default() });
        assert!(budget.take("a.yaml", 60).is_ok());
        let skipped = budget.take("big.yaml", 50).unwrap_err();
        assert_eq!((skipped.path.as_str(), skipped.bytes, skipped.status), ("big.yaml", 50, InputStatus::Skipped));
        let d = &skipped.diagnostics[0];
        assert_eq!((d.code.as_str(), d.level), ("too-large", Level::Error));
        assert!(d.message.contains("only 40 of the 100-byte limit remain"), "{}", d.message);
        // The skipped one took nothing: the next that fits is read.
        assert!(budget.take("b.yaml", 40).is_ok());
        assert!(budget.take("c.yaml", 1).is_err());
    }

    #[test]
    fn every_input_not_analysed_in_full_is_listed_with_its_reason() {
        let files: [(&str, &[u8]); 6] = [
            ("good.yaml", GOOD),
            ("empty.yaml", b""),
            ("comments.yaml", b"# nothing here\n\n"),
            ("binary.bin", &[0xff, 0xfe, 0x00, 0x9c, 0x80, 0x01]),
            ("plain.yaml", b"just: a map\n"),
            ("cut.yaml", b"apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"),
        ];
        let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
        let mut budget = Budget::new(Limits { max_total_bytes: 10, ..Limits::default() });
        let skipped = budget.take("huge.yaml", 11).unwrap_err();
        let report = policy_core::analyze_with_unread(&inputs, &[skipped], &Settings::default(), &mut |_| {});
        let listed = incomplete(&report);
        let of = |p: &str| listed.iter().find(|u| u.path == p).map(|u| (u.status, u.reason.clone())).unwrap();
        assert_eq!(listed.len(), 6, "{listed:?}");
        assert_eq!(of("empty.yaml"), (InputStatus::NoObjects, "the file is empty".into()));
        assert!(of("comments.yaml").1.starts_with("no YAML or JSON document"), "{listed:?}");
        assert_eq!(of("binary.bin").0, InputStatus::NoObjects);
        assert!(!of("binary.bin").1.contains("no Kubernetes object could be read"), "the specific reason: {listed:?}");
        assert!(of("plain.yaml").1.contains("apiVersion"), "{listed:?}");
        let (status, reason) = of("cut.yaml");
        assert_eq!(status, InputStatus::Partial);
        assert!(reason.contains("looks truncated"), "{reason}");
        let (status, reason) = of("huge.yaml");
        assert_eq!(status, InputStatus::Skipped);
        assert!(reason.contains("11 bytes") && reason.contains("split the dump"), "{reason}");
        assert!(listed.iter().all(|u| u.path != "good.yaml"));
        // Nothing of five of them was analysed; the cut one was read in part.
        assert_eq!(unread(&report), 5);
        assert!(!nothing_read(&report));
    }

    #[test]
    fn an_earlier_report_is_told_from_a_dump_by_its_first_bytes() {
        let report = analyze(&[("good.yaml", GOOD)]);
        let download = policy_core::render::render(&report, policy_core::render::Format::Json, false);
        assert!(looks_like_report(download.as_bytes()), "the viewer's and the CLI's JSON");
        assert!(looks_like_report(serde_json::to_string(&report).unwrap().as_bytes()), "compact JSON too");
        assert!(looks_like_report(b"\xef\xbb\xbf{ \"tool\" : { \"name\" : \"authn-audit\", \"version\": \"0\"}"));
        for dump in [
            GOOD,
            b"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}",
            b"{\"tool\": {\"name\": \"kubescape\"}}",
            b"{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", \"runs\": [{\"tool\": {\"name\": \"authn-audit\"}}]}",
            b"",
        ] {
            assert!(!looks_like_report(dump), "{}", String::from_utf8_lossy(dump));
        }
    }

    #[test]
    fn a_dump_with_no_object_is_nothing_read_not_a_pass() {
        assert!(nothing_read(&analyze(&[("empty.yaml", b"")])));
        assert!(nothing_read(&analyze(&[("binary.bin", &[0xff, 0x00, 0xfe])])));
        assert!(!nothing_read(&analyze(&[("good.yaml", GOOD)])));
    }

    #[test]
    fn the_page_gets_capped_diagnostics_errors_first_in_file_order() {
        let diag = |line: u32, level: Level| match level {
            Level::Error => Diagnostic::new("a.yaml", line, DiagnosticCode::YamlSyntax, "e"),
            Level::Warning => Diagnostic::new("a.yaml", line, DiagnosticCode::NotAKubernetesObject, "w"),
        };
        let noisy = InputSummary {
            path: "a.yaml".into(),
            diagnostics: (1..=10).map(|l| diag(l, if l % 4 == 0 { Level::Error } else { Level::Warning })).collect(),
            ..InputSummary::default()
        };
        let second =
            InputSummary { path: "b.yaml".into(), diagnostics: vec![diag(1, Level::Error); 3], ..noisy.clone() };
        let shown = inputs_shown(&[noisy.clone(), second], 4, 5);
        let lines: Vec<(u32, Level)> = shown[0].diagnostics.iter().map(|d| (d.source.line, d.level)).collect();
        // Both errors (lines 4 and 8) kept, then the first warnings, in line order.
        assert_eq!(lines, [(1, Level::Warning), (2, Level::Warning), (4, Level::Error), (8, Level::Error)]);
        // Only one left of the total of 5 for the second input.
        assert_eq!(shown[1].diagnostics.len(), 1);
        assert_eq!(shown[0].path, "a.yaml");
        assert_eq!(inputs_shown(&[noisy], 100, 1000)[0].diagnostics.len(), 10);
    }

    #[test]
    fn a_dead_worker_is_explained_with_what_to_do() {
        assert_eq!(subject(&["dump.yaml"]), "`dump.yaml`");
        assert_eq!(subject(&["a.yaml", "b.yaml"]), "the 2 files");
        let oom = worker_failure(
            "`dump.yaml`",
            "Uncaught RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded",
            true,
            true,
        );
        assert!(
            oom.starts_with("the analysis of `dump.yaml` stopped inside the browser (it ran out of memory)"),
            "{oom}"
        );
        assert!(oom.contains("CLI") && oom.contains("drop a file here"), "{oom}");
        let trap = worker_failure("the 3 files", "Uncaught RuntimeError: unreachable", true, true);
        assert!(trap.contains("out of memory or hit an internal error"), "{trap}");
        // The engine's own words never reach the page.
        assert!(!trap.contains("RuntimeError") && !trap.contains("unreachable"), "{trap}");
        assert!(worker_failure("x", "", false, false).starts_with("the analysis worker could not start"));
        assert!(worker_failure("x", "", true, false).contains("drop the files again"));
    }

    #[test]
    fn diagnostics_not_sent_are_counted() {
        let mut report = analyze(&[("broken.yaml", b"a: [\n---\nb: [\n---\nc: [\n")]);
        let all = report.summary.diagnostics;
        assert!(all >= 3, "{:?}", report.inputs);
        report.inputs = inputs_shown(&report.inputs, 1, 1);
        assert_eq!(diagnostics_not_shown(&report), all - 1);
    }

    #[test]
    fn missing_dumps_and_data_less_links_say_what_happened_and_what_to_do() {
        let m = dump_missing("https://docs.example/dumps/gone.yaml", 404, false);
        assert!(m.contains("`https://docs.example/dumps/gone.yaml`") && m.contains("HTTP 404"), "{m}");
        assert!(m.contains("nothing was checked") && m.contains("`data-dump`"), "{m}");
        assert!(dump_missing("x", 0, true).contains("not on the page's own origin"));
        assert!(dump_missing("x", 0, false).contains("the request failed"));
        assert!(link_without_data(true).contains("open the finding"));
        assert!(!link_without_data(false).contains("open the finding"));
        for m in [dump_missing("x", 500, false), link_without_data(false)] {
            assert!(m.starts_with(|c: char| c.is_lowercase()) && !m.ends_with('.'), "house style: {m}");
        }
    }

    #[test]
    fn a_worker_that_goes_quiet_is_taken_for_dead() {
        // Answered: fine however long ago.
        assert!(!worker_silent(100_000.0, Some(1_000.0), 2_000.0, false));
        // Unanswered, but not for long yet.
        assert!(!worker_silent(10_000.0, Some(1_000.0), 500.0, false));
        // Unanswered for too long (an export or an excerpt to a worker that died idle).
        assert!(worker_silent(1_000.0 + FIRST_ANSWER_MS + 1.0, Some(1_000.0), 500.0, false));
        // Analysing and talking: fine; analysing and silent too long: dead.
        assert!(!worker_silent(50_000.0, None, 40_000.0, true));
        assert!(worker_silent(40_000.0 + SILENCE_MS + 1.0, None, 40_000.0, true));
        assert!(!worker_silent(40_000.0 + SILENCE_MS + 1.0, None, 40_000.0, false));
    }

    #[test]
    fn a_request_posted_right_after_an_answer_is_still_watched() {
        // The last analysis was sent at 1 000 and answered at 2 000; a new request goes out at
        // 2 100, before the watchdog's next tick, to a worker that has just died.
        let tracked = unanswered_since(Some(1_000.0), 2_000.0).or(Some(2_100.0));
        assert_eq!(tracked, Some(2_100.0));
        assert!(worker_silent(2_100.0 + FIRST_ANSWER_MS + 1.0, tracked, 2_000.0, false));
        // Still unanswered: the older time is kept.
        assert_eq!(unanswered_since(Some(1_000.0), 500.0), Some(1_000.0));
    }
}
