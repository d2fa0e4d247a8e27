//! MX004's data: every credential the dump reveals, so access can be reviewed from every source.
//! Secret material never appears: tokens and keys are identified by a fingerprint that cannot
//! give them back, and guessable ones by none ([`crate::util::fingerprint`]).

use crate::data::object_ref::ObjectRef;
use crate::data::source::Source;
use crate::input::Object;
use crate::inventory::certs::Approval;
use crate::inventory::kubeconfig::{Kubeconfig, User, holder_ref};
use crate::inventory::workloads::secret_value;
use crate::util::fingerprint;
use crate::value::Value;
use serde::{Deserialize, Serialize};

/// What kind of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// An X.509 client certificate (kubeconfig, Secret, issued CSR).
    ClientCertificate,
    /// A CertificateSigningRequest (pending, approved or denied).
    CertificateSigningRequest,
    /// A `kubernetes.io/service-account-token` Secret.
    ServiceAccountToken,
    /// A `bootstrap.kubernetes.io/token` Secret.
    BootstrapToken,
    /// A user entry of a kubeconfig (token, basic auth, exec or auth-provider).
    KubeconfigUser,
    /// A row of a static token file.
    StaticToken,
}

/// One credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// What kind.
    pub kind: CredentialKind,
    /// The identity it authenticates as (CN, `system:serviceaccount:ns:name`, bootstrap user).
    pub identity: String,
    /// Groups it carries (certificate O, bootstrap `auth-extra-groups`, token file column).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Issuer (certificates) or signer (CSRs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Not-before / creation time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Expiry (RFC 3339); `None`: never expires, or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Last use, where the dump shows it (legacy token labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Status in a word: `valid`, `expired`, `not-yet-valid`, `pending`, `approved`, `denied`,
    /// `failed`, `invalid`, or `unknown` when the dump cannot tell (kubeconfig tokens).
    pub status: String,
    /// Of a certificate: its full SHA-256 (`sha256:<64 hex>`). Of a secret: `fp1:<12 hex>`, or
    /// `withheld (weak secret)` ([`crate::util::fingerprint`]).
    pub fingerprint: String,
    /// The object holding it.
    pub object: ObjectRef,
    /// Where.
    pub source: Source,
    /// Field path inside the object.
    pub path: String,
    /// What the audit log says of it, when one was given and can tell
    /// ([`crate::inventory::usage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<crate::audit::usage::CredentialUsage>,
}

/// Collect every credential the dump reveals (MX004): client certificates, CSRs, legacy
/// service-account tokens, bootstrap tokens, kubeconfig users and static-token rows. Sorted by
/// kind, then identity. What a reader gave back (`keep`) for the same instant is handed
/// over rather than listed again.
pub fn collect(inv: &crate::inventory::Inventory<'_>, now: time::OffsetDateTime) -> Vec<Credential> {
    match inv.kept_credentials.take() {
        Some((at, kept)) if at == now => kept,
        _ => list(inv, now),
    }
}

/// Give back what [`collect`] returned, unchanged, for its next caller (the rules that list the
/// credentials run before the report's section is made from the same list).
pub(crate) fn keep(inv: &crate::inventory::Inventory<'_>, now: time::OffsetDateTime, credentials: Vec<Credential>) {
    inv.kept_credentials.replace(Some((now, credentials)));
}

