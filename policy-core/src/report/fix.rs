//! A fix to copy: the `kubectl` command or the line to change that resolves one finding, where a
//! rule knows one that is safe (it removes only what the finding is about and can lock nobody
//! out). Names come from the dump, which anyone may have written: every argument is quoted for
//! a POSIX shell, and a name a quote cannot make harmless (control characters, a leading dash)
//! gets no fix at all rather than a command that does something else.

use super::ObjectRef;
use serde::{Deserialize, Serialize};

/// What the text of a fix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FixKind {
    /// A shell command line (`kubectl …`), every argument quoted.
    Command,
    /// A line to write into a file the dump shows but the API cannot change (a static Pod
    /// manifest); the summary says which line it replaces, and where.
    Edit,
}

/// A change that resolves a finding, ready to copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// A command or a line to edit.
    pub kind: FixKind,
    /// What it does, one line (lowercase first word, values in backticks).
    pub summary: String,
    /// The text to copy: one command line, or the new line of the file.
    pub text: String,
}

impl Fix {
    /// Delete an object: `kubectl delete <kind> [-n NS] NAME`.
    pub fn delete(summary: impl Into<String>, object: &ObjectRef) -> Option<Self> {
        let (kind, target) = target(object)?;
        Some(kubectl(summary, &[&["delete", kind.as_str()], target.as_slice()].concat()))
    }

    /// A strategic-merge patch of an object (`kubectl patch … -p JSON`).
    pub fn merge_patch(summary: impl Into<String>, object: &ObjectRef, patch: &serde_json::Value) -> Option<Self> {
        let (kind, target) = target(object)?;
        let patch = patch.to_string();
        Some(kubectl(summary, &[&["patch", kind.as_str()], target.as_slice(), &["-p", patch.as_str()]].concat()))
    }

    /// A JSON patch of an object (`kubectl patch … --type=json -p JSON`): the operations as
    /// given, so a `test` first makes it refuse an object that changed since the dump.
    pub fn json_patch(summary: impl Into<String>, object: &ObjectRef, ops: &serde_json::Value) -> Option<Self> {
        let (kind, target) = target(object)?;
        let ops = ops.to_string();
        let args = [&["patch", kind.as_str()], target.as_slice(), &["--type=json", "-p", ops.as_str()]].concat();
        Some(kubectl(summary, &args))
    }

    /// Deny a pending CertificateSigningRequest: `kubectl certificate deny NAME`.
    pub fn deny_csr(summary: impl Into<String>, object: &ObjectRef) -> Option<Self> {
        let (_, target) = target(object).filter(|_| object.kind == "CertificateSigningRequest")?;
        Some(kubectl(summary, &[&["certificate", "deny"], target.as_slice()].concat()))
    }

    /// A line of a file to write instead of another.
    pub fn edit(summary: impl Into<String>, line: impl Into<String>) -> Self {
        Self { kind: FixKind::Edit, summary: summary.into(), text: line.into() }
    }
}

/// `kubectl` and the arguments, each quoted for the shell. The JSON of a patch is ours (serde
/// escapes every control character), the names are checked by [`target`].
fn kubectl(summary: impl Into<String>, args: &[&str]) -> Fix {
    let mut text = String::from("kubectl");
    for arg in args {
        text.push(' ');
        text.push_str(&shell_quote(arg));
    }
    Fix { kind: FixKind::Command, summary: summary.into(), text }
}

/// The resource (the kind in lowercase) and `[-n NS] NAME` of an object; `None` when a value
/// is no name a command may carry ([`safe_name`]), or for a namespaced kind the input gave no
/// namespace (the command would act on whatever namespace the user's context points at).
fn target(object: &ObjectRef) -> Option<(String, Vec<&str>)> {
    let names = [object.kind.as_str(), object.name.as_str()];
    if !names.into_iter().chain(object.namespace.as_deref()).all(safe_name) {
        return None;
    }
    let kind = object.kind.to_ascii_lowercase();
    match object.namespace.as_deref() {
        Some(ns) => Some((kind, vec!["-n", ns, object.name.as_str()])),
        None if CLUSTER_SCOPED.contains(&object.kind.as_str()) => Some((kind, vec![object.name.as_str()])),
        None => None,
    }
}

