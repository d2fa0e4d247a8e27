//! YAML text to JSON values with line numbers, on saphyr-parser's event stream.
//!
//! The stream is split at document markers first and every document is parsed on its own, so
//! one broken document costs only itself. Scalars resolve as Kubernetes resolves them
//! (sigs.k8s.io/yaml, i.e. YAML 1.1 booleans such as `yes`/`on`, octal `0755`, merge keys `<<`).

use super::lines::{DocLines, Seg};
use super::managed_fields;
use super::progress::Tick;
use crate::data::diagnostic::DiagnosticCode;
use crate::value::{Map, Number, Str, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;

mod fast;

thread_local! {
    /// Whether documents try the fast reader first; off only inside [`events_only`].
    static FAST: Cell<bool> = const { Cell::new(true) };
}

/// Run `f` with every YAML document read through saphyr's events, the fast reader off: the
/// reference the fast reader is compared with (tests, the differential fuzz target).
pub(super) fn events_only<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            FAST.with(|fast| fast.set(self.0));
        }
    }
    let _restore = Restore(FAST.with(|fast| fast.replace(false)));
    f()
}

/// Deepest nesting ever accepted, whatever the limits say: values are dropped and serialised
/// recursively, so this keeps the stack safe (also in wasm's 1 MiB stack).
pub(super) const HARD_MAX_DEPTH: u32 = 1024;

/// One document's source: its text and the absolute line of the text's first line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chunk<'a> {
    pub text: &'a str,
    pub first_line: u32,
}

/// Split a YAML stream at `---` / `...` lines. Leading comments and directives stay with the
/// document they precede; the marker line stays with the document it starts.
pub(super) fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut has_content = false;
    let mut offset = 0usize;
    let mut line = 1u32;
    for raw in text.split_inclusive('\n') {
        let bytes = raw.as_bytes();
        let marker =
            |m: &[u8]| bytes.starts_with(m) && matches!(bytes.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
        if marker(b"---") {
            if has_content {
                chunks.push(chunk(text, start, offset, start_line));
                start = offset;
                start_line = line;
            }
            has_content = true;
        } else if marker(b"...") {
            chunks.push(chunk(text, start, offset + raw.len(), start_line));
            start = offset + raw.len();
            start_line = line.saturating_add(1);
            has_content = false;
        } else if !has_content {
            let trimmed = raw.trim_start();
            has_content = !(trimmed.is_empty() || trimmed.starts_with('#') || raw.starts_with('%'));
        }
        offset += raw.len();
        line = line.saturating_add(1);
    }
    if start < text.len() {
        chunks.push(chunk(text, start, text.len(), start_line));
    }
    chunks
}

fn chunk(text: &str, start: usize, end: usize, first_line: u32) -> Chunk<'_> {
    Chunk { text: text.get(start..end).unwrap_or(""), first_line }
}

/// A problem found while converting one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Problem {
    /// Line inside the chunk (1-based).
    pub line: u32,
    pub code: DiagnosticCode,
    pub message: String,
}

impl Problem {
    /// The problem with what it cost said at the end ("…; the list item is skipped").
    pub(super) fn costing(mut self, cost: &str) -> Self {
        self.message = format!("{}; {cost}", self.message);
        self
    }
}

/// The result of converting one chunk.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    /// Documents with a root node, in order (an empty document gives none).
    pub docs: Vec<(Value, DocLines)>,
    /// Warnings (duplicate keys) that did not stop the conversion, lines inside the chunk.
    pub warnings: Vec<Problem>,
    /// The errors that ended the chunk, or one of its list items, early.
    pub errors: Vec<Problem>,
    /// A document was dropped by an error (not only some of its list items).
    pub dropped: bool,
}

/// Caps applied while converting.
#[derive(Debug, Clone, Copy)]
pub(super) struct Caps {
    pub max_depth: u32,
    pub max_alias_nodes: u64,
}

/// Bytes every input may use for its values on top of `Limits::max_expansion` per byte, so
/// that small inputs of tiny nodes still load.
pub(super) const BUDGET_ALLOWANCE: u64 = 16 << 20;

/// The memory one input's values may take, charged while they are built (scalars, nodes,
/// keys, every copy an alias makes), so that no shape of input, aliases included, can make
/// more than `max_expansion` times its own size (+ [`BUDGET_ALLOWANCE`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    pub left: u64,
    limit: u64,
    per_byte: u32,
}

impl Budget {
    pub(super) fn for_input(bytes: usize, per_byte: u32) -> Self {
        let limit = (bytes as u64).saturating_mul(u64::from(per_byte)).saturating_add(BUDGET_ALLOWANCE);
        Self { left: limit, limit, per_byte }
    }

    /// Give back `bytes` taken before (memory freed again).
    fn refund(&mut self, bytes: u64) {
        self.left = self.left.saturating_add(bytes).min(self.limit);
    }

    /// Take `cost` bytes, or say what would not fit.
    pub(super) fn charge(&mut self, cost: u64, line: u32, alias: bool) -> Result<(), Problem> {
        if cost <= self.left {
            self.left -= cost;
            return Ok(());
        }
        let (code, what) = if alias {
            (DiagnosticCode::AliasLimit, format!("YAML aliases here would copy {cost} bytes, and"))
        } else {
            (DiagnosticCode::MemoryLimit, "the values read from this input".to_string())
        };
        Err(Problem {
            line,
            code,
            message: format!(
                "{what} would take more than the {} bytes of memory this input may use ({}× its size + 16 MiB, `limits.maxExpansion`: raise it to read this)",
                self.limit, self.per_byte
            ),
        })
    }
}

