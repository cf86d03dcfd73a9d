//! The table named "API keys": sortable headers that are links (so it works
//! without JavaScript), rows with their details and actions, and paging.
use leptos::prelude::*;

use super::tooltip::KeyDetails;
use super::{key_path, KeysState, OpenDialog, PAGE_PATH};
use crate::components::local_time::LocalTime;
use crate::components::pager::{shown_range, Pager};
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
            <th scope="row" class="key-name">
                <a href=key_path(&row.id)>{row.name.clone()}</a>
            </th>
            <td class="key-details"><KeyDetails row=row.clone()/></td>
            <td><code class="api-key">{row.api_key()}"…"{row.last4.clone()}</code></td>
            {show_workspace.then(|| view! {
                <td>{row.workspace.clone().unwrap_or_else(|| "All workspaces".to_owned())}</td>
            })}
            <td>{row.environment.label()}</td>
            <td class="scopes">{scopes}</td>
            <td>
                <span class=status_class>{row.status.label()}</span>
                {row.old_secret_until.map(|at| view! {
                    <span class="status-note">"Old secret valid until " <LocalTime at with_time=true/></span>
                })}
            </td>
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
    let (current, count) = (page.query.page.get(), page.page_count());
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
        <Pager
            page=current
            pages=count
            range=shown_range(current, PAGE_SIZE, page.rows.len())
            total=page.total
            noun="keys"
            previous=(current > 1).then(|| href(&page.query.with_page(current - 1)))
            next=(current < count).then(|| href(&page.query.with_page(current + 1)))
        />
    }
    .into_any()
}
