//! JSON input: serde_json reads the values; a light skim of the (then known valid) text finds
//! the lines serde_json does not report, e.g. where every item of a `List` starts.

use super::lines::{DocLines, Seg, newlines};
use super::managed_fields;
use super::progress::Tick;
use super::yaml::{self, Budget, Problem};
use crate::data::diagnostic::DiagnosticCode;
use crate::value::Value;

/// One top-level JSON value with its text.
#[derive(Debug)]
pub(super) struct JsonDoc<'a> {
    pub value: Value,
    /// The value's own text.
    pub text: &'a str,
    /// File line of the text's first byte.
    pub line: u32,
    /// Lines inside `text`.
    pub lines: DocLines,
}

/// Every value of a JSON text (one, or several concatenated), and the problems met on the way.
#[derive(Debug, Default)]
pub(super) struct JsonParsed<'a> {
    pub docs: Vec<JsonDoc<'a>>,
    /// File lines, codes, messages.
    pub errors: Vec<Problem>,
    /// Reading stopped at a YAML document marker (`---`): the text is a YAML stream whose
    /// first document is written in JSON style.
    pub yaml_marker: bool,
}

/// Whether the text looks like JSON (after optional whitespace).
pub(super) fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

/// Read every JSON value of the text. A bad value costs only itself: reading goes on after
/// its end (found by bracket matching), and a root object with `items` is read item by item,
/// so one bad item or a dump cut short keeps the items before it. `max_depth` below
/// serde_json's own 128 is checked after. `tick` hears how far the items of a List have got.
pub(super) fn parse<'t>(
    text: &'t str,
    max_depth: u32,
    max_docs: u32,
    budget: &mut Budget,
    tick: &mut Tick<'_>,
) -> JsonParsed<'t> {
    let mut parsed = JsonParsed::default();
    let mut pos = 0usize;
    let mut line = 1u32;
    let mut failing = false;
    loop {
        let rest = text.get(pos..).unwrap_or_default();
        let ws = rest.bytes().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count();
        line = line.saturating_add(newlines(rest.as_bytes().get(..ws).unwrap_or_default()));
        pos += ws;
        let rest = rest.get(ws..).unwrap_or_default();
        if rest.is_empty() {
            break;
        }
        if parsed.docs.len() >= max_docs as usize {
            parsed.errors.push(Problem {
                line,
                code: DiagnosticCode::TooManyDocuments,
                message: format!("more than {max_docs} documents in this input; the rest is skipped"),
            });
            break;
        }
        if rest.starts_with('{') {
            // An object is read member by member in one pass, a List item by item: each item is
            // charged before the next is built, and the whole-List tree never exists next to its
            // items. Anything but a complete List or a clean object is read again below, as it
            // always was, so its errors stay the same.
            let saved = *budget;
            let read = members(rest, max_depth, budget, &mut |at, items| tick.at(pos + at, || items));
            if read.complete && (read.has_items || read.clean) {
                failing = false;
                let own = rest.get(..read.end).unwrap_or(rest);
                parsed.errors.extend(read.problems.into_iter().map(|mut p| {
                    p.line = line.saturating_add(p.line - 1);
                    p
                }));
                parsed.docs.push(JsonDoc { value: read.value, text: own, line, lines: read.lines });
                line = line.saturating_add(newlines(own.as_bytes()));
                pos += own.len();
                continue;
            }
            *budget = saved;
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Read>();
        match stream.next() {
            Some(Ok(read)) => {
                failing = false;
                let own = rest.get(..stream.byte_offset()).unwrap_or_default();
                if read.deepest > max_depth {
                    parsed.errors.push(too_deep(line, max_depth).costing("the document is skipped"));
                } else if let Err(e) = budget.charge(read.bytes, line, false) {
                    parsed.errors.push(e.costing("the document is skipped"));
                } else {
                    parsed.docs.push(JsonDoc { value: read.value, text: own, line, lines: doc_lines(own) });
                }
                line = line.saturating_add(newlines(own.as_bytes()));
                pos += own.len();
            }
            Some(Err(e)) => {
                if is_yaml_marker(rest) {
                    parsed.yaml_marker = true;
                    parsed.errors.push(problem(&e, line).costing("the rest of this input is skipped"));
                    break;
                }
                let mut skim = Skim::new(rest);
                let complete = skim.skip_value();
                let end = skim.i.clamp(1, rest.len());
                let own = rest.get(..end).unwrap_or(rest);
                if let Some((value, lines, mut problems)) = salvage(own, max_depth, budget) {
                    for p in &mut problems {
                        p.line = line.saturating_add(p.line - 1);
                    }
                    if problems.is_empty() {
                        problems.push(problem(&e, line).costing("the field is skipped"));
                    }
                    parsed.errors.append(&mut problems);
                    parsed.docs.push(JsonDoc { value, text: own, line, lines });
                } else if !failing || looks_like_json(rest) {
                    // One diagnostic for a run of stray tokens (a file of garbage gives one).
                    let cost = if complete { "the document is skipped" } else { "the rest of this input is skipped" };
                    parsed.errors.push(problem(&e, line).costing(cost));
                }
                failing = true;
                if !complete {
                    break;
                }
                line = line.saturating_add(newlines(own.as_bytes()));
                pos += own.len();
            }
            None => break,
        }
    }
    parsed
}

