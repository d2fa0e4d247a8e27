//! The npm package's API as JSON values. Answers are tagged unions, as in `@cedar-policy/cedar-wasm`:
//! `{type: "success", …}` or `{type: "failure", errors: [{message}]}`; policy outcomes and bad
//! input are answers, never exceptions.

use crate::settings::PolicySettings;
use policy_core::{InputFile, Settings};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// One input of [`audit`]: a name shown in findings and the file's text.
#[derive(Debug, Deserialize)]
struct File {
    name: String,
    content: String,
}

fn failure(message: impl Into<String>) -> Value {
    json!({"type": "failure", "errors": [{"message": message.into()}]})
}

/// Decide an AdmissionReview or AdmissionRequest: `{type: "success", decision}` where decision is
/// `{allowed, message?, findings, warnings}`.
pub fn admit(review_or_request: &Value, settings: &Value) -> Value {
    let decided = PolicySettings::from_value(settings)
        .and_then(|s| crate::admission_request(review_or_request).and_then(|r| s.decide(r)));
    match decided.and_then(|d| serde_json::to_value(d).map_err(|e| e.to_string())) {
        Ok(decision) => json!({"type": "success", "decision": decision}),
        Err(message) => failure(message),
    }
}

/// Audit files `[{name, content}]` with [`Settings`] (camelCase JSON): `{type: "success", report}`,
/// the report being the CLI's JSON. Without `settings.now` the evaluation instant is `now`.
pub fn audit(files: &Value, settings: &Value, now: Option<OffsetDateTime>) -> Value {
    let files = match Vec::<File>::deserialize(files) {
        Ok(files) => files,
        Err(e) => return failure(crate::json_error("expected files as `[{name, content}]`", &e)),
    };
    let mut settings = match settings {
        Value::Null => Settings::default(),
        value => match Settings::deserialize(value) {
            Ok(settings) => settings,
            Err(e) => return failure(crate::json_error("invalid settings", &e)),
        },
    };
    let unknown = policy_core::registry::unknown_selectors(&settings);
    if !unknown.is_empty() {
        return failure(format!("unknown rule codes in settings: `{}`", unknown.join("`, `")));
    }
    settings.now = settings.now.or(now);
    let inputs: Vec<InputFile<'_>> =
        files.iter().map(|f| InputFile { name: &f.name, bytes: f.content.as_bytes() }).collect();
    let report = policy_core::analyze(&inputs, &settings);
    match serde_json::to_value(&report) {
        Ok(report) => json!({"type": "success", "report": report}),
        Err(e) => failure(e.to_string()),
    }
}

/// The rule catalogue: every rule's metadata and docs, plus its title.
pub fn rules() -> Value {
    Value::Array(
        policy_core::registry::ALL
            .iter()
            .map(|rule| {
                let meta = rule.meta();
                let mut value = serde_json::to_value(meta).unwrap_or(Value::Null);
                if let Value::Object(map) = &mut value {
                    map.insert("title".to_string(), Value::String(meta.title()));
                }
                value
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admit_answers_success_with_the_decision() {
        let review = json!({"kind": "AdmissionReview", "request": {"operation": "CREATE",
            "object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"}}}});
        assert_eq!(
            admit(&review, &Value::Null),
            json!({"type": "success", "decision": {"allowed": true, "findings": [], "warnings": []}})
        );
    }

    #[test]
    fn admit_answers_failure_for_bad_calls() {
        let answer = admit(&json!({"operation": "CREATE"}), &json!({}));
        assert_eq!(answer, failure("admission request has no `object`"));
        let answer = admit(&json!({"operation": "CREATE", "object": {}}), &json!({"exemptUsers": [""]}));
        assert_eq!(answer, failure("`exemptUsers` holds an empty name"));
        assert_eq!(admit(&json!(3), &Value::Null).get("type"), Some(&json!("failure")));
    }

    #[test]
    fn audit_reports_like_the_cli() {
        // JSON, which every loader version reads.
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "kube-apiserver-cp", "namespace": "kube-system", "labels": {"component": "kube-apiserver"}},
            "spec": {"containers": [{"name": "kube-apiserver", "command": ["kube-apiserver", "--token-auth-file=/etc/tokens.csv"]}]}})
        .to_string();
        let files = json!([{"name": "dump.yaml", "content": pod}]);
        let now = OffsetDateTime::from_unix_timestamp(1_764_331_200).ok();
        let answer = audit(&files, &json!({"select": ["ST001"]}), now);
        assert_eq!(answer.get("type"), Some(&json!("success")));
        let report = answer.get("report").cloned().unwrap_or_default();
        assert_eq!(report.pointer("/evaluatedAt"), Some(&json!("2025-11-28T12:00:00Z")));
        assert_eq!(report.pointer("/inputs/0/path"), Some(&json!("dump.yaml")));
        let codes: Vec<&Value> = report
            .get("findings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("code"))
            .collect();
        assert_eq!(codes, [&json!("ST001")]);
    }

    #[test]
    fn audit_refuses_bad_files_and_settings() {
        let answer = audit(&json!([{"name": "a"}]), &Value::Null, None);
        assert_eq!(answer.get("type"), Some(&json!("failure")));
        let answer = audit(&json!([]), &json!({"selcet": []}), None);
        assert!(answer.pointer("/errors/0/message").and_then(Value::as_str).is_some_and(|m| m.contains("selcet")));
        let answer = audit(&json!([]), &json!({"ignore": ["QQ1"]}), None);
        assert_eq!(answer, failure("unknown rule codes in settings: `QQ1`"));
    }

    #[test]
    fn rules_list_the_catalogue_with_titles() {
        let rules = rules();
        let list = rules.as_array().cloned().unwrap_or_default();
        assert_eq!(list.len(), policy_core::registry::ALL.len());
        let st001 = list.iter().find(|r| r.get("code") == Some(&json!("ST001"))).cloned().unwrap_or_default();
        assert_eq!(st001.get("slug"), Some(&json!("token-auth-file")));
        assert!(st001.get("title").and_then(Value::as_str).is_some_and(|t| !t.is_empty()));
    }
}
