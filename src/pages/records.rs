//! `/admin/leads` and `/admin/properties`: what API keys imported, with the
//! key and the acting user of each row; live data, or test data in Test
//! mode. Search, page and mode live in the URL and work without JavaScript.
use crate::components::query::use_query;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::island::SubmitOnChange;
use crate::components::local_time::LocalTime;
use crate::components::pager::{shown_range, Pager};
use crate::models::crm::SourceKey;
use crate::models::records::{format_price, LeadRow, PropertyRow, RecordPage, RecordQuery, RECORDS_PER_PAGE};
use crate::models::AppError;
use crate::server_fns::records::{list_leads, list_properties};

pub const LEADS_PATH: &str = "/admin/leads";
pub const PROPERTIES_PATH: &str = "/admin/properties";
pub const API_REFERENCE_PATH: &str = "/admin/profile/developer-settings/api-reference";

fn query_from_url() -> Memo<RecordQuery> {
    let params = use_query();
    Memo::new(move |_| params.with(|p| RecordQuery::from_params(|name| p.get(name))))
}

#[component]
pub fn LeadsPage() -> impl IntoView {
    records_page(
        ("Leads", LEADS_PATH, "leads"),
        "People interested in your properties, as API keys imported them.",
        list_leads,
        |page| view! { <LeadTable page/> },
    )
}

#[component]
pub fn PropertiesPage() -> impl IntoView {
    records_page(
        ("Properties", PROPERTIES_PATH, "properties"),
        "Listings kept in sync by API keys, by their id in your own system.",
        list_properties,
        |page| view! { <PropertyTable page/> },
    )
}

