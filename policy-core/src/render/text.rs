//! Terminal text for a person: the summary first, then findings grouped by rule under one header
//! and one remediation, wrapped to the terminal's width.
//! Whether to colour is the caller's decision (TTY, `NO_COLOR`): this module reads no environment.

use super::{Coverage, by_severity, count, counted, input_note, one_line, stale_message, suppressed};
use crate::data::severity::Severity;
use crate::report::{Finding, Report};
use std::fmt::Write as _;

/// ANSI styling that is a no-op when colour is off.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn paint(self, sgr: &str, text: &str) -> String {
        if self.0 { format!("\x1b[{sgr}m{text}\x1b[0m") } else { text.to_string() }
    }

    fn severity(self, severity: Severity) -> String {
        let sgr = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "34",
            Severity::Info => "36",
        };
        self.paint(sgr, severity.as_str())
    }
}

/// Narrower terminals get lines this long: the severity × mechanism table needs them.
pub const MIN_WIDTH: usize = 60;

/// How the text report is laid out; the caller decides (terminal width, `-v`, `--min-severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
    /// Lines are wrapped to this many characters (at least `MIN_WIDTH`).
    pub width: usize,
    /// Show info findings too.
    pub verbose: bool,
    /// Show only findings at or above this severity (all are still analysed and counted).
    pub min_severity: Option<Severity>,
}

impl Default for TextOptions {
    fn default() -> Self {
        Self { color: false, width: 100, verbose: false, min_severity: None }
    }
}

/// The report as terminal text under the default layout; with `color`, ANSI colours.
pub fn text(report: &Report, color: bool) -> String {
    text_with(report, TextOptions { color, ..TextOptions::default() })
}

/// The report as terminal text: a summary first (severity × mechanism, top risks, what could
/// not be assessed), then the findings grouped by rule with one remediation per rule, then the
/// suppressed, stale and fixed ones, then one total line. Values from the input are cleaned of
/// control characters so a crafted object name cannot drive the terminal.
pub fn text_with(report: &Report, options: TextOptions) -> String {
    let paint = Paint(options.color);
    let width = options.width.max(MIN_WIDTH);
    let floor = options.min_severity.unwrap_or(if options.verbose { Severity::Info } else { Severity::Low });
    let shown: Vec<&Finding> = report.findings.iter().filter(|f| f.counts() && f.severity >= floor).collect();
    let hidden = counted(report).saturating_sub(shown.len());
    let groups = by_rule(&shown);
    let mut out = String::new();

    write_summary(&mut out, report, &groups, paint, width);
    if let Some(scope) = &report.scope {
        push_wrapped(&mut out, &one_line(&scope.line()), "", "  ", width);
        out.push('\n');
    }
    let summary_end = out.len();
    if !groups.is_empty() {
        let _ = writeln!(out, "{}\n", paint.paint("1", "Findings by rule"));
    }
    for group in &groups {
        write_group(&mut out, group, paint, width);
    }
    if hidden > 0 {
        let why = match options.min_severity {
            Some(min) => format!("below `{min}`"),
            None => "of info severity (show them with -v)".to_string(),
        };
        let _ = writeln!(out, "{}\n", paint.paint("2", &format!("{} {why} not shown", count(hidden, "finding"))));
    }
    write_accepted(&mut out, report, paint, width);
    let incomplete: Vec<_> = report.incomplete_inputs().collect();
    if !incomplete.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1;33", "Inputs not analysed whole:"));
        for input in incomplete {
            let note = input_note(input).unwrap_or_default();
            let line = format!("{}: {}: {}", one_line(&input.path), input.status.label(), one_line(&note));
            push_wrapped(&mut out, &line, "  ", "    ", width);
        }
        out.push('\n');
    }
    // The total again at the end, where a CI log's last line shows it, unless nothing came between.
    if out.len() > summary_end {
        push_wrapped(&mut out, &summary_line(report, paint), "", "  ", width);
    }
    out
}

/// The findings of one rule, worst severity first.
struct Group<'a> {
    code: &'a str,
    severity: Severity,
    findings: Vec<&'a Finding>,
}

/// Findings grouped by rule, in report order (worst severity first, then code).
fn by_rule<'a>(findings: &[&'a Finding]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for finding in findings {
        match groups.iter_mut().find(|g| g.code == finding.code) {
            Some(group) => {
                group.severity = group.severity.max(finding.severity);
                group.findings.push(finding);
            }
            None => groups.push(Group { code: &finding.code, severity: finding.severity, findings: vec![finding] }),
        }
    }
    groups.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.code.cmp(b.code)));
    groups
}

