//! ST: the static token file (`--token-auth-file`, `--basic-auth-file`, token CSVs).

mod token_auth_file;
pub(crate) use token_auth_file::TokenAuthFile;
