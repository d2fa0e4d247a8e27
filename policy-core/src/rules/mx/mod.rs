//! MX: the mechanism and credential inventories (the guide's opening section).

mod credential_inventory;
pub(crate) use credential_inventory::CredentialInventory;
mod internal_user_credentials;
pub(crate) use internal_user_credentials::InternalUserCredentials;
mod authentication_mechanisms;
pub(crate) use authentication_mechanisms::AuthenticationMechanisms;
mod too_many_user_mechanisms;
pub(crate) use too_many_user_mechanisms::TooManyUserMechanisms;
