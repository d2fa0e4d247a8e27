//! Kubeconfig documents (`kind: Config`), whether given as input or stored in a Secret or
//! ConfigMap: clusters (server, CA, TLS verification) and users (client certificate and key,
//! token, basic credentials, exec and auth-provider plugins).
//!
//! Secret material is reduced on the spot: tokens and passwords to a short fingerprint, keys
//! to their label and fingerprint. A legacy service-account token is recognised from its JWT
//! claims (read, never verified) so that its service account can be named.

use super::x509::{self, CertInfo, KeyInfo, PemItem};
use crate::data::object_ref::ObjectRef;
use crate::input::Object;
use crate::util::fingerprint;
use crate::value::Value;
use base64::Engine as _;

/// One kubeconfig and where it is.
#[derive(Debug, Clone)]
pub struct Kubeconfig<'a> {
    /// The object holding it: the `Config` document itself, or a Secret/ConfigMap.
    pub object: &'a Object,
    /// The field of `object` holding it (`data.kubeconfig`); empty for a `Config` document.
    pub field: String,
    /// `current-context`.
    pub current_context: Option<String>,
    /// Cluster entries.
    pub clusters: Vec<Cluster>,
    /// User entries.
    pub users: Vec<User>,
}

impl Kubeconfig<'_> {
    /// Prefix for paths inside the kubeconfig: `data.kubeconfig → ` when stored in an object.
    pub fn prefix(&self) -> String {
        if self.field.is_empty() { String::new() } else { format!("{} → ", self.field) }
    }

    /// Whether it is stored inside a cluster object rather than given as a file.
    pub fn stored_in_cluster(&self) -> bool {
        !self.object.is("Config")
    }
}

/// A `clusters[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Entry name.
    pub name: String,
    /// Path of its `cluster` map, e.g. `clusters[0].cluster`.
    pub path: String,
    /// `server` URL.
    pub server: Option<String>,
    /// `insecure-skip-tls-verify: true`.
    pub insecure_skip_tls_verify: bool,
    /// Decoded `certificate-authority-data`.
    pub ca: Vec<CertInfo>,
    /// `certificate-authority` (a file path).
    pub ca_file: Option<String>,
}

/// A `users[]` entry. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct User {
    /// Entry name.
    pub name: String,
    /// Path of its `user` map, e.g. `users[0].user`.
    pub path: String,
    /// Decoded `client-certificate-data` (leaf first).
    pub client_certs: Vec<CertInfo>,
    /// `client-certificate` (a file path).
    pub client_cert_file: Option<String>,
    /// `client-key-data`, reduced to label, encryption and fingerprint.
    pub client_key: Option<KeyInfo>,
    /// `token`, reduced to a fingerprint and its service-account claims.
    pub token: Option<Token>,
    /// `tokenFile` (a file path).
    pub token_file: Option<String>,
    /// `username` / `password`.
    pub basic: Option<Basic>,
    /// `exec.command`.
    pub exec: Option<String>,
    /// `auth-provider.name`.
    pub auth_provider: Option<String>,
}

/// A bearer token, without its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Short SHA-256 fingerprint of the token.
    pub fingerprint: String,
    /// `namespace:name` of the service account, when the token is a service-account JWT.
    pub service_account: Option<String>,
    /// The Secret a legacy service-account token came from (`kubernetes.io/serviceaccount/secret.name`).
    pub legacy_secret: Option<String>,
}

/// Basic credentials, without the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basic {
    /// `username`.
    pub username: String,
    /// Short fingerprint of `password`, if set.
    pub password_fingerprint: Option<String>,
}

/// A problem: `(path inside the kubeconfig, what is wrong, what was expected)`.
pub type Problem = (String, String, String);

/// The finding-facing reference of an object holding credentials. A kubeconfig document has no
/// `metadata.name`: it is named by its `current-context`, else by its file name.
pub fn holder_ref(object: &Object) -> ObjectRef {
    let mut reference = object.object_ref();
    if reference.name.is_empty() && object.is("Config") {
        reference.name = object
            .str_at(&["current-context"])
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| object.source.path.rsplit(['/', '\\']).next().unwrap_or("").to_string());
    }
    reference
}

/// Whether decoded text is worth parsing as a kubeconfig.
pub fn looks_like(text: &str) -> bool {
    (text.contains("clusters") || text.contains("users"))
        && (text.contains("current-context") || text.contains("contexts") || text.contains("Config"))
        && !text.contains("-----BEGIN ")
}

/// How much of a kubeconfig to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Read {
    #[default]
    /// Everything: CAs, client certificates, keys, tokens, passwords (the audit's inventory).
    Everything,
    /// Only the users' client certificates, the one part an admission rule reads (CC001): an
    /// admission decision skips the CA, key, token and password decoding, which it never looks at.
    ClientCertificates,
}

