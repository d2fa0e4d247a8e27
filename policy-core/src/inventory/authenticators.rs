//! Identity and authentication software the dump runs: a table of known products matched by
//! image name, what mechanism each serves, whether it is isolated from general workloads, how
//! long the ID tokens it issues live, and whether it reaches the API server without TLS checks.

use crate::data::evidence::Evidence;
use crate::data::mechanism::Mechanism;
use crate::input::Object;
use crate::inventory::Inventory;
use crate::inventory::rbac::{Subject, SubjectKind};
use crate::inventory::workloads::{self, Workload};
use crate::value::Value;

/// What a product does for Kubernetes authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Issues the ID tokens the API server's OIDC/JWT authenticator trusts.
    IdentityProvider,
    /// A web front end that runs the OIDC login and hands out kubeconfigs.
    LoginHelper,
    /// Sits in front of the API server, authenticates users itself and forwards (impersonating).
    ApiProxy,
    /// Answers the API server's `TokenReview` webhook.
    WebhookAuthenticator,
}

/// How a product reaches the API server, for AP003.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiTraffic {
    /// Only as an ordinary client (in-cluster config).
    Client,
    /// Forwards every user request to the API server.
    Proxies,
    /// A general-purpose proxy: forwards to the API server only when an upstream points there.
    WhenUpstreamIsApi,
}

/// Where a product's ID-token lifetime is configured, for OI006.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenConfig {
    /// Not visible in a dump, or the product issues no ID tokens.
    NotVisible,
    /// dex `config.yaml`: `expiry.idTokens` (default 24 h).
    Dex,
    /// A keycloak realm: `accessTokenLifespan` (default 5 min; ID tokens share it).
    Keycloak,
}

/// One known product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Its usual name.
    pub name: &'static str,
    /// Image names (last path segment, no registry, no tag); a trailing `*` matches a prefix.
    pub images: &'static [&'static str],
    /// The Kubernetes mechanism it serves: webhook products are WH002's, the others OI004's.
    pub mechanism: Mechanism,
    /// What it does.
    pub role: Role,
    /// How it talks to the API server.
    pub api: ApiTraffic,
    /// Where its ID-token lifetime lives.
    pub tokens: TokenConfig,
}

const fn product(
    name: &'static str,
    images: &'static [&'static str],
    mechanism: Mechanism,
    role: Role,
    api: ApiTraffic,
    tokens: TokenConfig,
) -> Product {
    Product { name, images, mechanism, role, api, tokens }
}

use ApiTraffic::{Client, Proxies, WhenUpstreamIsApi};
use Mechanism::{AuthenticatingProxy as Proxy, Oidc, Webhook};
use Role::{ApiProxy, IdentityProvider, LoginHelper, WebhookAuthenticator};
use TokenConfig::{Dex, Keycloak, NotVisible};

/// The known products. Vault and kube-rbac-proxy are left out on purpose: one is a secret
/// store, the other authorises metrics scrapes; neither authenticates users to the API.
pub static PRODUCTS: &[Product] = &[
    product("dex", &["dex"], Oidc, IdentityProvider, Client, Dex),
    product("pinniped", &["pinniped-server"], Oidc, IdentityProvider, Client, NotVisible),
    product("keycloak", &["keycloak"], Oidc, IdentityProvider, Client, Keycloak),
    product("ory hydra", &["hydra"], Oidc, IdentityProvider, Client, NotVisible),
    product("zitadel", &["zitadel"], Oidc, IdentityProvider, Client, NotVisible),
    product("authelia", &["authelia"], Oidc, IdentityProvider, Client, NotVisible),
    product("gangway", &["gangway"], Oidc, LoginHelper, Client, NotVisible),
    product("dex-k8s-authenticator", &["dex-k8s-authenticator"], Oidc, LoginHelper, Client, NotVisible),
    product("loginapp", &["loginapp"], Oidc, LoginHelper, Client, NotVisible),
    product("kube-oidc-proxy", &["kube-oidc-proxy"], Oidc, ApiProxy, Proxies, NotVisible),
    product("oauth2-proxy", &["oauth2-proxy"], Oidc, ApiProxy, WhenUpstreamIsApi, NotVisible),
    product("openunison", &["openunison*"], Oidc, ApiProxy, Proxies, NotVisible),
    product(
        "teleport",
        &["teleport", "teleport-ent", "teleport-distroless", "teleport-ent-distroless"],
        Proxy,
        ApiProxy,
        Proxies,
        NotVisible,
    ),
    product("pomerium", &["pomerium"], Proxy, ApiProxy, Proxies, NotVisible),
    product("guard", &["guard"], Webhook, WebhookAuthenticator, Client, NotVisible),
    product("aws-iam-authenticator", &["aws-iam-authenticator"], Webhook, WebhookAuthenticator, Client, NotVisible),
    product("k8s-keystone-auth", &["k8s-keystone-auth"], Webhook, WebhookAuthenticator, Client, NotVisible),
    product("kube-ldap", &["kube-ldap"], Webhook, WebhookAuthenticator, Client, NotVisible),
];

