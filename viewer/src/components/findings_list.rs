//! The findings list: a virtual list of fixed-height lines (group headings and findings). It owns
//! its scroll state; which lines exist and which finding is selected come from the parent.

use crate::browser;
use crate::components::Shared;
use crate::model::{self, Line};
use crate::views;
use policy_core::Report;
use yew::prelude::*;

/// Height in CSS pixels of every line of the findings list (rows and group headings alike):
/// one height makes the virtual list's arithmetic exact. `style.css` sets the same value.
const ROW_H: f64 = 60.0;
/// Lines drawn above and below the ones in view; the window also moves in steps of this many
/// lines, so scrolling redraws the page only every few rows.
const OVERSCAN: usize = 10;
/// Up to this many lines the whole list is drawn; beyond it only the window around the view.
const VIRTUAL_FROM: usize = 150;
/// Assumed height of the list's viewport until it has been measured.
const DEFAULT_VIEWPORT_H: f64 = 1000.0;

/// The list's inputs.
#[derive(Properties, PartialEq)]
pub struct FindingsListProps {
    /// The report whose findings the lines index.
    pub report: Shared<Report>,
    /// Each finding's key, in report order.
    pub keys: Shared<Vec<String>>,
    /// The lines to draw (filtered, sorted, grouped).
    pub lines: Shared<Vec<Line>>,
    /// The selected finding's key.
    pub selected: Option<String>,
    /// A click on a row: select it, or unselect it if it was selected.
    pub on_select: Callback<Option<String>>,
}

/// What the list does.
pub enum ListMsg {
    /// The list scrolled: its scroll offset and viewport height.
    Scroll(f64, f64),
}

/// The virtual findings list.
pub struct FindingsList {
    scroll_top: f64,
    viewport_h: Option<f64>,
    /// `scroll_top` was changed here and must be applied to the list after drawing.
    scroll_pending: bool,
    list_ref: NodeRef,
    spacer_ref: NodeRef,
    rows_ref: NodeRef,
}

impl Component for FindingsList {
    type Message = ListMsg;
    type Properties = FindingsListProps;