/// The kinds fixes act on that have no namespace.
const CLUSTER_SCOPED: [&str; 4] = ["ClusterRoleBinding", "ClusterRole", "Namespace", "CertificateSigningRequest"];

/// Whether a name from the dump may be an argument of a fix at all: not empty, no control
/// character (a newline or an escape sequence pasted into a terminal acts before any quote is
/// read), and no leading dash (kubectl would take it for an option).
pub fn safe_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('-') && !name.chars().any(char::is_control)
}

/// One argument as a POSIX shell reads it back unchanged: bare when it holds only characters no
/// shell treats specially, else in single quotes (inside which nothing is special), a single
/// quote written as `'\''`.
pub fn shell_quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        return arg.to_string();
    }
    format!("'{}'", arg.replace('\'', r"'\''"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    fn secret(namespace: &str, name: &str) -> ObjectRef {
        ObjectRef {
            kind: "Secret".into(),
            namespace: Some(namespace.into()),
            name: name.into(),
            ..ObjectRef::default()
        }
    }

    /// The words a POSIX shell makes of a command line, read back by a real `sh` (each word on
    /// its own line, so nothing in it may run).
    fn words(line: &str) -> Vec<String> {
        let script = format!("set -- {}; for w in \"$@\"; do printf '%s\\n' \"$w\"; done", line);
        let out = std::process::Command::new("sh").arg("-c").arg(script).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
    }

    #[test]
    fn a_hostile_name_stays_one_argument() {
        let marker = std::env::temp_dir().join(format!("authn-audit-fix-{}", std::process::id()));
        let hostile = [
            format!("x; touch {}", marker.display()),
            format!("$(touch {})", marker.display()),
            format!("`touch {}`", marker.display()),
            format!("it's'; touch {} #", marker.display()),
            "a b\\c\"d*?[e]{f}~!&|<>".to_string(),
        ];
        for name in &hostile {
            let fix = Fix::delete("delete it", &secret("ci", name)).unwrap();
            assert_eq!(fix.kind, FixKind::Command);
            // `kubectl` stands in for the command: what reaches it is exactly these words.
            let args = words(fix.text.strip_prefix("kubectl ").unwrap());
            assert_eq!(args, ["delete", "secret", "-n", "ci", name.as_str()], "{}", fix.text);
        }
        assert!(!marker.exists(), "a name ran a command");
        assert_eq!(shell_quote("x; rm -rf /"), "'x; rm -rf /'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("old-token.v1"), "old-token.v1");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn a_name_no_quote_makes_harmless_gets_no_fix() {
        for name in ["a\nrm -rf /", "a\u{1b}]0;x\u{7}", "--kubeconfig=/tmp/evil", "-n", ""] {
            assert_eq!(Fix::delete("delete it", &secret("ci", name)), None, "{name:?}");
            assert_eq!(Fix::delete("delete it", &secret(name, "token")), None, "namespace {name:?}");
        }
    }

    #[test]
    fn a_namespaced_object_without_a_namespace_gets_no_command() {
        let floating = ObjectRef { kind: "Secret".into(), name: "token".into(), ..ObjectRef::default() };
        assert_eq!(Fix::delete("delete it", &floating), None);
        let binding = ObjectRef { kind: "ClusterRoleBinding".into(), name: "anon".into(), ..ObjectRef::default() };
        let ops = serde_json::json!([{"op": "remove", "path": "/subjects/1"}]);
        let fix = Fix::json_patch("remove it", &binding, &ops).unwrap();
        assert_eq!(
            fix.text,
            r#"kubectl patch clusterrolebinding anon --type=json -p '[{"op":"remove","path":"/subjects/1"}]'"#
        );
        let args = words(fix.text.strip_prefix("kubectl ").unwrap());
        assert_eq!(args[5], ops.to_string());
        let csr = ObjectRef { kind: "CertificateSigningRequest".into(), name: "a b".into(), ..ObjectRef::default() };
        assert_eq!(Fix::deny_csr("deny it", &csr).unwrap().text, "kubectl certificate deny 'a b'");
        assert_eq!(Fix::deny_csr("deny it", &binding), None, "only a request is denied");
    }
}
