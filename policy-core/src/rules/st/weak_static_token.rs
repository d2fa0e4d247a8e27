use crate::rule::prelude::*;
use crate::util::token_strength::TokenStrength;
use crate::value::Value;

/// Shorter static tokens are weak (20 random alphanumerics are about 119 bits).
pub(crate) const MIN_STATIC_TOKEN_LENGTH: usize = 20;

declare_rule! {
    /// ## What it does
    /// Reads a static token file given as input (the CSV behind `--token-auth-file`) and flags
    /// each token that is in the `system:masters` group, or that is short, repetitive,
    /// sequential, low in entropy or built from a common word.
    ///
    /// ## Why is this bad?
    /// A `system:masters` member passes every authorization check, and a token in that group
    /// cannot be revoked short of editing the file and restarting every API server. The API
    /// server does not slow down wrong guesses, so a hand-made token can be found by trying.
    ///
    /// ## Example
    /// ```text
    /// admin123,admin,1000,"system:masters"
    /// ```
    ///
    /// ## How to fix
    /// Stop using the static token file (see ST001). Until then, take every token out of
    /// `system:masters`, grant permissions through RBAC instead, and replace hand-made tokens
    /// with random ones (`head -c 32 /dev/urandom | base64`).
    ///
    /// Guide: *Static Token File*.
    pub WeakStaticToken {
        code: "ST003",
        slug: "weak-static-token",
        severity: Severity::High,
        mechanism: Mechanism::StaticTokenFile,
        scope: Scope::Audit,
    }
}

impl Check for WeakStaticToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for file in cx.inv.of_kind("StaticTokenFile") {
            let Some(rows) = file.at(&["rows"]).and_then(Value::as_array) else { continue };
            for (i, row) in rows.iter().enumerate() {
                let Some(token) = row.get("token").and_then(Value::as_str) else { continue };
                let user = row.get("user").and_then(Value::as_str).unwrap_or("");
                let line = row.get("line").and_then(Value::as_u64).and_then(|l| u32::try_from(l).ok());
                let evidence = Evidence::secret(format!("rows[{i}].token"), token.as_bytes());
                let at_line = |finding: crate::report::Finding| match line {
                    Some(line) => finding.line(line),
                    None => finding,
                };
                let groups = groups(row);
                if groups.iter().any(|g| g == "system:masters") {
                    out.push(at_line(
                        self.finding(file, format!("static token of user `{user}` is in `system:masters`"))
                            .evidence(evidence.clone())
                            .evidence(Evidence::plain(format!("rows[{i}].groups"), groups.join(","))),
                    ));
                }
                let weaknesses = TokenStrength::of(token).weaknesses(MIN_STATIC_TOKEN_LENGTH);
                if !weaknesses.is_empty() {
                    let why: Vec<String> = weaknesses.iter().map(ToString::to_string).collect();
                    out.push(at_line(
                        self.finding(file, format!("static token of user `{user}` is guessable: {}", why.join(", ")))
                            .evidence(evidence),
                    ));
                }
            }
        }
    }
}

/// A row's groups: a list, or the CSV's comma-separated string.
fn groups(row: &Value) -> Vec<String> {
    match row.get("groups") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(|g| g.trim().to_string()).collect(),
        Some(Value::String(text)) => text.split(',').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{run, summary};
    use serde_json::{Value, json};

    fn token_file(rows: Value) -> Value {
        json!({"apiVersion": "authn-audit.dev/v1", "kind": "StaticTokenFile", "metadata": {"name": "tokens.csv"}, "rows": rows})
    }

    #[test]
    fn masters_and_weak_tokens_fire_with_fingerprints_only() {
        let (found, na) = run(
            &WeakStaticToken,
            vec![token_file(json!([
                {"token": "admin123", "user": "admin", "uid": "1", "groups": ["system:masters"], "line": 1},
                {"token": "Qm3Xr7pL2vK9sT4wYb8NcE1uHj6Gd0Zf", "user": "ci", "uid": "2", "groups": ["ci"], "line": 2},
                {"token": "9f86d081884c7d659a2feaa0c55ad015", "user": "ops", "uid": "3", "groups": "ops,system:masters", "line": 3},
            ]))],
        );
        assert!(na.is_empty());
        assert_eq!(
            summary(&found),
            [
                (
                    "high".into(),
                    "StaticTokenFile/tokens.csv".into(),
                    "static token of user `admin` is in `system:masters`".into()
                ),
                (
                    "high".into(),
                    "StaticTokenFile/tokens.csv".into(),
                    "static token of user `admin` is guessable: only 8 characters (minimum 20), contains a common word"
                        .into()
                ),
                (
                    "high".into(),
                    "StaticTokenFile/tokens.csv".into(),
                    "static token of user `ops` is in `system:masters`".into()
                ),
            ]
        );
        assert_eq!(found[0].source.line, 1);
        assert_eq!(found[2].source.line, 3);
        let json = serde_json::to_string(&found).unwrap();
        assert!(!json.contains("admin123") && !json.contains("9f86d0818"));
        assert_eq!(found[0].evidence[0].value, crate::util::fingerprint::WITHHELD);
        assert!(found[0].evidence[0].redacted);
    }

    #[test]
    fn nothing_without_a_token_file() {
        let (found, na) = run(&WeakStaticToken, vec![]);
        assert!(found.is_empty() && na.is_empty());
    }
}
