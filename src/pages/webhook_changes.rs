//! The pages that change a webhook endpoint, each with a form that posts
//! without JavaScript: Edit endpoint (`…/webhooks/{id}/edit`: URL,
//! description, event types), and the confirmations of Rotate secret
//! (`…/{id}/rotate`) and Delete (`…/{id}/delete`).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::breadcrumb::Breadcrumb;
use crate::models::webhook_pages::{EndpointRow, DELETE_FORM, EDIT_FORM};
use crate::models::{AppError, FormFlash};
use crate::pages::webhooks::{
    endpoint_path, error_message, event_checkboxes, form_errors, text_field, trail, typed_events,
};
use crate::server_fns::session::get_form_flash;
use crate::server_fns::webhooks::get_webhook;

/// Edit endpoint; its form posts here.
pub fn edit_path(id: &str) -> String {
    format!("{}/edit", endpoint_path(id))
}

/// Rotate secret's confirmation (its form posts to the endpoint's page).
pub fn rotate_path(id: &str) -> String {
    format!("{}/rotate", endpoint_path(id))
}

/// Delete's confirmation; its form posts here.
pub fn delete_path(id: &str) -> String {
    format!("{}/delete", endpoint_path(id))
}

type Loaded<T> = Resource<Result<T, AppError>>;

/// The endpoint of the page's URL and the flash of `form`.
fn load(form: &'static str) -> (Loaded<EndpointRow>, Loaded<Option<FormFlash>>) {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let endpoint = Resource::new_blocking(move || id.clone(), get_webhook);
    let flash = Resource::new_blocking(|| (), move |_| get_form_flash(form.into()));
    (endpoint, flash)
}

/// The page when the endpoint cannot be loaded (404, 403).
fn unavailable(title: &'static str, err: AppError) -> AnyView {
    view! {
        <Title text=title/>
        <Breadcrumb depth=2 current=trail()/>
        <h1>{title}</h1>
        {error_message(err.to_string())}
    }
    .into_any()
}

fn crumbs(row: &EndpointRow, label: &str, path: String) -> impl IntoView {
    view! {
        <Breadcrumb depth=2 between=trail()
            current=(label.to_owned(), path)/>
        <p class="field-hint">"Endpoint " <a href=endpoint_path(&row.endpoint.id)>{row.endpoint.url.clone()}</a></p>
    }
}

#[component]
pub fn EditWebhookPage() -> impl IntoView {
    let (endpoint, flash) = load(EDIT_FORM);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten();
                match endpoint.await {
                    Ok(row) => view! { <EditForm row flash/> }.into_any(),
                    Err(err) => unavailable("Edit endpoint", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EditForm(row: EndpointRow, flash: Option<FormFlash>) -> impl IntoView {
    let id = row.endpoint.id.clone();
    // A fresh form shows the endpoint as it is; a refused one what was typed.
    let flash = flash.unwrap_or_else(|| FormFlash {
        form: EDIT_FORM.into(),
        errors: Default::default(),
        values: [
            ("url".to_owned(), row.endpoint.url.clone()),
            ("description".to_owned(), row.endpoint.description.clone()),
            (
                "event_types".to_owned(),
                row.endpoint
                    .event_types
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        ]
        .into(),
    });
    let chosen = typed_events(&flash);
    view! {
        <Title text="Edit endpoint"/>
        {crumbs(&row, "Edit", edit_path(&id))}
        <h1>"Edit endpoint"</h1>
        {form_errors(&flash)}
        <form method="post" action=edit_path(&id) class="stack webhook-form">
            {text_field(
                &flash,
                "Endpoint URL",
                "url",
                "url",
                "Where keyward POSTs each event: https, on a public address.",
                true,
            )}
            {text_field(&flash, "Description", "description", "text", "Optional. Up to 200 characters, for you.", false)}
            {event_checkboxes(&flash, chosen)}
            <div class="button-row">
                <button type="submit" class="button primary">"Save changes"</button>
                <a class="button secondary" href=endpoint_path(&id)>"Cancel"</a>
            </div>
        </form>
    }
}

#[component]
pub fn RotateWebhookSecretPage() -> impl IntoView {
    let (endpoint, _) = load(DELETE_FORM);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match endpoint.await {
                    Ok(row) => {
                        let id = row.endpoint.id.clone();
                        view! {
                            <Title text="Rotate the signing secret?"/>
                            {crumbs(&row, "Rotate secret", rotate_path(&id))}
                            <h1>"Rotate the signing secret?"</h1>
                            <p>
                                "keyward makes a new signing secret and shows it once. The current secret keeps signing "
                                "every message beside the new one (a second " <code>"v1,"</code> " signature) for 24 hours, "
                                "so your receiver can switch to the new secret without missing a message. After that only "
                                "the new one signs."
                            </p>
                            <form method="post" action=endpoint_path(&id) class="button-row">
                                <input type="hidden" name="action" value="rotate"/>
                                <button type="submit" class="button primary">"Rotate secret"</button>
                                <a class="button secondary" href=endpoint_path(&id)>"Cancel"</a>
                            </form>
                        }
                        .into_any()
                    }
                    Err(err) => unavailable("Rotate secret", err),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn DeleteWebhookPage() -> impl IntoView {
    let (endpoint, flash) = load(DELETE_FORM);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let flash = flash.await.ok().flatten().unwrap_or_default();
                match endpoint.await {
                    Ok(row) => {
                        let id = row.endpoint.id.clone();
                        view! {
                            <Title text="Delete this endpoint?"/>
                            {crumbs(&row, "Delete", delete_path(&id))}
                            <h1>"Delete this endpoint?"</h1>
                            {flash.error("form").map(error_message)}
                            <p>
                                "Nothing more is sent to " <code>{row.endpoint.url.clone()}</code>
                                ", and its delivery log is deleted with it, including messages still waiting. "
                                "This cannot be undone: to receive events there again, add a new endpoint (with a new secret)."
                            </p>
                            <form method="post" action=delete_path(&id) class="button-row">
                                <button type="submit" class="button danger">"Delete"</button>
                                <a class="button secondary" href=endpoint_path(&id)>"Cancel"</a>
                            </form>
                        }
                        .into_any()
                    }
                    Err(err) => unavailable("Delete endpoint", err),
                }
            })}
        </Suspense>
    }
}
