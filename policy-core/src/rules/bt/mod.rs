//! BT: bootstrap tokens (`bootstrap.kubernetes.io/token` Secrets, `--enable-bootstrap-token-auth`).

mod bootstrap_auth_without_tokens;
mod bootstrap_secret;
mod expired_bootstrap_token;
mod non_expiring_bootstrap_token;
mod overprivileged_bootstrappers;
mod privileged_bootstrap_token;
mod weak_bootstrap_token;
pub(crate) use bootstrap_auth_without_tokens::BootstrapAuthWithoutTokens;
pub(crate) use expired_bootstrap_token::ExpiredBootstrapToken;
pub(crate) use non_expiring_bootstrap_token::NonExpiringBootstrapToken;
pub(crate) use overprivileged_bootstrappers::OverprivilegedBootstrappers;
pub(crate) use privileged_bootstrap_token::PrivilegedBootstrapToken;
pub(crate) use weak_bootstrap_token::WeakBootstrapToken;
