//! `authn-audit`: the command-line front end over policy-core. It reads files, stdin and the
//! clock, and decides about colour and exit codes; everything else is policy-core's.
//!
//! Installed or copied as `kubectl-authn_audit`, it is a kubectl plugin: `kubectl authn-audit scan …`.

mod audit_logs;
mod cluster;
mod config;
mod junit;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use policy_core::input::DiagnosticCode;
use policy_core::render::{self, Format};
use policy_core::report::{InputStatus, InputSummary, NO_OBJECTS};
use policy_core::{InputFile, Limits, Severity, registry};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::fs::File;
use std::io::{ErrorKind, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A scan allocates and frees millions of small blocks (the tree, the indexes, the findings):
/// mimalloc's per-size pages make that cheaper than glibc's malloc, whose free lists and
/// consolidation were a fifth of a 100k-object scan's CPU, and than musl's in the static binary.
/// Version 2 (`v2`) keeps the peak RSS lowest; `no_thp` because asking for transparent huge pages
/// cost more system time than it saved. Only this binary: the library, the viewer and the wasm
/// modules keep their targets' allocators (figures in docs/benchmarks.md, "Loader and scan").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[expect(unsafe_code, reason = "a call into the linked allocator, which has no safe binding for it")]
mod allocator {
    unsafe extern "C" {
        /// mimalloc's own (`mimalloc.h`): purge the memory freed so far, now when `force`.
        fn mi_collect(force: bool);
    }

    /// Hand the memory just freed back to the system. mimalloc returns freed pages some
    /// milliseconds after the last free in their segment and only when that segment is used
    /// again; the pages of the tree freed after the rules stayed resident while the input was
    /// read again to place findings (peak RSS 3.1x a 100k-object JSON dump's bytes instead of
    /// 2.3x). Called at the two points where a scan has just freed most of its memory, it costs
    /// nothing between them (purging on every free instead, mimalloc's `purge_delay=0`, cost
    /// 0.1-0.2 s of system time per 100k objects).
    pub(super) fn give_back_freed_memory() {
        // SAFETY: `mi_collect` takes no pointer and may be called at any time from any thread.
        unsafe { mi_collect(true) }
    }
}

const EXIT_CODES: &str = "\
Exit status:
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on
  2  usage error, or an input that could not be read or parsed: missing, unreadable,
     over the size limit, cut short, or holding no Kubernetes object
     (the report is still written for everything that could be read, and lists the rest)";

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
    Scan(Box<ScanArgs>),
    /// List every rule: code, severity, scope, mechanism, slug and title.
    Rules(RulesArgs),
    /// Show a rule's documentation.
    Explain(ExplainArgs),
    /// Print a shell completion script: `authn-audit completions bash > /etc/bash_completion.d/authn-audit`.
    Completions(CompletionsArgs),
    /// Print a man page (roff): the tool's, or a subcommand's; `cargo xtask man` writes them to docs/man/.
    #[command(hide = true)]
    Man(ManArgs),
}

