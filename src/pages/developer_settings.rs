//! `/admin/profile/developer-settings`: the API key table, its search, and
//! the dialogs that create, rename, revoke and remove keys. The page is the
//! server's; the search box, Create New Key and each row's actions are
//! islands. The settings forms post and the server redirects back.
use std::time::Duration;

use crate::components::query::use_query;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::island::{mark_hydrated, swap_region};
use crate::components::keys::create::CreateKey;
use crate::components::keys::table::KeyTable;
use crate::components::keys::{PAGE_PATH, RESULTS_ID};
use crate::domain::lifecycle::WEEKDAYS;
use crate::models::keys::{KeyQuery, KeySettings};
use crate::server_fns::keys::{get_key_settings, list_keys, SetInactivityDays, SetKeyLimit, SetSandboxReset};

#[component]
pub fn DeveloperSettingsPage() -> impl IntoView {
    let params = use_query();
    let query = Memo::new(move |_| params.with(|p| KeyQuery::from_params(|name| p.get(name))));
    let settings = Resource::new(|| (), |_| get_key_settings());
    let keys = Resource::new(move || query.get(), list_keys);

    view! {
        <Title text="Developer Settings"/>
        <Breadcrumb depth=2/>
        <h1>"Developer Settings"</h1>
        <p class="lead">
            "API keys let outside systems — lead portals, listing syncs, automations — import and "
            "update your leads and properties through the keyward API. "
            <a href="/admin/profile/developer-settings/api-reference">"API reference"</a>
            " · "
            <a href="/admin/profile/developer-settings/audit-log">"Audit log"</a>
            " · "
            <a href="/admin/profile/developer-settings/oauth-apps">"OAuth apps"</a>
            " · "
            <a href="/admin/profile/developer-settings/webhooks">"Webhooks"</a>
        </p>
        <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <Toolbar settings query=query.get_untracked()/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p role="status">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                let can_manage = settings.await.map(|s| s.can_manage).unwrap_or(false);
                let results = match keys.await {
                    Ok(page) => view! { <KeyTable page can_manage/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                };
                view! { <div id=RESULTS_ID>{results}</div> }
            })}
        </Suspense>
    }
}

/// Search keys: a GET form (it works without JavaScript); hydrated, the
/// table follows the typing, a quarter of a second after the last key,
/// and a submit applies at once — the server draws the rows either way.
#[island]
fn KeySearch(query: KeyQuery) -> impl IntoView {
    let root = NodeRef::<leptos::html::Form>::new();
    mark_hydrated(root);
    let pending = StoredValue::new(None::<TimeoutHandle>);
    // The last search asked for: an older answer arriving late is dropped.
    let latest = StoredValue::new(0u32);
    let current = StoredValue::new(query.clone());
    let go = move |text: String| {
        let next = current.with_value(|q| q.with_search(&text));
        if current.with_value(|q| *q == next) {
            return;
        }
        current.set_value(next.clone());
        latest.update_value(|n| *n += 1);
        let ticket = latest.get_value();
        let url = match next.to_query_string() {
            q if q.is_empty() => PAGE_PATH.to_owned(),
            q => format!("{PAGE_PATH}?{q}"),
        };
        leptos::task::spawn_local(async move {
            swap_region(url, RESULTS_ID, move || latest.get_value() == ticket).await;
        });
    };
    let cancel_pending = move || {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        cancel_pending();
        pending.set_value(set_timeout_with_handle(move || go(text), Duration::from_millis(250)).ok());
    };
    let input = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        cancel_pending();
        if let Some(input) = input.get_untracked() {
            go(input.value());
        }
    };
    let default = KeyQuery::default();
    let keeps_order = query.sort != default.sort || query.dir != default.dir;
    view! {
        <form class="search" role="search" method="get" action=PAGE_PATH node_ref=root on:submit=on_submit>
            <label for="key-search">"Search keys"</label>
            <div class="search-row">
                <input id="key-search" type="search" name="q" value=query.q.to_string() node_ref=input
                    placeholder="Key name" autocomplete="off" on:input=on_input/>
                {keeps_order.then(|| view! {
                    <input type="hidden" name="sort" value=query.sort.param()/>
                    <input type="hidden" name="dir" value=query.dir.param()/>
                })}
                <button type="submit" class="button secondary">"Search"</button>
            </div>
        </form>
    }
}

