//! The in-memory form of every loaded document: JSON's data model, kept small.
//!
//! A dump of 10⁶ tiny objects must fit in a few times its bytes, which `serde_json::Value` does
//! not allow (its maps are B-trees, ~630 bytes for a one-entry node, and every string is its own
//! allocation). Here a [`Value`] is 24 bytes, strings up to 24 bytes live inline ([`Str`]), and
//! arrays and maps are exactly-sized boxed slices, maps sorted by key so that lookups are binary
//! searches and iteration (hence every output) has the order serde_json's maps had.
//!
//! The method names are serde_json's, so code reads the same with either type. This module is
//! part of the data layer: it uses nothing else of the crate.

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use std::fmt;

pub use compact_str::CompactString as Str;
pub use serde_json::Number;

/// One JSON value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null` (also what a missing key reads as through [`std::ops::Index`]).
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (integers kept exact, as in serde_json).
    Number(Number),
    /// A string, inline when short.
    String(Str),
    /// A sequence, exactly sized.
    Array(Box<[Value]>),
    /// A mapping, exactly sized and sorted by key.
    Object(Map),
}

static NULL: Value = Value::Null;

/// Strings past [`Str`]'s 24 inline bytes that Kubernetes objects repeat by the thousand (in every
/// RBAC object, token Secret, Pod, kubectl-applied object): kept as references to these
/// constants, not one heap copy each. Sorted, for the binary search of [`str_of`].
const COMMON: &[&str] = &[
    "/var/run/secrets/kubernetes.io/serviceaccount",
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "deployment.kubernetes.io/revision",
    "kubectl.kubernetes.io/last-applied-configuration",
    "kubernetes.io/bootstrap-token",
    "kubernetes.io/dockerconfigjson",
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
    "kubernetes.io/kubelet-serving",
    "kubernetes.io/metadata.name",
    "kubernetes.io/service-account-token",
    "kubernetes.io/service-account.name",
    "kubernetes.io/service-account.uid",
    "node-role.kubernetes.io/control-plane",
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "rbac.authorization.k8s.io",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.kubernetes.io/autoupdate",
];

/// `text` as a [`Str`]: inline when short, a shared constant when it is one of the long strings
/// every dump repeats (`COMMON`), else a heap copy.
/// The readers build every key and string through it.
pub fn str_of(text: &str) -> Str {
    let common = (text.len() > size_of::<Str>()).then(|| COMMON.binary_search(&text).ok()).flatten();
    match common.and_then(|i| COMMON.get(i)) {
        Some(&common) => Str::const_new(common),
        None => Str::from(text),
    }
}

/// Maps up to this many entries are searched linearly: see `Map::find`.
const LINEAR_LOOKUP: usize = 12;

/// A mapping from strings to values: one exactly-sized slice of entries sorted by key.
///
/// Build large maps with [`Map::from_entries`] (sorted once, O(n log n)); [`Map::insert`] and
/// [`Map::remove`] are O(n), for small edits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    entries: Box<[(Str, Value)]>,
}

