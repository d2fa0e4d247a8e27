//! One self-contained HTML page: inline CSS, no script, no external resource; printable, light
//! and dark through `prefers-color-scheme`. The viewer's "export HTML" uses it as it is.

use super::{
    Coverage, Links, by_severity, counted, input_note, rule_anchor, rules_referred, stale_message, suppressed,
};
use crate::data::evidence::Evidence;
use crate::data::severity::Severity;
use crate::inventory::mechanisms::State;
use crate::report::{Finding, Report};
use crate::util::code_spans;
use std::fmt::Write as _;

const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1d2330; --muted: #5b6475; --bg: #ffffff; --panel: #f5f7fa;
  --line: #d9dee7; --link: #1b5fc1; --critical: #a4133c; --high: #d9480f; --medium: #b7791f;
  --low: #1c7ed6; --info: #5b6475; --ok: #2b8a3e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e7ee; --muted: #9aa4b5; --bg: #14171d; --panel: #1c2029; --line: #323846;
    --link: #74a7ff; --critical: #ff6b8b; --high: #ff922b; --medium: #fcc419; --low: #4dabf7;
    --info: #9aa4b5; --ok: #69db7c; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; font-size: 1.25rem; }
h3 { font-size: 1.05rem; }
a { color: var(--link); }
code { font: .9em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--panel);
  border: 1px solid var(--line); border-radius: 4px; padding: 0 .25em; overflow-wrap: anywhere; }
.meta, .muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.card { min-width: 7.5rem; padding: .6rem .9rem; border: 1px solid var(--line); border-left: 5px solid var(--c, var(--line));
  border-radius: 6px; background: var(--panel); }
.card b { display: block; font-size: 1.5rem; }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--c); border-radius: 6px; padding: .6rem 1rem;
  margin: .75rem 0; background: var(--panel); break-inside: avoid; }
.finding header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: baseline; }
.finding .msg { margin: .35rem 0; font-weight: 600; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 999px; color: var(--bg); background: var(--c);
  font-size: .8rem; font-weight: 700; text-transform: uppercase; letter-spacing: .03em; }
.sev-critical { --c: var(--critical); } .sev-high { --c: var(--high); } .sev-medium { --c: var(--medium); }
.sev-low { --c: var(--low); } .sev-info { --c: var(--info); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .25rem 0; }
dt { color: var(--muted); } dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
td.num, th.num { text-align: right; }
td.nowrap, td.nowrap code, .nw { white-space: nowrap; }
td.wide { min-width: 12rem; } td.mid { min-width: 8rem; }
#credentials table { font-size: .85rem; }
.state-enabled { color: var(--high); font-weight: 700; } .state-disabled { color: var(--ok); }
.state-unknown { color: var(--muted); }
.warning { border: 1px solid var(--high); border-left: 5px solid var(--high); border-radius: 6px; padding: .5rem 1rem;
  font-weight: 600; }
.status-analysed { color: var(--ok); } .status-other { color: var(--high); font-weight: 700; }
footer { margin-top: 2rem; color: var(--muted); font-size: .85rem; }
@media print {
  :root { color-scheme: light; --fg: #000; --muted: #444; --bg: #fff; --panel: #fff; --line: #bbb; --link: #000; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { text-decoration: none; }
  h2 { break-after: avoid; }
  tr, .card { break-inside: avoid; }
}
"#;

/// Text from the input, escaped for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn code(text: &str) -> String {
    format!("<code>{}</code>", esc(text))
}

/// A message in our style: backticked values become `<code>`, everything escaped.
fn inline(message: &str) -> String {
    code_spans(message).into_iter().map(|(is_code, part)| if is_code { code(part) } else { esc(part) }).collect()
}

fn evidence(e: &Evidence) -> String {
    let redacted = if e.redacted { " <span class=\"muted\">(redacted)</span>" } else { "" };
    format!("{} = {}{redacted}", code(&e.path), code(&e.value))
}

