//! UL: usage evidence from audit logs, joined with the dump. Every finding names the log lines
//! of the first and last request it rests on, never a token.

mod used_system_masters_certificate;
pub(crate) use used_system_masters_certificate::UsedSystemMastersCertificate;

mod legacy_token_used_outside_pods;
pub(crate) use legacy_token_used_outside_pods::LegacyTokenUsedOutsidePods;

mod anonymous_requests_answered;
pub(crate) use anonymous_requests_answered::AnonymousRequestsAnswered;

mod bootstrap_token_misused;
pub(crate) use bootstrap_token_misused::BootstrapTokenMisused;

mod certificates_used_by_people;
pub(crate) use certificates_used_by_people::CertificatesUsedByPeople;

mod static_token_users_seen;
pub(crate) use static_token_users_seen::StaticTokenUsersSeen;

mod unused_credential;
pub(crate) use unused_credential::UnusedCredential;

mod impersonation_by_users;
pub(crate) use impersonation_by_users::ImpersonationByUsers;

mod invalidated_legacy_token_tried;
pub(crate) use invalidated_legacy_token_tried::InvalidatedLegacyTokenTried;

use crate::audit::{Identity, Seen};
use crate::inventory::Inventory;
use crate::inventory::certs::FoundCert;
use crate::report::{Evidence, Finding, ObjectRef, Source};
use crate::value::Value;

/// What to give beside the dump so these rules can judge usage.
pub(crate) const LOG_HINT: [&str; 1] =
    ["the API server's audit log (the file of `--audit-log-path`, rotated and .gz files too) beside the dump"];

/// The object a finding on an identity seen only in the log is about.
pub(crate) fn user_ref(username: &str) -> ObjectRef {
    ObjectRef { api_version: "audit.k8s.io/v1".into(), kind: "User".into(), namespace: None, name: username.into() }
}

fn line(seen: &Seen) -> String {
    format!("{}:{} at {}", seen.source.path, seen.source.line, if seen.at.is_empty() { "?" } else { &seen.at })
}

/// `finding` with the identity's evidence: the first and last request, and where they came from.
pub(crate) fn with_evidence(finding: Finding, identity: &Identity) -> Finding {
    with_requests(finding, &identity.first, &identity.last, &identity.source_ips)
}

/// `finding` with the first and last of the requests it is about (`span`, else all the
/// identity's requests) and their source addresses (`sources`, else the identity's).
pub(crate) fn with_span(
    finding: Finding,
    identity: &Identity,
    span: Option<&(Seen, Seen)>,
    sources: Option<&[String]>,
) -> Finding {
    let (first, last) = span.map_or((&identity.first, &identity.last), |(first, last)| (first, last));
    with_requests(finding, first, last, sources.unwrap_or(&identity.source_ips))
}

/// `finding` with the evidence of a run of requests: the first and the last (file, line and
/// time), and their source addresses.
pub(crate) fn with_requests(finding: Finding, first: &Seen, last: &Seen, source_ips: &[String]) -> Finding {
    let mut finding = finding.evidence(Evidence::plain("first request", line(first)));
    if last != first {
        finding = finding.evidence(Evidence::plain("last request", line(last)));
    }
    if !source_ips.is_empty() {
        finding = finding.evidence(Evidence::plain("sourceIPs", source_ips.join(", ")));
    }
    finding
}

/// Where a finding on an identity is located: its first request.
pub(crate) fn source(identity: &Identity) -> Source {
    identity.first.source.clone()
}

/// `when` and `where` in a message: `12 requests between … and … from `10.0.0.7``.
pub(crate) fn when_and_where(identity: &Identity) -> String {
    let from = match identity.source_ips.as_slice() {
        [] => String::new(),
        [ip] => format!(" from `{ip}`"),
        [ip, ..] => format!(" from `{ip}` and {} more addresses", identity.source_ips.len() - 1),
    };
    let requests =
        if identity.requests == 1 { "1 request".to_string() } else { format!("{} requests", identity.requests) };
    format!("{requests} between {} and {}{from}", identity.first.at, identity.last.at)
}

/// The client certificate of the dump an identity used: by credential-id, else (weaker) by
/// common name and organisations when the log records no credential-id.
pub(crate) fn certificate_of<'i, 'a>(inv: &'i Inventory<'a>, identity: &Identity) -> Option<(&'i FoundCert<'a>, bool)> {
    let mut certs = inv.certs.client_credentials();
    match identity.credential_id.as_deref() {
        Some(id) => {
            certs.find(|c| crate::inventory::usage::is_certificate_id(id, &c.cert.fingerprint)).map(|c| (c, false))
        }
        None if !identity.legacy_token => certs
            .find(|c| {
                c.cert.common_name == identity.username
                    && c.cert.organizations.iter().all(|o| identity.groups.contains(o))
            })
            .map(|c| (c, true)),
        None => None,
    }
}

/// The users of the static token files of the dump.
pub(crate) fn static_token_users(inv: &Inventory<'_>) -> Vec<String> {
    inv.of_kind("StaticTokenFile")
        .flat_map(|file| file.at(&["rows"]).and_then(Value::as_array).unwrap_or_default())
        .filter_map(|row| row.get("user").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// Whether the user name is one of a service account, node, bootstrap token or control-plane
/// component rather than a person's.
pub(crate) fn is_system_user(username: &str, groups: &[String]) -> bool {
    username.starts_with("system:") || crate::inventory::x509::is_system_identity(username, groups)
}

#[cfg(test)]
pub(crate) mod test_support {
    #![allow(clippy::unwrap_used, reason = "tests")]
    pub(crate) use crate::audit::tests::{event, on};
    use crate::input::Object;
    use crate::inventory::Inventory;
    use crate::report::Finding;
    use crate::rule::{Check, Context, Findings, Scope};
    use crate::settings::Settings;
    use serde_json::Value;

    /// Run one rule over objects and an audit log's lines.
    pub(crate) fn run(rule: &dyn Check, values: Vec<Value>, lines: &[String]) -> (Vec<Finding>, Vec<String>) {
        let objects: Vec<Object> = crate::rules::test_support::objects(values);
        let mut inv = Inventory::new(&objects);
        if !lines.is_empty() {
            inv.audit.read("audit.log", lines.join("\n").as_bytes());
        }
        let settings = Settings::default();
        let cx = Context {
            inv: &inv,
            settings: &settings,
            now: Some(crate::rules::test_support::now()),
            mode: Scope::Audit,
        };
        let mut out = Findings::default();
        rule.check(&cx, &mut out);
        (out.found, out.not_assessable.into_iter().map(|n| n.code).collect())
    }
}
