//! A reader for the block YAML that `kubectl get -o yaml` and the API server write, straight
//! from the bytes into the same [`Builder`] the event path feeds, without saphyr's scanner.
//!
//! It knows a strict subset: block mappings and sequences (`- ` items, indentless ones under a
//! key), plain scalars on one line, single- and double-quoted scalars on one line, `|`/`>` block
//! scalars, empty `{}` and `[]`, comments, one `---` document. Anything else (anchors, aliases,
//! tags, merge keys, flow collections with content, multi-line plain or quoted scalars, tabs,
//! `\r`, odd indentation, directives, any error the builder raises) makes [`read`] answer `None`,
//! and the whole document goes through saphyr instead: correctness never depends on the subset,
//! and every diagnostic comes from the one path that knows YAML fully. The values, lines and
//! warnings are the builder's, so they are the event path's by construction.

use super::{Builder, Caps, Parsed};
use crate::input::progress::Tick;
use crate::input::yaml::Budget;
use saphyr_parser::{Event, ScalarStyle};
use std::borrow::Cow;

/// Longest key read here: saphyr refuses implicit keys of more than 1024 characters.
const MAX_KEY: usize = 1000;

/// An open block container and the column its keys or `-` stand at.
#[derive(Clone, Copy)]
enum Open {
    Map(usize),
    /// A sequence; `true` when it stands at its parent key's column (kubectl's style).
    Seq(usize, bool),
}

impl Open {
    fn indent(self) -> usize {
        match self {
            Self::Map(i) | Self::Seq(i, _) => i,
        }
    }
}

/// What gave up: the document goes through saphyr.
struct Unusual;

type Step<T = ()> = Result<T, Unusual>;

/// Read one document chunk, or `None` when anything in it is outside the subset (then nothing
/// was changed: `budget` is only written on success).
pub(super) fn read(text: &str, caps: Caps, budget: &mut Budget, tick: &mut Tick<'_>) -> Option<Parsed> {
    if !plain_text(text) {
        return None;
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        end: 0,
        line: 1,
        builder: Builder::new(caps, *budget),
        open: Vec::new(),
    };
    reader.goto(0);
    reader.document(tick).ok()?;
    let mut b = reader.builder;
    let root = b.root.take()?;
    b.release_scratch();
    budget.left = b.budget.left;
    Some(Parsed { docs: vec![(root, b.lines)], warnings: b.warnings, ..Parsed::default() })
}

/// No byte that saphyr reads differently from us or refuses: tabs and `\r` (indentation and
/// line-break rules), other control characters, and the non-ASCII breaks, BOMs and
/// non-characters YAML treats specially.
fn plain_text(text: &str) -> bool {
    // Blocks without an early exit inside, so that the test runs on whole vectors.
    let odd = |block: &[u8]| block.iter().fold(false, |odd, &b| odd | ((b < 0x20) & (b != b'\n')) | (b == 0x7f));
    if text.as_bytes().chunks(256).any(odd) {
        return false;
    }
    text.is_ascii()
        || !text
            .chars()
            .any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'))
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// Start of the current line.
    pos: usize,
    /// End of the current line (the offset of its `\n`, or of the text's end), found once per
    /// line: every look at the line starts from it.
    end: usize,
    /// The current line (1-based, inside the chunk).
    line: u32,
    builder: Builder,
    open: Vec<Open>,
}

fn fail<T>() -> Step<T> {
    Err(Unusual)
}

fn check(ok: bool) -> Step {
    if ok { Ok(()) } else { Err(Unusual) }
}

impl<'t> Reader<'t> {
    /// Move to the line starting at `pos`.
    fn goto(&mut self, pos: usize) {
        self.pos = pos;
        self.end =
            memchr::memchr(b'\n', self.bytes.get(pos..).unwrap_or_default()).map_or(self.bytes.len(), |i| pos + i);
    }

