//! The viewer: drop a dump, get the report. Offline, in the browser, over policy-core.
pub fn run() {}