#[derive(Debug, Args)]
struct ManArgs {
    /// The subcommand (`scan`, `rules`, `explain`, `completions`); none: the tool's page.
    subcommand: Option<String>,
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
struct ScanArgs {
    /// Files or directories to scan (directories: every .yaml, .yml, .json and .csv below, and
    /// any other file whose content is Kubernetes YAML/JSON, a kubeconfig or a token CSV;
    /// hidden directories skipped); `-` reads standard input.
    #[arg(value_name = "PATH|-", required_unless_present = "cluster")]
    paths: Vec<PathBuf>,
    /// Scan the live cluster: `kubectl get` of every resource the rules read, held in memory
    /// only (nothing is written to disk); PATHs given too are scanned with it.
    #[arg(long)]
    cluster: bool,
    /// The kubeconfig context to scan (kubectl's `--context`); default: the current one.
    #[arg(long, value_name = "NAME", requires = "cluster")]
    context: Option<String>,
    /// The kubeconfig kubectl reads (kubectl's `--kubeconfig`); default: kubectl's own choice.
    #[arg(long, value_name = "FILE", requires = "cluster")]
    kubeconfig: Option<PathBuf>,
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
    /// Exit 1 when a finding that counts (not suppressed; with --baseline, new) is at or above
    /// this severity [default: high, or the config file's `failOn`].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Settings file, YAML or JSON, in the config file's language; flags win.
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// Config file (YAML or JSON: settings, `suppressions`, `failOn`…) [default:
    /// `.authn-audit.yaml` in the working directory or the repository root].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Read no config file, not even `.authn-audit.yaml`.
    #[arg(long)]
    no_config: bool,
    /// A previous `--format json` report: each finding is marked new or unchanged, the gone
    /// ones fixed, and --fail-on applies to new findings only.
    #[arg(long, value_name = "OLD.json")]
    baseline: Option<PathBuf>,
    /// Report only objects in these namespaces (repeatable, globs: `team-*`); cluster-scoped
    /// objects are always reported.
    #[arg(long = "namespace", short = 'n', value_name = "GLOB")]
    namespaces: Vec<String>,
    /// Point rule links at docs a team hosts: `BASE/rules/CODE-slug.md` (the repository's `docs/`
    /// published at BASE); without it, Markdown and HTML reports link to the rule docs they carry.
    #[arg(long, value_name = "BASE")]
    docs_url: Option<String>,
    /// Show info findings in the text report too.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Show only findings at or above this severity (every format; all are still analysed,
    /// counted and judged by --fail-on) [default: the config file's `minSeverity`].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    min_severity: Option<ShownSeverity>,
    /// Never report objects in these namespaces (repeatable, globs).
    #[arg(long = "exclude-namespace", value_name = "GLOB")]
    exclude_namespaces: Vec<String>,
    /// Colour the text format: auto = when writing to a terminal and NO_COLOR is not set.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    /// Read at most this many bytes over all inputs; an input past it is skipped and reported
    /// [default: 2 GiB (a 300k-object dump is about 1 GB), or the settings' `limits.maxTotalBytes`].
    /// A scan needs up to 3.5× its input's bytes of memory for YAML, 2.3× for JSON: a 1M-object
    /// dump (~3.5 GB) with `--max-input-bytes 4294967296` takes up to about 12 GiB.
    #[arg(long, value_name = "BYTES")]
    max_input_bytes: Option<u64>,
    /// How long to wait for a writer to open a named pipe (FIFO) given as input; then it is
    /// reported unreadable and the other inputs are still analysed.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pipe_timeout: u64,
    /// Report progress through audit logs on stderr even when it is no terminal (on a terminal
    /// it is shown anyway for logs over 64 MiB): every 64 MiB, and the bytes and events of each log.
    #[arg(long)]
    progress: bool,
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
    /// JUnit XML, for GitLab, Jenkins and other CI test reports.
    Junit,
}

impl OutputFormat {
    /// The policy-core renderer of this format; `None` for the one the CLI renders itself.
    fn core(self) -> Option<Format> {
        match self {
            OutputFormat::Text => Some(Format::Text),
            OutputFormat::Json => Some(Format::Json),
            OutputFormat::Sarif => Some(Format::Sarif),
            OutputFormat::Markdown => Some(Format::Markdown),
            OutputFormat::Html => Some(Format::Html),
            OutputFormat::Junit => None,
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
enum ShownSeverity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<ShownSeverity> for Severity {
    fn from(shown: ShownSeverity) -> Self {
        match shown {
            ShownSeverity::Info => Severity::Info,
            ShownSeverity::Low => Severity::Low,
            ShownSeverity::Medium => Severity::Medium,
            ShownSeverity::High => Severity::High,
            ShownSeverity::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// A `--now` that is no instant.
#[derive(Debug, thiserror::Error)]
#[error("not an RFC 3339 instant ({0})")]
struct NotAnInstant(#[from] time::error::Parse);

fn parse_now(text: &str) -> Result<OffsetDateTime, NotAnInstant> {
    Ok(OffsetDateTime::parse(text, &Rfc3339)?)
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
        Command::Completions(args) => completions(&args, as_plugin),
        Command::Man(args) => man(&args),
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
    let timeout = Duration::from_secs(args.pipe_timeout);
    let config_path = match (&args.config, args.no_config) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => None,
        (None, false) => std::env::current_dir().ok().and_then(|cwd| config::discover(&cwd)),
    };
    // The config file first, then a settings file over it, then the flags.
    let mut file_config = match &config_path {
        Some(path) => load_config(path, timeout)?,
        None => config::Config::default(),
    };
    if let Some(path) = &args.settings {
        let over = load_config(path, timeout)?;
        file_config.settings = over.settings;
        file_config.fail_on = over.fail_on.or(file_config.fail_on);
        file_config.min_severity = over.min_severity.or(file_config.min_severity);
        file_config.chose_input_cap = over.chose_input_cap;
    }
    let fail_on = match (args.fail_on, &file_config.fail_on) {
        (Some(flag), _) => flag,
        (None, Some(name)) => FailOn::from_str(name, true).map_err(|_| {
            Fatal(format!("`failOn: {name}` is no severity (info, low, medium, high, critical, never)"))
        })?,
        (None, None) => FailOn::High,
    };
    let min_severity: Option<Severity> = match (args.min_severity, &file_config.min_severity) {
        (Some(flag), _) => Some(flag.into()),
        (None, Some(name)) => Some(Severity::parse(name).ok_or_else(|| {
            Fatal(format!("`minSeverity: {name}` is no severity (info, low, medium, high, critical)"))
        })?),
        (None, None) => None,
    };
    let mut settings = file_config.settings;
    // The library's default suits the browser; from the command line a real 300k-object dump
    // must scan as it is. Settings that chose a cap keep it, and the flag wins over both.
    if !file_config.chose_input_cap {
        settings.limits.max_total_bytes = DEFAULT_MAX_INPUT_BYTES;
    }
    if let Some(bytes) = args.max_input_bytes {
        settings.limits.max_total_bytes = bytes;
    }
    settings.namespaces.extend(args.namespaces.iter().map(|s| s.trim().to_string()));
    settings.exclude_namespaces.extend(args.exclude_namespaces.iter().map(|s| s.trim().to_string()));
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
    let unknown = policy_core::registry::unknown_selectors(&settings);
    if !unknown.is_empty() {
        return Err(Fatal(format!("unknown rule code or family `{}` (see `authn-audit rules`)", unknown.join("`, `"))));
    }

    let streamed = audit_logs::stream(&args.paths, args.progress);
    let (audit, paths) = (streamed.log, streamed.rest);
    let mut read = read_inputs(&paths, &streamed.files, &settings.limits, Duration::from_secs(args.pipe_timeout));
    if args.cluster {
        let target = cluster::Target { kubeconfig: args.kubeconfig.clone(), context: args.context.clone() };
        let used: u64 = read.files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
        let live = cluster::read(&target, settings.limits.max_total_bytes.saturating_sub(used), &settings.limits)
            .map_err(|e| Fatal(e.to_string()))?;
        read.files.extend(live.files);
        read.unread.extend(live.unread);
    }
    let inputs: Vec<InputFile<'_>> =
        read.files.iter().map(|(name, bytes)| InputFile { name: name.as_str(), bytes: bytes.as_slice() }).collect();
    let loaded = policy_core::Analysis::load(&inputs, &read.unread, audit, &settings, &mut |_| {});
    drop(inputs);
    // The bytes of a file on disk (as big as the dump) are freed while the rules run, and the
    // file is read again to place the findings; what cannot be read again (standard input, a
    // pipe, the live cluster's objects) is kept.
    let held: Vec<(String, Held)> = read
        .files
        .into_iter()
        .map(|(name, bytes)| match read.again.remove(&name) {
            Some(path) => (name, Held::Again { path, len: bytes.len() as u64 }),
            None => (name, Held::Kept(bytes)),
        })
        .collect();
    allocator::give_back_freed_memory();
    // Asked for once the rules have run and the tree is freed: hand that back first.
    let mut tree_given_back = false;
    let mut report = loaded.finish(
        &mut |name| {
            if !std::mem::replace(&mut tree_given_back, true) {
                allocator::give_back_freed_memory();
            }
            match &held.iter().rev().find(|(n, _)| n == name)?.1 {
                Held::Again { path, len } => read_again(path, *len).map(Cow::Owned),
                Held::Kept(bytes) => Some(Cow::Borrowed(bytes.as_slice())),
            }
        },
        &mut |_| {},
    );
    // The report holds everything it needs: no input's bytes sit beside it while it is written.
    drop(held);
    if let Some(path) = &args.baseline {
        let bytes = read_bounded(path, settings.limits.max_total_bytes, timeout).map_err(|problem| {
            Fatal(format!("{}: cannot read the baseline: {}", path.display(), unread_reason(problem)))
        })?;
        policy_core::report::baseline::compare(&mut report, &bytes)
            .map_err(|why| Fatal(format!("{}: not a baseline: {why}", path.display())))?;
    }
    for stale in &report.stale_suppressions {
        let file = config_path.as_ref().map_or("settings".to_string(), |p| p.display().to_string());
        eprintln!(
            "{file}: warning: stale-suppression: `{}` for `{}` matches no finding: fix or remove it",
            stale.origin, stale.rule
        );
    }

    // Every problem on stderr too, located: unread inputs, diagnostics, inputs with no object.
    for input in &report.inputs {
        for diagnostic in &input.diagnostics {
            eprintln!("{diagnostic}");
        }
        if input.status == InputStatus::NoObjects && !input.has_errors() {
            eprintln!("{}: no-objects: {NO_OBJECTS}", input.path);
        }
    }
    if report.summary.objects == 0 {
        eprintln!("authn-audit: error: no Kubernetes object could be read from the inputs, so nothing was analysed");
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
    // Judged before anything is hidden: --min-severity changes what is shown, not the verdict.
    let failing = fail_on.severity().is_some_and(|sev| report.failing(sev).next().is_some());
    let rendered = match args.format {
        OutputFormat::Text => render::text_with(
            &report,
            render::TextOptions { color, width: terminal_width(), verbose: args.verbose, min_severity },
        ),
        OutputFormat::Junit => {
            let rules: Vec<(&str, &str)> = registry::ALL
                .iter()
                .map(|r| r.meta())
                .filter(|m| settings.enables(m))
                .map(|m| (m.code, m.slug))
                .collect();
            if let Some(min) = min_severity {
                report.findings.retain(|f| f.severity >= min);
            }
            junit::junit(&report, &rules)
        }
        format => {
            if let Some(min) = min_severity {
                report.findings.retain(|f| f.severity >= min);
            }
            let links = render::Links { docs_base: args.docs_url.as_deref() };
            match format.core() {
                // Written as it is made (below): never the whole text beside the report.
                Some(Format::Json) | None => String::new(),
                Some(core) => render::render_with(&report, core, color, links),
            }
        }
    };
    write_report(args.output.as_deref(), &mut |out| match args.format {
        OutputFormat::Json => render::write_json(&report, out),
        _ => out.write_all(rendered.as_bytes()),
    })?;

    // Anything not analysed whole (skipped, unreadable, cut short, no object) is never a pass.
    let code = if report.is_complete() { u8::from(failing) } else { 2 };
    // The process ends next, and the system takes its memory back at once: freeing a big
    // report's findings one by one first (125k at 100k objects) cost 1-2 % of the scan. Only here,
    // on the way out of the command line; the library frees what it makes.
    std::mem::forget(report);
    Ok(code)
}

/// The width text is wrapped to: `COLUMNS` when the shell exports it, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()).filter(|w| *w > 0).unwrap_or(100)
}

/// Read and parse a config or settings file, YAML or JSON.
fn load_config(path: &Path, timeout: Duration) -> Result<config::Config, Fatal> {
    let bytes = read_bounded(path, MAX_SETTINGS_BYTES, timeout)
        .map_err(|problem| Fatal(format!("{}: cannot read settings: {}", path.display(), unread_reason(problem))))?;
    let text =
        String::from_utf8(bytes).map_err(|_| Fatal(format!("{}: invalid settings: not UTF-8 text", path.display())))?;
    config::parse(&text).map_err(|(line, why)| {
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        Fatal(format!("{}{at}: invalid settings: {why}", path.display()))
    })
}

fn unread_reason(problem: Unread) -> String {
    match problem {
        Unread::Failed(_, message) => message,
        Unread::TooLarge { bytes, .. } => format!("more than {} bytes", bytes.saturating_sub(1)),
    }
}

/// What the command line reads over all inputs unless told otherwise (`--max-input-bytes`,
/// `limits.maxTotalBytes`): 2 GiB, twice a 300k-object dump with kubectl's `managedFields`.
const DEFAULT_MAX_INPUT_BYTES: u64 = 2 << 30;

/// The settings file is a few hundred bytes; this is only a guard against a device or a pipe.
const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// After this long, a named pipe with no writer yet gets a word on stderr.
const PIPE_NOTICE_AFTER: Duration = Duration::from_secs(1);

/// What reading the command line's paths gave: the inputs read, and one report entry per input
/// that could not be (missing, unreadable, over the size limit, a pipe nobody wrote to).
struct ReadInputs {
    files: Vec<(String, Vec<u8>)>,
    unread: Vec<InputSummary>,
    /// The inputs read from a regular file, by name: they can be read again.
    again: HashMap<String, PathBuf>,
}

/// How an input's bytes are had again to place findings after the rules.
enum Held {
    /// Read again from its file, which then held `len` bytes.
    Again { path: PathBuf, len: u64 },
    /// Kept through the analysis: it cannot be read again.
    Kept(Vec<u8>),
}

/// A regular file read again, as long as it was the first time or shorter (the engine checks
/// it holds the same bytes): `None` when it cannot be.
fn read_again(path: &Path, len: u64) -> Option<Vec<u8>> {
    // A file replaced by a named pipe would block the open.
    std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file)?;
    take_at_most(File::open(path).ok()?, len, len).ok().flatten()
}

/// Why one input could not be read.
enum Unread {
    /// An I/O error, or a pipe that no writer opened (`code`, one-line message).
    Failed(DiagnosticCode, String),
    /// More bytes than the budget left: its size when known, else the bytes seen.
    TooLarge { bytes: u64, size_known: bool },
}

/// Read every path: files as given, directories walked (sorted, symlinked directories not
/// followed), `-` from stdin, each through a reader bounded by what is left of
/// `limits.maxTotalBytes`: a device or a pipe that never ends is cut at the budget and skipped,
/// and an input that does not fit costs nothing, so the ones after it are still read. Inputs are
/// read in order of their names, as policy-core loads them, so the budget goes to the same
/// inputs whatever the order given.
/// Read every input but the audit logs already streamed (`streamed`, skipped in directories).
fn read_inputs(paths: &[PathBuf], streamed: &BTreeSet<PathBuf>, limits: &Limits, pipe_timeout: Duration) -> ReadInputs {
    let mut read = ReadInputs { files: Vec::new(), unread: Vec::new(), again: HashMap::new() };
    let mut found: Vec<(String, Option<PathBuf>)> = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            found.push(("-".to_string(), None));
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let before = found.len();
                walk(path, streamed, &mut found, &mut read.unread);
                if found.len() == before && !streamed.iter().any(|log| log.starts_with(path)) {
                    let message = "no dump in this directory (no .yaml, .yml, .json or .csv file, nor one whose content is Kubernetes YAML, JSON, a kubeconfig or a token file)";
                    read.unread.push(InputSummary::unreadable(
                        &path.display().to_string(),
                        DiagnosticCode::ReadError,
                        message,
                    ));
                }
            }
            Ok(_) => found.push((path.display().to_string(), Some(path.clone()))),
            Err(e) => read.unread.push(InputSummary::unreadable(
                &path.display().to_string(),
                DiagnosticCode::ReadError,
                reason(&e),
            )),
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));

    let mut remaining = limits.max_total_bytes;
    for (name, path) in found {
        let bytes = match &path {
            Some(path) => read_bounded(path, remaining, pipe_timeout),
            None => read_stdin(remaining),
        };
        match bytes {
            Ok(bytes) => {
                remaining = remaining.saturating_sub(bytes.len() as u64);
                if let Some(path) = path.filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file())) {
                    read.again.insert(name.clone(), path);
                }
                read.files.push((name, bytes));
            }
            Err(Unread::TooLarge { bytes, size_known }) => {
                read.unread.push(InputSummary::too_large(&name, bytes, size_known, remaining, limits));
            }
            Err(Unread::Failed(code, message)) => read.unread.push(InputSummary::unreadable(&name, code, message)),
        }
    }
    read
}

/// A file, device or named pipe, at most `limit` bytes of it.
fn read_bounded(path: &Path, limit: u64, pipe_timeout: Duration) -> Result<Vec<u8>, Unread> {
    let failed = |e: std::io::Error| Unread::Failed(DiagnosticCode::ReadError, reason(&e));
    let meta = std::fs::metadata(path).map_err(failed)?;
    // A regular file says its size: one too large is skipped without reading a byte.
    let size_hint = if meta.is_file() { meta.len() } else { 0 };
    if size_hint > limit {
        return Err(Unread::TooLarge { bytes: size_hint, size_known: true });
    }
    let file = if is_fifo(&meta) { open_pipe(path, pipe_timeout)? } else { File::open(path).map_err(failed)? };
    take_at_most(file, limit, size_hint).map_err(failed)?.ok_or(Unread::TooLarge {
        bytes: limit.saturating_add(1),
        // A regular file that grew past its stated size is as unknown as a device.
        size_known: false,
    })
}

fn read_stdin(limit: u64) -> Result<Vec<u8>, Unread> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("authn-audit: reading the dump from standard input (end it with Ctrl-D)");
    }
    match take_at_most(stdin.lock(), limit, 0) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(Unread::TooLarge { bytes: limit.saturating_add(1), size_known: false }),
        Err(e) => Err(Unread::Failed(DiagnosticCode::ReadError, format!("cannot read standard input: {}", reason(&e)))),
    }
}

