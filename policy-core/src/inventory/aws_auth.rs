//! EKS-style identity maps: which IAM user or role becomes which Kubernetes user and groups.
//!
//! Three places hold them: the `aws-auth` ConfigMap in kube-system (`mapUsers` / `mapRoles`,
//! each a YAML document inside a string, keys matched without regard to case as the
//! authenticator does), aws-iam-authenticator's own `config.yaml` (`server.mapUsers` /
//! `server.mapRoles`), and `IAMIdentityMapping` objects. Malformed maps are diagnostics.

use crate::data::diagnostic::{Diagnostic, DiagnosticCode};
use crate::input::Object;
use crate::value::Value;

/// Whether a mapping names an IAM user or an IAM role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// `mapUsers` / `userarn`.
    User,
    /// `mapRoles` / `rolearn`.
    Role,
}

/// One mapping of an IAM principal to a Kubernetes identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping<'a> {
    /// The object holding it.
    pub object: &'a Object,
    /// Where in the object, e.g. `data.mapUsers[0]`.
    pub path: String,
    /// User or role.
    pub principal: Principal,
    /// The IAM ARN.
    pub arn: String,
    /// The Kubernetes user name it becomes (may hold templates like `{{SessionName}}`).
    pub username: String,
    /// The Kubernetes groups it gets.
    pub groups: Vec<String>,
}

/// Every mapping of the dump, with the problems met reading them.
pub fn collect(objects: &[Object]) -> (Vec<Mapping<'_>>, Vec<Diagnostic>) {
    let mut mappings = Vec::new();
    let mut diagnostics = Vec::new();
    for object in objects {
        match object.kind() {
            "ConfigMap" if object.name() == "aws-auth" && object.namespace() == Some("kube-system") => {
                for (key, principal) in [("mapUsers", Principal::User), ("mapRoles", Principal::Role)] {
                    let path = format!("data.{key}");
                    let list = match object.at(&["data", key]) {
                        None | Some(Value::Null) => continue,
                        Some(Value::String(text)) => match crate::input::parse_yaml_value(text) {
                            Ok(value) => value,
                            Err(e) => {
                                diagnostics.push(problem(object, &path, &format!("does not parse ({e})")));
                                continue;
                            }
                        },
                        Some(other) => {
                            diagnostics.push(Diagnostic::new(
                                &object.source.path,
                                object.source.line,
                                DiagnosticCode::AwsAuthInvalid,
                                format!(
                                    "`{path}` of {} is not a string: ConfigMap data values must be strings holding YAML; read as written",
                                    object.display_name()
                                ),
                            ));
                            other.clone()
                        }
                    };
                    read_list(object, &path, principal, &list, &mut mappings, &mut diagnostics);
                }
            }
            "ConfigMap"
                if object.name() == "aws-iam-authenticator"
                    || object.label("k8s-app") == Some("aws-iam-authenticator") =>
            {
                let Some(text) = object.str_at(&["data", "config.yaml"]) else { continue };
                let config = match crate::input::parse_yaml_value(text) {
                    Ok(config) => config,
                    Err(e) => {
                        diagnostics.push(problem(object, "data.config.yaml", &format!("does not parse ({e})")));
                        continue;
                    }
                };
                for (key, principal) in [("mapUsers", Principal::User), ("mapRoles", Principal::Role)] {
                    if let Some(list) = config.get("server").and_then(|s| s.get(key)).filter(|v| !v.is_null()) {
                        let path = format!("data.config.yaml → server.{key}");
                        read_list(object, &path, principal, list, &mut mappings, &mut diagnostics);
                    }
                }
            }
            "IAMIdentityMapping" => {
                let spec = object.at(&["spec"]).unwrap_or(&Value::Null);
                let arn = field(spec, "arn").unwrap_or_default();
                mappings.push(Mapping {
                    object,
                    path: "spec".to_string(),
                    principal: if arn.contains(":user/") { Principal::User } else { Principal::Role },
                    arn,
                    username: field(spec, "username").unwrap_or_default(),
                    groups: groups(spec),
                });
            }
            _ => {}
        }
    }
    (mappings, diagnostics)
}

fn problem(object: &Object, path: &str, what: &str) -> Diagnostic {
    Diagnostic::new(
        &object.source.path,
        object.source.line,
        DiagnosticCode::AwsAuthUnreadable,
        format!("`{path}` of {}: {what}; expected a YAML list of mappings", object.display_name()),
    )
}

