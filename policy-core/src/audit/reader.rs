//! One log file as a stream of byte chunks: gzip undone on the fly, split into lines, each line
//! parsed, counted and dropped. Bad lines become located diagnostics; the rest is still read.

use super::AuditLog;
use super::event::Event;
use crate::data::diagnostic::{Diagnostic, DiagnosticCode};
use crate::data::input_summary::{InputStatus, InputSummary};
use std::io::Write;
use std::sync::Arc;

/// Longest line read (an event with large bodies); a longer one is skipped, never buffered whole.
pub const MAX_LINE_BYTES: usize = 16 << 20;
/// Largest `EventList` document spread over several lines (those are read whole).
pub const MAX_DOCUMENT_BYTES: usize = 256 << 20;
/// Diagnostics kept per file; the rest are counted in one last warning.
const MAX_DIAGNOSTICS: usize = 50;
/// Compressed bytes handed to the decoder at once: what it writes out stays bounded (deflate
/// expands at most about 1 000 times).
const GZIP_STEP: usize = 4 << 10;

/// The state of one log file being read: push its bytes in order, then finish.
#[derive(Debug)]
pub struct FileReader {
    path: Arc<str>,
    summary: InputSummary,
    head: Vec<u8>,
    gzip: Option<flate2::write::MultiGzDecoder<Vec<u8>>>,
    gzip_failed: bool,
    /// Compressed bytes not yet handed to the decoder: it always gets whole [`GZIP_STEP`]s, so
    /// what it decodes (a corrupt file's last lines included) does not depend on the chunking.
    gzip_pending: Vec<u8>,
    pub(super) partial: Vec<u8>,
    /// Inside a line longer than [`MAX_LINE_BYTES`]: its bytes are dropped until its end.
    overlong: bool,
    /// An `EventList` pretty-printed over several lines, read whole at the end.
    document: Option<Vec<u8>>,
    line: u32,
    seen_content: bool,
    dropped: usize,
    events: u64,
}

impl FileReader {
    /// Start reading the file `name`.
    pub fn new(name: &str) -> Self {
        Self {
            path: name.into(),
            summary: InputSummary { path: name.to_string(), ..InputSummary::default() },
            head: Vec::new(),
            gzip: None,
            gzip_failed: false,
            gzip_pending: Vec::new(),
            partial: Vec::new(),
            overlong: false,
            document: None,
            line: 0,
            seen_content: false,
            dropped: 0,
            events: 0,
        }
    }

    /// Audit events read so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Bytes pushed so far (compressed, for a gzip file).
    pub fn bytes(&self) -> u64 {
        self.summary.bytes
    }

    /// The caller could not read the rest of the file: an error at the line reached.
    pub fn fail(&mut self, message: &str) {
        self.diagnose(Diagnostic::new(&self.path, self.line + 1, DiagnosticCode::ReadError, message));
    }

    /// The next bytes of the file.
    pub fn push(&mut self, log: &mut AuditLog, chunk: &[u8]) {
        self.summary.bytes += chunk.len() as u64;
        if self.summary.bytes == chunk.len() as u64 || self.head.len() == 1 {
            // Gzip is told by its two magic bytes, which a first chunk of one byte splits.
            self.head.extend_from_slice(chunk);
            if self.head.len() < 2 {
                return;
            }
            let head = std::mem::take(&mut self.head);
            if head.starts_with(&[0x1f, 0x8b]) {
                self.gzip = Some(flate2::write::MultiGzDecoder::new(Vec::new()));
            }
            return self.decoded(log, &head);
        }
        self.decoded(log, chunk);
    }

    fn decoded(&mut self, log: &mut AuditLog, bytes: &[u8]) {
        if self.gzip.is_none() {
            return self.text(log, bytes);
        }
        if self.gzip_failed {
            return;
        }
        self.gzip_pending.extend_from_slice(bytes);
        let whole = self.gzip_pending.len() / GZIP_STEP * GZIP_STEP;
        let steps: Vec<u8> = self.gzip_pending.drain(..whole).collect();
        self.inflate(log, &steps);
    }