/// Read to the end, but never more than `limit + 1` bytes: `None` when there were more than
/// `limit`. `size_hint` (a regular file's length) sizes the buffer once.
fn take_at_most(reader: impl Read, limit: u64, size_hint: u64) -> std::io::Result<Option<Vec<u8>>> {
    let capacity = usize::try_from(size_hint.min(limit)).unwrap_or(0).saturating_add(1);
    let mut bytes = Vec::with_capacity(capacity);
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Open a named pipe for reading. Opening blocks until a writer opens the other end, so it
/// happens on a helper thread: after a second without one, say so on stderr; after
/// `timeout`, give up on this input (the thread, still blocked, ends with the process).
fn open_pipe(path: &Path, timeout: Duration) -> Result<File, Unread> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let owned = path.to_path_buf();
    std::thread::spawn(move || {
        let _ = sender.send(File::open(&owned));
    });
    let opened = match receiver.recv_timeout(PIPE_NOTICE_AFTER.min(timeout)) {
        Ok(opened) => opened,
        Err(_) => {
            eprintln!(
                "authn-audit: waiting for a writer on named pipe `{}` (giving up after {} s, see --pipe-timeout)",
                path.display(),
                timeout.as_secs()
            );
            receiver.recv_timeout(timeout.saturating_sub(PIPE_NOTICE_AFTER)).map_err(|_| {
                let message =
                    format!("no writer opened this named pipe within {} s (see --pipe-timeout)", timeout.as_secs());
                Unread::Failed(DiagnosticCode::ReadTimeout, message)
            })?
        }
    };
    opened.map_err(|e| Unread::Failed(DiagnosticCode::ReadError, reason(&e)))
}