fn read_list<'a>(
    object: &'a Object,
    path: &str,
    principal: Principal,
    list: &Value,
    mappings: &mut Vec<Mapping<'a>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(entries) = list.as_array() else {
        diagnostics.push(problem(object, path, "is not a list"));
        return;
    };
    let arn_key = match principal {
        Principal::User => "userarn",
        Principal::Role => "rolearn",
    };
    for (i, entry) in entries.iter().enumerate() {
        let groups = groups(entry);
        // A mis-indented list item folds into the previous one: `system:bootstrappers - system:nodes`.
        if let Some(odd) = groups.iter().find(|g| g.chars().any(char::is_whitespace)) {
            diagnostics.push(Diagnostic::new(
                &object.source.path,
                object.source.line,
                DiagnosticCode::AwsAuthInvalid,
                format!(
                    "`{path}[{i}].groups` of {} holds `{odd}`, which is no group name; expected one group per list item (is an item mis-indented?)",
                    object.display_name()
                ),
            ));
        }
        mappings.push(Mapping {
            object,
            path: format!("{path}[{i}]"),
            principal,
            arn: field(entry, arn_key).unwrap_or_default(),
            username: field(entry, "username").unwrap_or_default(),
            groups,
        });
    }
}

/// A string field looked up without regard to case, as aws-iam-authenticator reads keys.
fn field(map: &Value, key: &str) -> Option<String> {
    let value = map.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?.1;
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn groups(map: &Value) -> Vec<String> {
    let Some((_, value)) = map.as_object().and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("groups")))
    else {
        return Vec::new();
    };
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Value::String(one) => vec![one.to_string()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::certs::tests::object;

    #[test]
    fn mixed_case_keys_and_list_form_are_read() {
        let objects = [object(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "aws-auth", "namespace": "kube-system"},
            "data": {
                "mapUsers": "[{\"uSeRaRn\": \"arn:aws:iam::5:user/admin\", \"UsErNaMe\": \"admin\", \"gRoUpS\": [\"system:masters\"]}]",
                "mapRoles": [{"rolearn": "arn:aws:iam::5:role/node", "username": "system:node:x", "groups": ["system:nodes"]}]
            }
        }))];
        let (mappings, diagnostics) = collect(&objects);
        assert_eq!(mappings.len(), 2);
        let user = mappings.iter().find(|m| m.principal == Principal::User).unwrap_or(&mappings[0]);
        assert_eq!(user.arn, "arn:aws:iam::5:user/admin");
        assert_eq!(user.username, "admin");
        assert_eq!(user.groups, vec!["system:masters".to_string()]);
        assert_eq!(user.path, "data.mapUsers[0]");
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("`data.mapRoles`"));
    }

    /// The aws-iam-authenticator corpus (copied verbatim into the EK001 fixtures): every file
    /// loads, and only the malformed ones get diagnostics.
    #[test]
    fn authenticator_corpus_files_give_the_diagnostics_they_deserve() {
        let files: [(&str, &str, &[&str]); 5] = [
            ("aws-auth", include_str!("../../../tests/fixtures/rules/EK001/bad_aws_auth_admin_user.yaml"), &[]),
            ("crazy", include_str!("../../../tests/fixtures/rules/EK001/bad_aws_auth_crazy_case_keys.yaml"), &[]),
            (
                "bar",
                include_str!("../../../tests/fixtures/rules/EK001/bad_aws_auth_missing_bar.yaml"),
                &["`data.mapRoles`"],
            ),
            (
                "space",
                include_str!("../../../tests/fixtures/rules/EK001/bad_aws_auth_space_out_of_place.yaml"),
                &["`system:bootstrappers - system:nodes`"],
            ),
            ("deploy", include_str!("../../../tests/fixtures/rules/EK001/bad_authenticator_config_masters.yaml"), &[]),
        ];
        for (name, text, expected) in files {
            let loaded = crate::input::load(
                &[crate::input::InputFile { name, bytes: text.as_bytes() }],
                &crate::data::limits::Limits::default(),
            );
            let (mappings, diagnostics) = collect(&loaded.objects);
            assert_eq!(diagnostics.len(), expected.len(), "{name}: {diagnostics:?}");
            for (d, e) in diagnostics.iter().zip(expected) {
                assert!(d.message.contains(e), "{name}: {}", d.message);
            }
            let masters: Vec<&str> = mappings
                .iter()
                .filter(|m| m.groups.iter().any(|g| g == "system:masters"))
                .map(|m| m.arn.as_str())
                .collect();
            let want = if name == "deploy" { 4 } else { 1 };
            assert_eq!(masters.len(), want, "{name}: {masters:?}");
        }
    }

    #[test]
    fn unparsable_map_is_a_diagnostic_and_others_elsewhere_are_ignored() {
        let objects = [
            object(serde_json::json!({
                "kind": "ConfigMap", "metadata": {"name": "aws-auth", "namespace": "kube-system"},
                "data": {"mapUsers": "[{\"userarn\": "}
            })),
            object(serde_json::json!({
                "kind": "ConfigMap", "metadata": {"name": "aws-auth", "namespace": "default"},
                "data": {"mapUsers": "[{\"userarn\": \"a\", \"groups\": [\"system:masters\"]}]"}
            })),
        ];
        let (mappings, diagnostics) = collect(&objects);
        assert!(mappings.is_empty());
        assert_eq!(diagnostics.len(), 1);
        // A list that does not parse is lost, so an error; it once shared a warning's code.
        let d = &diagnostics[0];
        assert_eq!((d.code.as_str(), d.level), ("aws-auth-unreadable", crate::data::diagnostic::Level::Error));
    }
}
