//! `/admin/profile/developer-settings`: the API key table, its search, and
//! the dialogs that create, rename, revoke and remove keys.
use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::keys::create::CreateKeyDialog;
use crate::components::keys::manage::{ConfirmDialogs, RateLimitDialog, RenameDialog};
use crate::components::keys::table::KeyTable;
use crate::components::keys::{KeysState, OpenDialog, PAGE_PATH};
use crate::domain::lifecycle::WEEKDAYS;
use crate::models::keys::{KeyQuery, KeySettings};
use crate::server_fns::keys::{get_key_settings, list_keys, SetInactivityDays, SetKeyLimit, SetSandboxReset};

#[component]
pub fn DeveloperSettingsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| KeyQuery::from_params(|name| p.get(name))));
    let version = RwSignal::new(0u32);
    let settings = Resource::new(move || version.get(), |_| get_key_settings());
    let keys = Resource::new(
        move || (query.get(), version.get()),
        |(query, _)| list_keys(query),
    );
    let state = KeysState {
        version,
        open: RwSignal::new(OpenDialog::None),
        return_focus: RwSignal::new(String::new()),
        refocus: RwSignal::new(None),
        settings,
    };
    provide_context(state);

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
        </p>
        <Suspense fallback=|| view! { <p role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(settings) => view! { <Toolbar settings query/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p role="status">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                let can_manage = settings.await.map(|s| s.can_manage).unwrap_or(false);
                match keys.await {
                    Ok(page) => view! { <KeyTable page can_manage/> }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <RenameDialog/>
        <RateLimitDialog/>
        <ConfirmDialogs/>
    }
}

/// Search, Create New Key (or why not), the limit setting, and the create dialog.
#[component]
fn Toolbar(settings: KeySettings, query: Memo<KeyQuery>) -> impl IntoView {
    let state = expect_context::<KeysState>();
    let navigate = use_navigate();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let go = move |text: String, navigate: &dyn Fn(&str, NavigateOptions)| {
        let next = query.get_untracked().with_search(&text);
        if next != query.get_untracked() {
            let q = next.to_query_string();
            let url = if q.is_empty() {
                PAGE_PATH.to_owned()
            } else {
                format!("{PAGE_PATH}?{q}")
            };
            navigate(
                &url,
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let on_input = {
        let navigate = navigate.clone();
        move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let navigate = navigate.clone();
            let handle =
                set_timeout_with_handle(move || go(text, &navigate), Duration::from_millis(250)).ok();
            pending.set_value(handle);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let input = document()
            .get_element_by_id("key-search")
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(e).ok());
        if let Some(input) = input {
            go(input.value(), &navigate);
        }
    };
    let root = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            state.restore_focus_within(&root);
        }
    });
    let current = query.get_untracked();
    let has_room = settings.has_room();
    let limit_message = settings.limit_message();
    view! {
        <div class="toolbar" node_ref=root>
            <form class="search" role="search" method="get" action=PAGE_PATH on:submit=on_submit>
                <label for="key-search">"Search keys"</label>
                <div class="search-row">
                    <input id="key-search" type="search" name="q" value=current.q.to_string()
                        placeholder="Key name" autocomplete="off" on:input=on_input/>
                    {(current.sort != KeyQuery::default().sort || current.dir != KeyQuery::default().dir).then(|| view! {
                        <input type="hidden" name="sort" value=current.sort.param()/>
                        <input type="hidden" name="dir" value=current.dir.param()/>
                    })}
                    <button type="submit" class="button secondary">"Search"</button>
                </div>
            </form>
            {settings.can_manage.then(|| view! {
                <div class="create">
                    <button type="button" class="button primary" id="create-key" disabled=!has_room
                        aria-describedby=(!has_room).then_some("limit-note")
                        on:click=move |_| state.open(OpenDialog::Create, "create-key".to_owned())>
                        "Create New Key"
                    </button>
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
        {settings.can_manage.then(|| view! { <CreateKeyDialog settings=settings.clone()/> })}
    }
}

/// The agency's key limit, for super managers (works without JavaScript too).
#[component]
fn KeyLimitForm(max: i32) -> impl IntoView {
    let state = expect_context::<KeysState>();
    let action = ServerAction::<SetKeyLimit>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            state.changed();
        }
    });
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
                    <Show when=move || matches!(action.value().get(), Some(Ok(())))>
                        <p class="field-hint" role="status">"Saved."</p>
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
    let state = expect_context::<KeysState>();
    let inactivity = ServerAction::<SetInactivityDays>::new();
    let sandbox = ServerAction::<SetSandboxReset>::new();
    Effect::new(move |_| {
        if matches!(inactivity.value().get(), Some(Ok(()))) || matches!(sandbox.value().get(), Some(Ok(()))) {
            state.changed();
        }
    });
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
                    <Show when=move || matches!(sandbox.value().get(), Some(Ok(())))>
                        <p class="field-hint" role="status">"Saved."</p>
                    </Show>
                </fieldset>
            </ActionForm>
        </details>
    }
}
