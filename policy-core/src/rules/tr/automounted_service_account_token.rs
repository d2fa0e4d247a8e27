use crate::data::object_ref::ObjectRef;
use crate::inventory::rbac::Subject;
use crate::inventory::workloads::{AutomountSource, Workload};
use crate::rule::prelude::*;
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Flags a workload that gets a service-account token mounted although it shows no sign of
    /// needing one. The Pod's `automountServiceAccountToken` decides; when the Pod leaves it
    /// unset, the service account's does; when both leave it unset, the token is mounted.
    ///
    /// "Needs no token" means: no binding in the dump grants its service account anything. For
    /// the namespace's `default` account that holds in any dump (Kubernetes grants it nothing by
    /// default, so at admission time and in a dump without RBAC it counts as needing no token;
    /// a `default` account with grants is SA007's finding, not this one); for another account
    /// only when the dump holds RBAC bindings at all. A manifest that sets no namespace is looked
    /// up in the namespace its bindings name, not in `default`. Grants to everyone
    /// (`system:authenticated`, every service account) say nothing about one workload's needs;
    /// grants every service account gets by default (discovery, the
    /// issuer-discovery role) do not count. Static Pods never get a token; kube-system
    /// components on their own service accounts are left alone. At admission time only the
    /// object itself is known, so only workloads on the `default` service account are flagged.
    /// Findings on a controller and the Pods it owns are reported once, on the controller, also
    /// when the dump holds a Deployment and its Pods but not the ReplicaSet between them.
    ///
    /// ## Why is this bad?
    /// Every mounted token is a credential an attacker who gets code execution in the
    /// container can use against the API server. If the application never calls the API, the
    /// token is all risk and no use.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx
    /// ```
    ///
    /// ## How to fix
    /// Set `automountServiceAccountToken: false` on the service account (so every Pod using it
    /// inherits it) or in the pod template; mount a projected token only where one is needed.
    ///
    /// Each finding gives the `kubectl patch` to copy: of the service account, or of the workload
    /// when its own template asks for the token (a bare Pod cannot be changed: create it again).
    /// Pods already running keep their token until they are replaced.
    ///
    /// Guide: *TokenRequest API*.
    pub AutomountedServiceAccountToken {
        code: "TR004",
        slug: "automounted-service-account-token",
        severity: Severity::Low,
        mechanism: Mechanism::TokenRequest,
        scope: Scope::Admit,
    }
}

/// Why the workload looks like it needs no token, or `None` when it may need one (or we
/// cannot tell).
fn needs_no_token(cx: &Context<'_, '_>, w: &Workload<'_>, group_grants: &mut HashMap<String, bool>) -> Option<String> {
    let default_sa = w.service_account == "default";
    if w.namespace == "kube-system" && !default_sa {
        return None;
    }
    if cx.mode == Scope::Admit {
        return default_sa.then(|| "the `default` service account holds no permissions by default".to_string());
    }
    // A manifest without a namespace: its bindings say where it goes (not `default`).
    let subject = Subject::service_account(w.namespace_in(cx.inv).unwrap_or("default"), w.service_account);
    // Of the implicit groups only the namespace's own counts: what `system:authenticated` or
    // every service account is granted says nothing about this workload's needs (and one
    // install's grant to everyone must not change the verdict on another's workloads). Grants
    // to a group are the same for every member: look each group up once per check.
    let uses_api = !cx.inv.rbac().grants_naming(&subject).is_empty()
        || subject.implicit_groups().into_iter().filter(|g| g.starts_with("system:serviceaccounts:")).any(|group| {
            *group_grants.entry(group).or_insert_with_key(|group| {
                cx.inv.rbac().grants_naming(&Subject::group(group.as_str())).iter().any(|g| !g.is_default())
            })
        });
    if uses_api {
        return None;
    }
    // "granted nothing" is only a fact when the dump shows bindings at all.
    let bindings_shown = cx.inv.rbac().bindings().next().is_some();
    if default_sa {
        return Some("no binding in the dump grants the `default` service account anything".to_string());
    }
    bindings_shown.then(|| format!("service account `{}` is granted nothing", w.service_account))
}

