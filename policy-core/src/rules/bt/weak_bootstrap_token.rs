use super::bootstrap_secret::bootstrap_tokens;
use crate::rule::prelude::*;
use crate::util::token_strength::{TokenStrength, TokenWeakness};

/// Length of a bootstrap token's id and secret halves.
const ID_LEN: usize = 6;
const SECRET_LEN: usize = 16;

declare_rule! {
    /// ## What it does
    /// Flags a bootstrap token whose `token-id` is not six or whose `token-secret` is not
    /// sixteen characters of `[a-z0-9]`, or whose secret is guessable: low entropy, a run of
    /// repeated or consecutive characters (`0123456789abcdef`), or a common word. Tokens
    /// written into a kubeadm `InitConfiguration` (`bootstrapTokens[].token`) are judged too.
    ///
    /// ## Why is this bad?
    /// The id is public by design (it is part of the Secret's name and of the signature key in
    /// the `cluster-info` ConfigMap that anonymous users may read), so the secret half is all
    /// that protects the token, and the API server does not lock anyone out after failed
    /// attempts. `kubeadm token generate` draws it at random; a hand-typed or copied example
    /// secret can be guessed. A token of the wrong shape never authenticates at all, which
    /// shows it was made by hand.
    ///
    /// ## Example
    /// ```yaml
    /// stringData:
    ///   token-id: abcdef
    ///   token-secret: 0123456789abcdef
    /// ```
    ///
    /// ## How to fix
    /// Delete the token and create a random one with `kubeadm token create` (or
    /// `kubeadm token generate`), with a short TTL.
    ///
    /// Guide: *Bootstrap Tokens*.
    pub WeakBootstrapToken {
        code: "BT004",
        slug: "weak-bootstrap-token",
        severity: Severity::High,
        mechanism: Mechanism::BootstrapTokens,
        scope: Scope::Admit,
    }
}

fn well_formed(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Check for WeakBootstrapToken {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for token in bootstrap_tokens(cx.inv) {
            let mut problems = Vec::new();
            let id = token.id.as_deref().unwrap_or("");
            if !well_formed(id, ID_LEN) {
                problems.push("`token-id` is not 6 characters of `[a-z0-9]`".to_string());
            }
            let secret = token.secret.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            if !well_formed(&secret, SECRET_LEN) {
                problems.push("`token-secret` is not 16 characters of `[a-z0-9]`".to_string());
            }
            if !secret.is_empty() {
                let weaknesses = TokenStrength::of(&secret).weaknesses(SECRET_LEN);
                problems.extend(weaknesses.iter().filter_map(|w| match w {
                    TokenWeakness::Short { .. } => None,
                    // The word is part of the secret, and so is its entropy: name the weakness only.
                    TokenWeakness::CommonWord(_) => Some("contains a common word".to_string()),
                    TokenWeakness::LowEntropy { .. } => Some("low entropy".to_string()),
                    other => Some(other.to_string()),
                }));
            }
            if problems.is_empty() {
                continue;
            }
            let mut finding = self.finding(
                token.object,
                format!("bootstrap token `{}` is weak: {}", token.display_id(), problems.join("; ")),
            );
            if let Some(bytes) = token.secret.as_deref() {
                finding = finding.evidence(Evidence::secret(token.path("token-secret"), bytes));
            }
            if let Some(why) = token.ignored_because() {
                finding = finding.severity(Severity::Info).remediation(format!("{why}; delete the Secret"));
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::bt::bootstrap_secret::fixtures::bootstrap_secret;
    use crate::rules::test_support::run;

    fn messages(id: &str, secret: &str) -> Vec<String> {
        let (found, _) = run(&WeakBootstrapToken, vec![bootstrap_secret(id, secret, Some("2025-11-29T10:00:00Z"))]);
        found.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn kubeadm_tokens_pass_even_with_the_example_id() {
        assert!(messages("abcdef", "3ubbwmtl2qxm3ryy").is_empty());
        assert!(messages("07401b", "f395accd246ae52d").is_empty());
    }

    #[test]
    fn guessable_and_malformed_tokens_are_named_without_their_secret() {
        assert_eq!(
            messages("abcdef", "0123456789abcdef"),
            vec!["bootstrap token `abcdef` is weak: 10 consecutive characters in a row"]
        );
        assert_eq!(
            messages("node01", "aaaaaaaaaaaaaaaa"),
            vec!["bootstrap token `node01` is weak: low entropy; 16 equal characters in a row"]
        );
        assert_eq!(
            messages("ABCDEF", "Kubernetes-Join1"),
            vec![
                "bootstrap token `ABCDEF` is weak: `token-id` is not 6 characters of `[a-z0-9]`; `token-secret` is not 16 characters of `[a-z0-9]`; contains a common word"
            ]
        );
    }

    #[test]
    fn kubeadm_init_configuration_tokens() {
        let config = serde_json::json!({"apiVersion": "kubeadm.k8s.io/v1beta3", "kind": "InitConfiguration",
            "bootstrapTokens": [{"token": "abcdef.0123456789abcdef", "ttl": "24h0m0s"},
                                {"token": "s73ybu.6tw6wnqgp5z0wb77"}]});
        let (found, _) = run(&WeakBootstrapToken, vec![config]);
        let got: Vec<(&str, &str)> = found.iter().map(|f| (f.message.as_str(), f.evidence[0].path.as_str())).collect();
        assert_eq!(
            got,
            vec![("bootstrap token `abcdef` is weak: 10 consecutive characters in a row", "bootstrapTokens[0].token")]
        );
        assert_eq!(found[0].evidence[0].value, crate::util::fingerprint::WITHHELD);
    }

    #[test]
    fn a_weak_secret_has_no_fingerprint() {
        let (found, _) = run(
            &WeakBootstrapToken,
            vec![bootstrap_secret("abcdef", "0123456789abcdef", Some("2025-11-29T10:00:00Z"))],
        );
        assert_eq!(found[0].severity, Severity::High);
        let evidence = &found[0].evidence[0];
        assert!(evidence.redacted);
        assert_eq!(evidence.value, crate::util::fingerprint::WITHHELD);
    }

    #[test]
    fn random_secrets_never_trip_the_checks() {
        // 2 000 secrets the way kubeadm draws them (uniform over [a-z0-9]), from a fixed seed.
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut flagged = 0;
        for _ in 0..2_000 {
            let secret: String = (0..16)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from(ALPHABET[usize::try_from(state % 36).unwrap()])
                })
                .collect();
            if !messages("07401b", &secret).is_empty() {
                flagged += 1;
            }
        }
        assert_eq!(flagged, 0);
    }
}