/// Whether a kubeconfig's text can give a user `client-certificate-data`, which is all that
/// [`Read::ClientCertificates`] keeps: without the key spelled out, a YAML or JSON document can
/// only name it through an escape (`\`) or a tag (`!`), so a text with none of the three holds
/// no client certificate and need not be parsed for one.
pub fn may_hold_client_certificates(text: &str) -> bool {
    text.contains("client-certificate-data") || text.contains(['\\', '!'])
}

/// Read one kubeconfig value found in `object` at `field` (empty for a `Config` document).
pub fn parse<'a>(object: &'a Object, value: &Value, field: &str) -> (Kubeconfig<'a>, Vec<Problem>) {
    parse_reading(object, value, field, Read::Everything)
}

/// [`parse`], decoding only what `read` asks for (the rest stays empty).
pub fn parse_reading<'a>(object: &'a Object, value: &Value, field: &str, read: Read) -> (Kubeconfig<'a>, Vec<Problem>) {
    let mut problems = Vec::new();
    let entries = |key: &str| value.get(key).and_then(Value::as_array).unwrap_or_default();
    let clusters = match read {
        Read::Everything => {
            entries("clusters").iter().enumerate().map(|(i, entry)| cluster(i, entry, &mut problems)).collect()
        }
        Read::ClientCertificates => Vec::new(),
    };
    let users = entries("users").iter().enumerate().map(|(i, entry)| user(i, entry, read, &mut problems)).collect();
    let config = Kubeconfig {
        object,
        field: field.to_string(),
        current_context: value.get("current-context").and_then(Value::as_str).map(str::to_string),
        clusters,
        users,
    };
    (config, problems)
}

fn text(map: &Value, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
}

fn cluster(i: usize, entry: &Value, problems: &mut Vec<Problem>) -> Cluster {
    let path = format!("clusters[{i}].cluster");
    let map = entry.get("cluster").unwrap_or(&Value::Null);
    let mut ca = Vec::new();
    if let Some(data) = text(map, "certificate-authority-data") {
        let field = format!("{path}.certificate-authority-data");
        match x509::decode_base64(&data) {
            Ok(bytes) => {
                let (found, trouble) = x509::certificates(&bytes);
                ca = found;
                problems.extend(trouble.into_iter().map(|t| (field.clone(), t, "PEM CA certificates".to_string())));
            }
            Err(e) => problems.push((field, format!("not valid base64 ({e})"), "base64 of PEM".to_string())),
        }
    }
    let insecure = map.get("insecure-skip-tls-verify");
    Cluster {
        name: text(entry, "name").unwrap_or_default(),
        server: text(map, "server"),
        insecure_skip_tls_verify: insecure.and_then(Value::as_bool).unwrap_or(false)
            || insecure.and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("true")),
        ca,
        ca_file: text(map, "certificate-authority"),
        path,
    }
}

fn user(i: usize, entry: &Value, read: Read, problems: &mut Vec<Problem>) -> User {
    let path = format!("users[{i}].user");
    let map = entry.get("user").unwrap_or(&Value::Null);
    let mut client_certs = Vec::new();
    if let Some(data) = text(map, "client-certificate-data") {
        let field = format!("{path}.client-certificate-data");
        match x509::decode_base64(&data) {
            Ok(bytes) => {
                let (found, trouble) = x509::certificates(&bytes);
                client_certs = found;
                problems.extend(trouble.into_iter().map(|t| (field.clone(), t, "PEM certificates".to_string())));
            }
            Err(e) => problems.push((field, format!("not valid base64 ({e})"), "base64 of PEM".to_string())),
        }
    }
    let name = text(entry, "name").unwrap_or_default();
    if read == Read::ClientCertificates {
        return User { name, client_certs, path, ..User::default() };
    }
    let mut client_key = None;
    if let Some(data) = text(map, "client-key-data") {
        let field = format!("{path}.client-key-data");
        match x509::decode_base64(&data) {
            Ok(bytes) => {
                let (items, _) = x509::parse_pem(&String::from_utf8_lossy(&bytes));
                client_key = items.into_iter().find_map(|item| match item {
                    PemItem::PrivateKey(key) => Some(key),
                    _ => None,
                });
                if client_key.is_none() {
                    problems.push((field, "holds no private key".to_string(), "a PEM private key".to_string()));
                }
            }
            Err(e) => problems.push((field, format!("not valid base64 ({e})"), "base64 of PEM".to_string())),
        }
    }
    let basic = text(map, "username").map(|username| Basic {
        username,
        password_fingerprint: text(map, "password").map(|p| fingerprint::of_secret(p.as_bytes())),
    });
    User {
        name,
        client_certs,
        client_cert_file: text(map, "client-certificate"),
        client_key,
        token: text(map, "token").map(|t| token(&t)),
        token_file: text(map, "tokenFile"),
        basic,
        exec: map.get("exec").map(|e| text(e, "command").unwrap_or_default()),
        auth_provider: map.get("auth-provider").map(|p| text(p, "name").unwrap_or_default()),
        path,
    }
}

