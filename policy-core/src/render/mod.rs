//! Renderers: pure functions from a [`Report`] to text.
//!
//! Every renderer works only from the report, which carries fingerprints in place of secrets, so
//! no output format can leak a token or a key. Values that come from the input (object names,
//! paths, messages) are escaped for the target format: Markdown, HTML, or terminal control
//! characters.

mod html;
mod markdown;
mod pretty;
mod sarif;
mod text;

pub use html::{html, html_with};
pub use markdown::{markdown, markdown_with};
pub use sarif::{sarif, sarif_with};
pub use text::{TextOptions, text, text_with};

use crate::report::Report;

/// An output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Terminal text, one finding per block (ruff-like).
    Text,
    /// The report model as pretty JSON (`schema/report.schema.json`).
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [Self::Text, Self::Json, Self::Sarif, Self::Markdown, Self::Html];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::Markdown => "markdown",
            Self::Html => "html",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Text => "txt",
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::Markdown => "md",
            Self::Html => "html",
        }
    }

    /// Parse a name (case-insensitive; `md` is accepted for Markdown).
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("md") {
            return Some(Self::Markdown);
        }
        Self::ALL.into_iter().find(|f| f.as_str().eq_ignore_ascii_case(name))
    }
}

/// Render a report in any format; `color` only matters for [`Format::Text`].
pub fn render(report: &Report, format: Format, color: bool) -> String {
    render_with(report, format, color, Links::default())
}

/// [`render`], with rule links led where `links` says.
pub fn render_with(report: &Report, format: Format, color: bool, links: Links<'_>) -> String {
    match format {
        Format::Text => text(report, color),
        Format::Json => json(report),
        Format::Sarif => sarif_with(report, links),
        Format::Markdown => markdown_with(report, links),
        Format::Html => html_with(report, links),
    }
}

/// Where a report's rule links lead. With `docs_base` (the CLI's `--docs-url`), to the docs a
/// team hosts: `BASE/rules/ST001-token-auth-file.md` for `docs/rules/…`. Without, to the rule's
/// section inside the same report (Markdown and HTML carry the docs they refer to; SARIF carries
/// each rule's page in `help`), so no output links to a host that may not exist.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Links<'a> {
    /// The URL the repository's `docs/` directory is published at.
    pub docs_base: Option<&'a str>,
}

impl Links<'_> {
    /// The link of a rule's page (`docs` is the finding's `docs`, relative to the repository).
    pub fn rule(&self, code: &str, docs: &str) -> String {
        match self.docs_base {
            Some(base) => format!("{}/{}", base.trim_end_matches('/'), docs.strip_prefix("docs/").unwrap_or(docs)),
            None => format!("#{}", rule_anchor(code)),
        }
    }

    /// The absolute URL of a rule's page, when docs are hosted.
    pub fn hosted(&self, docs: &str) -> Option<String> {
        self.docs_base.map(|_| self.rule("", docs))
    }
}

/// The id of a rule's section in a Markdown or HTML report.
pub(crate) fn rule_anchor(code: &str) -> String {
    format!("rule-{}", code.to_ascii_lowercase())
}

/// The rules a report speaks of (findings, then not-assessable), each once, in catalogue order.
pub(crate) fn rules_referred(report: &Report) -> Vec<&'static crate::data::rule_meta::RuleMeta> {
    crate::registry::ALL
        .iter()
        .map(|r| r.meta())
        .filter(|m| {
            report.findings.iter().any(|f| f.code == m.code) || report.not_assessable.iter().any(|n| n.code == m.code)
        })
        .collect()
}

