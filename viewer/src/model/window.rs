//! The virtual list's arithmetic: which lines to draw for a scroll offset.

/// The lines a virtual list draws, as a range `first..last` of `total` lines each `line_h`
/// pixels high, scrolled by `scroll_top` in a viewport `viewport_h` high: all of them up to
/// `draw_all_up_to` lines, else those in view plus `overscan` around them. The first line moves in
/// steps of `overscan`, so small scrolls keep the same range and need no redraw.
pub fn window(
    total: usize,
    scroll_top: f64,
    viewport_h: f64,
    line_h: f64,
    overscan: usize,
    draw_all_up_to: usize,
) -> (usize, usize) {
    if total <= draw_all_up_to || line_h <= 0.0 {
        return (0, total);
    }
    let step = overscan.max(1);
    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "non-negative pixel counts")]
    let (top_line, in_view) = ((scroll_top.max(0.0) / line_h) as usize, (viewport_h.max(0.0) / line_h).ceil() as usize);
    let first = (top_line / step * step).saturating_sub(overscan).min(total);
    (first, first.saturating_add(in_view).saturating_add(3 * overscan).min(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn virtual_window_covers_the_view_and_stays_bounded() {
        // Short lists are drawn whole.
        assert_eq!(window(120, 5_000.0, 600.0, 60.0, 10, 150), (0, 120));
        // At the top: the 10 lines in view plus overscan below.
        assert_eq!(window(40_000, 0.0, 600.0, 60.0, 10, 150), (0, 40));
        // Scrolled to line 1234: starts a step above the view and covers it.
        let (first, last) = window(40_000, 1234.0 * 60.0, 600.0, 60.0, 10, 150);
        assert_eq!((first, last), (1220, 1260));
        assert!(first <= 1234 && last >= 1234 + 10);
        // A few pixels further the range is unchanged (no redraw).
        assert_eq!(window(40_000, 1239.0 * 60.0, 600.0, 60.0, 10, 150), (1220, 1260));
        // At the end it stops at the last line.
        assert_eq!(window(40_000, 39_995.0 * 60.0, 600.0, 60.0, 10, 150), (39_980, 40_000));
        // Scroll offsets past the end (a list that just shrank) still give a valid range.
        let (first, last) = window(200, 1e9, 600.0, 60.0, 10, 150);
        assert!(first <= last && last == 200);
    }
}