fn write_summary(out: &mut String, report: &Report, groups: &[Group<'_>], paint: Paint, width: usize) {
    let head = format!("authn-audit {} · evaluated {}", report.tool.version, report.evaluated_at);
    push_wrapped(out, &paint.paint("1", &head), "", "  ", width);
    push_wrapped(out, &summary_line(report, paint), "", "  ", width);
    out.push('\n');
    // Severity × mechanism, counted findings only.
    let mut rows: Vec<(&str, [usize; 5])> = Vec::new();
    for f in report.findings.iter().filter(|f| f.counts()) {
        let label = f.mechanism.label();
        let column = Severity::ALL.len().saturating_sub(1).saturating_sub(f.severity as usize);
        let index = match rows.iter().position(|(l, _)| *l == label) {
            Some(i) => i,
            None => {
                rows.push((label, [0; 5]));
                rows.len().saturating_sub(1)
            }
        };
        if let Some(cell) = rows.get_mut(index).and_then(|(_, cells)| cells.get_mut(column)) {
            *cell += 1;
        }
    }
    if !rows.is_empty() {
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let label_width = rows.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(9).max(9);
        let mut header = format!("  {:<label_width$}", "mechanism");
        for short in ["crit", "high", "med", "low", "info"] {
            let _ = write!(header, " {short:>4}");
        }
        let _ = writeln!(out, "{}", paint.paint("2", &header));
        for (label, cells) in &rows {
            let mut line = format!("  {label:<label_width$}");
            for cell in cells {
                let text = if *cell == 0 { "·".to_string() } else { cell.to_string() };
                let _ = write!(line, " {text:>4}");
            }
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    let top: Vec<&Group<'_>> = groups.iter().filter(|g| g.severity >= Severity::High).take(3).collect();
    if !top.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1", "Top risks:"));
        for group in top {
            let line = format!(
                "{} {} {} ({})",
                group.code,
                group.severity,
                first_slug(group),
                count(group.findings.len(), "object")
            );
            push_wrapped(out, &line, "  ", "    ", width);
        }
        out.push('\n');
    }
    if !report.not_assessable.is_empty() {
        let codes: Vec<&str> = report.not_assessable.iter().map(|n| n.code.as_str()).collect();
        let mut adds: Vec<&str> = report.not_assessable.iter().flat_map(|n| n.add.iter().map(String::as_str)).collect();
        adds.sort_unstable();
        adds.dedup();
        let line =
            format!("Not assessable: {} ({}); add {}", count(codes.len(), "rule"), codes.join(", "), adds.join("; "));
        push_wrapped(out, &one_line(&line), "", "  ", width);
        out.push('\n');
    }
}

fn first_slug<'a>(group: &Group<'a>) -> &'a str {
    group.findings.first().map_or("", |f| f.slug.as_str())
}

fn write_group(out: &mut String, group: &Group<'_>, paint: Paint, width: usize) {
    let Some(first) = group.findings.first() else { return };
    let head = format!(
        "{} {} {} ({}, {})",
        paint.paint("1", group.code),
        paint.severity(group.severity),
        first_slug(group),
        first.mechanism.label(),
        count(group.findings.len(), "object")
    );
    push_wrapped(out, &head, "", "  ", width);
    for f in &group.findings {
        let location = one_line(&f.source.to_string());
        let mut line = format!("{} {} {}", location, one_line(&f.object.to_string()), one_line(&f.message));
        if f.severity != group.severity {
            line.push_str(&format!(" [{}]", f.severity));
        }
        if f.baseline == Some(crate::report::BaselineState::New) {
            line.push_str(" [new]");
        }
        push_wrapped(out, &line, "  ", "      ", width);
        for e in &f.evidence {
            let redacted = if e.redacted { " (redacted)" } else { "" };
            let line = format!("evidence {} = {}{redacted}", one_line(&e.path), one_line(&e.value));
            push_wrapped(out, &paint.paint("2", &line), "      ", "        ", width);
        }
        if !f.related.is_empty() {
            let related: Vec<String> = f.related.iter().map(|o| one_line(&o.to_string())).collect();
            push_wrapped(out, &format!("related {}", related.join(", ")), "      ", "        ", width);
        }
        if !f.also_in.is_empty() {
            let sources: Vec<String> = f.also_in.iter().map(|s| format!("{}:{}", one_line(&s.path), s.line)).collect();
            push_wrapped(out, &format!("also in {}", sources.join(", ")), "      ", "        ", width);
        }
        if let Some(fix) = &f.fix {
            push_wrapped(out, &format!("fix: {}", one_line(&fix.summary)), "      ", "          ", width);
            push_command(out, &one_line(&fix.text), fix.kind, "        ", width);
        }
    }
    // One remediation per rule: the rule's own, or each distinct one its findings give.
    let mut fixes: Vec<&str> = Vec::new();
    for f in &group.findings {
        if !f.remediation.is_empty() && !fixes.contains(&f.remediation.as_str()) {
            fixes.push(&f.remediation);
        }
    }
    for fix in fixes {
        push_wrapped(out, &format!("help: {}", one_line(fix)), "  ", "        ", width);
    }
    let _ = writeln!(out, "  docs: {}\n", first.docs);
}