/// The image's name without registry, path, tag or digest, lowercase:
/// `ghcr.io/dexidp/dex:v2.32.0` → `dex`.
pub fn image_name(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last).trim().to_ascii_lowercase()
}

/// The product an image runs, if known.
pub fn match_image(image: &str) -> Option<&'static Product> {
    let name = image_name(image);
    PRODUCTS.iter().find(|p| {
        p.images.iter().any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *pattern,
        })
    })
}

/// A workload that runs a known product.
#[derive(Debug, Clone, Copy)]
pub struct Deployed<'w, 'a> {
    /// The product.
    pub product: &'static Product,
    /// The workload.
    pub workload: &'w Workload<'a>,
    /// Index of the container running it in `workload.containers`.
    pub container: usize,
}

/// Every workload running a known product (the first matching container decides).
pub fn deployed<'w, 'a>(inv: &'w Inventory<'a>) -> Vec<Deployed<'w, 'a>> {
    inv.workloads
        .iter()
        .filter_map(|workload| {
            workload.containers.iter().enumerate().find_map(|(container, c)| {
                match_image(c.image).map(|product| Deployed { product, workload, container })
            })
        })
        .collect()
}

/// One way an authenticator falls short of isolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// Short phrase for the message, e.g. `no dedicated nodes`.
    pub what: String,
    /// The field or object behind it.
    pub evidence: Evidence,
}

/// The shortfall of running on shared nodes: alone it is a note (info), not a finding.
pub const NO_DEDICATED_NODES: &str = "no dedicated nodes";

