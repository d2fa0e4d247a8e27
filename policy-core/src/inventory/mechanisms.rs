//! MX001's data: each authentication mechanism of the guide, enabled, disabled or unknown.

use crate::data::evidence::Evidence;
use crate::data::mechanism::Mechanism;
use crate::data::object_ref::ObjectRef;
use crate::data::source::Source;
use crate::input::Object;
use crate::inventory::Inventory;
use crate::inventory::authn_config::{
    AnonymousBlock, EXTENSION_AUTH_HINT, RequestHeaderView, anonymous_block, authentication_configs, extension_auth,
    jwt_authenticators, request_header,
};
use crate::inventory::flags::{FlagValue, Flags};
use serde::{Deserialize, Serialize};

/// Whether a mechanism is on, as far as the dump shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Evidence shows it on.
    Enabled,
    /// Evidence shows it off.
    Disabled,
    /// The dump holds no evidence either way.
    Unknown,
}

/// One row of the mechanism inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MechanismStatus {
    /// Which mechanism.
    pub mechanism: Mechanism,
    /// Enabled, disabled or unknown.
    pub state: State,
    /// Why we think so: flag values, objects that exist.
    pub evidence: Vec<MechanismEvidence>,
    /// For `unknown`: what to add to the dump to know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A fact behind a mechanism's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MechanismEvidence {
    /// The object holding it.
    pub object: ObjectRef,
    /// Where.
    pub source: Source,
    /// What it says.
    pub evidence: Evidence,
}

/// Client certificate names of the API server's own aggregation proxy: request-header
/// authentication limited to them serves extension API servers, not users.
pub const AGGREGATOR_PROXY_NAMES: [&str; 2] = ["front-proxy-client", "aggregator"];

/// The hint for mechanisms decided by kube-apiserver flags.
const FLAGS_HINT: &str = crate::inventory::flags::CONTROL_PLANE_HINT[0];

impl MechanismStatus {
    fn new(mechanism: Mechanism, state: State, evidence: Vec<MechanismEvidence>) -> Self {
        Self { mechanism, state, evidence, hint: None }
    }

    fn unknown(mechanism: Mechanism, hint: &str) -> Self {
        Self { mechanism, state: State::Unknown, evidence: Vec::new(), hint: Some(hint.to_string()) }
    }
}

impl MechanismEvidence {
    fn of_flag(name: &str, flag: &FlagValue) -> Self {
        Self { object: flag.object.clone(), source: flag.source.clone(), evidence: flag.evidence(name) }
    }

    fn of_object(object: &Object, path: impl Into<String>, value: impl Into<String>) -> Self {
        Self { object: object.object_ref(), source: object.source.clone(), evidence: Evidence::plain(path, value) }
    }
}

/// Assess every mechanism of the guide from the inventory (MX001), in the guide's order.
pub fn assess(inv: &Inventory<'_>) -> Vec<MechanismStatus> {
    vec![
        anonymous(inv),
        client_certificates(inv),
        flag_mechanism(inv, Mechanism::StaticTokenFile, &["token-auth-file", "basic-auth-file"]),
        bootstrap_tokens(inv),
        legacy_tokens(inv),
        token_request(inv),
        oidc(inv),
        flag_mechanism(inv, Mechanism::Webhook, &["authentication-token-webhook-config-file"]),
        authenticating_proxy(inv),
    ]
}

/// The enabled mechanisms that let *people* in (MX002): client certificates, static tokens,
/// OIDC, webhook, and an authenticating proxy other than the aggregation layer's own.
/// Bootstrap, service-account and TokenRequest tokens serve nodes and workloads; anonymous
/// access is no identity at all.
pub fn user_facing(inv: &Inventory<'_>, statuses: &[MechanismStatus]) -> Vec<Mechanism> {
    statuses
        .iter()
        .filter(|s| s.state == State::Enabled)
        .map(|s| s.mechanism)
        .filter(|m| match m {
            Mechanism::ClientCertificates | Mechanism::StaticTokenFile | Mechanism::Oidc | Mechanism::Webhook => true,
            Mechanism::AuthenticatingProxy => match request_header(inv) {
                RequestHeaderView::On(header) => {
                    header.allowed_names.is_empty()
                        || header.allowed_names.iter().any(|n| !AGGREGATOR_PROXY_NAMES.contains(&n.as_str()))
                }
                _ => false,
            },
            _ => false,
        })
        .collect()
}

