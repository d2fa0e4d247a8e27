//! Every rule, one file each, grouped by family (the two letters of the code).

pub mod an;
pub mod ap;
pub mod bt;
pub mod cc;
pub mod ek;
pub mod im;
pub mod kc;
pub mod mx;
pub mod oi;
pub mod sa;
pub mod st;
#[cfg(test)]
pub(crate) mod test_support;
pub mod tr;
pub mod ul;
pub mod wh;

/// What to add to a dump so flag rules can judge the control plane.
pub const CONTROL_PLANE_HINT: [&str; 2] = [
    "the kube-apiserver static Pod: kubectl get pods -n kube-system -l component=kube-apiserver -o yaml",
    "the kubeadm-config ConfigMap: kubectl get configmap kubeadm-config -n kube-system -o yaml",
];