/// Parse one JSON value held in a string (a ConfigMap value).
pub(super) fn parse_one(text: &str) -> Result<Value, Problem> {
    serde_json::from_str(text).map_err(|e| problem(&e, 1))
}

fn is_yaml_marker(text: &str) -> bool {
    let bytes = text.as_bytes();
    (bytes.starts_with(b"---") || bytes.starts_with(b"..."))
        && matches!(bytes.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// A root object that did not parse as a whole, read member by member and its `items` element
/// by element. `None` unless it has an `items` sequence (a `*List`): other objects are not
/// kept half-read. Problem lines are inside `text`.
fn salvage(text: &str, max_depth: u32, budget: &mut Budget) -> Option<(Value, DocLines, Vec<Problem>)> {
    let read = members(text, max_depth, budget, &mut |_, _| {});
    read.has_items.then_some((read.value, read.lines, read.problems))
}

/// A root object read member by member, its `items` (when an array) element by element.
struct Members {
    value: Value,
    lines: DocLines,
    /// Problems of `items` elements (each costs only itself), lines inside the text.
    problems: Vec<Problem>,
    has_items: bool,
    /// Every member other than `items` was read whole and kept.
    clean: bool,
    /// The closing brace was reached: `end` is just past it.
    complete: bool,
    end: usize,
}

/// Read the object at the start of `text` in one pass: each member and each element of `items`
/// is parsed where it stands ([`Skim::read`]), so the text is not skimmed first. Each is
/// charged as it is read; a plain object's own node and keys when it is complete. After each
/// item, `tick(offset reached in text, items read)`.
fn members(text: &str, max_depth: u32, budget: &mut Budget, tick: &mut dyn FnMut(usize, usize)) -> Members {
    let mut s = Skim::new(text);
    let mut lines = DocLines { root: s.line, ..DocLines::default() };
    let mut map = Vec::new();
    let mut problems = Vec::new();
    let (mut has_items, mut clean) = (false, true);
    // Items and members sit one or two levels below the root.
    let item_depth = max_depth.saturating_sub(2).max(1);
    let stopped = s.members(|raw_key, s| {
        let key = key_string(raw_key);
        if key == "items" && s.peek() == Some(b'[') {
            has_items = true;
            let mut items = Vec::new();
            s.elements(|_, s| {
                let (start, at) = (s.i, s.line);
                let (read, complete) = s.read(text);
                if s.i == start {
                    s.i += 1; // a stray `}` or `,`: step over it
                }
                match read {
                    Ok(read) if read.deepest > item_depth => {
                        problems.push(too_deep(at, max_depth).costing("the list item is skipped"));
                    }
                    Ok(read) => match budget.charge(read.bytes, at, false) {
                        Ok(()) => {
                            items.push(read.value);
                            lines.items.push(at);
                        }
                        Err(e) => problems.push(e.costing("the list item is skipped")),
                    },
                    Err(e) => {
                        let cost =
                            if e.is_eof() { "the rest of this input is skipped" } else { "the list item is skipped" };
                        problems.push(problem(&e, at).costing(cost));
                    }
                }
                tick(s.i, items.len());
                if complete { Step::Consumed } else { Step::Stop }
            });
            s.i += 1; // the `]`
            map.push((key.into(), Value::from(items)));
            return Step::Consumed;
        }
        if key == "contents" {
            lines.contents = Some(s.line);
        }
        let (read, complete) = s.read(text);
        // A member that is not kept (a List drops it, as an item) makes a plain object unclean:
        // it is then read again whole, for the error of the whole.
        match read {
            Ok(read) if read.deepest <= item_depth && budget.charge(read.bytes, 1, false).is_ok() => {
                map.push((key.into(), read.value));
            }
            _ => clean = false,
        }
        if complete { Step::Consumed } else { Step::Stop }
    });
    // After the members: the closing brace, then the value is complete.
    s.ws();
    let complete = !stopped && s.peek() == Some(b'}');
    let end = if complete { s.i + 1 } else { s.i.min(text.len()) };
    if !has_items && clean && complete {
        let keys = map.iter().fold(
            yaml::NODE_COST + yaml::CONTAINER_COST,
            |sum: u64, (key, _): &(crate::value::Str, Value)| {
                sum.saturating_add(yaml::KEY_COST + yaml::text_cost(key.len()))
            },
        );
        clean = budget.charge(keys, 1, false).is_ok();
    }
    Members {
        value: Value::Object(crate::value::Map::from_entries(map)),
        lines,
        problems,
        has_items,
        clean,
        complete,
        end,
    }
}

/// One value read by [`Skim::read`], with its modelled cost ([`yaml::cost`]) and the depth of
/// its deepest container (1 for itself).
struct Read {
    value: Value,
    bytes: u64,
    deepest: u32,
}

impl<'de> serde::Deserialize<'de> for Read {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::DeserializeSeed as _;
        let mut tally = Tally::default();
        let value = Reader { tally: &mut tally, depth: 1, at: At::Other }.deserialize(deserializer)?;
        Ok(Read { value, bytes: tally.bytes, deepest: tally.deepest })
    }
}

#[derive(Default)]
struct Tally {
    bytes: u64,
    deepest: u32,
    /// The entries of every open mapping and the items of every open sequence, innermost last:
    /// each container is allocated once, exactly sized, when it closes (serde_json gives no
    /// length up front; a vector grown by doubling and shrunk would leave a hole per container).
    entries: Vec<(crate::value::Str, Value)>,
    items: Vec<Value>,
}

/// Where a value sits, for what the loader leaves out of `managedFields` (see
/// [`managed_fields`]): whole entries, and every key but the kept ones, are never built.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Other,
    ManagedFields,
    ManagedEntry,
}