/// Why `deployed` is not isolated from general workloads (empty: isolated).
///
/// Criteria: its namespace holds other applications (or is `default`; a manifest that sets no
/// namespace is not in `default`: it is applied with `-n`, and its bindings may say where); its
/// Pods can share nodes with anything (no node selector plus tolerated taint); it runs
/// privileged (host namespaces, privileged containers, added capabilities; host networking is
/// accepted on dedicated control-plane nodes, where webhook authenticators must listen next to
/// the API server); its service account is shared with other applications, or holds privileged
/// permissions through a generic role or a group (`broad_grants`). The product's own parts
/// (its database, cache, operator) are not other applications (`same_app`).
/// In admission mode only the object itself is known, so only its own fields count.
pub fn isolation_shortfalls(inv: &Inventory<'_>, deployed: &Deployed<'_, '_>, admit: bool) -> Vec<Shortfall> {
    let w = deployed.workload;
    let mut out = Vec::new();
    let namespace = w.namespace_in(inv);
    if namespace == Some("default") {
        out.push(Shortfall {
            what: "runs in the `default` namespace".to_string(),
            evidence: Evidence::plain("metadata.namespace", "default"),
        });
    } else if !admit && namespace != Some("kube-system") {
        // kube-system holds cluster components by convention; they are not general workloads.
        let neighbours = inv.workloads.in_namespace(w.namespace).filter(|o| w.shares_namespace_with(o));
        let inferred = namespace.filter(|n| *n != w.namespace).into_iter().flat_map(|n| inv.workloads.in_namespace(n));
        let others: Vec<&Workload<'_>> = neighbours.chain(inferred).filter(|o| !same_app(w, o)).collect();
        if let Some(first) = others.first() {
            let shown = namespace.map_or_else(|| "(unset)".to_string(), |n| format!("`{n}`"));
            out.push(Shortfall {
                what: format!("shares namespace {shown} with `{}`", first.label()),
                evidence: Evidence::plain("metadata.namespace", namespace.unwrap_or("unset")),
            });
        }
    }
    let placement = &w.placement;
    if !placement.dedicated {
        out.push(Shortfall {
            what: NO_DEDICATED_NODES.to_string(),
            evidence: Evidence::plain(format!("{}.nodeSelector", w.spec_path), describe_placement(placement)),
        });
    }
    for privilege in &w.privileges {
        if privilege.what == "hostNetwork" && placement.dedicated && placement.control_plane {
            continue;
        }
        out.push(Shortfall { what: privilege.what.clone(), evidence: Evidence::plain(&privilege.path, "true") });
    }
    if !admit {
        let shared: Vec<&Workload<'_>> = inv
            .workloads
            .using_service_account(w.namespace, w.service_account)
            .filter(|o| w.shares_namespace_with(o) && !same_app(w, o))
            .collect();
        if let Some(first) = shared.first() {
            out.push(Shortfall {
                what: format!("service account `{}` shared with `{}`", w.service_account, first.label()),
                evidence: Evidence::plain(
                    w.service_account_path.clone().unwrap_or_else(|| format!("{}.serviceAccountName", w.spec_path)),
                    w.service_account,
                ),
            });
        }
        out.extend(broad_grants(inv, w));
    }
    out
}

/// Whether identity software demonstrably serves one other application only, not Kubernetes:
/// its `app.kubernetes.io/part-of` names an application (not the product) that the dump runs
/// other, non-identity workloads of — the dex that Argo CD bundles for its own login — and the
/// API server's OIDC issuer does not point at it.
pub fn serves_another_application(inv: &Inventory<'_>, deployed: &Deployed<'_, '_>) -> bool {
    let w = deployed.workload;
    let Some(app) = w.app_label("app.kubernetes.io/part-of").or_else(|| w.object.label("app.kubernetes.io/part-of"))
    else {
        return false;
    };
    if app.to_ascii_lowercase().contains(deployed.product.name) || trusted_by_api_server(inv, w) {
        return false;
    }
    inv.workloads.iter().any(|o| {
        !std::ptr::eq(o.object, w.object)
            && o.object.label("app.kubernetes.io/part-of") == Some(app)
            && !o.images().any(|i| match_image(i).is_some())
    })
}

/// Privileged permissions the workload's service account holds through a generic role
/// (`cluster-admin`, `admin`, `edit`: a default role) or through a group every other service
/// account is in too. A role written for the product (dex's CRDs, kube-oidc-proxy's
/// impersonation) is what the software needs; those are why it must be isolated, not a failure
/// of isolation.
fn broad_grants(inv: &Inventory<'_>, w: &Workload<'_>) -> Vec<Shortfall> {
    let subject = Subject::service_account(w.namespace_in(inv).unwrap_or("default"), w.service_account);
    let mut out = Vec::new();
    for (privilege, grant) in inv.rbac().privileges_of(&subject) {
        let via_group = grant.subject.kind == SubjectKind::Group;
        let generic_role = grant.role.is_some_and(|r| r.default);
        if grant.is_default() || !(via_group || generic_role) {
            continue;
        }
        let role = grant.binding.role_ref();
        let through = if via_group { format!(" through group `{}`", grant.subject.name) } else { String::new() };
        out.push(Shortfall {
            what: format!(
                "service account `{}` {} via `{role}`{through} (binding `{}`)",
                w.service_account,
                privilege.describe(),
                grant.binding.object.name()
            ),
            evidence: Evidence::plain("roleRef", role),
        });
    }
    out
}