/// Reduce a bearer token to its fingerprint and, for a service-account JWT, its account.
pub fn token(token: &str) -> Token {
    let token = token.trim();
    let claims: Option<Value> = token
        .split('.')
        .nth(1)
        .and_then(|payload| base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT.decode(payload).ok())
        .and_then(|json| serde_json::from_slice(&json).ok());
    let claim = |key: &str| claims.as_ref().and_then(|c| c.get(key)).and_then(Value::as_str).map(str::to_string);
    let legacy_ns = claim("kubernetes.io/serviceaccount/namespace");
    let legacy_sa = claim("kubernetes.io/serviceaccount/service-account.name");
    let service_account = match (legacy_ns, legacy_sa) {
        (Some(ns), Some(sa)) => Some(format!("{ns}:{sa}")),
        _ => claim("sub").and_then(|s| s.strip_prefix("system:serviceaccount:").map(str::to_string)),
    };
    Token {
        fingerprint: fingerprint::of_secret(token.as_bytes()),
        service_account,
        legacy_secret: claim("kubernetes.io/serviceaccount/secret.name"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::certs::tests::object;
    use crate::inventory::x509::tests::{CA_PEM, EVE_MASTERS_PEM, KEY_PEM, b64};

    fn jwt(claims: &str) -> String {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s.as_bytes());
        format!("{}.{}.c2lnbmF0dXJl", enc(r#"{"alg":"RS256"}"#), enc(claims))
    }

    #[test]
    fn reads_clusters_users_and_reduces_secrets() {
        let legacy = jwt(
            r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"ci","kubernetes.io/serviceaccount/secret.name":"deployer-token","kubernetes.io/serviceaccount/service-account.name":"deployer"}"#,
        );
        let doc = object(serde_json::json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [
                {"name": "prod", "cluster": {"server": "https://10.0.0.1:6443", "certificate-authority-data": b64(CA_PEM)}},
                {"name": "lab", "cluster": {"server": "http://lab:8080", "insecure-skip-tls-verify": true}}
            ],
            "users": [
                {"name": "eve", "user": {"client-certificate-data": b64(EVE_MASTERS_PEM), "client-key-data": b64(KEY_PEM)}},
                {"name": "ci", "user": {"token": legacy}},
                {"name": "ops", "user": {"username": "ops", "password": "hunter2"}},
                {"name": "sso", "user": {"exec": {"command": "kubelogin"}}}
            ]
        }));
        let (config, problems) = parse(&doc, &doc.value, "");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.clusters[0].ca[0].common_name, "test-ca");
        assert!(!config.clusters[0].insecure_skip_tls_verify && config.clusters[1].insecure_skip_tls_verify);
        assert_eq!(config.users[0].client_certs[0].common_name, "eve");
        assert!(!config.users[0].client_key.as_ref().unwrap().encrypted);
        let token = config.users[1].token.as_ref().unwrap();
        assert_eq!(token.service_account.as_deref(), Some("ci:deployer"));
        assert_eq!(token.legacy_secret.as_deref(), Some("deployer-token"));
        assert_eq!(token.fingerprint, fingerprint::of_secret(legacy.as_bytes()));
        let basic = config.users[2].basic.as_ref().unwrap();
        assert_eq!(basic.password_fingerprint.as_deref(), Some(fingerprint::of_secret(b"hunter2").as_str()));
        assert_eq!(config.users[3].exec.as_deref(), Some("kubelogin"));
        assert!(!format!("{:?}", config.users).contains("hunter2"));
    }

    #[test]
    fn undecodable_fields_are_problems_with_their_path() {
        let doc = object(serde_json::json!({
            "kind": "Config",
            "users": [{"name": "x", "user": {"client-certificate-data": "@@@", "client-key-data": b64("nope")}}]
        }));
        let (config, problems) = parse(&doc, &doc.value, "");
        assert!(config.users[0].client_certs.is_empty());
        let paths: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(paths, vec!["users[0].user.client-certificate-data", "users[0].user.client-key-data"]);
    }

    #[test]
    fn bound_token_names_its_account_but_no_secret() {
        let t = token(&jwt(r#"{"sub":"system:serviceaccount:ns1:app"}"#));
        assert_eq!(t.service_account.as_deref(), Some("ns1:app"));
        assert_eq!(t.legacy_secret, None);
        assert_eq!(token("not-a-jwt").service_account, None);
    }
}
