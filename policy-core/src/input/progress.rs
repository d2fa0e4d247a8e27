//! How far a reader has got inside one input, for progress bars: the hook the loader hands
//! the JSON and YAML readers, so that a single big file does not stand still while it parses.

/// Text read between two reports. A 23.5 MB dump of 100k objects parses in 1–4 s in the
/// viewer's wasm: one report per MiB moves its figures every 50–170 ms.
pub(super) const STEP: usize = 1 << 20;

/// Reports `(offset reached in the input's text, objects read so far in the input)` once
/// every [`STEP`] of text; between reports a reader's call costs one comparison.
pub(super) struct Tick<'a> {
    /// Where the text being read starts in the input's text (a YAML document's offset).
    pub base: usize,
    /// Objects of the input read before the text being read.
    pub objects: usize,
    next: usize,
    report: Option<&'a mut dyn FnMut(usize, usize)>,
}

impl<'a> Tick<'a> {
    pub(super) fn new(report: &'a mut dyn FnMut(usize, usize)) -> Self {
        Self { base: 0, objects: 0, next: STEP, report: Some(report) }
    }

    /// A hook that never reports: for texts that are not the input's own (embedded manifests).
    pub(super) fn silent() -> Self {
        Self { base: 0, objects: 0, next: usize::MAX, report: None }
    }

    /// The reader is at `offset` of its text, `items` objects into it (asked only when due).
    #[inline]
    pub(super) fn at(&mut self, offset: usize, items: impl FnOnce() -> usize) {
        let at = self.base.saturating_add(offset);
        if at < self.next {
            return;
        }
        self.next = at.saturating_add(STEP);
        if let Some(report) = self.report.as_mut() {
            report(at, self.objects.saturating_add(items()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_once_per_step_with_the_base_added() {
        let mut seen = Vec::new();
        let mut record = |at, objects| seen.push((at, objects));
        let mut tick = Tick::new(&mut record);
        for offset in (0..3 * STEP).step_by(STEP / 4) {
            tick.at(offset, || offset / 100);
        }
        tick.base = 3 * STEP;
        tick.objects = 7;
        tick.at(STEP, || 1);
        assert_eq!(seen, [(STEP, STEP / 100), (2 * STEP, 2 * STEP / 100), (4 * STEP, 8)]);
        let mut asked = false;
        Tick::silent().at(usize::MAX, || {
            asked = true;
            0
        });
        assert!(!asked, "a silent hook never counts");
    }
}