/// Builds a [`Value`] as [`Value`]'s own `Deserialize` does, counting its cost and depth on
/// the way and skipping field sets unbuilt.
struct Reader<'t> {
    tally: &'t mut Tally,
    depth: u32,
    at: At,
}

impl Reader<'_> {
    fn scalar(self, value: Value, text: usize) -> Value {
        self.tally.bytes = self.tally.bytes.saturating_add(yaml::NODE_COST + yaml::text_cost(text));
        value
    }

    fn container(&mut self) {
        self.tally.bytes = self.tally.bytes.saturating_add(yaml::NODE_COST + yaml::CONTAINER_COST);
        self.tally.deepest = self.tally.deepest.max(self.depth);
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Reader<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Reader<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(self.scalar(Value::Bool(b), 0))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(self.scalar(Value::Number(n.into()), 0))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(self.scalar(Value::Number(n.into()), 0))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        // As serde_json: a non-finite float has no JSON form.
        Ok(self.scalar(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number), 0))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(self.scalar(Value::from(s), s.len()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(self.scalar(Value::Null, 0))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        self.container();
        let managed = self.at == At::ManagedFields;
        let at = if managed { At::ManagedEntry } else { At::Other };
        let start = self.tally.items.len();
        while let Some(item) = seq.next_element_seed(Reader { tally: self.tally, depth: self.depth + 1, at })? {
            if managed && !managed_fields::kept_entry(&item) {
                self.tally.bytes = self.tally.bytes.saturating_sub(yaml::cost(&item).1);
                continue;
            }
            self.tally.items.push(item);
        }
        Ok(Value::Array(self.tally.items.drain(start..).collect()))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut access: A) -> Result<Value, A::Error> {
        self.container();
        let start = self.tally.entries.len();
        while let Some(key) = access.next_key_seed(crate::value::KeySeed)? {
            if self.at == At::ManagedEntry && !managed_fields::kept_key(&key) {
                access.next_value::<serde::de::IgnoredAny>()?;
                continue;
            }
            let at = if key == managed_fields::KEY { At::ManagedFields } else { At::Other };
            let value = access.next_value_seed(Reader { tally: self.tally, depth: self.depth + 1, at })?;
            if at == At::ManagedFields && value.as_array().is_some_and(<[Value]>::is_empty) {
                // No entry kept: the key goes too.
                self.tally.bytes = self.tally.bytes.saturating_sub(yaml::cost(&value).1);
                continue;
            }
            self.tally.bytes = self.tally.bytes.saturating_add(yaml::KEY_COST + yaml::text_cost(key.len()));
            self.tally.entries.push((key, value));
        }
        Ok(Value::Object(crate::value::Map::from_entries(self.tally.entries.drain(start..).collect())))
    }
}

