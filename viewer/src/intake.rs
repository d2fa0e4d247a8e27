//! What was read and what was not. The worker checks every dropped file against the byte budget
//! before it reads any of it, so a file over the limit never reaches memory; inputs it could not
//! read join the report as inputs with a located error. The page lists every input nothing could
//! be read from with its reason, and never shows a pass for a dump from which no object was read.
//! Plain Rust over the report types, tested natively.

use policy_core::Report;
use policy_core::input::{Diagnostic, Level};
use policy_core::report::InputSummary;

/// Diagnostics the worker sends the page per input, and over all inputs: the page draws each
/// one, so a dump of a million bad documents must not become a million list items. The
/// downloaded report keeps them all.
pub const DIAGNOSTICS_SHOWN_PER_INPUT: usize = 100;
/// See [`DIAGNOSTICS_SHOWN_PER_INPUT`].
pub const DIAGNOSTICS_SHOWN: usize = 1000;

/// The bytes still allowed over all inputs of one analysis (the loader's `maxTotalBytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    limit: u64,
    remaining: u64,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Self { limit, remaining: limit }
    }

    /// Take an input of `size` bytes from the budget, or say why it is not read. An input that
    /// does not fit is skipped and costs nothing, so the ones after it are still read.
    pub fn take(&mut self, name: &str, size: u64) -> Result<(), InputSummary> {
        if size > self.remaining {
            let message = format!(
                "input is {} but only {} of the {} limit remain, so it was not read; split the dump (one namespace or kind per file) or scan it with the `authn-audit` CLI",
                human(size),
                human(self.remaining),
                human(self.limit)
            );
            return Err(unread_input(name, size, "too-large", message));
        }
        self.remaining -= size;
        Ok(())
    }
}

fn human(bytes: u64) -> String {
    format!("{} bytes", crate::model::human_count(usize::try_from(bytes).unwrap_or(usize::MAX)))
}

/// An input the worker did not read, with one error saying why.
pub fn unread_input(name: &str, size: u64, code: &str, message: String) -> InputSummary {
    InputSummary {
        path: name.to_string(),
        bytes: size,
        documents: 0,
        objects: 0,
        diagnostics: vec![Diagnostic::error(name, 1, code, message)],
    }
}

/// Put the inputs the worker did not read back in their places (`(index among all inputs,
/// summary)`, by ascending index) and count their diagnostics.
pub fn merge_unread(report: &mut Report, unread: Vec<(usize, InputSummary)>) {
    for (index, summary) in unread {
        report.summary.diagnostics += summary.diagnostics.len();
        let at = index.min(report.inputs.len());
        report.inputs.insert(at, summary);
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

/// An input nothing could be analysed from, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// The input's name.
    pub path: String,
    /// Its size.
    pub bytes: u64,
    /// Why nothing was read from it, one line.
    pub reason: String,
}

/// Every input from which no Kubernetes object could be read, in input order.
pub fn unread(report: &Report) -> Vec<Unread> {
    report
        .inputs
        .iter()
        .filter(|i| i.objects == 0)
        .map(|i| Unread { path: i.path.clone(), bytes: i.bytes, reason: reason(i) })
        .collect()
}

fn reason(input: &InputSummary) -> String {
    let first = |level: Level| input.diagnostics.iter().find(|d| d.level == level);
    if let Some(d) = first(Level::Error) {
        return d.message.clone();
    }
    if input.bytes == 0 {
        return "the file is empty".into();
    }
    if input.documents == 0 {
        return "no YAML or JSON document in it (only blank lines or comments)".into();
    }
    match first(Level::Warning) {
        Some(d) => d.message.clone(),
        None => "no Kubernetes object in it: no document has an `apiVersion` and a `kind`".into(),
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

/// How messages name the inputs of an analysis: a file name in backticks, or how many files.
pub fn subject(names: &[&str]) -> String {
    match names {
        [one] => format!("`{one}`"),
        many => format!("the {} files", many.len()),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use policy_core::{InputFile, Settings};

    fn analyze(files: &[(&str, &[u8])]) -> Report {
        let inputs: Vec<InputFile<'_>> = files.iter().map(|(name, bytes)| InputFile { name, bytes }).collect();
        policy_core::analyze(&inputs, &Settings::default())
    }

    const GOOD: &[u8] = b"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: ns}\n";

    #[test]
    fn an_input_over_the_budget_is_skipped_and_costs_nothing() {
        let mut budget = Budget::new(100);
        assert!(budget.take("a.yaml", 60).is_ok());
        let skipped = budget.take("big.yaml", 50).unwrap_err();
        assert_eq!(skipped.path, "big.yaml");
        assert_eq!(skipped.bytes, 50);
        assert_eq!(skipped.objects, 0);
        let d = &skipped.diagnostics[0];
        assert_eq!((d.code.as_str(), d.level, d.source.line), ("too-large", Level::Error, 1));
        assert!(
            d.message.starts_with("input is 50 bytes but only 40 bytes of the 100 bytes limit remain"),
            "{}",
            d.message
        );
        // The skipped one took nothing: the next that fits is read.
        assert!(budget.take("b.yaml", 40).is_ok());
        assert!(budget.take("c.yaml", 1).is_err());
    }

    #[test]
    fn unread_inputs_go_back_in_their_place_and_are_counted() {
        let mut report = analyze(&[("a.yaml", GOOD), ("c.yaml", GOOD)]);
        let before = report.summary.diagnostics;
        let mut budget = Budget::new(0);
        let skipped = budget.take("b.yaml", 10).unwrap_err();
        merge_unread(&mut report, vec![(1, skipped), (3, unread_input("d.yaml", 5, "read-error", "x".into()))]);
        let paths: Vec<&str> = report.inputs.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["a.yaml", "b.yaml", "c.yaml", "d.yaml"]);
        assert_eq!(report.summary.diagnostics, before + 2);
        let unread = unread(&report);
        assert_eq!(unread.iter().map(|u| u.path.as_str()).collect::<Vec<_>>(), ["b.yaml", "d.yaml"]);
        assert!(!nothing_read(&report));
    }

    #[test]
    fn every_input_without_an_object_is_listed_with_its_reason() {
        let report = analyze(&[
            ("good.yaml", GOOD),
            ("empty.yaml", b""),
            ("comments.yaml", b"# nothing here\n\n"),
            ("binary.bin", &[0xff, 0xfe, 0x00, 0x9c, 0x80, 0x01]),
            ("plain.yaml", b"just: a map\n"),
        ]);
        let unread = unread(&report);
        let by_path = |p: &str| unread.iter().find(|u| u.path == p).map(|u| u.reason.clone()).unwrap();
        assert_eq!(unread.len(), 4, "{unread:?}");
        assert_eq!(by_path("empty.yaml"), "the file is empty");
        assert!(by_path("comments.yaml").starts_with("no YAML or JSON document"), "{unread:?}");
        assert!(!by_path("binary.bin").is_empty());
        assert!(!by_path("plain.yaml").is_empty());
        assert!(unread.iter().all(|u| u.path != "good.yaml"));
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
            Level::Error => Diagnostic::error("a.yaml", line, "yaml-syntax", "e"),
            Level::Warning => Diagnostic::warning("a.yaml", line, "not-a-kubernetes-object", "w"),
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
}