fn describe_placement(p: &crate::inventory::workloads::Placement) -> String {
    match (p.node_selector.is_empty() && !p.required_node_affinity, p.tolerated_taints.is_empty()) {
        (true, _) => "unset".to_string(),
        (false, true) => "nodes selected, but no dedication taint tolerated".to_string(),
        (false, false) => "set".to_string(),
    }
}

/// Whether two workloads belong to the same application: the same object, both known
/// identity software, or the same `app.kubernetes.io/part-of`/`instance`/`name`, `app` or
/// Helm `release` label, one's name prefixing the other's (`keycloak` and `keycloak-postgresql`,
/// `keycloak-operator`), or one being the other's database or cache ([`is_backing_store`]).
fn same_app(a: &Workload<'_>, b: &Workload<'_>) -> bool {
    if std::ptr::eq(a.object, b.object) {
        return true;
    }
    let known = |w: &Workload<'_>| w.images().any(|i| match_image(i).is_some());
    if known(a) && known(b) {
        return true;
    }
    for key in ["app.kubernetes.io/part-of", "app.kubernetes.io/instance", "app.kubernetes.io/name", "app", "release"] {
        if let (Some(x), Some(y)) = (a.app_label(key), b.app_label(key))
            && x == y
        {
            return true;
        }
    }
    if is_backing_store(a, b) || is_backing_store(b, a) {
        return true;
    }
    let (x, y) = (a.object.name(), b.object.name());
    let prefixes = |long: &str, short: &str| long.strip_prefix(short).is_some_and(|rest| rest.starts_with('-'));
    prefixes(x, y) || prefixes(y, x)
}

/// Whether the API server's OIDC/JWT issuer (or discovery URL) points at the workload: its
/// host's first label is the workload's name (`https://dex.auth.svc:5556`). Then it is a
/// Kubernetes authenticator, whatever else it also serves.
fn trusted_by_api_server(inv: &Inventory<'_>, w: &Workload<'_>) -> bool {
    let host_label = |url: &str| {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        rest.split(['/', ':', '.', '?']).next().unwrap_or("").to_ascii_lowercase()
    };
    crate::inventory::authn_config::jwt_authenticators(inv)
        .iter()
        .flat_map(|a| a.issuer.iter().chain(&a.discovery_url))
        .any(|url| host_label(&url.value) == w.object.name().to_ascii_lowercase())
}

/// Images of databases and caches that identity software keeps its state in.
const STORES: &[&str] =
    &["postgres", "postgresql", "mysql", "mariadb", "redis", "valkey", "memcached", "infinispan", "mongo", "mongodb"];

/// Whether `store` runs a database or cache image that `app` is configured to reach by name (an
/// env value or argument naming it: keycloak's `KC_DB_URL_HOST: postgres`).
fn is_backing_store(app: &Workload<'_>, store: &Workload<'_>) -> bool {
    let name = store.object.name();
    let is_store = store.images().any(|i| STORES.contains(&image_name(i).as_str()));
    let names_it =
        |value: &str| value.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).any(|word| word == name);
    is_store
        && app
            .containers
            .iter()
            .any(|c| c.env().any(|(_, v, _)| names_it(v)) || c.argv.iter().any(|(_, v)| names_it(v)))
}

/// An ID-token lifetime the dump shows.
#[derive(Debug, Clone)]
pub struct IdTokenLifetime<'a> {
    /// The product.
    pub product: &'static Product,
    /// The object holding the configuration (ConfigMap, Secret, realm resource).
    pub object: &'a Object,
    /// Field path of the setting (or where it would be).
    pub path: String,
    /// The lifetime, in seconds.
    pub seconds: u64,
    /// Whether it was written (false: the product's default applies).
    pub explicit: bool,
    /// The value as written.
    pub raw: Option<String>,
}

