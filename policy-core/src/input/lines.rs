//! Where things are: the lines kept per document, paths into a document, and how lines of a
//! parsed text map back to lines of the input file.

/// The line breaks in `bytes` (memchr's vector count: the loader counts them over every byte of
/// a dump).
pub(super) fn newlines(bytes: &[u8]) -> u32 {
    u32::try_from(memchr::memchr_iter(b'\n', bytes).count()).unwrap_or(u32::MAX)
}

/// Lines recorded while a document is converted (inside the parsed text, 1-based).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct DocLines {
    /// The root node.
    pub root: u32,
    /// Items of a root sequence, or of the root mapping's `items` sequence.
    pub items: Vec<u32>,
    /// The text of the root mapping's `contents` value (kops task streams).
    pub contents: Option<u32>,
    /// Whether `contents` is a literal block (`|`), whose lines map one to one to the file.
    pub contents_literal: bool,
}

/// One step of a path into a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Seg<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A sequence index.
    Index(usize),
}

/// How a line of a parsed text maps to a line of the input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineMap {
    /// The text starts at this line of the file (a document chunk, a literal block scalar).
    Offset(u32),
    /// Every line is this one (text decoded from base64 or an escaped string).
    Fixed(u32),
}

impl LineMap {
    /// The file line of `line` (1-based) of the parsed text.
    pub(super) fn apply(self, line: u32) -> u32 {
        match self {
            Self::Offset(first) => first.saturating_add(line.max(1) - 1),
            Self::Fixed(fixed) => fixed,
        }
    }

    /// The map of a text embedded at `line` of this text.
    pub(super) fn nest(self, line: u32, literal: bool) -> Self {
        match self {
            Self::Offset(_) if literal => Self::Offset(self.apply(line)),
            Self::Offset(_) | Self::Fixed(_) => Self::Fixed(self.apply(line)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_nesting() {
        let chunk = LineMap::Offset(10);
        assert_eq!(chunk.apply(1), 10);
        assert_eq!(chunk.apply(3), 12);
        assert_eq!(chunk.nest(3, true).apply(2), 13);
        assert_eq!(chunk.nest(3, false).apply(7), 12);
        assert_eq!(LineMap::Fixed(4).nest(9, true).apply(100), 4);
    }
}
