//! Authentication configuration beyond flags: `AuthenticationConfiguration` documents, the
//! `extension-apiserver-authentication` ConfigMap, and every place a kubelet's authentication
//! settings show up (KubeletConfiguration documents, the `kubelet-config` ConfigMap, kubeadm
//! configs, kubescape's `KubeletInfo`, Pods running the kubelet, kops specs).
//!
//! Views are computed on demand from the inventory; decoding problems come back as diagnostics
//! from [`diagnostics`], which the inventory collects once.

use crate::data::diagnostic::{Diagnostic, DiagnosticCode};
use crate::data::evidence::Evidence;
use crate::data::object_ref::ObjectRef;
use crate::data::source::Source;
use crate::input::Object;
use crate::inventory::Inventory;
use crate::inventory::flags::{command_line_words, container_words, parse_flags, runs_binary};
use crate::value::Value;
use base64::Engine as _;

/// The ConfigMap the API server publishes for extension API servers (readable in-cluster, so
/// present in dumps of managed clusters too).
pub const EXTENSION_AUTH_CONFIG_MAP: &str = "extension-apiserver-authentication";

/// Health endpoints an `anonymous` block may be limited to.
pub const HEALTH_PATHS: [&str; 3] = ["/healthz", "/livez", "/readyz"];

/// Every `AuthenticationConfiguration` document (apiserver.config.k8s.io, any version).
pub fn authentication_configs<'a>(inv: &Inventory<'a>) -> Vec<&'a Object> {
    inv.of_kind("AuthenticationConfiguration")
        .filter(|o| o.api_version().starts_with("apiserver.config.k8s.io/"))
        .collect()
}

/// What an `AuthenticationConfiguration`'s `anonymous` block allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnonymousBlock {
    /// `enabled: false`.
    Disabled,
    /// Enabled only for these paths, all of them health endpoints.
    HealthOnly(Vec<String>),
    /// Enabled for everything, or for some non-health path.
    Open(Vec<String>),
}

/// The `anonymous` block of an `AuthenticationConfiguration`, if it has one.
pub fn anonymous_block(config: &Object) -> Option<AnonymousBlock> {
    let block = config.at(&["anonymous"])?;
    if block.get("enabled").and_then(Value::as_bool) != Some(true) {
        return Some(AnonymousBlock::Disabled);
    }
    let paths: Vec<String> = block
        .get("conditions")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(|c| c.get("path").and_then(Value::as_str)).map(str::to_string).collect())
        .unwrap_or_default();
    if !paths.is_empty() && paths.iter().all(|p| HEALTH_PATHS.contains(&p.as_str())) {
        Some(AnonymousBlock::HealthOnly(paths))
    } else {
        Some(AnonymousBlock::Open(paths))
    }
}

/// The decoded `extension-apiserver-authentication` ConfigMap.
#[derive(Debug, Clone)]
pub struct ExtensionAuth<'a> {
    /// The ConfigMap.
    pub object: &'a Object,
    /// `client-ca-file`: the CA bundle of client-certificate authentication.
    pub client_ca: Option<&'a str>,
    /// `requestheader-client-ca-file`: the CA that signs authenticating proxies' certificates.
    pub requestheader_ca: Option<&'a str>,
    /// `requestheader-allowed-names` (`None`: absent or not a JSON list).
    pub allowed_names: Option<Vec<String>>,
    /// `requestheader-username-headers`.
    pub username_headers: Vec<String>,
    /// `requestheader-group-headers`.
    pub group_headers: Vec<String>,
    /// `requestheader-extra-headers-prefix`.
    pub extra_prefixes: Vec<String>,
}

impl ExtensionAuth<'_> {
    /// Whether request-header (authenticating proxy) authentication is configured.
    pub fn has_requestheader_ca(&self) -> bool {
        self.requestheader_ca.is_some_and(|ca| !ca.trim().is_empty())
    }
}