fn write_accepted(out: &mut String, report: &Report, paint: Paint, width: usize) {
    let suppressed = suppressed(report);
    if !suppressed.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1", "Suppressed (accepted, not counted):"));
        for f in suppressed {
            let line = format!(
                "{}: {} {} {}",
                one_line(&f.source.to_string()),
                f.code,
                one_line(&f.object.to_string()),
                one_line(&f.message)
            );
            push_wrapped(out, &line, "  ", "      ", width);
            if let Some(s) = &f.suppression {
                let mut why = format!("reason: {} ({}", one_line(&s.justification), one_line(&s.origin));
                if let Some(owner) = &s.owner {
                    why.push_str(&format!(", owner {}", one_line(owner)));
                }
                if let Some(expires) = &s.expires {
                    why.push_str(&format!(", until {expires}"));
                }
                why.push(')');
                push_wrapped(out, &why, "    ", "      ", width);
            }
        }
        out.push('\n');
    }
    if !report.stale_suppressions.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1;33", "Stale suppressions:"));
        for stale in &report.stale_suppressions {
            push_wrapped(out, &one_line(&stale_message(stale)), "  ", "    ", width);
        }
        out.push('\n');
    }
    let changes = super::credential_change_lines(report);
    if !changes.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1", "Credentials since the baseline:"));
        for line in changes {
            push_wrapped(out, &one_line(&line), "  ", "    ", width);
        }
        out.push('\n');
    }
    if !report.fixed.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1;32", "Fixed since the baseline:"));
        for fixed in &report.fixed {
            let line = format!("{} {} {}", fixed.code, one_line(&fixed.object.to_string()), one_line(&fixed.message));
            push_wrapped(out, &line, "  ", "    ", width);
        }
        out.push('\n');
    }
}

/// A fix's text as it can be copied: a command broken between its words only, each broken
/// line ending in ` \` so the shell reads one command; an edit's line as it stands.
fn push_command(out: &mut String, text: &str, kind: crate::report::FixKind, indent: &str, width: usize) {
    if kind == crate::report::FixKind::Edit {
        let _ = writeln!(out, "{indent}{text}");
        return;
    }
    let mut line = String::from(indent);
    for word in shell_words(text) {
        let start = line.trim().is_empty();
        if !start && line.chars().count() + 1 + word.chars().count() + 2 > width {
            let _ = writeln!(out, "{line} \\");
            line = format!("{indent}  ");
        } else if !start {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

/// The words of a command line as written: split at spaces outside single quotes (a quoted
/// argument stays one word, its quotes kept).
fn shell_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if !quoted => escaped = true,
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                words.extend(text.get(start..i).filter(|w| !w.is_empty()));
                start = i + 1;
            }
            _ => {}
        }
    }
    words.extend(text.get(start..).filter(|w| !w.is_empty()));
    words
}

/// Characters a terminal shows: ANSI sequences (which we add ourselves) do not count.
fn visible_len(text: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in text.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// Append `text` word-wrapped to `width` characters: the first line after `first`, the others
/// after `rest`. A word longer than a line stays whole (a path or a fingerprint is not cut).
pub(crate) fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    let mut line = first.to_string();
    let mut line_len = first.chars().count();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_len = visible_len(word);
        if !empty && line_len + 1 + word_len > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            line_len = rest.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            line_len += 1;
        }
        line.push_str(word);
        line_len += word_len;
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