/// The patch that stops the mount: of the workload's template when it sets the field itself,
/// else of its service account. The account is granted nothing, so no caller loses access; a
/// manifest whose namespace cannot be told gets none (it would patch the user's current one).
fn stop_automount(cx: &Context<'_, '_>, w: &Workload<'_>) -> Option<Fix> {
    let namespace = w.namespace_in(cx.inv)?.to_string();
    if w.automount.decided_by == AutomountSource::Pod {
        let path = w.automount.path.as_deref().filter(|p| !p.contains('[') && !w.object.is("Pod"))?;
        let pointer = format!("/{}", path.replace('.', "/"));
        let ops = serde_json::json!([{"op": "test", "path": pointer, "value": true},
                                     {"op": "replace", "path": pointer, "value": false}]);
        let object = ObjectRef { namespace: Some(namespace), ..w.object.object_ref() };
        return Fix::json_patch("stop mounting the token in this workload's Pods", &object, &ops);
    }
    let account = ObjectRef {
        api_version: "v1".into(),
        kind: "ServiceAccount".into(),
        namespace: Some(namespace),
        name: w.service_account.to_string(),
    };
    let summary = format!("stop mounting the token of service account `{}` in its Pods", w.service_account);
    Fix::merge_patch(summary, &account, &serde_json::json!({"automountServiceAccountToken": false}))
}