/// Search, Create New Key (or why not), the limit setting, and the create dialog.
#[component]
fn Toolbar(settings: KeySettings, query: KeyQuery) -> impl IntoView {
    let has_room = settings.has_room();
    let limit_message = settings.limit_message();
    view! {
        <div class="toolbar">
            <KeySearch query/>
            {settings.can_manage.then(|| view! {
                <div class="create-column">
                    <CreateKey settings=settings.clone()/>
                    <noscript><p class="field-hint">"Creating keys needs JavaScript."</p></noscript>
                </div>
            })}
        </div>
        {(!has_room && settings.can_manage).then(|| view! {
            <p id="limit-note" class="notice warning">{limit_message}</p>
        })}
        {(!settings.can_manage).then(|| view! {
            <p class="notice">"You can see these keys. Managers and super managers can create and change them."</p>
        })}
        {settings.can_change_limit.then(|| view! {
            <KeyLimitForm max=settings.max_active_keys/>
            <MaintenanceForms settings=settings.clone()/>
        })}
    }
}

/// The agency's key limit, for super managers (works without JavaScript too).
#[component]
fn KeyLimitForm(max: i32) -> impl IntoView {
    let action = ServerAction::<SetKeyLimit>::new();
    let error = move || action.value().get().and_then(Result::err).map(|e| e.to_string());
    view! {
        <details class="limit-settings">
            <summary>"Key limit"</summary>
            <ActionForm action attr:class="inline-form">
                <div class="field" class:field-invalid=move || error().is_some()>
                    <label for="max-active-keys">"Active keys allowed per workspace and agency-wide"</label>
                    <div class="search-row">
                        <input id="max-active-keys" name="max_active_keys" type="number" min="1" max="1000"
                            value=max.to_string() aria-describedby="max-active-keys-error"/>
                        <button type="submit" class="button secondary">"Save limit"</button>
                    </div>
                    <Show when=move || error().is_some()>
                        <p id="max-active-keys-error" class="field-error">{error}</p>
                    </Show>
                </div>
            </ActionForm>
        </details>
    }
}

/// The inactivity window and the weekly sandbox reset, for super managers
/// (works without JavaScript too).
#[component]
fn MaintenanceForms(settings: KeySettings) -> impl IntoView {
    let inactivity = ServerAction::<SetInactivityDays>::new();
    let sandbox = ServerAction::<SetSandboxReset>::new();
    let inactivity_error = move || {
        inactivity
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let sandbox_error = move || sandbox.value().get().and_then(Result::err).map(|e| e.to_string());
    let day = settings.sandbox_reset_day;
    let hour = settings.sandbox_reset_hour;
    let days = std::iter::once(("off".to_owned(), "Off".to_owned(), day.is_none()))
        .chain(
            WEEKDAYS
                .iter()
                .enumerate()
                .map(|(n, name)| (n.to_string(), format!("Every {name}"), day == Some(n as i16))),
        )
        .map(|(value, label, selected)| view! { <option value=value selected=selected>{label}</option> })
        .collect::<Vec<_>>();
    let hours = (0..24)
        .map(|h| view! { <option value=h.to_string() selected=h == hour>{format!("{h:02}:00 UTC")}</option> })
        .collect::<Vec<_>>();
    view! {
        <details class="limit-settings">
            <summary>"Inactivity and sandbox reset"</summary>
            <ActionForm action=inactivity attr:class="inline-form">
                <div class="field" class:field-invalid=move || inactivity_error().is_some()>
                    <label for="inactivity-days">"Delete keys unused for (days)"</label>
                    <p id="inactivity-days-hint" class="field-hint">
                        "Super managers and the key's creator are notified 15, 7 and 1 days before. "
                        "Any request a key makes resets its clock, except one refused for a missing scope, its IP allowlist or its rate limit."
                    </p>
                    <div class="search-row">
                        <input id="inactivity-days" name="inactivity_days" type="number" min="30" max="3650"
                            value=settings.inactivity_days.to_string()
                            aria-describedby="inactivity-days-hint inactivity-days-error"/>
                        <button type="submit" class="button secondary">"Save window"</button>
                    </div>
                    <Show when=move || inactivity_error().is_some()>
                        <p id="inactivity-days-error" class="field-error">{inactivity_error}</p>
                    </Show>
                </div>
            </ActionForm>
            <ActionForm action=sandbox attr:class="inline-form">
                <fieldset class="field" class:field-invalid=move || sandbox_error().is_some()>
                    <legend>"Weekly sandbox reset"</legend>
                    <p class="field-hint">"Test-mode leads and properties are deleted; live data is never touched."</p>
                    <div class="search-row">
                        <label for="sandbox-day" class="visually-hidden">"Reset day"</label>
                        <select id="sandbox-day" name="day">{days}</select>
                        <label for="sandbox-hour" class="visually-hidden">"Reset hour"</label>
                        <select id="sandbox-hour" name="hour">{hours}</select>
                        <button type="submit" class="button secondary">"Save reset"</button>
                    </div>
                    <Show when=move || sandbox_error().is_some()>
                        <p class="field-error">{sandbox_error}</p>
                    </Show>
                </fieldset>
            </ActionForm>
        </details>
    }
}