/// The `extension-apiserver-authentication` ConfigMap of kube-system, decoded.
pub fn extension_auth<'a>(inv: &Inventory<'a>) -> Option<ExtensionAuth<'a>> {
    let object = inv.get("ConfigMap", "kube-system", EXTENSION_AUTH_CONFIG_MAP)?;
    let list = |key: &str| object.str_at(&["data", key]).and_then(|t| json_list(t).ok());
    Some(ExtensionAuth {
        object,
        client_ca: object.str_at(&["data", "client-ca-file"]),
        requestheader_ca: object.str_at(&["data", "requestheader-client-ca-file"]),
        allowed_names: list("requestheader-allowed-names"),
        username_headers: list("requestheader-username-headers").unwrap_or_default(),
        group_headers: list("requestheader-group-headers").unwrap_or_default(),
        extra_prefixes: list("requestheader-extra-headers-prefix").unwrap_or_default(),
    })
}

/// A JSON-encoded list of strings, as the API server writes them into the ConfigMap.
fn json_list(text: &str) -> Result<Vec<String>, serde_json::Error> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str::<Vec<String>>(text)
}

/// The request-header (authenticating proxy) settings of one source.
#[derive(Debug, Clone)]
pub struct RequestHeader {
    /// The object they were read from.
    pub object: ObjectRef,
    /// Where it starts.
    pub source: Source,
    /// Where the CA comes from: a file path (flags) or the ConfigMap key.
    pub ca: String,
    /// Client certificate names allowed to send identity headers (empty: any).
    pub allowed_names: Vec<String>,
    /// Headers carrying the user name.
    pub username_headers: Vec<String>,
    /// Headers carrying groups.
    pub group_headers: Vec<String>,
    /// Prefixes of headers carrying extra fields.
    pub extra_prefixes: Vec<String>,
    /// Field paths and values behind the above.
    pub evidence: Vec<Evidence>,
    /// Set from the API server's flags (else from the ConfigMap).
    pub from_flags: bool,
}

/// What the dump shows of request-header authentication.
#[derive(Debug, Clone)]
pub enum RequestHeaderView {
    /// Neither the API server's flags nor the ConfigMap is in the dump.
    NotVisible,
    /// Visible, and not configured.
    Off,
    /// Configured.
    On(Box<RequestHeader>),
}

/// The request-header configuration. The flags win over the ConfigMap, which the API server
/// writes from them.
pub fn request_header(inv: &Inventory<'_>) -> RequestHeaderView {
    let flags = &inv.apiserver;
    if let Some(ca) = flags.get("requestheader-client-ca-file").filter(|f| !f.value.trim().is_empty()) {
        let list = |name: &str| -> Vec<String> {
            flags
                .get(name)
                .map(|f| f.value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
                .unwrap_or_default()
        };
        let mut evidence = vec![ca.evidence("requestheader-client-ca-file")];
        for name in [
            "requestheader-allowed-names",
            "requestheader-username-headers",
            "requestheader-group-headers",
            "requestheader-extra-headers-prefix",
        ] {
            match flags.get(name) {
                Some(flag) => evidence.push(flag.evidence(name)),
                None => evidence.push(Evidence::plain(format!("--{name}"), "unset")),
            }
        }
        return RequestHeaderView::On(Box::new(RequestHeader {
            object: ca.object.clone(),
            source: ca.source.clone(),
            ca: ca.value.clone(),
            allowed_names: list("requestheader-allowed-names"),
            username_headers: list("requestheader-username-headers"),
            group_headers: list("requestheader-group-headers"),
            extra_prefixes: list("requestheader-extra-headers-prefix"),
            evidence,
            from_flags: true,
        }));
    }
    let ext = extension_auth(inv);
    match ext {
        Some(ext) if ext.has_requestheader_ca() => {
            let raw = |key: &str| ext.object.str_at(&["data", key]).unwrap_or("(absent)").to_string();
            let evidence = [
                "requestheader-allowed-names",
                "requestheader-username-headers",
                "requestheader-group-headers",
                "requestheader-extra-headers-prefix",
            ]
            .iter()
            .map(|key| Evidence::plain(format!("data.{key}"), raw(key)))
            .collect();
            // A list that does not parse is a diagnostic already; do not guess what it meant.
            let key_present = ext.object.str_at(&["data", "requestheader-allowed-names"]).is_some();
            let allowed_names = match (&ext.allowed_names, key_present) {
                (Some(names), _) => names.clone(),
                (None, false) => Vec::new(),
                (None, true) => return RequestHeaderView::Off,
            };
            RequestHeaderView::On(Box::new(RequestHeader {
                object: ext.object.object_ref(),
                source: ext.object.source.clone(),
                ca: format!("data.requestheader-client-ca-file of `{EXTENSION_AUTH_CONFIG_MAP}`"),
                allowed_names,
                username_headers: ext.username_headers.clone(),
                group_headers: ext.group_headers.clone(),
                extra_prefixes: ext.extra_prefixes.clone(),
                evidence,
                from_flags: false,
            }))
        }
        Some(_) => RequestHeaderView::Off,
        None if flags.is_visible() => RequestHeaderView::Off,
        None => RequestHeaderView::NotVisible,
    }
}

/// What to add to a dump to see the request-header configuration (and the client CA).
pub const EXTENSION_AUTH_HINT: &str = "the extension-apiserver-authentication ConfigMap: kubectl get configmap extension-apiserver-authentication -n kube-system -o yaml";

/// Where a kubelet view came from, which decides the defaults of unset settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KubeletDefaults {
    /// A config file is in use: `anonymous` defaults to off, `webhook` to on (v1beta1 defaults).
    ConfigFile,
    /// Command-line flags only: `--anonymous-auth` defaults to on, `--authentication-token-webhook` to off.
    FlagsOnly,
    /// Only overrides are shown (kops specs); unset settings are unknown.
    Partial,
}

