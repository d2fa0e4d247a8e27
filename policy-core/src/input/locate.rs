//! Where a finding's field is in its input: the line and column of the key or list item an
//! evidence path names (`spec.containers[0].command[14]`, `data.token`, `users[0].user.token`,
//! `data.ClusterConfiguration.apiServer.extraArgs.token-auth-file`).
//!
//! Found after the rules ran, for the few objects that have findings, by walking the input's
//! text from the object's first line (the parse stays as fast as it is: it records no field
//! positions). One walker reads YAML block and flow style, and so JSON, pretty or minified (a
//! flow document); it follows list items, literal blocks that hold YAML (kops `contents: |`,
//! kubeadm's `ClusterConfiguration: |`, whose lines are the file's lines) and multi-document
//! streams. Several objects may start on one line (minified JSON, a flow list): the one whose
//! `kind` and `metadata.name` are the finding's is taken.
//!
//! Bounded and total: every walk reads each byte of the object a few times at most, nothing
//! recurses with the input's depth (only with the path's, capped), and any surprise gives
//! `None`, so the caller keeps the object's own line.

use crate::data::object_ref::ObjectRef;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// A place in the text: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// Where an evidence path led in its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The byte offset of the deepest key or item of the path found (its line and column:
    /// [`Locator::position`]).
    pub offset: usize,
    /// Whether the whole path was found (else `at` is the deepest part that was).
    pub complete: bool,
    /// How many steps of the path were found.
    pub depth: usize,
}

/// Path steps followed at most: evidence paths are a few steps deep.
const MAX_STEPS: usize = 64;

/// What the byte walks step over in one go (indents are long runs of spaces).
const EIGHT_SPACES: &[u8] = b"        ";

/// Bytes of text whose line ends are counted in one SIMD count when the locator counts lines on
/// to an object's first line.
const LINE_BLOCK: usize = 1024;

/// Bytes of a quoted scalar looked at one by one before a SIMD search for its end.
const SHORT: usize = 16;

/// The text an input's lines are numbered in, as the loader reads it: UTF-8 without its BOM, or
/// UTF-16 with a BOM; invalid bytes replaced; old Mac line ends (a lone `\r`) as `\n`.
pub fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    let text = match bytes {
        [0xFF, 0xFE, rest @ ..] => Cow::Owned(utf16(rest, u16::from_le_bytes)),
        [0xFE, 0xFF, rest @ ..] => Cow::Owned(utf16(rest, u16::from_be_bytes)),
        _ => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Cow::Borrowed)
        }
    };
    super::loader::lone_cr_to_lf(text)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|c| match c {
        [a, b] => unit([*a, *b]),
        _ => 0,
    });
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

/// Finds fields in the objects of one input's text; remembers the lines and objects it has
/// read, so many findings in one file cost one walk per object.
#[derive(Debug)]
pub struct Locator<'t> {
    text: Text<'t>,
    /// Byte offsets of line starts found so far.
    lines: BTreeMap<u32, usize>,
    /// Positions of byte offsets found so far (line starts, fields), to count on from the
    /// nearest: a minified dump is one long line.
    marks: BTreeMap<usize, Position>,
    /// The objects that start on the line asked about last, and that line: findings are asked
    /// for in line order, so a line once left is not asked about again (and when it is, its
    /// objects are read again).
    objects: Option<(u32, Starts<'t>)>,
    /// The entries of the mappings walked in the object asked about last, by node: the
    /// findings of an object, asked in a row, walk each of its mappings once rather than once
    /// per evidence path (a mapping's entries are found by stepping over every value in it).
    maps: HashMap<Node, Vec<Entry<'t>>>,
    /// The items of the flow sequences walked in that object, by their `[`.
    seqs: HashMap<usize, Vec<usize>>,
    /// That object.
    maps_of: Option<Node>,
    /// The keys the paths of the next object's findings step through ([`Locator::expect`]): its
    /// first walk indexes the mappings and sequences under them on the way.
    wanted: Wanted,
}

impl<'t> Locator<'t> {
    /// A locator over one input's text (see [`text_of`]).
    pub fn new(text: &'t str) -> Self {
        Self {
            text: Text { s: text, b: text.as_bytes() },
            lines: BTreeMap::from([(1, 0)]),
            marks: BTreeMap::from([(0, Position { line: 1, column: 1 })]),
            objects: None,
            maps: HashMap::new(),
            seqs: HashMap::new(),
            maps_of: None,
            wanted: Wanted::default(),
        }
    }

    /// Say which paths the next object asked about will be asked for (all its findings'), before
    /// the first [`Locator::field`] of that object. Its first walk then indexes, as it steps over
    /// them, the flow mappings and sequences under the keys those paths name, so the text of
    /// each is read once rather than once more per step down (a walk of a mapping steps over
    /// every value in it). Only a speed-up: the answers are the same without it.
    pub fn expect<'p>(&mut self, paths: impl IntoIterator<Item = &'p str>) {
        self.wanted.clear();
        for path in paths {
            for key in path.split(['.', '[', ']', ' ']).filter(|k| !k.is_empty()) {
                self.wanted.add(key);
            }
        }
    }

    /// Where `path` is in `object`, which starts at line `line`; `None` when the object or
    /// the path's first step is not found there. Ask for the paths of one object in a row: the
    /// mappings walked are remembered until another object is asked about.
    pub fn field(&mut self, line: u32, object: &ObjectRef, path: &str) -> Option<Found> {
        let start = self.line_offset(line)?;
        let text = self.text;
        let node = self.starts(line, start).pick(object)?.node;
        if self.maps_of != Some(node) {
            self.maps.clear();
            self.seqs.clear();
            self.maps_of = Some(node);
            if let Node::FlowMap(open) = node
                && !self.wanted.is_empty()
            {
                let mut index = Index { wanted: &self.wanted, maps: &mut self.maps, seqs: &mut self.seqs };
                text.index_flow(open, true, 0, &mut index);
            }
            self.wanted.clear();
        }
        let (at, depth, complete) = text.follow(node, path, &mut self.maps, &mut self.seqs);
        Some(Found { offset: at?, complete, depth })
    }

    /// The first and last line of the object that starts at line `line` (the outermost one
    /// when several start there).
    pub fn object_lines(&mut self, line: u32) -> Option<(u32, u32)> {
        let start = self.line_offset(line)?;
        let text = self.text;
        let node = self.starts(line, start).all.first()?.node;
        let end = text.end_of(node);
        Some((line, self.position(end).line.max(line)))
    }

    /// The objects that start on line `line`, at byte offset `start`.
    fn starts(&mut self, line: u32, start: usize) -> &Starts<'t> {
        if self.objects.as_ref().is_none_or(|(at, _)| *at != line) {
            self.objects = Some((line, Starts::new(self.text.candidates(start))));
        }
        let (_, starts) = self.objects.get_or_insert_with(|| (line, Starts::new(Vec::new())));
        starts
    }

    /// The byte offset of line `line`'s start, counted from the nearest line start known.
    fn line_offset(&mut self, line: u32) -> Option<usize> {
        let (&known, &offset) = self.lines.range(..=line).next_back()?;
        let mut at = offset;
        // The lines between two flagged objects are many and short (a pretty dump's): whole
        // blocks of them are counted with SIMD, and only the last block is searched line by line.
        let mut left = usize::try_from(line - known).unwrap_or(usize::MAX);
        while left > 0 {
            let rest = self.text.b.get(at..)?;
            if let Some(block) = rest.get(..LINE_BLOCK) {
                let newlines = memchr::memchr_iter(b'\n', block).count();
                if newlines < left {
                    left -= newlines;
                    at += LINE_BLOCK;
                    continue;
                }
            }
            at += memchr::memchr_iter(b'\n', rest).nth(left - 1)? + 1;
            left = 0;
        }
        self.lines.insert(line, at);
        self.marks.insert(at, Position { line, column: 1 });
        Some(at)
    }

    /// The line and column of byte offset `at`, counted on from the nearest position known: ask
    /// in the order of the offsets, and all the positions of a file cost one read of it.
    pub fn position(&mut self, at: usize) -> Position {
        let (from, mark) =
            self.marks.range(..=at).next_back().map_or((0, Position { line: 1, column: 1 }), |(&o, &p)| (o, p));
        let between = self.text.b.get(from..at).unwrap_or_default();
        let chars = |s: &[u8]| u32::try_from(s.iter().filter(|&&c| c & 0xC0 != 0x80).count()).unwrap_or(u32::MAX);
        let position = match memchr::memrchr(b'\n', between) {
            None => Position { line: mark.line, column: mark.column.saturating_add(chars(between)) },
            Some(last) => {
                let newlines = memchr::memchr_iter(b'\n', between).count();
                Position {
                    line: mark.line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX)),
                    column: chars(between.get(last + 1..).unwrap_or_default()).saturating_add(1),
                }
            }
        };
        self.marks.insert(at, position);
        position
    }
}

