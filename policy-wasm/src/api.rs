//! The npm package's API as JSON values. Answers are tagged unions, as in `@cedar-policy/cedar-wasm`:
//! `{type: "success", …}` or `{type: "failure", errors: [{message}]}`; policy outcomes and bad
//! input are answers, never exceptions.

use crate::settings::PolicySettings;
use policy_core::settings::{ADMISSION_ONLY_KEYS, where_key_applies};
use policy_core::{InputFile, Settings};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// One input of [`audit`]: a name shown in findings and the file's text, or its bytes as
/// base64 for binary inputs (a rotated `.gz` audit log).
#[derive(Debug, Deserialize)]
struct File {
    name: String,
    #[serde(default)]
    content: Option<String>,
    #[serde(default, rename = "contentBase64")]
    content_base64: Option<String>,
}

impl File {
    fn bytes(&self) -> Result<Vec<u8>, crate::Error> {
        use base64::Engine as _;
        match (&self.content, &self.content_base64) {
            (Some(text), None) => Ok(text.as_bytes().to_vec()),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|_| crate::Error::NotBase64(self.name.clone())),
            _ => Err(crate::Error::ContentAmbiguous(self.name.clone())),
        }
    }
}

fn failure(message: impl std::fmt::Display) -> Value {
    json!({"type": "failure", "errors": [{"message": message.to_string()}]})
}

/// Decide an AdmissionReview or AdmissionRequest: `{type: "success", decision}` where decision is
/// `{allowed, message?, findings, warnings}`.
pub fn admit(review_or_request: &Value, settings: &Value) -> Value {
    let decided = PolicySettings::from_value(settings)
        .and_then(|s| crate::admission_request(review_or_request).and_then(|r| s.decide(r)));
    match decided.and_then(|d| serde_json::to_value(d).map_err(|e| crate::Error::encode(&e))) {
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
        // One settings language: an admission key here says where it applies, as the CLI does.
        Value::Object(map) if let Some(key) = map.keys().find(|k| ADMISSION_ONLY_KEYS.contains(&k.as_str())) => {
            return failure(crate::Error::AdmissionOnlySetting { key: key.clone(), applies: where_key_applies(key) });
        }
        value => match Settings::deserialize(value) {
            Ok(settings) => settings,
            Err(e) => return failure(crate::json_error("invalid settings", &e)),
        },
    };
    let unknown = policy_core::registry::unknown_selectors(&settings);
    if !unknown.is_empty() {
        return failure(crate::Error::UnknownRuleCodes(unknown));
    }
    settings.now = settings.now.or(now);
    let bytes = match files.iter().map(File::bytes).collect::<Result<Vec<_>, _>>() {
        Ok(bytes) => bytes,
        Err(message) => return failure(message),
    };
    // Audit logs among the files are recognised by content and read as a stream of chunks.
    let inputs: Vec<InputFile<'_>> =
        files.iter().zip(&bytes).map(|(f, bytes)| InputFile { name: &f.name, bytes }).collect();
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
    #[allow(clippy::indexing_slicing, reason = "tests")]
    fn audit_joins_a_gzip_audit_log_given_as_base64() {
        use base64::Engine as _;
        use std::io::Write as _;
        let fixture = |name: &str| {
            std::fs::read(format!("{}/../tests/fixtures/audit/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default()
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&fixture("cluster-audit.log")).unwrap_or_default();
        let log = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap_or_default());
        let dump = String::from_utf8(fixture("cluster.yaml")).unwrap_or_default();
        let files =
            json!([{"name": "cluster.yaml", "content": dump}, {"name": "audit.log.1.gz", "contentBase64": log}]);
        let settings = json!({"select": ["UL001"], "now": "2025-11-28T12:00:00Z"});
        let answer = audit(&files, &settings, None);
        assert_eq!(answer["type"], "success", "{answer}");
        assert_eq!(answer["report"]["audit"]["requests"], 12);
        assert_eq!(answer["report"]["findings"][0]["code"], "UL001");
        let bad = audit(&json!([{"name": "x.gz", "contentBase64": "%%"}]), &Value::Null, None);
        assert_eq!(bad["errors"][0]["message"], "file `x.gz`: `contentBase64` is not base64");
        let neither = audit(&json!([{"name": "x"}]), &Value::Null, None);
        assert_eq!(neither["type"], "failure");
        // The owner's version is admission's: an audit reads it from the dump.
        let version = audit(&json!([]), &json!({"kubernetesVersion": "1.20"}), None);
        assert_eq!(
            version["errors"][0]["message"],
            "invalid settings: `kubernetesVersion` applies to the admission policy's settings (Kubewarden, OPA, npm); \
             audits do not read it"
        );
    }

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
