//! Static token files (`--token-auth-file`): `token,user,uid,"group1,group2"` per line, read
//! the way the kube-apiserver reads them (Go's `encoding/csv`, at least three columns).
//! They become one synthetic `StaticTokenFile` object; tokens stay in memory only.

use super::yaml::Problem;
use crate::data::diagnostic::DiagnosticCode;
use crate::value::Value;
use serde_json::json;

/// The synthetic object's API version.
pub(super) const API_VERSION: &str = "authn-audit.dev/v1";

/// Whether an input is a token file: by its `.csv` name, or by its shape (every line has at
/// least three comma-separated columns and nothing that looks like YAML or JSON).
pub(super) fn is_token_file(name: &str, text: &str) -> bool {
    if name.to_ascii_lowercase().ends_with(".csv") {
        return true;
    }
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty()).take(50).peekable();
    lines.peek().is_some()
        && lines.all(|l| {
            !l.starts_with(['{', '[', '-', '#', '%', '"'])
                && !l.contains(": ")
                && !l.ends_with(':')
                && split_record(l).is_some_and(|fields| fields.len() >= 3)
        })
}

/// Split one physical line (no quoted newlines) into fields; `None` on a quote error.
fn split_record(line: &str) -> Option<Vec<String>> {
    let mut reader = Reader { chars: line.chars().peekable(), line: 1 };
    match reader.record() {
        Some(Ok(fields)) => Some(fields),
        _ => None,
    }
}

struct Reader<I: Iterator<Item = char>> {
    chars: std::iter::Peekable<I>,
    line: u32,
}

impl<I: Iterator<Item = char>> Reader<I> {
    /// The next record (skipping blank lines), or a message for a malformed one.
    fn record(&mut self) -> Option<Result<Vec<String>, &'static str>> {
        while matches!(self.chars.peek(), Some('\n' | '\r')) {
            if self.chars.next() == Some('\n') {
                self.line = self.line.saturating_add(1);
            }
        }
        self.chars.peek()?;
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if self.chars.peek() == Some(&'"') {
                self.chars.next();
                loop {
                    match self.chars.next() {
                        None => return Some(Err("a quoted field is not closed")),
                        Some('"') if self.chars.peek() == Some(&'"') => {
                            self.chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                self.line = self.line.saturating_add(1);
                            }
                            field.push(c);
                        }
                    }
                }
                if !matches!(self.chars.peek(), None | Some(',' | '\n' | '\r')) {
                    self.skip_line();
                    return Some(Err("unexpected character after a closing quote"));
                }
            } else {
                while let Some(&c) = self.chars.peek() {
                    if matches!(c, ',' | '\n' | '\r') {
                        break;
                    }
                    if c == '"' {
                        self.skip_line();
                        return Some(Err("a quote inside an unquoted field"));
                    }
                    field.push(c);
                    self.chars.next();
                }
            }
            fields.push(field);
            match self.chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if self.chars.peek() == Some(&'\n') {
                        self.chars.next();
                    }
                    self.line = self.line.saturating_add(1);
                    return Some(Ok(fields));
                }
                Some('\n') => {
                    self.line = self.line.saturating_add(1);
                    return Some(Ok(fields));
                }
                _ => return Some(Ok(fields)),
            }
        }
    }

    fn skip_line(&mut self) {
        for c in self.chars.by_ref() {
            if c == '\n' {
                self.line = self.line.saturating_add(1);
                break;
            }
        }
    }
}