/// One object that starts on a line, with what identifies it.
#[derive(Debug, Clone)]
struct Candidate<'t> {
    node: Node,
    kind: Option<Cow<'t, str>>,
    name: Option<Cow<'t, str>>,
    namespace: Option<Cow<'t, str>>,
    /// The only object that starts on its line: the loader's, taken without reading what it is
    /// (that costs a walk of the object; it is read only to tell several apart).
    alone: bool,
}

impl Candidate<'_> {
    /// How surely this is the finding's object: 3 when its name is the object's, 2 when it has no
    /// name but the object's kind (a kubeconfig, whose name is its current context), 1 when it
    /// says nothing (a kubeconfig written without `kind`), 0 when it is another object. A `kind`
    /// it has must be the object's (typed list items have none), and so must a namespace.
    fn score(&self, object: &ObjectRef) -> u8 {
        if self.alone {
            return 3;
        }
        let kind = self.kind.as_deref().filter(|k| !k.is_empty());
        let namespace = match (self.namespace.as_deref(), object.namespace.as_deref()) {
            (Some(a), Some(b)) => a == b,
            (Some(a), None) => a.is_empty(),
            (None, _) => true,
        };
        if !namespace || kind.is_some_and(|k| k != object.kind) {
            return 0;
        }
        match (self.name.as_deref(), kind) {
            (Some(name), _) if name == object.name => 3,
            (Some(_), _) => 0,
            (None, Some(_)) => 2,
            (None, None) => 1,
        }
    }
}

/// The objects that start on one line, indexed by what names them: a minified dump holds
/// every object on one line, and each finding must find its own without a walk of all.
#[derive(Debug)]
struct Starts<'t> {
    /// In order of their start, outermost first.
    all: Vec<Candidate<'t>>,
    /// Indexes in `all` by `metadata.name`.
    named: HashMap<Cow<'t, str>, Vec<usize>>,
    /// The first index in `all` of a candidate without a name, by kind.
    unnamed: HashMap<Cow<'t, str>, usize>,
}

impl<'t> Starts<'t> {
    fn new(all: Vec<Candidate<'t>>) -> Self {
        let mut named: HashMap<Cow<'t, str>, Vec<usize>> = HashMap::new();
        let mut unnamed = HashMap::new();
        for (i, c) in all.iter().enumerate() {
            match (&c.name, &c.kind) {
                (Some(name), _) => named.entry(name.clone()).or_default().push(i),
                (None, Some(kind)) => {
                    unnamed.entry(kind.clone()).or_insert(i);
                }
                (None, None) => {}
            }
        }
        Self { all, named, unnamed }
    }

    /// The finding's object: the first candidate that is surely it, else the first that may be;
    /// one that says nothing only when it is the outermost.
    fn pick(&self, object: &ObjectRef) -> Option<&Candidate<'t>> {
        if let Some(alone) = self.all.first().filter(|c| c.alone) {
            return Some(alone);
        }
        let at = |i: &usize| self.all.get(*i);
        let sure =
            self.named.get(object.name.as_str()).into_iter().flatten().filter_map(at).find(|c| c.score(object) == 3);
        let by_kind = || self.unnamed.get(object.kind.as_str()).and_then(at).filter(|c| c.score(object) == 2);
        sure.or_else(by_kind).or_else(|| self.all.first().filter(|c| c.score(object) == 1))
    }
}

/// A node of the document, by where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    /// A block mapping whose keys sit at `indent`, the first at `first`.
    BlockMap { first: usize, indent: usize },
    /// A block sequence whose dashes sit at `indent`, the first at `first`.
    BlockSeq { first: usize, indent: usize },
    /// A flow mapping (or JSON object) opening at this `{`.
    FlowMap(usize),
    /// A flow sequence (or JSON array) opening at this `[`.
    FlowSeq(usize),
    /// A block scalar (`|` or `>` here) under a key or dash at column `parent`.
    BlockScalar { at: usize, parent: usize },
    /// Any other scalar, or an alias.
    Leaf(usize),
}

/// One key of a mapping: its text, where it starts, and where its value starts (just after the
/// colon in block style; at the value in flow style).
#[derive(Debug, Clone)]
struct Entry<'t> {
    key: Cow<'t, str>,
    at: usize,
    value: usize,
}

/// The keys of the paths told to [`Locator::expect`], each once, in one buffer kept from object to
/// object (a few keys each: a list is searched faster than a set is hashed).
#[derive(Debug, Default)]
struct Wanted {
    text: String,
    /// Where each key ends in `text` (it starts where the one before ends).
    ends: Vec<usize>,
}

impl Wanted {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn add(&mut self, key: &str) {
        if !self.contains(key) {
            self.text.push_str(key);
            self.ends.push(self.text.len());
        }
    }

    fn contains(&self, key: &str) -> bool {
        let mut start = 0;
        self.ends.iter().any(|&end| {
            let k = self.text.get(start..end);
            start = end;
            k == Some(key)
        })
    }
}

/// What a first walk of an object keeps ([`Text::index_flow`]): the entries of the flow mappings
/// and the items of the flow sequences it walked, and the keys it walks on into.
struct Index<'a, 't> {
    wanted: &'a Wanted,
    maps: &'a mut HashMap<Node, Vec<Entry<'t>>>,
    seqs: &'a mut HashMap<usize, Vec<usize>>,
}

#[derive(Debug, Clone, Copy)]
struct Text<'t> {
    s: &'t str,
    b: &'t [u8],
}

impl<'t> Text<'t> {
    fn byte(self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn is_eol(self, i: usize) -> bool {
        matches!(self.byte(i), None | Some(b'\n' | b'\r'))
    }

    fn is_space(self, i: usize) -> bool {
        matches!(self.byte(i), Some(b' ' | b'\t'))
    }

    fn line_start(self, i: usize) -> usize {
        self.b.get(..i).and_then(|h| memchr::memrchr(b'\n', h)).map_or(0, |p| p + 1)
    }

    fn line_end(self, i: usize) -> usize {
        self.b.get(i..).and_then(|t| memchr::memchr(b'\n', t)).map_or(self.b.len(), |p| i + p)
    }

    fn next_line(self, i: usize) -> Option<usize> {
        let end = self.line_end(i);
        (end < self.b.len()).then_some(end + 1)
    }

    fn skip_spaces(self, mut i: usize) -> usize {
        while self.b.get(i..i + 8) == Some(EIGHT_SPACES) {
            i += 8;
        }
        while self.is_space(i) {
            i += 1;
        }
        i
    }

    /// Spaces, line ends and comments (flow style spans lines).
    fn skip_blank(self, mut i: usize) -> usize {
        loop {
            match self.byte(i) {
                Some(b' ') if self.b.get(i..i + 8) == Some(EIGHT_SPACES) => i += 8,
                Some(b' ' | b'\t' | b'\n' | b'\r') => i += 1,
                Some(b'#') if i == 0 || self.b.get(i - 1).is_some_and(u8::is_ascii_whitespace) => {
                    i = self.line_end(i);
                }
                _ => return i,
            }
        }
    }

    fn str(self, from: usize, to: usize) -> &'t str {
        self.s.get(from..to).unwrap_or("")
    }