    fn create(ctx: &Context<Self>) -> Self {
        let mut list = Self {
            scroll_top: 0.0,
            viewport_h: None,
            scroll_pending: true,
            list_ref: NodeRef::default(),
            spacer_ref: NodeRef::default(),
            rows_ref: NodeRef::default(),
        };
        list.reveal_selected(ctx.props());
        list
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            ListMsg::Scroll(top, height) => {
                let before = self.window(ctx.props());
                self.scroll_top = top;
                self.viewport_h = Some(height);
                self.window(ctx.props()) != before
            }
        }
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &Self::Properties) -> bool {
        let props = ctx.props();
        if props.lines != old.lines {
            // A new filter, sort or grouping starts at the top.
            self.scroll_top = 0.0;
            self.scroll_pending = true;
        }
        if props.lines != old.lines || props.selected != old.selected {
            self.reveal_selected(props);
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first: bool) {
        // The spacer first: the scroll offset below can only reach as far as it is high.
        self.place_rows(ctx.props());
        if let Some(list) = self.list_ref.cast::<web_sys::Element>() {
            if self.scroll_pending {
                self.scroll_pending = false;
                #[expect(clippy::cast_possible_truncation, reason = "scroll offsets are far below 2^31 px")]
                list.set_scroll_top(self.scroll_top as i32);
            }
            if self.viewport_h.is_none() {
                self.viewport_h = Some(f64::from(list.client_height()));
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let props = ctx.props();
        let lines = &props.lines;
        let (first, last) = self.window(props);
        let list = self.list_ref.clone();
        let onscroll = ctx.link().batch_callback(move |_: Event| {
            let el = list.cast::<web_sys::Element>()?;
            Some(ListMsg::Scroll(f64::from(el.scroll_top()), f64::from(el.client_height())))
        });
        let drawn = lines.iter().enumerate().skip(first).take(last - first).map(|(at, line)| match line {
            Line::Head { label, worst, count } => html! {
                <li key={format!("head:{label}")} class="group-head" aria-posinset={(at + 1).to_string()} aria-setsize={lines.len().to_string()}>
                    { views::severity_badge(*worst) }
                    <span class="label">{ label }</span>
                    <span class="muted">{ format!(" · {count}") }</span>
                </li>
            },
            Line::Row(i) => match (props.report.findings.get(*i), props.keys.get(*i)) {
                (Some(f), Some(key)) => {
                    let selected = props.selected.as_deref() == Some(key.as_str());
                    let next = (!selected).then(|| key.clone());
                    let on_select = props.on_select.clone();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        if next.is_some() {
                            // Opened from the list: the focus moves into the details.
                            browser::focus_later("#detail-title".to_string());
                        }
                        on_select.emit(next.clone());
                    });
                    html! {
                        <li key={key.clone()} aria-posinset={(at + 1).to_string()} aria-setsize={lines.len().to_string()}>
                            <button type="button" class={classes!("finding", selected.then_some("selected"))} aria-pressed={selected.to_string()}
                                data-key={key.clone()} data-code={f.code.to_string()} {onclick}>
                                { views::severity_badge(f.severity) }
                                <span class="code">{ f.code.as_str() }{ crate::components::compare::since_tag(f) }</span>
                                <span class="message">
                                    if model::is_preview(f) { <span class="preview" title="a preview rule: it runs because an audit log was given">{"preview"}</span>{" "} }
                                    { views::message(&f.message) }
                                </span>
                                <span class="object">{ f.object.to_string() }</span>
                                <span class="where">{ f.source.to_string() }</span>
                            </button>
                        </li>
                    }
                }
                _ => html! {},
            },
        });
        // Only the lines in view are in the document; the spacer keeps the scrollbar true to
        // the whole list.
        html! {
            <div class="findings-scroll" ref={self.list_ref.clone()} {onscroll}>
                <div class="findings-spacer" ref={self.spacer_ref.clone()}>
                    <ol class="findings" aria-label="Findings" ref={self.rows_ref.clone()}>
                        { for drawn }
                    </ol>
                </div>
            </div>
        }
    }
}

impl FindingsList {
    /// The lines drawn: all of a short list, else those in view plus the overscan.
    fn window(&self, props: &FindingsListProps) -> (usize, usize) {
        model::window(
            props.lines.len(),
            self.scroll_top,
            self.viewport_h.unwrap_or(DEFAULT_VIEWPORT_H),
            ROW_H,
            OVERSCAN,
            VIRTUAL_FROM,
        )
    }

    /// Size the spacer to the whole list and move the drawn lines to their place. Through the
    /// CSSOM, as the Content-Security-Policy forbids inline `style` attributes.
    fn place_rows(&self, props: &FindingsListProps) {
        let (first, _) = self.window(props);
        #[expect(clippy::cast_precision_loss, reason = "line counts are far below 2^52")]
        let (height, offset) = (props.lines.len() as f64 * ROW_H, first as f64 * ROW_H);
        if let Some(spacer) = self.spacer_ref.cast::<web_sys::HtmlElement>() {
            let _ = spacer.style().set_property("height", &format!("{height}px"));
        }
        if let Some(rows) = self.rows_ref.cast::<web_sys::HtmlElement>() {
            let _ = rows.style().set_property("transform", &format!("translateY({offset}px)"));
        }
    }

    /// Scroll the list so the selected finding is in view (keyboard moves, a shared link).
    fn reveal_selected(&mut self, props: &FindingsListProps) {
        let Some(key) = props.selected.as_deref() else { return };
        let Some(selected) = props.keys.iter().position(|k| k == key) else { return };
        let Some(pos) = props.lines.iter().position(|l| *l == Line::Row(selected)) else { return };
        #[expect(clippy::cast_precision_loss, reason = "line counts are far below 2^52")]
        let top = pos as f64 * ROW_H;
        let height = self.viewport_h.unwrap_or(DEFAULT_VIEWPORT_H);
        if top < self.scroll_top || top + ROW_H > self.scroll_top + height {
            self.scroll_top = (top - (height - ROW_H) / 2.0).max(0.0);
            self.scroll_pending = true;
        }
    }
}
