//! Admission settings as a policy engine passes them (Kubewarden policy settings, OPA data or
//! Gatekeeper parameters, the npm `settings` argument): JSON, camelCase, unknown keys refused.

use crate::Error;
use policy_core::settings::{AUDIT_ONLY_KEYS, where_key_applies};
use policy_core::{AdmitSettings, Settings, Severity};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What an admission policy can tune. Every field is optional; the defaults accept Kubernetes'
/// and kubeadm's own objects and reject findings of medium severity and above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PolicySettings {
    /// Namespaces whose objects are always accepted.
    pub exempt_namespaces: Vec<String>,
    /// Users (`userInfo.username`) whose requests are always accepted.
    pub exempt_users: Vec<String>,
    /// Groups whose members' requests are always accepted.
    pub exempt_groups: Vec<String>,
    /// Findings at or above this severity reject; lower ones become warnings.
    pub reject_at: Severity,
    /// Run only these codes or families (`SA`, `CC001`); empty means every stable rule.
    pub select: Vec<String>,
    /// Never run these codes or families.
    pub ignore: Vec<String>,
    /// Severity per code, replacing the rule's default.
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Longest allowed projected service-account token, seconds (default 3600).
    pub max_token_expiration_seconds: Option<u64>,
    /// Longest allowed client-certificate lifetime a CSR may ask for, seconds (default 86400).
    pub max_cert_lifetime_seconds: Option<u64>,
    /// Legacy token Secrets (`namespace/name`) that may be created.
    pub allowed_legacy_tokens: Vec<String>,
    /// The cluster's Kubernetes version (`1.20`, `v1.20.2`); unset assumes a current server.
    pub kubernetes_version: Option<String>,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            exempt_namespaces: Vec::new(),
            exempt_users: Vec::new(),
            exempt_groups: Vec::new(),
            reject_at: AdmitSettings::default().reject_at,
            select: Vec::new(),
            ignore: Vec::new(),
            severity_overrides: BTreeMap::new(),
            max_token_expiration_seconds: None,
            max_cert_lifetime_seconds: None,
            allowed_legacy_tokens: Vec::new(),
            kubernetes_version: None,
        }
    }
}

impl PolicySettings {
    /// Parse and validate; `null` means the defaults.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let settings = match value {
            Value::Null => Self::default(),
            Value::Object(map) if let Some(key) = map.keys().find(|k| AUDIT_ONLY_KEYS.contains(&k.as_str())) => {
                return Err(Error::AuditOnlySetting { key: key.clone(), applies: where_key_applies(key) });
            }
            value => Self::deserialize(value).map_err(|e| crate::json_error("invalid settings", &e))?,
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Parse and validate JSON bytes; empty input means the defaults.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| crate::json_error("invalid settings", &e))?;
        Self::from_value(&value)
    }

    /// Check what serde cannot: no empty names, known rule codes, non-zero lifetimes.
    pub fn validate(&self) -> Result<(), Error> {
        for (field, names) in [
            ("exemptNamespaces", &self.exempt_namespaces),
            ("exemptUsers", &self.exempt_users),
            ("exemptGroups", &self.exempt_groups),
            ("allowedLegacyTokens", &self.allowed_legacy_tokens),
        ] {
            if names.iter().any(|n| n.trim().is_empty()) {
                return Err(Error::EmptyName { field });
            }
        }
        if let Some(token) = self.allowed_legacy_tokens.iter().find(|t| t.split('/').count() != 2) {
            return Err(Error::NotNamespaceName(token.clone()));
        }
        for (field, value) in [
            ("maxTokenExpirationSeconds", self.max_token_expiration_seconds),
            ("maxCertLifetimeSeconds", self.max_cert_lifetime_seconds),
        ] {
            if value == Some(0) {
                return Err(Error::Zero { field });
            }
        }
        if let Some(version) = &self.kubernetes_version
            && policy_core::util::kubernetes_minor(version).is_none()
        {
            return Err(Error::KubernetesVersion(version.clone()));
        }
        let unknown = policy_core::registry::unknown_selectors(&self.core());
        if !unknown.is_empty() {
            return Err(Error::UnknownRuleCodes(unknown));
        }
        Ok(())
    }

    /// The shared rule settings these map onto.
    pub fn core(&self) -> Settings {
        let defaults = Settings::default();
        Settings {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            severity_overrides: self.severity_overrides.clone(),
            max_token_expiration_seconds: self
                .max_token_expiration_seconds
                .unwrap_or(defaults.max_token_expiration_seconds),
            max_cert_lifetime_seconds: self.max_cert_lifetime_seconds.unwrap_or(defaults.max_cert_lifetime_seconds),
            allowed_legacy_tokens: self.allowed_legacy_tokens.clone(),
            kubernetes_version: self.kubernetes_version.clone(),
            ..defaults
        }
    }

    /// The admission-only settings these map onto.
    pub fn admit(&self) -> AdmitSettings {
        AdmitSettings {
            exempt_namespaces: self.exempt_namespaces.clone(),
            exempt_users: self.exempt_users.clone(),
            exempt_groups: self.exempt_groups.clone(),
            reject_at: self.reject_at,
        }
    }

    /// Decide one AdmissionRequest with these settings, read without what no decision reads
    /// ([`crate::request::from_json`]).
    pub fn decide(&self, request: &Value) -> Result<policy_core::AdmitDecision, Error> {
        self.decide_owned(crate::request::from_json(request))
    }

    /// [`decide`](Self::decide) a request already in policy-core's tree, moving it into the
    /// decision instead of copying it.
    pub fn decide_owned(&self, request: policy_core::value::Value) -> Result<policy_core::AdmitDecision, Error> {
        self.prepare().decide_owned(request)
    }

    /// These settings mapped onto policy-core's, once, for deciding many requests.
    pub fn prepare(&self) -> Prepared {
        Prepared { core: self.core(), admit: self.admit() }
    }
}