/// Modelled memory of values, as the lean [`Value`] lays them out: a node is its slot, a
/// container adds the allocator's overhead of its exact-size slice, a mapping key is a [`Str`]
/// slot, and a string or key costs its bytes only past the [`Str`] inline capacity.
pub(super) const NODE_COST: u64 = size_of::<Value>() as u64;
pub(super) const CONTAINER_COST: u64 = 16;
pub(super) const KEY_COST: u64 = size_of::<Str>() as u64;

/// Heap bytes of a string: none while it fits inline in its [`Str`].
pub(super) fn text_cost(len: usize) -> u64 {
    if len <= size_of::<Str>() { 0 } else { len as u64 }
}

/// Nodes in a value and its modelled bytes, counted without recursion.
pub(super) fn cost(value: &Value) -> (u64, u64) {
    let (mut nodes, mut bytes) = (0u64, 0u64);
    let mut todo = vec![value];
    while let Some(v) = todo.pop() {
        nodes = nodes.saturating_add(1);
        bytes = bytes.saturating_add(NODE_COST);
        match v {
            Value::String(s) => bytes = bytes.saturating_add(text_cost(s.len())),
            Value::Array(items) => {
                bytes = bytes.saturating_add(CONTAINER_COST);
                todo.extend(items.iter());
            }
            Value::Object(map) => {
                bytes = bytes.saturating_add(CONTAINER_COST);
                for (k, v) in map {
                    bytes = bytes.saturating_add(KEY_COST + text_cost(k.len()));
                    todo.push(v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    (nodes, bytes)
}

/// Convert every document of a chunk (normally one). An error inside the `items` of a root
/// mapping (a `*List`) or inside a root sequence costs only the item it is in: the items before
/// are kept, and reading resumes at the next item of the same indentation (block style).
/// `tick` hears how far the first reading has got (resuming after an error is not reported).
pub(super) fn parse_chunk(text: &str, caps: Caps, budget: &mut Budget, tick: &mut Tick<'_>) -> Parsed {
    const REST: &str = "the rest of this document is skipped";
    if FAST.with(Cell::get)
        && let Some(parsed) = fast::read(text, caps, budget, tick)
    {
        return parsed;
    }
    let (mut parsed, salvaged) = parse_events(text, caps, budget, tick);
    let Some(error) = parsed.errors.pop() else { return parsed };
    let Some(mut list) = salvaged else {
        parsed.errors.push(error.costing(REST));
        parsed.dropped = true;
        return parsed;
    };
    let mut cursor = LineCursor { text, offset: 0, index: 0 };
    cursor.seek(list.lines.items.first().map_or(0, |&l| l.saturating_sub(1) as usize));
    let Some(column) = cursor.line().and_then(item_column) else {
        // Flow style: nothing to resume at.
        parsed.errors.push(error.costing(REST));
        parsed.docs.push(list.into_doc());
        return parsed;
    };
    cursor.advance();
    let mut block_end = cursor.clone();
    block_end.find(usize::MAX, |l| ends_block(l, column));
    let (end, end_offset) = (block_end.index, block_end.offset);
    if error.line as usize > end {
        // The error is after the items: they are all kept, the rest is lost.
        parsed.errors.push(error.costing(REST));
        parsed.docs.push(list.into_doc());
        return parsed;
    }
    if error.code == DiagnosticCode::MemoryLimit {
        // Out of budget: later items would not fit either.
        parsed.errors.push(error.costing("the rest of the list is skipped"));
    } else {
        let mut error_line = error.line as usize;
        parsed.errors.push(error.costing("the list item is skipped"));
        // Resume at every item start after an error, until the items block ends.
        loop {
            cursor.seek(error_line);
            if !cursor.find(end, |l| item_column(l) == Some(column)) {
                break;
            }
            let tail = text.get(cursor.offset..end_offset).unwrap_or_default();
            let offset = u32::try_from(cursor.index).unwrap_or(u32::MAX);
            let (mut part, salvaged) = parse_events(tail, caps, budget, &mut Tick::silent());
            let (items, item_lines) = match (part.docs.pop(), salvaged) {
                (_, Some(partial)) => (partial.items, partial.lines.items),
                (Some((Value::Array(items), lines)), None) => (items.into_vec(), lines.items),
                _ => (Vec::new(), Vec::new()),
            };
            list.items.extend(items);
            list.lines.items.extend(item_lines.into_iter().map(|l| l.saturating_add(offset)));
            parsed.warnings.extend(part.warnings.into_iter().map(|mut w| {
                w.line = w.line.saturating_add(offset);
                w
            }));
            let Some(mut e) = part.errors.pop() else { break };
            e.line = e.line.saturating_add(offset);
            error_line = (e.line as usize).max(cursor.index + 1);
            let cost = if e.code == DiagnosticCode::MemoryLimit {
                "the rest of the list is skipped"
            } else {
                "the list item is skipped"
            };
            parsed.errors.push(e.costing(cost));
            if cost != "the list item is skipped" {
                break;
            }
        }
    }
    // A root mapping goes on after its items (kubectl writes `kind: List` last). Its few keys
    // get their own small budget, so that a list cut off by the budget still knows its kind.
    if list.header.is_some() {
        let rest = text.get(end_offset..).unwrap_or_default();
        let offset = u32::try_from(end).unwrap_or(u32::MAX);
        let (part, _) = parse_events(rest, caps, &mut Budget::for_input(rest.len(), 4), &mut Tick::silent());
        if let (Some((Value::Object(after), _)), Some(header)) = (part.docs.into_iter().next(), list.header.as_mut()) {
            for (k, v) in after {
                header.entry(k).or_insert(v);
            }
        }
        parsed.errors.extend(part.errors.into_iter().map(|mut e| {
            e.line = e.line.saturating_add(offset);
            e.costing(REST)
        }));
    }
    parsed.docs.push(list.into_doc());
    parsed
}

/// A forward-only walk over the lines of a text (0-based indices), so that resuming after
/// errors reads even a huge list once, without an index of its lines.
#[derive(Clone)]
struct LineCursor<'t> {
    text: &'t str,
    offset: usize,
    index: usize,
}

impl<'t> LineCursor<'t> {
    fn line(&self) -> Option<&'t str> {
        self.text.get(self.offset..).and_then(|rest| rest.split_inclusive('\n').next())
    }

    fn advance(&mut self) -> bool {
        let Some(line) = self.line() else { return false };
        self.offset += line.len();
        self.index += 1;
        true
    }

    fn seek(&mut self, index: usize) {
        while self.index < index && self.advance() {}
    }

    /// Move to the first line from here, before line `end`, for which `f` holds.
    fn find(&mut self, end: usize, f: impl Fn(&str) -> bool) -> bool {
        while self.index < end {
            match self.line() {
                Some(line) if f(line) => return true,
                Some(_) => {
                    self.advance();
                }
                None => return false,
            }
        }
        false
    }
}

/// The column of a block sequence item's `-` on this line, if the line starts an item.
fn item_column(line: &str) -> Option<usize> {
    let trimmed = line.trim_start_matches(' ');
    let rest = trimmed.strip_prefix('-')?;
    matches!(rest.bytes().next(), None | Some(b' ' | b'\t' | b'\r' | b'\n')).then(|| line.len() - trimmed.len())
}

/// Whether this line is past a block sequence whose items start at `column`: content at that
/// column or left of it that is not an item.
fn ends_block(line: &str, column: usize) -> bool {
    let trimmed = line.trim_start_matches(' ');
    let indent = line.len() - trimmed.len();
    let blank = trimmed.trim().is_empty() || trimmed.starts_with('#');
    !blank && indent <= column && item_column(line) != Some(column)
}

/// The items read before an error inside a list, and the root mapping around them.
struct Salvaged {
    header: Option<Map>,
    items: Vec<Value>,
    lines: DocLines,
}

impl Salvaged {
    fn into_doc(self) -> (Value, DocLines) {
        let items = Value::from(self.items);
        let value = match self.header {
            Some(mut header) => {
                header.insert("items", items);
                Value::Object(header)
            }
            None => items,
        };
        (value, self.lines)
    }
}

/// One pass over the events; on an error inside a list, also what can be kept of the list.
fn parse_events(text: &str, caps: Caps, budget: &mut Budget, tick: &mut Tick<'_>) -> (Parsed, Option<Salvaged>) {
    let mut parsed = Parsed::default();
    let mut parser = Parser::new_from_str(text);
    let mut builder: Option<Builder> = None;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ok) => ok,
            Err(e) => {
                parsed.errors.push(syntax(&e));
                break;
            }
        };
        tick.at(span.start.index(), || builder.as_ref().map_or(0, |b| b.lines.items.len()));
        let line = line_of(span);
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => builder = Some(Builder::new(caps, *budget)),
            Event::DocumentEnd => {
                if let Some(mut b) = builder.take() {
                    b.release_scratch();
                    budget.left = b.budget.left;
                    parsed.warnings.extend(b.warnings);
                    if let Some(root) = b.root {
                        parsed.docs.push((root, b.lines));
                    }
                }
            }
            Event::Nothing | Event::StreamStart => {}
            other => {
                let Some(b) = builder.as_mut() else { continue };
                if let Err(problem) = b.event(other, line) {
                    parsed.errors.push(problem);
                    break;
                }
            }
        }
    }
    let Some(mut b) = builder else { return (parsed, None) };
    parsed.warnings.append(&mut b.warnings);
    if parsed.errors.is_empty() {
        return (parsed, None);
    }
    // What is kept stays charged; a dropped document gives its bytes back.
    b.release_scratch();
    let kept_budget = b.budget;
    let salvaged = b.salvage(&mut parsed.warnings);
    if salvaged.is_some() {
        *budget = kept_budget;
    }
    (parsed, salvaged)
}

