//! The filter bar above the findings: severity chips, search, menus for mechanism, namespace,
//! kind and rule, grouping and sorting. Every change is a new view for the parent.

use crate::components::Shared;
use crate::model::{self, Facets, Grouping, SortKey, ViewState};
use policy_core::report::Mechanism;
use policy_core::{Report, Severity};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The filter bar's inputs.
#[derive(Properties, PartialEq)]
pub struct FilterBarProps {
    /// The report (for the severity counts).
    pub report: Shared<Report>,
    /// What the menus offer.
    pub facets: Shared<Facets>,
    /// The current view.
    pub view: ViewState,
    /// A changed filter, grouping or sort.
    pub on_view: Callback<ViewState>,
}

/// Chips, search and menus.
#[function_component]
pub fn FilterBar(props: &FilterBarProps) -> Html {
    let FilterBarProps { report, facets, view, on_view } = props;
    let sev_chip = |sev: Severity| {
        let on = view.filters.severities.contains(&sev);
        let count = report.summary.by_severity.get(&sev).copied().unwrap_or(0);
        let mut next = view.clone();
        if on {
            next.filters.severities.remove(&sev);
        } else {
            next.filters.severities.insert(sev);
        }
        html! {
            <button type="button" class={classes!("chip", sev.as_str(), on.then_some("on"))} aria-pressed={on.to_string()}
                data-severity={sev.as_str()} onclick={on_view.reform(move |_| next.clone())}>
                { model::capitalize(sev.as_str()) }<span class="n">{ count }</span>
            </button>
        }
    };
    let select = |id: &'static str,
                  label: &'static str,
                  current: Option<String>,
                  options: Vec<(String, String)>,
                  apply: fn(&mut ViewState, Option<String>)| {
        let base = view.clone();
        let onchange = on_view.reform(move |e: Event| {
            let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            let mut next = base.clone();
            apply(&mut next, (value != "*").then_some(value));
            next
        });
        html! {
            <label class="field">
                <span>{label}</span>
                <select id={id} {onchange} aria-label={label}>
                    <option value="*" selected={current.is_none()}>{"Any"}</option>
                    { for options.into_iter().map(|(value, text)| html! {
                        <option selected={current.as_deref() == Some(value.as_str())} value={value.clone()}>{text}</option>
                    }) }
                </select>
            </label>
        }
    };
    let mechanism_options: Vec<(String, String)> = Mechanism::ALL
        .into_iter()
        .filter(|m| facets.mechanisms.contains_key(m))
        .map(|m| (m.as_str().to_string(), format!("{} ({})", m.label(), facets.mechanisms.get(&m).unwrap_or(&0))))
        .collect();
    let current_mechanism = (view.filters.mechanisms.len() == 1)
        .then(|| view.filters.mechanisms.iter().next().map(|m| m.as_str().to_string()))
        .flatten();
    let search_base = view.clone();
    let oninput = on_view.reform(move |e: InputEvent| {
        let value = e.target_dyn_into::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
        let mut next = search_base.clone();
        next.filters.text = value;
        next
    });
    let group_base = view.clone();
    let on_group = on_view.reform(move |e: Event| {
        let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
        let mut next = group_base.clone();
        next.group = Grouping::parse(&value).unwrap_or_default();
        next
    });
    let sort_base = view.clone();
    let on_sort = on_view.reform(move |e: Event| {
        let value = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
        let mut next = sort_base.clone();
        next.sort = SortKey::parse(&value).unwrap_or_default();
        next
    });
    html! {
        <div class="filters" role="search" aria-label="Filter findings">
            <div class="chips" role="group" aria-label="Severity">
                { for Severity::ALL.into_iter().rev().map(sev_chip) }
            </div>
            <div class="fields">
                <label class="field grow">
                    <span>{"Search"}</span>
                    <input id="search" type="search" placeholder="message, object, file…" value={view.filters.text.clone()}
                        {oninput} aria-label="Search findings" />
                </label>
                { select("filter-mechanism", "Mechanism", current_mechanism, mechanism_options, |v, value| {
                    v.filters.mechanisms = value.and_then(|m| Mechanism::ALL.into_iter().find(|x| x.as_str() == m)).into_iter().collect();
                }) }
                { select("filter-namespace", "Namespace", view.filters.namespace.as_ref().map(|n| if n.is_empty() { "-".to_string() } else { n.clone() }),
                    facets.namespaces.iter().map(|(ns, n)| if ns.is_empty() { ("-".to_string(), format!("cluster-scoped ({n})")) } else { (ns.clone(), format!("{ns} ({n})")) }).collect(),
                    |v, value| v.filters.namespace = value.map(|ns| if ns == "-" { String::new() } else { ns })) }
                { select("filter-kind", "Kind", view.filters.kind.clone(),
                    facets.kinds.iter().map(|(k, n)| (k.clone(), format!("{k} ({n})"))).collect(),
                    |v, value| v.filters.kind = value) }
                { select("filter-code", "Rule", view.filters.code.clone(),
                    facets.codes.iter().map(|(c, (slug, n))| (c.clone(), format!("{c} {slug} ({n})"))).collect(),
                    |v, value| v.filters.code = value) }
                <label class="field">
                    <span>{"Group by"}</span>
                    <select id="group-by" onchange={on_group} aria-label="Group findings by">
                        { for Grouping::ALL.into_iter().map(|g| html! {
                            <option value={g.as_str()} selected={view.group == g}>{g.label()}</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span>{"Sort by"}</span>
                    <select id="sort-by" onchange={on_sort} aria-label="Sort findings by">
                        { for SortKey::ALL.into_iter().map(|s| html! {
                            <option value={s.as_str()} selected={view.sort == s}>{s.label()}</option>
                        }) }
                    </select>
                </label>
            </div>
        </div>
    }
}