/// The report as pretty JSON (the stable format of `schema/report.schema.json`), newline-terminated.
pub fn json(report: &Report) -> String {
    let mut out = Vec::new();
    // Writing to a vector fails only if serialising does, which a `Report` never does.
    let _ = write_json(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`json`], written to `out` as it is made: the report of a big dump is hundreds of MB of
/// text, which the command line writes without holding it whole beside the report.
pub fn write_json(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use serde::Serialize;
    use std::io::Write;
    // The pretty printer writes a few bytes at a time (a key, a colon, an indent): to a buffer it
    // can inline, not a `dyn Write` call each.
    let mut buffered = std::io::BufWriter::with_capacity(64 << 10, out);
    report.serialize(&mut serde_json::Serializer::with_formatter(&mut buffered, pretty::Pretty::default()))?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

/// The findings accepted by a suppression that holds, in report order: every report lists them
/// in a section of their own.
pub(crate) fn suppressed(report: &Report) -> Vec<&crate::report::Finding> {
    report.findings.iter().filter(|f| f.is_suppressed()).collect()
}

/// How many findings count (are not accepted by a suppression that holds).
pub(crate) fn counted(report: &Report) -> usize {
    report.findings.iter().filter(|f| f.counts()).count()
}

/// A stale suppression entry as a warning, in our message style.
pub(crate) fn stale_message(stale: &crate::report::StaleSuppression) -> String {
    format!(
        "suppression `{}` for `{}` matches no finding: fix or remove it ({})",
        stale.origin, stale.rule, stale.reason
    )
}

/// Counted findings of one severity, in report order, worst severity first; empty groups skipped.
pub(crate) fn by_severity(report: &Report) -> Vec<(crate::data::severity::Severity, Vec<&crate::report::Finding>)> {
    crate::data::severity::Severity::ALL
        .into_iter()
        .rev()
        .map(|sev| (sev, report.findings.iter().filter(|f| f.severity == sev && f.counts()).collect::<Vec<_>>()))
        .filter(|(_, findings)| !findings.is_empty())
        .collect()
}

/// How much of the input a report covers: all of it, all but some inputs (skipped, unreadable,
/// cut short, or without a Kubernetes object), or nothing at all. A report of no findings says
/// which, so an unread or truncated dump never reads as a clean bill of health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coverage {
    All,
    /// This many inputs were not analysed whole.
    Part(usize),
    /// No Kubernetes object could be read from any input.
    Nothing,
}

impl Coverage {
    pub(crate) fn of(report: &Report) -> Self {
        let incomplete = report.incomplete_inputs().count();
        if report.summary.objects == 0 {
            Self::Nothing
        } else if incomplete > 0 {
            Self::Part(incomplete)
        } else {
            Self::All
        }
    }

    /// What the report says in place of findings when it has none (no final period).
    pub(crate) fn no_findings(self) -> &'static str {
        match self {
            Self::All => "No findings",
            Self::Part(_) => "No findings in what could be read",
            Self::Nothing => NOTHING_READ,
        }
    }

    /// A warning for the head of the report (no final period), when it does not cover everything.
    pub(crate) fn warning(self) -> Option<String> {
        match self {
            Self::All => None,
            Self::Part(n) => Some(format!("{} not analysed whole: see the inputs", count(n, "input"))),
            Self::Nothing => Some(NOTHING_READ.to_string()),
        }
    }
}

const NOTHING_READ: &str = "No Kubernetes object could be read from the inputs: nothing was analysed";

/// `1 input`, `2 inputs`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// Why an input was not analysed whole, in one line in our message style; `None` when it was.
pub(crate) fn input_note(input: &crate::data::input_summary::InputSummary) -> Option<String> {
    use crate::data::input_summary::InputStatus;
    let errors: Vec<_> =
        input.diagnostics.iter().filter(|d| d.level == crate::data::diagnostic::Level::Error).collect();
    let first = errors.first().copied().or(input.diagnostics.first());
    Some(match input.status {
        InputStatus::Analysed => return None,
        InputStatus::Skipped | InputStatus::Unreadable => {
            first.map_or_else(|| input.status.label().to_string(), |d| d.message.clone())
        }
        InputStatus::NoObjects => match first {
            Some(d) if d.source.line > 0 => {
                format!("nothing of it was analysed; the first problem is at line {} ({})", d.source.line, d.code)
            }
            _ => "nothing of it was analysed".to_string(),
        },
        InputStatus::Partial => match first {
            Some(d) => format!(
                "{}, the first at line {} ({}); the rest was analysed",
                count(errors.len(), "error"),
                d.source.line,
                d.code
            ),
            None => "part of it could not be read; the rest was analysed".to_string(),
        },
    })
}