    /// The next line from line start `from` that holds something other than spaces and a
    /// comment: its start and where its content starts.
    fn content_line(self, from: usize) -> Option<(usize, usize)> {
        let mut start = from;
        loop {
            let at = self.skip_spaces(start);
            if !(self.is_eol(at) || self.byte(at) == Some(b'#')) {
                return Some((start, at));
            }
            start = self.next_line(start)?;
        }
    }

    /// A block sequence dash: `-` then a space or the line's end.
    fn is_dash(self, i: usize) -> bool {
        self.byte(i) == Some(b'-') && (self.is_space(i + 1) || self.is_eol(i + 1))
    }

    /// `---` or `...` then a space or the line's end.
    fn is_doc_marker(self, i: usize) -> bool {
        let marker = self.b.get(i..i + 3);
        (marker == Some(b"---") || marker == Some(b"...")) && (self.is_space(i + 3) || self.is_eol(i + 3))
    }

    /// The end of a quoted scalar opening at `i`, just past its closing quote.
    fn quoted_end(self, i: usize) -> usize {
        let double = self.byte(i) == Some(b'"');
        let stop = |t: &[u8]| {
            let is_stop = |c: &u8| if double { matches!(c, b'"' | b'\\') } else { *c == b'\'' };
            // Most quoted scalars are short keys, seen in a plain look at their first bytes; a
            // SIMD search pays for the rest (long base64 values are most of a dump's bytes).
            let head = t.get(..SHORT).unwrap_or(t);
            head.iter().position(is_stop).or_else(|| {
                let tail = t.get(SHORT..)?;
                let found = if double { memchr::memchr2(b'"', b'\\', tail) } else { memchr::memchr(b'\'', tail) };
                found.map(|k| k + SHORT)
            })
        };
        let mut j = i + 1;
        // From one quote or backslash to the next (long base64 values are most of a dump).
        while let Some(k) = self.b.get(j..).and_then(stop) {
            j += k;
            match self.byte(j) {
                Some(b'\\') => j += 2,
                Some(b'\'') if self.byte(j + 1) == Some(b'\'') => j += 2,
                _ => return j + 1,
            }
        }
        self.b.len()
    }

