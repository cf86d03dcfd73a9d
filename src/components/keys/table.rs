//! The table named "API keys": sortable headers that are links (so it works
//! without JavaScript), rows with their details and actions, and paging.
use leptos::prelude::*;

use super::tooltip::KeyDetails;
use super::{KeysState, OpenDialog, PAGE_PATH};
use crate::components::local_time::LocalTime;
use crate::models::keys::{KeyPage, KeyQuery, KeyRow, KeyStatus, SortColumn, PAGE_SIZE};

fn href(query: &KeyQuery) -> String {
    let q = query.to_query_string();
    if q.is_empty() {
        PAGE_PATH.to_owned()
    } else {
        format!("{PAGE_PATH}?{q}")
    }
}

#[component]
fn SortHeader(column: SortColumn, query: KeyQuery) -> impl IntoView {
    let sorted = (query.sort == column).then_some(query.dir);
    let next = query.sorted_by(column);
    let arrow = match sorted.map(|d| d.aria()) {
        Some("ascending") => "▲",
        Some(_) => "▼",
        None => "",
    };
    view! {
        <th scope="col" aria-sort=sorted.map(|d| d.aria())>
            <a class="sort-link" href=href(&next)>
                {column.label()}
                <span class="sort-arrow" aria-hidden="true">{arrow}</span>
            </a>
        </th>
    }
}

#[component]
fn Row(row: KeyRow, show_workspace: bool) -> impl IntoView {
    let state = expect_context::<KeysState>();
    let status_class = match row.status {
        KeyStatus::Active => "badge badge-active",
        KeyStatus::Expired => "badge badge-expired",
        KeyStatus::Revoked => "badge badge-revoked",
    };
    let scopes = row
        .scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let actions = row.can_manage.then(|| {
        let (rename, limit, revoke, remove) = (row.clone(), row.clone(), row.clone(), row.clone());
        let id = row.id.clone();
        let active = row.status == KeyStatus::Active;
        view! {
            <div class="row-actions">
                <button type="button" class="button small secondary" id=format!("rename-{id}")
                    on:click=move |_| state.open(OpenDialog::Rename(rename.clone()), format!("rename-{}", rename.id))>
                    "Rename"
                </button>
                <button type="button" class="button small secondary" id=format!("rate-limit-{id}")
                    on:click=move |_| state.open(OpenDialog::RateLimit(limit.clone()), format!("rate-limit-{}", limit.id))>
                    "Rate limit"
                </button>
                {active.then(|| view! {
                    <button type="button" class="button small secondary" id=format!("revoke-{id}")
                        on:click=move |_| state.open(OpenDialog::Revoke(revoke.clone()), format!("remove-{}", revoke.id))>
                        "Revoke"
                    </button>
                })}
                <button type="button" class="button small danger" id=format!("remove-{id}")
                    on:click=move |_| state.open(OpenDialog::Remove(remove.clone()), "key-search".to_owned())>
                    "Remove"
                </button>
            </div>
        }
    });
    view! {
        <tr>
            <th scope="row" class="key-name">{row.name.clone()}</th>
            <td class="key-details"><KeyDetails row=row.clone()/></td>
            <td><code class="api-key">{row.api_key()}"…"{row.last4.clone()}</code></td>
            {show_workspace.then(|| view! {
                <td>{row.workspace.clone().unwrap_or_else(|| "All workspaces".to_owned())}</td>
            })}
            <td>{row.environment.label()}</td>
            <td class="scopes">{scopes}</td>
            <td><span class=status_class>{row.status.label()}</span></td>
            <td><LocalTime at=row.created_at/></td>
            <td>{match row.expires_at {
                Some(at) => view! { <LocalTime at/> }.into_any(),
                None => "Never".into_any(),
            }}</td>
            <td>{match row.last_used_at {
                Some(at) => view! { <LocalTime at/> }.into_any(),
                None => "Never".into_any(),
            }}</td>
            <td class="number">{row.usage_count.to_string()}</td>
            <td>{actions}</td>
        </tr>
    }
}

#[component]
fn Pager(page: KeyPage) -> impl IntoView {
    let count = page.page_count();
    let current = page.query.page;
    let first = (current - 1) * PAGE_SIZE + 1;
    let last = (first + page.rows.len() as u64).saturating_sub(1);
    let link = |to: u64, label: &'static str, enabled: bool| {
        if enabled {
            view! { <a class="button small secondary" href=href(&page.query.with_page(to))>{label}</a> }
                .into_any()
        } else {
            view! { <span class="button small secondary" aria-disabled="true">{label}</span> }.into_any()
        }
    };
    view! {
        <nav class="pager" aria-label="Pages of API keys">
            <p class="pager-summary">
                {format!("Showing {first}–{last} of {} keys · page {current} of {count}", page.total)}
            </p>
            <div class="pager-links">
                {link(current.saturating_sub(1), "Previous page", current > 1)}
                {link(current + 1, "Next page", current < count)}
            </div>
        </nav>
    }
}

#[component]
pub fn KeyTable(page: KeyPage, can_manage: bool) -> impl IntoView {
    if page.total == 0 {
        let message = if page.query.q.is_empty() {
            "No API keys yet. Create your first key to connect a lead portal, a listing sync or an automation."
                .to_owned()
        } else {
            format!("No keys match “{}”.", page.query.q)
        };
        let hint = (page.query.q.is_empty() && can_manage).then_some("Start with Create New Key above.");
        return view! {
            <div class="empty-state" role="status">
                <p>{message}</p>
                {hint.map(|hint| view! { <p class="field-hint">{hint}</p> })}
            </div>
        }
        .into_any();
    }
    let state = expect_context::<KeysState>();
    let root = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            state.restore_focus_within(&root);
        }
    });
    let show_workspace = page.show_workspace;
    let query = page.query.clone();
    let headers = SortColumn::ALL
        .into_iter()
        .flat_map(|column| {
            let before = match column {
                SortColumn::Environment if show_workspace => {
                    Some(view! { <th scope="col">"Workspace"</th> }.into_any())
                }
                SortColumn::ApiKey => Some(
                    view! { <th scope="col"><span class="visually-hidden">"Details"</span></th> }.into_any(),
                ),
                _ => None,
            };
            before.into_iter().chain(std::iter::once(
                view! { <SortHeader column query=query.clone()/> }.into_any(),
            ))
        })
        .collect::<Vec<_>>();
    let rows = page
        .rows
        .clone()
        .into_iter()
        .map(|row| view! { <Row row show_workspace/> })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll" node_ref=root>
            <table class="keys">
                <caption class="visually-hidden">"API keys"</caption>
                <thead>
                    <tr>
                        {headers}
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager page/>
    }
    .into_any()
}