/// One kubelet's (or kubelet group's) authentication settings as the dump shows them.
#[derive(Debug, Clone)]
pub struct KubeletView<'a> {
    /// The object holding them.
    pub object: &'a Object,
    /// Field path of the KubeletConfiguration inside the object (`""` for the object itself).
    pub config_path: String,
    /// The decoded KubeletConfiguration, if any.
    pub config: Option<Value>,
    /// Command-line flags: `(field path, name, value)`.
    pub flags: Vec<(String, String, String)>,
    /// How unset settings default.
    pub defaults: KubeletDefaults,
}

/// One kubelet setting, resolved: flag over config file over default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeletSetting {
    /// The effective value (`None`: unknown).
    pub enabled: Option<bool>,
    /// Where it was read (the object's path when defaulted).
    pub path: String,
    /// How it was set, for evidence: `--anonymous-auth=true`, `authentication.anonymous.enabled: true`,
    /// `unset (kubelet default: true)`.
    pub shown: String,
}

impl KubeletView<'_> {
    /// Whether anonymous requests are served.
    pub fn anonymous(&self) -> KubeletSetting {
        self.setting("anonymous-auth", "anonymous", true)
    }

    /// Whether bearer tokens are checked with the API server (TokenReview).
    pub fn webhook(&self) -> KubeletSetting {
        self.setting("authentication-token-webhook", "webhook", false)
    }

    fn setting(&self, flag: &str, key: &str, flag_default: bool) -> KubeletSetting {
        if let Some((path, _, value)) = self.flags.iter().rev().find(|(_, name, _)| name == flag) {
            return KubeletSetting {
                enabled: value.trim().parse().ok(),
                path: path.clone(),
                shown: format!("--{flag}={value}"),
            };
        }
        if let Some(value) = self.config.as_ref().and_then(|c| crate::util::at(c, &["authentication", key, "enabled"]))
        {
            let path = join_path(&self.config_path, &format!("authentication.{key}.enabled"));
            return KubeletSetting {
                enabled: value.as_bool(),
                shown: format!("authentication.{key}.enabled: {value}"),
                path,
            };
        }
        let enabled = match self.defaults {
            KubeletDefaults::ConfigFile => Some(!flag_default),
            KubeletDefaults::FlagsOnly => Some(flag_default),
            KubeletDefaults::Partial => None,
        };
        let shown = match enabled {
            Some(on) => format!("unset (kubelet default: {on})"),
            None => "unset".to_string(),
        };
        KubeletSetting { enabled, path: self.config_path.clone(), shown }
    }
}

fn join_path(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() { rest.to_string() } else { format!("{prefix}.{rest}") }
}

/// Every kubelet view of the dump.
pub fn kubelets<'a>(inv: &Inventory<'a>) -> Vec<KubeletView<'a>> {
    collect_kubelets(inv).0
}