    /// A quoted scalar's text (escapes read) and the offset past it.
    fn quoted(self, i: usize) -> (Cow<'t, str>, usize) {
        let end = self.quoted_end(i);
        let inner = self.str(i + 1, end.saturating_sub(1).max(i + 1));
        let text = if self.byte(i) == Some(b'\'') {
            if inner.contains("''") { Cow::Owned(inner.replace("''", "'")) } else { Cow::Borrowed(inner) }
        } else if inner.contains('\\') {
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                out.push(match (c, c == '\\') {
                    (_, true) => match chars.next() {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some(other) => other,
                        None => break,
                    },
                    (c, false) => c,
                });
            }
            Cow::Owned(out)
        } else {
            Cow::Borrowed(inner)
        };
        (text, end)
    }

    /// A mapping key at `i` (quoted or plain, followed by a colon): its text and the offset
    /// just past the colon.
    fn key_at(self, i: usize, flow: bool) -> Option<(Cow<'t, str>, usize)> {
        match self.byte(i)? {
            b'"' | b'\'' => {
                let (key, end) = self.quoted(i);
                let colon = if flow { self.skip_blank(end) } else { self.skip_spaces(end) };
                (self.byte(colon) == Some(b':')).then_some((key, colon + 1))
            }
            b'-' if self.is_dash(i) => None,
            b'\n' | b'\r' | b'#' | b'[' | b']' | b'{' | b'}' | b',' | b'?' | b'|' | b'>' | b'&' | b'!' | b'*'
            | b'%' | b'@' | b'`' | b':' => None,
            _ => {
                let mut j = i;
                loop {
                    match self.byte(j) {
                        None | Some(b'\n' | b'\r') => return None,
                        Some(b':') => {
                            let next = self.byte(j + 1);
                            let ends = self.is_eol(j + 1)
                                || self.is_space(j + 1)
                                || (flow && matches!(next, Some(b',' | b'[' | b']' | b'{' | b'}')));
                            if ends {
                                break;
                            }
                        }
                        Some(b'#') if self.is_space(j.wrapping_sub(1)) => return None,
                        Some(b',' | b'[' | b']' | b'{' | b'}') if flow => return None,
                        _ => {}
                    }
                    j += 1;
                }
                Some((Cow::Borrowed(self.str(i, j).trim_end()), j + 1))
            }
        }
    }

    /// Anchors and tags before a node (`&a`, `!!str`), skipped.
    fn skip_properties(self, mut i: usize) -> usize {
        while matches!(self.byte(i), Some(b'&' | b'!')) {
            while !(self.is_eol(i) || self.is_space(i)) {
                i += 1;
            }
            i = self.skip_spaces(i);
        }
        i
    }

    /// The node starting at `i`; `inline` for a value on its key's line (which cannot start a
    /// block collection there).
    fn node(self, i: usize, inline: bool) -> Node {
        let i = self.skip_properties(i);
        // Only block nodes need their column (and block lines are short; a minified line is not).
        let column = || i - self.line_start(i);
        match self.byte(i) {
            Some(b'{') => Node::FlowMap(i),
            Some(b'[') => Node::FlowSeq(i),
            Some(b'|' | b'>') => Node::BlockScalar { at: i, parent: column() },
            _ if inline => Node::Leaf(i),
            _ if self.is_dash(i) => Node::BlockSeq { first: i, indent: column() },
            _ if self.key_at(i, false).is_some() => Node::BlockMap { first: i, indent: column() },
            _ => Node::Leaf(i),
        }
    }

    /// The value of a block key (`after` just past its colon) of a mapping at `indent`.
    fn block_value(self, after: usize, indent: usize) -> Option<Node> {
        let at = self.skip_properties(self.skip_spaces(after));
        if !(self.is_eol(at) || self.byte(at) == Some(b'#')) {
            return Some(match self.node(at, true) {
                Node::BlockScalar { at, .. } => Node::BlockScalar { at, parent: indent },
                other => other,
            });
        }
        let (start, at) = self.content_line(self.next_line(at)?)?;
        let column = at - start;
        if column > indent {
            Some(self.node(at, false))
        } else if column == indent && self.is_dash(at) {
            Some(Node::BlockSeq { first: at, indent })
        } else {
            None
        }
    }

    /// The item of a block sequence whose dash is at `dash`: where it starts and its node.
    fn block_item(self, dash: usize, indent: usize) -> Option<(usize, Node)> {
        let at = self.skip_spaces(dash + 1);
        let node = |i: usize| match self.node(i, false) {
            Node::BlockScalar { at, .. } => Node::BlockScalar { at, parent: indent },
            other => other,
        };
        if !(self.is_eol(at) || self.byte(at) == Some(b'#')) {
            return Some((at, node(at)));
        }
        let (start, next) = self.content_line(self.next_line(at)?)?;
        (next - start > indent).then(|| (dash, node(next)))
    }

    /// The next line of a block collection at `indent` after the line of `i`: the content
    /// offset of a line at `indent`, or `None` at the collection's end.
    fn next_at_indent(self, i: usize, indent: usize) -> Option<usize> {
        let mut from = self.next_line(i)?;
        loop {
            let (start, at) = self.content_line(from)?;
            let column = at - start;
            if column < indent || (column <= indent && self.is_doc_marker(at)) {
                return None;
            }
            if column == indent {
                return Some(at);
            }
            from = self.next_line(start)?;
        }
    }

    fn block_entries(self, first: usize, indent: usize) -> Vec<Entry<'t>> {
        let mut out = Vec::new();
        let mut at = Some(first);
        while let Some(i) = at {
            if self.is_dash(i) {
                // An indentless sequence under the previous key.
            } else if let Some((key, value)) = self.key_at(i, false) {
                out.push(Entry { key, at: i, value });
            } else {
                break;
            }
            at = self.next_at_indent(i, indent);
        }
        out
    }

    fn block_items(self, first: usize, indent: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = Some(first);
        while let Some(i) = at.filter(|&i| self.is_dash(i)) {
            out.push(i);
            at = self.next_at_indent(i, indent);
        }
        out
    }

    /// The next bracket, quote or comment sign from `j`. Runs of spaces, a pretty JSON's
    /// indent and near half its bytes, are stepped over eight at a time.
    fn next_special(self, mut j: usize) -> Option<usize> {
        loop {
            match self.byte(j)? {
                b'"' | b'\'' | b'{' | b'[' | b'}' | b']' | b'#' => return Some(j),
                b' ' if self.b.get(j..j + 8) == Some(EIGHT_SPACES) => j += 8,
                _ => j += 1,
            }
        }
    }

    /// The offset just past the flow value (or JSON value) at `i`.
    fn skip_flow_value(self, i: usize) -> usize {
        match self.byte(i) {
            Some(b'"' | b'\'') => self.quoted_end(i),
            Some(b'{' | b'[') => {
                // From one bracket, quote or comment sign to the next: what lies between (keys,
                // numbers, plain scalars) never changes the depth.
                let mut depth = 0usize;
                let mut j = i;
                while let Some(k) = self.next_special(j) {
                    let after_space = self.b.get(k.wrapping_sub(1)).is_some_and(u8::is_ascii_whitespace);
                    let token_start = k == i
                        || after_space
                        || matches!(self.b.get(k.wrapping_sub(1)), Some(b'{' | b'[' | b',' | b':'));
                    j = match self.byte(k) {
                        Some(b'"' | b'\'') if token_start => self.quoted_end(k),
                        Some(b'{' | b'[') => {
                            depth += 1;
                            k + 1
                        }
                        Some(b'}' | b']') => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                return k + 1;
                            }
                            k + 1
                        }
                        Some(b'#') if after_space => self.line_end(k),
                        _ => k + 1,
                    };
                }
                self.b.len()
            }
            _ => {
                let mut j = i;
                while let Some(c) = self.byte(j) {
                    match c {
                        b',' | b']' | b'}' => break,
                        b'#' if self.b.get(j.wrapping_sub(1)).is_some_and(u8::is_ascii_whitespace) => break,
                        _ => j += 1,
                    }
                }
                j
            }
        }
    }

    fn flow_entries(self, open: usize) -> Vec<Entry<'t>> {
        let mut out = Vec::new();
        let mut i = open + 1;
        loop {
            i = self.skip_blank(i);
            match self.byte(i) {
                None | Some(b'}' | b']') => return out,
                Some(b',') => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let Some((key, after)) = self.key_at(i, true) else {
                // A key without a value (`{a, b}`) or something unreadable: step over it.
                i = self.skip_flow_value(i).max(i + 1);
                continue;
            };
            let value = self.skip_blank(after);
            out.push(Entry { key, at: i, value });
            i = self.skip_flow_value(value).max(value + 1);
        }
    }

    fn flow_items(self, open: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = open + 1;
        loop {
            i = self.skip_blank(i);
            match self.byte(i) {
                None | Some(b']' | b'}') => return out,
                Some(b',') => i += 1,
                _ => {
                    out.push(i);
                    i = self.skip_flow_value(i).max(i + 1);
                }
            }
        }
    }

    /// Walk the flow mapping (`map`) or sequence opening at `open` as [`Text::flow_entries`] or
    /// [`Text::flow_items`] does, keeping its entries or items in `index`, and walk on into the
    /// mappings and sequences under the wanted keys (and the items of such sequences) rather
    /// than stepping over them. Returns the offset past its closing bracket when the walk can
    /// stand for [`Text::skip_flow_value`] (plain JSON: quoted keys and strings, brackets that
    /// match, scalars of letters, digits and `.+-_`, no comment sign between tokens), else `None`,
    /// and the caller steps over it as before; the entries and items are those either way.
    fn index_flow(self, open: usize, map: bool, depth: usize, index: &mut Index<'_, 't>) -> Option<usize> {
        let mut entries = Vec::new();
        let mut items = Vec::new();
        let mut plain = true;
        let mut i = open + 1;
        let end = loop {
            // Comments are skipped here as `skip_flow_value` skips them (a `#` after a blank, to
            // the line's end), so they need no check of their own.
            i = self.skip_blank(i);
            match self.byte(i) {
                None => break None,
                Some(c @ (b'}' | b']')) => break (c == if map { b'}' } else { b']' }).then_some(i + 1),
                Some(b',') => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            let (value, wanted) = if map {
                let Some((key, after)) = self.key_at(i, true) else {
                    plain = false;
                    i = self.skip_flow_value(i).max(i + 1);
                    continue;
                };
                plain &= self.byte(i) == Some(b'"');
                let value = self.skip_blank(after);
                let wanted = index.wanted.contains(&key);
                entries.push(Entry { key, at: i, value });
                (value, wanted)
            } else {
                items.push(i);
                (i, true)
            };
            let walked = match self.byte(value) {
                Some(c @ (b'{' | b'[')) if wanted && depth < MAX_STEPS => {
                    self.index_flow(value, c == b'{', depth + 1, index)
                }
                Some(b'{' | b'[' | b'"') => None,
                _ => {
                    let end = self.skip_flow_value(value);
                    // Up to the `,` or bracket after it: a pretty dump's last value ends its line.
                    let scalar = self.b.get(value..end).unwrap_or_default().trim_ascii_end();
                    plain &= !scalar.is_empty()
                        && scalar.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_'));
                    Some(end)
                }
            };
            i = walked.unwrap_or_else(|| self.skip_flow_value(value)).max(value + 1);
        };
        if map {
            index.maps.insert(Node::FlowMap(open), entries);
        } else {
            index.seqs.insert(open, items);
        }
        // Outside plain JSON (a YAML flow collection: unquoted keys, brackets in plain scalars)
        // the bracket the walk ends at may not be the one `skip_flow_value` counts to.
        end.filter(|_| plain)
    }

    /// The document held in a block scalar (its first node), for a path that goes on into it.
    fn embedded(self, at: usize, parent: usize) -> Option<Node> {
        let mut from = self.next_line(at)?;
        loop {
            let (start, i) = self.content_line(from)?;
            if i - start <= parent {
                return None;
            }
            if !(self.is_doc_marker(i) || self.byte(i) == Some(b'%')) {
                return match self.node(i, false) {
                    Node::BlockScalar { .. } | Node::Leaf(_) => None,
                    node => Some(node),
                };
            }
            from = self.next_line(start)?;
        }
    }

    /// A scalar's text (for a kind or a name).
    fn scalar(self, i: usize, flow: bool) -> Option<Cow<'t, str>> {
        match self.byte(i)? {
            b'"' | b'\'' => Some(self.quoted(i).0),
            b'{' | b'[' | b'|' | b'>' | b'&' | b'*' | b'!' => None,
            _ => {
                let mut j = i;
                while let Some(c) = self.byte(j) {
                    let ends = matches!(c, b'\n' | b'\r')
                        || (c == b'#' && self.is_space(j.wrapping_sub(1)))
                        || (flow && matches!(c, b',' | b']' | b'}'));
                    if ends {
                        break;
                    }
                    j += 1;
                }
                Some(Cow::Borrowed(self.str(i, j).trim()))
            }
        }
    }

    fn entries(self, node: Node) -> Vec<Entry<'t>> {
        match node {
            Node::BlockMap { first, indent } => self.block_entries(first, indent),
            Node::FlowMap(open) => self.flow_entries(open),
            _ => Vec::new(),
        }
    }

    /// The node of an entry's value in the mapping `map`.
    fn value_of(self, map: Node, entry: &Entry<'_>) -> Option<Node> {
        match map {
            Node::BlockMap { indent, .. } => self.block_value(entry.value, indent),
            _ => Some(self.node(entry.value, true)),
        }
    }

    /// `kind`, `metadata.name` and `metadata.namespace` of a mapping.
    fn candidate(self, node: Node) -> Candidate<'t> {
        let flow = matches!(node, Node::FlowMap(_));
        let mut c = Candidate { node, kind: None, name: None, namespace: None, alone: false };
        for entry in self.entries(node) {
            match entry.key.as_ref() {
                "kind" => c.kind = self.value_of(node, &entry).and_then(|v| self.leaf_text(v, flow)),
                "metadata" => {
                    let Some(meta) = self.value_of(node, &entry) else { continue };
                    let inner = matches!(meta, Node::FlowMap(_)) || flow;
                    for field in self.entries(meta) {
                        let value = self.value_of(meta, &field).and_then(|v| self.leaf_text(v, inner));
                        match field.key.as_ref() {
                            "name" => c.name = value,
                            "namespace" => c.namespace = value,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        c
    }

    fn leaf_text(self, node: Node, flow: bool) -> Option<Cow<'t, str>> {
        match node {
            Node::Leaf(i) => self.scalar(i, flow),
            _ => None,
        }
    }

    /// The objects that may start on the line at `start`: a block mapping whose first key is
    /// on it (after list dashes), then every flow mapping that opens on it, outermost first.
    fn candidates(self, start: usize) -> Vec<Candidate<'t>> {
        let end = self.line_end(start);
        let mut at = self.skip_spaces(start);
        loop {
            if self.is_dash(at) {
                at = self.skip_spaces(at + 1);
            } else if self.is_doc_marker(at) {
                at = self.skip_spaces(at + 3);
            } else {
                break;
            }
        }
        // Outer nodes first, told apart by their kind and name only when the line has several:
        // reading them costs a walk of the object.
        let mut outer = Vec::new();
        let mut nested = Vec::new();
        if self.key_at(at, false).is_some() {
            outer.push(Node::BlockMap { first: at, indent: at - start });
        }
        let mut i = start;
        let mut token_start = true;
        while i < end {
            match self.byte(i) {
                Some(c @ (b'{' | b'[')) if token_start => {
                    if c == b'{' {
                        outer.push(Node::FlowMap(i));
                    }
                    let rest = self.b.get(i + 1..end).unwrap_or_default();
                    if !rest.iter().any(|&b| matches!(b, b'{' | b'[')) {
                        // Nothing else opens on this line (pretty JSON's `{`): no other object
                        // starts here.
                        break;
                    }
                    let close = self.skip_flow_value(i);
                    // Nested objects: the items of a list on one line (minified JSON).
                    self.nested_candidates(i, close.min(self.b.len()), end, &mut nested);
                    i = close;
                    token_start = false;
                    continue;
                }
                Some(b'"' | b'\'') if token_start => {
                    i = self.quoted_end(i);
                    token_start = false;
                    continue;
                }
                Some(b'#') if token_start => break,
                Some(b' ' | b'\t' | b',' | b':' | b'-' | b'}' | b']') => token_start = true,
                _ => token_start = false,
            }
            i += 1;
        }
        if outer.len() == 1 && nested.is_empty() {
            let node = outer.into_iter().next();
            return node
                .map(|node| Candidate { node, kind: None, name: None, namespace: None, alone: true })
                .into_iter()
                .collect();
        }
        let mut out: Vec<Candidate<'t>> = outer.into_iter().map(|node| self.candidate(node)).collect();
        out.extend(nested);
        out
    }

    /// The mappings that open inside the flow collection `open..close` on its line (before
    /// `line_end`) and say what they are (a `kind` or a `metadata.name`): candidates beyond the
    /// outermost. One pass with a stack of the open collections, so a minified dump of many
    /// objects costs one read of its line.
    fn nested_candidates(self, open: usize, close: usize, line_end: usize, out: &mut Vec<Candidate<'t>>) {
        #[derive(Default)]
        struct Frame<'t> {
            open: usize,
            map: bool,
            /// The key whose value comes next (mappings).
            key: Option<Cow<'t, str>>,
            /// Index of the frame this one is the `metadata` of.
            meta_of: Option<usize>,
            kind: Option<Cow<'t, str>>,
            name: Option<Cow<'t, str>>,
            namespace: Option<Cow<'t, str>>,
        }
        let mut frames: Vec<Frame<'t>> = Vec::new();
        let mut found: Vec<Candidate<'t>> = Vec::new();
        let mut i = open;
        while i < close {
            let Some(c) = self.byte(i) else { break };
            match c {
                b'{' | b'[' => {
                    let parent = frames.len().checked_sub(1);
                    let meta_of = parent.filter(|&p| {
                        frames.get(p).is_some_and(|f| f.map && f.key.as_deref() == Some("metadata")) && c == b'{'
                    });
                    if let Some(f) = frames.last_mut() {
                        f.key = None;
                    }
                    frames.push(Frame { open: i, map: c == b'{', meta_of, ..Frame::default() });
                    i += 1;
                }
                b'}' | b']' => {
                    if let Some(f) = frames.pop() {
                        let says = f.kind.is_some() || f.name.is_some();
                        if f.map && f.open != open && f.open < line_end && says {
                            found.push(Candidate {
                                node: Node::FlowMap(f.open),
                                kind: f.kind,
                                name: f.name,
                                namespace: f.namespace,
                                alone: false,
                            });
                        }
                    }
                    i += 1;
                }
                b',' => {
                    if let Some(f) = frames.last_mut() {
                        f.key = None;
                    }
                    i += 1;
                }
                b' ' | b'\t' | b'\n' | b'\r' | b':' => i += 1,
                b'#' if self.b.get(i.wrapping_sub(1)).is_some_and(u8::is_ascii_whitespace) => i = self.line_end(i),
                _ => {
                    let in_map_key = frames.last().is_some_and(|f| f.map && f.key.is_none());
                    if in_map_key && let Some((key, after)) = self.key_at(i, true) {
                        if let Some(f) = frames.last_mut() {
                            f.key = Some(key);
                        }
                        i = after;
                        continue;
                    }
                    let end = self.skip_flow_value(i).max(i + 1);
                    let text = self.scalar(i, true);
                    let (key, meta_of) = frames.last_mut().map_or((None, None), |f| (f.key.take(), f.meta_of));
                    match (key.as_deref(), meta_of) {
                        (Some("kind"), None) => {
                            if let Some(f) = frames.last_mut() {
                                f.kind = text;
                            }
                        }
                        (Some("name"), Some(p)) => {
                            if let Some(owner) = frames.get_mut(p) {
                                owner.name = text;
                            }
                        }
                        (Some("namespace"), Some(p)) => {
                            if let Some(owner) = frames.get_mut(p) {
                                owner.namespace = text;
                            }
                        }
                        _ => {}
                    }
                    i = end;
                }
            }
        }
        found.sort_by_key(|c| match c.node {
            Node::FlowMap(at) => at,
            _ => 0,
        });
        out.extend(found);
    }

    /// Follow `path` from `node`: the offset of the deepest key or item found, the steps found,
    /// and whether the path was found whole.
    fn follow(
        self,
        node: Node,
        path: &str,
        maps: &mut HashMap<Node, Vec<Entry<'t>>>,
        seqs: &mut HashMap<usize, Vec<usize>>,
    ) -> (Option<usize>, usize, bool) {
        // `data.config → users[0].user.token`: a path that goes on inside a document held in a
        // value (a kubeconfig in a ConfigMap), followed on when that is a literal block.
        // (A search for the arrow alone is a SIMD byte search; one for the three characters is not.)
        let path = if path.contains('→') && path.contains(" → ") {
            Cow::Owned(path.replace(" → ", "."))
        } else {
            Cow::Borrowed(path)
        };
        let mut node = node;
        let mut rest = path.as_ref();
        let mut at = None;
        let mut depth = 0;
        let mut descended = false;
        for _ in 0..MAX_STEPS {
            if rest.is_empty() {
                return (at, depth, true);
            }
            let step = match node {
                Node::BlockMap { .. } | Node::FlowMap(_) => {
                    self.map_step(node, rest, maps.entry(node).or_insert_with(|| self.entries(node)))
                }
                Node::BlockSeq { first, indent } => {
                    let items = self.block_items(first, indent).into_iter().filter_map(|d| self.block_item(d, indent));
                    self.seq_step(items.collect(), rest)
                }
                Node::FlowSeq(open) => {
                    let items = seqs.entry(open).or_insert_with(|| self.flow_items(open));
                    let items = items.iter().map(|&i| (i, self.node(i, true)));
                    self.seq_step(items.collect(), rest)
                }
                Node::BlockScalar { at: bar, parent } if !descended => {
                    descended = true;
                    match self.embedded(bar, parent) {
                        Some(inner) => {
                            node = inner;
                            continue;
                        }
                        None => None,
                    }
                }
                Node::BlockScalar { .. } | Node::Leaf(_) => None,
            };
            let Some((found, next_node, next_rest)) = step else { break };
            at = Some(found);
            depth += 1;
            rest = next_rest;
            match next_node {
                Some(next) => node = next,
                None => return (at, depth, rest.is_empty()),
            }
        }
        (at, depth, rest.is_empty())
    }

    /// One item step in a sequence: `[n]`, or `[Type]` for the item whose `type` is `Type`
    /// (`status.conditions[Approved]`).
    fn seq_step(self, items: Vec<(usize, Node)>, rest: &str) -> Option<(usize, Option<Node>, &str)> {
        if let Some((i, next)) = index(rest) {
            let &(at, node) = items.get(i)?;
            return Some((at, Some(node), next));
        }
        let inner = rest.strip_prefix('[')?;
        let close = inner.find(']')?;
        let wanted = inner.get(..close)?;
        let next = inner.get(close + 1..)?;
        let &(at, node) = items.iter().find(|(_, node)| {
            self.entries(*node).iter().any(|e| {
                e.key == "type"
                    && self.value_of(*node, e).and_then(|v| self.leaf_text(v, matches!(node, Node::FlowMap(_))))
                        == Some(Cow::Borrowed(wanted))
            })
        })?;
        Some((at, Some(node), next.strip_prefix('.').unwrap_or(next)))
    }

    /// One key step in a mapping whose entries are `entries`: `[key]`, or the longest key that
    /// `rest` starts with (keys may hold dots: `data.ca.crt`).
    fn map_step<'r>(self, map: Node, rest: &'r str, entries: &[Entry<'_>]) -> Option<(usize, Option<Node>, &'r str)> {
        let (entry, next) = if let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            let key = inner.get(..close)?;
            let entry = entries.iter().find(|e| e.key == key)?;
            (entry, inner.get(close + 1..)?)
        } else {
            let entry = entries
                .iter()
                .filter(|e| {
                    !e.key.is_empty()
                        && rest.strip_prefix(e.key.as_ref()).is_some_and(|r| r.is_empty() || r.starts_with(['.', '[']))
                })
                .max_by_key(|e| e.key.len())?;
            (entry, rest.get(entry.key.len()..)?)
        };
        let next = next.strip_prefix('.').unwrap_or(next);
        Some((entry.at, self.value_of(map, entry), next))
    }

    /// Where a node ends (the offset of its last byte's line, for excerpts).
    fn end_of(self, node: Node) -> usize {
        match node {
            Node::BlockMap { first, indent } | Node::BlockSeq { first, indent } => {
                // The last line with content before the collection ends.
                let mut last = first;
                let mut from = self.next_line(first);
                while let Some(line) = from {
                    let Some((start, at)) = self.content_line(line) else { break };
                    let column = at - start;
                    if column < indent || (column <= indent && self.is_doc_marker(at)) {
                        break;
                    }
                    last = at;
                    from = self.next_line(start);
                }
                last
            }
            Node::FlowMap(open) | Node::FlowSeq(open) => self.skip_flow_value(open).saturating_sub(1).max(open),
            Node::BlockScalar { at, .. } | Node::Leaf(at) => at,
        }
    }
}