fn location(path: &str, line: u32) -> String {
    code(&format!("{path}:{line}"))
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

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn write_finding(out: &mut String, f: &Finding, links: Links<'_>) {
    let sev = f.severity.as_str();
    let _ = writeln!(out, "<article class=\"finding sev-{sev}\">");
    let _ = writeln!(
        out,
        "<header><span class=\"badge\">{sev}</span> <a href=\"{}\"><b>{}</b></a> <span class=\"muted\">{}</span></header>",
        esc(&links.rule(&f.code, &f.docs)),
        esc(&f.code),
        esc(&f.slug)
    );
    let _ = writeln!(out, "<p class=\"msg\">{}</p>\n<dl>", inline(&f.message));
    let _ = writeln!(out, "<dt>Object</dt><dd>{}</dd>", code(&f.object.to_string()));
    let _ = writeln!(out, "<dt>Location</dt><dd>{}</dd>", location(&f.source.path, f.source.line));
    for e in &f.evidence {
        let _ = writeln!(out, "<dt>Evidence</dt><dd>{}</dd>", evidence(e));
    }
    if !f.related.is_empty() {
        let related: Vec<String> = f.related.iter().map(|o| code(&o.to_string())).collect();
        let _ = writeln!(out, "<dt>Related</dt><dd>{}</dd>", related.join(", "));
    }
    if !f.remediation.is_empty() {
        let _ = writeln!(out, "<dt>How to fix</dt><dd>{}</dd>", inline(&f.remediation));
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            out,
            "<dt>Fix to copy</dt><dd>{}<pre class=\"fix\"><code>{}</code></pre></dd>",
            inline(&fix.summary),
            esc(&fix.text)
        );
    }
    out.push_str("</dl>\n</article>\n");
}

/// The report as one HTML document.
pub fn html(report: &Report) -> String {
    html_with(report, Links::default())
}