fn list(inv: &crate::inventory::Inventory<'_>, now: time::OffsetDateTime) -> Vec<Credential> {
    let secret_type = |s: &&Object| {
        matches!(s.str_at(&["type"]), Some("kubernetes.io/service-account-token" | "bootstrap.kubernetes.io/token"))
    };
    // Sized first: a vector of 10⁵ credentials grown by doubling copies them into fresh memory
    // at every step.
    let users: usize = inv.certs.kubeconfigs.iter().map(|c| c.users.len()).sum();
    let rows: usize =
        inv.of_kind("StaticTokenFile").filter_map(|f| f.at(&["rows"]).and_then(Value::as_array)).map(<[_]>::len).sum();
    let clients: Vec<_> = inv.certs.client_credentials().collect();
    let mut out = Vec::with_capacity(
        clients.len() + inv.certs.csrs.len() + inv.of_kind("Secret").filter(secret_type).count() + users + rows,
    );
    for found in clients {
        let cert = &found.cert;
        out.push(Credential {
            kind: CredentialKind::ClientCertificate,
            identity: cert.common_name.clone(),
            groups: cert.organizations.clone(),
            issuer: Some(cert.issuer.clone()),
            not_before: rfc3339(cert.not_before),
            expires: rfc3339(cert.not_after),
            last_used: None,
            status: cert.status_at(now).to_string(),
            fingerprint: format!("sha256:{}", cert.fingerprint),
            object: holder_ref(found.object),
            source: found.object.source.clone(),
            path: found.path.clone(),
            usage: None,
        });
    }
    for csr in &inv.certs.csrs {
        let status = match &csr.approval {
            Approval::Pending => "pending",
            Approval::Approved { .. } => "approved",
            Approval::Denied => "denied",
            Approval::Failed => "failed",
        };
        out.push(Credential {
            kind: CredentialKind::CertificateSigningRequest,
            identity: csr.request.as_ref().map(|r| r.common_name.clone()).unwrap_or_default(),
            groups: csr.request.as_ref().map(|r| r.organizations.clone()).unwrap_or_default(),
            issuer: Some(csr.signer.clone()),
            not_before: csr.object.str_at(&["metadata", "creationTimestamp"]).map(str::to_string),
            expires: csr.issued.first().and_then(|c| rfc3339(c.not_after)),
            last_used: None,
            status: if csr.request.is_none() { "invalid" } else { status }.to_string(),
            fingerprint: csr.request.as_ref().map(|r| format!("sha256:{}", r.fingerprint)).unwrap_or_default(),
            object: csr.object.object_ref(),
            source: csr.object.source.clone(),
            path: "spec.request".to_string(),
            usage: None,
        });
    }
    for secret in inv.of_kind("Secret") {
        match secret.str_at(&["type"]) {
            Some("kubernetes.io/service-account-token") => out.push(legacy_token(secret)),
            Some("bootstrap.kubernetes.io/token") => out.push(bootstrap_token(secret, now)),
            _ => {}
        }
    }
    for config in &inv.certs.kubeconfigs {
        for user in &config.users {
            if let Some(credential) = kubeconfig_user(config, user) {
                out.push(credential);
            }
        }
    }
    let static_tokens_on = inv.apiserver.get("token-auth-file").is_some();
    for file in inv.of_kind("StaticTokenFile") {
        let rows = file.at(&["rows"]).and_then(Value::as_array).unwrap_or_default();
        for (i, row) in rows.iter().enumerate() {
            let text = |key: &str| row.get(key).and_then(Value::as_str).unwrap_or("").to_string();
            let groups = match row.get("groups") {
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                Some(Value::String(list)) => {
                    list.split(',').map(str::trim).filter(|g| !g.is_empty()).map(str::to_string).collect()
                }
                _ => Vec::new(),
            };
            let line = row.get("line").and_then(Value::as_u64).and_then(|l| u32::try_from(l).ok());
            out.push(Credential {
                kind: CredentialKind::StaticToken,
                identity: text("user"),
                groups,
                issuer: None,
                not_before: None,
                expires: None,
                last_used: None,
                status: if static_tokens_on { "valid" } else { "unknown" }.to_string(),
                fingerprint: fingerprint::of_secret(text("token").as_bytes()),
                object: file.object_ref(),
                source: Source { path: file.source.path.clone(), line: line.unwrap_or(file.source.line) },
                path: format!("rows[{i}].token"),
                usage: None,
            });
        }
    }
    for credential in &mut out {
        credential.redact();
    }
    // In place (a stable sort's scratch is half the list again, in fresh memory); the path
    // tells apart two credentials of one object.
    out.sort_unstable_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then_with(|| a.identity.cmp(&b.identity))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.path.cmp(&b.path))
    });
    out
}