fn line_of(span: Span) -> u32 {
    u32::try_from(span.start.line()).unwrap_or(u32::MAX).max(1)
}

fn syntax(e: &ScanError) -> Problem {
    let line = u32::try_from(e.marker().line()).unwrap_or(u32::MAX).max(1);
    if e.info().contains("recursion limit") {
        // The scanner's own cap on flow nesting (255) can trip before ours.
        return Problem { line, code: DiagnosticCode::TooDeep, message: "nesting too deep".to_string() };
    }
    // The parser's messages are fixed phrases (at most one offending punctuation character),
    // never document text, so they are safe to show.
    Problem { line, code: DiagnosticCode::YamlSyntax, message: format!("invalid YAML: {}", e.info()) }
}

enum Key {
    Name(Str, u32),
    Merge,
}

/// An open mapping (its entries so far are in the builder's scratch, from `start` on) or
/// sequence.
enum Frame {
    Map { start: usize, key: Option<Key>, anchor: usize, merged: bool, line: u32 },
    Seq { items: Vec<Value>, anchor: usize },
}

/// Where an entry of a mapping came from, which decides which of two equal keys is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Written in the mapping, before any merge key.
    Written,
    /// Written after a merge key: repeating a key there is no mistake worth a warning.
    WrittenAfterMerge,
    /// Copied by a merge key `<<`: any written entry wins, else the first merged one.
    Merged,
}

/// An entry of an open mapping.
struct Pending {
    key: Str,
    value: Value,
    line: u32,
    origin: Origin,
}

