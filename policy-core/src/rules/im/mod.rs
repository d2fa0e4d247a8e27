//! IM: impersonation (`impersonate` on users, groups, service accounts and uids).

mod impersonation_grant;
pub(crate) use impersonation_grant::ImpersonationGrant;
pub(crate) use impersonation_grant::more_privileged_account;