impl Credential {
    /// Identities, groups and issuers are names read from the input (an exec plugin's command
    /// line, a kubeconfig user name): what a crafted one may hide is redacted.
    fn redact(&mut self) {
        use crate::util::redact::string;
        self.identity = string(std::mem::take(&mut self.identity));
        self.groups = std::mem::take(&mut self.groups).into_iter().map(string).collect();
        self.issuer = self.issuer.take().map(string);
    }
}

fn rfc3339(at: time::OffsetDateTime) -> Option<String> {
    at.format(&time::format_description::well_known::Rfc3339).ok()
}

fn legacy_token(secret: &Object) -> Credential {
    let namespace = secret.namespace().unwrap_or("default");
    let account = secret.annotation("kubernetes.io/service-account.name").filter(|a| !a.is_empty()).unwrap_or("?");
    let token = secret_value(secret, "token");
    Credential {
        kind: CredentialKind::ServiceAccountToken,
        identity: format!("system:serviceaccount:{namespace}:{account}"),
        groups: vec!["system:serviceaccounts".to_string(), format!("system:serviceaccounts:{namespace}")],
        issuer: None,
        not_before: secret.str_at(&["metadata", "creationTimestamp"]).map(str::to_string),
        expires: None,
        last_used: secret.label("kubernetes.io/legacy-token-last-used").map(str::to_string),
        status: if secret.label("kubernetes.io/legacy-token-invalid-since").is_some() { "invalid" } else { "valid" }
            .to_string(),
        fingerprint: token.map(|t| fingerprint::of_secret(&t)).unwrap_or_default(),
        object: secret.object_ref(),
        source: secret.source.clone(),
        path: "data.token".to_string(),
        usage: None,
    }
}

fn bootstrap_token(secret: &Object, now: time::OffsetDateTime) -> Credential {
    let text = |key: &str| secret_value(secret, key).map(|v| String::from_utf8_lossy(&v).trim().to_string());
    let id = text("token-id").unwrap_or_default();
    let mut groups = vec!["system:bootstrappers".to_string()];
    groups.extend(
        text("auth-extra-groups")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty() && *g != "system:bootstrappers")
            .map(str::to_string),
    );
    let expiration = text("expiration");
    let expires_at = expiration
        .as_deref()
        .and_then(|e| time::OffsetDateTime::parse(e, &time::format_description::well_known::Rfc3339).ok());
    // The API server only honours `kube-system/bootstrap-token-<id>`.
    let honoured = secret.namespace() == Some("kube-system") && secret.name() == format!("bootstrap-token-{id}");
    let status = if !honoured {
        "invalid"
    } else if expires_at.is_some_and(|at| at < now) {
        "expired"
    } else {
        "valid"
    };
    let token = format!("{id}.{}", text("token-secret").unwrap_or_default());
    Credential {
        kind: CredentialKind::BootstrapToken,
        identity: format!("system:bootstrap:{id}"),
        groups,
        issuer: None,
        not_before: secret.str_at(&["metadata", "creationTimestamp"]).map(str::to_string),
        expires: expiration,
        last_used: None,
        status: status.to_string(),
        fingerprint: fingerprint::of_secret(token.as_bytes()),
        object: secret.object_ref(),
        source: secret.source.clone(),
        path: "data.token-secret".to_string(),
        usage: None,
    }
}