/// Modelled bytes of an open frame and of one scratch slot.
const FRAME_COST: u64 = size_of::<Frame>() as u64;
const ENTRY_SLOT: u64 = size_of::<Pending>() as u64;

/// The items of a closed sequence, exactly sized. A small vector that grew by doubling is
/// copied once into an exact allocation and freed whole: shrinking it in place would leave a
/// hole per sequence that later allocations rarely fit (50 000 documents nested 120 deep took
/// 3× their values' memory). A large one is shrunk in place, where the spare tail is either
/// unmapped or big enough to be reused.
fn exact(items: Vec<Value>) -> Box<[Value]> {
    const COPY_BELOW: usize = 4096;
    if items.len() == items.capacity() || items.capacity() >= COPY_BELOW {
        return items.into_boxed_slice();
    }
    let mut copy = Vec::with_capacity(items.len());
    copy.extend(items);
    copy.into_boxed_slice()
}

/// The finished mapping of the entries from `start` on: sorted once (stable, so equal keys
/// stay in document order), then equal neighbours resolved (the last written entry wins, as in
/// sigs.k8s.io/yaml; merged entries only fill keys the mapping does not write). Allocated once,
/// exactly sized: no key index, no growth.
fn close_map(entries: &mut Vec<Pending>, start: usize, warnings: &mut Vec<Problem>) -> Map {
    let Some(tail) = entries.get_mut(start..) else { return Map::new() };
    tail.sort_by(|a, b| a.key.cmp(&b.key));
    let repeats = tail.iter().zip(tail.iter().skip(1)).filter(|(a, b)| a.key == b.key).count();
    let mut out: Vec<(Str, Value)> = Vec::with_capacity(tail.len() - repeats);
    let first_warning = warnings.len();
    let mut written = false;
    for entry in entries.drain(start..) {
        match out.last_mut() {
            Some((key, value)) if *key == entry.key => {
                if entry.origin == Origin::Merged {
                    continue;
                }
                if written && entry.origin == Origin::Written {
                    warnings.push(Problem {
                        line: entry.line,
                        code: DiagnosticCode::DuplicateKey,
                        message: "key appears twice in this mapping; the last value is used (expected unique keys)"
                            .to_string(),
                    });
                }
                *value = entry.value;
                written = true;
            }
            _ => {
                written = entry.origin != Origin::Merged;
                out.push((entry.key, entry.value));
            }
        }
    }
    if let Some(new) = warnings.get_mut(first_warning..) {
        new.sort_by_key(|w| w.line);
    }
    Map::from_sorted(out)
}

struct Builder {
    caps: Caps,
    stack: Vec<Frame>,
    /// The entries of every open mapping, innermost last: a mapping is sorted and allocated
    /// once, exactly sized, when it closes (no key index, no growth per mapping).
    entries: Vec<Pending>,
    /// Bytes of open frames and of the scratch's high-water mark, charged to the budget.
    scratch_charged: u64,
    charged_entries: usize,
    root: Option<Value>,
    /// Anchored values with their node count and modelled bytes.
    anchors: BTreeMap<usize, (Value, u64, u64)>,
    expanded: u64,
    budget: Budget,
    lines: DocLines,
    warnings: Vec<Problem>,
}

impl Builder {
    fn new(caps: Caps, budget: Budget) -> Self {
        Self {
            caps,
            stack: Vec::new(),
            entries: Vec::new(),
            scratch_charged: 0,
            charged_entries: 0,
            root: None,
            anchors: BTreeMap::new(),
            expanded: 0,
            budget,
            lines: DocLines::default(),
            warnings: Vec::new(),
        }
    }

