//! The join of the audit log with the credential inventory: which credential of the dump made
//! which requests.
//!
//! The strongest key is the credential-id the API server records since Kubernetes 1.32
//! (`X509SHA256=` + the certificate's SHA-256, `JTI=` for service-account tokens). Legacy token
//! Secrets are matched by the Secret name of the audit annotation, else by their service
//! account; bootstrap tokens by their `system:bootstrap:<id>` user. Older servers record no
//! credential-id: a certificate is then matched by its user name and groups, which another
//! certificate for the same subject would also match, and [`CredentialUsage::weaker`] says so.

pub use crate::audit::usage::{CredentialUsage, MatchedBy};
use crate::audit::{AuditLog, Identity};
use crate::inventory::Inventory;
use crate::inventory::credentials::{Credential, CredentialKind};
use std::net::IpAddr;

/// The identities of the log that used `credential`, and how they were recognised; `None` for
/// credentials the log cannot tell apart (exec plugins, CSRs, kubeconfig bearer tokens).
pub fn identities_of<'l>(credential: &Credential, log: &'l AuditLog) -> Option<(MatchedBy, Vec<&'l Identity>)> {
    let of_user = log.of_user(&credential.identity);
    match credential.kind {
        CredentialKind::ClientCertificate => {
            let hex = credential.fingerprint.strip_prefix("sha256:")?;
            let by_id: Vec<&Identity> = log
                .identities()
                .into_iter()
                .filter(|i| i.credential_id.as_deref().is_some_and(|id| is_certificate_id(id, hex)))
                .collect();
            if !by_id.is_empty() {
                return Some((MatchedBy::CredentialId, by_id));
            }
            let by_name = of_user
                .iter()
                .filter(|i| i.credential_id.is_none() && !i.legacy_token)
                .filter(|i| credential.groups.iter().all(|g| i.groups.contains(g)));
            Some((MatchedBy::Username, by_name.collect()))
        }
        CredentialKind::ServiceAccountToken => {
            let secret = credential.object.name.as_str();
            let legacy: Vec<&Identity> = of_user.iter().filter(|i| i.legacy_token).collect();
            let named: Vec<&Identity> =
                legacy.iter().copied().filter(|i| i.legacy_secret.as_deref() == Some(secret)).collect();
            if !named.is_empty() {
                return Some((MatchedBy::SecretName, named));
            }
            Some((MatchedBy::ServiceAccount, legacy.into_iter().filter(|i| i.legacy_secret.is_none()).collect()))
        }
        CredentialKind::BootstrapToken => Some((MatchedBy::TokenId, of_user.iter().collect())),
        CredentialKind::StaticToken => Some((
            MatchedBy::Username,
            of_user.iter().filter(|i| i.credential_id.is_none() && !i.legacy_token).collect(),
        )),
        CredentialKind::CertificateSigningRequest | CredentialKind::KubeconfigUser => None,
    }
}

/// Whether a credential-id names the certificate of SHA-256 `hex`.
pub fn is_certificate_id(credential_id: &str, hex: &str) -> bool {
    credential_id.strip_prefix("X509SHA256=").is_some_and(|id| id.eq_ignore_ascii_case(hex))
}

/// Whether the API server says the identity authenticated with a client certificate.
pub fn by_certificate_id(identity: &Identity) -> bool {
    identity.credential_id.as_deref().is_some_and(|id| id.starts_with("X509SHA256="))
}

/// The usage of one credential, `None` when the log cannot tell.
pub fn usage(credential: &Credential, log: &AuditLog) -> Option<CredentialUsage> {
    let (matched_by, identities) = identities_of(credential, log)?;
    let mut usage = CredentialUsage {
        seen: !identities.is_empty(),
        matched_by: (!identities.is_empty()).then_some(matched_by),
        weaker: !identities.is_empty() && matched_by == MatchedBy::Username,
        first_used: None,
        last_used: None,
        requests: 0,
        source_ips: Vec::new(),
        user_agents: Vec::new(),
        most_sensitive: None,
    };
    for identity in identities {
        usage.requests += identity.requests;
        if usage.first_used.as_ref().is_none_or(|f| identity.first.before(f)) {
            usage.first_used = Some(identity.first.clone());
        }
        if usage.last_used.as_ref().is_none_or(|l| l.before(&identity.last)) {
            usage.last_used = Some(identity.last.clone());
        }
        for (all, more) in
            [(&mut usage.source_ips, &identity.source_ips), (&mut usage.user_agents, &identity.user_agents)]
        {
            for value in more {
                crate::audit::add_capped(all, value);
            }
        }
        if let Some(action) = &identity.most_sensitive
            && usage.most_sensitive.as_ref().is_none_or(|a| action.worse_than(a))
        {
            usage.most_sensitive = Some(action.clone());
        }
    }
    Some(usage)
}