/// The synthetic object for a token file, and the problems of its rows (never a token value).
pub(super) fn parse(name: &str, text: &str) -> (Value, Vec<Problem>) {
    let mut reader = Reader { chars: text.chars().peekable(), line: 1 };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    loop {
        let line = {
            // Blank lines are skipped inside `record`; its line is where the record starts.
            while matches!(reader.chars.peek(), Some('\n' | '\r')) {
                if reader.chars.next() == Some('\n') {
                    reader.line = reader.line.saturating_add(1);
                }
            }
            reader.line
        };
        let Some(record) = reader.record() else { break };
        let fields = match record {
            Ok(fields) => fields,
            Err(what) => {
                problems.push(Problem {
                    line,
                    code: DiagnosticCode::CsvSyntax,
                    message: format!("{what}; expected `token,user,uid[,\"group1,group2\"]`"),
                });
                continue;
            }
        };
        let mut fields = fields.into_iter();
        let (Some(token), Some(user), Some(uid)) = (fields.next(), fields.next(), fields.next()) else {
            problems.push(Problem {
                line,
                code: DiagnosticCode::CsvSyntax,
                message: "row has fewer than 3 columns; expected `token,user,uid[,\"group1,group2\"]` (the kube-apiserver refuses this file)".to_string(),
            });
            continue;
        };
        if token.is_empty() {
            problems.push(Problem {
                line,
                code: DiagnosticCode::EmptyToken,
                message: "row has an empty token; the kube-apiserver skips it".to_string(),
            });
            continue;
        }
        if let Some(first) = seen.insert(token.clone(), line) {
            problems.push(Problem {
                line,
                code: DiagnosticCode::DuplicateToken,
                message: format!("row repeats the token of line {first}; the kube-apiserver keeps the last one"),
            });
        }
        let groups: Vec<String> = fields
            .next()
            .map(|g| g.split(',').filter(|g| !g.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        // Converted row by row: a large file never has a serde_json copy of all its rows.
        rows.push(Value::from(json!({"token": token, "user": user, "uid": uid, "groups": groups, "line": line})));
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut object = Value::from(json!({
        "apiVersion": API_VERSION,
        "kind": "StaticTokenFile",
        "metadata": {"name": base},
    }));
    if let Some(map) = object.as_object_mut() {
        map.insert("rows", Value::from(rows));
    }
    (object, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_name_or_shape() {
        assert!(is_token_file("tokens.CSV", "apiVersion: v1"));
        assert!(is_token_file("tokens", "abc,admin,1,\"system:masters,dev\"\n\nxyz,bob,2\n"));
        assert!(!is_token_file("pod.yaml", "apiVersion: v1\nkind: Pod\n"));
        assert!(!is_token_file("list", "- a,b,c\n"));
        assert!(!is_token_file("x.json", "{\"a\": \"b,c,d\"}"));
        assert!(!is_token_file("empty", "\n\n"));
    }

    #[test]
    fn rows_groups_and_lines() {
        let text = "s3cr3t,admin,1,\"system:masters,dev\"\n\n\"quoted\"\"tok\",bob,2\nlast,carol,3,\n";
        let (obj, problems) = parse("/etc/k8s/tokens.csv", text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(obj["kind"], "StaticTokenFile");
        assert_eq!(obj["metadata"]["name"], "tokens.csv");
        let rows = obj["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["groups"], serde_json::json!(["system:masters", "dev"]));
        assert_eq!(rows[1]["token"], "quoted\"tok");
        assert_eq!((rows[1]["line"].as_u64(), rows[2]["line"].as_u64()), (Some(3), Some(4)));
        assert_eq!(rows[2]["groups"], serde_json::json!([]));
    }

    #[test]
    fn problems_never_show_tokens() {
        let text = "tok1,a,1\n# comment\ntok1,b,2\n,c,3\n\"open,d,4\n";
        let (obj, problems) = parse("t.csv", text);
        let got: Vec<(&str, u32)> = problems.iter().map(|p| (p.code.as_str(), p.line)).collect();
        assert_eq!(got, vec![("csv-syntax", 2), ("duplicate-token", 3), ("empty-token", 4), ("csv-syntax", 5)]);
        assert!(problems.iter().all(|p| !p.message.contains("tok1")));
        assert_eq!(obj["rows"].as_array().unwrap().len(), 2);
    }
}
