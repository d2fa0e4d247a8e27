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

    /// [`ObjectRef::redacted`] of a shared reference: the same one when nothing needs redacting
    /// (every valid name), so the findings of an object keep sharing it.
    #[must_use]
    pub fn redacted_shared(this: std::sync::Arc<Self>) -> std::sync::Arc<Self> {
        use crate::util::redact;
        let clean = |text: &str| matches!(redact::text(text), std::borrow::Cow::Borrowed(_));
        if clean(&this.name) && this.namespace.as_deref().is_none_or(clean) {
            this
        } else {
            std::sync::Arc::new(Self::clone(&this).redacted())
        }
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
