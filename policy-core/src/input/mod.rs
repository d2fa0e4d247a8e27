//! Bytes in, located Kubernetes objects and diagnostics out.
//!
//! Accepts what users get from kubectl and friends: YAML (multi-document), JSON, `kind: List` and
//! every `*List`, JSON arrays, kubeconfigs, AdmissionReviews, KubeletConfiguration and
//! AuthenticationConfiguration documents, static token CSV files. Every object remembers its file
//! and line. Bad input becomes a [`Diagnostic`]; the rest of the input is still loaded.

use crate::data::input_summary::InputSummary;
use crate::data::object_ref::ObjectRef;
use crate::data::source::Source;
use crate::value::{Map, Value};
use serde::{Deserialize, Serialize};

// Named here too for the crates that load inputs (`policy_core::input::Limits`); inside
// policy-core, import them from `crate::data`.
pub use crate::data::diagnostic::{Diagnostic, DiagnosticCode, Level};
pub use crate::data::limits::Limits;

/// One input: a name (file path, `-` for stdin) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct InputFile<'a> {
    /// Shown in diagnostics and findings.
    pub name: &'a str,
    /// The raw content.
    pub bytes: &'a [u8],
}

/// How an object was found in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Origin {
    /// A top-level document.
    Document,
    /// An item of a `*List` or a JSON array.
    ListItem,
    /// `request.object` of an AdmissionReview.
    AdmissionRequest,
    /// A manifest embedded as a string in another document (e.g. kops `contents: |`).
    Embedded,
    /// Made by the loader from a non-YAML input (static token CSV).
    Synthetic,
}

/// One Kubernetes object (or config document) with where it came from.
#[derive(Debug, Clone)]
pub struct Object {
    /// The object as JSON.
    pub value: Value,
    /// File and line of its start.
    pub source: Source,
    /// How it was found.
    pub origin: Origin,
    /// [`Object::shared_ref`], made on first use.
    shared: std::sync::OnceLock<std::sync::Arc<ObjectRef>>,
    /// Where the fields the accessors read sit in `value`.
    slots: Slots,
    /// Whether a string of the object could hold `{{`, an unrendered template's mark: false only
    /// when the loader saw that the text it was read from cannot spell one, so the template check
    /// (`inventory/templates.rs`), a walk of every string of every object, can pass it by.
    pub(crate) may_hold_braces: bool,
}

/// Where `kind`, `metadata` and the metadata fields the accessors read sit in an object's maps,
/// found once by [`Object::new`]: a big scan reads them millions of times. A slot is used only
/// when its map holds the key asked for there, and a key that was missing is looked up, so a
/// value changed after the object was made reads as it is.
#[derive(Debug, Clone, Copy, Default)]
struct Slots {
    kind: Option<u16>,
    metadata: Option<u16>,
    name: Option<u16>,
    namespace: Option<u16>,
    labels: Option<u16>,
    annotations: Option<u16>,
}

impl Slots {
    fn of(value: &Value) -> Self {
        let at = |m: Option<&Map>, key: &str| m.and_then(|m| m.index_of(key)).and_then(|i| u16::try_from(i).ok());
        let top = value.as_object();
        let meta = top.and_then(|m| m.get("metadata")).and_then(Value::as_object);
        Self {
            kind: at(top, "kind"),
            metadata: at(top, "metadata"),
            name: at(meta, "name"),
            namespace: at(meta, "namespace"),
            labels: at(meta, "labels"),
            annotations: at(meta, "annotations"),
        }
    }

    /// `key` of `map`, from its slot `at`.
    fn get<'v>(map: Option<&'v Map>, at: Option<u16>, key: &str) -> Option<&'v Value> {
        let map = map?;
        match at.and_then(|i| map.entry_at(usize::from(i))) {
            Some((k, v)) if k.as_str() == key => Some(v),
            _ => map.get(key),
        }
    }
}

impl PartialEq for Object {
    /// The same object from the same place (whether its reference was made yet is no part of it).
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.source == other.source && self.origin == other.origin
    }
}