/// dex's default `expiry.idTokens`.
pub const DEX_DEFAULT_ID_TOKEN_SECONDS: u64 = 24 * 3600;
/// keycloak's default realm `accessTokenLifespan` (ID tokens live as long).
pub const KEYCLOAK_DEFAULT_TOKEN_SECONDS: u64 = 300;

fn product_named(name: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.name == name)
}

/// Every ID-token lifetime the dump shows: dex configurations (a ConfigMap or Secret key
/// holding dex's `config.yaml`, recognised by its shape), keycloak realm resources
/// (`KeycloakRealmImport`, `KeycloakRealm`) and realm exports (`*.json` keys with a `realm`).
pub fn id_token_lifetimes<'a>(inv: &Inventory<'a>) -> Vec<IdTokenLifetime<'a>> {
    let mut out = Vec::new();
    let holders = inv.of_kind("ConfigMap").chain(inv.of_kind("Secret"));
    for object in holders {
        for key in workloads::data_keys(object) {
            let lower = key.to_ascii_lowercase();
            let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
            let json = lower.ends_with(".json");
            if !yaml && !json {
                continue;
            }
            let Some(text) = workloads::config_text(object, key) else { continue };
            let Ok(config) = crate::input::parse_yaml_value(&text) else { continue };
            let field = if object.at(&["stringData", key]).is_some() { "stringData" } else { "data" };
            if let Some(found) = dex_lifetime(object, &config, &format!("{field}[{key}]")) {
                out.push(found);
            } else if let Some(found) = keycloak_lifetime(object, &config, &format!("{field}[{key}]")) {
                out.push(found);
            }
        }
    }
    for kind in ["KeycloakRealmImport", "KeycloakRealm"] {
        for object in inv.of_kind(kind) {
            if let Some(realm) = object.at(&["spec", "realm"])
                && let Some(found) = keycloak_lifetime(object, realm, "spec.realm")
            {
                out.push(found);
            }
        }
    }
    out
}

/// A dex configuration has an `issuer` and at least one of dex's own sections.
fn dex_lifetime<'a>(object: &'a Object, config: &Value, prefix: &str) -> Option<IdTokenLifetime<'a>> {
    config.get("issuer")?.as_str()?;
    let dex_sections = ["storage", "connectors", "staticClients", "enablePasswordDB", "oauth2", "expiry"];
    if !dex_sections.iter().any(|s| config.get(s).is_some()) || config.get("storage").is_none() {
        return None;
    }
    let product = product_named("dex")?;
    let raw = config.pointer("/expiry/idTokens").and_then(Value::as_str).map(String::from);
    let (seconds, explicit) = match raw.as_deref().and_then(crate::util::parse_duration) {
        Some(seconds) => (seconds, true),
        None => (DEX_DEFAULT_ID_TOKEN_SECONDS, false),
    };
    Some(IdTokenLifetime { product, object, path: format!("{prefix}.expiry.idTokens"), seconds, explicit, raw })
}

/// A keycloak realm representation: a `realm` name plus realm settings.
fn keycloak_lifetime<'a>(object: &'a Object, realm: &Value, prefix: &str) -> Option<IdTokenLifetime<'a>> {
    realm.get("realm")?.as_str()?;
    let product = product_named("keycloak")?;
    let value = realm.get("accessTokenLifespan");
    let seconds = value.and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())));
    Some(IdTokenLifetime {
        product,
        object,
        path: format!("{prefix}.accessTokenLifespan"),
        seconds: seconds.unwrap_or(KEYCLOAK_DEFAULT_TOKEN_SECONDS),
        explicit: seconds.is_some(),
        raw: value.map(ToString::to_string),
    })
}

/// A connection to the API server that skips TLS verification or uses plain http.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsecureApiConnection {
    /// What is wrong, for the message.
    pub what: String,
    /// Where: a field of the workload, or of a mounted ConfigMap/Secret (named in `holder`).
    pub evidence: Evidence,
    /// The ConfigMap/Secret holding a kubeconfig, when the problem is there.
    pub holder: Option<crate::data::object_ref::ObjectRef>,
}