/// Decoding problems of the views in this module (embedded YAML, base64, JSON lists).
pub fn diagnostics(inv: &Inventory<'_>) -> Vec<Diagnostic> {
    let mut out = collect_kubelets(inv).1;
    if let Some(cm) = inv.get("ConfigMap", "kube-system", EXTENSION_AUTH_CONFIG_MAP) {
        for key in [
            "requestheader-allowed-names",
            "requestheader-username-headers",
            "requestheader-group-headers",
            "requestheader-extra-headers-prefix",
        ] {
            if let Some(Err(message)) = cm.str_at(&["data", key]).map(json_list) {
                out.push(Diagnostic::new(
                    &cm.source.path,
                    cm.source.line,
                    DiagnosticCode::EmbeddedJson,
                    format!("`data.{key}` of ConfigMap `{EXTENSION_AUTH_CONFIG_MAP}` is not a JSON list of strings: {message}"),
                ));
            }
        }
    }
    out
}

const KUBEADM_KINDS: [&str; 5] =
    ["InitConfiguration", "JoinConfiguration", "ClusterConfiguration", "MasterConfiguration", "NodeConfiguration"];

fn collect_kubelets<'a>(inv: &Inventory<'a>) -> (Vec<KubeletView<'a>>, Vec<Diagnostic>) {
    let mut views = Vec::new();
    let mut diagnostics = Vec::new();
    let mut diag = |object: &Object, code: DiagnosticCode, message: String| {
        diagnostics.push(Diagnostic::new(&object.source.path, object.source.line, code, message));
    };
    // The loader also turns a KubeletInfo's config file into an embedded KubeletConfiguration;
    // the KubeletInfo view below covers it (with the command line's overrides).
    let kubelet_info_files: Vec<&str> = inv.of_kind("KubeletInfo").map(|o| &*o.source.path).collect();
    for object in inv
        .of_kind("KubeletConfiguration")
        .filter(|o| !(o.origin == crate::input::Origin::Embedded && kubelet_info_files.contains(&&*o.source.path)))
    {
        views.push(KubeletView {
            object,
            config_path: String::new(),
            config: Some(object.value.clone()),
            flags: Vec::new(),
            defaults: KubeletDefaults::ConfigFile,
        });
    }
    for object in inv.of_kind("ConfigMap").filter(|o| {
        o.namespace() == Some("kube-system")
            && (o.name() == "kubelet-config" || o.name().starts_with("kubelet-config-"))
    }) {
        let Some(text) = object.str_at(&["data", "kubelet"]) else { continue };
        match crate::input::parse_yaml_value(text) {
            Ok(config) => views.push(KubeletView {
                object,
                config_path: "data.kubelet".to_string(),
                config: Some(config),
                flags: Vec::new(),
                defaults: KubeletDefaults::ConfigFile,
            }),
            Err(message) => diag(
                object,
                DiagnosticCode::EmbeddedYaml,
                format!("`data.kubelet` of ConfigMap `{}` is not valid YAML: {message}", object.name()),
            ),
        }
    }
    for kind in KUBEADM_KINDS {
        for object in inv.of_kind(kind).filter(|o| o.api_version().starts_with("kubeadm.k8s.io/")) {
            let config = object.at(&["kubeletConfiguration", "baseConfig"]).cloned();
            let flags = kubeadm_kubelet_args(object);
            if config.is_some() || !flags.is_empty() {
                views.push(KubeletView {
                    object,
                    config_path: "kubeletConfiguration.baseConfig".to_string(),
                    config,
                    flags,
                    // kubeadm always starts the kubelet with a config file.
                    defaults: KubeletDefaults::ConfigFile,
                });
            }
        }
    }
    for object in inv.of_kind("KubeletInfo") {
        let flags = object
            .str_at(&["data", "cmdLine"])
            .map(|line| parse_flags(&command_line_words(line, "data.cmdLine")))
            .unwrap_or_default();
        let has_config_flag = flags.iter().any(|(_, name, _)| name == "config");
        let config = match object.at(&["data", "configFile", "content"]) {
            Some(Value::String(content)) => match decode_config_file(content) {
                Ok(config) => Some(config),
                Err(message) => {
                    diag(
                        object,
                        DiagnosticCode::EmbeddedConfig,
                        format!("`data.configFile.content` of KubeletInfo: {message}"),
                    );
                    None
                }
            },
            Some(value @ Value::Object(_)) => Some(value.clone()),
            _ => None,
        };
        let defaults = if config.is_some() || has_config_flag {
            KubeletDefaults::ConfigFile
        } else if flags.is_empty() {
            KubeletDefaults::Partial
        } else {
            KubeletDefaults::FlagsOnly
        };
        views.push(KubeletView { object, config_path: "data.configFile.content".to_string(), config, flags, defaults });
    }
    for object in inv.of_kind("Pod") {
        let by_label = object.label("component") == Some("kubelet");
        let Some(containers) = object.at(&["spec", "containers"]).and_then(Value::as_array) else { continue };
        for (c, container) in containers.iter().enumerate() {
            if !(runs_binary(container, "kubelet") || (by_label && containers.len() == 1)) {
                continue;
            }
            let words = container_words(container);
            let flags: Vec<_> = parse_flags(&words)
                .into_iter()
                .map(|(path, name, value)| (format!("spec.containers[{c}].{path}"), name, value))
                .collect();
            let defaults = if flags.iter().any(|(_, n, _)| n == "config") {
                KubeletDefaults::Partial // the file it names is not in the dump
            } else {
                KubeletDefaults::FlagsOnly
            };
            views.push(KubeletView {
                object,
                config_path: format!("spec.containers[{c}]"),
                config: None,
                flags,
                defaults,
            });
        }
    }
    for (kind, sections) in
        [("Cluster", &["kubelet", "controlPlaneKubelet", "masterKubelet"][..]), ("InstanceGroup", &["kubelet"][..])]
    {
        for object in inv.of_kind(kind).filter(|o| o.api_version().starts_with("kops")) {
            for section in sections {
                let Some(spec) = object.at(&["spec", section]) else { continue };
                let flags: Vec<_> = [
                    ("anonymousAuth", "anonymous-auth"),
                    ("authenticationTokenWebhook", "authentication-token-webhook"),
                ]
                .into_iter()
                .filter_map(|(field, flag)| {
                    let value = spec.get(field)?;
                    Some((format!("spec.{section}.{field}"), flag.to_string(), scalar(value)))
                })
                .collect();
                views.push(KubeletView {
                    object,
                    config_path: format!("spec.{section}"),
                    config: None,
                    flags,
                    defaults: KubeletDefaults::Partial,
                });
            }
        }
    }
    (views, diagnostics)
}