/// [`html`], with rule links led where `links` says; the rules' docs are in the page either way.
pub fn html_with(report: &Report, links: Links<'_>) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let title = format!("{} report", report.tool.name);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">Evaluated at <time>{}</time> by {} {} · {} in {} · {}</p>\n</header>",
        esc(&title),
        esc(&report.evaluated_at),
        esc(&report.tool.name),
        esc(&report.tool.version),
        plural(s.objects, "object"),
        plural(report.inputs.len(), "input"),
        plural(s.diagnostics, "input diagnostic"),
    );

    let coverage = Coverage::of(report);
    if let Some(warning) = coverage.warning() {
        let _ = writeln!(out, "<p class=\"warning\" role=\"alert\">{}.</p>", esc(&warning));
    }
    if let Some(scope) = &report.scope {
        let _ = writeln!(out, "<p class=\"warning\" id=\"scope\">{}.</p>", inline(&scope.line()));
    }

    out.push_str("<section class=\"cards\" aria-label=\"Summary\">\n");
    let _ = writeln!(out, "<div class=\"card\"><b>{}</b>findings</div>", counted(report));
    for severity in Severity::ALL.into_iter().rev() {
        let n = report.findings.iter().filter(|f| f.severity == severity && f.counts()).count();
        let _ = writeln!(out, "<div class=\"card sev-{severity}\"><b>{n}</b>{severity}</div>");
    }
    if report.summary.suppressed > 0 {
        let _ = writeln!(out, "<div class=\"card\"><b>{}</b>suppressed</div>", report.summary.suppressed);
    }
    if let Some(b) = report.summary.baseline {
        let _ = writeln!(
            out,
            "<div class=\"card\"><b>{}</b>new</div><div class=\"card\"><b>{}</b>unchanged</div><div class=\"card\"><b>{}</b>fixed</div>",
            b.new, b.unchanged, b.fixed
        );
        if report.credential_changes.is_some() {
            let _ = writeln!(
                out,
                "<div class=\"card\"><b>{}</b>credentials added</div><div class=\"card\"><b>{}</b>credentials removed</div>",
                b.credentials_added, b.credentials_removed
            );
        }
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    if counted(report) == 0 {
        let _ = writeln!(out, "<p>{}.</p>", esc(coverage.no_findings()));
    }
    for (severity, findings) in by_severity(report) {
        let _ = writeln!(out, "<h3 class=\"sev-{severity}\">{} ({})</h3>", title_case(severity), findings.len());
        for f in findings {
            write_finding(&mut out, f, links);
        }
    }
    out.push_str("</section>\n");

    let suppressed = suppressed(report);
    if !suppressed.is_empty() {
        out.push_str(
            "<section id=\"suppressed\">\n<h2>Suppressed</h2>\n<p>Accepted findings: listed, not counted.</p>\n",
        );
        out.push_str(
            "<table>\n<thead><tr><th>Rule</th><th>Object</th><th>Message</th><th>Reason</th></tr></thead>\n<tbody>\n",
        );
        for f in suppressed {
            let why = f.suppression.as_ref().map(|s| s.justification.as_str()).unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td><b>{}</b></td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&f.code),
                esc(&f.object.to_string()),
                inline(&f.message),
                esc(why)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
    let changes = super::credential_change_lines(report);
    if !report.stale_suppressions.is_empty() || !report.fixed.is_empty() || !changes.is_empty() {
        out.push_str("<section id=\"suppression-notes\">\n<ul>\n");
        for line in &changes {
            let _ = writeln!(out, "<li>{}</li>", inline(line));
        }
        for stale in &report.stale_suppressions {
            let _ = writeln!(out, "<li class=\"warning\">{}</li>", inline(&stale_message(stale)));
        }
        for fixed in &report.fixed {
            let _ = writeln!(
                out,
                "<li>fixed since the baseline: {} <code>{}</code></li>",
                esc(&fixed.code),
                esc(&fixed.object.to_string())
            );
        }
        out.push_str("</ul>\n</section>\n");
    }

    if !report.not_assessable.is_empty() {
        out.push_str("<section id=\"not-assessable\">\n<h2>Not assessable</h2>\n");
        out.push_str(
            "<p>These rules could not be judged from the input; add what the last column names and scan again.</p>\n",
        );
        out.push_str("<table>\n<thead><tr><th>Rule</th><th>Reason</th><th>What to add</th></tr></thead>\n<tbody>\n");
        for na in &report.not_assessable {
            let add: Vec<String> = na.add.iter().map(|a| inline(a)).collect();
            let _ = writeln!(
                out,
                "<tr><td><b>{}</b> {}</td><td>{}</td><td>{}</td></tr>",
                esc(&na.code),
                esc(&na.slug),
                inline(&na.reason),
                add.join("<br>")
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    if !report.mechanisms.is_empty() {
        out.push_str("<section id=\"mechanisms\">\n<h2>Authentication mechanisms</h2>\n");
        out.push_str("<table>\n<thead><tr><th>Mechanism</th><th>State</th><th>Evidence</th></tr></thead>\n<tbody>\n");
        for m in &report.mechanisms {
            let state = match m.state {
                State::Enabled => "enabled",
                State::Disabled => "disabled",
                State::Unknown => "unknown",
            };
            let mut ev: Vec<String> = m
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{} {} ({})",
                        code(&e.object.to_string()),
                        evidence(&e.evidence),
                        location(&e.source.path, e.source.line)
                    )
                })
                .collect();
            if let Some(hint) = &m.hint {
                ev.push(format!("<span class=\"muted\">to know, add: {}</span>", inline(hint)));
            }
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"state-{state}\">{state}</td><td>{}</td></tr>",
                esc(m.mechanism.label()),
                ev.join("<br>")
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    if !report.credentials.is_empty() {
        use super::credential;
        out.push_str("<section id=\"credentials\">\n<h2>Credentials</h2>\n");
        out.push_str("<p>Secret values are never shown: a fingerprint identifies each one.</p>\n<table>\n<thead><tr>");
        for h in ["Kind", "Identity", "Groups", "Issuer or signer", "Valid", "Status", "Fingerprint", "Object"] {
            let _ = write!(out, "<th>{h}</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for c in &report.credentials {
            let groups: Vec<String> = c.groups.iter().map(|g| code(g)).collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"mid\">{}</td><td class=\"mid\">{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td class=\"nowrap\"><code title=\"{}\">{}</code></td><td class=\"wide\">{}<br>{}</td></tr>",
                credential::kind(c.kind),
                code(&c.identity),
                groups.join(" "),
                esc(c.issuer.as_deref().unwrap_or("")),
                credential::validity(c)
                    .split(' ')
                    .map(|part| format!("<span class=\"nw\">{}</span>", esc(part)))
                    .collect::<Vec<_>>()
                    .join(" "),
                esc(&credential::status(c)),
                esc(&c.fingerprint),
                esc(&credential::short_fingerprint(&c.fingerprint)),
                code(&c.object.to_string()),
                location(&c.source.path, c.source.line),
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n\n");
    }

    let diagnostics: Vec<_> = report.inputs.iter().flat_map(|i| &i.diagnostics).collect();
    if !diagnostics.is_empty() {
        out.push_str("<section id=\"diagnostics\">\n<h2>Input diagnostics</h2>\n");
        out.push_str(
            "<table>\n<thead><tr><th>Location</th><th>Level</th><th>Code</th><th>Message</th></tr></thead>\n<tbody>\n",
        );
        for d in diagnostics {
            let level = match d.level {
                crate::data::diagnostic::Level::Error => "error",
                crate::data::diagnostic::Level::Warning => "warning",
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{level}</td><td>{}</td><td>{}</td></tr>",
                location(&d.source.path, d.source.line),
                esc(d.code.as_str()),
                inline(&d.message)
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    out.push_str(
        "<section id=\"inputs\">\n<h2>Inputs</h2>\n<table>\n<thead><tr><th>File</th><th>Status</th><th class=\"num\">Bytes</th>",
    );
    out.push_str("<th class=\"num\">Documents</th><th class=\"num\">Objects</th><th class=\"num\">Diagnostics</th></tr></thead>\n<tbody>\n");
    for i in &report.inputs {
        let status = match input_note(i) {
            Some(note) => format!("<span class=\"status-other\">{}</span>: {}", esc(i.status.label()), inline(&note)),
            None => format!("<span class=\"status-analysed\">{}</span>", esc(i.status.label())),
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{status}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            code(&i.path),
            i.bytes,
            i.documents,
            i.objects,
            i.diagnostics.len()
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
    let rules = rules_referred(report);
    if !rules.is_empty() {
        out.push_str("<section id=\"rules\">\n<h2>Rules</h2>\n");
        for meta in rules {
            let _ = writeln!(
                out,
                "<article id=\"{}\"><h3>{} {}</h3>\n<p>{}</p>\n<p><b>How to fix:</b> {}</p>\n<p class=\"muted\">Guide: {}</p></article>",
                rule_anchor(meta.code),
                esc(meta.code),
                esc(meta.slug),
                inline(&meta.section("What it does").split_whitespace().collect::<Vec<_>>().join(" ")),
                inline(&meta.remediation()),
                esc(meta.mechanism.guide_section())
            );
        }
        out.push_str("</section>\n");
    }
    let _ = writeln!(
        out,
        "<footer>Generated by {} {}. Secret values are never included: tokens and keys appear only as SHA-256 fingerprints.</footer>\n</body>\n</html>",
        esc(&report.tool.name),
        esc(&report.tool.version)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::sample;

    #[test]
    fn self_contained_page() {
        let out = html(&sample::report());
        assert!(out.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(out.trim_end().ends_with("</html>"));
        assert!(out.contains("@media (prefers-color-scheme: dark)"));
        assert!(out.contains("@media print"));
        let lower = out.to_lowercase();
        assert!(!lower.contains("<script"), "no script, even from input");
        assert!(!lower.contains("<link"));
        assert!(!lower.contains("src="));
        assert!(!lower.contains("url("));
        assert!(!lower.contains("@import"));
    }

    #[test]
    fn inputs_show_their_status_and_nothing_read_is_never_no_findings() {
        let mut report = sample::report();
        let out = html(&report);
        assert!(out.contains("<p class=\"warning\" role=\"alert\">1 input not analysed whole: see the inputs.</p>"));
        assert!(out.contains("<td><span class=\"status-other\">partly analysed</span>: 1 error, the first at line 99 (yaml-syntax); the rest was analysed</td>"), "{out}");
        report.findings.clear();
        report.summary.objects = 0;
        report.inputs[0].objects = 0;
        report.inputs[0].status = crate::data::input_summary::InputStatus::NoObjects;
        let out = html(&report);
        assert!(!out.contains("No findings"), "{out}");
        assert!(out.contains("<p>No Kubernetes object could be read from the inputs: nothing was analysed.</p>"));
    }

    #[test]
    fn user_values_are_escaped() {
        let out = html(&sample::report());
        assert!(out.contains("<code>ClusterRoleBinding/evil|&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
        assert!(out.contains(
            "binding <code>a|b</code> grants &lt;b&gt;view&lt;/b&gt; &amp; more to <code>system:anonymous</code>"
        ));
        assert_eq!(esc("\"'\x1b"), "&quot;&#39;\u{fffd}");
    }

    #[test]
    fn findings_grouped_worst_first_with_details() {
        let out = html(&sample::report());
        let critical = out.find("<h3 class=\"sev-critical\">Critical (1)</h3>").unwrap();
        let high = out.find("<h3 class=\"sev-high\">High (1)</h3>").unwrap();
        let low = out.find("<h3 class=\"sev-low\">Low (1)</h3>").unwrap();
        assert!(critical < high && high < low);
        assert!(out.contains("<dt>Location</dt><dd><code>dumps/prod cluster.yaml:7</code></dd>"));
        assert!(out.contains("<dt>Evidence</dt><dd><code>data.token</code> = <code>fp1:"));
        assert!(out.contains("<div class=\"card sev-critical\"><b>1</b>critical</div>"));
        assert!(out.contains("<td class=\"state-enabled\">enabled</td>"));
        assert!(out.contains("<td>yaml-syntax</td><td>mapping values are not allowed here</td>"));
        assert!(out.contains(
            "<td>service-account token</td><td class=\"mid\"><code>system:serviceaccount:team-a:ci</code></td>"
        ));
        assert!(out.contains(
            "<td><span class=\"nw\">2024-01-01</span> <span class=\"nw\">→</span> <span class=\"nw\">never</span></td><td>valid</td>"
        ));
        assert!(!out.contains("s3cr3t"));
    }
}