    fn line_end(&self) -> usize {
        self.end
    }

    fn next_line(&mut self) {
        self.goto((self.end + 1).min(self.bytes.len()));
        self.line = self.line.saturating_add(1);
    }

    fn eof(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn current(&self) -> &'t [u8] {
        self.bytes.get(self.pos..self.line_end()).unwrap_or_default()
    }

    fn indent(&self) -> usize {
        self.current().iter().take_while(|&&b| b == b' ').count()
    }

    /// A line holding nothing but spaces, or a comment.
    fn is_blank(line: &[u8]) -> bool {
        matches!(line.iter().find(|&&b| b != b' '), None | Some(b'#'))
    }

    fn skip_blank(&mut self) {
        while !self.eof() && Self::is_blank(self.current()) {
            self.next_line();
        }
    }

    /// Whether the current line is the document marker `m` (`---` or `...`).
    fn at_marker(&self, m: &[u8]) -> bool {
        let line = self.current();
        line.starts_with(m) && matches!(line.get(3), None | Some(b' '))
    }

    fn event(&mut self, event: Event<'t>, line: u32) -> Step {
        self.builder.event(event, line).map_err(|_| Unusual)
    }

    fn scalar(&mut self, text: Cow<'t, str>, style: ScalarStyle, line: u32) -> Step {
        self.event(Event::Scalar(text, style, 0, None), line)
    }

    fn start(&mut self, open: Open) -> Step {
        let line = self.line;
        match open {
            Open::Map(_) => self.event(Event::MappingStart(0, None), line)?,
            Open::Seq(..) => self.event(Event::SequenceStart(0, None), line)?,
        }
        self.open.push(open);
        Ok(())
    }

    fn close(&mut self) -> Step {
        let line = self.line;
        match self.open.pop() {
            Some(Open::Map(_)) => self.event(Event::MappingEnd, line),
            Some(Open::Seq(..)) => self.event(Event::SequenceEnd, line),
            None => fail(),
        }
    }

    fn document(&mut self, tick: &mut Tick<'_>) -> Step {
        self.skip_blank();
        if self.at_marker(b"---") {
            check(Self::is_blank(self.current().get(3..).unwrap_or_default()))?;
            self.next_line();
            self.skip_blank();
        }
        check(!self.eof() && !self.at_marker(b"..."))?;
        // The root: a block mapping or sequence, at any column.
        let indent = self.indent();
        let root = if self.item_at(indent) { Open::Seq(indent, false) } else { Open::Map(indent) };
        self.start(root)?;
        loop {
            self.skip_blank();
            if self.eof() {
                break;
            }
            if self.at_marker(b"...") {
                // Content after the marker on its line: saphyr's business (an error there).
                check(Self::is_blank(self.current().get(3..).unwrap_or_default()))?;
                self.next_line();
                self.skip_blank();
                check(self.eof())?;
                break;
            }
            check(!self.at_marker(b"---"))?;
            tick.at(self.pos, || self.builder.lines.items.len());
            let indent = self.indent();
            loop {
                match self.open.last().copied() {
                    Some(open) if open.indent() > indent => self.close()?,
                    Some(Open::Seq(i, indentless)) if i == indent => {
                        if self.item_at(indent) {
                            self.item(indent)?;
                            break;
                        }
                        check(indentless)?;
                        self.close()?;
                    }
                    Some(Open::Map(i)) if i == indent => {
                        check(!self.item_at(indent))?;
                        self.entry(indent, indent)?;
                        break;
                    }
                    // Deeper than every open container (a continued scalar, an error), or after the root.
                    _ => return fail(),
                }
            }
        }
        while !self.open.is_empty() {
            self.close()?;
        }
        Ok(())
    }

    /// Whether the current line holds a `- ` item at `indent`.
    fn item_at(&self, indent: usize) -> bool {
        let line = self.current();
        line.get(indent) == Some(&b'-') && matches!(line.get(indent + 1), None | Some(b' '))
    }