/// Iterator over a map's entries in key order.
pub type Iter<'a> = std::iter::Map<std::slice::Iter<'a, (Str, Value)>, fn(&'a (Str, Value)) -> (&'a Str, &'a Value)>;

impl Map {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// A map of `entries` in any order; for a key given more than once, the last value wins
    /// (as `serde_json::Map::insert` would leave it).
    pub fn from_entries(mut entries: Vec<(Str, Value)>) -> Self {
        // Stable, so equal keys keep their order and "last" is well defined.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // `dedup_by` drops the later of two equal neighbours: swap first so the later value stays.
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        Self { entries: entries.into_boxed_slice() }
    }

    /// A map of entries already sorted by key, without repeats (a parser that resolved
    /// duplicates itself): taken as they are, no copy.
    pub(crate) fn from_sorted(entries: Vec<(Str, Value)>) -> Self {
        debug_assert!(entries.iter().zip(entries.iter().skip(1)).all(|(a, b)| a.0 < b.0), "sorted, no repeats");
        Self { entries: entries.into_boxed_slice() }
    }

    /// Where `key` is, or where it would go.
    fn position(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Where `key` is. Most Kubernetes mappings have a handful of keys, and lookups are the
    /// analysis's most frequent operation: up to [`LINEAR_LOOKUP`] entries a scan comparing
    /// lengths first (most keys differ in length) beats a binary search whose every step is a
    /// byte comparison.
    fn find(&self, key: &str) -> Option<usize> {
        if self.entries.len() <= LINEAR_LOOKUP {
            self.entries.iter().position(|(k, _)| k.len() == key.len() && k.as_bytes() == key.as_bytes())
        } else {
            self.position(key).ok()
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let i = self.find(key)?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// The value of `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let i = self.find(key)?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `i`-th entry in key order.
    pub(crate) fn entry_at(&self, i: usize) -> Option<(&Str, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// Where `key` is in key order.
    pub(crate) fn index_of(&self, key: &str) -> Option<usize> {
        self.find(key)
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Str> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Values in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Set `key` to `value`, returning the value it replaces. O(n) when the key is new.
    pub fn insert(&mut self, key: impl Into<Str>, value: Value) -> Option<Value> {
        let key = key.into();
        match self.position(&key) {
            Ok(i) => self.entries.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                let mut entries = std::mem::take(&mut self.entries).into_vec();
                entries.insert(i, (key, value));
                self.entries = entries.into_boxed_slice();
                None
            }
        }
    }

    /// Remove `key`, returning its value. O(n).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key).ok()?;
        let mut entries = std::mem::take(&mut self.entries).into_vec();
        let (_, value) = entries.remove(i);
        self.entries = entries.into_boxed_slice();
        Some(value)
    }

    /// The entry of `key`, to fill it in when missing.
    pub fn entry(&mut self, key: impl Into<Str>) -> Entry<'_> {
        Entry { map: self, key: key.into() }
    }
}

/// A key of a [`Map`] that may or may not be present: [`Map::entry`].
#[derive(Debug)]
pub struct Entry<'a> {
    map: &'a mut Map,
    key: Str,
}

impl<'a> Entry<'a> {
    /// The value, set to `value` first when missing.
    pub fn or_insert(self, value: Value) -> &'a mut Value {
        self.or_insert_with(|| value)
    }

    /// The value, set to `make()` first when missing.
    pub fn or_insert_with(self, make: impl FnOnce() -> Value) -> &'a mut Value {
        let Entry { map, key } = self;
        let i = match map.position(&key) {
            Ok(i) => i,
            Err(i) => {
                let mut entries = std::mem::take(&mut map.entries).into_vec();
                entries.insert(i, (key, make()));
                map.entries = entries.into_boxed_slice();
                i
            }
        };
        #[expect(clippy::indexing_slicing, reason = "`i` is the position just found or filled")]
        &mut map.entries[i].1
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Str, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Map {
    type Item = (Str, Value);
    type IntoIter = std::vec::IntoIter<(Str, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_vec().into_iter()
    }
}

impl<K: Into<Str>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Self::from_entries(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// What [`Value::get`] and `value[..]` accept: a key (`&str`, `String`) or an array index.
pub trait ValueIndex {
    /// The value this index selects in `value`.
    fn index_into<'v>(&self, value: &'v Value) -> Option<&'v Value>;
    /// The same, mutable.
    fn index_into_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value>;
}

impl ValueIndex for str {
    fn index_into<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        value.as_object()?.get(self)
    }
    fn index_into_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        value.as_object_mut()?.get_mut(self)
    }
}

impl ValueIndex for String {
    fn index_into<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(value)
    }
    fn index_into_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        self.as_str().index_into_mut(value)
    }
}

impl ValueIndex for usize {
    fn index_into<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        value.as_array()?.get(*self)
    }
    fn index_into_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        match value {
            Value::Array(items) => items.get_mut(*self),
            _ => None,
        }
    }
}

impl<T: ValueIndex + ?Sized> ValueIndex for &T {
    fn index_into<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        (**self).index_into(value)
    }
    fn index_into_mut<'v>(&self, value: &'v mut Value) -> Option<&'v mut Value> {
        (**self).index_into_mut(value)
    }
}

impl<I: ValueIndex> std::ops::Index<I> for Value {
    type Output = Value;
    /// The selected value, or `null` when absent (as serde_json).
    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NULL)
    }
}

impl Value {
    /// The value of a key of an object, or an item of an array.
    pub fn get<I: ValueIndex>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    /// [`Value::get`], mutable.
    pub fn get_mut<I: ValueIndex>(&mut self, index: I) -> Option<&mut Value> {
        index.index_into_mut(self)
    }

