//! Audit logs named on the command line, or found in a directory given, are streamed, not read
//! whole: a log is often far larger than any dump, and only its aggregates are kept
//! (policy_core::audit). They are told by content (plain, gzip, rotated under any name), so
//! `/var/log/kubernetes/audit/` with `audit.log`, `audit-2026-01-05T10-00-00.000.log` and their
//! `.gz` backups is read as it is. Everything else goes to the ordinary reader.

use policy_core::audit::{AuditLog, FileReader, looks_like_audit_log};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// Bytes read at once from a log.
const CHUNK: usize = 1 << 20;
/// Progress is shown every this many bytes.
const PROGRESS_EVERY: u64 = 64 << 20;

/// What [`stream`] read and what it left to the ordinary reader.
pub(crate) struct Streamed {
    /// The aggregates of every log read.
    pub(crate) log: AuditLog,
    /// The paths given that are no audit log (directories stay here: their other files are dumps).
    pub(crate) rest: Vec<PathBuf>,
    /// The files read as logs, which the directory walk must skip.
    pub(crate) files: BTreeSet<PathBuf>,
}

/// Split `paths` into audit logs (recognised by content, read now in bounded memory) and the
/// rest. Stdin and files that cannot be opened stay with the rest, whose reader reports them as
/// usual. Progress goes to stderr for big logs when it is a terminal, or always with `progress`.
pub(crate) fn stream(paths: &[PathBuf], progress: bool) -> Streamed {
    let mut out = Streamed { log: AuditLog::default(), rest: Vec::new(), files: BTreeSet::new() };
    let progress = Progress { forced: progress, terminal: std::io::stderr().is_terminal() };
    for path in paths {
        if path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            for file in files_below(path) {
                if read_if_log(&file, &mut out.log, progress) {
                    out.files.insert(file);
                }
            }
            out.rest.push(path.clone());
        } else if !read_if_log(path, &mut out.log, progress) {
            out.rest.push(path.clone());
        }
    }
    out
}

#[derive(Clone, Copy)]
struct Progress {
    /// `--progress`: every log, on a terminal or not (a CI job's log).
    forced: bool,
    terminal: bool,
}

/// Stream the file into `log` when it is an audit log; `false` (nothing read) otherwise.
fn read_if_log(path: &Path, log: &mut AuditLog, progress: Progress) -> bool {
    let is_file = path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file());
    let Some(mut file) = is_file.then(|| std::fs::File::open(path).ok()).flatten() else { return false };
    let mut head = vec![0; 64 << 10];
    let Ok(n) = read_full(&mut file, &mut head) else { return false };
    head.truncate(n);
    if !looks_like_audit_log(&head) {
        return false;
    }
    let name = path.display().to_string();
    let mut reader = FileReader::new(&name);
    reader.push(log, &head);
    let mut chunk = vec![0; CHUNK];
    let shown = |reader: &FileReader| format!("{name}: {} MiB, {} events read", reader.bytes() >> 20, reader.events());
    loop {
        match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                let before = reader.bytes();
                reader.push(log, chunk.get(..n).unwrap_or_default());
                if (progress.forced || progress.terminal) && before / PROGRESS_EVERY != reader.bytes() / PROGRESS_EVERY
                {
                    // On a terminal one line is rewritten; elsewhere each update is a line.
                    if progress.terminal {
                        eprint!("\r{}", shown(&reader));
                    } else {
                        eprintln!("{}", shown(&reader));
                    }
                    let _ = std::io::stderr().flush();
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                reader.fail(&format!("the log could not be read to its end: {}", e.kind()));
                break;
            }
        }
    }
    let big = reader.bytes() >= PROGRESS_EVERY;
    // The last events of a gzip file come out of the decoder at the end: count them after it.
    reader.finish(log);
    if let Some(file) = log.files.last()
        && (progress.forced || (progress.terminal && big))
    {
        let end = if progress.terminal { "\r" } else { "" };
        eprintln!("{end}{name}: {} bytes, {} events read", file.bytes, file.documents);
    }
    true
}

/// Every regular file below `dir`, sorted, hidden directories skipped (as the dump reader walks).
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut entries: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            if !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                out.extend(files_below(&path));
            }
        } else if meta.is_file() || path.is_file() {
            out.push(path);
        }
    }
    out
}

/// Fill `buf` as far as the file goes.
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match file.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
