//! GitHub-flavoured Markdown: summary, findings by severity, fixes, not-assessable rules,
//! mechanism and credential inventories, input diagnostics.
//!
//! Every value from the input is escaped: outside code spans, Markdown punctuation gets a
//! backslash (so `<script>` or `*x*` stay literal); code spans get a fence longer than any
//! backtick run inside; `|` is escaped in table cells, where it would end the cell.

use super::{
    Coverage, Links, by_severity, counted, input_note, one_line, rule_anchor, rules_referred, stale_message, suppressed,
};
use crate::data::evidence::Evidence;
use crate::data::severity::Severity;
use crate::inventory::mechanisms::State;
use crate::report::{Finding, FixKind, Report};
use crate::util::code_spans;
use std::fmt::Write as _;

const PUNCTUATION: &str = "\\`*_[]<>#|~&!$";

/// Plain text from the input, escaped for Markdown (one line).
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        if PUNCTUATION.contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A code span holding `text` verbatim, whatever backticks it contains.
fn code(text: &str, in_table: bool) -> String {
    let text = one_line(text);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    let body = if in_table { text.replace('|', "\\|") } else { text };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A message in our style (values in backticks): code spans kept, the rest escaped.
fn inline(message: &str, in_table: bool) -> String {
    code_spans(&one_line(message))
        .into_iter()
        .map(|(is_code, part)| if is_code { code(part, in_table) } else { esc(part) })
        .collect()
}

fn evidence(e: &Evidence) -> String {
    let redacted = if e.redacted { " (redacted)" } else { "" };
    format!("{} = {}{redacted}", code(&e.path, true), code(&e.value, true))
}

fn title_case(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// A fix as an indented fenced block (inside its list item), the fence longer than any run of
/// backticks in the text so that no name can close it.
fn fenced(text: &str, kind: FixKind) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let lang = match kind {
        FixKind::Command => "sh",
        FixKind::Edit => "yaml",
    };
    format!("  {fence}{lang}\n  {}\n  {fence}\n", one_line(text))
}

/// The report as a Markdown document.
pub fn markdown(report: &Report) -> String {
    markdown_with(report, Links::default())
}

/// [`markdown`], with rule links led where `links` says; the rules' docs are in the page either way.
pub fn markdown_with(report: &Report, links: Links<'_>) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let _ = writeln!(out, "# {} report\n", esc(&report.tool.name));
    let _ = writeln!(
        out,
        "Evaluated at {} by {} {}: {} objects in {} input{}, {} finding{}, {} input diagnostic{}.\n",
        code(&report.evaluated_at, false),
        esc(&report.tool.name),
        esc(&report.tool.version),
        s.objects,
        report.inputs.len(),
        if report.inputs.len() == 1 { "" } else { "s" },
        s.findings,
        if s.findings == 1 { "" } else { "s" },
        s.diagnostics,
        if s.diagnostics == 1 { "" } else { "s" },
    );
    let coverage = Coverage::of(report);
    if let Some(warning) = coverage.warning() {
        let _ = writeln!(out, "> **Warning:** {}.\n", esc(&warning));
    }
    if let Some(scope) = &report.scope {
        let _ = writeln!(out, "> **Scope:** {}.\n", inline(&scope.line(), false));
    }

    out.push_str("## Summary\n\n| Severity | Findings |\n|---|---:|\n");
    for severity in Severity::ALL.into_iter().rev() {
        let n = report.findings.iter().filter(|f| f.severity == severity && f.counts()).count();
        let _ = writeln!(out, "| {severity} | {n} |");
    }
    let _ = writeln!(out, "| **total** | **{}** |", counted(report));
    if report.summary.suppressed > 0 {
        let _ = writeln!(out, "| suppressed (not counted) | {} |", report.summary.suppressed);
    }
    if let Some(b) = report.summary.baseline {
        let _ = writeln!(
            out,
            "| baseline: new | {} |\n| baseline: unchanged | {} |\n| baseline: fixed | {} |",
            b.new, b.unchanged, b.fixed
        );
        if report.credential_changes.is_some() {
            let _ = writeln!(
                out,
                "| credentials added | {} |\n| credentials removed | {} |",
                b.credentials_added, b.credentials_removed
            );
        }
    }
    out.push('\n');

    out.push_str("## Findings\n\n");
    if counted(report) == 0 {
        let _ = writeln!(out, "{}.\n", esc(coverage.no_findings()));
    }
    for (severity, findings) in by_severity(report) {
        let _ = writeln!(out, "### {} ({})\n", title_case(severity), findings.len());
        out.push_str("| Rule | Object | Location | Message | Evidence |\n|---|---|---|---|---|\n");
        for f in findings {
            let mut ev: Vec<String> = f.evidence.iter().map(evidence).collect();
            ev.extend(f.related.iter().map(|o| format!("related: {}", code(&o.to_string(), true))));
            let _ = writeln!(
                out,
                "| [{}]({}) {} | {} | {} | {} | {} |",
                esc(&f.code),
                links.rule(&f.code, &f.docs),
                esc(&f.slug),
                code(&f.object.to_string(), true),
                code(&f.source.to_string(), true),
                inline(&f.message, true),
                ev.join("<br>"),
            );
        }
        out.push('\n');
    }

    let suppressed = suppressed(report);
    if !suppressed.is_empty() {
        out.push_str("## Suppressed\n\nAccepted findings: listed, not counted.\n\n| Rule | Object | Message | Reason | Where |\n|---|---|---|---|---|\n");
        for f in suppressed {
            let (why, origin) =
                f.suppression.as_ref().map(|s| (s.justification.as_str(), s.origin.as_str())).unwrap_or_default();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                esc(&f.code),
                code(&f.object.to_string(), true),
                inline(&f.message, true),
                inline(why, true),
                code(origin, true)
            );
        }
        out.push('\n');
    }
    if !report.stale_suppressions.is_empty() {
        out.push_str("## Stale suppressions\n\n");
        for stale in &report.stale_suppressions {
            let _ = writeln!(out, "- {}", inline(&stale_message(stale), false));
        }
        out.push('\n');
    }
    let changes = super::credential_change_lines(report);
    if !changes.is_empty() {
        out.push_str("## Credentials since the baseline\n\n");
        for line in changes {
            let _ = writeln!(out, "- {}", inline(&line, false));
        }
        out.push('\n');
    }
    if !report.fixed.is_empty() {
        out.push_str("## Fixed since the baseline\n\n");
        for fixed in &report.fixed {
            let _ = writeln!(
                out,
                "- {} {}: {}",
                esc(&fixed.code),
                code(&fixed.object.to_string(), false),
                inline(&fixed.message, false)
            );
        }
        out.push('\n');
    }

    let mut fixes: Vec<(&str, &str, &str, &str)> = Vec::new();
    for f in &report.findings {
        let fix = (f.code.as_str(), f.slug.as_str(), f.docs.as_str(), f.remediation.as_str());
        if !fix.3.is_empty() && !fixes.contains(&fix) {
            fixes.push(fix);
        }
    }
    fixes.sort();
    if !fixes.is_empty() {
        out.push_str("## How to fix\n\n");
        for (code_, slug, docs, fix) in fixes {
            let _ = writeln!(
                out,
                "- **[{} {}]({})**: {}",
                esc(code_),
                esc(slug),
                links.rule(code_, docs),
                inline(fix, false)
            );
        }
        out.push('\n');
    }

    let with_fix: Vec<&Finding> = report.findings.iter().filter(|f| f.fix.is_some()).collect();
    if !with_fix.is_empty() {
        out.push_str("## Fixes to copy\n\n");
        for f in with_fix {
            let Some(fix) = &f.fix else { continue };
            let _ = writeln!(
                out,
                "- {} {}: {}\n\n{}",
                esc(&f.code),
                code(&f.object.to_string(), false),
                inline(&fix.summary, false),
                fenced(&fix.text, fix.kind)
            );
        }
    }

    if !report.not_assessable.is_empty() {
        out.push_str("## Not assessable\n\nThese rules could not be judged from the input; add what the last column names and scan again.\n\n");
        out.push_str("| Rule | Reason | What to add |\n|---|---|---|\n");
        for na in &report.not_assessable {
            let add: Vec<String> = na.add.iter().map(|a| inline(a, true)).collect();
            let _ = writeln!(
                out,
                "| {} {} | {} | {} |",
                esc(&na.code),
                esc(&na.slug),
                inline(&na.reason, true),
                add.join("<br>")
            );
        }
        out.push('\n');
    }

    if !report.mechanisms.is_empty() {
        out.push_str("## Authentication mechanisms\n\n| Mechanism | State | Evidence |\n|---|---|---|\n");
        for m in &report.mechanisms {
            let state = match m.state {
                State::Enabled => "**enabled**",
                State::Disabled => "disabled",
                State::Unknown => "unknown",
            };
            let mut ev: Vec<String> = m
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{} {} ({})",
                        code(&e.object.to_string(), true),
                        evidence(&e.evidence),
                        code(&format!("{}:{}", e.source.path, e.source.line), true)
                    )
                })
                .collect();
            if let Some(hint) = &m.hint {
                ev.push(format!("to know, add: {}", inline(hint, true)));
            }
            let _ = writeln!(out, "| {} | {state} | {} |", esc(m.mechanism.label()), ev.join("<br>"));
        }
        out.push('\n');
    }

    if !report.credentials.is_empty() {
        use super::credential;
        out.push_str("## Credentials\n\nSecret values are never shown: a fingerprint identifies each one.\n\n");
        out.push_str("| Kind | Identity | Groups | Issuer or signer | Valid | Status | Fingerprint | Object |\n");
        out.push_str("|---|---|---|---|---|---|---|---|\n");
        for c in &report.credentials {
            let groups: Vec<String> = c.groups.iter().map(|g| code(g, true)).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} {} |",
                credential::kind(c.kind),
                code(&c.identity, true),
                groups.join(" "),
                esc(c.issuer.as_deref().unwrap_or("")),
                esc(&credential::validity(c)),
                esc(&credential::status(c)),
                code(&credential::short_fingerprint(&c.fingerprint), true),
                code(&c.object.to_string(), true),
                code(&format!("{}:{}", c.source.path, c.source.line), true),
            );
        }
        out.push('\n');
    }

    let diagnostics: Vec<_> = report.inputs.iter().flat_map(|i| &i.diagnostics).collect();
    if !diagnostics.is_empty() {
        out.push_str("## Input diagnostics\n\n| Location | Level | Code | Message |\n|---|---|---|---|\n");
        for d in diagnostics {
            let level = match d.level {
                crate::data::diagnostic::Level::Error => "error",
                crate::data::diagnostic::Level::Warning => "warning",
            };
            let _ = writeln!(
                out,
                "| {} | {level} | {} | {} |",
                code(&format!("{}:{}", d.source.path, d.source.line), true),
                esc(d.code.as_str()),
                inline(&d.message, true)
            );
        }
        out.push('\n');
    }

    out.push_str(
        "## Inputs\n\n| File | Status | Bytes | Documents | Objects | Diagnostics |\n|---|---|---:|---:|---:|---:|\n",
    );
    for i in &report.inputs {
        let status = match input_note(i) {
            Some(note) => format!("**{}**: {}", i.status.label(), inline(&note, true)),
            None => i.status.label().to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {status} | {} | {} | {} | {} |",
            code(&i.path, true),
            i.bytes,
            i.documents,
            i.objects,
            i.diagnostics.len()
        );
    }
    let rules = rules_referred(report);
    if !rules.is_empty() {
        out.push_str("\n## Rules\n");
        for meta in rules {
            let what = meta.section("What it does").split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = write!(
                out,
                "\n### <a id=\"{}\"></a>{} {}\n\n{}\n\n**How to fix:** {}\n\nGuide: {}\n",
                rule_anchor(meta.code),
                esc(meta.code),
                esc(meta.slug),
                inline(&what, false),
                inline(&meta.remediation(), false),
                esc(meta.mechanism.guide_section())
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    #[test]
    fn a_fix_is_fenced_so_that_no_name_closes_the_block() {
        let name = "x```\n# heading ````";
        let object = crate::report::ObjectRef {
            kind: "Secret".into(),
            namespace: Some("ci".into()),
            name: name.into(),
            ..Default::default()
        };
        let mut report = sample::report();
        report.findings[0].fix = crate::report::Fix::delete("delete it", &object).map(Box::new);
        assert_eq!(report.findings[0].fix, None, "a newline in a name gives no fix at all");
        object_fix(&mut report, "x```` y");
        let out = markdown(&report);
        let block = out.split("## Fixes to copy").nth(1).unwrap();
        let fence = block.lines().find(|l| l.trim_start().starts_with("```")).unwrap().trim();
        assert_eq!(fence, "`````sh", "one backtick more than the name's longest run");
        assert!(block.contains("  kubectl delete secret -n ci 'x```` y'\n  `````\n"), "{block}");
        let html = crate::render::html::html(&report);
        assert!(
            html.contains("<pre class=\"fix\"><code>kubectl delete secret -n ci &#39;x```` y&#39;</code></pre>")
                || html.contains("<pre class=\"fix\"><code>kubectl delete secret -n ci 'x```` y'</code></pre>"),
            "{html}"
        );
    }

    fn object_fix(report: &mut Report, name: &str) {
        let object = crate::report::ObjectRef {
            kind: "Secret".into(),
            namespace: Some("ci".into()),
            name: name.into(),
            ..Default::default()
        };
        report.findings[0].fix = crate::report::Fix::delete("delete it", &object).map(Box::new);
    }

    #[test]
    fn escaping() {
        assert_eq!(esc("a*b_c <x> | #1"), "a\\*b\\_c \\<x\\> \\| \\#1");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x", false), "`` `x ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(inline("set `--x=*` <now>", false), "set `--x=*` \\<now\\>");
        assert_eq!(esc("two\nlines"), "two lines");
    }

    #[test]
    fn summary_and_groups() {
        let out = markdown(&sample::report());
        assert!(out.starts_with("# authn-audit report\n\nEvaluated at `2025-11-28T12:00:00Z` by authn-audit 0.1.0: 12 objects in 1 input, 3 findings, 1 input diagnostic.\n\n> **Warning:** 1 input not analysed whole: see the inputs.\n"));
        assert!(out.contains("| `dumps/prod cluster.yaml` | **partly analysed**: 1 error, the first at line 99 (yaml-syntax); the rest was analysed | 2048 | 13 | 12 | 1 |\n"), "{out}");
        assert!(out.contains(
            "| critical | 1 |\n| high | 1 |\n| medium | 0 |\n| low | 1 |\n| info | 0 |\n| **total** | **3** |\n"
        ));
        let critical = out.find("### Critical (1)").unwrap();
        let high = out.find("### High (1)").unwrap();
        let low = out.find("### Low (1)").unwrap();
        assert!(critical < high && high < low);
        assert!(!out.contains("### Medium"));
    }

    #[test]
    fn nothing_read_is_never_no_findings() {
        let mut report = sample::report();
        report.findings.clear();
        report.summary.objects = 0;
        report.inputs[0].objects = 0;
        report.inputs[0].status = crate::data::input_summary::InputStatus::NoObjects;
        let out = markdown(&report);
        assert!(!out.contains("No findings"), "{out}");
        assert!(
            out.contains("> **Warning:** No Kubernetes object could be read from the inputs: nothing was analysed.\n")
        );
        assert!(
            out.contains("## Findings\n\nNo Kubernetes object could be read from the inputs: nothing was analysed.\n")
        );
        assert!(out.contains("| **no Kubernetes object**: nothing of it was analysed; the first problem is at line 99 (yaml-syntax) |"), "{out}");
        report.inputs[0].status = crate::data::input_summary::InputStatus::Analysed;
        report.inputs[0].objects = 12;
        report.summary.objects = 12;
        assert!(markdown(&report).contains("## Findings\n\nNo findings.\n"));
    }

    #[test]
    fn user_values_are_escaped() {
        let out = markdown(&sample::report());
        // Object names and messages from the input never become markup.
        assert!(out.contains("`ClusterRoleBinding/evil\\|<script>alert(1)</script>`"));
        assert!(!out.contains("| <script>"));
        assert!(out.contains("binding `a\\|b` grants \\<b\\>view\\</b\\> \\& more to `system:anonymous`"));
        assert!(out.contains("CSR asks for group `system:masters` and \\*bold\\*"));
        // Every table row keeps its column count.
        for line in out.lines().filter(|l| l.starts_with("| [")) {
            let unescaped = line.replace("\\|", "");
            assert_eq!(unescaped.matches('|').count(), 6, "{line}");
        }
    }

    #[test]
    fn sections_and_inventories() {
        let out = markdown(&sample::report());
        assert!(out.contains("| ST001 token-auth-file | control plane not visible | the kube-apiserver static Pod |"));
        assert!(out.contains("| Service-account secret tokens | **enabled** | `Secret/team-a/ci-token` `type` = `kubernetes.io/service-account-token`"));
        assert!(out.contains(
            "| service-account token | `system:serviceaccount:team-a:ci` | `system:serviceaccounts` |  | 2024-01-01 → never | valid | `fp1:"
        ));
        assert!(
            out.contains(
                "| `dumps/prod cluster.yaml:99` | error | yaml-syntax | mapping values are not allowed here |"
            )
        );
        assert!(out.contains("- **[SA001 sa001-slug]("));
        assert!(out.contains("`data.token` = `fp1:"));
        assert!(!out.contains("s3cr3t"));
    }
}
