//! The fields of an `audit.k8s.io/v1` `Event` this tool reads, borrowed from the line.
//!
//! Field names and meanings follow `k8s.io/apiserver/pkg/apis/audit/v1/types.go`. The request and
//! response bodies (`requestObject`, `responseObject`, present at levels `Request` and
//! `RequestResponse`) are not fields here: the parser skips them, so they are never kept or shown.

use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;

/// A string borrowed from the line when it has no escapes, copied otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(Visitor(std::marker::PhantomData))
    }
}

impl Str<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// `authentication/v1.UserInfo`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserInfo<'a> {
    #[serde(borrow, default)]
    pub username: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub groups: Vec<Str<'a>>,
    #[serde(borrow, default)]
    pub extra: HashMap<Str<'a>, Vec<Str<'a>>>,
}

impl UserInfo<'_> {
    /// The first value of an `extra` key.
    pub(crate) fn extra(&self, key: &str) -> Option<&str> {
        self.extra.iter().find(|(k, _)| k.as_str() == key).and_then(|(_, v)| v.first()).map(Str::as_str)
    }
}

/// `audit/v1.ObjectReference`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObjectReference<'a> {
    #[serde(borrow, default)]
    pub resource: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub namespace: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub api_group: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub subresource: Option<Str<'a>>,
}

/// `metav1.Status`, of which only the code matters here.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResponseStatus {
    #[serde(default)]
    pub code: Option<i64>,
}

/// One audit `Event`, or an `EventList` (whose `items` are events).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Event<'a> {
    #[serde(borrow, default)]
    pub kind: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub api_version: Option<Str<'a>>,
    #[serde(borrow, default, rename = "auditID")]
    pub audit_id: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub stage: Option<Str<'a>>,
    #[serde(borrow, default, rename = "requestURI")]
    pub request_uri: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub verb: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub user: Option<UserInfo<'a>>,
    #[serde(borrow, default)]
    pub impersonated_user: Option<UserInfo<'a>>,
    #[serde(borrow, default, rename = "sourceIPs")]
    pub source_ips: Vec<Str<'a>>,
    #[serde(borrow, default)]
    pub user_agent: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub object_ref: Option<ObjectReference<'a>>,
    #[serde(default)]
    pub response_status: Option<ResponseStatus>,
    #[serde(borrow, default)]
    pub request_received_timestamp: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub stage_timestamp: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub annotations: HashMap<Str<'a>, Str<'a>>,
    /// Of an `EventList`.
    #[serde(borrow, default)]
    pub items: Vec<Event<'a>>,
}

impl Event<'_> {
    /// Whether it claims to be an audit event: the API group, or the fields only audit events have.
    pub(crate) fn is_audit_event(&self) -> bool {
        let group = self.api_version.as_ref().is_some_and(|v| v.as_str().starts_with("audit.k8s.io/"));
        let kind = self.kind.as_ref().map(Str::as_str);
        (group && kind == Some("Event")) || (kind.is_none() && self.audit_id.is_some() && self.stage.is_some())
    }

    /// Whether it is an `EventList`.
    pub(crate) fn is_list(&self) -> bool {
        self.kind.as_ref().is_some_and(|k| k.as_str() == "EventList")
            && self.api_version.as_ref().is_some_and(|v| v.as_str().starts_with("audit.k8s.io/"))
    }

    /// An audit annotation's value.
    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v.as_str())
    }
}