/// Either page: heading, toolbar, and the table for the URL's query.
fn records_page<T, F, V>(
    (title, path, noun): (&'static str, &'static str, &'static str),
    lead: &'static str,
    fetch: fn(RecordQuery) -> F,
    table: fn(RecordPage<T>) -> V,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: std::future::Future<Output = Result<RecordPage<T>, AppError>> + Send + 'static,
    V: IntoView + 'static,
{
    let query = query_from_url();
    let page = Resource::new(move || query.get(), fetch);
    view! {
        <Title text=title/>
        <Breadcrumb depth=0 current=(title.to_owned(), path.to_owned())/>
        <h1>{title}</h1>
        <p class="lead">{lead}</p>
        <RecordToolbar path noun query/>
        <Transition fallback=move || view! { <p role="status">{format!("Loading {noun}…")}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => table(page).into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Search and the Test mode switch: one GET form, so both work without
/// JavaScript; hydrated, the switch applies at once (an island).
#[component]
fn RecordToolbar(path: &'static str, noun: &'static str, query: Memo<RecordQuery>) -> impl IntoView {
    let current = query.get_untracked();
    let search_id = format!("{noun}-search");
    let label = format!("Search {noun}");
    view! {
        <form class="toolbar record-toolbar" role="search" method="get" action=path>
            <div class="search">
                <label for=search_id.clone()>{label}</label>
                <div class="search-row">
                    <input id=search_id type="search" name="q" value=current.q.to_string() autocomplete="off"/>
                    <button type="submit" class="button secondary">"Search"</button>
                </div>
            </div>
            <div class="mode-switch">
                <SubmitOnChange>
                    <label class="choice">
                        <input type="checkbox" name="mode" value="test" id=format!("{noun}-test-mode")
                            checked=current.test aria-describedby=format!("{noun}-test-mode-hint")/>
                        <span>"Test mode"</span>
                    </label>
                </SubmitOnChange>
                <p id=format!("{noun}-test-mode-hint") class="field-hint">
                    "Shows what test keys (" <code>"kw_test_…"</code> ") wrote; test data is reset weekly."
                </p>
            </div>
        </form>
        {current.test.then(|| view! {
            <p class="notice warning" role="status">{format!("Test mode: these {noun} are test data, not live data.")}</p>
        })}
    }
}

fn source_cell(key: Option<SourceKey>) -> impl IntoView {
    match key {
        Some(key) => view! {
            <span>{key.name}</span>
            " "
            <code class="api-key">{key.id}</code>
        }
        .into_any(),
        None => view! { <span>"—"</span> }.into_any(),
    }
}

/// What an empty list says, and where to learn how data arrives.
fn empty_state<T>(page: &RecordPage<T>, noun: &'static str) -> Option<AnyView> {
    if page.total > 0 {
        return None;
    }
    let message = match (page.query.q.is_empty(), page.query.test) {
        (false, _) => format!("No {noun} match “{}”.", page.query.q),
        (true, true) => format!("No test {noun} yet."),
        (true, false) => format!("No {noun} yet."),
    };
    Some(
        view! {
            <div class="empty-state" role="status">
                <p>{message}</p>
                <p class="field-hint">
                    {format!("{} arrive when an API key sends them. ", capitalized(noun))}
                    <a href=API_REFERENCE_PATH>"See the API reference"</a>
                </p>
            </div>
        }
        .into_any(),
    )
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A list's table (named by its caption) and the pager under it.
fn records_table<T>(
    caption: &'static str,
    headers: &[&'static str],
    rows: Vec<AnyView>,
    shown: usize,
    page: &RecordPage<T>,
    path: &'static str,
    noun: &'static str,
) -> AnyView {
    let (current, count) = (page.query.page.get(), page.page_count());
    let headers = headers
        .iter()
        .map(|h| view! { <th scope="col">{*h}</th> })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label=format!("{caption} table") tabindex="0">
            <table class="records">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>{headers}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager
            page=current
            pages=count
            range=shown_range(current, RECORDS_PER_PAGE, shown)
            total=page.total
            noun
            previous=(current > 1).then(|| format!("{path}{}", page.query.with_page(current - 1).href()))
            next=(current < count).then(|| format!("{path}{}", page.query.with_page(current + 1).href()))
        />
    }
    .into_any()
}

#[component]
fn LeadTable(mut page: RecordPage<LeadRow>) -> impl IntoView {
    if let Some(empty) = empty_state(&page, "leads") {
        return empty;
    }
    let shown = page.rows.len();
    let rows = std::mem::take(&mut page.rows)
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row">{if row.name.is_empty() { "—".to_owned() } else { row.name }}</th>
                    <td>{row.email}</td>
                    <td>{row.phone}</td>
                    <td>{row.source}</td>
                    <td><span class="badge">{row.status.label()}</span></td>
                    <td>{row.workspace}</td>
                    <td>{source_cell(row.source_key)}</td>
                    <td>{row.acting_user.unwrap_or_else(|| "—".to_owned())}</td>
                    <td><LocalTime at=row.created_at with_time=true/></td>
                </tr>
            }
            .into_any()
        })
        .collect::<Vec<_>>();
    records_table(
        "Leads",
        &[
            "Name",
            "Email",
            "Phone",
            "Source",
            "Status",
            "Workspace",
            "API key",
            "Acting user",
            "Imported",
        ],
        rows,
        shown,
        &page,
        LEADS_PATH,
        "leads",
    )
}

#[component]
fn PropertyTable(mut page: RecordPage<PropertyRow>) -> impl IntoView {
    if let Some(empty) = empty_state(&page, "properties") {
        return empty;
    }
    let shown = page.rows.len();
    let rows = std::mem::take(&mut page.rows)
        .into_iter()
        .map(|row| {
            let place = [row.address, row.city]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <tr>
                    <th scope="row">{row.title}</th>
                    <td><code>{row.external_id}</code></td>
                    <td>{place}</td>
                    <td class="number">{row.price_cents.map(format_price).unwrap_or_default()}</td>
                    <td class="number">{row.bedrooms.map(|b| b.to_string()).unwrap_or_default()}</td>
                    <td><span class="badge">{row.status.label()}</span></td>
                    <td>{row.workspace}</td>
                    <td>{source_cell(row.source_key)}</td>
                    <td>{row.acting_user.unwrap_or_else(|| "—".to_owned())}</td>
                    <td><LocalTime at=row.updated_at with_time=true/></td>
                </tr>
            }
            .into_any()
        })
        .collect::<Vec<_>>();
    records_table(
        "Properties",
        &[
            "Title",
            "External id",
            "Address",
            "Price",
            "Bedrooms",
            "Status",
            "Workspace",
            "API key",
            "Acting user",
            "Updated",
        ],
        rows,
        shown,
        &page,
        PROPERTIES_PATH,
        "properties",
    )
}