impl Check for AutomountedServiceAccountToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mut group_grants = HashMap::new();
        for w in cx.inv.workloads.iter() {
            if !w.automount.mounted {
                continue;
            }
            let Some(why) = needs_no_token(cx, w, &mut group_grants) else { continue };
            // Evidence paths are in the flagged object; the account's own setting is named in words.
            let (path, value) = match (&w.automount.decided_by, &w.automount.path) {
                (AutomountSource::Pod, Some(path)) => (path.clone(), "true"),
                (AutomountSource::ServiceAccount, _) => {
                    (format!("{}.automountServiceAccountToken", w.spec_path), "unset (the service account sets true)")
                }
                _ => (format!("{}.automountServiceAccountToken", w.spec_path), "unset"),
            };
            let mut finding = self
                .finding(w.object, format!("service-account token automounted but not used: {why}"))
                .evidence(Evidence::plain(path, value));
            if let Some(sa) = w.service_account_object
                && w.automount.decided_by != AutomountSource::Pod
            {
                finding = finding.related(sa.shared_ref());
            }
            for owned in w.related() {
                finding = finding.related(owned);
            }
            out.push(finding.fix(stop_automount(cx, w)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{objects, run, summary};
    use serde_json::{Value, json};

    fn deployment(name: &str, sa: Option<&str>, automount: Option<bool>) -> Value {
        let mut spec = json!({"containers": [{"name": "web", "image": "nginx"}]});
        if let Some(sa) = sa {
            spec["serviceAccountName"] = json!(sa);
        }
        if let Some(a) = automount {
            spec["automountServiceAccountToken"] = json!(a);
        }
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
               "spec": {"template": {"spec": spec}}})
    }

    fn sa(name: &str, automount: Option<bool>) -> Value {
        let mut v =
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": "shop"}});
        if let Some(a) = automount {
            v["automountServiceAccountToken"] = json!(a);
        }
        v
    }

    fn binding(sa: &str) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": format!("{sa}-view"), "namespace": "shop"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
               "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": "shop"}]})
    }

    #[test]
    fn pod_and_service_account_settings_decide_both_ways() {
        let (found, _) = run(
            &AutomountedServiceAccountToken,
            vec![
                sa("default", Some(false)),
                sa("quiet", None),
                sa("loud", Some(true)),
                sa("api", None),
                binding("api"),
                deployment("inherits-off", None, None),
                deployment("overrides-on", None, Some(true)),
                deployment("quiet-app", Some("quiet"), None),
                deployment("quiet-off", Some("quiet"), Some(false)),
                deployment("api-client", Some("api"), None),
                deployment("loud-app", Some("loud"), None),
            ],
        );
        assert_eq!(
            summary(&found),
            vec![
                (
                    "low".to_string(),
                    "Deployment/shop/overrides-on".to_string(),
                    "service-account token automounted but not used: no binding in the dump grants the `default` service account anything"
                        .to_string()
                ),
                (
                    "low".to_string(),
                    "Deployment/shop/quiet-app".to_string(),
                    "service-account token automounted but not used: service account `quiet` is granted nothing"
                        .to_string()
                ),
                (
                    "low".to_string(),
                    "Deployment/shop/loud-app".to_string(),
                    "service-account token automounted but not used: service account `loud` is granted nothing"
                        .to_string()
                ),
            ]
        );
        assert_eq!(found[0].evidence[0].path, "spec.template.spec.automountServiceAccountToken");
        assert_eq!(found[0].evidence[0].value, "true");
        assert_eq!(found[1].evidence[0].value, "unset");
        assert_eq!(found[1].related[0].to_string(), "ServiceAccount/shop/quiet");
        assert_eq!(found[2].object.name, "loud-app");
        assert_eq!(found[2].evidence[0].value, "unset (the service account sets true)");
        let fixes: Vec<&str> = found.iter().map(|f| f.fix.as_ref().unwrap().text.as_str()).collect();
        assert_eq!(
            fixes,
            [
                concat!(
                    r#"kubectl patch deployment -n shop overrides-on --type=json -p '[{"op":"test","path":"/spec/template/spec/automountServiceAccountToken","value":true},"#,
                    r#"{"op":"replace","path":"/spec/template/spec/automountServiceAccountToken","value":false}]'"#
                ),
                r#"kubectl patch serviceaccount -n shop quiet -p '{"automountServiceAccountToken":false}'"#,
                r#"kubectl patch serviceaccount -n shop loud -p '{"automountServiceAccountToken":false}'"#,
            ]
        );
    }

    #[test]
    fn without_bindings_a_named_service_account_is_not_judged() {
        let (found, _) = run(
            &AutomountedServiceAccountToken,
            vec![deployment("named", Some("builder"), None), deployment("plain", None, None)],
        );
        assert_eq!(found.iter().map(|f| f.object.name.as_str()).collect::<Vec<_>>(), vec!["plain"]);
    }

    #[test]
    fn admission_judges_only_the_default_service_account() {
        let objs = objects(vec![deployment("named", Some("builder"), None), deployment("plain", None, Some(true))]);
        let inv = Inventory::new(&objs);
        let settings = crate::settings::Settings::default();
        let cx = Context { inv: &inv, settings: &settings, now: None, mode: Scope::Admit };
        let mut out = Findings::default();
        AutomountedServiceAccountToken.check(&cx, &mut out);
        assert_eq!(out.found.iter().map(|f| f.object.name.as_str()).collect::<Vec<_>>(), vec!["plain"]);
        assert!(out.found[0].message.ends_with("the `default` service account holds no permissions by default"));
    }

    #[test]
    fn controllers_are_reported_once_with_their_pods() {
        let mut rs = deployment("web-5d4f", None, None);
        rs["kind"] = json!("ReplicaSet");
        rs["metadata"]["ownerReferences"] = json!([{"kind": "Deployment", "name": "web", "controller": true}]);
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-5d4f-abcde", "namespace": "shop",
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d4f", "controller": true}]},
            "spec": {"containers": [{"name": "web", "image": "nginx"}],
                     "volumes": [{"name": "kube-api-access-abcde", "projected": {"sources": [
                         {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]}});
        let (found, _) = run(&AutomountedServiceAccountToken, vec![deployment("web", None, None), rs, pod]);
        assert_eq!(found.len(), 1);
        let related: Vec<String> = found[0].related.iter().map(ToString::to_string).collect();
        assert_eq!(related, vec!["ReplicaSet/shop/web-5d4f", "Pod/shop/web-5d4f-abcde"]);
    }
}