    fn event(&mut self, event: Event<'_>, line: u32) -> Result<(), Problem> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let is_key = self.expects_key();
                // A block scalar's span starts at its first content line, unless an anchor or
                // tag comes first: then it starts at the indicator line, just above.
                let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
                let value_line = if block && (anchor != 0 || tag.is_some()) { line.saturating_add(1) } else { line };
                if !is_key {
                    self.note_start(value_line, style == ScalarStyle::Literal);
                }
                let bytes = text_cost(text.len());
                self.budget.charge(if is_key { KEY_COST } else { NODE_COST } + bytes, line, false)?;
                if is_key {
                    let key = if style == ScalarStyle::Plain && tag.is_none() && text == "<<" {
                        Key::Merge
                    } else {
                        Key::Name(owned(text), line)
                    };
                    if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
                        *slot = Some(key);
                    }
                    return Ok(());
                }
                let value = resolve(text, style, tag.as_deref());
                self.finish(value, anchor, line)
            }
            Event::MappingStart(anchor, _) => {
                self.note_start(line, false);
                self.open(line)?;
                self.budget.charge(NODE_COST + CONTAINER_COST, line, false)?;
                self.stack.push(Frame::Map { start: self.entries.len(), key: None, anchor, merged: false, line });
                Ok(())
            }
            Event::SequenceStart(anchor, _) => {
                self.note_start(line, false);
                self.open(line)?;
                self.budget.charge(NODE_COST + CONTAINER_COST, line, false)?;
                self.stack.push(Frame::Seq { items: Vec::new(), anchor });
                Ok(())
            }
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map { start, anchor, line, .. }) => {
                    self.close_frame();
                    let map = close_map(&mut self.entries, start, &mut self.warnings);
                    self.finish(Value::Object(map), anchor, line)
                }
                _ => Ok(()),
            },
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq { items, anchor }) => {
                    self.close_frame();
                    self.finish(Value::Array(exact(items)), anchor, line)
                }
                _ => Ok(()),
            },
            Event::Alias(id) => {
                let Some((value, nodes, bytes)) = self.anchors.get(&id) else {
                    return Err(Problem {
                        line,
                        code: DiagnosticCode::YamlSyntax,
                        message:
                            "alias refers to an anchor that is not defined before it (expected `*name` after `&name`)"
                                .to_string(),
                    });
                };
                self.expanded = self.expanded.saturating_add(*nodes);
                if self.expanded > self.caps.max_alias_nodes {
                    return Err(self.alias_limit(line));
                }
                // Every copy is charged: a 1 MB scalar behind 8000 aliases is 8 GB, not 8000 nodes.
                self.budget.charge(*bytes, line, true)?;
                let value = value.clone();
                if self.expects_key() {
                    let key = Key::Name(key_text(&value), line);
                    if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
                        *slot = Some(key);
                    }
                    return Ok(());
                }
                self.note_start(line, false);
                self.finish(value, 0, line)
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd => {
                Ok(())
            }
        }
    }

    /// After an error: the finished items of the root sequence, or of the root mapping's
    /// `items` sequence with the entries read so far. The item being read is dropped.
    fn salvage(mut self, warnings: &mut Vec<Problem>) -> Option<Salvaged> {
        let keep = match self.stack.as_slice() {
            [Frame::Map { key: Some(Key::Name(k, _)), .. }, Frame::Seq { .. }, ..] if k == "items" => 2,
            _ => 1,
        };
        for frame in self.stack.drain(keep.min(self.stack.len())..).rev() {
            if let Frame::Map { start, .. } = frame {
                self.entries.truncate(start);
            }
        }
        let mut lines = self.lines;
        let mut frames = self.stack.into_iter();
        let (header, items) = match (frames.next()?, frames.next()) {
            (Frame::Seq { items, .. }, _) => (None, items),
            (Frame::Map { start, .. }, open_items) => {
                let mut map = close_map(&mut self.entries, start, warnings);
                let items = match open_items {
                    Some(Frame::Seq { items, .. }) => items,
                    _ => match map.remove("items") {
                        Some(Value::Array(items)) => items.into_vec(),
                        _ => return None,
                    },
                };
                (Some(map), items)
            }
        };
        lines.items.truncate(items.len());
        Some(Salvaged { header, items, lines })
    }

    /// Charge the scratch slots past its high-water mark (it keeps its capacity until the
    /// document ends): a mapping's entries sit there beside their finished copy until it closes.
    fn charge_scratch(&mut self, line: u32) -> Result<(), Problem> {
        let entries = self.entries.len().saturating_sub(self.charged_entries) as u64;
        if entries == 0 {
            return Ok(());
        }
        let bytes = entries * ENTRY_SLOT;
        self.budget.charge(bytes, line, false)?;
        self.scratch_charged += bytes;
        self.charged_entries = self.entries.len();
        Ok(())
    }

    fn close_frame(&mut self) {
        self.budget.refund(FRAME_COST);
        self.scratch_charged = self.scratch_charged.saturating_sub(FRAME_COST);
    }

    /// The document is over: its frames and scratch are freed.
    fn release_scratch(&mut self) {
        self.budget.refund(self.scratch_charged);
        self.scratch_charged = 0;
    }

    fn alias_limit(&self, line: u32) -> Problem {
        Problem {
            line,
            code: DiagnosticCode::AliasLimit,
            message: format!(
                "YAML anchors and aliases copy more than {} nodes in this document (billion-laughs guard)",
                self.caps.max_alias_nodes
            ),
        }
    }

    /// Whether the value being finished is a part of `managedFields` the loader does not keep
    /// ([`managed_fields`]): a key of an entry but the kept ones (`fieldsV1`, maps of empty maps
    /// often half of an object's nodes, among them), an entry that records no approval, or the
    /// list once no entry is left.
    fn is_unread(&self, value: &Value) -> bool {
        let managed = |frame: &Frame| matches!(frame, Frame::Map { key: Some(Key::Name(list, _)), .. } if list == managed_fields::KEY);
        match self.stack.as_slice() {
            [.., list, Frame::Seq { .. }, Frame::Map { key: Some(Key::Name(key, _)), .. }] if managed(list) => {
                !managed_fields::kept_key(key)
            }
            [.., list, Frame::Seq { .. }] if managed(list) => !managed_fields::kept_entry(value),
            [.., list] if managed(list) => value.as_array().is_some_and(<[Value]>::is_empty),
            _ => false,
        }
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn open(&mut self, line: u32) -> Result<(), Problem> {
        let depth = u32::try_from(self.stack.len()).unwrap_or(u32::MAX).saturating_add(1);
        let max = self.caps.max_depth.min(HARD_MAX_DEPTH);
        if depth > max {
            return Err(Problem {
                line,
                code: DiagnosticCode::TooDeep,
                message: format!("nesting deeper than {max} levels"),
            });
        }
        self.budget.charge(FRAME_COST, line, false)?;
        self.scratch_charged += FRAME_COST;
        Ok(())
    }

    /// Remember the lines the loader asks for later: the root, the items of a root sequence
    /// or of a root `items:` sequence, and the value of a root `contents:` key.
    fn note_start(&mut self, line: u32, literal: bool) {
        match self.stack.as_slice() {
            [] => self.lines.root = line,
            [Frame::Seq { .. }] => self.lines.items.push(line),
            [Frame::Map { key: Some(Key::Name(k, _)), .. }] if k == "contents" => {
                self.lines.contents = Some(line);
                self.lines.contents_literal = literal;
            }
            [Frame::Map { key: Some(Key::Name(k, _)), .. }] if k == "items" => self.lines.items.clear(),
            [Frame::Map { key: Some(Key::Name(k, _)), .. }, Frame::Seq { .. }] if k == "items" => {
                self.lines.items.push(line);
            }
            _ => {}
        }
    }

    fn finish(&mut self, value: Value, anchor: usize, line: u32) -> Result<(), Problem> {
        if anchor != 0 {
            // The copy kept for later aliases counts too: anchors on every level of a deep
            // tree would otherwise copy it over and over without a single alias.
            let (nodes, bytes) = cost(&value);
            self.expanded = self.expanded.saturating_add(nodes);
            if self.expanded > self.caps.max_alias_nodes {
                return Err(self.alias_limit(line));
            }
            self.budget.charge(bytes, line, true)?;
            self.anchors.insert(anchor, (value.clone(), nodes, bytes));
        }
        if self.is_unread(&value) {
            // Not kept: give back what it was charged.
            self.budget.refund(cost(&value).1);
            if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                *key = None;
            }
            return Ok(());
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Map { key, merged, .. }) => {
                match key.take() {
                    // A complex key (a mapping or sequence): JSON has only string keys.
                    None => *key = Some(Key::Name(key_text(&value), line)),
                    Some(Key::Merge) => {
                        *merged = true;
                        merge_into(&mut self.entries, value, line);
                    }
                    Some(Key::Name(name, key_line)) => {
                        let origin = if *merged { Origin::WrittenAfterMerge } else { Origin::Written };
                        self.entries.push(Pending { key: name, value, line: key_line, origin });
                    }
                }
                self.charge_scratch(line)
            }
        }
    }
}