    /// The value at a JSON pointer (`/metadata/name`, `~1` for `/`, `~0` for `~`).
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |at, token| {
            // Unescaped only when escaped: the inventory reads every workload through pointers.
            let token: std::borrow::Cow<'_, str> =
                if token.contains('~') { token.replace("~1", "/").replace("~0", "~").into() } else { token.into() };
            match at {
                Value::Object(map) => map.get(&token),
                Value::Array(items) => {
                    let plain = !token.starts_with('+') && (token == "0" || !token.starts_with('0'));
                    items.get(token.parse::<usize>().ok().filter(|_| plain)?)
                }
                _ => None,
            }
        })
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The map, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The map, if this is an object, to change it.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as `i64`, if it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// The number as `u64`, if it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// The number as `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is a boolean.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Whether this is an integer that fits `i64`.
    pub fn is_i64(&self) -> bool {
        self.as_number().is_some_and(Number::is_i64)
    }

    /// Whether this is an integer that fits `u64`.
    pub fn is_u64(&self) -> bool {
        self.as_number().is_some_and(Number::is_u64)
    }

    /// Whether this is a number that is not an integer.
    pub fn is_f64(&self) -> bool {
        self.as_number().is_some_and(Number::is_f64)
    }

    /// The value, leaving `null` in its place.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }
}

impl From<Str> for Value {
    fn from(s: Str) -> Self {
        Value::String(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(str_of(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Str::from(s.as_str()))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Self {
        Value::Object(map)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items.into_boxed_slice())
    }
}

/// Fixtures written with `serde_json::json!` (and anything else serde_json built).
impl From<serde_json::Value> for Value {
    fn from(value: serde_json::Value) -> Self {
        Value::from(&value)
    }
}

impl From<&serde_json::Value> for Value {
    fn from(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::from(s.as_str()),
            serde_json::Value::Array(items) => items.iter().map(Value::from).collect::<Vec<_>>().into(),
            serde_json::Value::Object(map) => {
                Value::Object(Map::from_entries(map.iter().map(|(k, v)| (Str::from(k), Value::from(v))).collect()))
            }
        }
    }
}

/// For output that is built with serde_json.
impl From<Value> for serde_json::Value {
    fn from(value: Value) -> Self {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => serde_json::Value::Number(n),
            Value::String(s) => serde_json::Value::String(s.into_string()),
            Value::Array(items) => serde_json::Value::Array(items.into_vec().into_iter().map(Into::into).collect()),
            Value::Object(map) => {
                serde_json::Value::Object(map.into_iter().map(|(k, v)| (k.into_string(), v.into())).collect())
            }
        }
    }
}

fn eq_json(ours: &Value, theirs: &serde_json::Value) -> bool {
    match (ours, theirs) {
        (Value::Null, serde_json::Value::Null) => true,
        (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
        (Value::Number(a), serde_json::Value::Number(b)) => a == b,
        (Value::String(a), serde_json::Value::String(b)) => a == b,
        (Value::Array(a), serde_json::Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| eq_json(x, y))
        }
        (Value::Object(a), serde_json::Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k.as_str()).is_some_and(|w| eq_json(v, w)))
        }
        _ => false,
    }
}

impl PartialEq<serde_json::Value> for Value {
    fn eq(&self, other: &serde_json::Value) -> bool {
        eq_json(self, other)
    }
}

impl PartialEq<Value> for serde_json::Value {
    fn eq(&self, other: &Value) -> bool {
        eq_json(other, self)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl PartialEq<i64> for Value {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}

impl PartialEq<u64> for Value {
    fn eq(&self, other: &u64) -> bool {
        self.as_u64() == Some(*other)
    }
}

/// Compact JSON (`{:#}`: indented), as serde_json prints its values.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if f.alternate() { serde_json::to_string_pretty(self) } else { serde_json::to_string(self) };
        f.write_str(&text.map_err(|_| fmt::Error)?)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => serializer.collect_seq(items.iter()),
            Value::Object(map) => map.serialize(serializer),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(k, v)| (k.as_str(), v)))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Map {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(map) => Ok(map),
            _ => Err(de::Error::custom("expected a mapping")),
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        // As serde_json: a non-finite float has no JSON form.
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items.into_boxed_slice()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
        while let Some(key) = access.next_key_seed(KeySeed)? {
            entries.push((key, access.next_value()?));
        }
        Ok(Value::Object(Map::from_entries(entries)))
    }
}

