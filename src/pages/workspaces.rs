//! Admin › Workspaces (super managers): every workspace with what it holds
//! (`/admin/workspaces`, with the create form), and one workspace's page
//! (`/admin/workspaces/{id}`: rename, archive, restore). Plain form posts
//! (`crate::server::people_forms`): all of it works without JavaScript.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::local_time::LocalTime;
use crate::models::people::{forms, WorkspaceRow};
use crate::models::FormFlash;
use crate::pages::team::{
    done_notice, form_errors, input_field, load_error, trail, workspace_path, WORKSPACES_PATH,
};
use crate::server_fns::people::get_workspaces;
use crate::server_fns::session::get_form_flash;

fn status(row: &WorkspaceRow) -> AnyView {
    match row.archived_at {
        Some(at) => view! {
            <span class="badge badge-revoked">"Archived"</span>
            <span class="status-note">"Since " <LocalTime at/></span>
        }
        .into_any(),
        None => view! { <span class="badge badge-active">"In use"</span> }.into_any(),
    }
}

#[component]
pub fn WorkspacesPage() -> impl IntoView {
    let list = Resource::new_blocking(|| (), |_| get_workspaces());
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::CREATE_WORKSPACE.into()));
    view! {
        <Title text="Workspaces"/>
        {trail(("Workspaces", WORKSPACES_PATH), None)}
        <h1>"Workspaces"</h1>
        <p class="lead">
            "Locations or sub-accounts of your agency. People work in workspaces, keys live in one (or in all), "
            "and leads and properties belong to one."
        </p>
        {done_notice()}
        <Suspense fallback=|| view! { <p role="status">"Loading workspaces…"</p> }>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match list.await {
                    Ok(rows) => view! {
                        {create_form(&flash)}
                        {table(rows)}
                    }
                    .into_any(),
                    Err(err) => load_error(err, "workspaces"),
                }
            })}
        </Suspense>
    }
}

fn create_form(flash: &FormFlash) -> impl IntoView {
    view! {
        <section aria-labelledby="create-heading">
            <h2 id="create-heading">"Create workspace"</h2>
            {form_errors(flash)}
            <form method="post" action=WORKSPACES_PATH class="inline-form">
                {input_field(flash, "workspace", "Name", "name", "text", None, "off", flash.value("name"))}
                <button type="submit" class="button primary">"Create workspace"</button>
            </form>
        </section>
    }
}

fn table(rows: Vec<WorkspaceRow>) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <th scope="row" class="key-name"><a href=workspace_path(row.id)>{row.name.clone()}</a></th>
                    <td class="status-cell">{status(&row)}</td>
                    <td class="number">{row.people}</td>
                    <td class="number">{row.keys}</td>
                    <td class="number">{row.leads}</td>
                    <td class="number">{row.properties}</td>
                    <td class="date"><LocalTime at=row.created_at/></td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label="Workspaces table" tabindex="0">
            <table class="keys">
                <caption class="visually-hidden">"Workspaces"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"People"</th>
                        <th scope="col">"Live keys"</th>
                        <th scope="col">"Leads"</th>
                        <th scope="col">"Properties"</th>
                        <th scope="col">"Created"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
pub fn WorkspacePage() -> impl IntoView {
    let params = use_params_map();
    let id =
        Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(-1)));
    let list = Resource::new_blocking(|| (), |_| get_workspaces());
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(forms::WORKSPACE.into()));
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                let id = id.get_untracked();
                match list.await {
                    Ok(rows) => match rows.into_iter().find(|w| w.id == id) {
                        Some(row) => workspace_page(row, &flash).into_any(),
                        None => {
                            #[cfg(feature = "ssr")]
                            crate::server::request::set_status(axum::http::StatusCode::NOT_FOUND);
                            view! {
                                <Title text="Workspace"/>
                                {trail(("Workspaces", WORKSPACES_PATH), None)}
                                <h1>"Workspace"</h1>
                                {crate::pages::team::error_message("There is no such workspace in your agency.".to_owned())}
                            }
                            .into_any()
                        }
                    },
                    Err(err) => load_error(err, "workspaces"),
                }
            })}
        </Suspense>
    }
}

fn workspace_page(row: WorkspaceRow, flash: &FormFlash) -> impl IntoView {
    let path = workspace_path(row.id);
    let typed = flash.value("name");
    let name = if typed.is_empty() { row.name.clone() } else { typed };
    let archive = if row.archived_at.is_some() {
        view! {
            <p>"Restoring it lets its keys work again and lets new keys be created there."</p>
            <form method="post" action=path.clone() class="button-row">
                <input type="hidden" name="action" value="restore"/>
                <button type="submit" class="button primary">"Restore workspace"</button>
            </form>
        }
        .into_any()
    } else {
        view! {
            <p>
                "Archiving stops new keys there and refuses its keys and the app tokens given for it, from the next "
                "request on. Its people, leads and properties are kept, and you can restore it."
            </p>
            <form method="post" action=path.clone() class="button-row">
                <input type="hidden" name="action" value="archive"/>
                <button type="submit" class="button danger">"Archive workspace"</button>
            </form>
        }
        .into_any()
    };
    view! {
        <Title text=row.name.clone()/>
        {trail(("Workspaces", WORKSPACES_PATH), Some((row.name.clone(), path.clone())))}
        <h1>{row.name.clone()}</h1>
        {done_notice()}
        {form_errors(flash)}
        <dl class="details">
            <dt>"Status"</dt><dd>{status(&row)}</dd>
            <dt>"People"</dt><dd>{row.people}</dd>
            <dt>"Live keys"</dt><dd>{row.keys}</dd>
            <dt>"Leads"</dt><dd>{row.leads}</dd>
            <dt>"Properties"</dt><dd>{row.properties}</dd>
        </dl>
        <section aria-labelledby="rename-heading">
            <h2 id="rename-heading">"Rename"</h2>
            <form method="post" action=path.clone() class="inline-form">
                <input type="hidden" name="action" value="rename"/>
                {input_field(flash, "workspace", "Name", "name", "text", None, "off", name)}
                <button type="submit" class="button secondary">"Rename workspace"</button>
            </form>
        </section>
        <section aria-labelledby="archive-heading">
            <h2 id="archive-heading">{if row.archived_at.is_some() { "Restore" } else { "Archive" }}</h2>
            {archive}
        </section>
    }
}