fn summary_line(report: &Report, paint: Paint) -> String {
    let inputs = report.inputs.len();
    let scope = format!(
        "{} object{} in {inputs} input{}",
        report.summary.objects,
        plural(report.summary.objects),
        plural(inputs)
    );
    let mut diagnostics = match report.summary.diagnostics {
        0 => String::new(),
        n => format!(", {n} input diagnostic{}", plural(n)),
    };
    let not_whole = report.incomplete_inputs().count();
    if not_whole > 0 {
        diagnostics.push_str(&format!(", {} not analysed whole", count(not_whole, "input")));
    }
    let n = counted(report);
    let suppressed = suppressed(report).len();
    if suppressed > 0 {
        diagnostics.push_str(&format!(", {suppressed} suppressed"));
    }
    if let Some(b) = report.summary.baseline {
        diagnostics.push_str(&format!("; baseline: {} new, {} unchanged, {} fixed", b.new, b.unchanged, b.fixed));
        if report.credential_changes.is_some() {
            diagnostics
                .push_str(&format!("; credentials: {} added, {} removed", b.credentials_added, b.credentials_removed));
        }
    }
    let coverage = Coverage::of(report);
    if n == 0 {
        let sgr = if coverage == Coverage::All { "1;32" } else { "1;33" };
        return format!("{} ({scope}{diagnostics})", paint.paint(sgr, coverage.no_findings()));
    }
    let counts: Vec<String> = by_severity(report)
        .into_iter()
        .map(|(severity, findings)| format!("{} {}", findings.len(), paint.severity(severity)))
        .collect();
    format!(
        "{}: {} ({scope}{diagnostics})",
        paint.paint("1", &format!("Found {n} finding{}", plural(n))),
        counts.join(", ")
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::string_slice, reason = "tests")]
mod tests {
    use super::*;
    use crate::data::diagnostic::DiagnosticCode;
    use crate::data::input_summary::{InputStatus, InputSummary};
    use crate::render::sample;

    #[test]
    fn a_long_command_breaks_between_words_and_the_shell_reads_it_back_whole() {
        let text = r#"kubectl patch rolebinding -n 'team a' 'it'\''s; rm -rf /' --type=json -p '[{"op":"remove","path":"/subjects/3"}]'"#;
        let mut out = String::new();
        push_command(&mut out, text, crate::report::FixKind::Command, "    ", 40);
        assert!(out.lines().count() > 2, "{out}");
        assert!(out.lines().rev().skip(1).all(|l| l.ends_with(" \\")), "{out}");
        let echo = |script: &str| {
            let script = format!("printf '%s\\n' {}", script.trim_start().trim_start_matches("kubectl"));
            std::process::Command::new("sh").arg("-c").arg(script).output().unwrap().stdout
        };
        assert_eq!(echo(&out), echo(text));
        assert_eq!(shell_words(text)[5], r"'it'\''s; rm -rf /'");
    }