/// `nodeRegistration.kubeletExtraArgs`: a map (v1beta3) or a `[{name, value}]` list (v1beta4).
fn kubeadm_kubelet_args(object: &Object) -> Vec<(String, String, String)> {
    match object.at(&["nodeRegistration", "kubeletExtraArgs"]) {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| (format!("nodeRegistration.kubeletExtraArgs.{k}"), k.to_string(), scalar(v)))
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let name = item.get("name")?.as_str()?;
                let value = item.get("value").map(scalar).unwrap_or_default();
                Some((format!("nodeRegistration.kubeletExtraArgs[{i}]"), name.to_string(), value))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Why a `KubeletInfo`'s embedded config file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ConfigFileError {
    #[error("decoded base64 is not UTF-8 text")]
    NotUtf8,
    #[error("not a KubeletConfiguration mapping")]
    NotAMapping,
    #[error("not valid YAML: {0}")]
    Yaml(#[from] crate::input::ParseError),
}

/// A kubelet config file's text as kubescape ships it: base64 of YAML, or the YAML itself.
fn decode_config_file(content: &str) -> Result<Value, ConfigFileError> {
    let compact: String = content.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let text = match base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| ConfigFileError::NotUtf8)?,
        Err(_) => content.to_string(),
    };
    match crate::input::parse_yaml_value(&text)? {
        value @ Value::Object(_) => Ok(value),
        _ => Err(ConfigFileError::NotAMapping),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// How a JWT authenticator was configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtForm {
    /// `--oidc-*` flags (or a kops `Cluster`'s `oidc*` fields).
    Flags,
    /// A `jwt[]` entry of an `AuthenticationConfiguration`.
    Structured,
}

/// A value and the field path (or flag) it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Field path in the object.
    pub path: String,
    /// What it says (`--flag=value` for flags).
    pub shown: String,
    /// The value itself.
    pub value: String,
}

/// How a claim becomes a user name or groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClaimMapping {
    /// The claim read.
    pub claim: Option<Located>,
    /// The prefix the API server really prepends (flag defaults applied; `""` for none).
    pub prefix: String,
    /// Where the prefix was set (`None`: not written).
    pub prefix_at: Option<Located>,
    /// A CEL expression instead of claim + prefix.
    pub expression: Option<Located>,
}