    /// A `- ` item of the sequence at `indent`: a scalar, or a mapping whose first key is on
    /// this line.
    fn item(&mut self, indent: usize) -> Step {
        let line = self.current();
        let at = indent + 1 + line.get(indent + 1..).unwrap_or_default().iter().take_while(|&&b| b == b' ').count();
        check(at > indent + 1 && at < line.len() && !line.get(at..).is_some_and(|rest| rest.starts_with(b"#")))?;
        check(!matches!((line.get(at), line.get(at + 1)), (Some(b'-'), None | Some(b' '))))?;
        if key_end(line, at).is_some() {
            self.start(Open::Map(at))?;
            return self.entry(at, at);
        }
        let end = self.value(at, indent)?;
        self.after_value(end)
    }

    /// The entry whose key starts at column `at` of the current line, of the mapping at `indent`.
    fn entry(&mut self, at: usize, indent: usize) -> Step {
        let line = self.current();
        let Some((key_start, key_stop, colon, style)) = key_end(line, at) else { return fail() };
        let raw = self.text.get(self.pos + key_start..self.pos + key_stop).unwrap_or_default();
        let key = match style {
            ScalarStyle::Plain => {
                check(raw != "<<")?;
                Cow::Borrowed(raw)
            }
            ScalarStyle::SingleQuoted => single(raw),
            _ => double(raw).ok_or(Unusual)?,
        };
        let key_line = self.line;
        let root_contents = self.open.len() == 1 && key == "contents";
        self.scalar(key, style, key_line)?;
        let rest = colon + 1 + line.get(colon + 1..).unwrap_or_default().iter().take_while(|&&b| b == b' ').count();
        check(rest == line.len() || rest > colon + 1)?;
        if Self::is_blank(line.get(rest..).unwrap_or_default()) {
            return self.pending(indent, root_contents, key_line);
        }
        let end = self.value(rest, indent)?;
        self.after_value(end)
    }

    /// After a scalar ending at column `end`: only spaces and a comment may follow.
    fn after_value(&mut self, end: usize) -> Step {
        let rest = self.current().get(end..).unwrap_or_default();
        let spaces = rest.iter().take_while(|&&b| b == b' ').count();
        check(spaces == rest.len() || (spaces > 0 && rest.get(spaces) == Some(&b'#')))?;
        self.next_line();
        Ok(())
    }

    /// A key with nothing after it on its line: a block node on the next lines, or empty.
    fn pending(&mut self, indent: usize, root_contents: bool, key_line: u32) -> Step {
        self.next_line();
        self.skip_blank();
        if !self.eof() && !self.at_marker(b"...") && !self.at_marker(b"---") {
            let deeper = self.indent();
            if deeper > indent {
                let open = if self.item_at(deeper) { Open::Seq(deeper, false) } else { Open::Map(deeper) };
                return self.start(open);
            }
            if deeper == indent && self.item_at(deeper) {
                return self.start(Open::Seq(deeper, true));
            }
        }
        // An empty value: its line would be the root's `contents` line, which saphyr places.
        check(!root_contents)?;
        self.scalar(Cow::Borrowed(""), ScalarStyle::Plain, key_line)
    }