    /// A line with its wrapping undone.
    fn flat(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The text with the table's spacing kept but wrapped lines joined back (width 1000: none).
    fn flat_lines(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn summary_first_then_findings_grouped_by_rule() {
        let out = text(&sample::report(), false);
        assert!(!out.contains('\x1b'));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("authn-audit 0.1.0 · evaluated 2025-11-28T12:00:00Z"), "{out}");
        assert!(lines[1].starts_with("Found 3 findings: 1 critical, 1 high, 1 low"), "{out}");
        assert!(out.contains("  mechanism                     crit high  med  low info\n"), "{out}");
        assert!(out.contains("  Service-account secret tokens    1    1    ·    1    ·\n"), "{out}");
        assert!(out.contains("Top risks:\n  CC001 critical "), "{out}");
        assert!(out.contains("Not assessable: 1 rule (ST001); add the kube-apiserver static Pod\n"), "{out}");
        let group = out.find("\nCC001 critical ").unwrap() + 1;
        assert!(
            out[group..].starts_with(
                "CC001 critical cc001-slug (Service-account secret tokens, 1 object)\n  dumps/prod cluster.yaml:40 "
            ),
            "{out}"
        );
        assert!(flat(&out[group..]).contains("CertificateSigningRequest/admin_*csr* CSR asks for group `system:masters` and *bold* evidence data.token"), "{out}");
        assert!(out.contains("      evidence data.token = fp1:"));
        assert!(out.contains(" (redacted)\n"));
        assert_eq!(out.matches("  help: delete the Secret and use TokenRequest\n").count(), 3, "once per rule: {out}");
        assert!(
            flat(&out).ends_with("Found 3 findings: 1 critical, 1 high, 1 low (12 objects in 1 input, 1 input diagnostic, 1 input not analysed whole)"),
            "the total again at the end: {out}"
        );
        assert!(!out.contains("s3cr3t"));
    }

    #[test]
    fn verbose_min_severity_and_width() {
        let report = sample::report();
        let mut report = report;
        report.findings[2].severity = Severity::Info;
        let info_code = report.findings[2].code.clone();
        let default = text(&report, false);
        assert!(!default.contains(&format!("\n{info_code} info")), "info only with -v: {default}");
        assert!(default.contains("1 finding of info severity (show them with -v) not shown"), "{default}");
        let all = text_with(&report, TextOptions { verbose: true, ..TextOptions::default() });
        assert!(all.contains(&format!("\n{info_code} info")), "{all}");
        let high = text_with(&report, TextOptions { min_severity: Some(Severity::Critical), ..TextOptions::default() });
        assert!(high.contains("\nCC001 critical") && !high.contains("\nSA001 high"), "{high}");
        assert!(high.contains("2 findings below `critical` not shown"), "{high}");
        assert!(high.contains("Found 3 findings"), "what is counted does not change: {high}");
        for width in [60, 80, 100] {
            let out = text_with(&report, TextOptions { width, verbose: true, ..TextOptions::default() });
            for line in out.lines() {
                let longest_word = line.split(' ').map(|w| w.chars().count()).max().unwrap_or(0);
                assert!(line.chars().count() <= width || longest_word + 10 > width, "{width}: {line:?}");
            }
        }
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        let mut out = String::new();
        push_wrapped(&mut out, "aaa bbb ccc ddd", "> ", "  ", 9);
        assert_eq!(out, "> aaa bbb\n  ccc ddd\n");
        let mut out = String::new();
        push_wrapped(&mut out, "a-very-long-word x", "", "", 5);
        assert_eq!(out, "a-very-long-word\nx\n");
    }

    #[test]
    fn colour_is_a_parameter() {
        let out = text(&sample::report(), true);
        assert!(out.contains("\x1b[1;31mcritical\x1b[0m"));
        assert!(out.contains("\x1b[1mCC001\x1b[0m"));
    }

    #[test]
    fn input_cannot_inject_escape_sequences() {
        let mut report = sample::report();
        std::sync::Arc::make_mut(&mut report.findings[0].object).name = "evil\x1b]0;pwned\x07\nname".to_string();
        report.findings[0].message = "line one\nline two \x1b[2J".to_string();
        let out = text(&report, false);
        assert!(!out.contains('\x1b'));
        assert!(!out.contains('\x07'));
        assert!(out.contains("evil ]0;pwned name"));
        assert!(out.contains("line one line two [2J"));
    }

    #[test]
    fn empty_report_says_so() {
        let mut report = sample::report();
        report.findings.clear();
        report.not_assessable.clear();
        report.summary.diagnostics = 0;
        report.inputs[0].diagnostics.clear();
        report.inputs[0].status = InputStatus::Analysed;
        assert_eq!(
            text(&report, false),
            "authn-audit 0.1.0 · evaluated 2025-11-28T12:00:00Z\nNo findings (12 objects in 1 input)\n\n"
        );
    }

    #[test]
    fn inputs_not_analysed_are_listed_and_no_findings_is_qualified() {
        let mut report = sample::report();
        report.findings.clear();
        report.inputs.push(InputSummary::unreadable(
            "gone.yaml",
            DiagnosticCode::ReadError,
            "no such file or directory",
        ));
        let out = flat_lines(&text_with(&report, TextOptions { width: 1000, ..TextOptions::default() }));
        assert!(out.contains("Inputs not analysed whole:\n"), "{out}");
        assert!(out.contains(
            "  dumps/prod cluster.yaml: partly analysed: 1 error, the first at line 99 (yaml-syntax); the rest was analysed\n"
        ));
        assert!(out.contains("  gone.yaml: unreadable: no such file or directory\n"), "{out}");
        assert!(out.ends_with(
            "No findings in what could be read (12 objects in 2 inputs, 1 input diagnostic, 2 inputs not analysed whole)\n"
        ), "{out}");

        // Nothing read at all: never "no findings".
        report.summary.objects = 0;
        report.inputs.truncate(1);
        report.inputs[0].status = InputStatus::NoObjects;
        report.inputs[0].objects = 0;
        let out = flat_lines(&text_with(&report, TextOptions { width: 1000, ..TextOptions::default() }));
        assert!(!out.contains("No findings"), "{out}");
        assert!(out.contains("  dumps/prod cluster.yaml: no Kubernetes object: nothing of it was analysed; the first problem is at line 99 (yaml-syntax)\n"), "{out}");
        assert!(out.ends_with("No Kubernetes object could be read from the inputs: nothing was analysed (0 objects in 1 input, 1 input diagnostic, 1 input not analysed whole)\n"), "{out}");
    }
}