    /// Hand compressed bytes to the decoder a step at a time and read what comes out.
    fn inflate(&mut self, log: &mut AuditLog, bytes: &[u8]) {
        let Some(mut decoder) = self.gzip.take() else { return };
        for step in bytes.chunks(GZIP_STEP) {
            let result = decoder.write_all(step);
            let out = std::mem::take(decoder.get_mut());
            self.text(log, &out);
            if result.is_err() {
                self.gzip_failed = true;
                self.diagnose(Diagnostic::new(
                    &self.path,
                    self.line + 1,
                    DiagnosticCode::AuditGzip,
                    "the compressed data is corrupt; the log is read up to here",
                ));
                break;
            }
        }
        self.gzip = Some(decoder);
    }

    /// Decompressed bytes: complete lines are read at once, the last partial one is kept.
    fn text(&mut self, log: &mut AuditLog, mut bytes: &[u8]) {
        if let Some(document) = &mut self.document {
            if document.len() + bytes.len() > MAX_DOCUMENT_BYTES {
                self.document = None;
                let message = format!("an `EventList` over several lines must stay under {MAX_DOCUMENT_BYTES} bytes");
                self.diagnose(Diagnostic::new(&self.path, 1, DiagnosticCode::AuditListTooLarge, message));
                self.overlong = true;
            } else {
                document.extend_from_slice(bytes);
            }
            return;
        }
        while let Some(end) = bytes.iter().position(|b| *b == b'\n') {
            let (line, rest) = bytes.split_at(end);
            bytes = rest.get(1..).unwrap_or(&[]);
            self.line += 1;
            if self.overlong {
                self.overlong = false;
                continue;
            }
            if self.partial.is_empty() {
                self.line(log, line, false);
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                self.line(log, &whole, false);
                whole.clear();
                self.partial = whole;
            }
            if let Some(document) = &mut self.document {
                document.extend_from_slice(bytes);
                return;
            }
        }
        if self.overlong {
            return;
        }
        if self.partial.len() + bytes.len() > MAX_LINE_BYTES {
            self.partial = Vec::new();
            self.overlong = true;
            let message = format!("the line is longer than {MAX_LINE_BYTES} bytes and is skipped");
            self.diagnose(Diagnostic::new(&self.path, self.line + 1, DiagnosticCode::AuditLineTooLong, message));
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// One line: an event, an `EventList`, or a located diagnostic.
    fn line(&mut self, log: &mut AuditLog, line: &[u8], last: bool) {
        let trimmed = line.trim_ascii();
        if trimmed.is_empty() {
            return;
        }
        let first = !self.seen_content;
        self.seen_content = true;
        let number = self.line;
        match serde_json::from_slice::<Event<'_>>(trimmed) {
            Ok(event) if event.is_list() => {
                for item in &event.items {
                    self.event(log, item, number);
                }
            }
            Ok(event) if event.is_audit_event() => self.event(log, &event, number),
            Ok(_) => self.diagnose(Diagnostic::new(
                &self.path,
                number,
                DiagnosticCode::AuditNotAnEvent,
                "the line is JSON but no `audit.k8s.io` event; it is skipped",
            )),
            // A pretty-printed document: read it whole once all of it is in.
            Err(error) if first && error.is_eof() && trimmed.starts_with(b"{") && !last => {
                let mut document = line.to_vec();
                document.push(b'\n');
                self.document = Some(document);
            }
            Err(error) if last && error.is_eof() => self.diagnose(Diagnostic::new(
                &self.path,
                number,
                DiagnosticCode::AuditTruncatedLine,
                "the last line breaks off before its event ends (a log still being written, or cut short); it is skipped",
            )),
            Err(error) => {
                let what = if error.is_data() {
                    format!("the event has a field of the wrong type (column {}); it is skipped", error.column())
                } else {
                    format!("the line is not valid JSON (column {}); it is skipped", error.column())
                };
                self.diagnose(Diagnostic::new(&self.path, number, DiagnosticCode::AuditMalformedEvent, what));
            }
        }
    }

    fn event(&mut self, log: &mut AuditLog, event: &Event<'_>, line: u32) {
        self.events += 1;
        log.record(event, &self.path, line);
    }

    fn diagnose(&mut self, diagnostic: Diagnostic) {
        if self.summary.diagnostics.len() < MAX_DIAGNOSTICS {
            self.summary.diagnostics.push(diagnostic);
        } else {
            self.dropped += 1;
        }
    }

    /// The end of the file: the last line without a newline, a document read whole, the status.
    pub fn finish(mut self, log: &mut AuditLog) {
        if self.head.len() == 1 {
            let head = std::mem::take(&mut self.head);
            self.text(log, &head);
        }
        if self.gzip.is_some() && !self.gzip_failed {
            let rest = std::mem::take(&mut self.gzip_pending);
            self.inflate(log, &rest);
        }
        if let Some(mut decoder) = self.gzip.take()
            && !self.gzip_failed
        {
            let result = decoder.try_finish();
            let out = std::mem::take(decoder.get_mut());
            self.text(log, &out);
            if result.is_err() {
                self.diagnose(Diagnostic::new(
                    &self.path,
                    self.line + 1,
                    DiagnosticCode::AuditGzipTruncated,
                    "the compressed file ends early (cut short, or still being written); the log is read up to here",
                ));
            }
        }
        if let Some(document) = self.document.take() {
            self.document_whole(log, &document);
        } else if !self.partial.is_empty() && !self.overlong {
            let partial = std::mem::take(&mut self.partial);
            self.line += 1;
            self.line(log, &partial, true);
        }
        if self.dropped > 0 {
            let message = format!("{} more problems in this log are not listed", self.dropped);
            // Located where reading ended: the problems not listed lie before it.
            let at = self.line.max(1);
            self.summary.diagnostics.push(Diagnostic::new(
                &self.path,
                at,
                DiagnosticCode::AuditMoreDiagnostics,
                message,
            ));
        }
        if self.events == 0 && !self.summary.has_errors() {
            let message = "no audit event could be read from this log";
            // The whole file, at its first line, as the loader's `no-objects`.
            self.summary.diagnostics.push(Diagnostic::new(&self.path, 1, DiagnosticCode::AuditNoEvents, message));
        }
        self.summary.documents = u32::try_from(self.events).unwrap_or(u32::MAX);
        self.summary.objects = self.summary.documents;
        self.summary.status = if self.events == 0 {
            InputStatus::NoObjects
        } else if self.summary.has_errors() {
            InputStatus::Partial
        } else {
            InputStatus::Analysed
        };
        log.files.push(self.summary);
    }

    fn document_whole(&mut self, log: &mut AuditLog, document: &[u8]) {
        match serde_json::from_slice::<Event<'_>>(document) {
            Ok(event) if event.is_list() => {
                for item in &event.items {
                    self.event(log, item, 1);
                }
            }
            Ok(event) if event.is_audit_event() => self.event(log, &event, 1),
            Ok(_) => self.diagnose(Diagnostic::new(
                &self.path,
                1,
                DiagnosticCode::AuditNotAnEvent,
                "the document is JSON but no `audit.k8s.io` event or event list; it is skipped",
            )),
            Err(error) => {
                let what = if error.is_eof() {
                    "the event list breaks off before its end (cut short); it is skipped".to_string()
                } else {
                    format!("the event list is not valid JSON (column {}); it is skipped", error.column())
                };
                let line = u32::try_from(error.line()).unwrap_or(1);
                self.diagnose(Diagnostic::new(&self.path, line, DiagnosticCode::AuditMalformedEvent, what));
            }
        }
    }
}
