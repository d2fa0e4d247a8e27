//! KC: kubeconfig documents, given as input or stored in the cluster.

mod insecure_kubeconfig_cluster;
mod static_kubeconfig_credential;
pub(crate) use insecure_kubeconfig_cluster::InsecureKubeconfigCluster;
pub(crate) use static_kubeconfig_credential::StaticKubeconfigCredential;

/// `` of the kubeconfig in `data.kubeconfig` `` or `` of the kubeconfig `` for messages.
pub(crate) fn which(config: &crate::inventory::kubeconfig::Kubeconfig<'_>) -> String {
    if config.field.is_empty() {
        "in the kubeconfig".to_string()
    } else {
        format!("in the kubeconfig stored in `{}`", config.field)
    }
}
