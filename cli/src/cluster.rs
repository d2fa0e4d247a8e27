//! `scan --cluster`: read the live cluster through `kubectl get`, straight into the analysis.
//!
//! One `kubectl get <resource> -A -o json` per resource the rules read, its output held in memory
//! (bounded by `limits.maxTotalBytes`, like every other input) and never written to disk. kubectl
//! does the talking to the API server, so every kubeconfig, context, exec credential plugin and
//! proxy setting the operator already uses works unchanged. A resource the caller may not list is
//! an input that could not be read, with the permission that is missing: the report says it was not
//! assessed, and the scan never passes as complete.

use crate::{Unread, take_at_most};
use policy_core::Limits;
use policy_core::input::DiagnosticCode;
use policy_core::report::InputSummary;
use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The resources the rules read, as `kubectl get` names them (group-qualified where the short
/// name could be taken by a CRD). ConfigMaps hold kubeadm-config, kubelet-config,
/// extension-apiserver-authentication, cluster-info and aws-auth among the rest.
pub const RESOURCES: [&str; 20] = [
    "namespaces",
    "nodes",
    "pods",
    "replicationcontrollers",
    "deployments.apps",
    "statefulsets.apps",
    "daemonsets.apps",
    "replicasets.apps",
    "jobs.batch",
    "cronjobs.batch",
    "serviceaccounts",
    "secrets",
    "configmaps",
    "certificatesigningrequests.certificates.k8s.io",
    "clusterroles.rbac.authorization.k8s.io",
    "clusterrolebindings.rbac.authorization.k8s.io",
    "roles.rbac.authorization.k8s.io",
    "rolebindings.rbac.authorization.k8s.io",
    "apiservices.apiregistration.k8s.io",
    "iamidentitymappings.iamauthenticator.k8s.aws",
];

/// The configuration ConfigMaps the rules read by name, fetched one by one when the caller may
/// not list every ConfigMap (a `get` on a named object is often granted where `list` is not).
pub const CONFIG_MAPS: [(&str, &str); 5] = [
    ("kube-system", "kubeadm-config"),
    ("kube-system", "kubelet-config"),
    ("kube-system", "extension-apiserver-authentication"),
    ("kube-public", "cluster-info"),
    ("kube-system", "aws-auth"),
];

/// At most this much of kubectl's stderr is kept: one error message, not a log.
const MAX_STDERR_BYTES: u64 = 64 * 1024;

/// Where the cluster is: kubectl's own `--kubeconfig` and `--context`, when given.
#[derive(Debug, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// What the cluster gave: one input per resource read, one report entry per resource not read.
#[derive(Debug, Default)]
pub struct Fetched {
    pub files: Vec<(String, Vec<u8>)>,
    pub unread: Vec<InputSummary>,
}

/// Why the cluster could not be read at all (a resource kubectl could not get is no error: it is
/// an input the report lists as not read).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// kubectl could not be started.
    #[error("cannot run `kubectl` ({0}): install it or put it on the PATH")]
    NoKubectl(String),
    /// kubectl was started but could not be waited for.
    #[error("kubectl did not finish: {0}")]
    Unfinished(String),
}

/// How one `kubectl get` ended.
enum Got {
    Json(Vec<u8>),
    /// The cluster does not serve this resource (an EKS-only CRD elsewhere): nothing to assess.
    NotServed,
    /// Served, and the caller may list it, but there is none: nothing to assess either (an empty
    /// input would read as one that held no object).
    NoneThere,
    Unread(Unread),
}