/// The unset flag on a visible API server, as evidence.
fn unset(flags: &Flags, name: &str, default: &str) -> Vec<MechanismEvidence> {
    flags
        .origin()
        .map(|(object, source)| MechanismEvidence {
            object,
            source,
            evidence: Evidence::plain(format!("--{name}"), format!("unset (default: {default})")),
        })
        .into_iter()
        .collect()
}

fn set<'f>(flags: &'f Flags, name: &str) -> Option<&'f FlagValue> {
    flags.get(name).filter(|f| !f.value.trim().is_empty())
}

/// A mechanism that is on exactly when one of `names` is set.
fn flag_mechanism(inv: &Inventory<'_>, mechanism: Mechanism, names: &[&str]) -> MechanismStatus {
    let flags = &inv.apiserver;
    let evidence: Vec<_> =
        names.iter().filter_map(|name| set(flags, name).map(|f| MechanismEvidence::of_flag(name, f))).collect();
    if !evidence.is_empty() {
        MechanismStatus::new(mechanism, State::Enabled, evidence)
    } else if flags.is_visible() {
        let evidence = names.iter().flat_map(|name| unset(flags, name, "off")).collect();
        MechanismStatus::new(mechanism, State::Disabled, evidence)
    } else {
        MechanismStatus::unknown(mechanism, FLAGS_HINT)
    }
}

fn anonymous(inv: &Inventory<'_>) -> MechanismStatus {
    let m = Mechanism::Anonymous;
    for config in authentication_configs(inv) {
        let (state, shown) = match anonymous_block(config) {
            None => continue,
            Some(AnonymousBlock::Disabled) => (State::Disabled, "false".to_string()),
            Some(AnonymousBlock::HealthOnly(paths)) => {
                (State::Enabled, format!("health endpoints only: {}", paths.join(",")))
            }
            Some(AnonymousBlock::Open(paths)) if paths.is_empty() => (State::Enabled, "every path".to_string()),
            Some(AnonymousBlock::Open(paths)) => (State::Enabled, paths.join(",")),
        };
        return MechanismStatus::new(m, state, vec![MechanismEvidence::of_object(config, "anonymous", shown)]);
    }
    let flags = &inv.apiserver;
    match flags.get("anonymous-auth") {
        Some(f) => {
            let state = if f.value.trim() == "false" { State::Disabled } else { State::Enabled };
            MechanismStatus::new(m, state, vec![MechanismEvidence::of_flag("anonymous-auth", f)])
        }
        None if flags.is_visible() => MechanismStatus::new(m, State::Enabled, unset(flags, "anonymous-auth", "true")),
        None => MechanismStatus::unknown(m, FLAGS_HINT),
    }
}

fn client_certificates(inv: &Inventory<'_>) -> MechanismStatus {
    let m = Mechanism::ClientCertificates;
    let flags = &inv.apiserver;
    if let Some(f) = set(flags, "client-ca-file") {
        return MechanismStatus::new(m, State::Enabled, vec![MechanismEvidence::of_flag("client-ca-file", f)]);
    }
    let ext = extension_auth(inv);
    if let Some(ext) = &ext
        && ext.client_ca.is_some_and(|ca| !ca.trim().is_empty())
    {
        let evidence = MechanismEvidence::of_object(ext.object, "data.client-ca-file", "CA bundle present");
        return MechanismStatus::new(m, State::Enabled, vec![evidence]);
    }
    if flags.is_visible() {
        MechanismStatus::new(m, State::Disabled, unset(flags, "client-ca-file", "off"))
    } else {
        MechanismStatus::unknown(m, EXTENSION_AUTH_HINT)
    }
}

fn bootstrap_tokens(inv: &Inventory<'_>) -> MechanismStatus {
    let m = Mechanism::BootstrapTokens;
    let flags = &inv.apiserver;
    match flags.get("enable-bootstrap-token-auth") {
        Some(f) => {
            let state = if f.value.trim() == "false" { State::Disabled } else { State::Enabled };
            MechanismStatus::new(m, state, vec![MechanismEvidence::of_flag("enable-bootstrap-token-auth", f)])
        }
        None if flags.is_visible() => {
            MechanismStatus::new(m, State::Disabled, unset(flags, "enable-bootstrap-token-auth", "false"))
        }
        None => MechanismStatus::unknown(m, FLAGS_HINT),
    }
}

