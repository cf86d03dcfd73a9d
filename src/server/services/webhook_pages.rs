//! What the Webhooks pages show, read through [`super::webhooks`]: the
//! endpoints with their status in words, the create form's workspaces, and
//! one endpoint with a page of its delivery log. People who manage no
//! endpoint at all (agents, managers of no workspace) get 403, as a page;
//! an endpoint out of reach is 404.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::error::ServiceError;
use super::keys::Caller;
use super::webhooks::{self, LogFilter, LOG_PAGE};
use crate::domain::policy::Action;
use crate::entities::workspace;
use crate::models::webhook_pages::{EndpointPage, EndpointRow, LogQuery, WebhookChoices, WebhookList};
use crate::models::webhooks::WebhookEndpoint;
use crate::server::webhooks::DisabledReason;

/// Said to those who manage no endpoint.
pub const MAY_NOT_MANAGE: &str = "only super managers, and managers for their workspaces, manage webhooks";

fn allowed(caller: &Caller) -> Result<(), ServiceError> {
    if webhooks::may_manage_some(caller) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(MAY_NOT_MANAGE.into()))
    }
}

/// The endpoint with its status in words. A rotation whose overlap has
/// ended is no longer shown ([`webhooks::view`] keeps its end once past).
pub fn row(mut endpoint: WebhookEndpoint, now: DateTime<Utc>) -> EndpointRow {
    endpoint.previous_secret_until = endpoint.previous_secret_until.filter(|until| *until > now);
    let status = match (&endpoint.enabled, &endpoint.disabled_reason) {
        (true, _) => "Enabled".to_owned(),
        (false, reason) => DisabledReason::describe(reason.as_deref().unwrap_or("manual")).to_owned(),
    };
    EndpointRow { endpoint, status }
}

/// Every endpoint the caller manages, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<WebhookList, ServiceError> {
    allowed(caller)?;
    let endpoints = webhooks::list(db, caller)
        .await?
        .into_iter()
        .map(|e| row(e, now))
        .collect();
    Ok(WebhookList { endpoints })
}

/// Where the caller may put a new endpoint.
pub async fn choices(db: &impl ConnectionTrait, caller: &Caller) -> Result<WebhookChoices, ServiceError> {
    allowed(caller)?;
    let workspaces = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(caller.agency_id))
        .filter(workspace::Column::ArchivedAt.is_null())
        .order_by_asc(workspace::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter(|w| caller.may(Action::ManageWebhooks(Some(w.id))))
        .map(|w| (w.id, w.name))
        .collect();
    Ok(WebhookChoices {
        agency_wide: caller.may(Action::ManageWebhooks(None)),
        workspaces,
        form_id: crate::domain::token::KeyId::generate(&mut rand::rngs::OsRng)
            .as_str()
            .to_owned(),
    })
}

/// One endpoint, for its edit form and confirmations.
pub async fn one(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<EndpointRow, ServiceError> {
    allowed(caller)?;
    Ok(row(webhooks::get(db, caller, id).await?, now))
}

/// One endpoint and the page of its delivery log `query` asks for.
pub async fn endpoint(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
    query: LogQuery,
    now: DateTime<Utc>,
) -> Result<EndpointPage, ServiceError> {
    allowed(caller)?;
    let endpoint = webhooks::get(db, caller, id).await?;
    // One more than shown: whether an older page exists.
    let filter = LogFilter {
        event_type: query.event_type,
        succeeded: query.succeeded,
        before: query.before,
        limit: Some(LOG_PAGE + 1),
    };
    let mut attempts = webhooks::attempts(db, caller, id, &filter).await?;
    let older = if attempts.len() as u64 > LOG_PAGE {
        attempts.truncate(LOG_PAGE as usize);
        attempts.last().map(|a| a.id)
    } else {
        None
    };
    Ok(EndpointPage {
        row: row(endpoint, now),
        query,
        attempts,
        older,
    })
}
