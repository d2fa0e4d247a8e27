//! Writes what native policy-core decides for every fixture under every settings profile, as
//! `{profiles, verdicts: {profile: {fixture: Verdict}}, audit: <report of all fixtures>, auditFiles:
//! [{name, content}], rules: [codes]}`
//! JSON, for the JS and Python host tests to compare against.
//! Usage: `native-decisions OUT.json`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: native-decisions OUT.json");
        return ExitCode::from(2);
    };
    let fixtures = match authn_audit_hosts::fixtures() {
        Ok(fixtures) => fixtures,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut all = serde_json::Map::new();
    for (profile, settings) in authn_audit_hosts::profiles() {
        let verdicts: serde_json::Map<String, serde_json::Value> = fixtures
            .iter()
            .map(|(name, review)| {
                let verdict = authn_audit_hosts::native(review, &settings);
                (name.clone(), serde_json::to_value(verdict).unwrap_or_default())
            })
            .collect();
        all.insert(profile.to_string(), verdicts.into());
    }
    let profiles: serde_json::Map<String, serde_json::Value> =
        authn_audit_hosts::profiles().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    // The report the npm package's `audit` must reproduce: every fixture as an input file.
    let texts: Vec<(String, String)> =
        fixtures.iter().map(|(name, review)| (format!("{name}.json"), review.to_string())).collect();
    let inputs: Vec<policy_core::InputFile<'_>> =
        texts.iter().map(|(name, text)| policy_core::InputFile { name, bytes: text.as_bytes() }).collect();
    let settings: policy_core::Settings =
        serde_json::from_value(serde_json::json!({"now": "2025-11-28T12:00:00Z"})).unwrap_or_default();
    let report = policy_core::render::json(&policy_core::analyze(&inputs, &settings));
    let audit: serde_json::Value = serde_json::from_str(&report).unwrap_or_default();
    let rules: Vec<&str> = policy_core::registry::ALL.iter().map(|r| r.meta().code).collect();
    // The very texts analysed: findings carry line and column, so the npm side must read the
    // same bytes, not its own serialisation of the fixtures.
    let audit_files: Vec<serde_json::Value> =
        texts.iter().map(|(name, content)| serde_json::json!({"name": name, "content": content})).collect();
    let json = serde_json::json!({
        "profiles": profiles, "verdicts": all, "audit": audit, "auditFiles": audit_files, "rules": rules
    });
    match std::fs::write(&out, format!("{json:#}\n")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{out}: {e}");
            ExitCode::FAILURE
        }
    }
}