/// [`PolicySettings`] mapped onto policy-core's [`Settings`] and [`AdmitSettings`], ready to
/// decide any number of requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    core: Settings,
    admit: AdmitSettings,
}

impl Prepared {
    /// Decide one AdmissionRequest in policy-core's tree, moving it into the decision.
    pub fn decide_owned(&self, request: policy_core::value::Value) -> Result<policy_core::AdmitDecision, Error> {
        Ok(policy_core::admit_owned(request, &self.core, &self.admit)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_reject_at_medium_and_keep_core_lifetimes() {
        let s = PolicySettings::from_value(&Value::Null).unwrap_or_default();
        assert_eq!(s.reject_at, Severity::Medium);
        assert_eq!(s.core(), Settings::default());
        assert_eq!(s.admit(), AdmitSettings::default());
        assert_eq!(PolicySettings::from_slice(b" \n"), Ok(PolicySettings::default()));
    }

    #[test]
    fn maps_every_field() {
        let s = PolicySettings::from_value(&json!({
            "exemptNamespaces": ["kube-system"], "exemptUsers": ["alice"], "exemptGroups": ["ops"],
            "rejectAt": "high", "select": ["ST"], "ignore": ["ST001"], "severityOverrides": {"ST001": "low"},
            "maxTokenExpirationSeconds": 7200, "maxCertLifetimeSeconds": 600,
            "allowedLegacyTokens": ["ci/deployer-token"], "kubernetesVersion": "1.20"
        }));
        let s = s.unwrap_or_default();
        let (core, admit) = (s.core(), s.admit());
        assert_eq!(admit.exempt_namespaces, ["kube-system"]);
        assert_eq!(admit.exempt_users, ["alice"]);
        assert_eq!(admit.exempt_groups, ["ops"]);
        assert_eq!(admit.reject_at, Severity::High);
        assert_eq!(core.select, ["ST"]);
        assert_eq!(core.ignore, ["ST001"]);
        assert_eq!(core.severity_overrides.get("ST001"), Some(&Severity::Low));
        assert_eq!(core.max_token_expiration_seconds, 7200);
        assert_eq!(core.max_cert_lifetime_seconds, 600);
        assert_eq!(core.allowed_legacy_tokens, ["ci/deployer-token"]);
        assert_eq!(core.kubernetes_version.as_deref(), Some("1.20"));
    }

    #[test]
    fn only_the_settings_exempt_an_object_at_admission() {
        let request = json!({"operation": "CREATE", "namespace": "ci", "userInfo": {"username": "alice"},
            "object": {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": "ci-deployer-token", "namespace": "ci", "annotations": {
                    "kubernetes.io/service-account.name": "ci-deployer", "authn-audit.dev/ignore": "SA001"}}}});
        let allowed =
            |settings: Value| PolicySettings::from_value(&settings).and_then(|s| s.decide(&request)).map(|d| d.allowed);
        assert_eq!(allowed(json!({})), Ok(false), "the object's own annotation exempted it");
        for owner in [
            json!({"ignore": ["SA001"]}),
            json!({"select": ["CC"]}),
            json!({"allowedLegacyTokens": ["ci/ci-deployer-token"]}),
            json!({"severityOverrides": {"SA001": "low"}}),
            json!({"exemptNamespaces": ["ci"]}),
            json!({"exemptUsers": ["alice"]}),
        ] {
            assert_eq!(allowed(owner.clone()), Ok(true), "{owner}");
        }
    }

    #[test]
    fn refuses_bad_settings_with_a_reason() {
        let err = |v: Value| PolicySettings::from_value(&v).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err(json!({"exemptNamespace": ["x"]})).contains("unknown field `exemptNamespace`"));
        assert_eq!(err(json!({"exemptNamespaces": [""]})), "`exemptNamespaces` holds an empty name");
        assert!(err(json!({"rejectAt": "severe"})).starts_with("invalid settings"));
        assert_eq!(err(json!({"maxTokenExpirationSeconds": 0})), "`maxTokenExpirationSeconds` must be above 0");
        assert_eq!(err(json!({"select": ["ZZ999"]})), "unknown rule codes in settings: `ZZ999`");
        assert!(err(json!({"allowedLegacyTokens": ["no-namespace"]})).contains("`no-namespace`"));
        assert!(err(json!([1])).starts_with("invalid settings"));
        assert!(PolicySettings::from_slice(b"{").is_err());
        assert_eq!(
            err(json!({"kubernetesVersion": "latest"})),
            "`kubernetesVersion` `latest` is no Kubernetes version (e.g. `1.20` or `v1.20.2`)"
        );
        assert!(err(json!({"kubernetesVersion": 1.2})).starts_with("invalid settings"));
        // One settings language: an audit key here says where it applies.
        let audit = err(json!({"suppressions": []}));
        assert!(
            audit.contains("`suppressions` applies to audits") && audit.contains("admission policy does not read it"),
            "{audit}"
        );
        assert!(err(json!({"namespaces": ["x"]})).contains("applies to audits"));
    }
}