/// Legacy service-account token Secrets are always accepted; the question is whether any exist.
fn legacy_tokens(inv: &Inventory<'_>) -> MechanismStatus {
    let m = Mechanism::ServiceAccountTokens;
    let secrets: Vec<&Object> = inv.of_kind("Secret").collect();
    let tokens: Vec<&Object> = secrets
        .iter()
        .copied()
        .filter(|s| s.str_at(&["type"]) == Some("kubernetes.io/service-account-token"))
        .collect();
    if let Some(first) = secrets.first()
        && tokens.is_empty()
    {
        let evidence = MechanismEvidence::of_object(
            first,
            "type",
            format!("no kubernetes.io/service-account-token Secret among {} Secrets", secrets.len()),
        );
        return MechanismStatus::new(m, State::Disabled, vec![evidence]);
    }
    if tokens.is_empty() {
        return MechanismStatus::unknown(m, "the Secrets: kubectl get secrets -A -o yaml");
    }
    let evidence = tokens
        .iter()
        .take(MAX_EVIDENCE)
        .map(|s| {
            MechanismEvidence::of_object(
                s,
                "type",
                format!("kubernetes.io/service-account-token ({} in all)", tokens.len()),
            )
        })
        .collect();
    MechanismStatus::new(m, State::Enabled, evidence)
}

/// Evidence rows kept per mechanism when many objects show the same thing.
const MAX_EVIDENCE: usize = 5;

fn token_request(inv: &Inventory<'_>) -> MechanismStatus {
    let m = Mechanism::TokenRequest;
    let flags = &inv.apiserver;
    if let Some(f) = set(flags, "service-account-issuer") {
        return MechanismStatus::new(m, State::Enabled, vec![MechanismEvidence::of_flag("service-account-issuer", f)]);
    }
    let projected: Vec<MechanismEvidence> = inv
        .of_kind("Pod")
        .filter_map(|pod| {
            let volumes = pod.at(&["spec", "volumes"])?.as_array()?;
            volumes.iter().enumerate().find_map(|(i, volume)| {
                let sources = volume.pointer("/projected/sources")?.as_array()?;
                let j = sources.iter().position(|s| s.get("serviceAccountToken").is_some())?;
                Some(MechanismEvidence::of_object(
                    pod,
                    format!("spec.volumes[{i}].projected.sources[{j}].serviceAccountToken"),
                    "projected service-account token",
                ))
            })
        })
        .take(MAX_EVIDENCE)
        .collect();
    if !projected.is_empty() {
        MechanismStatus::new(m, State::Enabled, projected)
    } else if flags.is_visible() {
        MechanismStatus::new(m, State::Disabled, unset(flags, "service-account-issuer", "off"))
    } else {
        MechanismStatus::unknown(m, FLAGS_HINT)
    }
}

fn oidc(inv: &Inventory<'_>) -> MechanismStatus {
    let m = Mechanism::Oidc;
    let jwts = jwt_authenticators(inv);
    if !jwts.is_empty() {
        let evidence = jwts
            .iter()
            .map(|jwt| MechanismEvidence {
                object: jwt.object.clone(),
                source: jwt.source.clone(),
                evidence: jwt.issuer.as_ref().map_or_else(
                    || Evidence::plain("jwt", "issuer without url"),
                    |i| Evidence::plain(i.path.clone(), i.shown.clone()),
                ),
            })
            .collect();
        return MechanismStatus::new(m, State::Enabled, evidence);
    }
    if inv.apiserver.is_visible() {
        MechanismStatus::new(m, State::Disabled, unset(&inv.apiserver, "oidc-issuer-url", "off"))
    } else {
        MechanismStatus::unknown(m, FLAGS_HINT)
    }
}

