use crate::rule::prelude::*;

/// One year, kube-controller-manager's default signing duration.
const ONE_YEAR_SECONDS: u64 = 8760 * 3600;

/// What to add to a dump so the controller manager's flags can be judged.
const CONTROLLER_MANAGER_HINT: [&str; 2] = [
    "the kube-controller-manager static Pod: kubectl get pods -n kube-system -l component=kube-controller-manager -o yaml",
    "the kubeadm-config ConfigMap: kubectl get configmap kubeadm-config -n kube-system -o yaml",
];

declare_rule! {
    /// ## What it does
    /// Flags a kube-controller-manager whose `--cluster-signing-duration` is above one year
    /// (its default). Reads the static Pod and kubeadm's `controllerManager.extraArgs`.
    ///
    /// ## Why is this bad?
    /// Every CertificateSigningRequest that does not ask for a shorter `expirationSeconds`
    /// gets a certificate that long. Client certificates cannot be revoked, so each one is a
    /// credential that works for its whole lifetime even after its holder has left.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///     - command:
    ///         - kube-controller-manager
    ///         - --cluster-signing-duration=87600h
    /// ```
    ///
    /// ## How to fix
    /// Remove the flag or lower it to a year at most, and have user CSRs set a short
    /// `spec.expirationSeconds`.
    ///
    /// Guide: *Client Certificate Authentication*.
    pub LongClusterSigningDuration {
        code: "CC007",
        slug: "long-cluster-signing-duration",
        severity: Severity::Medium,
        mechanism: Mechanism::ClientCertificates,
        scope: Scope::Audit,
    }
}

impl Check for LongClusterSigningDuration {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        let flags = &cx.inv.controller_manager;
        let flag = ["cluster-signing-duration", "experimental-cluster-signing-duration"]
            .into_iter()
            .find_map(|name| Some((name, flags.get(name)?)));
        match flag {
            Some((name, flag)) => {
                if let Some(secs) = crate::util::parse_duration(&flag.value)
                    && secs > ONE_YEAR_SECONDS
                {
                    out.push(
                        self.finding_at(
                            flag.object.clone(),
                            flag.source.clone(),
                            format!(
                                "cluster-signed certificates are valid `{}`: `--{name}={}`",
                                crate::util::human_duration(secs),
                                flag.value
                            ),
                        )
                        .evidence(flag.evidence(name)),
                    );
                }
            }
            None if !flags.is_visible() => {
                out.not_assessable(self, "kube-controller-manager not visible", &CONTROLLER_MANAGER_HINT);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{controller_manager_pod, run, summary};
    use serde_json::json;

    #[test]
    fn over_a_year_fires() {
        let (found, _) =
            run(&LongClusterSigningDuration, vec![controller_manager_pod(&["--cluster-signing-duration=87600h"])]);
        assert_eq!(
            summary(&found),
            [(
                "medium".into(),
                "Pod/kube-system/kube-controller-manager-cp1".into(),
                "cluster-signed certificates are valid `3650d`: `--cluster-signing-duration=87600h`".into()
            )]
        );
        let (found, _) =
            run(&LongClusterSigningDuration, vec![controller_manager_pod(&["--cluster-signing-duration=8760h0m0s"])]);
        assert!(found.is_empty());
        let (found, na) = run(&LongClusterSigningDuration, vec![controller_manager_pod(&[])]);
        assert!(found.is_empty() && na.is_empty());
    }

    #[test]
    fn kubeadm_extra_args_list_form() {
        let kubeadm = json!({"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "ClusterConfiguration",
            "controllerManager": {"extraArgs": [{"name": "cluster-signing-duration", "value": "17520h"}]}});
        let (found, _) = run(&LongClusterSigningDuration, vec![kubeadm]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence[0].path, "controllerManager.extraArgs[0]");
        let (_, na) = run(&LongClusterSigningDuration, vec![]);
        assert_eq!(na, ["CC007"]);
    }
}