/// YAML merge key: the merged mappings' entries, which only fill keys the mapping does not
/// write itself (see [`close_map`]).
fn merge_into(entries: &mut Vec<Pending>, value: Value, line: u32) {
    let sources = match value {
        Value::Object(m) => vec![m],
        Value::Array(items) => items
            .into_vec()
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for source in sources {
        entries.extend(source.into_iter().map(|(key, value)| Pending { key, value, line, origin: Origin::Merged }));
    }
}

fn key_text(value: &Value) -> Str {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => Str::from("null"),
        other => Str::from(other.to_string()),
    }
}

/// Resolve a scalar to a JSON value the way Kubernetes' YAML decoding does.
fn resolve(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag.filter(|t| t.handle == "tag:yaml.org,2002:" || t.handle == "!!") {
        return match tag.suffix.as_str() {
            "null" | "bool" | "int" | "float" => resolve_plain(text),
            _ => Value::String(owned(text)),
        };
    }
    if style == ScalarStyle::Plain { resolve_plain(text) } else { Value::String(owned(text)) }
}

/// The parser hands out strings with spare capacity (at least 32 bytes): copied, short ones
/// live inline, common long ones are shared constants and the rest take exactly their length.
fn owned(text: Cow<'_, str>) -> Str {
    crate::value::str_of(text.as_ref())
}

fn resolve_plain(text: Cow<'_, str>) -> Value {
    let Some(&first) = text.as_bytes().first() else { return Value::Null };
    match first {
        b'0'..=b'9' | b'-' | b'+' | b'.' => number(&text).unwrap_or_else(|| Value::String(owned(text))),
        b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'y' | b'Y' | b'o' | b'O' => match text.as_ref() {
            "~" | "null" | "Null" | "NULL" => Value::Null,
            "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Value::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Value::Bool(false),
            _ => Value::String(owned(text)),
        },
        _ => Value::String(owned(text)),
    }
}

