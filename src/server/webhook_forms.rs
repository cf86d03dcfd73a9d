//! The form posts of Developer Settings › Webhooks, which work without
//! JavaScript: add an endpoint, edit it, delete it, and the buttons of its
//! page (send a test event, resend, reveal or rotate the secret, disable,
//! enable, recover failed messages).
//!
//! A secret or an attempt's result is shown by answering the post with the
//! page rendered on the server, never through a redirect (the secret would
//! have to wait somewhere for the next request). A refusal answers the
//! form's page again with the errors next to the fields and what was typed.
//! Enable, disable, save and delete redirect (post/redirect/get) with a
//! fixed notice.
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::domain::environment::Environment;
use crate::domain::token::KeyId;
use crate::domain::webhook_event::EventType;
use crate::models::webhook_pages::{
    AttemptSummary, WebhookNotice, WebhookOutcome, ACTION_FORM, CREATE_FORM, DELETE_FORM, EDIT_FORM,
    RECOVER_FORM,
};
use crate::models::FieldIssue;
use crate::pages::webhook_changes::{delete_path, edit_path};
use crate::pages::webhooks::{endpoint_path, NEW_WEBHOOK_PATH, WEBHOOKS_PATH};
use crate::server::form_post::{self, all, capitalised, fields, first, whole_form, FormPost};
use crate::server::services::error::ServiceError;
use crate::server::services::keys::Caller;
use crate::server::services::webhook_pages::MAY_NOT_MANAGE;
use crate::server::services::webhooks::{self as service, may_manage_some, EndpointFields};
use crate::server::webhooks::dispatch::Outcome;

/// The event types ticked, or why not.
fn event_types(fields: &[(String, String)], issues: &mut Vec<FieldIssue>) -> Vec<EventType> {
    let mut events = Vec::new();
    for name in all(fields, "event_types") {
        match name.parse::<EventType>() {
            Ok(event) => events.push(event),
            Err(_) => issues.push(FieldIssue {
                field: "event_types".into(),
                message: format!("{name:?} is not an event type"),
            }),
        }
    }
    events
}

/// Only an endpoint id's own shape (12 base62 characters) is echoed into a path.
fn endpoint_id(text: &str) -> Option<String> {
    KeyId::parse(text).map(|id| id.as_str().to_owned())
}

/// 303 to `path` with the notice to show there.
fn done(path: &str, notice: WebhookNotice) -> Response {
    Redirect::to(&format!("{path}?done={}", notice.param())).into_response()
}

/// The person posting, as [`FormPost::caller`]; people who manage no
/// endpoint are answered 403, as `path` with `form`'s message.
async fn manager(post: &FormPost, path: &str, form: &str) -> Result<Caller, Response> {
    let caller = post.caller().await?;
    if !may_manage_some(&caller) {
        let flash = whole_form(form, capitalised(MAY_NOT_MANAGE));
        return Err(post.render(path, flash, StatusCode::FORBIDDEN).await);
    }
    Ok(caller)
}

/// `path` again with the refusal's status and message (see
/// [`form_post::refused`]), a missing endpoint named as such.
async fn refused(
    post: &FormPost,
    err: ServiceError,
    doing: &str,
    path: &str,
    form: &str,
    values: BTreeMap<String, String>,
) -> Response {
    form_post::refused(post, err, doing, path, form, values, NO_SUCH_ENDPOINT).await
}

const NO_SUCH_ENDPOINT: &str = "There is no such endpoint, or it is not yours to manage.";

/// Field errors found before asking the service (a value no form offers).
async fn invalid(
    post: &FormPost,
    path: &str,
    form: &str,
    issues: Vec<FieldIssue>,
    values: BTreeMap<String, String>,
) -> Response {
    refused(post, ServiceError::Invalid(issues), "", path, form, values).await
}

