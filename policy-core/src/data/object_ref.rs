//! Which object something is about.

use serde::{Deserialize, Serialize};

/// Which object a finding is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion` as written in the input.
    pub api_version: String,
    /// `kind` as written in the input.
    pub kind: String,
    /// Namespace; absent for cluster-scoped objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// The reference with secrets in its name redacted. A valid Kubernetes name or namespace
    /// (DNS labels) cannot hold URL userinfo or an assignment, so this only changes names of
    /// crafted or broken input; other names are identifiers and are shown.
    #[must_use]
    pub fn redacted(mut self) -> Self {
        self.name = crate::util::redact::string(self.name);
        self.namespace = self.namespace.map(crate::util::redact::string);
        self
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}
