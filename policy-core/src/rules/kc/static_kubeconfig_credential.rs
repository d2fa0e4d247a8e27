use super::which;
use crate::inventory::kubeconfig::holder_ref;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a kubeconfig user entry that embeds a static secret: a bearer `token`, or a
    /// `username` with a `password`. It reads kubeconfig documents given as input and
    /// kubeconfigs stored in Secrets and ConfigMaps. Exec and auth-provider plugins, which
    /// fetch short-lived credentials, are not flagged; neither is `tokenFile`, which only
    /// names a file.
    ///
    /// ## Why is this bad?
    /// The secret is readable by anyone who gets the file, has no expiry the file shows, and
    /// is often a legacy service-account token (valid until its Secret is deleted) or a
    /// static token from the API server's token file (valid until the file changes). Shared
    /// files spread it further.
    ///
    /// ## Example
    /// ```yaml
    /// users:
    ///   - name: ci
    ///     user:
    ///       token: eyJhbGciOiJSUzI1NiIs...
    /// ```
    ///
    /// ## How to fix
    /// Replace the entry with an exec plugin for an OIDC provider (people), or with
    /// short-lived tokens from `kubectl create token` or projected volumes (automation);
    /// delete the legacy token Secret the token came from.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub StaticKubeconfigCredential {
        code: "KC002",
        slug: "static-kubeconfig-credential",
        severity: Severity::Medium,
        mechanism: Mechanism::General,
        scope: Scope::Audit,
    }
}

impl Check for StaticKubeconfigCredential {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for config in &cx.inv.certs.kubeconfigs {
            let prefix = config.prefix();
            for user in &config.users {
                let finding =
                    |message: String| self.finding_at(holder_ref(config.object), config.object.source.clone(), message);
                if let Some(token) = &user.token {
                    let kind = match (&token.legacy_secret, &token.service_account) {
                        (Some(_), Some(sa)) => format!("a legacy service-account token of `{sa}`"),
                        (None, Some(sa)) => format!("a service-account token of `{sa}`"),
                        _ => "a static bearer token".to_string(),
                    };
                    let message = format!("user `{}` {} embeds {kind}", user.name, which(config));
                    let evidence = Evidence {
                        path: format!("{prefix}{}.token", user.path),
                        value: token.fingerprint.clone(),
                        redacted: true,
                    };
                    out.push(finding(message).evidence(evidence));
                }
                if let Some(basic) = &user.basic
                    && let Some(password) = &basic.password_fingerprint
                {
                    let message =
                        format!("user `{}` {} embeds the password of `{}`", user.name, which(config), basic.username);
                    let evidence = Evidence {
                        path: format!("{prefix}{}.password", user.path),
                        value: password.clone(),
                        redacted: true,
                    };
                    out.push(finding(message).evidence(evidence));
                }
            }
        }
    }
}

#[cfg(test)]
#[expect(clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use crate::inventory::x509::tests::b64;
    use crate::rules::test_support::{run, summary};
    use serde_json::json;

    #[test]
    fn tokens_and_passwords_fire_without_showing_them() {
        let config = json!({
            "apiVersion": "v1", "kind": "Config",
            "users": [
                {"name": "ci", "user": {"token": "0123456789abcdef0123456789abcdef"}},
                {"name": "ops", "user": {"username": "ops", "password": "hunter2"}},
                {"name": "sso", "user": {"exec": {"command": "kubelogin", "apiVersion": "client.authentication.k8s.io/v1"}}}
            ]
        });
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "deploy", "namespace": "ci"},
            "data": {"config": b64(&config.to_string())}
        });
        let (found, _) = run(&StaticKubeconfigCredential, vec![secret]);
        assert_eq!(
            summary(&found),
            vec![
                (
                    "medium".to_string(),
                    "Secret/ci/deploy".to_string(),
                    "user `ci` in the kubeconfig stored in `data.config` embeds a static bearer token".to_string()
                ),
                (
                    "medium".to_string(),
                    "Secret/ci/deploy".to_string(),
                    "user `ops` in the kubeconfig stored in `data.config` embeds the password of `ops`".to_string()
                ),
            ]
        );
        let shown = format!("{found:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("0123456789abcdef0123"));
        assert_eq!(found[0].evidence[0].path, "data.config → users[0].user.token");
        assert!(found[0].evidence[0].redacted);
    }
}