/// YAML 1.1 numbers as go-yaml v2 reads them: `_` separators, `0x`/`0o`/`0b` prefixes and
/// octal `0755`. Infinities and NaN have no JSON form and stay strings.
fn number(text: &str) -> Option<Value> {
    let owned;
    let plain = if text.contains('_') {
        owned = text.replace('_', "");
        owned.as_str()
    } else {
        text
    };
    let (negative, digits) = match plain.as_bytes().first() {
        Some(b'-') => (true, plain.get(1..)?),
        Some(b'+') => (false, plain.get(1..)?),
        _ => (false, plain),
    };
    let radix = |prefix: &str| digits.strip_prefix(prefix);
    let parsed = if let Some(hex) = radix("0x").or_else(|| radix("0X")) {
        i128::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = radix("0o").or_else(|| radix("0O")) {
        i128::from_str_radix(oct, 8).ok()
    } else if let Some(bin) = radix("0b").or_else(|| radix("0B")) {
        i128::from_str_radix(bin, 2).ok()
    } else if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
        i128::from_str_radix(digits, 8).ok()
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<i128>().ok()
    } else {
        None
    };
    if let Some(n) = parsed {
        let n = if negative { -n } else { n };
        if let Ok(i) = i64::try_from(n) {
            return Some(Value::Number(i.into()));
        }
        if let Ok(u) = u64::try_from(n) {
            return Some(Value::Number(u.into()));
        }
    }
    if is_yaml_float(plain) {
        return plain.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number);
    }
    None
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The line (inside the chunk) of the node at `path`, found by re-reading the chunk's events;
/// with `key_line`, the line of the key holding it (a block value starts a line below).
/// Used only for the rare lines the converter does not record.
pub(super) fn locate(text: &str, path: &[Seg<'_>], key_line: bool) -> Option<u32> {
    enum Own {
        Key(String),
        Index(usize),
    }
    struct F {
        is_map: bool,
        want_key: bool,
        key: Option<(String, u32)>,
        next: usize,
    }
    let same = |o: &Own, s: &Seg<'_>| match (o, s) {
        (Own::Key(a), Seg::Key(b)) => a == b,
        (Own::Index(a), Seg::Index(b)) => a == b,
        _ => false,
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<F> = Vec::new();
    // The segment of every open container below the root; `None` inside keys (never matches).
    let mut open: Vec<Option<Own>> = Vec::new();
    loop {
        let (event, span) = parser.next_event()?.ok()?;
        match event {
            Event::Scalar(..) | Event::MappingStart(..) | Event::SequenceStart(..) | Event::Alias(_) => {
                let mut at = line_of(span);
                let seg = match stack.last_mut() {
                    None if path.is_empty() => return Some(at),
                    None => None,
                    Some(f) if f.is_map && f.want_key => {
                        f.want_key = false;
                        f.key = match &event {
                            Event::Scalar(t, ..) => Some((t.to_string(), at)),
                            _ => None,
                        };
                        None
                    }
                    Some(f) if f.is_map => {
                        f.want_key = true;
                        f.key.take().map(|(k, line)| {
                            if key_line {
                                at = line;
                            }
                            Own::Key(k)
                        })
                    }
                    Some(f) => {
                        f.next += 1;
                        Some(Own::Index(f.next - 1))
                    }
                };
                if !stack.is_empty()
                    && open.len() + 1 == path.len()
                    && open
                        .iter()
                        .chain(std::iter::once(&seg))
                        .zip(path)
                        .all(|(o, p)| o.as_ref().is_some_and(|o| same(o, p)))
                {
                    return Some(at);
                }
                if let Event::MappingStart(..) | Event::SequenceStart(..) = event {
                    if !stack.is_empty() {
                        open.push(seg);
                    }
                    let is_map = matches!(event, Event::MappingStart(..));
                    stack.push(F { is_map, want_key: true, key: None, next: 0 });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                if !stack.is_empty() {
                    open.pop();
                }
            }
            Event::DocumentEnd | Event::StreamEnd => return None,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CAPS: Caps = Caps { max_depth: 128, max_alias_nodes: 1000 };

    fn parse_chunk(text: &str, caps: Caps) -> Parsed {
        super::parse_chunk(text, caps, &mut Budget::for_input(text.len(), 4), &mut Tick::silent())
    }

    fn one(text: &str) -> Value {
        let mut p = parse_chunk(text, CAPS);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        p.docs.remove(0).0
    }

    #[test]
    fn splits_at_markers_and_keeps_lines() {
        let text = "# head\n---\na: 1\n---\nb: 2\n...\n# tail\n--- \nc: 3\n";
        let chunks = split_documents(text);
        let firsts: Vec<u32> = chunks.iter().map(|c| c.first_line).collect();
        assert_eq!(firsts, vec![1, 4, 7]);
        assert!(chunks[0].text.starts_with("# head\n---"));
        assert_eq!(chunks[1].text, "---\nb: 2\n...\n");
        assert_eq!(chunks[2].text, "# tail\n--- \nc: 3\n");
    }

    #[test]
    fn marker_needs_a_separator() {
        let chunks = split_documents("a: |\n  x\n---b: 1\n");
        assert_eq!(chunks.len(), 1);
    }

    #[test]
    fn resolves_scalars_like_kubernetes() {
        let v = one(
            "a: yes\nb: off\nc: 0755\nd: 0x1F\ne: 1_000\nf: 1.5\ng: '1'\nh: ~\ni: .inf\nj: 1.30\nk: !!str true\nl: v1.2\nm: 2024-01-01\nn: -7\no: 99999999999999999999\n",
        );
        assert_eq!(
            v,
            json!({"a": true, "b": false, "c": 493, "d": 31, "e": 1000, "f": 1.5, "g": "1", "h": null, "i": ".inf",
                   "j": 1.3, "k": "true", "l": "v1.2", "m": "2024-01-01", "n": -7, "o": 1e20})
        );
    }

    #[test]
    fn merge_keys_and_aliases() {
        let v = one("base: &b {x: 1, y: 2}\nobj:\n  <<: *b\n  y: 3\nlist: [*b]\n");
        assert_eq!(v["obj"], json!({"x": 1, "y": 3}));
        assert_eq!(v["list"], json!([{"x": 1, "y": 2}]));
    }

    #[test]
    fn records_item_and_contents_lines() {
        let p = parse_chunk("kind: List\nitems:\n- a: 1\n  b: 2\n- c: 3\ncontents: |\n  x\n", CAPS);
        let (_, lines) = &p.docs[0];
        assert_eq!(lines.root, 1);
        assert_eq!(lines.items, vec![3, 5]);
        assert_eq!(lines.contents, Some(7));
    }

    #[test]
    fn duplicate_keys_warn_at_the_second_key() {
        let p = parse_chunk("a: 1\nb: 2\na: 3\n", CAPS);
        assert_eq!(p.docs[0].0, json!({"a": 3, "b": 2}));
        assert_eq!(p.warnings.len(), 1);
        assert_eq!((p.warnings[0].code.as_str(), p.warnings[0].line), ("duplicate-key", 3));
    }

    #[test]
    fn large_mappings_keep_duplicate_and_merge_semantics() {
        // Past the builder's linear-search size: the key index must answer the same.
        let keys: String = (0..40).map(|i| format!("k{i:02}: {i}\n")).collect();
        let text = format!(
            "base: &b {{k05: merged, extra: merged}}\nm:\n{}  <<: *b\n  k07: again\n",
            keys.replace("k", "  k")
        );
        let p = parse_chunk(&text, CAPS);
        let m = &p.docs[0].0["m"];
        assert_eq!(m.as_object().unwrap().len(), 41);
        assert_eq!(m["k05"], json!(5), "a key of the mapping itself wins over the merged one");
        assert_eq!(m["extra"], json!("merged"));
        assert_eq!(m["k07"], json!("again"));
        assert!(p.warnings.is_empty(), "after a merge key a repeated key is not reported");
        let text = format!("m:\n{}  k03: again\n", keys.replace("k", "  k"));
        let p = parse_chunk(&text, CAPS);
        assert_eq!(p.docs[0].0["m"]["k03"], json!("again"));
        assert_eq!(p.warnings.iter().map(|w| (w.code.as_str(), w.line)).collect::<Vec<_>>(), [("duplicate-key", 42)]);
    }

    #[test]
    fn merged_entries_only_fill_keys_the_mapping_does_not_write() {
        let p = parse_chunk("a: &a {x: a, y: a}\nb: &b {y: b, z: b}\nm:\n  x: own\n  <<: [*a, *b]\n", CAPS);
        assert_eq!(p.docs[0].0["m"], json!({"x": "own", "y": "a", "z": "b"}), "written first, then the first merged");
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn a_mapping_of_many_keys_sorts_once_and_reports_each_repeat_in_line_order() {
        let mut text: String = (0..100_000u32).rev().map(|i| format!("k{i:06}: {i}\n")).collect();
        text.push_str("k000007: again\nk099998: again\n");
        let p = parse_chunk(&text, CAPS);
        let doc = &p.docs[0].0;
        let map = doc.as_object().unwrap();
        assert_eq!(map.len(), 100_000);
        assert!(map.keys().zip(map.keys().skip(1)).all(|(a, b)| a < b));
        assert_eq!(doc["k000007"], json!("again"));
        assert_eq!(doc["k099998"], json!("again"));
        assert_eq!(doc["k000008"], json!(8));
        let lines: Vec<_> = p.warnings.iter().map(|w| (w.code.as_str(), w.line)).collect();
        assert_eq!(lines, [("duplicate-key", 100_001), ("duplicate-key", 100_002)]);
    }

    #[test]
    fn the_scratch_of_open_containers_is_charged_and_given_back() {
        // One flat mapping: its entries sit in the scratch until it closes, beside the finished
        // map, so a budget that fits the values alone (but not the scratch too) must refuse it...
        let items: String = (0..10_000).map(|i| format!("k{i}: {i}\n")).collect();
        let values = 10_000 * (KEY_COST + NODE_COST) + NODE_COST + CONTAINER_COST;
        let mut tight = Budget { left: values + 1000, limit: values + 1000, per_byte: 1 };
        let p = super::parse_chunk(&items, CAPS, &mut tight, &mut Tick::silent());
        assert_eq!(p.errors.first().map(|e| e.code.as_str()), Some("memory-limit"));
        // ...and once the document is read, only the values stay charged.
        let mut roomy = Budget { left: 4 * values, limit: 4 * values, per_byte: 1 };
        let p = super::parse_chunk(&items, CAPS, &mut roomy, &mut Tick::silent());
        assert!(p.errors.is_empty());
        assert_eq!(roomy.limit - roomy.left, values);
    }

    #[test]
    fn alias_expansion_is_capped() {
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
        let p = parse_chunk(laughs, CAPS);
        let err = p.errors.into_iter().next().unwrap();
        assert_eq!((err.code.as_str(), err.line), ("alias-limit", 3));
        assert!(p.docs.is_empty());
    }

    #[test]
    fn anchors_on_every_level_are_capped_too() {
        let text: String = (0..100).map(|i| format!("- &s{i} x\n")).collect();
        let nested: String =
            (0..100).map(|i| format!("{}- &a{i}\n", "  ".repeat(i))).collect::<String>() + &"  ".repeat(100) + "- x\n";
        let caps = Caps { max_depth: 1000, max_alias_nodes: 1000 };
        assert!(parse_chunk(&text, caps).errors.is_empty(), "anchored scalars are cheap");
        assert_eq!(parse_chunk(&nested, caps).errors[0].code.as_str(), "alias-limit");
    }

    #[test]
    fn managed_fields_keep_all_but_their_field_sets() {
        let v = one(
            "metadata:\n  managedFields:\n  - manager: kubectl\n    subresource: approval\n    fieldsV1:\n      f:status: {f:conditions: {}}\n  fieldsV1: {kept: 1}\n",
        );
        assert_eq!(
            v,
            json!({"metadata": {"managedFields": [{"manager": "kubectl", "subresource": "approval"}], "fieldsV1": {"kept": 1}}})
        );
    }

    #[test]
    fn depth_is_capped() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let p = parse_chunk(&deep, CAPS);
        assert_eq!(p.errors.into_iter().next().unwrap().code.as_str(), "too-deep");
    }

    #[test]
    fn syntax_error_has_line() {
        let p = parse_chunk("a: 1\nb: c: d\n", CAPS);
        let err = p.errors.into_iter().next().unwrap();
        assert_eq!((err.code.as_str(), err.line), ("yaml-syntax", 2));
    }

    #[test]
    fn locates_nested_paths() {
        let text =
            "kind: AdmissionReview\nrequest:\n  uid: x\n  object:\n    kind: Pod\nitems:\n- {a: 1}\n- b:\n    c: 1\n";
        assert_eq!(locate(text, &[Seg::Key("request"), Seg::Key("object")], false), Some(5));
        assert_eq!(locate(text, &[Seg::Key("request"), Seg::Key("object")], true), Some(4));
        assert_eq!(locate(text, &[Seg::Key("items"), Seg::Index(1), Seg::Key("b"), Seg::Key("c")], false), Some(9));
        assert_eq!(locate(text, &[Seg::Key("nope")], false), None);
        assert_eq!(locate(text, &[], false), Some(1));
    }
}
