//! The Credentials tab (MX004): every credential the dump reveals, an expiry chart counted per
//! week, month or year (a click on a bar lists that period's credentials), and a virtual table:
//! a dump of 100k objects reveals over twelve thousand credentials, and drawing them all froze
//! the page for seconds. The usage filter and the drill-down are part of the view (the URL
//! fragment), so a shared link opens on the same list.

use crate::components::Shared;
use crate::model::{self, Bar, Bucket, Timeline, UsageFilter, ViewState, usage};
use policy_core::Report;
use policy_core::inventory::credentials::Credential;
use yew::prelude::*;

/// The credential inventory's inputs.
#[derive(Properties, PartialEq)]
pub struct CredentialsProps {
    /// The report.
    pub report: Shared<Report>,
    /// The current view (its usage filter and expiry period apply here).
    pub view: ViewState,
    /// A new usage filter or drill-down.
    pub on_view: Callback<ViewState>,
}

/// The chart, the filters and the table.
#[function_component]
pub fn CredentialInventory(props: &CredentialsProps) -> Html {
    let CredentialsProps { report, view, on_view } = props;
    let rows = use_memo((report.clone(), view.usage, view.expiry), |(report, filter, expiry)| {
        usage::filtered(&report.credentials, *filter, *expiry)
    });
    let timeline = use_memo(report.clone(), |report| {
        let now = model::parse_time(&report.evaluated_at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        model::timeline(&report.credentials, now)
    });
    if report.credentials.is_empty() {
        return html! { <p class="empty">{"This dump reveals no credentials (client certificates, CSRs, token Secrets, kubeconfig users)."}</p> };
    }
    let log_given = report.audit.is_some();
    let with = |change: &dyn Fn(&mut ViewState)| {
        let mut next = view.clone();
        change(&mut next);
        next
    };
    let usage_filter = log_given.then(|| {
        let (used, unused) = usage::counts(&report.credentials);
        html! {
            <div class="usage-filter" role="group" aria-label="Usage in the audit log">
                { for UsageFilter::ALL.into_iter().map(|f| {
                    let n = match f { UsageFilter::All => report.credentials.len(), UsageFilter::Used => used, UsageFilter::Unused => unused };
                    let next = with(&|v| v.usage = f);
                    html! {
                        <button type="button" id={format!("usage-{}", f.as_str())} aria-pressed={(view.usage == f).to_string()}
                            class={classes!("button", "ghost", (view.usage == f).then_some("on"))}
                            onclick={on_view.reform(move |_: MouseEvent| next.clone())}>
                            { format!("{} ({})", f.label(), model::human_count(n)) }
                        </button>
                    }
                }) }
            </div>
        }
    });
    let drill_down = view.expiry.map(|bucket| {
        let all = with(&|v| v.expiry = None);
        html! {
            <p class="expiry-filter" id="expiry-filter">
                { if bucket == Bucket::Never { "Credentials that never expire".to_string() } else { format!("Expiring in {}", bucket.label()) } }{" · "}
                <button type="button" class="link" id="expiry-clear" onclick={on_view.reform(move |_: MouseEvent| all.clone())}>
                    {"show every period"}
                </button>
            </p>
        }
    });
    let total = report.credentials.len();
    let count = if rows.len() == total {
        format!("{} credentials", model::human_count(total))
    } else {
        format!("{} of {} credentials", model::human_count(rows.len()), model::human_count(total))
    };
    let on_bar = {
        let (view, on_view) = (view.clone(), on_view.clone());
        Callback::from(move |bucket: Bucket| {
            let mut next = view.clone();
            // The bar already chosen, clicked again, shows every period.
            next.expiry = (view.expiry != Some(bucket)).then_some(bucket);
            on_view.emit(next);
        })
    };
    html! {
        <>
            { chart(&timeline, log_given, view.expiry, &on_bar) }
            { usage_filter }
            { drill_down }
            <p class="count" id="credential-count" aria-live="polite">
                if rows.is_empty() { {"no credential matches this filter"} } else { { count } }
            </p>
            <CredentialTable report={report.clone()} rows={Shared(rows)} {log_given} />
        </>
    }
}

/// The virtual table's inputs.
#[derive(Properties, PartialEq)]
pub struct TableProps {
    /// The report whose credentials `rows` index.
    pub report: Shared<Report>,
    /// The credentials to list, as indices into the report's.
    pub rows: Shared<Vec<usize>>,
    /// Whether an audit log was given (the usage columns).
    pub log_given: bool,
}

/// What the table does.
pub enum TableMsg {
    /// The table scrolled: its scroll offset and viewport height.
    Scroll(f64, f64),
    /// A drawn row turned out this many pixels high.
    Measured(f64),
}

/// Rows drawn above and below the ones in view; the window moves in steps of this many.
const OVERSCAN: usize = 15;
/// Up to this many rows the whole table is drawn.
const VIRTUAL_FROM: usize = 150;
/// A row's height until one has been measured (a one-line row at the default font size).
const DEFAULT_ROW_H: f64 = 37.0;
/// The scroll box's height until it has been measured.
const DEFAULT_VIEWPORT_H: f64 = 700.0;

/// The credentials table: only the rows in view (and some around them) are in the document; the
/// table's margins stand for the rest, so the scroll bar is true to the whole list. Every row is
/// one line high (cells cut with an ellipsis, the full text in their title), and that height is
/// measured from a drawn row, as it changes with the width (cards on a narrow screen).
pub struct CredentialTable {
    scroll_top: f64,
    viewport_h: Option<f64>,
    row_h: f64,
    scroll_pending: bool,
    box_ref: NodeRef,
    table_ref: NodeRef,
}

impl Component for CredentialTable {
    type Message = TableMsg;
    type Properties = TableProps;

    fn create(_ctx: &Context<Self>) -> Self {
        Self {
            scroll_top: 0.0,
            viewport_h: None,
            row_h: DEFAULT_ROW_H,
            scroll_pending: false,
            box_ref: NodeRef::default(),
            table_ref: NodeRef::default(),
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        let before = self.window(ctx.props());
        match msg {
            TableMsg::Scroll(top, height) => {
                self.scroll_top = top;
                self.viewport_h = Some(height);
            }
            TableMsg::Measured(h) => self.row_h = h,
        }
        self.window(ctx.props()) != before
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &Self::Properties) -> bool {
        if ctx.props().rows != old.rows {
            // Another filter starts at the top.
            self.scroll_top = 0.0;
            self.scroll_pending = true;
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first: bool) {
        let props = ctx.props();
        let (first, last) = self.window(props);
        if let Some(table) = self.table_ref.cast::<web_sys::HtmlElement>() {
            #[expect(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
            let (above, below) = (first as f64 * self.row_h, (props.rows.len() - last) as f64 * self.row_h);
            // Through the CSSOM: the Content-Security-Policy forbids inline `style` attributes.
            let style = table.style();
            let _ = style.set_property("margin-top", &format!("{above}px"));
            let _ = style.set_property("margin-bottom", &format!("{below}px"));
            // The drawn rows' mean height, to the fraction of a pixel: whole pixels would add up
            // to a visible error over thousands of rows.
            #[expect(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
            let drawn = (last - first) as f64;
            let measured = table
                .query_selector("tbody")
                .ok()
                .flatten()
                .map(|body| body.get_bounding_client_rect().height() / drawn)
                .filter(|h| drawn > 0.0 && h.is_finite() && *h > 0.0 && (h - self.row_h).abs() > 0.01);
            if let Some(h) = measured {
                ctx.link().send_message(TableMsg::Measured(h));
            }
        }
        if let Some(scroll) = self.box_ref.cast::<web_sys::Element>() {
            if self.scroll_pending {
                self.scroll_pending = false;
                #[expect(clippy::cast_possible_truncation, reason = "scroll offsets are far below 2^31 px")]
                scroll.set_scroll_top(self.scroll_top as i32);
            }
            if self.viewport_h.is_none() {
                self.viewport_h = Some(f64::from(scroll.client_height()));
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let TableProps { report, rows, log_given } = ctx.props();
        let log_given = *log_given;
        let (first, last) = self.window(ctx.props());
        let scroll = self.box_ref.clone();
        let onscroll = ctx.link().batch_callback(move |_: Event| {
            let el = scroll.cast::<web_sys::Element>()?;
            Some(TableMsg::Scroll(f64::from(el.scroll_top()), f64::from(el.client_height())))
        });
        let drawn = rows.iter().enumerate().skip(first).take(last - first);
        html! {
            // Focusable, so that the keyboard scrolls it too.
            <div class="credential-scroll" id="credential-scroll" ref={self.box_ref.clone()} {onscroll}
                tabindex="0" role="region" aria-label="Credentials table">
                <table class="grid" id="credential-table" aria-label="Credentials" ref={self.table_ref.clone()}
                    aria-rowcount={(rows.len() + 1).to_string()}>
                    <thead><tr aria-rowindex="1">
                        <th scope="col" class="kind">{"Kind"}</th><th scope="col" class="identity">{"Identity"}</th>
                        <th scope="col" class="groups">{"Groups"}</th><th scope="col" class="status-col">{"Status"}</th>
                        <th scope="col" class="expires">{"Expires"}</th>
                        if log_given { <th scope="col" class="last-used">{"Last used"}</th><th scope="col" class="requests">{"Requests"}</th> }
                        <th scope="col" class="fingerprint">{"Fingerprint"}</th><th scope="col" class="where">{"Where"}</th>
                    </tr></thead>
                    <tbody>
                        { for drawn.filter_map(|(at, i)| Some((at, report.credentials.get(*i)?))).map(|(at, c)| row(at, c, log_given)) }
                    </tbody>
                </table>
            </div>
        }
    }
}

impl CredentialTable {
    fn window(&self, props: &TableProps) -> (usize, usize) {
        model::window(
            props.rows.len(),
            self.scroll_top,
            self.viewport_h.unwrap_or(DEFAULT_VIEWPORT_H),
            self.row_h,
            OVERSCAN,
            VIRTUAL_FROM,
        )
    }
}

/// One credential's row (`at`: its place in the list, for assistive technology).
fn row(at: usize, c: &Credential, log_given: bool) -> Html {
    let kind = model::kind_words(&format!("{:?}", c.kind));
    let groups = c.groups.join(", ");
    let place = format!("{} · {}:{}", c.object, c.source.path, c.source.line);
    html! {
        <tr key={at.to_string()} aria-rowindex={(at + 2).to_string()} data-identity={c.identity.clone()} data-used={usage::used(c).map(|u| u.to_string())}>
            <td data-label="Kind">{ kind }</td>
            <th scope="row" data-label="Identity" title={c.identity.clone()}>{ &c.identity }</th>
            <td data-label="Groups" title={groups.clone()}>{ groups }</td>
            <td data-label="Status"><span class={classes!("status", c.status.clone())}>{ &c.status }</span></td>
            <td data-label="Expires">{ c.expires.as_deref().map_or_else(|| "never".to_string(), model::short_date) }</td>
            if let Some((last, requests)) = usage::cells(c, log_given) {
                <td class={classes!("last-used", (usage::used(c) != Some(true)).then_some("muted"))} data-label="Last used" title={usage::details(c)}>{ last }</td>
                <td class="num" data-label="Requests">{ requests }</td>
            }
            <td data-label="Fingerprint"><code class="fp" title={c.fingerprint.clone()}>{ c.fingerprint.chars().take(23).collect::<String>() }</code></td>
            <td class="muted" data-label="Where" title={place.clone()}>{ place }</td>
        </tr>
    }
}

/// The expiry chart: one bar per period, stacked by standing (expired, within 30 days, valid),
/// the never-expiring credentials as a bar of their own right of the axis. Each bar is a button
/// that lists its credentials below.
fn chart(t: &Timeline, log_given: bool, chosen: Option<Bucket>, on_bar: &Callback<Bucket>) -> Html {
    // A narrow drawing, so that at 800 px its 12 px text is still drawn at about 12 px.
    const LEFT: f64 = 36.0;
    const AXIS_W: f64 = 560.0;
    const NEVER_W: f64 = 70.0;
    const TOP: f64 = 16.0;
    const PLOT_H: f64 = 120.0;
    let width = LEFT + AXIS_W + 16.0 + NEVER_W + 8.0;
    let height = TOP + PLOT_H + 36.0;
    let x = |frac: f64| LEFT + frac * AXIS_W;
    let fmt = |v: f64| format!("{v:.1}");
    #[expect(clippy::cast_precision_loss, reason = "credential counts are far below 2^52")]
    let scale = |n: usize| if t.max == 0 { 0.0 } else { n as f64 / t.max as f64 * PLOT_H };
    let base = TOP + PLOT_H;
    let bar = |b: &Bar, x0: f64, w: f64, label: Option<String>| {
        let bucket = b.bucket;
        let mut segments = Vec::new();
        let mut y = base;
        for (n, class) in [
            (b.expired, "expired"),
            (b.soon, "soon"),
            (b.valid, if bucket == Bucket::Never { "never" } else { "valid" }),
        ] {
            if n == 0 {
                continue;
            }
            // Even one credential among thousands is a visible sliver.
            let h = scale(n).max(2.0);
            y -= h;
            segments
                .push(html! { <rect class={class} x={fmt(x0)} y={fmt(y)} width={fmt(w.max(2.0))} height={fmt(h)} /> });
        }
        let mut what = vec![format!("{} credentials expiring in {}", model::human_count(b.total()), bucket.label())];
        if bucket == Bucket::Never {
            what = vec![format!("{} credentials that never expire", model::human_count(b.total()))];
        }
        for (n, word) in [(b.expired, "expired"), (b.soon, "within 30 days")] {
            if n > 0 {
                what.push(format!("{} {word}", model::human_count(n)));
            }
        }
        if log_given {
            what.push(format!(
                "{} used in the log, {} not used",
                model::human_count(b.used),
                model::human_count(b.unused)
            ));
        }
        let name = what.join(", ");
        let on_click = on_bar.reform(move |_: MouseEvent| bucket);
        let on_key = {
            let on_bar = on_bar.clone();
            Callback::from(move |e: KeyboardEvent| {
                if matches!(e.key().as_str(), "Enter" | " ") {
                    e.prevent_default();
                    on_bar.emit(bucket);
                }
            })
        };
        let unused = log_given && b.unused > 0;
        html! {
            <g class={classes!("bar", (chosen == Some(bucket)).then_some("chosen"), unused.then_some("has-unused"))} role="button" tabindex="0"
                aria-label={name.clone()} aria-pressed={(chosen == Some(bucket)).to_string()} data-bucket={bucket.as_key()}
                onclick={on_click} onkeydown={on_key}>
                <title>{ name }</title>
                // The whole column is the target, however short the bar.
                <rect class="hit" x={fmt(x0)} y={fmt(TOP)} width={fmt(w.max(6.0))} height={fmt(PLOT_H)} />
                { for segments }
                if let Some(label) = label {
                    <text x={fmt(x0 + w / 2.0)} y={fmt(base + 14.0)} text-anchor="middle">{ label }</text>
                }
            </g>
        }
    };
    let total: usize = t.bars.iter().chain(t.never.iter()).map(Bar::total).sum();
    let expired: usize = t.bars.iter().map(|b| b.expired).sum();
    html! {
        <figure class="timeline" aria-labelledby="timeline-caption">
            <svg viewBox={format!("0 0 {} {}", fmt(width), fmt(height))} role="group" aria-label="Expiry per period: each bar lists its credentials">
                <text class="axis-label" x={fmt(LEFT - 6.0)} y={fmt(TOP + 4.0)} text-anchor="end">{ model::human_count(t.max) }</text>
                <text class="axis-label" x={fmt(LEFT - 6.0)} y={fmt(base)} text-anchor="end">{"0"}</text>
                <line class="axis" x1={fmt(LEFT)} x2={fmt(LEFT + AXIS_W)} y1={fmt(base)} y2={fmt(base)} />
                { for t.ticks.iter().map(|(pos, label)| html! {
                    <g class="tick">
                        <line x1={fmt(x(*pos))} x2={fmt(x(*pos))} y1={fmt(TOP)} y2={fmt(base + 4.0)} />
                        <text x={fmt(x(*pos))} y={fmt(base + 30.0)} text-anchor="middle">{ label }</text>
                    </g>
                }) }
                { for t.bars.iter().map(|b| {
                    // A hair of space between neighbours.
                    let (x0, x1) = (x(b.start), x(b.end));
                    bar(b, x0 + 0.5, (x1 - x0 - 1.0).max(1.0), None)
                }) }
                if let Some(never) = &t.never {
                    { bar(never, LEFT + AXIS_W + 16.0, NEVER_W, Some("never".into())) }
                }
                <line class="now" x1={fmt(x(t.now))} x2={fmt(x(t.now))} y1={fmt(TOP - 4.0)} y2={fmt(base)} />
                <text class="now-label" x={fmt(x(t.now) + 4.0)} y={fmt(TOP - 4.0)}>{"now"}</text>
            </svg>
            <figcaption class="legend" id="timeline-caption">
                <span>{ format!("{} dated credentials by {} of expiry; {} expired.", model::human_count(total), t.step.as_str(), model::human_count(expired)) }</span>
                <span class="key expired">{"expired"}</span><span class="key soon">{"expires within 30 days"}</span>
                <span class="key valid">{"valid"}</span><span class="key never">{"never expires"}</span>
                if log_given {
                    <span class="key unused">{"a bar with credentials not used in the log is outlined"}</span>
                }
                if t.undated > 0 { <span class="muted">{ format!("{} undated, not drawn", model::human_count(t.undated)) }</span> }
                <span class="muted">{"Choose a bar to list its credentials."}</span>
            </figcaption>
        </figure>
    }
}
