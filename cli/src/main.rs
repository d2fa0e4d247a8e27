//! `authn-audit`: the command-line front end over policy-core. It reads files, stdin and the
//! clock, and decides about colour and exit codes; everything else is policy-core's.
//!
//! Installed or copied as `kubectl-authn_audit`, it is a kubectl plugin: `kubectl authn-audit scan …`.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use policy_core::render::{self, Format};
use policy_core::{InputFile, Settings, Severity, registry};
use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const EXIT_CODES: &str = "\
Exit status:
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on
  2  usage error, or an input that could not be read or parsed
     (the report is still written for everything that could be read)";

/// The plugin's file name; kubectl maps `kubectl authn-audit` to it.
const KUBECTL_PLUGIN: &str = "kubectl-authn_audit";

/// Kubernetes authentication-hardening audit of cluster dumps.
#[derive(Debug, Parser)]
#[command(name = "authn-audit", version, after_help = EXIT_CODES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse dumps (`kubectl get … -o yaml|json`, kubeconfigs, manifests) and report findings.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// List every rule: code, severity, scope, mechanism, slug and title.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Files or directories to scan (directories: every .yaml, .yml, .json and .csv below);
    /// `-` reads standard input.
    #[arg(value_name = "PATH|-", required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Evaluation instant for expiry and age checks (RFC 3339, e.g. 2025-11-28T12:00:00Z);
    /// default: now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<OffsetDateTime>,
    /// Run only these rule codes or families, comma-separated (e.g. `SA,CC001`).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rule codes or families, comma-separated.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::High)]
    fail_on: FailOn,
    /// Settings as JSON (select, ignore, severityOverrides, lifetimes, limits…); flags win.
    #[arg(long, value_name = "FILE.json")]
    settings: Option<PathBuf>,
    /// Colour the text format: auto = when writing to a terminal and NO_COLOR is not set.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Debug, Args)]
struct RulesArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    format: ListFormat,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// A rule code (`ST001`) or slug (`token-auth-file`).
    code: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Sarif,
    Markdown,
    Html,
}

impl From<OutputFormat> for Format {
    fn from(format: OutputFormat) -> Self {
        match format {
            OutputFormat::Text => Format::Text,
            OutputFormat::Json => Format::Json,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Markdown => Format::Markdown,
            OutputFormat::Html => Format::Html,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    /// Always exit 0 when the inputs could be read.
    Never,
}

impl FailOn {
    fn severity(self) -> Option<Severity> {
        match self {
            Self::Info => Some(Severity::Info),
            Self::Low => Some(Severity::Low),
            Self::Medium => Some(Severity::Medium),
            Self::High => Some(Severity::High),
            Self::Critical => Some(Severity::Critical),
            Self::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

fn parse_now(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| format!("not an RFC 3339 instant ({e})"))
}

/// A usage or input problem: printed on stderr, exit 2.
struct Fatal(String);

fn main() -> ExitCode {
    run(std::env::args_os().collect())
}

fn run(args: Vec<OsString>) -> ExitCode {
    let as_plugin = args
        .first()
        .and_then(|argv0| Path::new(argv0).file_stem())
        .is_some_and(|stem| stem.to_string_lossy() == KUBECTL_PLUGIN);
    let mut command = Cli::command();
    if as_plugin {
        command = command.name(KUBECTL_PLUGIN).bin_name("kubectl authn-audit");
    }
    let cli = match command.try_get_matches_from(args).and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => e.exit(), // usage errors exit 2, --help and --version 0
    };
    let result = match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Rules(args) => rules(&args),
        Command::Explain(args) => explain(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fatal(message)) => {
            eprintln!("authn-audit: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn scan(args: &ScanArgs) -> Result<u8, Fatal> {
    let mut settings = match &args.settings {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Fatal(format!("{}: cannot read settings: {e}", path.display())))?;
            serde_json::from_str::<Settings>(&text)
                .map_err(|e| Fatal(format!("{}:{}: invalid settings: {e}", path.display(), e.line())))?
        }
        None => Settings::default(),
    };
    if !args.select.is_empty() {
        settings.select = args.select.iter().map(|s| s.trim().to_string()).collect();
    }
    settings.ignore.extend(args.ignore.iter().map(|s| s.trim().to_string()));
    if let Some(now) = args.now {
        settings.now = Some(now);
    }
    if settings.now.is_none() {
        settings.now = Some(OffsetDateTime::now_utc());
    }
    let unknown = settings.unknown_selectors();
    if !unknown.is_empty() {
        return Err(Fatal(format!("unknown rule code or family `{}` (see `authn-audit rules`)", unknown.join("`, `"))));
    }

    let (files, read_errors) = read_inputs(&args.paths, settings.limits.max_total_bytes);
    for error in &read_errors {
        eprintln!("{error}");
    }
    let inputs: Vec<InputFile<'_>> =
        files.iter().map(|(name, bytes)| InputFile { name: name.as_str(), bytes: bytes.as_slice() }).collect();
    let report = policy_core::analyze(&inputs, &settings);

    let mut input_errors = 0;
    for diagnostic in report.inputs.iter().flat_map(|i| &i.diagnostics) {
        eprintln!("{diagnostic}");
        if diagnostic.level == policy_core::input::Level::Error {
            input_errors += 1;
        }
    }

    let color = match args.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let rendered = render::render(&report, args.format.into(), color);
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| Fatal(format!("{}: cannot write the report: {e}", path.display())))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = stdout.write_all(rendered.as_bytes()).and_then(|()| stdout.flush());
        }
    }

