//! WH: webhook token authentication.

mod long_webhook_cache_ttl;
pub(crate) use long_webhook_cache_ttl::LongWebhookCacheTtl;
mod unisolated_webhook_authenticator;
pub(crate) use unisolated_webhook_authenticator::UnisolatedWebhookAuthenticator;
mod webhook_token_authentication;
pub(crate) use webhook_token_authentication::WebhookTokenAuthentication;
