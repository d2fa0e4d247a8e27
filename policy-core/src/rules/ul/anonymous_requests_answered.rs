use crate::rule::prelude::*;
use crate::rules::ul::{LOG_HINT, user_ref, with_span};

declare_rule! {
    /// ## What it does
    /// Flags anonymous requests (`system:anonymous`) that the API server answered with success
    /// beyond the health and version endpoints.
    ///
    /// ## Why is this bad?
    /// Anonymous access is meant for load-balancer health checks and version discovery. A
    /// successful anonymous request anywhere else means some binding grants unauthenticated
    /// callers real access, and the log proves someone is using it: anyone who can reach the
    /// API server gets the same answers without any credential.
    ///
    /// ## Example
    /// An audit event with `"user": {"username": "system:anonymous"}`, `"requestURI":
    /// "/api/v1/namespaces"` and `"responseStatus": {"code": 200}`.
    ///
    /// ## How to fix
    /// Remove the bindings that grant `system:anonymous` or `system:unauthenticated` more than
    /// `system:public-info-viewer`, and limit anonymous authentication to the health endpoints
    /// (an `AuthenticationConfiguration` `anonymous.conditions` list) or turn it off.
    ///
    /// Guide: *Authentication Mechanisms*.
    pub AnonymousRequestsAnswered {
        code: "UL003",
        slug: "anonymous-requests-answered",
        severity: Severity::High,
        mechanism: Mechanism::Anonymous,
        scope: Scope::Audit,
        status: Preview("0.2.0"),
    }
}

impl Check for AnonymousRequestsAnswered {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let log = &cx.inv.audit;
        if !log.is_given() {
            return out.not_assessable(self, "no audit log given", &LOG_HINT);
        }
        for identity in log.of_user("system:anonymous") {
            let Some(first) = &identity.out_of_scope else { continue };
            let message = format!(
                "{} anonymous request(s) beyond the health and version endpoints were answered with success; the first {} at {}",
                identity.out_of_scope_requests, first.what, first.seen.at
            );
            let finding = self.finding_at(user_ref(&identity.username), first.seen.source.clone(), message);
            out.push(with_span(
                finding,
                identity,
                identity.spans.out_of_scope.as_ref(),
                Some(&identity.spans.out_of_scope_sources),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;
    use crate::rules::ul::test_support::{event, on, run};

    #[test]
    fn fires_beyond_health_and_version_only() {
        let anon = |uri: &str, code: u16| event("system:anonymous", "", "get", uri, code, "2025-11-01T10:00:00Z");
        let healthy =
            [anon("/healthz", 200), anon("/readyz/etcd", 200), anon("/version", 200), anon("/api/v1/secrets", 403)];
        let (found, _) = run(&AnonymousRequestsAnswered, vec![], &healthy);
        assert!(found.is_empty());
        let listed = on(&anon("/api/v1/namespaces?limit=500", 200), r#"{"resource":"namespaces","apiVersion":"v1"}"#);
        let (found, _) = run(&AnonymousRequestsAnswered, vec![], &[healthy.to_vec(), vec![listed]].concat());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "1 anonymous request(s) beyond the health and version endpoints were answered with success; the first read `namespaces` at 2025-11-01T10:00:00Z"
        );
        assert_eq!(found[0].source.line, 5);
        // The evidence is the request out of scope and where it came from, not the probes.
        let late = on(
            &anon("/api/v1/namespaces?limit=500", 200)
                .replace("10.0.0.7", "203.0.113.66")
                .replace("10:00:00Z", "11:00:00Z"),
            r#"{"resource":"namespaces","apiVersion":"v1"}"#,
        );
        let probes: Vec<String> =
            healthy.iter().map(|l| l.replace("10.0.0.7", "10.0.0.1").replace("10:00:00Z", "09:00:00Z")).collect();
        let (found, _) = run(&AnonymousRequestsAnswered, vec![], &[probes, vec![late]].concat());
        let evidence: Vec<String> = found[0].evidence.iter().map(|e| format!("{}={}", e.path, e.value)).collect();
        assert_eq!(evidence, ["first request=audit.log:5 at 2025-11-01T11:00:00Z", "sourceIPs=203.0.113.66"]);
    }
}
