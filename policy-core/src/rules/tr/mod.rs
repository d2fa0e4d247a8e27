//! TR: TokenRequest (projected, short-lived) service-account tokens.

mod automounted_service_account_token;
pub(crate) use automounted_service_account_token::AutomountedServiceAccountToken;
mod long_lived_projected_token;
pub(crate) use long_lived_projected_token::LongLivedProjectedToken;
mod long_lived_token_requests;
pub(crate) use long_lived_token_requests::LongLivedTokenRequests;
mod service_account_token_creation;
pub(crate) use service_account_token_creation::{ServiceAccountTokenCreation, known_accounts};