/// A `[n]` step: the index and the rest of the path.
fn index(rest: &str) -> Option<(usize, &str)> {
    let inner = rest.strip_prefix('[')?;
    let close = inner.find(']')?;
    let i = inner.get(..close)?.parse().ok()?;
    let next = inner.get(close + 1..)?;
    Some((i, next.strip_prefix('.').unwrap_or(next)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    fn obj(kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
        ObjectRef {
            api_version: String::new(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// The next number of a deterministic xorshift stream (noise the tests can replay).
    fn noise(seed: &mut u32) -> usize {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 17;
        *seed ^= *seed << 5;
        *seed as usize
    }

    /// `(line, column, complete)` of `path` in `object` starting at `line`.
    fn at(text: &str, line: u32, object: &ObjectRef, path: &str) -> Option<(u32, u32, bool)> {
        let mut l = Locator::new(text);
        let f = l.field(line, object, path)?;
        let p = l.position(f.offset);
        Some((p.line, p.column, f.complete))
    }

    const POD: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: before}
---
apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver-cp1
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=10.0.0.1
    - --token-auth-file=/etc/kubernetes/tokens.csv
    image: registry.k8s.io/kube-apiserver:v1.30.0
    name: kube-apiserver
";

    #[test]
    fn a_yaml_document_s_flag_line() {
        let pod = obj("Pod", Some("kube-system"), "kube-apiserver-cp1");
        assert_eq!(at(POD, 5, &pod, "spec.containers[0].command[2]"), Some((15, 7, true)));
        assert_eq!(at(POD, 5, &pod, "spec.containers[0].image"), Some((16, 5, true)));
        assert_eq!(at(POD, 5, &pod, "metadata.namespace"), Some((9, 3, true)));
        // Partly found: the deepest step that is there.
        assert_eq!(at(POD, 5, &pod, "spec.containers[0].command[9]"), Some((12, 5, false)));
        assert_eq!(at(POD, 5, &pod, "spec.volumes"), Some((10, 1, false)));
        // The one object that starts on a line is the loader's: taken without reading its name.
        assert_eq!(at(POD, 5, &obj("Pod", None, "other"), "spec"), Some((10, 1, true)));
        // A line where no object starts: nothing.
        assert_eq!(at(POD, 4, &pod, "spec"), None);
        assert_eq!(at(POD, 1, &obj("ConfigMap", None, "before"), "metadata.name"), Some((3, 12, true)));
    }

    #[test]
    fn list_items_in_yaml_block_and_flow_style() {
        let list = "\
apiVersion: v1
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: a
  data:
    token: c2VjcmV0
    ca.crt: Y2E=
- {apiVersion: v1, kind: Secret, metadata: {name: b}, data: {token: eHl6, 'ca.crt': Y2E=}}
kind: List
";
        let a = obj("Secret", None, "a");
        assert_eq!(at(list, 3, &a, "data.token"), Some((8, 5, true)));
        assert_eq!(at(list, 3, &a, "data.ca.crt"), Some((9, 5, true)));
        let b = obj("Secret", None, "b");
        assert_eq!(at(list, 10, &b, "data.token"), Some((10, 62, true)));
        assert_eq!(at(list, 10, &b, "data.ca.crt"), Some((10, 75, true)));
    }

    #[test]
    fn one_locator_asked_about_objects_in_turn_answers_as_fresh_ones() {
        // The mappings an object's walk read are kept for its next path and dropped for another
        // object, also when both start on one line.
        let minified = r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"},"spec":{"x":1,"y":{"z":2}}},{"kind":"Pod","metadata":{"name":"b"},"spec":{"x":3,"y":{"z":4}}}]}"#;
        let (a, b) = (obj("Pod", None, "a"), obj("Pod", None, "b"));
        let asks = [(&a, "spec.x"), (&a, "spec.y.z"), (&b, "spec.y.z"), (&a, "spec.y"), (&b, "spec.x"), (&b, "nope")];
        let mut shared = Locator::new(minified);
        for (object, path) in asks {
            let found = shared.field(1, object, path).map(|f| shared.position(f.offset));
            let fresh = at(minified, 1, object, path).map(|(line, column, _)| Position { line, column });
            assert_eq!(found, fresh, "{} {path}", object.name);
        }
        assert!(at(minified, 1, &b, "spec.y.z") > at(minified, 1, &a, "spec.y.z"), "each its own");
    }

    #[test]
    fn json_pretty_and_minified() {
        let pretty = "\
{
    \"apiVersion\": \"v1\",
    \"items\": [
        {
            \"kind\": \"Pod\",
            \"metadata\": {\"name\": \"p\"},
            \"spec\": {
                \"containers\": [
                    {
                        \"command\": [
                            \"kube-apiserver\",
                            \"--token-auth-file=/t.csv\"
                        ]
                    }
                ]
            }
        }
    ],
    \"kind\": \"List\"
}
";
        let p = obj("Pod", None, "p");
        assert_eq!(at(pretty, 4, &p, "spec.containers[0].command[1]"), Some((12, 29, true)));
        let minified = r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"},"spec":{"x":1}},{"kind":"Pod","metadata":{"name":"b","namespace":"n"},"spec":{"containers":[{"command":["k","--token-auth-file=/t"]}]}}]}"#;
        let b = obj("Pod", Some("n"), "b");
        let column = u32::try_from(minified.find("\"--token").unwrap()).unwrap() + 1;
        assert_eq!(at(minified, 1, &b, "spec.containers[0].command[1]"), Some((1, column, true)));
        let a = obj("Pod", None, "a");
        let column = u32::try_from(minified.find("\"x\"").unwrap()).unwrap() + 1;
        assert_eq!(at(minified, 1, &a, "spec.x"), Some((1, column, true)));
        // A JSON array of objects, one per line, and an item that opens on the line where the
        // previous one closes.
        let array = "[\n{\"kind\": \"Secret\", \"metadata\": {\"name\": \"a\"}, \"data\": {\"token\": \"x\"}\n}, {\"kind\": \"Secret\",\n \"metadata\": {\"name\": \"b\"},\n \"data\": {\"token\": \"y\"}}]\n";
        assert_eq!(at(array, 3, &obj("Secret", None, "b"), "data.token"), Some((5, 11, true)));
    }

    #[test]
    fn kubeconfig_kubeadm_config_and_embedded_manifests() {
        let kubeconfig = "\
apiVersion: v1
clusters:
- cluster:
    server: https://cp:6443
  name: c
users:
- name: admin
  user:
    token: abcdef
";
        assert_eq!(at(kubeconfig, 1, &obj("Config", None, ""), "users[0].user.token"), Some((9, 5, true)));
        // A kubeconfig is named by its current context, not by `metadata.name`.
        let named = format!("kind: Config\n{kubeconfig}current-context: ci@c\n");
        assert_eq!(at(&named, 1, &obj("Config", None, "ci@c"), "users[0].user.token"), Some((10, 5, true)));
        let minified = r#"[{"kind":"ClusterRoleBinding","metadata":{"name":"b"},"roleRef":{"kind":"ClusterRole","name":"r"}},{"kind":"ClusterRole","metadata":{"name":"r"},"rules":[]}]"#;
        let column = u32::try_from(minified.find("\"rules\"").unwrap()).unwrap() + 1;
        assert_eq!(at(minified, 1, &obj("ClusterRole", None, "r"), "rules"), Some((1, column, true)));
        let kubeadm = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: kubeadm-config
  namespace: kube-system
data:
  ClusterConfiguration: |
    apiServer:
      extraArgs:
        authorization-mode: Node,RBAC
        token-auth-file: /etc/kubernetes/tokens.csv
    kind: ClusterConfiguration
  ClusterStatus: |
    x: 1
";
        let cm = obj("ConfigMap", Some("kube-system"), "kubeadm-config");
        let path = "data.ClusterConfiguration.apiServer.extraArgs.token-auth-file";
        assert_eq!(at(kubeadm, 1, &cm, path), Some((11, 9, true)));
        assert_eq!(at(kubeadm, 1, &cm, "data.ClusterConfiguration.kind"), Some((12, 5, true)));
        let held = "kind: ConfigMap\nmetadata: {name: k}\ndata:\n  config: |\n    users:\n    - name: u\n      user: {token: x}\n";
        let k = obj("ConfigMap", None, "k");
        assert_eq!(at(held, 1, &k, "data.config → users[0].user.token"), Some((7, 14, true)));
        let csr = "kind: CertificateSigningRequest\nmetadata: {name: c}\nstatus:\n  conditions:\n  - type: Denied\n    reason: x\n  - reason: AutoApproved\n    type: Approved\n";
        let c = obj("CertificateSigningRequest", None, "c");
        assert_eq!(at(csr, 1, &c, "status.conditions[Approved].reason"), Some((7, 5, true)));
        let kops = "\
contents: |
  apiVersion: v1
  kind: Pod
  metadata:
    name: kube-apiserver
  spec:
    containers:
    - command:
      - /usr/local/bin/kube-apiserver
      - --token-auth-file=/srv/kubernetes/known_tokens.csv
  ---
  apiVersion: v1
  kind: Pod
  metadata: {name: second}
path: /etc/kubernetes/manifests/kube-apiserver.manifest
";
        let pod = obj("Pod", None, "kube-apiserver");
        assert_eq!(at(kops, 2, &pod, "spec.containers[0].command[1]"), Some((10, 9, true)));
        // The document stops at its `---`: nothing of the next one is this Pod's.
        assert_eq!(at(kops, 2, &pod, "metadata.name"), Some((5, 5, true)));
        assert_eq!(Locator::new(kops).object_lines(2), Some((2, 10)));
    }

    #[test]
    fn quoted_keys_block_scalars_comments_and_anchors() {
        let text = "\
\"apiVersion\": v1
'kind': Secret
metadata: &m
  # the name
  \"name\": s
description: >
  token: not-a-key
  data: neither
data:
  token: |
    c2Vj
  \"ca.crt\": x  # trailing
";
        let s = obj("Secret", None, "s");
        assert_eq!(at(text, 1, &s, "data.token"), Some((10, 3, true)));
        assert_eq!(at(text, 1, &s, "data.ca.crt"), Some((12, 3, true)));
        assert_eq!(at(text, 1, &s, "metadata.name"), Some((5, 3, true)));
    }

    #[test]
    fn object_lines_stay_inside_the_object() {
        let list =
            "items:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Pod\nkind: List\n";
        let mut l = Locator::new(list);
        assert_eq!(l.object_lines(2), Some((2, 4)));
        assert_eq!(l.object_lines(5), Some((5, 6)));
        let json = "[\n  {\n    \"kind\": \"Pod\"\n  },\n  {\"kind\": \"Pod\"}\n]\n";
        assert_eq!(Locator::new(json).object_lines(2), Some((2, 4)));
        assert_eq!(Locator::new(json).object_lines(9), None);
    }

    #[test]
    fn an_object_after_many_blocks_of_lines_is_found_on_its_line() {
        // 500 short lines (a few blocks of them counted at once), then the object.
        let text = format!(
            "{}{{\"kind\": \"Pod\", \"metadata\": {{\"name\": \"p\"}},\n \"spec\": {{\"x\": 1}}}}\n",
            "# pad\n".repeat(500)
        );
        let p = obj("Pod", None, "p");
        let mut l = Locator::new(&text);
        assert_eq!(l.field(3, &p, "spec.x"), None, "a comment line holds no object");
        let found = l.field(501, &p, "spec.x").map(|f| l.position(f.offset));
        assert_eq!(found, Some(Position { line: 502, column: 11 }));
        assert_eq!(l.field(503, &p, "spec.x"), None, "the last line is empty");
        assert_eq!(l.field(504, &p, "spec.x"), None, "past the end");
    }

    /// [`Locator::expect`] only saves walks: told the paths first or not, every answer is the same,
    /// in plain JSON and in what only looks like it (YAML flow style, comments, odd brackets).
    #[test]
    fn expected_paths_give_the_answers_of_a_locator_told_nothing() {
        let texts = [
            "{\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\", \"managedFields\": [{\"f:spec\": {}}]},\n  \"spec\": {\n    \"containers\": [\n      {\"name\": \"a\", \"args\": [\"--x\", \"--token=t\"], \"ok\": true\n      },\n      {\"env\": [{\"name\": \"K\", \"value\": -1.5e3}]}\n    ],\n    \"volumes\": [{\"secret\": {\"secretName\": \"s\"}}]\n  }\n}\n",
            r#"{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"args":["a","b"]}]}},{"kind":"Pod","metadata":{"name":"q"},"spec":{"containers":[{"args":["c"]}]}}]}"#,
            "{kind: Pod, metadata: {name: p}, spec: {containers: [{args: [a{b, c]}], x: ]}, volumes: [{secret: {n: 1}}]}}\n",
            "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, # a comment }\n \"spec\": {\"containers\": [{\"args\": [\"a\", 'b]']}, {\"args\": x}] # [\n}, \"volumes\": [{\"secret\": {}}]}\n",
            "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": [{\"args\": [\"a\"}], \"volumes\": [1]}}\n",
        ];
        let paths = [
            "spec.containers[0].args[1]",
            "spec.containers[1].env[0].value",
            "spec.containers[1].args",
            "spec.volumes[0].secret.secretName",
            "spec.volumes[0].secret.n",
            "metadata.managedFields[0]",
            "spec.nope",
        ];
        let (p, q) = (obj("Pod", None, "p"), obj("Pod", None, "q"));
        for text in texts {
            for line in 1..4 {
                for object in [&p, &q] {
                    let mut told = Locator::new(text);
                    told.expect(paths);
                    for path in paths {
                        let fresh = at(text, line, object, path);
                        let found = told.field(line, object, path).map(|f| {
                            let at = told.position(f.offset);
                            (at.line, at.column, f.complete)
                        });
                        assert_eq!(found, fresh, "{text:?} line {line} {} {path}", object.name);
                    }
                }
            }
        }
        // The first text's walk kept what the paths step through, and not what they do not.
        let mut told = Locator::new(texts[0]);
        told.expect(paths);
        assert!(told.field(1, &p, "spec.nope").is_some());
        assert!(told.seqs.len() >= 5, "containers, the args, env and volumes: {:?}", told.seqs);
        let managed = texts[0].find("[{\"f:spec").unwrap();
        assert!(told.seqs.contains_key(&managed), "managedFields is named by a path");
        let mut told = Locator::new(texts[0]);
        told.expect(["spec.volumes[0]"]);
        assert!(told.field(1, &p, "spec.volumes[0]").is_some());
        assert!(!told.seqs.contains_key(&managed), "nor walked when no path names it");
        // And on noise made of JSON and YAML tokens.
        let tokens =
            ["{", "}", "[", "]", "{\"a\": ", "\"b\": ", "a: ", ", ", "1", "\"x\"", " # ", "\n", "'", "x{", "\\"];
        let any = obj("Pod", None, "");
        let short = ["a", "a.b", "a[0]", "[0].a", "b[1].a"];
        let mut seed = 0x9e37_79b9_u32;
        let mut answered = 0;
        for _ in 0..2000 {
            let text: String = (0..30).map(|_| tokens[noise(&mut seed) % tokens.len()]).collect();
            let text = format!("{{{text}");
            let mut told = Locator::new(&text);
            told.expect(short);
            for path in short {
                let fresh = at(&text, 1, &any, path);
                let found = told.field(1, &any, path).map(|f| {
                    let at = told.position(f.offset);
                    (at.line, at.column, f.complete)
                });
                assert_eq!(found, fresh, "{text:?} {path}");
                answered += usize::from(found.is_some_and(|(_, _, complete)| complete));
            }
        }
        assert!(answered > 100, "the noise holds paths to find ({answered})");
    }

    #[test]
    fn decoding_numbers_lines_as_the_loader_does() {
        assert_eq!(text_of(b"\xEF\xBB\xBFa: 1\rb: 2\r\n"), "a: 1\nb: 2\r\n");
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("k: v".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(text_of(&utf16), "k: v");
    }

    /// Arbitrary bytes never make it panic or loop: every prefix of real documents, and a
    /// deterministic stream of noise made of YAML and JSON punctuation.
    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let any = obj("Pod", None, "");
        let paths = ["spec.containers[0].command[2]", "data.token", "[x]", "a[", "", "metadata.name"];
        for sample in [POD, "[{\"a\": [1, {\"b\": \"\\\"\"}]}]", "- - - {a: [b, {c: 'd''e'}]}\n  x: |\n   y"] {
            for cut in 0..=sample.len() {
                let Some(text) = sample.get(..cut) else { continue };
                for line in 0..6 {
                    let mut l = Locator::new(text);
                    for path in paths {
                        let _ = l.field(line, &any, path);
                    }
                    let _ = l.object_lines(line);
                }
            }
        }
        let alphabet = b"{}[]:,-'\"#|>&!*?. \n\tab0\\";
        let mut seed = 0x2545_f491_u32;
        for _ in 0..400 {
            let bytes: Vec<u8> = (0..120).map(|_| alphabet[noise(&mut seed) % alphabet.len()]).collect();
            let text = text_of(&bytes);
            let mut l = Locator::new(&text);
            for line in 1..4 {
                for path in paths {
                    if let Some(f) = l.field(line, &any, path) {
                        let p = l.position(f.offset);
                        assert!(p.line >= line && p.column >= 1);
                    }
                }
                let _ = l.object_lines(line);
            }
        }
    }
}