/// A kubeconfig user that logs in with something other than a client certificate (those are
/// listed as certificates).
fn kubeconfig_user(config: &Kubeconfig<'_>, user: &User) -> Option<Credential> {
    let prefix = config.prefix();
    let (identity, issuer, fingerprint, path) = if let Some(token) = &user.token {
        let identity = token
            .service_account
            .as_ref()
            .map_or_else(|| user.name.clone(), |sa| format!("system:serviceaccount:{sa}"));
        let issuer = if token.legacy_secret.is_some() { "legacy service-account token" } else { "bearer token" };
        (identity, issuer.to_string(), token.fingerprint.clone(), format!("{prefix}{}.token", user.path))
    } else if let Some(basic) = &user.basic {
        let fp = basic.password_fingerprint.clone().unwrap_or_default();
        (basic.username.clone(), "basic credentials".to_string(), fp, format!("{prefix}{}.password", user.path))
    } else if let Some(command) = &user.exec {
        (user.name.clone(), format!("exec plugin `{command}`"), String::new(), format!("{prefix}{}.exec", user.path))
    } else if let Some(provider) = &user.auth_provider {
        let path = format!("{prefix}{}.auth-provider", user.path);
        (user.name.clone(), format!("auth-provider `{provider}`"), String::new(), path)
    } else if let Some(file) = &user.token_file {
        (user.name.clone(), format!("token file `{file}`"), String::new(), format!("{prefix}{}.tokenFile", user.path))
    } else {
        return None;
    };
    Some(Credential {
        kind: CredentialKind::KubeconfigUser,
        identity,
        groups: Vec::new(),
        issuer: Some(issuer),
        not_before: None,
        expires: None,
        last_used: None,
        status: "unknown".to_string(),
        fingerprint,
        object: holder_ref(config.object),
        source: config.object.source.clone(),
        path,
        usage: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::Source;
    use crate::input::Origin;
    use crate::inventory::Inventory;

    #[test]
    fn credentials_given_back_are_handed_over_for_their_instant_only() {
        let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "t", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "deployer"}},
            "data": {"token": "UW0zWHI3cEwydks5c1Q0d1o4eU4xY0Q2aEo1ZkcwYUU="}});
        let objects = [Object::new(secret, Source::default(), Origin::Document)];
        let inv = Inventory::new(&objects);
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let listed = collect(&inv, now);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed.capacity(), 1, "sized before it is filled");
        let mut marked = listed.clone();
        marked[0].status = "kept".into();
        keep(&inv, now, marked.clone());
        // Another instant lists them again (what was kept is dropped).
        assert_eq!(collect(&inv, now + time::Duration::DAY), listed);
        assert_eq!(collect(&inv, now), listed);
        // The same instant takes what was kept, once.
        keep(&inv, now, marked.clone());
        assert_eq!(collect(&inv, now), marked);
        assert_eq!(collect(&inv, now), listed);
    }

    #[test]
    fn a_token_in_both_data_and_string_data_is_the_string_data_one() {
        // The API server merges `stringData` over `data` on write, so that is the token in use.
        let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "t", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "deployer"}},
            "data": {"token": "UW0zWHI3cEwydks5c1Q0d1o4eU4xY0Q2aEo1ZkcwYUU="}, "stringData": {"token": "6tw6wnqgp5z0wb77Tq8Vx2Lk9Rm4Pz1Y"}});
        let objects = [Object::new(secret, Source::default(), Origin::Document)];
        let inv = Inventory::new(&objects);
        let found = collect(&inv, time::OffsetDateTime::UNIX_EPOCH);
        let token = found.iter().find(|c| c.kind == CredentialKind::ServiceAccountToken).unwrap();
        assert!(token.fingerprint.starts_with("fp1:"), "{}", token.fingerprint);
        assert_eq!(token.fingerprint, fingerprint::of_secret(b"6tw6wnqgp5z0wb77Tq8Vx2Lk9Rm4Pz1Y"));
        assert_ne!(token.fingerprint, fingerprint::of_secret(b"Qm3Xr7pL2vK9sT4wZ8yN1cD6hJ5fG0aE"));
    }
}