fn key_string(raw: &[u8]) -> String {
    if raw.contains(&b'\\') {
        let quoted = [b"\"".as_slice(), raw, b"\""].concat();
        serde_json::from_slice::<String>(&quoted).unwrap_or_default()
    } else {
        String::from_utf8_lossy(raw).into_owned()
    }
}

fn too_deep(line: u32, max: u32) -> Problem {
    Problem { line, code: DiagnosticCode::TooDeep, message: format!("nesting deeper than {max} levels") }
}

/// The problem of a serde_json error at file line `first` + the error's line - 1, without
/// what it costs (the caller knows: see [`Problem::costing`]).
fn problem(e: &serde_json::Error, first: u32) -> Problem {
    let full = e.to_string();
    // serde_json's messages are fixed phrases ("expected `,` or `}`"), never document text.
    let what = full.split(" at line ").next().unwrap_or_default();
    let line = first.saturating_add(u32::try_from(e.line()).unwrap_or(u32::MAX).max(1) - 1);
    if what.contains("recursion limit exceeded") {
        too_deep(line, 128)
    } else if e.is_eof() {
        Problem {
            line,
            code: DiagnosticCode::JsonSyntax,
            message: format!("invalid JSON: {what} (the input looks truncated, expected complete JSON)"),
        }
    } else {
        Problem { line, code: DiagnosticCode::JsonSyntax, message: format!("invalid JSON: {what}") }
    }
}

/// What a visitor did with the value at the cursor.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Stop visiting, cursor left at the value.
    Stop,
    /// Not interested: skip the value.
    Skip,
    /// The visitor consumed the value itself.
    Consumed,
}

/// A cursor over valid JSON text that counts lines (raw newlines only occur between tokens).
struct Skim<'a> {
    b: &'a [u8],
    i: usize,
    line: u32,
}