/// `POST /admin/profile/developer-settings/webhooks/new`: adds an endpoint
/// and answers Add endpoint's page with its signing secret, once.
pub async fn create(post: FormPost, body: Bytes) -> Response {
    let fields = fields(&body);
    let values = BTreeMap::from(
        ["url", "description", "workspace_id", "environment", "form_id"]
            .map(|name| (name.to_owned(), first(&fields, name).to_owned())),
    );
    let mut values = values;
    values.insert("event_types".into(), all(&fields, "event_types").join(" "));
    let caller = match manager(&post, NEW_WEBHOOK_PATH, CREATE_FORM).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let mut issues = Vec::new();
    let workspace_id = match first(&fields, "workspace_id") {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                issues.push(FieldIssue {
                    field: "workspace_id".into(),
                    message: "Choose a workspace from the list".into(),
                });
                None
            }
        },
    };
    let environment = match first(&fields, "environment") {
        "" | "live" => Environment::Live,
        "test" => Environment::Test,
        _ => {
            issues.push(FieldIssue {
                field: "environment".into(),
                message: "Choose Live or Test".into(),
            });
            Environment::Live
        }
    };
    let events = event_types(&fields, &mut issues);
    if !issues.is_empty() {
        return invalid(&post, NEW_WEBHOOK_PATH, CREATE_FORM, issues, values).await;
    }
    let request = EndpointFields {
        url: Some(first(&fields, "url").trim().to_owned()),
        description: Some(first(&fields, "description").to_owned()),
        workspace_id: Some(workspace_id),
        environment: Some(environment),
        event_types: Some(events),
        enabled: None,
        secret: None,
        id: Some(first(&fields, "form_id").trim().to_owned()).filter(|id| !id.is_empty()),
    };
    let state = &post.state;
    match service::create(&state.db, &state.webhooks, &caller, request, Utc::now()).await {
        Ok((endpoint, secret)) => {
            let created = WebhookOutcome::Created {
                endpoint_id: endpoint.id,
                secret: secret.reveal(),
            };
            post.render(NEW_WEBHOOK_PATH, created, StatusCode::CREATED).await
        }
        // Sent twice (a reload of the answer): the endpoint is there.
        Err(ServiceError::Conflict(message)) if message == service::ALREADY_ADDED => {
            match endpoint_id(first(&fields, "form_id")) {
                Some(id) => Redirect::to(&endpoint_path(&id)).into_response(),
                None => Redirect::to(WEBHOOKS_PATH).into_response(),
            }
        }
        Err(err) => {
            refused(
                &post,
                err,
                "creating a webhook endpoint",
                NEW_WEBHOOK_PATH,
                CREATE_FORM,
                values,
            )
            .await
        }
    }
}

/// `POST /admin/profile/developer-settings/webhooks/{id}/edit`: saves the
/// URL, description and event types, then back to the endpoint's page.
pub async fn edit(post: FormPost, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(id) = endpoint_id(&id) else {
        return Redirect::to(WEBHOOKS_PATH).into_response();
    };
    let path = edit_path(&id);
    let fields = fields(&body);
    let mut values =
        BTreeMap::from(["url", "description"].map(|name| (name.to_owned(), first(&fields, name).to_owned())));
    values.insert("event_types".into(), all(&fields, "event_types").join(" "));
    let caller = match manager(&post, &path, EDIT_FORM).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let mut issues = Vec::new();
    let events = event_types(&fields, &mut issues);
    if !issues.is_empty() {
        return invalid(&post, &path, EDIT_FORM, issues, values).await;
    }
    let changes = EndpointFields {
        url: Some(first(&fields, "url").trim().to_owned()),
        description: Some(first(&fields, "description").to_owned()),
        event_types: Some(events),
        ..EndpointFields::default()
    };
    let state = &post.state;
    match service::update(&state.db, &state.webhooks, &caller, &id, changes, Utc::now()).await {
        Ok(_) => done(&endpoint_path(&id), WebhookNotice::Saved),
        Err(err) => {
            refused(
                &post,
                err,
                "changing a webhook endpoint",
                &path,
                EDIT_FORM,
                values,
            )
            .await
        }
    }
}

/// `POST /admin/profile/developer-settings/webhooks/{id}/delete`: deletes
/// the endpoint with its delivery log, then back to the list.
pub async fn delete(post: FormPost, Path(id): Path<String>) -> Response {
    let Some(id) = endpoint_id(&id) else {
        return Redirect::to(WEBHOOKS_PATH).into_response();
    };
    let path = delete_path(&id);
    let caller = match manager(&post, &path, DELETE_FORM).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match service::delete(&post.state.db, &caller, &id, Utc::now()).await {
        Ok(()) => done(WEBHOOKS_PATH, WebhookNotice::Deleted),
        Err(err) => {
            refused(
                &post,
                err,
                "deleting a webhook endpoint",
                &path,
                DELETE_FORM,
                BTreeMap::new(),
            )
            .await
        }
    }
}

fn summary(message_id: String, outcome: Outcome) -> AttemptSummary {
    AttemptSummary {
        message_id,
        succeeded: outcome.succeeded(),
        status_code: outcome.status,
        latency_ms: outcome.latency_ms,
        error_kind: outcome.error_kind.map(str::to_owned),
        error: outcome.error,
    }
}