/// How `deployed` reaches the API server without TLS verification: flags and environment
/// (`--insecure-skip-tls-verify`, `--ssl-upstream-insecure-skip-verify`, http URLs of the API
/// server) and kubeconfigs in the ConfigMaps/Secrets it mounts.
pub fn insecure_api_connections(inv: &Inventory<'_>, deployed: &Deployed<'_, '_>) -> Vec<InsecureApiConnection> {
    let w = deployed.workload;
    let mut settings: Vec<(String, String, String)> = Vec::new(); // (name, value, path)
    for container in &w.containers {
        let mut argv = container.argv.iter().peekable();
        while let Some((path, arg)) = argv.next() {
            let Some(flag) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
                settings.push((String::new(), (*arg).to_string(), path.clone()));
                continue;
            };
            match flag.split_once('=') {
                Some((name, value)) => settings.push((name.to_string(), value.to_string(), path.clone())),
                None => {
                    let value = argv.next_if(|(_, next)| !next.starts_with('-')).map_or("true", |(_, v)| *v);
                    settings.push((flag.to_string(), value.to_string(), path.clone()));
                }
            }
        }
        for (name, value, path) in container.env() {
            settings.push((name.to_ascii_lowercase().replace('_', "-"), value.to_string(), path));
        }
    }
    let talks_to_api = match deployed.product.api {
        ApiTraffic::Client => false,
        ApiTraffic::Proxies => true,
        ApiTraffic::WhenUpstreamIsApi => settings.iter().any(|(_, v, _)| api_server_url(v).is_some()),
    };
    let mut out = Vec::new();
    if !talks_to_api {
        return out;
    }
    for (name, value, path) in &settings {
        let skips = name.contains("insecure") && (name.contains("skip") || name.contains("verify"));
        if skips && is_true(value) {
            out.push(InsecureApiConnection {
                what: format!("`{name}` turns off TLS verification"),
                evidence: Evidence::plain(path, format!("{name}={value}")),
                holder: None,
            });
        }
        if let Some(url) = api_server_url(value).filter(|u| u.starts_with("http://")) {
            out.push(InsecureApiConnection {
                what: format!("the API server is reached over plain http at `{url}`"),
                evidence: Evidence::plain(path, url),
                holder: None,
            });
        }
    }
    for volume in &w.config_volumes {
        let Some(holder) = inv.get(volume.kind, w.namespace, &volume.name) else { continue };
        for key in workloads::data_keys(holder) {
            let Some(text) = workloads::config_text(holder, key) else { continue };
            if !text.contains("clusters") {
                continue;
            }
            let Ok(config) = crate::input::parse_yaml_value(&text) else { continue };
            let clusters = config.get("clusters").and_then(Value::as_array).into_iter().flatten();
            for (i, cluster) in clusters.enumerate() {
                let field = if holder.at(&["stringData", key]).is_some() { "stringData" } else { "data" };
                let base = format!("{field}[{key}].clusters[{i}].cluster");
                if cluster.pointer("/cluster/insecure-skip-tls-verify").and_then(Value::as_bool) == Some(true) {
                    out.push(InsecureApiConnection {
                        what: format!("its kubeconfig `{}` sets `insecure-skip-tls-verify`", volume.name),
                        evidence: Evidence::plain(format!("{base}.insecure-skip-tls-verify"), "true"),
                        holder: Some(holder.object_ref()),
                    });
                }
                if let Some(server) = cluster.pointer("/cluster/server").and_then(Value::as_str)
                    && server.starts_with("http://")
                {
                    out.push(InsecureApiConnection {
                        what: format!("its kubeconfig `{}` reaches the API server over plain http", volume.name),
                        evidence: Evidence::plain(format!("{base}.server"), server),
                        holder: Some(holder.object_ref()),
                    });
                }
            }
        }
    }
    out
}

fn is_true(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes")
}