impl<'a> Skim<'a> {
    fn new(text: &'a str) -> Self {
        let mut s = Self { b: text.as_bytes(), i: 0, line: 1 };
        s.ws();
        s
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b'\n' => self.line = self.line.saturating_add(1),
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.i += 1;
        }
    }

    /// At `"`: the raw bytes between the quotes; the cursor moves past the closing quote.
    fn string(&mut self) -> &'a [u8] {
        let start = self.i + 1;
        let mut j = start;
        while let Some(&c) = self.b.get(j) {
            match c {
                b'\\' => j += 2,
                b'"' => break,
                _ => j += 1,
            }
        }
        self.i = j + 1;
        self.b.get(start..j).unwrap_or_default()
    }

    /// The value at the cursor, parsed where it stands (serde_json's stream reader says where it
    /// ends) and the cursor moved past it. What does not parse there is skipped by bracket
    /// matching and parsed alone, for the error serde_json gives it alone; the flag is false
    /// when the text ends inside it.
    fn read(&mut self, text: &str) -> (Result<Read, serde_json::Error>, bool) {
        let start = self.i;
        let mut stream = serde_json::Deserializer::from_str(text.get(start..).unwrap_or_default()).into_iter::<Read>();
        if let Some(Ok(read)) = stream.next() {
            let end = start + stream.byte_offset();
            self.line = self.line.saturating_add(newlines(self.b.get(start..end).unwrap_or_default()));
            self.i = end;
            return (Ok(read), true);
        }
        let complete = self.skip_value();
        (serde_json::from_str::<Read>(text.get(start..self.i).unwrap_or_default()), complete)
    }

    /// Move past the value at the cursor; false when the text ends inside it.
    fn skip_value(&mut self) -> bool {
        match self.peek() {
            Some(b'"') => {
                self.string();
                self.i <= self.b.len()
            }
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                while let Some(c) = self.peek() {
                    match c {
                        b'"' => {
                            self.string();
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                self.i += 1;
                                return true;
                            }
                        }
                        b'\n' => self.line = self.line.saturating_add(1),
                        _ => {}
                    }
                    self.i += 1;
                }
                false
            }
            _ => {
                while self.peek().is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')) {
                    self.i += 1;
                }
                true
            }
        }
    }

    /// After a value: skip whitespace and one `,` if present.
    fn next_member(&mut self) {
        self.ws();
        if self.peek() == Some(b',') {
            self.i += 1;
        }
        self.ws();
    }

    /// Visit the members of the object at the cursor: `f(key, skim)` with the cursor at the
    /// value. True when a visitor stopped.
    fn members(&mut self, mut f: impl FnMut(&[u8], &mut Self) -> Step) -> bool {
        if self.peek() != Some(b'{') {
            return false;
        }
        self.i += 1;
        self.ws();
        while self.peek() == Some(b'"') {
            let key = self.string();
            self.ws();
            self.i += 1; // the `:`
            self.ws();
            match f(key, self) {
                Step::Stop => return true,
                Step::Skip => {
                    self.skip_value();
                }
                Step::Consumed => {}
            }
            self.next_member();
        }
        false
    }

    /// Visit the elements of the array at the cursor, like [`Skim::members`].
    fn elements(&mut self, mut f: impl FnMut(usize, &mut Self) -> Step) -> bool {
        if self.peek() != Some(b'[') {
            return false;
        }
        self.i += 1;
        self.ws();
        let mut index = 0;
        while self.peek().is_some_and(|c| c != b']') {
            match f(index, self) {
                Step::Stop => return true,
                Step::Skip => {
                    self.skip_value();
                }
                Step::Consumed => {}
            }
            self.next_member();
            index += 1;
        }
        false
    }
}

fn key_is(raw: &[u8], want: &str) -> bool {
    if raw.contains(&b'\\') {
        let quoted = [b"\"".as_slice(), raw, b"\""].concat();
        serde_json::from_slice::<String>(&quoted).is_ok_and(|k| k == want)
    } else {
        raw == want.as_bytes()
    }
}

/// The lines the loader needs of one valid JSON value (relative to its text).
pub(super) fn doc_lines(text: &str) -> DocLines {
    let mut s = Skim::new(text);
    let mut lines = DocLines { root: s.line, ..DocLines::default() };
    let collect = |items: &mut Vec<u32>, s: &mut Skim<'_>| {
        s.elements(|_, s| {
            items.push(s.line);
            Step::Skip
        });
        s.i += 1; // the `]`
    };
    match s.peek() {
        Some(b'[') => collect(&mut lines.items, &mut s),
        Some(b'{') => {
            let (mut items, mut contents) = (Vec::new(), None);
            s.members(|key, s| {
                if key_is(key, "items") && s.peek() == Some(b'[') {
                    items.clear();
                    collect(&mut items, s);
                    return Step::Consumed;
                }
                if key_is(key, "contents") {
                    contents = Some(s.line);
                }
                Step::Skip
            });
            lines.items = items;
            lines.contents = contents;
        }
        _ => {}
    }
    lines
}

