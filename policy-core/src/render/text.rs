//! Terminal text, ruff-like: `path:line: CODE severity message`, then indented detail lines.
//! Whether to colour is the caller's decision (TTY, `NO_COLOR`): this module reads no environment.

use super::{Coverage, by_severity, count, counted, input_note, one_line, stale_message, suppressed};
use crate::report::Severity;
use crate::{Finding, Report};
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

/// The report as terminal text; with `color`, ANSI colours. Values from the input are cleaned
/// of control characters so a crafted object name cannot drive the terminal.
pub fn text(report: &Report, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    for finding in report.findings.iter().filter(|f| f.counts()) {
        write_finding(&mut out, paint, finding);
    }
    let suppressed = suppressed(report);
    if !suppressed.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1", "Suppressed (accepted, not counted):"));
        for f in suppressed {
            let why = f.suppression.as_ref().map(|s| one_line(&s.justification)).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}:{}: {} {} {}\n    reason: {why}",
                one_line(&f.source.path),
                f.source.line,
                f.code,
                one_line(&f.object.to_string()),
                one_line(&f.message)
            );
        }
        out.push('\n');
    }
    if !report.stale_suppressions.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1;33", "Stale suppressions:"));
        for stale in &report.stale_suppressions {
            let _ = writeln!(out, "  {}", one_line(&stale_message(stale)));
        }
        out.push('\n');
    }
    if !report.fixed.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1;32", "Fixed since the baseline:"));
        for fixed in &report.fixed {
            let _ =
                writeln!(out, "  {} {} {}", fixed.code, one_line(&fixed.object.to_string()), one_line(&fixed.message));
        }
        out.push('\n');
    }
    if !report.not_assessable.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1", "Not assessable from this input:"));
        for na in &report.not_assessable {
            let _ = writeln!(out, "  {} {}: {}", paint.paint("1", &na.code), na.slug, one_line(&na.reason));
            for add in &na.add {
                let _ = writeln!(out, "    add: {}", one_line(add));
            }
        }
        out.push('\n');
    }
    let incomplete: Vec<_> = report.incomplete_inputs().collect();
    if !incomplete.is_empty() {
        let _ = writeln!(out, "{}", paint.paint("1;33", "Inputs not analysed whole:"));
        for input in incomplete {
            let note = input_note(input).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}: {}: {}",
                paint.paint("1", &one_line(&input.path)),
                paint.paint("33", input.status.label()),
                one_line(&note)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(report, paint));
    out
}

fn write_finding(out: &mut String, paint: Paint, f: &Finding) {
    let _ = writeln!(
        out,
        "{}{} {} {} {}",
        paint.paint("1", &one_line(&f.source.path)),
        paint.paint("36", &format!(":{}:", f.source.line)),
        paint.paint("1", &f.code),
        paint.severity(f.severity),
        one_line(&f.message),
    );
    let detail = |label: &str| paint.paint("2", &format!("  {label:<9}"));
    let _ = writeln!(out, "{}{}", detail("object"), one_line(&f.object.to_string()));
    for e in &f.evidence {
        let redacted = if e.redacted { " (redacted)" } else { "" };
        let _ = writeln!(out, "{}{} = {}{redacted}", detail("evidence"), one_line(&e.path), one_line(&e.value));
    }
    if !f.related.is_empty() {
        let related: Vec<String> = f.related.iter().map(|o| one_line(&o.to_string())).collect();
        let _ = writeln!(out, "{}{}", detail("related"), related.join(", "));
    }
    if !f.remediation.is_empty() {
        let _ = writeln!(out, "{}{}", detail("help"), paint.paint("32", &one_line(&f.remediation)));
    }
    let _ = writeln!(out, "{}{} {}", detail("docs"), f.slug, f.docs);
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
    if report.summary.suppressed > 0 {
        diagnostics.push_str(&format!(", {} suppressed", report.summary.suppressed));
    }
    if let Some(b) = report.summary.baseline {
        diagnostics.push_str(&format!("; baseline: {} new, {} unchanged, {} fixed", b.new, b.unchanged, b.fixed));
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
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::render::sample;
    use crate::report::{InputStatus, InputSummary};

    #[test]
    fn plain_text_is_ruff_like() {
        let out = text(&sample::report(), false);
        assert!(!out.contains('\x1b'));
        let first = out.lines().next().unwrap();
        assert_eq!(first, "dumps/prod cluster.yaml:40: CC001 critical CSR asks for group `system:masters` and *bold*");
        assert!(out.contains("  object   Secret/team-a/ci-token\n"));
        assert!(out.contains("  evidence data.token = fp1:"));
        assert!(out.contains(" (redacted)\n"));
        assert!(out.contains("  help     delete the Secret and use TokenRequest\n"));
        assert!(
            out.contains(
                "  ST001 token-auth-file: control plane not visible\n    add: the kube-apiserver static Pod\n"
            )
        );
        assert!(
            out.ends_with("Found 3 findings: 1 critical, 1 high, 1 low (12 objects in 1 input, 1 input diagnostic, 1 input not analysed whole)\n")
        );
        assert!(!out.contains("s3cr3t"));
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
        report.findings[0].object.name = "evil\x1b]0;pwned\x07\nname".to_string();
        report.findings[0].message = "line one\nline two \x1b[2J".to_string();
        let out = text(&report, false);
        assert!(!out.contains('\x1b'));
        assert!(!out.contains('\x07'));
        assert!(out.contains("evil ]0;pwned  name"));
        assert!(out.contains("line one line two  [2J"));
    }

    #[test]
    fn empty_report_says_so() {
        let mut report = sample::report();
        report.findings.clear();
        report.not_assessable.clear();
        report.summary.diagnostics = 0;
        report.inputs[0].diagnostics.clear();
        report.inputs[0].status = InputStatus::Analysed;
        assert_eq!(text(&report, false), "No findings (12 objects in 1 input)\n");
    }

    #[test]
    fn inputs_not_analysed_are_listed_and_no_findings_is_qualified() {
        let mut report = sample::report();
        report.findings.clear();
        report.inputs.push(InputSummary::unreadable("gone.yaml", "read-error", "no such file or directory"));
        let out = text(&report, false);
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
        let out = text(&report, false);
        assert!(!out.contains("No findings"), "{out}");
        assert!(out.contains("  dumps/prod cluster.yaml: no Kubernetes object: nothing of it was analysed; the first problem is at line 99 (yaml-syntax)\n"), "{out}");
        assert!(out.ends_with("No Kubernetes object could be read from the inputs: nothing was analysed (0 objects in 1 input, 1 input diagnostic, 1 input not analysed whole)\n"), "{out}");
    }
}
