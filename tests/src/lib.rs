//! Helpers the cross-crate tests share: where the shared folder is, and walking and reading
//! test inputs. A test file keeps only what is its own.
#![allow(clippy::panic, reason = "test helpers: an unreadable test input fails the test that asked for it")]

use std::path::{Path, PathBuf};

/// A path under `../shared` (the guide, the design folder and the corpus, beside the
/// repository), or `None` when it is absent. Every test that reads it asks here, so absence is
/// handled one way: a failure in CI (`CI=true`), where the folder must be present, and a loud
/// skip elsewhere (the caller returns early).
pub fn shared(path: &str) -> Option<PathBuf> {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true");
    present(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared").join(path), in_ci)
}

fn present(path: PathBuf, in_ci: bool) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(!in_ci, "{} is missing: CI runs with the shared folder beside the repository", path.display());
    eprintln!("skipping: {} is not present", path.display());
    None
}

/// Every file under `dir`, recursively, sorted.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `path` relative to `root`, with `/` separators, as reports name inputs.
pub fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// The bytes of a test input.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files directly in `dir` as `(prefix + file name, bytes)`, sorted by name.
pub fn dir_files(dir: &Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path())
        .map(|p| (format!("{prefix}{}", p.file_name().unwrap_or_default().to_string_lossy()), read(&p)))
        .collect();
    files.sort();
    files
}

/// Files under `../shared/<dir>` as `(relative name, bytes)`, or `None` (see [`shared`]).
pub fn shared_files(dir: &str, names: &[&str]) -> Option<Vec<(String, Vec<u8>)>> {
    let root = shared(dir)?;
    Some(names.iter().map(|name| ((*name).to_string(), read(&root.join(name)))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_present_path_is_returned_and_an_absent_one_skips_outside_ci() {
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(present(here.clone(), true), Some(here.clone()));
        assert_eq!(present(here.join("no-such-folder"), false), None);
    }

    #[test]
    #[should_panic(expected = "is missing: CI runs with the shared folder")]
    fn an_absent_path_fails_in_ci() {
        let _ = present(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("no-such-folder"), true);
    }
}