/// Reads a key straight into a [`Str`] through [`str_of`] (no intermediate `String` for short
/// keys): every reader that builds a [`Map`] (this parse, the loader's, the admission modules'
/// lean one) reads its keys with it.
#[derive(Debug, Clone, Copy)]
pub struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Str;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Str, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, s: &str) -> Result<Str, E> {
        Ok(str_of(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_and_inline() {
        assert_eq!(size_of::<Value>(), 3 * size_of::<usize>());
        let short = Value::from("system:serviceaccount:ns");
        assert!(matches!(&short, Value::String(s) if !s.is_heap_allocated()));
    }

    #[test]
    fn common_long_strings_are_shared_constants() {
        assert!(COMMON.windows(2).all(|w| w[0] < w[1]), "sorted, for the binary search");
        assert!(COMMON.iter().all(|s| s.len() > size_of::<Str>()), "only what would not fit inline");
        for text in COMMON {
            let Value::String(s) = Value::from(*text) else { panic!() };
            assert_eq!((s.as_str(), s.as_static_str().is_some(), s.is_heap_allocated()), (*text, true, false));
        }
        let v: Value =
            serde_json::from_str(r#"{"kubernetes.io/service-account.name": "rbac.authorization.k8s.io"}"#).unwrap();
        let (key, value) = v.as_object().unwrap().iter().next().unwrap();
        assert!(key.as_static_str().is_some() && matches!(value, Value::String(s) if s.as_static_str().is_some()));
        let rare = str_of("rbac.authorization.k8s.io/v2alpha9");
        assert!(rare.is_heap_allocated() && rare == "rbac.authorization.k8s.io/v2alpha9");
        assert!(!str_of("short").is_heap_allocated());
    }

    #[test]
    fn maps_keep_serde_json_order_and_last_duplicate() {
        let v: Value = serde_json::from_str(r#"{"b": 1, "a": 2, "c": {"z": 1, "y": 2}, "a": 3}"#).unwrap();
        assert_eq!(v.to_string(), r#"{"a":3,"b":1,"c":{"y":2,"z":1}}"#);
        let json: serde_json::Value =
            serde_json::from_str(r#"{"b": 1, "a": 2, "c": {"z": 1, "y": 2}, "a": 3}"#).unwrap();
        assert_eq!(v, json);
        assert_eq!(v.to_string(), json.to_string());
        assert_eq!(Value::from(json.clone()), v);
        assert_eq!(serde_json::Value::from(v), json);
    }

    #[test]
    fn reads_like_serde_json() {
        let v = Value::from(json!({"a": [1, "x", null, true, 1.5], "m": {"k/~": "v"}, "n": -3}));
        assert_eq!(v["a"][1].as_str(), Some("x"));
        assert_eq!(v["a"][0].as_u64(), Some(1));
        assert_eq!(v["n"].as_i64(), Some(-3));
        assert_eq!(v["a"][4].as_f64(), Some(1.5));
        assert_eq!(v["a"][3].as_bool(), Some(true));
        assert!(v["a"][2].is_null() && v["missing"]["deeper"].is_null() && v["a"][9].is_null());
        assert_eq!(v.get("a").and_then(Value::as_array).map(<[Value]>::len), Some(5));
        assert_eq!(v.pointer("/m/k~1~0").and_then(Value::as_str), Some("v"));
        assert_eq!(v.pointer("/a/01"), None);
        assert_eq!(v.pointer("/a/4"), Some(&Value::from(json!(1.5))));
        assert_eq!(format!("{:#}", v["m"]), "{\n  \"k/~\": \"v\"\n}");
        assert!(serde_json::from_str::<Value>("[1e999]").is_err(), "out-of-range numbers are errors, as in serde_json");
        let numbers = "[1e300, -0.5, 18446744073709551615, -9223372036854775808, 0]";
        let theirs = serde_json::from_str::<serde_json::Value>(numbers).unwrap();
        assert_eq!(serde_json::from_str::<Value>(numbers).unwrap().to_string(), theirs.to_string());
    }

    #[test]
    fn edits() {
        let mut map = Map::new();
        assert_eq!(map.insert("b", Value::from("1")), None);
        assert_eq!(map.insert("a", Value::from("2")), None);
        assert_eq!(map.insert("b", Value::from("3")), Some(Value::from("1")));
        map.entry("a").or_insert_with(|| Value::from("no"));
        map.entry("c").or_insert(Value::Null);
        assert_eq!(map.keys().map(Str::as_str).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(map.remove("a"), Some(Value::from("2")));
        assert!(!map.contains_key("a") && map.len() == 2);
    }
}
