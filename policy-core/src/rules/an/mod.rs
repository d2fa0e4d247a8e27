//! AN: anonymous access (kube-apiserver `--anonymous-auth`, bindings to anonymous subjects, kubelets).

mod anonymous_auth_enabled;
pub(crate) use anonymous_auth_enabled::AnonymousAuthEnabled;
mod anonymous_role_binding;
pub(crate) use anonymous_role_binding::AnonymousRoleBinding;
mod authenticated_role_binding;
pub(crate) use authenticated_role_binding::{AuthenticatedRoleBinding, adds_nothing_to_authenticated};
mod weak_kubelet_authentication;
pub(crate) use weak_kubelet_authentication::WeakKubeletAuthentication;