/// Display helpers for the credential inventory (MX004), shared by the Markdown and HTML tables.
pub(crate) mod credential {
    use crate::inventory::credentials::{Credential, CredentialKind};

    /// A short label for the kind.
    pub(crate) fn kind(kind: CredentialKind) -> &'static str {
        match kind {
            CredentialKind::ClientCertificate => "client certificate",
            CredentialKind::CertificateSigningRequest => "CSR",
            CredentialKind::ServiceAccountToken => "service-account token",
            CredentialKind::BootstrapToken => "bootstrap token",
            CredentialKind::KubeconfigUser => "kubeconfig user",
            CredentialKind::StaticToken => "static token",
        }
    }

    fn date(instant: &str) -> &str {
        instant.split('T').next().unwrap_or(instant)
    }

    /// `2025-06-01 → 2027-06-01`, `→ never`.
    pub(crate) fn validity(c: &Credential) -> String {
        let from = c.not_before.as_deref().map(date).unwrap_or("");
        let to = c.expires.as_deref().map_or("never", date);
        format!("{from} → {to}").trim_start().to_string()
    }

    /// The status, with the last use when the dump shows it.
    pub(crate) fn status(c: &Credential) -> String {
        match &c.last_used {
            Some(used) => format!("{}, last used {}", c.status, date(used)),
            None => c.status.clone(),
        }
    }

    /// Certificate fingerprints are 64 hex digits; 12 identify one in a table. Secret
    /// fingerprints (`fp1:<12 hex>`) and the withheld marker are short already.
    pub(crate) fn short_fingerprint(fingerprint: &str) -> String {
        let hex = fingerprint.strip_prefix("sha256:").unwrap_or(fingerprint);
        let keep = fingerprint.len() - hex.len() + 12;
        match fingerprint.get(..keep) {
            Some(short) if hex.len() > 13 && hex.chars().all(|c| c.is_ascii_hexdigit()) => format!("{short}…"),
            _ => fingerprint.to_string(),
        }
    }
}

