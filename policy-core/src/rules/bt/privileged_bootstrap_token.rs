use super::bootstrap_secret::bootstrap_secrets;
use crate::inventory::rbac::{NODE_BOOTSTRAP, Subject, SubjectKind};
use crate::inventory::workloads::secret_value;
use crate::report::{MAX_RELATED, ObjectRef};
use crate::rule::prelude::*;
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Flags a live bootstrap token (`kube-system/bootstrap-token-<id>`, usable for
    /// authentication) whose `auth-extra-groups` names a group outside
    /// `system:bootstrappers:*`, or whose identity (`system:bootstrap:<id>`,
    /// `system:bootstrappers` and its extra groups) is bound to more than node bootstrapping:
    /// creating and reading CSRs, node-client auto-approval, and the kubeadm join reads. At
    /// admission time the Secret alone is judged, by its groups.
    ///
    /// ## Why is this bad?
    /// Bootstrap tokens are shared, often long-lived secrets pasted into join scripts and
    /// cloud-init data, with no lockout against guessing. They are meant to do one thing: let a
    /// new node ask for its certificate. Any extra group or permission turns a join token into
    /// a general credential.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Secret
    /// type: bootstrap.kubernetes.io/token
    /// metadata: {name: bootstrap-token-abcdef, namespace: kube-system}
    /// stringData:
    ///   auth-extra-groups: system:bootstrappers:worker,system:masters
    /// ```
    ///
    /// ## How to fix
    /// Keep `auth-extra-groups` within `system:bootstrappers:*` (kubeadm uses
    /// `system:bootstrappers:kubeadm:default-node-token`) and bind those groups only to
    /// `system:node-bootstrapper` and the node-client auto-approval role.
    ///
    /// Guide: *Bootstrap Tokens*.
    pub PrivilegedBootstrapToken {
        code: "BT003",
        slug: "privileged-bootstrap-token",
        severity: Severity::High,
        mechanism: Mechanism::BootstrapTokens,
        scope: Scope::Admit,
    }
}

impl Check for PrivilegedBootstrapToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let mut reaches: HashMap<Subject, Reach> = HashMap::new();
        for token in bootstrap_secrets(cx.inv) {
            if token.ignored_because().is_some() {
                continue;
            }
            let id = token.display_id().to_string();
            let groups: Vec<String> = secret_value(token.object, "auth-extra-groups")
                .and_then(|b| String::from_utf8(b).ok())
                .map(|text| text.split(',').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect())
                .unwrap_or_default();
            let mut problems = Vec::new();
            let invalid: Vec<String> =
                groups.iter().filter(|g| !is_bootstrap_group(g)).map(|g| format!("`{g}`")).collect();
            if !invalid.is_empty() {
                problems.push(format!("asks for {} outside `system:bootstrappers:*`", invalid.join(", ")));
            }
            let identity = std::iter::once(Subject::user(format!("system:bootstrap:{id}")))
                .chain(std::iter::once(Subject::group("system:bootstrappers")))
                .chain(groups.iter().filter(|g| is_bootstrap_group(g)).map(Subject::group));
            let mut related = Vec::new();
            for subject in identity {
                // Many tokens share their groups: each subject's reach is worked out once.
                let reach = reaches.entry(subject).or_insert_with_key(|subject| Reach::of(cx, subject));
                if let (Some(holds), true) = (&reach.holds, related.is_empty()) {
                    problems.push(holds.clone());
                }
                related.extend(reach.related.iter().cloned());
            }
            if problems.is_empty() {
                continue;
            }
            let mut finding = self
                .finding(token.object, format!("bootstrap token `{id}` {}", problems.join("; ")))
                .evidence(Evidence::plain(groups_path(token.object), groups.join(",")));
            for object in related {
                finding = finding.related(object);
            }
            out.push(finding);
        }
    }
}

/// What one subject holds beyond node bootstrapping: the first such grant said in words, and
/// the bindings of all of them, as many as a finding lists (so 1 000 tokens bound through
/// 1 000 bindings cost 1 000 + 1 000 steps, not a million).
struct Reach {
    holds: Option<String>,
    related: Vec<ObjectRef>,
}

impl Reach {
    fn of(cx: &Context<'_, '_>, subject: &Subject) -> Self {
        let mut reach = Reach { holds: None, related: Vec::new() };
        for grant in cx.inv.rbac().grants_naming(subject) {
            let Some(role) = grant.role else { continue };
            if reach.holds.is_some() && reach.related.len() >= MAX_RELATED {
                break;
            }
            let Some(excess) = role.exceeds(&NODE_BOOTSTRAP) else { continue };
            if reach.holds.is_none() {
                let member = match subject.kind {
                    SubjectKind::Group => format!("is in group `{}`", subject.name),
                    _ => format!("authenticates as `{}`", subject.name),
                };
                reach.holds = Some(format!("{member}, which holds `{}` ({excess})", role.display()));
            }
            let object = grant.binding.object.object_ref();
            if !reach.related.contains(&object) {
                reach.related.push(object);
            }
        }
        reach
    }
}

