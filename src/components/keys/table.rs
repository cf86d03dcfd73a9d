//! The table named "API keys": sortable headers that are links (so it works
//! without JavaScript), rows with their details and actions, and paging.
use leptos::prelude::*;

use super::manage::KeyRowActions;
use super::tooltip::KeyDetails;
use super::{key_path, PAGE_PATH};
use crate::components::local_time::{LocalNumber, LocalTime};
use crate::components::pager::{shown_range, Pager};
use crate::models::keys::{KeyPage, KeyQuery, KeyRow, KeyStatus, KeyTarget, SortColumn, PAGE_SIZE};

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
    let status_class = match row.status {
        KeyStatus::Active => "badge badge-active",
        KeyStatus::Expired => "badge badge-expired",
        KeyStatus::Revoked => "badge badge-revoked",
    };
    let scopes = row
        .scopes
        .iter()
        .enumerate()
        .map(|(n, s)| view! { {(n > 0).then_some(" ")}<span class="scope">{s.as_str()}</span> })
        .collect::<Vec<_>>();
    let actions = row
        .can_manage
        .then(|| view! { <KeyRowActions key=KeyTarget::from(&row)/> });
    view! {
        <tr>
            <th scope="row" class="key-name">
                <a href=key_path(&row.id)>{row.name.clone()}</a>
            </th>
            <td class="key-details"><KeyDetails row=row.clone()/></td>
            <td class="api-key-cell"><code class="api-key">"kw_"{row.environment.as_str()}"_"<wbr/>{row.id.clone()}<wbr/>"…"{row.last4.clone()}</code></td>
            {show_workspace.then(|| view! {
                <td class="workspace">{row.workspace.clone().unwrap_or_else(|| "All workspaces".to_owned())}</td>
            })}
            <td>{row.environment.label()}</td>
            <td class="scopes">{scopes}</td>
            <td class="status-cell">
                <span class=status_class>{row.status.label()}</span>
                {row.suspended.clone().map(|why| view! {
                    <span class="status-note status-warning">{why}</span>
                })}
                {row.old_secret_until.map(|at| view! {
                    <span class="status-note">"Old secret valid until " <LocalTime at with_time=true/></span>
                })}
                {(row.live_session_tokens > 0).then(|| view! {
                    <span class="status-note">{match row.live_session_tokens {
                        1 => "1 live session token".to_owned(),
                        n => format!("{n} live session tokens"),
                    }}</span>
                })}
            </td>
            <td class="date"><LocalTime at=row.created_at/></td>
            <td class="date">{match row.expires_at {
                Some(at) => view! { <LocalTime at/> }.into_any(),
                None => "Never".into_any(),
            }}</td>
            <td class="date">{match row.last_used_at {
                Some(at) => view! { <LocalTime at/> }.into_any(),
                None => "Never".into_any(),
            }}</td>
            <td class="number"><LocalNumber n=row.usage_count/></td>
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
        <div class="table-scroll keys-scroll" role="region" aria-label="API keys table" tabindex="0">
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