impl Object {
    /// An object from JSON, e.g. an admission request's `object` (or a `serde_json::Value`).
    pub fn new(value: impl Into<Value>, source: Source, origin: Origin) -> Self {
        let value = value.into();
        let slots = Slots::of(&value);
        Self { value, source, origin, shared: std::sync::OnceLock::new(), slots, may_hold_braces: true }
    }

    /// `apiVersion`, or empty.
    pub fn api_version(&self) -> &str {
        self.value.get("apiVersion").and_then(Value::as_str).unwrap_or("")
    }

    /// `kind`, or empty.
    pub fn kind(&self) -> &str {
        Slots::get(self.value.as_object(), self.slots.kind, "kind").and_then(Value::as_str).unwrap_or("")
    }

    /// `metadata.name`, or empty.
    pub fn name(&self) -> &str {
        self.meta_slot(self.slots.name, "name").and_then(Value::as_str).unwrap_or("")
    }

    /// `metadata.namespace`, if set and not empty.
    pub fn namespace(&self) -> Option<&str> {
        self.meta_slot(self.slots.namespace, "namespace").and_then(Value::as_str).filter(|ns| !ns.is_empty())
    }

    /// A label value.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.meta_slot(self.slots.labels, "labels").and_then(|l| l.get(key)).and_then(Value::as_str)
    }

    /// An annotation value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta_slot(self.slots.annotations, "annotations").and_then(|a| a.get(key)).and_then(Value::as_str)
    }

    /// The value at a path of keys, e.g. `obj.at(&["spec", "signerName"])`.
    pub fn at(&self, path: &[&str]) -> Option<&Value> {
        crate::util::at(&self.value, path)
    }

    /// A string at a path of keys.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Value::as_str)
    }

    /// Whether this is `kind` (of any API version).
    pub fn is(&self, kind: &str) -> bool {
        self.kind() == kind
    }

    /// `metadata.<key>`, from its slot.
    fn meta_slot(&self, at: Option<u16>, key: &str) -> Option<&Value> {
        let meta = Slots::get(self.value.as_object(), self.slots.metadata, "metadata")?;
        Slots::get(meta.as_object(), at, key)
    }

    /// `kind/namespace/name` for messages.
    pub fn display_name(&self) -> String {
        self.object_ref().to_string()
    }
}

impl Object {
    /// The finding-facing reference to this object.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version().to_string(),
            kind: self.kind().to_string(),
            namespace: self.namespace().map(str::to_string),
            name: self.name().to_string(),
        }
        .redacted()
    }

    /// [`Object::object_ref`], made once and shared by every finding about this object (a dump
    /// can give several findings per object, each otherwise holding four strings of its own).
    pub fn shared_ref(&self) -> std::sync::Arc<ObjectRef> {
        std::sync::Arc::clone(self.shared.get_or_init(|| std::sync::Arc::new(self.object_ref())))
    }
}

/// Everything read from all inputs.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Objects in input order (inputs sorted by name: see [`load`]).
    pub objects: Vec<Object>,
    /// One summary per input, with its diagnostics, sorted by name.
    pub inputs: Vec<InputSummary>,
}