/// Where `auth-extra-groups` is written: `stringData` wins over `data`, as on the API server.
fn groups_path(secret: &Object) -> &'static str {
    if secret.at(&["stringData", "auth-extra-groups"]).is_some() {
        "stringData.auth-extra-groups"
    } else {
        "data.auth-extra-groups"
    }
}

/// The API server's rule for extra groups: `system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]`.
fn is_bootstrap_group(group: &str) -> bool {
    group.strip_prefix("system:bootstrappers:").is_some_and(|rest| {
        rest.len() <= 256
            && rest.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == ':' || c == '-')
            && rest.chars().last().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::bt::bootstrap_secret::fixtures::bootstrap_secret;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn with_groups(id: &str, groups: &str) -> Value {
        let mut secret = bootstrap_secret(id, "0123456789abcdef", Some("2025-11-29T12:00:00Z"));
        secret["data"].as_object_mut().unwrap().remove("auth-extra-groups");
        secret["stringData"] = json!({"auth-extra-groups": groups});
        secret
    }

    fn crb(name: &str, role: &str, group: &str) -> Value {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": name},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}]})
    }

    #[test]
    fn groups_outside_bootstrappers_and_overbound_groups_fire() {
        let (found, _) = run(
            &PrivilegedBootstrapToken,
            vec![
                with_groups("abcdef", "system:bootstrappers:worker,system:masters"),
                with_groups("ghijkl", "system:bootstrappers:ops"),
                bootstrap_secret("mnopqr", "0123456789abcdef", Some("2025-11-29T12:00:00Z")),
                crb("ops-admin", "cluster-admin", "system:bootstrappers:ops"),
                crb(
                    "kubeadm:kubelet-bootstrap",
                    "system:node-bootstrapper",
                    "system:bootstrappers:kubeadm:default-node-token",
                ),
                crb(
                    "kubeadm:node-autoapprove-bootstrap",
                    "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                    "system:bootstrappers:kubeadm:default-node-token",
                ),
                crb("kubeadm:get-nodes", "kubeadm:get-nodes", "system:bootstrappers:kubeadm:default-node-token"),
            ],
        );
        assert_eq!(
            summary(&found),
            [
                (
                    "high".into(),
                    "Secret/kube-system/bootstrap-token-abcdef".into(),
                    "bootstrap token `abcdef` asks for `system:masters` outside `system:bootstrappers:*`".into()
                ),
                (
                    "high".into(),
                    "Secret/kube-system/bootstrap-token-ghijkl".into(),
                    "bootstrap token `ghijkl` is in group `system:bootstrappers:ops`, which holds `ClusterRole/cluster-admin` (`*` on `*`)".into()
                ),
            ]
        );
        assert_eq!(found[1].related[0].name, "ops-admin");
        assert_eq!(found[0].evidence[0].path, "stringData.auth-extra-groups");
        assert!(!serde_json::to_string(&found).unwrap().contains("0123456789abcdef"));
    }

    #[test]
    fn group_names_follow_the_api_server() {
        assert!(is_bootstrap_group("system:bootstrappers:kubeadm:default-node-token"));
        assert!(is_bootstrap_group("system:bootstrappers:a"));
        assert!(!is_bootstrap_group("system:bootstrappers:"));
        assert!(!is_bootstrap_group("system:bootstrappers:Ops"));
        assert!(!is_bootstrap_group("system:bootstrappers:ops-"));
        assert!(!is_bootstrap_group("system:nodes"));
    }

    #[test]
    fn ignored_tokens_are_quiet_and_admission_needs_only_the_secret() {
        let mut elsewhere = with_groups("abcdef", "system:masters");
        elsewhere["metadata"]["namespace"] = json!("default");
        let (found, _) = run(&PrivilegedBootstrapToken, vec![elsewhere]);
        assert!(found.is_empty());
        let settings =
            crate::settings::Settings { select: vec!["BT003".into()], ..crate::settings::Settings::default() };
        let request = json!({"operation": "CREATE", "namespace": "kube-system", "object": with_groups("abcdef", "system:masters")});
        let decision =
            crate::engine::admit(&request.into(), &settings, &crate::engine::AdmitSettings::default()).unwrap();
        assert!(!decision.allowed);
        assert_eq!(decision.findings[0].code, "BT003");
    }
}