#[cfg(unix)]
fn is_fifo(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_fifo(_: &std::fs::Metadata) -> bool {
    false
}

/// An I/O error as a message in our style: `no such file or directory`, not
/// `No such file or directory (os error 2)`.
fn reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

/// Write to stdout. A closed pipe (`| head`) has all it wanted and is no error; anything else
/// (a full disk, `> /dev/full`) is: the report did not reach its reader.
fn write_stdout(text: &str) -> Result<(), Fatal> {
    write_report(None, &mut |out| out.write_all(text.as_bytes()))
}

/// Write a report to `path`, or to standard output (where a reader that went away, as `| head`
/// does, is no error), through a buffer.
fn write_report(
    path: Option<&Path>,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Fatal> {
    match path {
        Some(path) => File::create(path)
            .and_then(|file| {
                let mut out = std::io::BufWriter::new(file);
                write(&mut out).and_then(|()| out.flush())
            })
            .map_err(|e| Fatal(format!("{}: cannot write the report: {}", path.display(), reason(&e)))),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() != ErrorKind::BrokenPipe => {
                    Err(Fatal(format!("cannot write to standard output: {}", reason(&e))))
                }
                _ => Ok(()),
            }
        }
    }
}

fn walk(
    dir: &Path,
    streamed: &BTreeSet<PathBuf>,
    found: &mut Vec<(String, Option<PathBuf>)>,
    unread: &mut Vec<InputSummary>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            unread.push(InputSummary::unreadable(&dir.display().to_string(), DiagnosticCode::ReadError, reason(&e)));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            // `.git` and other hidden trees hold no dump, and sniffing them would cost a read each.
            if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                walk(&path, streamed, found, unread);
            }
        } else if (meta.is_file() || path.is_file()) && !streamed.contains(&path) && worth_reading(&path) {
            found.push((path.display().to_string(), Some(path)));
        }
    }
}