/// The credentials added and removed since the baseline, one message each (values in
/// backticks, for every format to cut with its own code spans).
pub(crate) fn credential_change_lines(report: &Report) -> Vec<String> {
    let Some(changes) = &report.credential_changes else { return Vec::new() };
    let line = |what: &str, c: &crate::report::CredentialSeen| {
        let kind = serde_json::to_value(c.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        format!("{what} since the baseline: {kind} `{}` in `{}`", c.identity, c.object)
    };
    let added = changes.added.iter().map(|c| line("added", c));
    added.chain(changes.removed.iter().map(|c| line("removed", c))).collect()
}

/// One line: control characters (newlines, escape sequences) become spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
pub(crate) mod sample {
    //! A small hand-made report with hostile values, shared by the renderers' unit tests.

    use crate::data::diagnostic::{Diagnostic, DiagnosticCode};
    use crate::inventory::credentials::{Credential, CredentialKind};
    use crate::inventory::mechanisms::{MechanismEvidence, MechanismStatus, State};
    use crate::report::*;

    pub(crate) fn object(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: "v1".to_string(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub(crate) fn finding(code: &str, severity: Severity, object: ObjectRef, line: u32, message: &str) -> Finding {
        Finding {
            code: code.to_string().into(),
            slug: format!("{}-slug", code.to_lowercase()).into(),
            severity,
            mechanism: Mechanism::ServiceAccountTokens,
            object: object.into(),
            source: Source { path: "dumps/prod cluster.yaml".into(), line }.into(),
            message: message.to_string(),
            evidence: vec![Evidence::secret("data.token", b"s3cr3t-Qm3Xr7pL2vK9sT4wYb8N")],
            remediation: "delete the Secret and use TokenRequest".into(),
            fix: None,
            docs: format!("docs/rules/{code}-{}-slug.md", code.to_lowercase()).into(),
            related: Vec::new(),
            references: crate::report::References::default(),
            id: String::new(),
            suppression: None,
            also_in: Vec::new(),
            baseline: None,
        }
    }

    /// Three findings (critical, high, low), one diagnostic, one not-assessable rule, inventories.
    pub(crate) fn report() -> Report {
        let secret = object("Secret", Some("team-a"), "ci-token");
        let crb = object("ClusterRoleBinding", None, "evil|<script>alert(1)</script>");
        let findings = vec![
            finding(
                "CC001",
                Severity::Critical,
                object("CertificateSigningRequest", None, "admin_*csr*"),
                40,
                "CSR asks for group `system:masters` and *bold*",
            ),
            finding("SA001", Severity::High, secret.clone(), 7, "legacy token Secret `team-a/ci-token` never expires"),
            finding("AN002", Severity::Low, crb, 12, "binding `a|b` grants <b>view</b> & more to `system:anonymous`"),
        ];
        let diagnostic = Diagnostic::new(
            "dumps/prod cluster.yaml",
            99,
            DiagnosticCode::YamlSyntax,
            "mapping values are not allowed here",
        );
        let mut summary = Summary { findings: 3, objects: 12, diagnostics: 1, ..Summary::default() };
        for sev in Severity::ALL {
            summary.by_severity.insert(sev, 0);
        }
        summary.by_severity.insert(Severity::Critical, 1);
        summary.by_severity.insert(Severity::High, 1);
        summary.by_severity.insert(Severity::Low, 1);
        summary.by_mechanism.insert(Mechanism::ServiceAccountTokens, 3);
        Report {
            tool: Tool { name: "authn-audit".to_string(), version: "0.1.0".to_string() },
            evaluated_at: "2025-11-28T12:00:00Z".to_string(),
            inputs: vec![InputSummary {
                path: "dumps/prod cluster.yaml".to_string(),
                status: InputStatus::Partial,
                bytes: 2048,
                documents: 13,
                objects: 12,
                diagnostics: vec![diagnostic],
            }],
            findings,
            not_assessable: vec![NotAssessable {
                code: "ST001".to_string(),
                slug: "token-auth-file".to_string(),
                reason: "control plane not visible".to_string(),
                add: vec!["the kube-apiserver static Pod".to_string()],
            }],
            mechanisms: vec![MechanismStatus {
                mechanism: Mechanism::ServiceAccountTokens,
                state: State::Enabled,
                evidence: vec![MechanismEvidence {
                    object: secret.clone(),
                    source: Source { path: "dumps/prod cluster.yaml".into(), line: 7 },
                    evidence: Evidence::plain("type", "kubernetes.io/service-account-token"),
                }],
                hint: None,
            }],
            credentials: vec![Credential {
                kind: CredentialKind::ServiceAccountToken,
                identity: "system:serviceaccount:team-a:ci".to_string(),
                groups: vec!["system:serviceaccounts".to_string()],
                issuer: None,
                not_before: Some("2024-01-01T00:00:00Z".to_string()),
                expires: None,
                last_used: None,
                status: "valid".to_string(),
                fingerprint: crate::util::fingerprint::of_secret(b"s3cr3t-Qm3Xr7pL2vK9sT4wYb8N"),
                object: secret,
                source: Source { path: "dumps/prod cluster.yaml".into(), line: 7 },
                path: "data.token".to_string(),
                usage: None,
            }],
            audit: None,
            summary,
            stale_suppressions: Vec::new(),
            fixed: Vec::new(),
            credential_changes: None,
            scope: None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::string_slice, reason = "tests")]
mod tests {
    use super::*;
    use crate::report::ExportScope;

    #[test]
    fn formats_round_trip_by_name() {
        for format in Format::ALL {
            assert_eq!(Format::parse(format.as_str()), Some(format));
        }
        assert_eq!(Format::parse("MD"), Some(Format::Markdown));
        assert_eq!(Format::parse("yaml"), None);
    }

    #[test]
    fn json_written_as_it_is_made_is_the_rendered_text() {
        let report = sample::report();
        let mut written = Vec::new();
        write_json(&report, &mut written).unwrap();
        let text = json(&report);
        assert!(text.starts_with("{\n  \"") && text.ends_with("}\n"), "{text}");
        assert_eq!(String::from_utf8(written).unwrap(), text);
    }

    #[test]
    fn credential_cells() {
        let mut c = sample::report().credentials.remove(0);
        assert_eq!(credential::validity(&c), "2024-01-01 → never");
        c.not_before = None;
        c.expires = Some("2027-06-01T09:00:00Z".to_string());
        c.last_used = Some("2025-11-27T10:00:00Z".to_string());
        assert_eq!(credential::validity(&c), "→ 2027-06-01");
        assert_eq!(credential::status(&c), "valid, last used 2025-11-27");
        let full = crate::util::sha256_hex(b"cert");
        assert_eq!(credential::short_fingerprint(&format!("sha256:{full}")), format!("sha256:{}…", &full[..12]));
        assert_eq!(credential::short_fingerprint("sha256:0123456789ab"), "sha256:0123456789ab");
        assert_eq!(credential::short_fingerprint(&full), format!("{}…", &full[..12]));
        let secret = crate::util::fingerprint::of_secret(b"s3cr3t-Qm3Xr7pL2vK9sT4wYb8N");
        assert_eq!(credential::short_fingerprint(&secret), secret);
        let withheld = crate::util::fingerprint::WITHHELD;
        assert_eq!(credential::short_fingerprint(withheld), withheld);
    }

    #[test]
    fn links_lead_inside_the_report_or_to_hosted_docs() {
        let inside = Links::default();
        assert_eq!(inside.rule("ST001", "docs/rules/ST001-token-auth-file.md"), "#rule-st001");
        assert_eq!(inside.hosted("docs/rules/X.md"), None);
        let hosted = Links { docs_base: Some("https://docs.corp.test/authn-audit/") };
        assert_eq!(hosted.rule("ST001", "docs/rules/X.md"), "https://docs.corp.test/authn-audit/rules/X.md");
        for format in Format::ALL {
            let out = render(&sample::report(), format, false);
            assert!(!out.contains("example.invalid"), "{}: links to a host that does not exist", format.as_str());
        }
    }

    #[test]
    fn a_partial_export_says_what_it_holds_in_every_format() {
        let mut scoped = sample::report();
        let total = scoped.findings.len();
        scoped.findings.retain(|f| f.severity == crate::data::severity::Severity::Critical);
        let filter = "severity `critical`".to_string();
        scoped.scope = Some(ExportScope { filter, view: "sev=critical".into(), shown: 1, total });
        assert_eq!(scoped.findings.len(), 1);
        for format in Format::ALL {
            let out = render(&scoped, format, false);
            let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
            let said = match format {
                Format::Json | Format::Sarif => {
                    flat.contains("\"shown\": 1") && flat.contains(&format!("\"total\": {total}"))
                }
                _ => flat.contains(&format!("filtered view: 1 of {total} findings")),
            };
            assert!(said, "{}: {out}", format.as_str());
            assert!(flat.contains("critical"), "{}: the filter is named", format.as_str());
        }
        let whole = render(&sample::report(), Format::Markdown, false);
        assert!(!whole.contains("filtered view"), "a whole report says nothing of a scope");
    }

    #[test]
    fn json_is_the_model_and_never_the_secret() {
        let report = sample::report();
        let out = json(&report);
        let back: Option<Report> = serde_json::from_str(&out).ok();
        assert!(out.contains("\"evaluatedAt\": \"2025-11-28T12:00:00Z\""));
        assert_eq!(back, Some(report));
        assert!(!out.contains("s3cr3t"));
    }
}