/// Read every resource of [`RESOURCES`], each bounded by what is left of `budget` (the part of
/// `limits.maxTotalBytes` the other inputs left); progress on stderr. `Err` only when kubectl
/// cannot be run at all.
pub fn read(target: &Target, budget: u64, limits: &Limits) -> Result<Fetched, Error> {
    let mut read = Fetched::default();
    let mut remaining = budget;
    let mut listed = 0;
    let total = RESOURCES.len();
    let context = target.context.as_deref().map(|c| format!(" (context `{c}`)")).unwrap_or_default();
    for (index, resource) in RESOURCES.iter().enumerate() {
        eprintln!("authn-audit: reading {resource} from the cluster{context} ({}/{total})", index + 1);
        let name = input_name(resource);
        match get(target, &[resource, "--all-namespaces"], remaining)? {
            Got::Json(bytes) => {
                listed += 1;
                remaining = remaining.saturating_sub(bytes.len() as u64);
                read.files.push((name, bytes));
            }
            Got::NotServed => eprintln!("authn-audit: the cluster does not serve {resource}: nothing to assess"),
            Got::NoneThere => listed += 1,
            Got::Unread(problem) => {
                if *resource == "configmaps" {
                    remaining = named_config_maps(target, &mut read, remaining)?;
                }
                read.unread.push(unread(&name, problem, remaining, limits));
            }
        }
    }
    eprintln!(
        "authn-audit: listed {listed} of {total} resources from the cluster{}",
        if read.unread.is_empty() { String::new() } else { format!(", {} not assessable", read.unread.len()) }
    );
    Ok(read)
}

/// The ConfigMaps of [`CONFIG_MAPS`] that the caller may `get`, when it may not list them all.
fn named_config_maps(target: &Target, read: &mut Fetched, mut remaining: u64) -> Result<u64, Error> {
    for (namespace, name) in CONFIG_MAPS {
        if let Got::Json(bytes) = get(target, &["configmap", name, "--namespace", namespace], remaining)? {
            remaining = remaining.saturating_sub(bytes.len() as u64);
            read.files.push((format!("cluster/configmaps/{namespace}/{name}"), bytes));
        }
    }
    Ok(remaining)
}

fn input_name(resource: &str) -> String {
    format!("cluster/{}", resource.split('.').next().unwrap_or(resource))
}

fn unread(name: &str, problem: Unread, remaining: u64, limits: &Limits) -> InputSummary {
    match problem {
        Unread::Failed(code, message) => InputSummary::unreadable(name, code, message),
        Unread::TooLarge { bytes, size_known } => InputSummary::too_large(name, bytes, size_known, remaining, limits),
    }
}

/// The kubectl to run: `$AUTHN_AUDIT_KUBECTL`, else `kubectl` from the PATH.
fn kubectl() -> OsString {
    std::env::var_os("AUTHN_AUDIT_KUBECTL").unwrap_or_else(|| "kubectl".into())
}

/// `kubectl get <what> -o json`, at most `limit` bytes of it.
fn get(target: &Target, what: &[&str], limit: u64) -> Result<Got, Error> {
    let mut command = Command::new(kubectl());
    if let Some(kubeconfig) = &target.kubeconfig {
        command.arg("--kubeconfig").arg(kubeconfig);
    }
    if let Some(context) = &target.context {
        command.args(["--context", context]);
    }
    command.arg("get").args(what).args(["--output", "json", "--ignore-not-found"]);
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::NoKubectl(crate::reason(&e)))?;
    // stderr on its own thread, so that neither pipe can fill up and stall kubectl.
    let stderr = child.stderr.take().map(|pipe| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.take(MAX_STDERR_BYTES).read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    });
    let stdout = match child.stdout.take() {
        Some(pipe) => take_at_most(pipe, limit, 0),
        None => Ok(Some(Vec::new())),
    };
    if matches!(stdout, Ok(None)) {
        // Over the budget: stop kubectl rather than read the rest.
        let _ = child.kill();
    }
    let status = child.wait().map_err(|e| Error::Unfinished(crate::reason(&e)))?;
    let stderr = stderr.and_then(|thread| thread.join().ok()).unwrap_or_default();
    let failed = |code, message: String| Ok(Got::Unread(Unread::Failed(code, message)));
    match stdout {
        Ok(None) => Ok(Got::Unread(Unread::TooLarge { bytes: limit.saturating_add(1), size_known: false })),
        Err(e) => failed(DiagnosticCode::ReadError, format!("cannot read kubectl's output: {}", crate::reason(&e))),
        Ok(Some(bytes)) if status.success() => {
            Ok(if is_empty_list(&bytes) { Got::NoneThere } else { Got::Json(bytes) })
        }
        Ok(Some(_)) => Ok(classify(what.first().copied().unwrap_or_default(), &stderr)),
    }
}