/// The line (inside `text`) of the value at `path`.
pub(super) fn locate(text: &str, path: &[Seg<'_>]) -> Option<u32> {
    let mut s = Skim::new(text);
    for seg in path {
        let found = match *seg {
            Seg::Key(want) => s.members(|key, _| if key_is(key, want) { Step::Stop } else { Step::Skip }),
            Seg::Index(want) => s.elements(|i, _| if i == want { Step::Stop } else { Step::Skip }),
        };
        if !found {
            return None;
        }
    }
    Some(s.line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str, max_depth: u32, max_docs: u32) -> JsonParsed<'_> {
        super::parse(text, max_depth, max_docs, &mut Budget::for_input(text.len(), 4), &mut Tick::silent())
    }

    const LIST: &str = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\n      \"kind\": \"Pod\"\n    },\n    {\"kind\": \"Secret\", \"data\": {\"a\\\"b\": \"}\"}}\n  ],\n  \"kind\": \"List\",\n  \"contents\": \"x\"\n}\n";

    #[test]
    fn list_item_lines() {
        let p = parse(LIST, 128, 10);
        assert!(p.errors.is_empty());
        let doc = &p.docs[0];
        assert_eq!(doc.lines.root, 1);
        assert_eq!(doc.lines.items, vec![4, 7]);
        assert_eq!(doc.lines.contents, Some(10));
        assert_eq!(doc.value["items"][1]["data"], json!({"a\"b": "}"}));
    }

    #[test]
    fn locate_paths() {
        assert_eq!(locate(LIST, &[Seg::Key("items"), Seg::Index(0), Seg::Key("kind")]), Some(5));
        assert_eq!(locate(LIST, &[Seg::Key("kind")]), Some(9));
        assert_eq!(locate(LIST, &[Seg::Key("items"), Seg::Index(5)]), None);
    }

    #[test]
    fn concatenated_values_and_their_lines() {
        let p = parse("\n[{\"a\": 1},\n {\"b\": 2}]\n\n{\"c\": 3}", 128, 10);
        assert_eq!(p.docs.len(), 2);
        assert_eq!((p.docs[0].line, p.docs[1].line), (2, 5));
        assert_eq!(p.docs[0].lines.items, vec![1, 2]);
    }

    #[test]
    fn errors_have_codes_and_lines() {
        let p = parse("{\"a\": 1}\n{\"b\": [1,\n", 128, 10);
        assert_eq!(p.docs.len(), 1);
        let e = p.errors.into_iter().next().unwrap();
        assert_eq!((e.code.as_str(), e.line), ("json-syntax", 3));
        assert!(e.message.contains("truncated"));
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(parse(&deep, 128, 10).errors[0].code.as_str(), "too-deep");
        let shallow = parse("[[[[1]]]]", 3, 10);
        assert_eq!(shallow.errors[0].code.as_str(), "too-deep");
        assert!(shallow.docs.is_empty());
        assert_eq!(parse("{} {} {}", 128, 2).errors[0].code.as_str(), "too-many-documents");
    }

    #[test]
    fn a_bad_value_costs_only_itself() {
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        let digits = "9".repeat(400);
        let text = format!("{{\"a\": 1}}\n{{\"n\": NaN}}\n{{\"b\": 2}}\n{deep}\n{{\"c\": {digits}}}\n{{\"d\": 4}}\n");
        let p = parse(&text, 128, 10);
        let got: Vec<_> = p.docs.iter().map(|d| (d.line, serde_json::Value::from(d.value.clone()))).collect();
        assert_eq!(got, vec![(1, json!({"a": 1})), (3, json!({"b": 2})), (6, json!({"d": 4}))]);
        let codes: Vec<_> = p.errors.iter().map(|e| (e.code.as_str(), e.line)).collect();
        assert_eq!(codes, vec![("json-syntax", 2), ("too-deep", 4), ("json-syntax", 5)]);
        assert!(p.errors.iter().all(|e| e.message.ends_with("; the document is skipped")), "{:?}", p.errors);
    }

    #[test]
    fn a_list_keeps_its_good_items_and_a_cut_short_one_its_complete_items() {
        let bad = "{\"kind\": \"List\", \"items\": [\n {\"kind\": \"Pod\"},\n {\"kind\": NaN},\n {\"kind\": \"Secret\"}\n]}\n";
        let p = parse(bad, 128, 10);
        assert_eq!(p.docs[0].value, json!({"kind": "List", "items": [{"kind": "Pod"}, {"kind": "Secret"}]}));
        assert_eq!(p.docs[0].lines.items, vec![2, 4]);
        assert_eq!(p.errors.iter().map(|e| (e.code.as_str(), e.line)).collect::<Vec<_>>(), vec![("json-syntax", 3)]);
        assert!(p.errors[0].message.ends_with("; the list item is skipped"));
        let cut = "{\n \"apiVersion\": \"v1\",\n \"items\": [\n  {\"kind\": \"Pod\"},\n  {\"kind\": \"Sec";
        let p = parse(cut, 128, 10);
        assert_eq!(p.docs[0].value, json!({"apiVersion": "v1", "items": [{"kind": "Pod"}]}));
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.contains("truncated"), "{:?}", p.errors);
        assert_eq!(p.errors[0].line, 5);
    }

    #[test]
    fn one_pass_reads_what_a_whole_parse_reads_and_charges_the_same() {
        let pod = r#"{"kind": "Pod", "metadata": {"name": "p", "managedFields": [
            {"manager": "kubectl", "fieldsV1": {"f:spec": {"f:containers": {}}}, "subresource": "approval"}]},
            "spec": {"containers": [{"name": "averyveryverylongcontainername-over-24", "args": [1, 2.5, true, null]}]}}"#;
        let list =
            format!("{{\n \"apiVersion\": \"v1\",\n \"items\": [\n  {pod},\n  {pod}\n ],\n \"kind\": \"List\"\n}}");
        let without_field_sets = |text: &str| {
            let mut whole: serde_json::Value = serde_json::from_str(text).unwrap();
            for at in
                ["/metadata/managedFields/0", "/items/0/metadata/managedFields/0", "/items/1/metadata/managedFields/0"]
            {
                if let Some(entry) = whole.pointer_mut(at).and_then(|e| e.as_object_mut()) {
                    entry.remove("fieldsV1");
                }
            }
            whole
        };
        for text in [pod, list.as_str()] {
            let mut budget = Budget::for_input(0, 0);
            let before = budget.left;
            let read = members(text, 128, &mut budget, &mut |_, _| {});
            assert!(read.complete && read.clean && read.end == text.len(), "{text}");
            assert_eq!(read.value, without_field_sets(text));
            if !read.has_items {
                // A plain object costs what the model says of the whole tree.
                assert_eq!(before - budget.left, yaml::cost(&read.value).1);
            }
        }
        let p = parse(&list, 128, 10);
        assert_eq!(p.docs[0].lines.items, vec![4, 7]);
        assert_eq!(p.docs[0].lines.items, doc_lines(&list).items, "the lines the skim finds");
        assert_eq!(p.docs[0].value["items"][1]["metadata"]["managedFields"][0]["manager"], "kubectl");
        // A member the one pass cannot keep sends the object to the whole parse and its error.
        let p = parse("{\"kind\": \"Pod\", \"n\": 1e999}", 128, 10);
        assert!(p.docs.is_empty() && p.errors[0].message.contains("number out of range"), "{:?}", p.errors);
    }

    #[test]
    fn garbage_gives_one_diagnostic_and_a_yaml_marker_stops() {
        let p = parse("{} NaN NaN } ] {\"a\": 1}", 128, 10);
        assert_eq!((p.docs.len(), p.errors.len()), (2, 1));
        let p = parse("{\"a\": 1}\n---\nb: 2\n", 128, 10);
        assert!(p.yaml_marker);
    }
}
