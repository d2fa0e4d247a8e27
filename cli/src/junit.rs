//! `--format junit`: the report as JUnit XML, which GitLab, Jenkins and most CI servers show as
//! test results. Each enabled rule is a test case per finding (a failure, or skipped when
//! suppressed) and one passing case when it found nothing; inputs not analysed whole are errors.

use policy_core::Report;
use std::fmt::Write as _;

/// XML text and attribute escaping; control characters (invalid in XML 1.0) become spaces.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The report as one JUnit `<testsuites>` document. `rules` are the codes and slugs that ran,
/// so a rule that found nothing shows as a passing case.
pub fn junit(report: &Report, rules: &[(&str, &str)]) -> String {
    let mut cases = String::new();
    let (mut tests, mut failures, mut skipped, mut errors) = (0usize, 0usize, 0usize, 0usize);
    for input in report.incomplete_inputs() {
        tests += 1;
        errors += 1;
        let note = input.diagnostics.first().map(|d| d.message.as_str()).unwrap_or(input.status.label());
        let _ = writeln!(
            cases,
            "    <testcase classname=\"inputs\" name=\"{}\"><error type=\"{}\" message=\"{}\"/></testcase>",
            esc(&input.path),
            input.status,
            esc(note)
        );
    }
    for (code, slug) in rules {
        let found: Vec<_> = report.findings.iter().filter(|f| f.code == *code).collect();
        if found.is_empty() {
            tests += 1;
            let _ = writeln!(cases, "    <testcase classname=\"{code} {}\" name=\"no finding\"/>", esc(slug));
        }
        for f in found {
            tests += 1;
            let name = format!("{} ({}:{})", f.object, f.source.path, f.source.line);
            let _ = write!(cases, "    <testcase classname=\"{code} {}\" name=\"{}\">", esc(slug), esc(&name));
            match &f.suppression {
                Some(s) if s.holds() => {
                    skipped += 1;
                    let _ = write!(cases, "<skipped message=\"suppressed: {}\"/>", esc(&s.justification));
                }
                _ => {
                    failures += 1;
                    let mut body = format!("{}\n", f.message);
                    for e in &f.evidence {
                        let _ = writeln!(body, "evidence {} = {}", e.path, e.value);
                    }
                    let _ = writeln!(body, "help: {}\ndocs: {}", f.remediation, f.docs);
                    let _ = write!(
                        cases,
                        "<failure type=\"{}\" message=\"{}\">{}</failure>",
                        f.severity,
                        esc(&f.message),
                        esc(&body)
                    );
                }
            }
            cases.push_str("</testcase>\n");
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"authn-audit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"authn-audit\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" timestamp=\"{}\">",
        esc(report.evaluated_at.trim_end_matches('Z'))
    );
    out.push_str(&cases);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
