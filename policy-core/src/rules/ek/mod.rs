//! EK: managed-cluster identity maps (EKS `aws-auth`, aws-iam-authenticator).

mod aws_auth_system_masters;
pub(crate) use aws_auth_system_masters::AwsAuthSystemMasters;
