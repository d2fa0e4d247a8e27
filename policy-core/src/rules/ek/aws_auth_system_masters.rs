use crate::inventory::aws_auth::Principal;
use crate::rule::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags an IAM user or role mapped to the Kubernetes group `system:masters`: in the
    /// `aws-auth` ConfigMap of kube-system (`mapUsers` / `mapRoles`, whose keys the
    /// authenticator reads without regard to case), in aws-iam-authenticator's own
    /// `config.yaml` (`server.mapUsers` / `server.mapRoles`), or in an `IAMIdentityMapping`.
    ///
    /// ## Why is this bad?
    /// `system:masters` bypasses RBAC: no binding grants it and none can limit it. Whoever
    /// can assume the role (often more people than intended, through trust policies and SSO
    /// permission sets) becomes an unrestricted cluster administrator, and the audit log
    /// shows only the mapped user name.
    ///
    /// ## Example
    /// ```yaml
    /// data:
    ///   mapUsers: |
    ///     - userarn: arn:aws:iam::111122223333:user/admin
    ///       username: admin
    ///       groups:
    ///         - system:masters
    /// ```
    ///
    /// ## How to fix
    /// Map the principal to a group of your own (for example `eks-admins`) and bind that
    /// group to the ClusterRole it needs; on EKS, prefer access entries with access policies.
    ///
    /// Guide: *Webhook Authentication*.
    pub AwsAuthSystemMasters {
        code: "EK001",
        slug: "aws-auth-system-masters",
        severity: Severity::High,
        mechanism: Mechanism::Webhook,
        scope: Scope::Audit,
    }
}

impl Check for AwsAuthSystemMasters {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Findings) {
        for mapping in &cx.inv.aws_auth {
            if !mapping.groups.iter().any(|g| g == "system:masters") {
                continue;
            }
            let principal = match mapping.principal {
                Principal::User => "IAM user",
                Principal::Role => "IAM role",
            };
            let message =
                format!("`{}` ({principal}) is mapped to `system:masters` as user `{}`", mapping.arn, mapping.username);
            out.push(
                self.finding(mapping.object, message).evidence(Evidence::plain(mapping.path.clone(), "system:masters")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{config_map, run, summary};
    use serde_json::json;

    #[test]
    fn masters_mappings_fire_node_roles_do_not() {
        let map_roles = r#"[{"rolearn": "arn:aws:iam::5:role/node", "username": "system:node:{{EC2PrivateDNSName}}", "groups": ["system:bootstrappers", "system:nodes"]}]"#;
        let map_users =
            r#"[{"UserArn": "arn:aws:iam::5:user/admin", "username": "admin", "groups": ["system:masters"]}]"#;
        let (found, _) = run(
            &AwsAuthSystemMasters,
            vec![config_map("aws-auth", json!({"mapRoles": map_roles, "mapUsers": map_users}))],
        );
        assert_eq!(
            summary(&found),
            vec![(
                "high".to_string(),
                "ConfigMap/kube-system/aws-auth".to_string(),
                "`arn:aws:iam::5:user/admin` (IAM user) is mapped to `system:masters` as user `admin`".to_string()
            )]
        );
    }
}