/// The URL in `value` when it points at the Kubernetes API server: the in-cluster service
/// name (`kubernetes`, `kubernetes.default[.svc[.cluster.local]]`) or the usual port 6443.
fn api_server_url(value: &str) -> Option<&str> {
    let url = value.trim();
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => (host, Some(port)),
        _ => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    let service = host == "kubernetes" || host.starts_with("kubernetes.default");
    (service || port == Some("6443")).then_some(url)
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
            .map(|v| Object::new(v, Source { path: "t.yaml".into(), line: 1 }, Origin::Document))
            .collect()
    }

    fn deployment(name: &str, ns: &str, pod_spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
               "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": pod_spec}}})
    }

    #[test]
    fn images_match_whatever_the_registry_and_tag() {
        let name = |i: &str| match_image(i).map(|p| p.name);
        assert_eq!(name("ghcr.io/dexidp/dex:v2.32.0"), Some("dex"));
        assert_eq!(name("dex"), Some("dex"));
        assert_eq!(name("localhost:5000/DEX@sha256:abcd"), Some("dex"));
        assert_eq!(name("<your-registry>/aws-iam-authenticator:<version>"), Some("aws-iam-authenticator"));
        assert_eq!(name("docker.io/tremolosecurity/openunison-k8s-login-oidc:latest"), Some("openunison"));
        assert_eq!(name("quay.io/jetstack/kube-oidc-proxy:v0.3.0"), Some("kube-oidc-proxy"));
        assert_eq!(name("projects.registry.vmware.com/pinniped/pinniped-server:v0.28.0"), Some("pinniped"));
        assert_eq!(name("nginx:1.27"), None);
        assert_eq!(name("ghcr.io/dexidp/dex-operator:v1"), None);
        assert_eq!(name(""), None);
    }

    #[test]
    fn isolation_shortfalls_in_audit_and_admission() {
        let dex = json!({"serviceAccountName": "dex", "containers": [{"name": "dex", "image": "ghcr.io/dexidp/dex:v2.41.1"}]});
        let objs = objects(vec![
            deployment("dex", "auth", dex),
            deployment("dex-postgresql", "auth", json!({"containers": [{"name": "db", "image": "postgres:16"}]})),
            deployment(
                "shop",
                "auth",
                json!({"serviceAccountName": "dex", "containers": [{"name": "s", "image": "shop:1"}]}),
            ),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "dex-admin"},
                   "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
                   "subjects": [{"kind": "ServiceAccount", "name": "dex", "namespace": "auth"}]}),
        ]);
        let inv = Inventory::new(&objs);
        let found = deployed(&inv);
        assert_eq!(found.len(), 1);
        let whats: Vec<String> = isolation_shortfalls(&inv, &found[0], false).into_iter().map(|s| s.what).collect();
        assert_eq!(
            whats,
            vec![
                "shares namespace `auth` with `Deployment/shop`",
                "no dedicated nodes",
                "service account `dex` shared with `Deployment/shop`",
                "service account `dex` is admin-equivalent via `ClusterRole/cluster-admin` (binding `dex-admin`)",
            ]
        );
        let admit: Vec<String> = isolation_shortfalls(&inv, &found[0], true).into_iter().map(|s| s.what).collect();
        assert_eq!(admit, vec!["no dedicated nodes"]);
    }

    #[test]
    fn webhook_on_control_plane_nodes_may_use_host_network() {
        let spec = json!({"hostNetwork": true, "nodeSelector": {"node-role.kubernetes.io/control-plane": ""},
            "tolerations": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
            "containers": [{"name": "a", "image": "aws-iam-authenticator:v0.6"}]});
        let mut off_cp = spec.clone();
        off_cp["nodeSelector"] = json!({"pool": "auth"});
        off_cp["tolerations"] = json!([{"key": "pool", "effect": "NoSchedule"}]);
        let objs = objects(vec![deployment("a", "kube-system", spec), deployment("b", "iam", off_cp)]);
        let inv = Inventory::new(&objs);
        let found = deployed(&inv);
        assert!(isolation_shortfalls(&inv, &found[0], false).is_empty());
        let b: Vec<String> = isolation_shortfalls(&inv, &found[1], false).into_iter().map(|s| s.what).collect();
        assert_eq!(b, vec!["hostNetwork"]);
    }

    #[test]
    fn dex_and_keycloak_token_lifetimes() {
        let objs = objects(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dex", "namespace": "auth"},
                   "data": {"config.yaml": "{\"issuer\": \"https://dex.example.com\", \"storage\": {\"type\": \"kubernetes\"}}"}}),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "dex2", "namespace": "auth"},
                   "stringData": {"config.yaml": "{\"issuer\": \"https://d\", \"storage\": {}, \"expiry\": {\"idTokens\": \"10m\"}}"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other", "namespace": "auth"},
                   "data": {"config.yaml": "{\"issuer\": \"https://x\"}", "notes.txt": "issuer"}}),
            json!({"apiVersion": "k8s.keycloak.org/v2alpha1", "kind": "KeycloakRealmImport",
                   "metadata": {"name": "corp", "namespace": "auth"},
                   "spec": {"keycloakCRName": "kc", "realm": {"realm": "corp", "accessTokenLifespan": 7200}}}),
        ]);
        let inv = Inventory::new(&objs);
        let got: Vec<(&str, &str, u64, bool)> =
            id_token_lifetimes(&inv).iter().map(|l| (l.product.name, l.object.name(), l.seconds, l.explicit)).collect();
        assert_eq!(
            got,
            vec![("dex", "dex", 86_400, false), ("dex", "dex2", 600, true), ("keycloak", "corp", 7200, true)]
        );
    }

    #[test]
    fn insecure_proxy_connections() {
        let objs = objects(vec![
            deployment(
                "kop",
                "p",
                json!({"containers": [{"name": "k", "image": "kube-oidc-proxy:v1",
                "args": ["--insecure-skip-tls-verify", "--server", "http://kubernetes.default.svc:80", "--secure-port=443"]}],
                "volumes": [{"name": "kc", "configMap": {"name": "kop-kubeconfig"}}]}),
            ),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kop-kubeconfig", "namespace": "p"},
                   "data": {"kubeconfig": "{\"clusters\": [{\"name\": \"c\", \"cluster\": {\"server\": \"https://10.0.0.1:6443\", \"insecure-skip-tls-verify\": true}}]}"}}),
            // oauth2-proxy in front of an ordinary web app: its upstream is not the API server.
            deployment(
                "o2p-app",
                "p",
                json!({"containers": [{"name": "o", "image": "oauth2-proxy:v7",
                "args": ["--upstream=http://grafana.monitoring:3000", "--ssl-upstream-insecure-skip-verify=true"]}]}),
            ),
            deployment(
                "o2p-api",
                "p",
                json!({"containers": [{"name": "o", "image": "oauth2-proxy:v7",
                "env": [{"name": "OAUTH2_PROXY_UPSTREAMS", "value": "https://kubernetes.default.svc"},
                        {"name": "OAUTH2_PROXY_SSL_UPSTREAM_INSECURE_SKIP_VERIFY", "value": "true"}]}]}),
            ),
        ]);
        let inv = Inventory::new(&objs);
        let found = deployed(&inv);
        let whats = |i: usize| -> Vec<String> {
            insecure_api_connections(&inv, &found[i]).into_iter().map(|c| c.what).collect()
        };
        assert_eq!(
            whats(0),
            vec![
                "`insecure-skip-tls-verify` turns off TLS verification",
                "the API server is reached over plain http at `http://kubernetes.default.svc:80`",
                "its kubeconfig `kop-kubeconfig` sets `insecure-skip-tls-verify`",
            ]
        );
        assert!(whats(1).is_empty());
        assert_eq!(whats(2), vec!["`oauth2-proxy-ssl-upstream-insecure-skip-verify` turns off TLS verification"]);
    }
}