/// How much of a file without a dump's extension is read to judge its content.
const SNIFF_BYTES: u64 = 8 << 10;

/// A dump by extension, or a file whose first bytes show Kubernetes content (a kubeconfig named
/// `config` or `admin.conf`, a dump or token file without an extension).
fn worth_reading(path: &Path) -> bool {
    let name = path.display().to_string();
    if policy_core::input::worth_reading(&name, b"") {
        return true;
    }
    let mut head = Vec::new();
    File::open(path).and_then(|f| f.take(SNIFF_BYTES).read_to_end(&mut head)).is_ok()
        && policy_core::input::worth_reading(&name, &head)
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
                    docs: m.docs_path().to_string(),
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
            // Titles wrap under their column, within the terminal's width.
            let indent = 6 + 1 + 8 + 1 + 5 + 1 + 22 + 1 + slug_width + 1;
            let title_width = terminal_width().saturating_sub(indent).max(30);
            for m in &metas {
                let scope = if m.admits() { "admit" } else { "audit" };
                let mut lines = wrap(&m.title(), title_width).into_iter();
                out.push_str(&format!(
                    "{:<6} {:<8} {:<5} {:<22} {:<slug_width$} {}\n",
                    m.code,
                    m.severity.as_str(),
                    scope,
                    m.mechanism.as_str(),
                    m.slug,
                    lines.next().unwrap_or_default()
                ));
                for line in lines {
                    out.push_str(&format!("{:indent$}{line}\n", ""));
                }
            }
            out
        }
    };
    write_stdout(&out)?;
    Ok(0)
}