    if !read_errors.is_empty() || input_errors > 0 {
        return Ok(2);
    }
    let failing = args.fail_on.severity().is_some_and(|sev| report.at_least(sev).next().is_some());
    Ok(u8::from(failing))
}

/// Read every path: files as given, directories walked (sorted, symlinked directories not
/// followed), `-` from stdin. Returns `(name, bytes)` pairs and one located error per failure.
fn read_inputs(paths: &[PathBuf], max_total: u64) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut total: u64 = 0;
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            match std::io::stdin().lock().take(max_total.saturating_add(1)).read_to_end(&mut bytes) {
                Ok(_) => files.push(("-".to_string(), bytes)),
                Err(e) => errors.push(format!("-: read-error: cannot read standard input: {e}")),
            }
            continue;
        }
        let mut found = Vec::new();
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                walk(path, &mut found, &mut errors);
                if found.is_empty() {
                    errors.push(format!(
                        "{}: read-error: no .yaml, .yml, .json or .csv file in this directory",
                        path.display()
                    ));
                }
            }
            Ok(_) => found.push(path.clone()),
            Err(e) => errors.push(format!("{}: read-error: {e}", path.display())),
        }
        for file in found {
            let name = file.display().to_string();
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            total = total.saturating_add(size);
            if total > max_total {
                errors.push(format!(
                    "{name}: read-error: inputs exceed the {max_total}-byte limit (limits.maxTotalBytes)"
                ));
                continue;
            }
            match std::fs::read(&file) {
                Ok(bytes) => files.push((name, bytes)),
                Err(e) => errors.push(format!("{name}: read-error: {e}")),
            }
        }
    }
    (files, errors)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(format!("{}: read-error: {e}", dir.display()));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            walk(&path, found, errors);
        } else if is_dump(&path) && (meta.is_file() || path.is_file()) {
            found.push(path);
        }
    }
}

fn is_dump(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yaml", "yml", "json", "csv"].iter().any(|ok| e.eq_ignore_ascii_case(ok)))
}

/// One catalogue entry as `authn-audit rules --format json` prints it.
#[derive(serde::Serialize)]
struct RuleEntry {
    code: &'static str,
    slug: &'static str,
    title: String,
    severity: Severity,
    mechanism: policy_core::report::Mechanism,
    scope: policy_core::rule::Scope,
    status: policy_core::rule::RuleStatus,
    docs: String,
}

fn rules(args: &RulesArgs) -> Result<u8, Fatal> {
    let metas: Vec<_> = registry::ALL.iter().map(|r| r.meta()).collect();
    let out = match args.format {
        ListFormat::Json => {
            let entries: Vec<RuleEntry> = metas
                .iter()
                .map(|m| RuleEntry {
                    code: m.code,
                    slug: m.slug,
                    title: m.title(),
                    severity: m.severity,
                    mechanism: m.mechanism,
                    scope: m.scope,
                    status: m.status,
                    docs: m.docs_path(),
                })
                .collect();
            let mut json = serde_json::to_string_pretty(&entries).map_err(|e| Fatal(e.to_string()))?;
            json.push('\n');
            json
        }
        ListFormat::Text => {
            let slug_width = metas.iter().map(|m| m.slug.len()).max().unwrap_or(4).max(4);
            let mut out = format!(
                "{:<6} {:<8} {:<5} {:<22} {:<slug_width$} TITLE\n",
                "CODE", "SEVERITY", "SCOPE", "MECHANISM", "SLUG"
            );
            for m in &metas {
                let scope = if m.admits() { "admit" } else { "audit" };
                out.push_str(&format!(
                    "{:<6} {:<8} {:<5} {:<22} {:<slug_width$} {}\n",
                    m.code,
                    m.severity.as_str(),
                    scope,
                    m.mechanism.as_str(),
                    m.slug,
                    m.title()
                ));
            }
            out
        }
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(0)
}

fn explain(args: &ExplainArgs) -> Result<u8, Fatal> {
    let wanted = args.code.trim();
    if let Some((code, why, replacement)) = registry::RETIRED.iter().find(|(c, ..)| c.eq_ignore_ascii_case(wanted)) {
        let instead = replacement.map(|r| format!("; see {r}")).unwrap_or_default();
        return Err(Fatal(format!("rule {code} was retired: {why}{instead}")));
    }
    let rule = registry::find(wanted)
        .or_else(|| registry::ALL.iter().copied().find(|r| r.meta().slug.eq_ignore_ascii_case(wanted)))
        .ok_or_else(|| Fatal(format!("unknown rule `{wanted}` (see `authn-audit rules`)")))?;
    let m = rule.meta();
    let (stage, since) = match m.status {
        policy_core::rule::RuleStatus::Preview(v) => ("preview", v),
        policy_core::rule::RuleStatus::Stable(v) => ("stable", v),
    };
    let scope = if m.admits() { "audit and admission" } else { "audit" };
    let out = format!(
        "# {} {}\n\nSeverity: {} · Mechanism: {} · Scope: {scope} · Status: {stage} since {since}\nDocs: {}\n\n{}\n",
        m.code,
        m.slug,
        m.severity,
        m.mechanism.label(),
        m.docs_path(),
        m.markdown().trim_end()
    );
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(0)
}
