//! serde_json's pretty printing (two spaces an indent level), with each line break and its indent
//! written in one piece: `PrettyFormatter` writes the indent two bytes per level, and a 100k-object
//! report is ~6 M lines six to ten levels deep. The bytes are the same (the render goldens and
//! the 100k reports compared with `cmp`).

use serde_json::ser::Formatter;
use std::io::{self, Write};

/// Levels of indent written in one piece; deeper ones (no report has them) two bytes a level.
const DEEPEST: usize = 64;

/// A comma, a line break and the deepest indent: each break is a slice of it.
static BREAK: [u8; 2 + 2 * DEEPEST] = {
    let mut piece = [b' '; 2 + 2 * DEEPEST];
    piece[0] = b',';
    piece[1] = b'\n';
    piece
};

/// `PrettyFormatter::new()`'s output, its state kept the same way.
#[derive(Debug, Default)]
pub(crate) struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break (after a comma when `comma`), then the indent of the current depth.
    fn line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        let from = usize::from(!comma);
        if let Some(piece) = BREAK.get(from..2 + 2 * self.depth) {
            return w.write_all(piece);
        }
        w.write_all(BREAK.get(from..2).unwrap_or_default())?;
        (0..self.depth).try_for_each(|_| w.write_all(b"  "))
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use serde::Serialize;

    fn pretty(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut out, Pretty::default())).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_what_serde_json_s_pretty_printer_writes() {
        // Empty and nested collections, and nesting deeper than the indents written in one piece.
        let mut deep = serde_json::json!({"leaf": [1, {}], "none": []});
        for i in 0..DEEPEST + 5 {
            deep = serde_json::json!({ "k": deep, "i": i, "list": [[], [i], {"a": null}] });
        }
        for value in [serde_json::json!({}), serde_json::json!([]), serde_json::json!("s"), deep] {
            assert_eq!(pretty(&value), serde_json::to_string_pretty(&value).unwrap());
        }
    }
}