    /// A value starting at column `at` of the current line, in a container at `indent`;
    /// answers where it ends on the line (a block scalar moves to its last line first).
    fn value(&mut self, at: usize, indent: usize) -> Step<usize> {
        let line = self.current();
        let line_no = self.line;
        let rest = line.get(at..).unwrap_or_default();
        match rest.first().copied().unwrap_or(b' ') {
            q @ (b'\'' | b'"') => {
                let Some(len) = quoted_len(rest, q) else { return fail() };
                let raw = self.text.get(self.pos + at + 1..self.pos + at + len - 1).unwrap_or_default();
                let (text, style) = if q == b'\'' {
                    (single(raw), ScalarStyle::SingleQuoted)
                } else {
                    (double(raw).ok_or(Unusual)?, ScalarStyle::DoubleQuoted)
                };
                self.scalar(text, style, line_no)?;
                Ok(at + len)
            }
            b'{' | b'[' => {
                let (empty, start, end) = if rest.starts_with(b"{}") {
                    (true, Event::MappingStart(0, None), Event::MappingEnd)
                } else {
                    (rest.starts_with(b"[]"), Event::SequenceStart(0, None), Event::SequenceEnd)
                };
                check(empty)?;
                self.event(start, line_no)?;
                self.event(end, line_no)?;
                Ok(at + 2)
            }
            b'|' | b'>' => {
                self.block_scalar(at, indent)?;
                Ok(usize::MAX)
            }
            b'-' | b'?' | b':' if matches!(rest.get(1), None | Some(b' ')) => fail(),
            b',' | b'}' | b']' | b'#' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' => fail(),
            _ => {
                let end = plain_end(rest);
                let text = self.text.get(self.pos + at..self.pos + at + end).unwrap_or_default();
                // `: ` inside: a mapping where none may start.
                check(!text.ends_with(':') && !has_colon_space(text.as_bytes()))?;
                self.scalar(Cow::Borrowed(text), ScalarStyle::Plain, line_no)?;
                Ok(at + end)
            }
        }
    }

    /// `|` or `>` with an optional `-`/`+` at column `at`, its content on the lines below, more
    /// indented than `indent`. Leaves the reader on the block's last line, with `after_value`
    /// then seeing its end (nothing follows).
    fn block_scalar(&mut self, at: usize, indent: usize) -> Step {
        let header = self.current().get(at..).unwrap_or_default();
        let literal = header.first() == Some(&b'|');
        let chomp = header.get(1).copied().filter(|b| matches!(b, b'-' | b'+'));
        let after = 1 + usize::from(chomp.is_some());
        let tail = header.get(after..).unwrap_or_default();
        check(tail.is_empty() || (tail.first() == Some(&b' ') && Self::is_blank(tail)))?;
        self.next_line();
        // The first content line sets the indentation; no empty line may come before it.
        check(!self.eof())?;
        let first_line = self.line;
        let block = self.indent();
        check(block > indent && block < self.current().len())?;
        let mut out = String::new();
        let mut breaks = 0usize;
        let mut last_pos = self.pos;
        let mut last_line = self.line;
        let mut content = false;
        while !self.eof() {
            let line = self.current();
            let spaces = line.iter().take_while(|&&b| b == b' ').count();
            if spaces == line.len() {
                // An empty line, unless it has spaces beyond the block's (saphyr's business).
                check(spaces <= block)?;
                breaks += 1;
            } else if spaces < block {
                break;
            } else {
                // A document marker ends the block whatever its indentation; here the block is
                // indented, so the marker never sits inside it.
                let text = self.text.get(self.pos + block..self.line_end()).unwrap_or_default();
                if !literal {
                    // Folding of more-indented lines and trailing spaces: saphyr's business.
                    check(spaces == block && !text.ends_with(' '))?;
                }
                if content {
                    if literal || breaks > 0 {
                        out.extend(std::iter::repeat_n('\n', breaks + usize::from(literal)));
                    } else {
                        out.push(' ');
                    }
                }
                out.push_str(text);
                content = true;
                breaks = 0;
                last_pos = self.pos;
                last_line = self.line;
            }
            check(self.line_end() < self.bytes.len())?;
            self.next_line();
        }
        match chomp {
            Some(b'-') => {}
            Some(_) => out.extend(std::iter::repeat_n('\n', breaks + 1)),
            None => out.push('\n'),
        }
        let style = if literal { ScalarStyle::Literal } else { ScalarStyle::Folded };
        self.scalar(Cow::Owned(out), style, first_line)?;
        // Back to the block's last content line, so that the caller's step lands after it.
        // Lines of it are never read again: `after_value` sees its end.
        self.goto(last_pos);
        self.line = last_line;
        Ok(())
    }
}

