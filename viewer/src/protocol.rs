//! What the page and its worker say to each other. Every message is a two-element JS array:
//! a JSON header (one of these enums) and a payload (file blobs one way, large text the other),
//! so big strings are never escaped inside JSON twice.

use crate::model::ExcerptLine;
use serde::{Deserialize, Serialize};

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Request {
    /// Analyse the blobs in the payload, named in order.
    Analyze {
        /// One name per blob (file name, or path inside a dropped folder).
        names: Vec<String>,
        /// The page's clock (RFC 3339): the evaluation instant.
        now: String,
    },
    /// Analyse the built-in sample cluster with its audit log.
    Sample {
        /// The page's clock (RFC 3339).
        now: String,
    },
    /// Analyse the last inputs again at another evaluation instant ("as of").
    Reanalyze {
        /// The instant (RFC 3339), as the CLI's `--now`.
        now: String,
    },
    /// Lines around a finding, secrets redacted.
    Excerpt {
        /// Input name.
        path: String,
        /// 1-based line: the finding's field or flag.
        line: u32,
        /// 1-based line where the finding's object starts (the excerpt stays inside it); 0 when
        /// unknown.
        #[serde(default)]
        object_line: u32,
    },
    /// Render the last report for download.
    Export {
        /// `json`, `sarif`, `markdown` or `html`.
        format: String,
        /// Only the findings this view's filters let through (a link fragment, as the page's
        /// own), the file saying so; `None`: everything.
        #[serde(default)]
        view: Option<String>,
    },
    /// Compare the last inputs with an earlier report (the payload's one blob) and analyse them
    /// again, so every finding says whether it is new.
    Baseline {
        /// The report's file name.
        name: String,
    },
}

/// How far the analysis is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// `reading`, `analysing` or `sending`.
    pub phase: String,
    /// Bytes read so far over all files.
    pub bytes_read: u64,
    /// Bytes in all files.
    pub bytes_total: u64,
    /// Files completely read.
    pub files_read: u32,
    /// Files given.
    pub files_total: u32,
    /// Objects parsed so far (inside a big file: as its reader counts them).
    pub objects: Option<u64>,
    /// Bytes parsed so far (`analysing`): of the files loaded, and as far as the loader has got
    /// inside the next one.
    #[serde(default)]
    pub bytes_parsed: u64,
    /// Rules run so far.
    pub rules_run: u32,
    /// Rules that will run.
    pub rules_total: u32,
    /// Findings sent to the page so far (`sending`).
    pub findings_sent: u64,
    /// Findings in the report.
    pub findings_total: u64,
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Reply {
    /// The worker's module is initialised and listening.
    Ready,
    /// The warm-up ran to its end, no request having come first (see `warm_up`).
    WarmedUp {
        /// Slices run.
        slices: u32,
        /// Milliseconds from its first slice to the end of its last.
        elapsed_ms: f64,
    },
    /// Analysis progress.
    Progress(Progress),
    /// The report without its findings; payload: the report JSON.
    ReportHead,
    /// A chunk of findings; payload: a JSON array of findings.
    Findings,
    /// All findings sent.
    Done {
        /// Milliseconds from request to report, in the worker.
        elapsed_ms: f64,
        /// Milliseconds the request waited before the worker took it up (from the page's post).
        #[serde(default)]
        waited_ms: f64,
        /// Milliseconds reading the files, before the analysis.
        #[serde(default)]
        read_ms: f64,
        /// Milliseconds inside `policy_core::analyze`.
        analyze_ms: f64,
        /// Milliseconds handing the report over to the page.
        #[serde(default)]
        send_ms: f64,
        /// The worker's WebAssembly memory in bytes: its peak so far, as it never shrinks.
        memory_bytes: u64,
        /// The newest timestamp the dump holds (RFC 3339): the suggested "as of".
        #[serde(default)]
        newest: Option<String>,
    },
    /// Lines around a finding.
    Excerpt {
        /// Input name.
        path: String,
        /// The requested line.
        line: u32,
        /// The lines; empty when the input is unknown.
        lines: Vec<ExcerptLine>,
    },
    /// What became of the earlier report given to compare with (before the report it applies to).
    Baseline {
        /// Its file name.
        name: String,
        /// Why it could not be used (then nothing is compared); `None` when it was.
        error: Option<String>,
    },
    /// A rendered report; payload: the text.
    Export {
        /// Suggested file name.
        filename: String,
        /// MIME type.
        mime: String,
    },
    /// Something went wrong (never contains input content).
    Failed {
        /// One line.
        message: String,
    },
}

/// Findings per `Findings` message: small enough that parsing one never blocks the page long.
pub const FINDINGS_CHUNK: usize = 500;
