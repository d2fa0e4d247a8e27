//! ST: the static token file (`--token-auth-file`, `--basic-auth-file`, token CSVs).

mod token_auth_file;
pub(crate) use token_auth_file::TokenAuthFile;

mod basic_auth_file;
pub(crate) use basic_auth_file::BasicAuthFile;

mod weak_static_token;
pub(crate) use weak_static_token::WeakStaticToken;