/// Nothing (`--ignore-not-found` on a named object that does not exist) or a List with no items.
fn is_empty_list(bytes: &[u8]) -> bool {
    /// An empty List is about a hundred bytes; anything longer holds an object.
    const EMPTY_LIST_MAX: usize = 1024;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    bytes.len() <= EMPTY_LIST_MAX
        && serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|list| {
            list.get("kind").and_then(serde_json::Value::as_str) == Some("List")
                && list.get("items").and_then(serde_json::Value::as_array).is_some_and(Vec::is_empty)
        })
}

/// What a failed `kubectl get` said, as a report entry: RBAC refusals name the missing
/// permission, an unknown resource type is not served, anything else is kubectl's own words.
fn classify(resource: &str, stderr: &str) -> Got {
    let line = stderr.lines().map(str::trim).find(|l| l.starts_with("Error from server") || l.starts_with("error:"));
    let line = line.or_else(|| stderr.lines().map(str::trim).find(|l| !l.is_empty())).unwrap_or("no message");
    if line.contains("(Forbidden)") {
        let (kind, group) = resource.split_once('.').unwrap_or((resource, ""));
        let group = if group.is_empty() { "the core API group".to_string() } else { format!("API group `{group}`") };
        let message = format!(
            "not assessable: the caller may not list `{kind}` ({group}) in all namespaces; grant `list` on \
             `{kind}` to assess it (the API server said: {})",
            server_words(line)
        );
        return Got::Unread(Unread::Failed(DiagnosticCode::Forbidden, message));
    }
    if line.contains("doesn't have a resource type")
        || line.contains("the server could not find the requested resource")
    {
        return Got::NotServed;
    }
    Got::Unread(Unread::Failed(
        DiagnosticCode::KubectlError,
        format!("`kubectl get {resource}` failed: {}", server_words(line)),
    ))
}

/// kubectl's message without its `Error from server (Reason): ` prefix, lowercase first.
fn server_words(line: &str) -> String {
    let text = line.split_once("): ").map_or(line, |(_, rest)| rest);
    let text = text.strip_prefix("error: ").unwrap_or(text);
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rbac_refusals_name_the_missing_permission() {
        let stderr = "Error from server (Forbidden): secrets is forbidden: User \"viewer\" cannot list resource \
                      \"secrets\" in API group \"\" at the cluster scope\n";
        let Got::Unread(Unread::Failed(code, message)) = classify("secrets", stderr) else { panic!("not a refusal") };
        assert_eq!(code.as_str(), "forbidden");
        assert!(
            message.starts_with("not assessable: the caller may not list `secrets` (the core API group)"),
            "{message}"
        );
        assert!(message.contains("grant `list` on `secrets`"), "{message}");
        assert!(message.contains("said: secrets is forbidden: User \"viewer\" cannot list"), "{message}");
        let Got::Unread(Unread::Failed(_, message)) =
            classify("clusterroles.rbac.authorization.k8s.io", "Error from server (Forbidden): no\n")
        else {
            panic!("not a refusal")
        };
        assert!(message.contains("`clusterroles` (API group `rbac.authorization.k8s.io`)"), "{message}");
    }

    #[test]
    fn unknown_resource_types_are_not_served_and_other_errors_are_kept() {
        let stderr = "error: the server doesn't have a resource type \"iamidentitymappings\"\n";
        assert!(matches!(classify("iamidentitymappings.iamauthenticator.k8s.aws", stderr), Got::NotServed));
        let stderr = "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n";
        let Got::Unread(Unread::Failed(code, message)) = classify("pods", stderr) else { panic!("lost") };
        assert_eq!(code.as_str(), "kubectl-error");
        assert_eq!(
            message,
            "`kubectl get pods` failed: the connection to the server 127.0.0.1:1 was refused - did you specify the \
             right host or port?"
        );
    }

    #[test]
    fn empty_lists_and_no_output_hold_nothing_to_assess() {
        assert!(is_empty_list(b"\n"));
        assert!(is_empty_list(
            br#"{"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}"#
        ));
        assert!(!is_empty_list(br#"{"apiVersion": "v1", "items": [{"kind": "Secret"}], "kind": "List"}"#));
        assert!(!is_empty_list(br#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}"#));
        assert!(!is_empty_list(b"{not json"));
    }

    #[test]
    fn inputs_are_named_after_the_resource() {
        assert_eq!(input_name("clusterroles.rbac.authorization.k8s.io"), "cluster/clusterroles");
        assert_eq!(input_name("secrets"), "cluster/secrets");
    }
}
