//! Developer Settings › Webhooks (super managers, and managers for their
//! workspaces): the endpoints (`/admin/profile/developer-settings/webhooks`)
//! and Add endpoint (`…/new`), which shows the new signing secret once.
//! One endpoint's page, its edit form and its confirmations are in
//! [`crate::pages::webhook_endpoint`].
//!
//! Every page is the server's and every action a plain form post
//! (`crate::server::webhook_forms`), so all of it works without
//! JavaScript; a secret is shown on the page that answers the post, never
//! stored for a later one.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::breadcrumb::Breadcrumb;
use crate::components::copy_field::CopyFieldIsland;
use crate::components::local_time::LocalTime;
use crate::components::query::use_query;
use crate::domain::environment::Environment;
use crate::domain::webhook_event::EventType;
use crate::models::webhook_pages::{
    EndpointRow, WebhookChoices, WebhookList, WebhookNotice, WebhookOutcome, CREATE_FORM,
};
use crate::models::FormFlash;
use crate::server_fns::session::get_form_flash;
use crate::server_fns::webhooks::{get_webhook_choices, get_webhook_outcome, list_webhook_endpoints};

/// The endpoints.
pub const WEBHOOKS_PATH: &str = "/admin/profile/developer-settings/webhooks";
/// Add endpoint.
pub const NEW_WEBHOOK_PATH: &str = "/admin/profile/developer-settings/webhooks/new";
/// Where the API reference explains receiving and verifying.
const HOW_TO: &str = "/admin/profile/developer-settings/api-reference#webhooks";

/// One endpoint's page; its buttons post here.
pub fn endpoint_path(id: &str) -> String {
    format!("{WEBHOOKS_PATH}/{id}")
}

/// The trail's Webhooks level.
pub fn trail() -> (String, String) {
    ("Webhooks".to_owned(), WEBHOOKS_PATH.to_owned())
}

/// The event types an endpoint may subscribe to (`webhook.test` is sent on
/// demand, whatever it subscribes to).
pub fn subscribable() -> impl Iterator<Item = EventType> {
    EventType::ALL
        .into_iter()
        .filter(|e| *e != EventType::WebhookTest)
}

/// A fixed notice named by `?done=` after a redirect.
pub fn done_notice() -> impl IntoView {
    let query = use_query();
    let notice = query.with_untracked(|q| q.get("done").and_then(|d| WebhookNotice::from_param(&d)));
    notice.map(|n| view! { <p class="notice success" role="status">{n.text()}</p> })
}

pub fn error_message(message: String) -> impl IntoView {
    view! { <p class="form-error" role="alert">{message}</p> }
}

/// Event type names, each as code; "All (10)" when it hears every one.
pub fn event_list(events: &[EventType]) -> AnyView {
    let all = subscribable().count();
    if events.len() >= all && subscribable().all(|e| events.contains(&e)) {
        return view! { <span>{format!("All ({all})")}</span> }.into_any();
    }
    let items = events
        .iter()
        .map(|e| view! { <span class="scope"><code>{e.as_str()}</code></span> })
        .collect::<Vec<_>>();
    view! { <span class="scopes-inline">{items}</span> }.into_any()
}

