//! AP: authenticating proxy (request-header authentication).

mod insecure_api_service;
pub(crate) use insecure_api_service::InsecureApiService;
mod insecure_proxy_connection;
pub(crate) use insecure_proxy_connection::InsecureProxyConnection;
mod request_header_any_client;
pub(crate) use request_header_any_client::RequestHeaderAnyClient;
mod request_header_identity_headers;
pub(crate) use request_header_identity_headers::RequestHeaderIdentityHeaders;
mod shared_request_header_ca;
pub(crate) use shared_request_header_ca::SharedRequestHeaderCa;