/// Where a plain scalar starting at `rest[0]` ends on its line: before ` #` or the line's end,
/// without trailing spaces.
fn plain_end(rest: &[u8]) -> usize {
    let mut end = rest.len();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'#', rest.get(from..).unwrap_or_default()) {
        let at = from + i;
        if at > 0 && rest.get(at - 1) == Some(&b' ') {
            end = at;
            break;
        }
        from = at + 1;
    }
    while end > 0 && rest.get(end - 1) == Some(&b' ') {
        end -= 1;
    }
    end
}

/// Whether `: ` occurs in `text` (a mapping value indicator).
fn has_colon_space(text: &[u8]) -> bool {
    memchr::memchr_iter(b':', text).any(|i| text.get(i + 1) == Some(&b' '))
}

/// The length of a quoted scalar at `rest[0]` (quotes included) if it closes on this line.
fn quoted_len(rest: &[u8], quote: u8) -> Option<usize> {
    let mut i = 1;
    loop {
        match *rest.get(i)? {
            b'\'' if quote == b'\'' => {
                if rest.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                return Some(i + 1);
            }
            b'"' if quote == b'"' => return Some(i + 1),
            b'\\' if quote == b'"' => i += 2,
            _ => i += 1,
        }
    }
}

/// The key starting at column `at` of `line`, if the line holds `key:` there: its text's
/// columns (inside the quotes), the column of the `:` and its style.
fn key_end(line: &[u8], at: usize) -> Option<(usize, usize, usize, ScalarStyle)> {
    let rest = line.get(at..)?;
    let colon_ok = |c: usize| line.get(c) == Some(&b':') && matches!(line.get(c + 1), None | Some(b' '));
    let (start, stop, colon, style) = match *rest.first()? {
        q @ (b'\'' | b'"') => {
            let len = quoted_len(rest, q)?;
            let spaces = rest.get(len..)?.iter().take_while(|&&b| b == b' ').count();
            let style = if q == b'"' { ScalarStyle::DoubleQuoted } else { ScalarStyle::SingleQuoted };
            (at + 1, at + len - 1, at + len + spaces, style)
        }
        b'-' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
        | b'@' | b'`' => return None,
        _ => {
            let mut from = 0;
            let colon = loop {
                let i = from + memchr::memchr2(b':', b'#', rest.get(from..)?)?;
                match rest.get(i) {
                    Some(b'#') if rest.get(i.wrapping_sub(1)) == Some(&b' ') => return None,
                    Some(b':') if colon_ok(at + i) => break at + i,
                    _ => from = i + 1,
                }
            };
            let mut stop = colon;
            while stop > at && line.get(stop - 1) == Some(&b' ') {
                stop -= 1;
            }
            (at, stop, colon, ScalarStyle::Plain)
        }
    };
    (colon_ok(colon) && colon - at <= MAX_KEY).then_some((start, stop, colon, style))
}

/// The text of a single-quoted scalar (between its quotes): `''` is one quote.
fn single(raw: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\'', raw.as_bytes()).is_some() {
        Cow::Owned(raw.replace("''", "'"))
    } else {
        Cow::Borrowed(raw)
    }
}