/// A `datetime-local` value (`2026-12-03T09:30`, seconds optional), read as UTC.
fn since(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f"]
        .into_iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
        .or_else(|| DateTime::parse_from_rfc3339(text).ok().map(|at| at.to_utc()))
}

/// `POST /admin/profile/developer-settings/webhooks/{id}`: one of the
/// page's buttons, named by the form's `action` (`test`, `resend` with
/// `message_id`, `reveal`, `rotate`, `enable`, `disable`, `recover` with
/// `since`). What it did is shown at once on the page it answers with.
pub async fn act(post: FormPost, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(id) = endpoint_id(&id) else {
        return Redirect::to(WEBHOOKS_PATH).into_response();
    };
    let path = endpoint_path(&id);
    let fields = fields(&body);
    let action = first(&fields, "action");
    let caller = match manager(&post, &path, ACTION_FORM).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let (db, webhooks, now) = (&post.state.db, &post.state.webhooks, Utc::now());
    let result = match action {
        "test" => service::send_test(db, webhooks, &caller, &id, now)
            .await
            .map(|(message_id, outcome)| WebhookOutcome::Tested(summary(message_id, outcome))),
        "resend" => {
            let message_id = first(&fields, "message_id").to_owned();
            service::resend(db, webhooks, &caller, &id, &message_id, now)
                .await
                .map(|outcome| WebhookOutcome::Resent(summary(message_id, outcome)))
        }
        "reveal" => service::reveal_secret(db, webhooks, &caller, &id, now)
            .await
            .map(|secret| WebhookOutcome::Revealed {
                secret: secret.reveal(),
            }),
        "rotate" => service::rotate_secret(db, webhooks, &caller, &id, now)
            .await
            .map(|(secret, until)| WebhookOutcome::Rotated {
                secret: secret.reveal(),
                until,
            }),
        "enable" | "disable" => {
            let enable = action == "enable";
            let change = EndpointFields {
                enabled: Some(enable),
                ..EndpointFields::default()
            };
            return match service::update(db, webhooks, &caller, &id, change, now).await {
                Ok(_) => {
                    let notice = if enable {
                        WebhookNotice::Enabled
                    } else {
                        WebhookNotice::Disabled
                    };
                    done(&path, notice)
                }
                Err(err) => {
                    refused(
                        &post,
                        err,
                        "enabling or disabling a webhook endpoint",
                        &path,
                        ACTION_FORM,
                        BTreeMap::new(),
                    )
                    .await
                }
            };
        }
        "recover" => {
            let typed = first(&fields, "since");
            let values = BTreeMap::from([("since".to_owned(), typed.to_owned())]);
            let result = match since(typed) {
                Some(since) => service::recover(db, webhooks, &caller, &id, since, now).await,
                None => Err(ServiceError::field(
                    "since",
                    "Enter a date and time, like 2026-12-01T09:30",
                )),
            };
            return match result {
                Ok(count) => {
                    post.render(&path, WebhookOutcome::Recovered(count), StatusCode::OK)
                        .await
                }
                Err(err) => {
                    refused(
                        &post,
                        err,
                        "recovering webhook messages",
                        &path,
                        RECOVER_FORM,
                        values,
                    )
                    .await
                }
            };
        }
        _ => return Redirect::to(&path).into_response(),
    };
    match result {
        Ok(outcome) => post.render(&path, outcome, StatusCode::OK).await,
        Err(err) => {
            refused(
                &post,
                err,
                "a webhook endpoint's action",
                &path,
                ACTION_FORM,
                BTreeMap::new(),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_read_as_a_browser_sends_it_in_utc() {
        let at = |text: &str| since(text).map(|at| at.to_rfc3339());
        assert_eq!(
            at("2026-12-01T09:30").as_deref(),
            Some("2026-12-01T09:30:00+00:00")
        );
        assert_eq!(
            at("2026-12-01T09:30:15").as_deref(),
            Some("2026-12-01T09:30:15+00:00")
        );
        assert_eq!(
            at("2026-12-01T09:30:00+01:00").as_deref(),
            Some("2026-12-01T08:30:00+00:00")
        );
        assert_eq!(at("yesterday"), None);
        assert_eq!(at(""), None);
    }

    #[test]
    fn only_an_endpoint_ids_shape_reaches_a_path() {
        assert_eq!(endpoint_id("AbCdEf012345").as_deref(), Some("AbCdEf012345"));
        assert_eq!(endpoint_id("../../evil"), None);
        assert_eq!(endpoint_id("AbCdEf01234"), None);
    }
}