/// One JWT (OIDC) authenticator of the API server, whatever form configured it.
#[derive(Debug, Clone)]
pub struct JwtAuthenticator<'a> {
    /// Flags or structured configuration.
    pub form: JwtForm,
    /// The object that configured it.
    pub object: crate::data::object_ref::ObjectRef,
    /// Where that object starts.
    pub source: crate::data::source::Source,
    /// The `AuthenticationConfiguration` (structured form only).
    pub config: Option<&'a Object>,
    /// The issuer URL.
    pub issuer: Option<Located>,
    /// `issuer.discoveryURL` (structured form only).
    pub discovery_url: Option<Located>,
    /// Accepted audiences (`--oidc-client-id`, `issuer.audiences`).
    pub audiences: Vec<String>,
    /// Where the audiences were read (or would be written).
    pub audiences_path: String,
    /// `claimValidationRules` (structured) / `--oidc-required-claim` (flags) count.
    pub claim_rules: usize,
    /// The user name mapping.
    pub username: ClaimMapping,
    /// The groups mapping (`None`: groups not mapped).
    pub groups: Option<ClaimMapping>,
    /// `userValidationRules` expressions.
    pub user_rules: Vec<String>,
}

impl JwtAuthenticator<'_> {
    /// Whether a user validation rule rejects `system:` identities for `field` (`username`
    /// or `groups`): such a rule makes a missing prefix harmless.
    pub fn rejects_system(&self, field: &str) -> bool {
        self.user_rules.iter().any(|rule| rule.contains("system:") && rule.contains(field))
    }
}

/// Whether a claim-mapping CEL expression visibly prepends a literal (`'oidc:' + claims.sub`,
/// `claims.groups.map(g, "idp:" + g)`). A heuristic: anything else counts as unprefixed.
pub fn expression_adds_prefix(expression: &str) -> bool {
    let compact: String = expression.chars().filter(|c| !c.is_whitespace()).collect();
    ["'+", "\"+"].iter().any(|p| compact.contains(p))
}

