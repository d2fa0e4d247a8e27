//! WH: webhook token authentication.

mod long_webhook_cache_ttl;
pub(crate) use long_webhook_cache_ttl::LongWebhookCacheTtl;
mod webhook_token_authentication;
pub(crate) use webhook_token_authentication::WebhookTokenAuthentication;
