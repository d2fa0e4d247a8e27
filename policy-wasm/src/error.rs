//! Why a policy-engine call could not be decided. Every one is a refusal: hosts turn it into a
//! rejection (waPC error, `opa_abort`, an npm `failure`), never into an acceptance.

/// A call that could not be decided, with the message the host shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An AdmissionReview without its request.
    #[error("AdmissionReview has no `request`")]
    ReviewWithoutRequest,
    /// A JSON object that is neither an AdmissionReview nor an AdmissionRequest.
    #[error("expected an AdmissionReview or an AdmissionRequest")]
    NotAdmission,
    /// The request is not a JSON object at all.
    #[error("admission request is not a JSON object")]
    RequestNotAnObject,
    /// JSON that could not be decoded as `what`; `detail` never repeats the input (see `json_error`).
    #[error("{what}: {detail}")]
    Json {
        /// What was being read, e.g. `invalid settings`.
        what: &'static str,
        /// serde's complaint without the value it quoted, and where.
        detail: String,
    },
    /// A setting only audits read, given to the admission policy.
    #[error("invalid settings: `{key}` {applies}; the admission policy does not read it")]
    AuditOnlySetting {
        /// The settings key.
        key: String,
        /// Where the key applies, in words.
        applies: &'static str,
    },
    /// A setting only the admission policy reads, given to an audit.
    #[error("invalid settings: `{key}` {applies}; audits do not read it")]
    AdmissionOnlySetting {
        /// The settings key.
        key: String,
        /// Where the key applies, in words.
        applies: &'static str,
    },
    /// A list of names holding an empty one.
    #[error("`{field}` holds an empty name")]
    EmptyName {
        /// The settings key of the list.
        field: &'static str,
    },
    /// An `allowedLegacyTokens` entry that is not `namespace/name`.
    #[error("`allowedLegacyTokens` entry `{0}` is not `namespace/name`")]
    NotNamespaceName(String),
    /// A lifetime of zero seconds.
    #[error("`{field}` must be above 0")]
    Zero {
        /// The settings key.
        field: &'static str,
    },
    /// A `kubernetesVersion` that is no version.
    #[error("`kubernetesVersion` `{0}` is no Kubernetes version (e.g. `1.20` or `v1.20.2`)")]
    KubernetesVersion(String),
    /// Selectors that name no rule, family or compliance item.
    #[error("unknown rule codes in settings: `{}`", .0.join("`, `"))]
    UnknownRuleCodes(Vec<String>),
    /// The request could not be decided (e.g. it has no object).
    #[error(transparent)]
    Admit(#[from] policy_core::AdmitError),
    /// The OPA input is undefined.
    #[error("input is undefined")]
    InputUndefined,
    /// The OPA input lacks the key its contract needs.
    #[error("input has no `{0}`")]
    InputWithout(&'static str),
    /// The OPA input is not an object.
    #[error("input is not an object")]
    InputNotAnObject,
    /// The OPA data (the settings) is not an object.
    #[error("data is not an object")]
    DataNotAnObject,
    /// An npm `audit` file whose `contentBase64` is not base64.
    #[error("file `{0}`: `contentBase64` is not base64")]
    NotBase64(String),
    /// An npm `audit` file with both or neither of `content` and `contentBase64`.
    #[error("file `{0}`: give exactly one of `content` and `contentBase64`")]
    ContentAmbiguous(String),
    /// The answer could not be encoded as JSON (serde's message).
    #[error("{0}")]
    Encode(String),
}

impl Error {
    /// A JSON encoding failure, kept as its message (serde_json's error is neither `Clone` nor `Eq`).
    pub(crate) fn encode(e: &serde_json::Error) -> Self {
        Self::Encode(e.to_string())
    }
}