/// Every JWT authenticator: the `--oidc-*` flags (one, when `--oidc-issuer-url` is set) and
/// each `jwt[]` entry of every `AuthenticationConfiguration`.
pub fn jwt_authenticators<'a>(inv: &Inventory<'a>) -> Vec<JwtAuthenticator<'a>> {
    let mut out = Vec::new();
    let flags = &inv.apiserver;
    if let Some(issuer) = flags.get("oidc-issuer-url") {
        let located = |name: &str| {
            flags.get(name).map(|f| Located {
                path: f.path.clone(),
                shown: format!("--{name}={}", f.value),
                value: f.value.clone(),
            })
        };
        let username_claim = located("oidc-username-claim");
        let claim = username_claim.as_ref().map_or("sub", |c| c.value.as_str());
        let username_prefix = located("oidc-username-prefix");
        // The API server's defaulting: no prefix for `email`; otherwise `<issuer>#`; `-` disables it.
        let prefix = match username_prefix.as_ref().map(|p| p.value.as_str()) {
            Some("-") => String::new(),
            Some(p) if !p.is_empty() => p.to_string(),
            _ if claim == "email" => String::new(),
            _ => format!("{}#", issuer.value),
        };
        let username = ClaimMapping {
            claim: Some(username_claim.unwrap_or(Located {
                path: "--oidc-username-claim".into(),
                shown: "unset (default: sub)".into(),
                value: "sub".into(),
            })),
            prefix,
            prefix_at: username_prefix,
            expression: None,
        };
        let groups = located("oidc-groups-claim").map(|claim| {
            let prefix_at = located("oidc-groups-prefix");
            ClaimMapping {
                claim: Some(claim),
                prefix: prefix_at.as_ref().map(|p| p.value.clone()).unwrap_or_default(),
                prefix_at,
                expression: None,
            }
        });
        out.push(JwtAuthenticator {
            form: JwtForm::Flags,
            object: issuer.object.clone(),
            source: issuer.source.clone(),
            config: None,
            issuer: Some(Located {
                path: issuer.path.clone(),
                shown: format!("--oidc-issuer-url={}", issuer.value),
                value: issuer.value.clone(),
            }),
            discovery_url: None,
            audiences: flags
                .get("oidc-client-id")
                .map(|f| f.value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            audiences_path: flags
                .get("oidc-client-id")
                .map_or_else(|| "--oidc-client-id".to_string(), |f| f.path.clone()),
            claim_rules: flags.all("oidc-required-claim").len(),
            username,
            groups,
            user_rules: Vec::new(),
        });
    }
    for config in authentication_configs(inv) {
        let Some(jwts) = config.at(&["jwt"]).and_then(Value::as_array) else { continue };
        for (i, jwt) in jwts.iter().enumerate() {
            let at = |path: &[&str]| crate::util::at(jwt, path);
            let located = |path: &[&str]| {
                let value = at(path)?;
                let text = scalar(value);
                let field = format!("jwt[{i}].{}", path.join("."));
                Some(Located { shown: format!("{}: {text}", path.join(".")), path: field, value: text })
            };
            let mapping = |key: &str| {
                let claim = located(&["claimMappings", key, "claim"]).filter(|c| !c.value.is_empty());
                let prefix_at = located(&["claimMappings", key, "prefix"]);
                ClaimMapping {
                    prefix: prefix_at.as_ref().map(|p| p.value.clone()).unwrap_or_default(),
                    claim,
                    prefix_at,
                    expression: located(&["claimMappings", key, "expression"]).filter(|e| !e.value.is_empty()),
                }
            };
            let groups = mapping("groups");
            let strings = |path: &[&str]| -> Vec<String> {
                at(path)
                    .and_then(Value::as_array)
                    .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
                    .unwrap_or_default()
            };
            out.push(JwtAuthenticator {
                form: JwtForm::Structured,
                object: config.object_ref(),
                source: config.source.clone(),
                config: Some(config),
                issuer: located(&["issuer", "url"]),
                discovery_url: located(&["issuer", "discoveryURL"]),
                audiences: strings(&["issuer", "audiences"]),
                audiences_path: format!("jwt[{i}].issuer.audiences"),
                claim_rules: at(&["claimValidationRules"]).and_then(Value::as_array).map_or(0, <[Value]>::len),
                username: mapping("username"),
                groups: (groups.claim.is_some() || groups.expression.is_some()).then_some(groups),
                user_rules: at(&["userValidationRules"])
                    .and_then(Value::as_array)
                    .map(|rules| {
                        rules
                            .iter()
                            .filter_map(|r| r.get("expression").and_then(Value::as_str))
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::source::Source;
    use crate::input::Origin;
    use serde_json::{Value, json};

    fn objects(values: Vec<Value>) -> Vec<Object> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                Object::new(
                    v,
                    Source { path: "dump.yaml".into(), line: u32::try_from(i).unwrap() + 1 },
                    Origin::Document,
                )
            })
            .collect()
    }

    #[test]
    fn kubelet_config_defaults_differ_from_flag_defaults() {
        let objs = objects(vec![
            json!({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelet", "namespace": "kube-system"},
                   "spec": {"containers": [{"name": "k", "command": ["kubelet", "--anonymous-auth=false"]}]}}),
        ]);
        let inv = Inventory::new(&objs);
        let views = kubelets(&inv);
        assert_eq!(views.len(), 2);
        assert_eq!(views[0].anonymous().enabled, Some(false));
        assert_eq!(views[0].webhook().enabled, Some(true));
        assert_eq!(views[1].anonymous().enabled, Some(false));
        assert_eq!(views[1].anonymous().shown, "--anonymous-auth=false");
        assert_eq!(views[1].webhook().enabled, Some(false));
        assert_eq!(views[1].webhook().shown, "unset (kubelet default: false)");
    }

    #[test]
    fn kubescape_kubelet_info_is_decoded() {
        // `authentication: {anonymous: {enabled: true}}` as JSON (valid YAML), base64-encoded.
        let content = base64::engine::general_purpose::STANDARD.encode(
            br#"{"apiVersion":"kubelet.config.k8s.io/v1beta1","authentication":{"anonymous":{"enabled":true}}}"#,
        );
        let objs = objects(vec![json!({"apiVersion": "hostdata.kubescape.cloud/v1beta0", "kind": "KubeletInfo",
            "data": {"cmdLine": "/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml", "configFile": {"content": content}}})]);
        let inv = Inventory::new(&objs);
        let view = &kubelets(&inv)[0];
        assert_eq!(view.anonymous().enabled, Some(true));
        assert_eq!(view.anonymous().path, "data.configFile.content.authentication.anonymous.enabled");
        assert_eq!(view.webhook().enabled, Some(true));
        assert!(diagnostics(&inv).is_empty());
    }

    #[test]
    fn bad_embedded_data_is_a_diagnostic() {
        let objs = objects(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kubelet-config", "namespace": "kube-system"},
                   "data": {"kubelet": "{not: [valid"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": EXTENSION_AUTH_CONFIG_MAP, "namespace": "kube-system"},
                   "data": {"requestheader-allowed-names": "front-proxy-client"}}),
        ]);
        let inv = Inventory::new(&objs);
        let codes: Vec<_> = diagnostics(&inv).into_iter().map(|d| (d.code.as_str(), d.source.line)).collect();
        assert_eq!(codes, [("embedded-yaml", 1), ("embedded-json", 2)]);
        assert!(kubelets(&inv).is_empty());
        assert_eq!(extension_auth(&inv).unwrap().allowed_names, None);
        // An admission decision reads no diagnostics: they are not made for it.
        assert_eq!(inv.diagnostics.len(), 2);
        assert!(Inventory::for_admission(&objs).diagnostics.is_empty());
    }

    #[test]
    fn jwt_authenticators_from_flags_apply_api_server_defaults() {
        let objs = objects(vec![json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "kube-apiserver", "namespace": "kube-system", "labels": {"component": "kube-apiserver"}},
            "spec": {"containers": [{"name": "a", "command": ["kube-apiserver", "--oidc-issuer-url=https://idp.example.com",
                "--oidc-client-id=kubernetes", "--oidc-groups-claim=groups"]}]}})]);
        let inv = Inventory::new(&objs);
        let jwt = &jwt_authenticators(&inv)[0];
        assert_eq!(jwt.form, JwtForm::Flags);
        assert_eq!(jwt.username.prefix, "https://idp.example.com#");
        assert_eq!(jwt.username.claim.as_ref().unwrap().value, "sub");
        assert_eq!(jwt.groups.as_ref().unwrap().prefix, "");
        assert_eq!(jwt.audiences, ["kubernetes"]);
    }

    #[test]
    fn jwt_authenticators_from_structured_config() {
        let objs = objects(vec![
            json!({"apiVersion": "apiserver.config.k8s.io/v1beta1", "kind": "AuthenticationConfiguration",
            "jwt": [{"issuer": {"url": "https://idp", "audiences": ["a", "b"]},
                     "claimMappings": {"username": {"claim": "sub", "prefix": ""}, "groups": {"expression": "claims.groups"}},
                     "userValidationRules": [{"expression": "!user.username.startsWith('system:')"}]}]}),
        ]);
        let inv = Inventory::new(&objs);
        let jwt = &jwt_authenticators(&inv)[0];
        assert_eq!(jwt.username.prefix, "");
        assert_eq!(jwt.username.prefix_at.as_ref().unwrap().path, "jwt[0].claimMappings.username.prefix");
        assert_eq!(jwt.groups.as_ref().unwrap().expression.as_ref().unwrap().value, "claims.groups");
        assert!(jwt.rejects_system("username") && !jwt.rejects_system("groups"));
        assert_eq!((jwt.audiences.len(), jwt.claim_rules), (2, 0));
        assert!(expression_adds_prefix("claims.groups.map(g, 'idp:' + g)"));
        assert!(expression_adds_prefix("\"oidc:\"+claims.sub"));
        assert!(!expression_adds_prefix("claims.groups"));
    }

    #[test]
    fn anonymous_block_limited_to_health_endpoints() {
        let objs = objects(vec![
            json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",
                   "anonymous": {"enabled": true, "conditions": [{"path": "/livez"}, {"path": "/readyz"}, {"path": "/healthz"}]}}),
            json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration",
                   "anonymous": {"enabled": true, "conditions": [{"path": "/livez"}, {"path": "/metrics"}]}}),
            json!({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "AuthenticationConfiguration", "anonymous": {"enabled": false}}),
        ]);
        let blocks: Vec<_> = objs.iter().filter_map(anonymous_block).collect();
        assert!(matches!(blocks[0], AnonymousBlock::HealthOnly(ref p) if p.len() == 3));
        assert!(matches!(blocks[1], AnonymousBlock::Open(ref p) if p.contains(&"/metrics".to_string())));
        assert_eq!(blocks[2], AnonymousBlock::Disabled);
    }
}