/// Load every input, merging them into one cluster view. Inputs are read in order of their
/// names whatever the order given, so the same inputs always give the same view.
pub fn load(inputs: &[InputFile<'_>], limits: &Limits) -> Loaded {
    loader::load(inputs, limits)
}

/// [`load`] with every YAML document read through saphyr's event stream, the fast reader
/// for kubectl's block style off: the reference that reader is checked against (tests, the
/// differential fuzz target).
#[doc(hidden)]
pub fn load_by_events(inputs: &[InputFile<'_>], limits: &Limits) -> Loaded {
    yaml::events_only(|| loader::load(inputs, limits))
}

/// How far [`load_with_progress`] has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loading {
    /// Inputs read whole (or skipped whole for the byte budget).
    pub files_read: usize,
    /// Bytes read: of the inputs read whole, and as far as the reader has got in the next one.
    pub bytes_read: u64,
    /// Objects read: of the inputs read whole, and of the next one as its reader counts them
    /// (list items and documents parsed so far).
    pub objects: usize,
}

/// [`load`], calling `progress` after each input and, inside a big one, about every MiB of
/// text read, so that a one-file dump of 100k objects shows its bytes and objects rising.
pub fn load_with_progress(inputs: &[InputFile<'_>], limits: &Limits, progress: &mut dyn FnMut(Loading)) -> Loaded {
    loader::load_with(inputs, limits, progress)
}

/// Why a document held in a string did not parse: where inside the string, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line inside the string.
    pub line: u32,
    /// What was wrong, in one line.
    pub message: String,
}

/// Parse one YAML (or JSON) document held in a string, e.g. a ConfigMap value, under the
/// default limits.
pub fn parse_yaml_value(text: &str) -> Result<Value, ParseError> {
    loader::parse_embedded(text, &Limits::default())
}

/// Whether a file found in a directory walk is worth reading as an input, from its name and its
/// first bytes: a dump by extension (`.yaml`, `.yml`, `.json`, `.csv`), else by content whatever
/// its name (a kubeconfig called `config`, `admin.conf` or `x.kubeconfig`, a dump without an
/// extension): YAML or JSON holding a Kubernetes object or a kubeconfig, or a static token CSV.
/// Binary files never are.
pub fn worth_reading(name: &str, head: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    if [".yaml", ".yml", ".json", ".csv"].iter().any(|e| base.ends_with(e)) {
        return true;
    }
    if head.contains(&0) {
        return false;
    }
    // The head may end inside a character: judge the valid part.
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or_default(),
    };
    // A file without a dump's extension is read only when it shows Kubernetes content: one
    // that is not (a `nginx.conf`, a `package.json`) would be reported as holding no object.
    let yaml_object = text.lines().any(|l| ["apiVersion:", "kind:", "clusters:"].iter().any(|key| l.starts_with(key)));
    let json_object = json::looks_like_json(text)
        && ["\"apiVersion\"", "\"kind\"", "\"clusters\""].iter().any(|key| text.contains(key));
    yaml_object || json_object || (!text.trim().is_empty() && token_csv::is_token_file("", text))
}

mod json;
mod lines;
mod loader;
pub mod locate;
mod managed_fields;
mod progress;
mod token_csv;
mod yaml;

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod object_tests {
    use super::*;

    #[test]
    fn the_accessors_answer_from_their_slots_and_after_the_value_changed() {
        let value = serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "a", "namespace": "ns", "labels": {"app": "x"}, "uid": "1"}});
        let mut object = Object::new(value, Source::default(), Origin::Document);
        let read = |o: &Object| {
            (
                o.kind().to_string(),
                o.name().to_string(),
                o.namespace().map(str::to_string),
                o.label("app").map(str::to_string),
            )
        };
        assert_eq!(read(&object), ("Secret".into(), "a".into(), Some("ns".into()), Some("x".into())));
        assert_eq!(object.annotation("k"), None);
        // Changed in place, with keys added, removed or replaced: the accessors follow.
        let meta = object.value.get_mut("metadata").and_then(Value::as_object_mut).unwrap();
        meta.insert("annotations", Value::from(serde_json::json!({"k": "v"})));
        meta.remove("labels");
        meta.insert("name", Value::from("b"));
        object.value.as_object_mut().unwrap().insert("kind", Value::from("ConfigMap"));
        assert_eq!(read(&object), ("ConfigMap".into(), "b".into(), Some("ns".into()), None));
        assert_eq!(object.annotation("k"), Some("v"));
        object.value = Value::from(serde_json::json!({"kind": "Pod", "metadata": {"name": "p"}}));
        assert_eq!(read(&object), ("Pod".into(), "p".into(), None, None));
        // Not a mapping at all.
        let odd = Object::new(Value::from("text"), Source::default(), Origin::Document);
        assert_eq!((odd.kind(), odd.name(), odd.namespace()), ("", "", None));
    }
}
