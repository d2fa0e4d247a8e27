//! Audit logs named on the command line are streamed, not read whole: a log is often far larger
//! than any dump, and only its aggregates are kept (policy_core::audit). Everything else goes
//! to the ordinary reader.

use policy_core::audit::{AuditLog, FileReader, looks_like_audit_log};
use std::io::Read;
use std::path::PathBuf;

/// Bytes read at once from a log.
const CHUNK: usize = 1 << 20;

/// Split `paths` into audit logs (recognised by content, read now in bounded memory) and the
/// rest. Directories, stdin and files that cannot be opened stay with the rest, whose reader
/// reports them as usual.
pub(crate) fn stream(paths: &[PathBuf]) -> (AuditLog, Vec<PathBuf>) {
    let mut log = AuditLog::default();
    let mut rest = Vec::new();
    for path in paths {
        let is_file = path.as_os_str() != "-" && std::fs::metadata(path).is_ok_and(|m| m.is_file());
        let Some(mut file) = is_file.then(|| std::fs::File::open(path).ok()).flatten() else {
            rest.push(path.clone());
            continue;
        };
        let mut head = vec![0; 64 << 10];
        let Ok(n) = read_full(&mut file, &mut head) else {
            rest.push(path.clone());
            continue;
        };
        head.truncate(n);
        if !looks_like_audit_log(&head) {
            rest.push(path.clone());
            continue;
        }
        let mut reader = FileReader::new(&path.display().to_string());
        reader.push(&mut log, &head);
        let mut chunk = vec![0; CHUNK];
        loop {
            match file.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => reader.push(&mut log, chunk.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    reader.fail(&format!("the log could not be read to its end: {}", e.kind()));
                    break;
                }
            }
        }
        reader.finish(&mut log);
    }
    (log, rest)
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
