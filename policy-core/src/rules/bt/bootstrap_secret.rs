//! Reading `bootstrap.kubernetes.io/token` Secrets, shared by the BT rules.

use crate::input::Object;
use crate::inventory::Inventory;
use crate::inventory::workloads::secret_value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The Secret type of bootstrap tokens.
pub(crate) const BOOTSTRAP_TOKEN_TYPE: &str = "bootstrap.kubernetes.io/token";

/// One bootstrap token Secret, decoded. The secret half is kept as bytes for strength checks
/// and fingerprints only; it never goes into a message.
#[derive(Debug, Clone)]
pub(crate) struct BootstrapSecret<'a> {
    /// The Secret.
    pub object: &'a Object,
    /// `token-id`, decoded.
    pub id: Option<String>,
    /// `token-secret`, decoded.
    pub secret: Option<Vec<u8>>,
    /// `expiration` as written (decoded), when present.
    pub expiration: Option<String>,
    /// `data` or `stringData`, whichever holds the fields (for evidence paths).
    pub field: &'static str,
}

impl BootstrapSecret<'_> {
    /// Why the API server would not accept this token at all (`None`: it is live).
    /// Only `kube-system/bootstrap-token-<token-id>` Secrets with the authentication usage count.
    pub fn ignored_because(&self) -> Option<String> {
        let Some(id) = self.id.as_deref() else { return Some("it has no `token-id`".into()) };
        if self.object.namespace() != Some("kube-system") {
            return Some("the API server only reads bootstrap tokens in `kube-system`".into());
        }
        if self.object.name() != format!("bootstrap-token-{id}") {
            return Some(format!("the API server only reads it under the name `bootstrap-token-{id}`"));
        }
        if self.usage("usage-bootstrap-authentication").as_deref() != Some("true") {
            return Some("`usage-bootstrap-authentication` is not `true`".into());
        }
        None
    }

    /// The expiry instant: `Ok(None)` when unset, `Err(())` when unparseable (the API server
    /// then treats the token as expired).
    pub fn expires(&self) -> Result<Option<OffsetDateTime>, ()> {
        match self.expiration.as_deref() {
            None => Ok(None),
            Some(text) => OffsetDateTime::parse(text.trim(), &Rfc3339).map(Some).map_err(|_| ()),
        }
    }

    /// The field path of a key, e.g. `data.expiration`.
    pub fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.field)
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
pub(crate) fn bootstrap_secrets<'a>(inv: &Inventory<'a>) -> impl Iterator<Item = BootstrapSecret<'a>> {
    inv.of_kind("Secret").filter(|s| s.str_at(&["type"]) == Some(BOOTSTRAP_TOKEN_TYPE)).map(|object| {
        let text = |key: &str| secret_value(object, key).and_then(|b| String::from_utf8(b).ok());
        let field = if object.at(&["stringData", "token-id"]).is_some() { "stringData" } else { "data" };
        BootstrapSecret {
            object,
            id: text("token-id").map(|s| s.trim().to_string()),
            secret: secret_value(object, "token-secret"),
            expiration: text("expiration"),
            field,
        }
    })
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