/// The text of a double-quoted scalar (between its quotes) with its escapes decoded, or `None`
/// for an escape saphyr refuses (its error is then the one reported).
fn double(raw: &str) -> Option<Cow<'_, str>> {
    if memchr::memchr(b'\\', raw.as_bytes()).is_none() {
        return Some(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let code = |chars: &mut std::str::Chars<'_>, len: usize| {
            let hex = chars.as_str().get(..len)?;
            let value = u32::from_str_radix(hex, 16).ok().filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))?;
            chars.nth(len - 1);
            char::from_u32(value)
        };
        let decoded = match chars.next()? {
            '0' => '\0',
            'a' => '\x07',
            'b' => '\x08',
            't' => '\t',
            'n' => '\n',
            'v' => '\x0b',
            'f' => '\x0c',
            'r' => '\r',
            'e' => '\x1b',
            ' ' => ' ',
            '"' => '"',
            '/' => '/',
            '\\' => '\\',
            'N' => '\u{85}',
            '_' => '\u{a0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            'x' => code(&mut chars, 2)?,
            'u' => code(&mut chars, 4)?,
            'U' => code(&mut chars, 8)?,
            _ => return None,
        };
        out.push(decoded);
    }
    Some(Cow::Owned(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::super::{events_only, parse_chunk};
    use super::*;

    const CAPS: Caps = Caps { max_depth: 64, max_alias_nodes: 1000 };

    /// The fast reader takes `text` and gives exactly what saphyr's path gives, budget included.
    #[track_caller]
    fn same(text: &str) -> Parsed {
        let mut fast_budget = Budget::for_input(text.len(), 4);
        let fast = read(text, CAPS, &mut fast_budget, &mut Tick::silent()).expect("inside the subset");
        let mut event_budget = Budget::for_input(text.len(), 4);
        let events = events_only(|| parse_chunk(text, CAPS, &mut event_budget, &mut Tick::silent()));
        assert_eq!(format!("{fast:?}"), format!("{events:?}"), "{text}");
        assert_eq!(fast_budget.left, event_budget.left, "budget left after {text}");
        fast
    }

    /// The fast reader gives way on `text`, leaving the budget untouched.
    #[track_caller]
    fn gives_way(text: &str) {
        let mut budget = Budget::for_input(text.len(), 4);
        let before = budget.left;
        assert!(read(text, CAPS, &mut budget, &mut Tick::silent()).is_none(), "{text}");
        assert_eq!(budget.left, before);
    }

    #[test]
    fn kubectl_lists_with_items_and_lines() {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web\n    labels:\n      app: web\n  spec:\n    containers:\n    - name: c\n      args:\n      - --port=8080\n      ports:\n      - containerPort: 8080\n        protocol: TCP\n- kind: Secret\n  data: {}\n  list: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
        let p = same(text);
        assert_eq!(p.docs[0].1.items, [3, 17]);
        assert_eq!(p.docs[0].0["items"][0]["spec"]["containers"][0]["ports"][0]["containerPort"], 8080i64);
    }

    #[test]
    fn root_sequences_nested_mappings_and_indented_sequences() {
        let p = same("- a\n- b: 1\n  c:\n    - x\n    - y: 2\n      z: 3\n- 'q'\n");
        assert_eq!(p.docs[0].1.items, [1, 2, 7]);
        same("  a: 1\n  b:\n    c: 2\n");
    }

    #[test]
    fn plain_scalars_resolve_as_kubernetes_does() {
        same(
            "a: yes\nb: off\nc: 0755\nd: 0x1F\ne: 1_000\nf: 1.5\nh: ~\ni: .inf\nj: 1.30\nl: v1.2\nm: 2024-01-01\nn: -7\no: 99999999999999999999\np: null\nq: a#b\nr: x # c\ns: a,b[c]{d}\nt: a:b\nu: é ü 日本\n",
        );
    }

    #[test]
    fn quoted_scalars_and_their_escapes() {
        same(
            "a: 'it''s'\nb: \"x\\n\\t\\\"\\\\\\/y\"\nc: \"\\u00e9\\x41\\U0001F600\\0\\a\\b\\e\\f\\r\\v\\ \\N\\_\\L\\P\"\n\"k:{\\\"type\\\":\\\"Ready\\\"}\": {}\n'q k' : 1\nd: \"true\" # c\ne: ''\nf: \"\"\n",
        );
    }

    #[test]
    fn block_scalars_literal_folded_and_chomped() {
        same("a: |\n  x\n    y\n\n  z\nb: |-\n  x\nc: |+\n  x\n\nd: >\n  one\n  two\n\n  three\ne: >-\n  x\nf: end\n");
        let p = same("kind: T\ncontents: |\n  line1\n  line2\n");
        assert_eq!(p.docs[0].1.contents, Some(3));
        assert!(p.docs[0].1.contents_literal);
        let p = same("- |\n  text\n- >\n  folded\n");
        assert_eq!(p.docs[0].1.items, [2, 4]);
        same("a:\n- |\n  x\n  # not a comment\nb: 1\n");
    }

    #[test]
    fn comments_markers_and_empty_values() {
        same("# head\n---\n# c\na: 1 # c\n  # indented comment\n\nb:\n# c\n  c: 2\nd:\ne:\n...\n# tail\n");
        same("--- # c\na:\nitems:\nkind: List\n");
    }

    #[test]
    fn duplicate_keys_and_managed_fields_are_the_builders() {
        let p = same("a: 1\nb: 2\na: 3\n");
        assert_eq!(p.warnings.len(), 1);
        same(
            "metadata:\n  managedFields:\n  - manager: kubectl\n    fieldsV1:\n      f:status: {}\n  - manager: x\n    subresource: approval\n",
        );
    }

    #[test]
    fn gives_way_on_everything_outside_the_subset() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "<<: {a: 1}\n",
            "base: {a: 1}\n",
            "a: [1, 2]\n",
            "a: multi\n  line\n",
            "a: 'multi\n  line'\n",
            "a: \"multi\n  line\"\n",
            "a:\tb\n",
            "a: b\r\n",
            "%YAML 1.2\n---\na: 1\n",
            "? a\n: b\n",
            "- - a\n",
            "-\n  a: 1\n",
            "",
            "# only a comment\n",
            "---\n",
            "a: |2\n   x\n",
            "a: |\n\n  x\n",
            "a: |\n   \n  x\n",
            "a: >\n  x\n    y\n",
            "a: >\n  x \n  y\n",
            "a: |\n  x",
            "a: 1\n b: 2\n",
            "a:\n    b: 1\n  c: 2\n",
            "a: \"\\q\"\n",
            "a: \"\\ud800\"\n",
            "\u{feff}a: 1\n",
            "scalar\n",
            "a: b: c\n",
            "a: - b\n",
            "a: 1\n- b\n",
            "- a\nb: 1\n",
            "contents:\nkind: T\n",
            "a: \u{85}\n",
            "a: @x\n",
            "a: 'x' y\n",
            "a: |\n  x\n---\n",
            "a: 1\n... b: 2\n",
        ] {
            gives_way(text);
        }
        gives_way(&format!("{}: 1\n", "k".repeat(MAX_KEY + 1)));
    }

    #[test]
    fn builder_errors_give_way_so_saphyr_reports_them() {
        let deep: String =
            (0..100).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect::<String>() + &"  ".repeat(100) + "x: 1\n";
        gives_way(&deep);
        let big = format!("a: {}\n", "x".repeat(1000));
        let mut tight = Budget { left: 100, limit: 100, per_byte: 1 };
        assert!(read(&big, CAPS, &mut tight, &mut Tick::silent()).is_none());
        assert_eq!(tight.left, 100);
    }

    #[test]
    fn long_and_wide_inputs_stay_linear() {
        let wide: String = (0..20_000).map(|i| format!("- name: n{i}\n  v: \"{}\"\n", "y".repeat(i % 50))).collect();
        assert_eq!(same(&wide).docs[0].1.items.len(), 20_000);
        let huge = format!("a: {}\nb: |\n{}", "x".repeat(1 << 20), "  z\n".repeat(50_000));
        same(&huge);
    }
}
