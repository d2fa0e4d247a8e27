//! Unrendered templates: a Helm chart, or a manifest meant for `envsubst`-style tools, scanned
//! as it is. A value holding `{{ … }}` is not what the cluster would run, so the verdicts on that
//! object would be about the template, not the install: the user is told so.

use crate::data::diagnostic::{Diagnostic, DiagnosticCode};
use crate::input::Object;
use crate::value::Value;

/// Kinds whose whole content rules judge; elsewhere (ConfigMap data, alerting rules, CRDs) Go
/// templates are ordinary content, so only the object's name and namespace are looked at.
const JUDGED_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "APIService",
    "CertificateSigningRequest",
];

/// One warning per object with an unrendered template in a judged value, naming the first.
pub fn diagnostics(objects: &[Object]) -> Vec<Diagnostic> {
    objects
        .iter()
        .filter(|o| o.may_hold_braces)
        .filter_map(|o| {
            let path = if JUDGED_KINDS.contains(&o.kind()) {
                first_template(&o.value, &mut Vec::new())
            } else {
                ["name", "namespace"]
                    .into_iter()
                    .find(|key| o.str_at(&["metadata", key]).is_some_and(is_template))
                    .map(|key| format!("metadata.{key}"))
            }?;
            Some(Diagnostic::new(
                &o.source.path,
                o.source.line,
                DiagnosticCode::UnrenderedTemplate,
                format!(
                    "`{path}` of `{}` is an unrendered template (`{{{{ … }}}}`): render it first (`helm template`, `kustomize build`) and scan the result",
                    o.display_name()
                ),
            ))
        })
        .collect()
}

fn is_template(text: &str) -> bool {
    // Every string of every judged object comes through here: the one-byte search (memchr) rules
    // out nearly all of them before the two-byte one, whose searcher costs more to set up.
    text.contains('{') && text.find("{{").is_some_and(|start| text.get(start..).is_some_and(|rest| rest.contains("}}")))
}

/// A step of a field path, borrowed from the value walked.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// The field path of the first string holding a template, depth first. The path is kept as
/// borrowed steps and written out only when a template is found: every object of a dump is
/// walked, and templates are rare.
fn first_template<'v>(value: &'v Value, path: &mut Vec<Step<'v>>) -> Option<String> {
    match value {
        Value::String(s) => is_template(s).then(|| written(path)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(Step::Index(i));
            let found = first_template(item, path);
            path.pop();
            found
        }),
        // `metadata.managedFields` is the API server's bookkeeping (what each client last wrote),
        // never a template author's, and read by no rule: real dumps hold more of it than of
        // anything else.
        Value::Object(map) => {
            let in_metadata = matches!(path.as_slice(), [Step::Key("metadata")]);
            map.iter().filter(|(key, _)| !(in_metadata && key.as_str() == "managedFields")).find_map(|(key, item)| {
                path.push(Step::Key(key));
                let found = first_template(item, path);
                path.pop();
                found
            })
        }
        _ => None,
    }
}

/// `spec.containers[1].image`.
fn written(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::objects;
    use serde_json::json;

    #[test]
    fn templates_in_judged_values_are_named_ordinary_go_templates_are_not() {
        let objs = objects(vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
                   "spec": {"template": {"spec": {"containers": [
                       {"name": "web", "image": "nginx"},
                       {"name": "proxy", "image": "{{ .Values.proxy.image }}"}]}}}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "alerts", "namespace": "mon"},
                   "data": {"tmpl": "{{ .Labels.alertname }}"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "{{ .Release.Namespace }}"}}),
        ]);
        let found = diagnostics(&objs);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with(
            "`spec.template.spec.containers[1].image` of `Deployment/shop/web` is an unrendered template"
        ));
        assert!(messages[1].starts_with("`metadata.namespace` of `ConfigMap/"), "{}", messages[1]);
    }

    /// A decision reads no diagnostics: the admission inventory does not walk the object for
    /// templates, the audit's still does.
    #[test]
    fn only_an_audit_walks_for_templates() {
        use crate::inventory::Inventory;
        let objs =
            objects(vec![json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"containers": [{"name": "c", "image": "{{ .Values.image }}"}]}})]);
        let warned = |inv: &Inventory<'_>| {
            inv.diagnostics.iter().filter(|d| d.code == DiagnosticCode::UnrenderedTemplate).count()
        };
        assert_eq!(warned(&Inventory::new(&objs)), 1);
        assert_eq!(warned(&Inventory::for_admission(&objs)), 0);
    }

    /// The objects of one input, as the loader reads them.
    fn loaded(name: &str, text: &str) -> Vec<Object> {
        use crate::input::{InputFile, Limits, load};
        load(&[InputFile { name, bytes: text.as_bytes() }], &Limits::default()).objects
    }

    /// The paths of the template warnings of one loaded input.
    fn warned(name: &str, text: &str) -> Vec<String> {
        let objects = loaded(name, text);
        assert!(!objects.is_empty(), "{text}");
        diagnostics(&objects).into_iter().map(|d| d.message.split('`').nth(1).unwrap_or("").to_string()).collect()
    }

    #[test]
    fn the_loader_passes_by_only_texts_that_cannot_spell_two_braces() {
        let pod = |image: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: {image}\n"
            )
        };
        let image = ["spec.containers[0].image"];
        // A plain text, and braces that never meet: nothing to walk, nothing said.
        for text in [pod("nginx"), pod("\"{ a } { b }\""), pod("\"{\\\"a\\\" }}\"")] {
            assert!(warned("p.yaml", &text).is_empty(), "{text}");
        }
        assert!(loaded("p.yaml", &pod("nginx")).iter().all(|o| !o.may_hold_braces));
        // Every way a string can hold `{{` without the text showing it is still walked and named.
        for text in [
            pod("\"{{ .Values.image }}\""),
            pod("\"\\u007b\\u007B .Values.image }}\""),
            pod("\"\\x7b\\x7B .Values.image }}\""),
            pod("\"\\U0000007b{ .Values.image }}\""),
            pod("\"{\\\n      { .Values.image }}\""),
        ] {
            assert_eq!(warned("p.yaml", &text), image, "{text}");
        }
        let json = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"containers": [{"name": "c", "image": "\u007b\u007b .Values.image }}"}]}}"#;
        assert_eq!(warned("p.json", json), image);
    }

    #[test]
    fn the_api_servers_managed_fields_are_not_walked_for_templates() {
        let objs = objects(vec![
            json!({"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "p", "namespace": "ns", "managedFields": [{"manager": "{{ odd }}"}]},
                   "spec": {"containers": [{"name": "c", "image": "nginx"}]}}),
            // The same key and text anywhere else in a judged object is still named.
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q", "namespace": "ns"},
                   "spec": {"managedFields": [{"manager": "{{ odd }}"}], "containers": [{"name": "c", "image": "nginx"}]}}),
        ]);
        let found = diagnostics(&objs);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].starts_with("`spec.managedFields[0].manager` of `Pod/ns/q`"), "{}", messages[0]);
    }
}