/// Enabled, or why not, with the start of a run of failures.
pub fn status_cell(row: &EndpointRow) -> impl IntoView {
    let badge = if row.endpoint.enabled {
        view! { <span class="badge badge-active">{row.status.clone()}</span> }.into_any()
    } else {
        view! { <span class="badge badge-revoked">{row.status.clone()}</span> }.into_any()
    };
    let failing = row.endpoint.failing_since.map(|at| {
        view! { <span class="status-note">"Failing since " <LocalTime at with_time=true/></span> }
    });
    view! { {badge}{failing} }
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let list = Resource::new_blocking(|| (), |_| list_webhook_endpoints());
    view! {
        <Title text="Webhooks"/>
        <Breadcrumb depth=2 current=trail()/>
        <h1>"Webhooks"</h1>
        <p class="lead">
            "keyward tells your systems when something happens — a lead arrives, a property changes, a key is revoked — "
            "with a signed HTTP POST to each endpoint you add here (Standard Webhooks), retried for about three days. "
            <a href=HOW_TO>"How to receive and verify them"</a>
        </p>
        {done_notice()}
        <Suspense fallback=|| view! { <p role="status">"Loading endpoints…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! {
                        <p><a class="button primary" href=NEW_WEBHOOK_PATH>"Add endpoint"</a></p>
                        <EndpointTable list/>
                    }
                    .into_any(),
                    Err(err) => error_message(err.to_string()).into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EndpointTable(list: WebhookList) -> impl IntoView {
    if list.endpoints.is_empty() {
        return view! {
            <div class="empty-state" role="status">
                <p>"No webhook endpoints yet. Add one to receive events as they happen."</p>
            </div>
        }
        .into_any();
    }
    let rows = list
        .endpoints
        .into_iter()
        .map(|row| {
            let href = endpoint_path(&row.endpoint.id);
            let description = (!row.endpoint.description.is_empty())
                .then(|| view! { <span class="status-note">{row.endpoint.description.clone()}</span> });
            view! {
                <tr>
                    <th scope="row" class="key-name endpoint-url"><a href=href>{row.endpoint.url.clone()}</a>{description}</th>
                    <td class="workspace">{row.reach()}</td>
                    <td>{row.endpoint.environment.label()}</td>
                    <td class="scopes">{event_list(&row.endpoint.event_types)}</td>
                    <td class="status-cell">{status_cell(&row)}</td>
                    <td class="date"><LocalTime at=row.endpoint.created_at/></td>
                </tr>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="table-scroll records-scroll" role="region" aria-label="Webhook endpoints table" tabindex="0">
            <table class="keys">
                <caption class="visually-hidden">"Webhook endpoints"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Endpoint URL"</th>
                        <th scope="col">"Workspace"</th>
                        <th scope="col">"Mode"</th>
                        <th scope="col">"Event types"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Created"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn NewWebhookPage() -> impl IntoView {
    let choices = Resource::new_blocking(|| (), |_| get_webhook_choices());
    let flash = Resource::new_blocking(|| (), |_| get_form_flash(CREATE_FORM.into()));
    let outcome = Resource::new_blocking(|| (), |_| get_webhook_outcome());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                if let Ok(Some(WebhookOutcome::Created { endpoint_id, secret })) = outcome.await {
                    return created(endpoint_id, secret).into_any();
                }
                let flash = flash.await.ok().flatten().unwrap_or_default();
                let form = match choices.await {
                    Ok(choices) => view! { <CreateForm choices flash/> }.into_any(),
                    Err(err) => error_message(err.to_string()).into_any(),
                };
                view! {
                    <Title text="Add endpoint"/>
                    <Breadcrumb depth=2 between=trail() current=("Add endpoint".to_owned(), NEW_WEBHOOK_PATH.to_owned())/>
                    <h1>"Add endpoint"</h1>
                    {form}
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// The answer to a successful create: the signing secret, this once.
fn created(endpoint_id: String, secret: String) -> impl IntoView {
    let path = endpoint_path(&endpoint_id);
    view! {
        <Title text="Endpoint created"/>
        <Breadcrumb depth=2 between=trail() current=("Endpoint created".to_owned(), path.clone())/>
        <h1>"Endpoint created"</h1>
        <section class="reveal notice" aria-labelledby="secret-heading">
            <h2 id="secret-heading">"Copy the signing secret now"</h2>
            <p>
                "Your receiver verifies every message with this secret. It is shown in full only this once; "
                "people who manage the endpoint can reveal it again on the endpoint's page (each time is audited)."
            </p>
            <CopyFieldIsland label="Signing secret".to_owned() id="signing-secret".to_owned() value=secret/>
        </section>
        <p><a class="button primary" href=path>"Go to the endpoint"</a></p>
    }
}

/// A labelled text input with its hint and error (`webhook-{name}`).
pub fn text_field(
    flash: &FormFlash,
    label: &'static str,
    name: &'static str,
    kind: &'static str,
    hint: &'static str,
    required: bool,
) -> impl IntoView {
    let error = flash.error(name);
    let id = format!("webhook-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = match &error {
        Some(_) => format!("{hint_id} {error_id}"),
        None => hint_id.clone(),
    };
    let invalid = error.is_some();
    view! {
        <div class="field" class:field-invalid=invalid>
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind value=flash.value(name) required=required autocomplete="off"
                spellcheck="false" aria-invalid=invalid.then_some("true") aria-describedby=described/>
            <p id=hint_id class="field-hint">{hint}</p>
            {error.map(|error| view! { <p id=error_id class="field-error">{error}</p> })}
        </div>
    }
}

/// One checkbox per event type; all ticked on a fresh form, else the ones
/// `chosen` names.
pub fn event_checkboxes(flash: &FormFlash, chosen: Option<Vec<String>>) -> impl IntoView {
    let error = flash.error("event_types");
    let invalid = error.is_some();
    let items = subscribable()
        .map(|event| {
            let id = format!("webhook-event-{}", event.as_str().replace(['.', '_'], "-"));
            let for_id = id.clone();
            let checked = chosen
                .as_ref()
                .is_none_or(|chosen| chosen.iter().any(|c| c == event.as_str()));
            view! {
                <label class="choice" for=for_id>
                    <input type="checkbox" id=id name="event_types" value=event.as_str() checked=checked/>
                    <code>{event.as_str()}</code>
                    <span class="field-hint">{event.description()}</span>
                </label>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <fieldset class="choice-group" class:field-invalid=invalid
            aria-describedby=invalid.then_some("webhook-event_types-error")>
            <legend>"Event types"</legend>
            {items}
            {error.map(|e| view! { <p id="webhook-event_types-error" class="field-error">{e}</p> })}
        </fieldset>
    }
}

/// The event types a refused form had ticked (`None`: a fresh form).
pub fn typed_events(flash: &FormFlash) -> Option<Vec<String>> {
    flash
        .values
        .get("event_types")
        .map(|v| v.split_whitespace().map(str::to_owned).collect())
}

/// "Some fields need another look", over a form refused field by field.
pub fn form_errors(flash: &FormFlash) -> impl IntoView {
    let whole = flash.error("form");
    let fields = whole.is_none() && !flash.errors.is_empty();
    view! {
        {whole.map(error_message)}
        {fields.then(|| view! {
            <p class="form-error" role="alert">"Some fields need another look: see the messages below them."</p>
        })}
    }
}

#[component]
fn CreateForm(choices: WebhookChoices, flash: FormFlash) -> impl IntoView {
    // A form sent again after a refusal keeps the id it was drawn with.
    let form_id = Some(flash.value("form_id"))
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| choices.form_id.clone());
    let typed_workspace = flash.value("workspace_id");
    let workspace_error = flash.error("workspace_id");
    let workspace_invalid = workspace_error.is_some();
    let workspace_described = if workspace_invalid {
        "webhook-workspace_id-hint webhook-workspace_id-error"
    } else {
        "webhook-workspace_id-hint"
    };
    let mut options = Vec::new();
    if choices.agency_wide {
        options.push(
            view! { <option value="" selected=typed_workspace.is_empty()>"All workspaces"</option> }
                .into_any(),
        );
    }
    for (id, name) in &choices.workspaces {
        let value = id.to_string();
        let selected = typed_workspace == value;
        options.push(view! { <option value=value selected=selected>{name.clone()}</option> }.into_any());
    }
    let environment = Some(flash.value("environment"))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| Environment::Live.as_str().to_owned());
    let environments = [
        (Environment::Live, "Hears live events only."),
        (Environment::Test, "Hears test-mode events only (test keys' leads and properties)."),
    ]
    .into_iter()
    .map(|(env, hint)| {
        let id = format!("webhook-environment-{}", env.as_str());
        let for_id = id.clone();
        view! {
            <label class="choice" for=for_id>
                <input type="radio" id=id name="environment" value=env.as_str() checked=environment == env.as_str()/>
                <span>{env.label()}</span>
                <span class="field-hint">{hint}</span>
            </label>
        }
    })
    .collect::<Vec<_>>();
    let environment_error = flash.error("environment");
    let environment_invalid = environment_error.is_some();
    let chosen = typed_events(&flash);
    view! {
        {form_errors(&flash)}
        <form method="post" action=NEW_WEBHOOK_PATH class="stack webhook-form">
            <input type="hidden" name="form_id" value=form_id/>
            {text_field(
                &flash,
                "Endpoint URL",
                "url",
                "url",
                "Where keyward POSTs each event: https, on a public address.",
                true,
            )}
            {text_field(&flash, "Description", "description", "text", "Optional. Up to 200 characters, for you.", false)}
            <div class="field" class:field-invalid=workspace_invalid>
                <label for="webhook-workspace_id">"Workspace"</label>
                <select id="webhook-workspace_id" name="workspace_id" aria-describedby=workspace_described
                    aria-invalid=workspace_invalid.then_some("true")>
                    {options}
                </select>
                <p id="webhook-workspace_id-hint" class="field-hint">
                    "Events about this workspace's leads, properties and keys; all workspaces also hear agency-wide keys' events."
                </p>
                {workspace_error.map(|e| view! { <p id="webhook-workspace_id-error" class="field-error">{e}</p> })}
            </div>
            <fieldset class="choice-group" class:field-invalid=environment_invalid>
                <legend>"Environment"</legend>
                {environments}
                {environment_error.map(|e| view! { <p class="field-error">{e}</p> })}
            </fieldset>
            {event_checkboxes(&flash, chosen)}
            <div class="button-row">
                <button type="submit" class="button primary">"Add endpoint"</button>
                <a class="button secondary" href=WEBHOOKS_PATH>"Cancel"</a>
            </div>
        </form>
    }
}
