//! Reading bootstrap tokens, shared by the BT rules: `bootstrap.kubernetes.io/token` Secrets
//! and the `bootstrapTokens` of kubeadm `InitConfiguration` documents (which kubeadm turns into
//! such Secrets at `kubeadm init`).

use crate::input::Object;
use crate::inventory::Inventory;
use crate::inventory::workloads::secret_value;
use crate::value::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The Secret type of bootstrap tokens.
pub(crate) const BOOTSTRAP_TOKEN_TYPE: &str = "bootstrap.kubernetes.io/token";

/// Where a token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// A Secret; the fields live in `data` or `stringData`.
    Secret { field: &'static str },
    /// `bootstrapTokens[index]` of a kubeadm `InitConfiguration`, with its `ttl` as written.
    Kubeadm { index: usize, ttl: Option<String>, authenticates: bool },
}

/// One bootstrap token, decoded. The secret half is kept as bytes for strength checks and
/// fingerprints only; it never goes into a message.
#[derive(Debug, Clone)]
pub(crate) struct BootstrapSecret<'a> {
    /// The Secret or kubeadm document.
    pub object: &'a Object,
    /// `token-id`, decoded.
    pub id: Option<String>,
    /// `token-secret`, decoded.
    pub secret: Option<Vec<u8>>,
    /// `expiration` (kubeadm: `expires`) as written, when present.
    pub expiration: Option<String>,
    /// Where it was found.
    pub source: TokenSource,
}

impl BootstrapSecret<'_> {
    /// Why the API server would not accept this token at all (`None`: it is live).
    /// Only `kube-system/bootstrap-token-<token-id>` Secrets with the authentication usage count.
    pub fn ignored_because(&self) -> Option<String> {
        let Some(id) = self.id.as_deref() else { return Some("it has no `token-id`".into()) };
        let authenticates = match &self.source {
            TokenSource::Kubeadm { authenticates, .. } => *authenticates,
            TokenSource::Secret { .. } => {
                if self.object.namespace() != Some("kube-system") {
                    return Some("the API server only reads bootstrap tokens in `kube-system`".into());
                }
                if self.object.name() != format!("bootstrap-token-{id}") {
                    return Some(format!("the API server only reads it under the name `bootstrap-token-{id}`"));
                }
                self.usage("usage-bootstrap-authentication").as_deref() == Some("true")
            }
        };
        (!authenticates).then(|| "it is not usable for authentication".to_string())
    }

    /// Whether the token has no expiry: a Secret without `expiration`, or a kubeadm token with
    /// `ttl: 0` and no `expires`.
    pub fn never_expires(&self) -> bool {
        match &self.source {
            TokenSource::Secret { .. } => self.expiration.is_none(),
            TokenSource::Kubeadm { ttl, .. } => {
                self.expiration.is_none() && ttl.as_deref().and_then(crate::util::parse_duration) == Some(0)
            }
        }
    }

    /// The expiry instant: `Ok(None)` when unset, `Err(())` when unparseable (the API server
    /// then treats the token as expired).
    pub fn expires(&self) -> Result<Option<OffsetDateTime>, ()> {
        match self.expiration.as_deref() {
            None => Ok(None),
            Some(text) => OffsetDateTime::parse(text.trim(), &Rfc3339).map(Some).map_err(|_| ()),
        }
    }

    /// The field path of a Secret key (`data.expiration`), or of the kubeadm field holding it.
    pub fn path(&self, key: &str) -> String {
        match &self.source {
            TokenSource::Secret { field } => format!("{field}.{key}"),
            TokenSource::Kubeadm { index, .. } => {
                let field = match key {
                    "expiration" => "ttl",
                    _ => "token",
                };
                format!("bootstrapTokens[{index}].{field}")
            }
        }
    }

    /// The token as people name it: its id (public by design, it is part of the Secret name).
    pub fn display_id(&self) -> &str {
        self.id.as_deref().unwrap_or_else(|| self.object.name())
    }

    fn usage(&self, key: &str) -> Option<String> {
        secret_value(self.object, key).and_then(|b| String::from_utf8(b).ok()).map(|s| s.trim().to_string())
    }
}

/// Every bootstrap token Secret of the dump.
pub(crate) fn bootstrap_secrets<'a>(inv: &Inventory<'a>) -> Vec<BootstrapSecret<'a>> {
    inv.of_kind("Secret")
        .filter(|s| s.str_at(&["type"]) == Some(BOOTSTRAP_TOKEN_TYPE))
        .map(|object| {
            let text = |key: &str| secret_value(object, key).and_then(|b| String::from_utf8(b).ok());
            let field = if object.at(&["stringData", "token-id"]).is_some() { "stringData" } else { "data" };
            BootstrapSecret {
                object,
                id: text("token-id").map(|s| s.trim().to_string()),
                secret: secret_value(object, "token-secret"),
                expiration: text("expiration"),
                source: TokenSource::Secret { field },
            }
        })
        .collect()
}

/// Every bootstrap token of the dump: the Secrets, then the tokens kubeadm `InitConfiguration`
/// documents will create.
pub(crate) fn bootstrap_tokens<'a>(inv: &Inventory<'a>) -> Vec<BootstrapSecret<'a>> {
    let mut out = bootstrap_secrets(inv);
    for object in inv.of_kind("InitConfiguration").filter(|o| o.api_version().starts_with("kubeadm.k8s.io/")) {
        let tokens = object.at(&["bootstrapTokens"]).and_then(Value::as_array).into_iter().flatten();
        for (index, token) in tokens.enumerate() {
            // A kubeadm token without `token` is generated at random by kubeadm: nothing to judge.
            let Some(text) = token.get("token").and_then(Value::as_str) else { continue };
            let (id, secret) = text.split_once('.').unwrap_or((text, ""));
            let usages: Vec<&str> =
                token.get("usages").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
            out.push(BootstrapSecret {
                object,
                id: Some(id.to_string()),
                secret: Some(secret.as_bytes().to_vec()),
                expiration: token.get("expires").and_then(Value::as_str).map(String::from),
                source: TokenSource::Kubeadm {
                    index,
                    ttl: token.get("ttl").and_then(Value::as_str).map(String::from),
                    authenticates: usages.is_empty() || usages.contains(&"authentication"),
                },
            });
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::{Value, json};

    /// A kubeadm-shaped bootstrap token Secret (base64 `data`); `None` leaves a key out.
    pub(crate) fn bootstrap_secret(id: &str, secret: &str, expiration: Option<&str>) -> Value {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mut data = json!({
            "token-id": b64(id),
            "token-secret": b64(secret),
            "usage-bootstrap-authentication": b64("true"),
            "usage-bootstrap-signing": b64("true"),
            "auth-extra-groups": b64("system:bootstrappers:kubeadm:default-node-token"),
        });
        if let (Some(exp), Some(map)) = (expiration, data.as_object_mut()) {
            map.insert("expiration".into(), Value::String(b64(exp)));
        }
        json!({"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
               "metadata": {"name": format!("bootstrap-token-{id}"), "namespace": "kube-system"}, "data": data})
    }
}