fn completions(args: &CompletionsArgs, as_plugin: bool) -> Result<u8, Fatal> {
    let mut command = Cli::command();
    let name = if as_plugin { KUBECTL_PLUGIN } else { "authn-audit" };
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    write_stdout(&String::from_utf8_lossy(&script))?;
    Ok(0)
}

fn man(args: &ManArgs) -> Result<u8, Fatal> {
    let mut command = Cli::command();
    command.build();
    if let Some(name) = &args.subcommand {
        let sub = command
            .find_subcommand(name)
            .filter(|s| !s.is_hide_set())
            .cloned()
            .ok_or_else(|| Fatal(format!("no subcommand `{name}`")))?;
        command = sub;
    }
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut page)
        .map_err(|e| Fatal(format!("cannot render the man page: {}", reason(&e))))?;
    write_stdout(&String::from_utf8_lossy(&page))?;
    Ok(0)
}

/// Words into lines of at most `width` characters (a longer word gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
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
        "# {} {}\n\nSeverity: {} · Mechanism: {} · Scope: {scope} · Status: {stage} since {since}\n\n{}\n",
        m.code,
        m.slug,
        m.severity,
        m.mechanism.label(),
        m.markdown().trim_end()
    );
    write_stdout(&out)?;
    Ok(0)
}
