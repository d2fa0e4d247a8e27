//! npm package (in progress).
