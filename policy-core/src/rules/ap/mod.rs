//! AP: authenticating proxy (request-header authentication).

mod request_header;

mod request_header_any_client;
pub(crate) use request_header_any_client::RequestHeaderAnyClient;
mod request_header_identity_headers;
pub(crate) use request_header_identity_headers::RequestHeaderIdentityHeaders;
