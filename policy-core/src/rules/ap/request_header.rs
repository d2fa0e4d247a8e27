//! What AP001 and AP004 share: the request-header configuration, from flags or the
//! `extension-apiserver-authentication` ConfigMap.

use crate::inventory::Inventory;
use crate::inventory::authn_config::{EXTENSION_AUTH_CONFIG_MAP, extension_auth};
use crate::report::{Evidence, ObjectRef, Source};

/// The request-header settings of one source.
#[derive(Debug, Clone)]
pub(crate) struct RequestHeader {
    pub object: ObjectRef,
    pub source: Source,
    /// Where the CA comes from: a file path (flags) or the ConfigMap key.
    pub ca: String,
    pub allowed_names: Vec<String>,
    pub username_headers: Vec<String>,
    pub group_headers: Vec<String>,
    pub extra_prefixes: Vec<String>,
    /// Field paths and values behind the above.
    pub evidence: Vec<Evidence>,
    /// Set from the API server's flags (else from the ConfigMap).
    pub from_flags: bool,
}

/// What the dump shows: `Err(())` when neither the API server nor the ConfigMap is visible;
/// otherwise the request-header configuration, if one is set. The flags win over the
/// ConfigMap, which the API server writes from them.
pub(crate) fn request_header(inv: &Inventory<'_>) -> Result<Option<RequestHeader>, ()> {
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
        return Ok(Some(RequestHeader {
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
                (None, true) => return Ok(None),
            };
            Ok(Some(RequestHeader {
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
        Some(_) => Ok(None),
        None if flags.is_visible() => Ok(None),
        None => Err(()),
    }
}

/// What to add to a dump so the request-header rules can judge.
pub(crate) const REQUEST_HEADER_HINT: [&str; 2] = [
    "the extension-apiserver-authentication ConfigMap: kubectl get configmap extension-apiserver-authentication -n kube-system -o yaml",
    crate::rules::CONTROL_PLANE_HINT[0],
];