/// Fill in every credential's usage, when a log was given.
pub fn attach(credentials: &mut [Credential], log: &AuditLog) {
    if !log.is_given() {
        return;
    }
    for credential in credentials {
        credential.usage = usage(credential, log);
    }
}

/// The username prefix of the JWT (OIDC) authenticator an identity came from, if any.
pub fn oidc_prefix(inv: &Inventory<'_>, username: &str) -> Option<String> {
    crate::inventory::authn_config::jwt_authenticators(inv)
        .into_iter()
        .map(|a| a.username.prefix)
        .find(|prefix| !prefix.is_empty() && username.starts_with(prefix.as_str()))
}

/// The cluster's pod network, where the dump shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodNetwork {
    /// The ranges as written (`10.244.0.0/16,fd00::/64`).
    pub text: String,
    /// Where they come from, in words.
    pub origin: &'static str,
    /// The ranges parsed: address and prefix length.
    pub networks: Vec<(IpAddr, u32)>,
}

impl PodNetwork {
    /// Whether an address lies in the pod network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| network_contains(*n, ip))
    }
}

/// The pod network: the controller manager's `--cluster-cidr` (the ranges it hands out to
/// nodes), else kubeadm's `networking.podSubnet` (which kubeadm passes on as that flag and CNI
/// plugins such as Calico are set up with). `None` when the dump shows neither.
pub fn pod_network(inv: &Inventory<'_>) -> Option<PodNetwork> {
    let parse = |text: &str, origin| {
        let networks: Vec<(IpAddr, u32)> = text.split(',').filter_map(network).collect();
        (!networks.is_empty()).then(|| PodNetwork { text: text.to_string(), origin, networks })
    };
    if let Some(flag) = inv.controller_manager.get("cluster-cidr") {
        return parse(&flag.value, "kube-controller-manager `--cluster-cidr`");
    }
    inv.of_kind("ConfigMap")
        .filter(|o| o.name() == "kubeadm-config")
        .filter_map(|o| crate::input::parse_yaml_value(o.str_at(&["data", "ClusterConfiguration"])?).ok())
        .chain(inv.of_kind("ClusterConfiguration").map(|o| o.value.clone()))
        .find_map(|config| {
            let subnet = config.get("networking")?.get("podSubnet")?.as_str()?.to_string();
            parse(&subnet, "kubeadm `podSubnet`")
        })
}

/// Parse `10.244.0.0/16` (or a bare address) into a network and prefix length.
pub fn network(cidr: &str) -> Option<(IpAddr, u32)> {
    let (address, bits) = cidr.trim().split_once('/').unwrap_or((cidr.trim(), ""));
    let address: IpAddr = address.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let bits = if bits.is_empty() { max } else { bits.parse().ok().filter(|b| *b <= max)? };
    Some((address, bits))
}

/// Whether `ip` lies in the network.
pub fn network_contains((net, bits): (IpAddr, u32), ip: IpAddr) -> bool {
    let mask = |max: u32| if bits == 0 { 0 } else { u128::MAX << (max - bits) };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            (u128::from(n.to_bits()) ^ u128::from(i.to_bits())) & mask(32) & 0xffff_ffff == 0
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => (n.to_bits() ^ i.to_bits()) & mask(128) == 0,
        _ => false,
    }
}

/// The nodes' own addresses (`status.addresses` of type `InternalIP`): requests from there come
/// from a host-network pod or the node itself, inside the cluster though outside the pod network.
pub fn node_addresses(inv: &Inventory<'_>) -> Vec<IpAddr> {
    inv.of_kind("Node")
        .filter_map(|node| node.at(&["status", "addresses"]).and_then(crate::value::Value::as_array))
        .flatten()
        .filter(|a| a.get("type").and_then(crate::value::Value::as_str) == Some("InternalIP"))
        .filter_map(|a| a.get("address").and_then(crate::value::Value::as_str)?.parse().ok())
        .collect()
}