fn authenticating_proxy(inv: &Inventory<'_>) -> MechanismStatus {
    let m = Mechanism::AuthenticatingProxy;
    match request_header(inv) {
        RequestHeaderView::On(header) => {
            let evidence = header
                .evidence
                .iter()
                .take(2)
                .map(|e| MechanismEvidence {
                    object: header.object.clone(),
                    source: header.source.clone(),
                    evidence: e.clone(),
                })
                .collect();
            MechanismStatus::new(m, State::Enabled, evidence)
        }
        RequestHeaderView::Off => {
            let evidence = match extension_auth(inv) {
                Some(ext) if !inv.apiserver.is_visible() => {
                    vec![MechanismEvidence::of_object(ext.object, "data.requestheader-client-ca-file", "absent")]
                }
                _ => unset(&inv.apiserver, "requestheader-client-ca-file", "off"),
            };
            MechanismStatus::new(m, State::Disabled, evidence)
        }
        RequestHeaderView::NotVisible => MechanismStatus::unknown(m, EXTENSION_AUTH_HINT),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::test_support::{apiserver_pod, config_map, objects};
    use serde_json::json;

    fn states(values: Vec<serde_json::Value>) -> Vec<(Mechanism, State)> {
        let objs = objects(values);
        let inv = Inventory::new(&objs);
        assess(&inv).into_iter().map(|s| (s.mechanism, s.state)).collect()
    }

    #[test]
    fn kubeadm_config_alone_shows_what_kubeadm_runs() {
        let kubeadm =
            json!({"apiVersion": "kubeadm.k8s.io/v1beta3", "kind": "ClusterConfiguration", "metadata": {"name": "c"}});
        let objs = objects(vec![kubeadm]);
        let inv = Inventory::new(&objs);
        let statuses = assess(&inv);
        let got: Vec<_> = statuses.iter().map(|s| (s.mechanism, s.state)).collect();
        assert_eq!(
            got,
            [
                (Mechanism::Anonymous, State::Enabled),
                (Mechanism::ClientCertificates, State::Enabled),
                (Mechanism::StaticTokenFile, State::Disabled),
                (Mechanism::BootstrapTokens, State::Enabled),
                (Mechanism::ServiceAccountTokens, State::Unknown),
                (Mechanism::TokenRequest, State::Enabled),
                (Mechanism::Oidc, State::Disabled),
                (Mechanism::Webhook, State::Disabled),
                (Mechanism::AuthenticatingProxy, State::Enabled),
            ]
        );
        assert_eq!(statuses[4].hint.as_deref(), Some("the Secrets: kubectl get secrets -A -o yaml"));
        assert_eq!(statuses[0].evidence[0].evidence.value, "unset (default: true)");
        // The aggregator's front proxy is not a way in for people.
        assert_eq!(user_facing(&inv, &statuses), [Mechanism::ClientCertificates]);
    }

    #[test]
    fn managed_cluster_dump_uses_the_published_config_map() {
        let cm = config_map(
            "extension-apiserver-authentication",
            json!({"client-ca-file": "-----BEGIN CERTIFICATE-----\n", "requestheader-client-ca-file": "-----BEGIN CERTIFICATE-----\n",
                   "requestheader-allowed-names": "[\"front-proxy-client\"]"}),
        );
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                            "metadata": {"name": "ci-token", "namespace": "ci"}});
        let got = states(vec![cm, secret]);
        assert_eq!(got[1], (Mechanism::ClientCertificates, State::Enabled));
        assert_eq!(got[4], (Mechanism::ServiceAccountTokens, State::Enabled));
        assert_eq!(got[8], (Mechanism::AuthenticatingProxy, State::Enabled));
        assert_eq!(got[0], (Mechanism::Anonymous, State::Unknown));
        assert_eq!(got[6], (Mechanism::Oidc, State::Unknown));
    }

    #[test]
    fn explicit_flags_and_structured_config() {
        let authn = json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",
            "anonymous": {"enabled": false}, "jwt": [{"issuer": {"url": "https://idp", "audiences": ["k8s"]}}]});
        let pod = apiserver_pod(&[
            "--enable-bootstrap-token-auth=false",
            "--token-auth-file=/t.csv",
            "--authentication-token-webhook-config-file=/w.yaml",
        ]);
        let got = states(vec![authn, pod]);
        assert_eq!(got[0], (Mechanism::Anonymous, State::Disabled));
        assert_eq!(got[2], (Mechanism::StaticTokenFile, State::Enabled));
        assert_eq!(got[3], (Mechanism::BootstrapTokens, State::Disabled));
        assert_eq!(got[6], (Mechanism::Oidc, State::Enabled));
        assert_eq!(got[7], (Mechanism::Webhook, State::Enabled));
        assert_eq!(got[8], (Mechanism::AuthenticatingProxy, State::Disabled));
    }
}
