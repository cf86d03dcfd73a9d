//! Webhook endpoints and their delivery log (issue 15): created, changed,
//! disabled and deleted by the people who manage them (super managers, and
//! managers for their workspaces) or by a key with the `webhooks` scope
//! acting for them; every change audited in the same transaction. What is
//! sent, when and how is in [`crate::server::webhooks`].
use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::OsRng;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use super::audit::{self, Who};
use super::error::ServiceError;
use super::keys::{begin_for_agency, Caller};
use super::notifications::{self, Notice};
use crate::domain::audit_action::AuditAction;
use crate::domain::environment::Environment;
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::domain::token::random_base62;
use crate::domain::webhook_event::{EventSet, EventType};
use crate::entities::{
    membership, user, webhook_attempt, webhook_delivery, webhook_endpoint, webhook_message, workspace,
};
use crate::models::webhooks::{DeliveryAttempt, WebhookEndpoint};
use crate::models::FieldIssue;
use crate::server::webhooks::dispatch::{Outcome, Webhooks};
use crate::server::webhooks::outbox::{self, Scope};
use crate::server::webhooks::secret::SigningSecret;
use crate::server::webhooks::{DisabledReason, State};

/// The answer to a form sent twice.
pub const ALREADY_ADDED: &str =
    "This endpoint was already added (the form was sent twice): its secret was shown then, and Reveal secret on its page shows it again";

/// An endpoint whose deliveries only failed for this long is disabled.
pub const FAILING_DISABLES_AFTER: TimeDelta = TimeDelta::days(5);
/// How long the secret before a rotation keeps signing beside the new one.
pub const ROTATION_OVERLAP: TimeDelta = TimeDelta::hours(24);
/// How long messages and their delivery log are kept.
pub const KEPT_FOR: TimeDelta = TimeDelta::days(30);
/// The most messages one "Recover since…" sends again.
pub const RECOVER_MAX: u64 = 10_000;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 200;
/// The most endpoints an agency may have.
pub const MAX_ENDPOINTS: u64 = 50;
/// Attempts on one page of the delivery log.
pub const LOG_PAGE: u64 = 50;

/// What an endpoint is made of, as asked; checked by [`create`] and [`update`].
#[derive(Debug, Clone, Default)]
pub struct EndpointFields {
    pub url: Option<String>,
    pub description: Option<String>,
    /// `Some(None)`: agency-wide.
    pub workspace_id: Option<Option<i64>>,
    /// Only where the caller chooses (the dashboard); a key's endpoints are
    /// in the key's environment.
    pub environment: Option<Environment>,
    pub event_types: Option<Vec<EventType>>,
    pub enabled: Option<bool>,
    /// A secret of the caller's own (`whsec_…`, 24–64 bytes); new endpoints only.
    pub secret: Option<String>,
    /// New endpoints: the id the dashboard's form was drawn with (12 base62
    /// characters), so the same form sent twice adds one endpoint; `None`:
    /// a new id.
    pub id: Option<String>,
}

/// The endpoint as its managers see it.
pub fn view(model: &webhook_endpoint::Model, workspace_name: Option<String>) -> WebhookEndpoint {
    WebhookEndpoint {
        id: model.id.clone(),
        url: model.url.clone(),
        description: model.description.clone(),
        workspace_id: model.workspace_id,
        workspace_name,
        environment: model.environment,
        event_types: EventSet::from_stored(&model.event_types).iter().collect(),
        enabled: model.enabled,
        disabled_reason: model.disabled_reason.clone(),
        disabled_at: model.disabled_at,
        failing_since: model.failing_since,
        // Only while the previous secret still signs.
        previous_secret_until: model
            .previous_secret_until
            .filter(|until| model.previous_secret.is_some() && *until > Utc::now()),
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

async fn workspace_name(db: &impl ConnectionTrait, id: Option<i64>) -> Result<Option<String>, DbErr> {
    let Some(id) = id else { return Ok(None) };
    Ok(workspace::Entity::find_by_id(id).one(db).await?.map(|w| w.name))
}

/// An endpoint the caller may manage, else not found (the same answer for
/// another agency's, another environment's, or a workspace they are not in).
async fn managed(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
) -> Result<webhook_endpoint::Model, ServiceError> {
    let mut find = webhook_endpoint::Entity::find_by_id(id.to_owned())
        .filter(webhook_endpoint::Column::AgencyId.eq(caller.agency_id));
    if let Some(environment) = caller.environment {
        find = find.filter(webhook_endpoint::Column::Environment.eq(environment));
    }
    let endpoint = find.one(db).await?.ok_or(ServiceError::NotFound)?;
    if !caller.may(Action::ManageWebhooks(endpoint.workspace_id)) {
        return Err(ServiceError::NotFound);
    }
    Ok(endpoint)
}

/// Whether the caller may manage any endpoint at all (the page is theirs).
pub fn may_manage_some(caller: &Caller) -> bool {
    match &caller.actor {
        None => true,
        Some(actor) => match actor.role {
            Role::SuperManager => true,
            Role::Manager => !actor.workspaces.is_empty(),
            Role::Agent => false,
        },
    }
}

/// Every endpoint the caller manages, newest first.
pub async fn list(db: &impl ConnectionTrait, caller: &Caller) -> Result<Vec<WebhookEndpoint>, ServiceError> {
    let mut find = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::AgencyId.eq(caller.agency_id))
        .order_by_desc(webhook_endpoint::Column::CreatedAt)
        .order_by_asc(webhook_endpoint::Column::Id);
    if let Some(environment) = caller.environment {
        find = find.filter(webhook_endpoint::Column::Environment.eq(environment));
    }
    let names: std::collections::HashMap<i64, String> = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(caller.agency_id))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    Ok(find
        .all(db)
        .await?
        .iter()
        .filter(|e| caller.may(Action::ManageWebhooks(e.workspace_id)))
        .map(|e| view(e, e.workspace_id.and_then(|id| names.get(&id).cloned())))
        .collect())
}

pub async fn get(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
) -> Result<WebhookEndpoint, ServiceError> {
    let endpoint = managed(db, caller, id).await?;
    let name = workspace_name(db, endpoint.workspace_id).await?;
    Ok(view(&endpoint, name))
}

fn check_description(issues: &mut Vec<FieldIssue>, text: &str) -> Option<String> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION {
        issues.push(FieldIssue {
            field: "description".into(),
            message: format!("At most {MAX_DESCRIPTION} characters"),
        });
        return None;
    }
    if text.chars().any(|c| c.is_control()) {
        issues.push(FieldIssue {
            field: "description".into(),
            message: "One line of text, without control characters".into(),
        });
        return None;
    }
    // Shown in the endpoint list to people deciding on it: read as it is.
    if let Err(err) = crate::domain::fields::check_visible("The description", text) {
        issues.push(FieldIssue {
            field: "description".into(),
            message: err.to_string(),
        });
        return None;
    }
    Some(text.to_owned())
}

fn check_events(issues: &mut Vec<FieldIssue>, events: &[EventType]) -> Option<EventSet> {
    let set: EventSet = events.iter().copied().collect();
    if set.contains(EventType::WebhookTest) {
        issues.push(FieldIssue {
            field: "event_types".into(),
            message: "webhook.test is sent only when you ask for a test event: it cannot be subscribed to"
                .into(),
        });
        return None;
    }
    if set.is_empty() {
        issues.push(FieldIssue {
            field: "event_types".into(),
            message: "Choose at least one event type".into(),
        });
        return None;
    }
    Some(set)
}

/// The workspace an endpoint may have: the agency's, one the caller manages.
async fn check_workspace(
    db: &impl ConnectionTrait,
    caller: &Caller,
    issues: &mut Vec<FieldIssue>,
    asked: Option<i64>,
) -> Result<Option<Option<i64>>, DbErr> {
    if let Some(id) = asked {
        let found = workspace::Entity::find_by_id(id)
            .filter(workspace::Column::AgencyId.eq(caller.agency_id))
            .one(db)
            .await?;
        if found.is_none() {
            issues.push(FieldIssue {
                field: "workspace_id".into(),
                message: format!("There is no workspace {id} in this agency"),
            });
            return Ok(None);
        }
    }
    if !caller.may(Action::ManageWebhooks(asked)) {
        issues.push(FieldIssue {
            field: "workspace_id".into(),
            message: match asked {
                None => {
                    "Only super managers manage agency-wide endpoints: choose a workspace you manage".into()
                }
                Some(id) => format!("You do not manage webhooks of workspace {id}"),
            },
        });
        return Ok(None);
    }
    Ok(Some(asked))
}

async fn check_url(webhooks: &Webhooks, issues: &mut Vec<FieldIssue>, url: &str) -> Option<String> {
    match webhooks.guard.check(url).await {
        Ok(url) => Some(url.to_string()),
        Err(refusal) => {
            issues.push(FieldIssue {
                field: "url".into(),
                message: capitalized(&refusal.to_string()),
            });
            None
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn invalid(issues: Vec<FieldIssue>) -> Result<(), ServiceError> {
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(issues))
    }
}

/// A new endpoint and its signing secret (shown this once; revealable later).
pub async fn create(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    caller: &Caller,
    fields: EndpointFields,
    now: DateTime<Utc>,
) -> Result<(WebhookEndpoint, SigningSecret), ServiceError> {
    let mut issues = Vec::new();
    let url = match fields.url.as_deref() {
        Some(url) => check_url(webhooks, &mut issues, url).await,
        None => {
            issues.push(FieldIssue {
                field: "url".into(),
                message: "Enter the URL that receives the events".into(),
            });
            None
        }
    };
    let description = check_description(&mut issues, fields.description.as_deref().unwrap_or(""));
    let events = match &fields.event_types {
        Some(events) => check_events(&mut issues, events),
        None => Some(
            EventType::ALL
                .into_iter()
                .filter(|e| *e != EventType::WebhookTest)
                .collect(),
        ),
    };
    let workspace = check_workspace(db, caller, &mut issues, fields.workspace_id.flatten()).await?;
    let environment = caller
        .environment
        .or(fields.environment)
        .unwrap_or(Environment::Live);
    let secret = match fields.secret.as_deref() {
        None => Some(SigningSecret::generate(&mut OsRng)),
        Some(text) => match SigningSecret::parse(text) {
            Ok(secret) => Some(secret),
            Err(why) => {
                issues.push(FieldIssue {
                    field: "secret".into(),
                    message: capitalized(why),
                });
                None
            }
        },
    };
    invalid(issues)?;
    let (Some(url), Some(description), Some(events), Some(workspace_id), Some(secret)) =
        (url, description, events, workspace, secret)
    else {
        unreachable!("every refused field is an issue");
    };

    let txn = begin_for_agency(db, caller.agency_id).await?;
    let count = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::AgencyId.eq(caller.agency_id))
        .count(&txn)
        .await?;
    if count >= MAX_ENDPOINTS {
        return Err(ServiceError::Conflict(format!(
            "An agency has at most {MAX_ENDPOINTS} webhook endpoints: delete one first"
        )));
    }
    let id = match fields.id.as_deref() {
        None => random_base62(&mut OsRng, 12),
        Some(id) => {
            let Some(id) = crate::domain::token::KeyId::parse(id) else {
                return Err(ServiceError::field(
                    "form",
                    "This form is damaged: open Add endpoint again",
                ));
            };
            match webhook_endpoint::Entity::find_by_id(id.as_str().to_owned())
                .one(&txn)
                .await?
            {
                None => id.as_str().to_owned(),
                Some(found) if found.agency_id == caller.agency_id => {
                    return Err(ServiceError::Conflict(ALREADY_ADDED.into()));
                }
                // Another agency's id: say nothing of it, and make a new one.
                Some(_) => random_base62(&mut OsRng, 12),
            }
        }
    };
    let sealed = webhooks.secrets.seal(&mut OsRng, &id, &secret);
    let model = webhook_endpoint::ActiveModel {
        id: Set(id.clone()),
        agency_id: Set(caller.agency_id),
        workspace_id: Set(workspace_id),
        environment: Set(environment),
        url: Set(url.clone()),
        description: Set(description),
        event_types: Set(events.to_stored()),
        enabled: Set(fields.enabled.unwrap_or(true)),
        disabled_reason: Set(
            (fields.enabled == Some(false)).then(|| DisabledReason::Manual.as_str().to_owned())
        ),
        disabled_at: Set((fields.enabled == Some(false)).then_some(now)),
        failing_since: Set(None),
        secret: Set(sealed),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    caller
        .audit(
            &txn,
            AuditAction::WebhookCreated,
            None,
            json!({"endpoint_id": id, "url": url, "environment": environment, "workspace_id": workspace_id,
                   "event_types": events.iter().map(EventType::as_str).collect::<Vec<_>>()}),
            now,
        )
        .await?;
    let name = workspace_name(&txn, model.workspace_id).await?;
    txn.commit().await?;
    Ok((view(&model, name), secret))
}

/// Changes what `fields` names. Enabling an endpoint restarts its failure
/// clock; disabling it fails what was waiting for it.
pub async fn update(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    caller: &Caller,
    id: &str,
    fields: EndpointFields,
    now: DateTime<Utc>,
) -> Result<WebhookEndpoint, ServiceError> {
    let mut issues = Vec::new();
    let url = match fields.url.as_deref() {
        Some(url) => check_url(webhooks, &mut issues, url).await,
        None => None,
    };
    let description = fields
        .description
        .as_deref()
        .and_then(|d| check_description(&mut issues, d));
    let events = fields
        .event_types
        .as_deref()
        .and_then(|e| check_events(&mut issues, e));
    let workspace = match fields.workspace_id {
        Some(asked) => check_workspace(db, caller, &mut issues, asked).await?,
        None => None,
    };
    if fields.secret.is_some() {
        issues.push(FieldIssue {
            field: "secret".into(),
            message: "A secret is changed by rotating it (POST /v1/webhooks/{id}/rotate_secret)".into(),
        });
    }
    if fields.environment.is_some() {
        issues.push(FieldIssue {
            field: "environment".into(),
            message: "An endpoint stays in its environment: create another one".into(),
        });
    }
    invalid(issues)?;

    let txn = begin_for_agency(db, caller.agency_id).await?;
    let endpoint = managed(&txn, caller, id).await?;
    let before = view(&endpoint, None);
    let mut changed = endpoint.clone().into_active_model();
    if let Some(url) = url {
        changed.url = Set(url);
    }
    if let Some(description) = description {
        changed.description = Set(description);
    }
    if let Some(events) = events {
        changed.event_types = Set(events.to_stored());
    }
    if let Some(workspace_id) = workspace {
        changed.workspace_id = Set(workspace_id);
    }
    let mut toggled = None;
    match fields.enabled {
        Some(true) if !endpoint.enabled => {
            changed.enabled = Set(true);
            changed.disabled_reason = Set(None);
            changed.disabled_at = Set(None);
            changed.failing_since = Set(None);
            toggled = Some(AuditAction::WebhookEnabled);
        }
        Some(false) if endpoint.enabled => {
            changed.enabled = Set(false);
            changed.disabled_reason = Set(Some(DisabledReason::Manual.as_str().to_owned()));
            changed.disabled_at = Set(Some(now));
            toggled = Some(AuditAction::WebhookDisabled);
        }
        _ => {}
    }
    changed.updated_at = Set(now);
    let saved = changed.update(&txn).await?;
    if toggled == Some(AuditAction::WebhookDisabled) {
        fail_waiting(&txn, &saved.id).await?;
    }
    let after = view(&saved, None);
    let mut details = json!({"endpoint_id": saved.id, "url": saved.url});
    for (name, from, to) in [
        ("url", json!(before.url), json!(after.url)),
        ("description", json!(before.description), json!(after.description)),
        ("event_types", json!(before.event_types), json!(after.event_types)),
        (
            "workspace_id",
            json!(before.workspace_id),
            json!(after.workspace_id),
        ),
    ] {
        if from != to {
            details[name] = json!({"from": from, "to": to});
        }
    }
    let content_changed = details.as_object().is_some_and(|d| d.len() > 2);
    if content_changed {
        caller
            .audit(&txn, AuditAction::WebhookUpdated, None, details, now)
            .await?;
    }
    if let Some(action) = toggled {
        caller
            .audit(
                &txn,
                action,
                None,
                json!({"endpoint_id": saved.id, "url": saved.url}),
                now,
            )
            .await?;
    }
    let name = workspace_name(&txn, saved.workspace_id).await?;
    txn.commit().await?;
    Ok(view(&saved, name))
}

/// Deletes the endpoint with its deliveries and log.
pub async fn delete(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let endpoint = managed(&txn, caller, id).await?;
    webhook_endpoint::Entity::delete_by_id(endpoint.id.clone())
        .exec(&txn)
        .await?;
    caller
        .audit(
            &txn,
            AuditAction::WebhookDeleted,
            None,
            json!({"endpoint_id": endpoint.id, "url": endpoint.url}),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(())
}

/// A new signing secret; the one it replaces keeps signing beside it for
/// 24 hours (two `v1,` signatures), so receivers can switch without a gap.
pub async fn rotate_secret(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(SigningSecret, DateTime<Utc>), ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let endpoint = managed(&txn, caller, id).await?;
    let secret = SigningSecret::generate(&mut OsRng);
    let until = now + ROTATION_OVERLAP;
    let mut changed = endpoint.clone().into_active_model();
    changed.previous_secret = Set(Some(endpoint.secret.clone()));
    changed.previous_secret_until = Set(Some(until));
    changed.secret = Set(webhooks.secrets.seal(&mut OsRng, &endpoint.id, &secret));
    changed.updated_at = Set(now);
    changed.update(&txn).await?;
    caller
        .audit(
            &txn,
            AuditAction::WebhookSecretRotated,
            None,
            json!({"endpoint_id": endpoint.id, "url": endpoint.url, "previous_signs_until": until}),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok((secret, until))
}

/// The current signing secret, for a person who manages the endpoint; audited.
pub async fn reveal_secret(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<SigningSecret, ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let endpoint = managed(&txn, caller, id).await?;
    let secret = webhooks
        .secrets
        .open(&endpoint.id, &endpoint.secret)
        .map_err(|err| ServiceError::Corrupt(format!("endpoint {}: {err}", endpoint.id)))?;
    caller
        .audit(
            &txn,
            AuditAction::WebhookSecretRevealed,
            None,
            json!({"endpoint_id": endpoint.id, "url": endpoint.url}),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(secret)
}

/// Sends a `webhook.test` event to this endpoint at once and returns how it
/// went (a failure is retried on the schedule like any other).
pub async fn send_test(
    db: &DatabaseConnection,
    webhooks: &std::sync::Arc<Webhooks>,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(String, Outcome), ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let endpoint = managed(&txn, caller, id).await?;
    if !endpoint.enabled {
        return Err(ServiceError::Conflict(
            "This endpoint is disabled: enable it to send a test event".into(),
        ));
    }
    let scope = Scope {
        agency_id: endpoint.agency_id,
        workspace_id: endpoint.workspace_id,
        environment: endpoint.environment,
    };
    let data = json!({
        "endpoint_id": endpoint.id,
        "message": "A test event from keyward: if you can read this, your endpoint receives and can verify our webhooks.",
        "requested_by": caller.who.label(),
    });
    let payload = outbox::payload(EventType::WebhookTest, &data, now);
    let message_id = outbox::write(
        &txn,
        scope,
        EventType::WebhookTest,
        payload,
        std::slice::from_ref(&endpoint.id),
        now,
    )
    .await?;
    txn.commit().await?;
    let delivery = delivery_of(db, &endpoint.id, &message_id).await?;
    let outcome = webhooks
        .attempt_now(db, delivery.id, now)
        .await?
        .ok_or_else(|| ServiceError::Conflict("Another instance is sending this message right now".into()))?;
    Ok((message_id, outcome))
}

async fn delivery_of(
    db: &impl ConnectionTrait,
    endpoint_id: &str,
    message_id: &str,
) -> Result<webhook_delivery::Model, ServiceError> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_delivery::Column::MessageId.eq(message_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Sends one message to this endpoint again, at once: the same
/// `webhook-id`, a new timestamp and signature, a fresh schedule of retries.
pub async fn resend(
    db: &DatabaseConnection,
    webhooks: &std::sync::Arc<Webhooks>,
    caller: &Caller,
    endpoint_id: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let endpoint = managed(&txn, caller, endpoint_id).await?;
    if !endpoint.enabled {
        return Err(ServiceError::Conflict(
            "This endpoint is disabled: enable it to resend messages".into(),
        ));
    }
    let delivery = delivery_of(&txn, &endpoint.id, message_id).await?;
    restart(&txn, &[delivery.id], now).await?;
    caller
        .audit(
            &txn,
            AuditAction::WebhookResent,
            None,
            json!({"endpoint_id": endpoint.id, "url": endpoint.url, "message_id": message_id}),
            now,
        )
        .await?;
    txn.commit().await?;
    webhooks
        .attempt_now(db, delivery.id, now)
        .await?
        .ok_or_else(|| ServiceError::Conflict("Another instance is sending this message right now".into()))
}

/// Puts these deliveries back on the schedule's start, due now.
async fn restart(db: &impl ConnectionTrait, ids: &[i64], now: DateTime<Utc>) -> Result<(), DbErr> {
    for chunk in ids.chunks(500) {
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::State,
                Expr::value(State::Pending.as_str()),
            )
            .col_expr(webhook_delivery::Column::Attempts, Expr::value(0))
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(Some(now)))
            .col_expr(webhook_delivery::Column::Claim, Expr::value(Option::<i64>::None))
            .filter(webhook_delivery::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Sends again, now, every message to this endpoint that failed since
/// `since` — those out of attempts and those waiting for a retry (at most
/// [`RECOVER_MAX`], oldest first), each with a fresh schedule; returns how
/// many.
pub async fn recover(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    caller: &Caller,
    endpoint_id: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    if since > now {
        return Err(ServiceError::field("since", "Choose a moment in the past"));
    }
    if now - since > KEPT_FOR {
        return Err(ServiceError::field(
            "since",
            "Messages are kept 30 days: choose a moment within them",
        ));
    }
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let endpoint = managed(&txn, caller, endpoint_id).await?;
    if !endpoint.enabled {
        return Err(ServiceError::Conflict(
            "This endpoint is disabled: enable it to recover messages".into(),
        ));
    }
    let ids: Vec<i64> = webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::Id)
        .filter(webhook_delivery::Column::EndpointId.eq(&endpoint.id))
        .filter(
            Condition::any()
                .add(webhook_delivery::Column::State.eq(State::Failed.as_str()))
                // Failing, waiting for its next retry, and not being sent now
                // (a claimed one will record its own result).
                .add(
                    Condition::all()
                        .add(webhook_delivery::Column::State.eq(State::Pending.as_str()))
                        .add(webhook_delivery::Column::Attempts.gt(0))
                        .add(webhook_delivery::Column::Claim.is_null()),
                ),
        )
        .filter(webhook_delivery::Column::CreatedAt.gte(since))
        .order_by_asc(webhook_delivery::Column::CreatedAt)
        .limit(RECOVER_MAX)
        .into_tuple()
        .all(&txn)
        .await?;
    restart(&txn, &ids, now).await?;
    let count = ids.len() as u64;
    caller
        .audit(
            &txn,
            AuditAction::WebhookRecovered,
            None,
            json!({"endpoint_id": endpoint.id, "url": endpoint.url, "since": since, "messages": count}),
            now,
        )
        .await?;
    txn.commit().await?;
    webhooks.wake();
    Ok(count)
}

/// Which attempts of the log to show.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub event_type: Option<EventType>,
    /// `Some(true)`: successes only; `Some(false)`: failures only.
    pub succeeded: Option<bool>,
    /// Attempts older than this one (the next page).
    pub before: Option<i64>,
    pub limit: Option<u64>,
}

/// The endpoint's delivery log, newest attempt first.
pub async fn attempts(
    db: &impl ConnectionTrait,
    caller: &Caller,
    endpoint_id: &str,
    filter: &LogFilter,
) -> Result<Vec<DeliveryAttempt>, ServiceError> {
    let endpoint = managed(db, caller, endpoint_id).await?;
    let mut find = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::EndpointId.eq(&endpoint.id))
        .order_by_desc(webhook_attempt::Column::Id);
    if let Some(event) = filter.event_type {
        find = find.filter(webhook_attempt::Column::EventType.eq(event.as_str()));
    }
    if let Some(succeeded) = filter.succeeded {
        find = find.filter(webhook_attempt::Column::Succeeded.eq(succeeded));
    }
    if let Some(before) = filter.before {
        find = find.filter(webhook_attempt::Column::Id.lt(before));
    }
    let rows = find
        .limit(filter.limit.unwrap_or(LOG_PAGE).clamp(1, 100))
        .all(db)
        .await?;
    let delivery_ids: Vec<i64> = rows.iter().map(|a| a.delivery_id).collect();
    let deliveries: std::collections::HashMap<i64, webhook_delivery::Model> =
        webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Id.is_in(delivery_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
    Ok(rows
        .into_iter()
        .map(|a| {
            let delivery = deliveries.get(&a.delivery_id);
            DeliveryAttempt {
                id: a.id,
                message_id: a.message_id,
                event_type: a.event_type,
                attempted_at: a.attempted_at,
                succeeded: a.succeeded,
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                response_body: a.response_body,
                error_kind: a.error_kind,
                error: a.error,
                delivery_state: delivery.map(|d| d.state.clone()).unwrap_or_default(),
                next_attempt_at: delivery.and_then(|d| d.next_attempt_at),
            }
        })
        .collect())
}

/// Fails every delivery still waiting for a disabled endpoint ("Recover
/// since…" sends them once it is enabled again).
async fn fail_waiting(db: &impl ConnectionTrait, endpoint_id: &str) -> Result<(), DbErr> {
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::State,
            Expr::value(State::Failed.as_str()),
        )
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(webhook_delivery::Column::Claim, Expr::value(Option::<i64>::None))
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_delivery::Column::State.eq(State::Pending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// keyward disables an endpoint on its own (a 410, or 5 days of failures),
/// inside the caller's transaction: audited, and the people who manage it
/// are told. Nothing happens if it is already disabled.
pub async fn disable_in(
    db: &impl ConnectionTrait,
    endpoint: &webhook_endpoint::Model,
    reason: DisabledReason,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let done = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
        .col_expr(
            webhook_endpoint::Column::DisabledReason,
            Expr::value(Some(reason.as_str())),
        )
        .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(Some(now)))
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(&endpoint.id))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Ok(());
    }
    fail_waiting(db, &endpoint.id).await?;
    audit::record(
        db,
        audit::Event {
            agency_id: endpoint.agency_id,
            who: &Who::System,
            ip: None,
            action: AuditAction::WebhookDisabled,
            key: None,
            details: json!({"endpoint_id": endpoint.id, "url": endpoint.url, "reason": reason.as_str()}),
            at: now,
        },
    )
    .await?;
    let (title, body) = match reason {
        DisabledReason::Gone => (
            "A webhook endpoint was disabled: it answered 410 Gone".to_owned(),
            format!(
                "{} answered 410 Gone, which says it no longer wants events, so keyward stopped sending. \
                 Enable it again on its page if that was a mistake, and recover what it missed.",
                endpoint.url
            ),
        ),
        _ => (
            "A webhook endpoint was disabled after 5 days of failures".to_owned(),
            format!(
                "Every delivery to {} failed for 5 days, so keyward stopped sending. Fix the receiver, \
                 enable the endpoint on its page, and recover the messages it missed.",
                endpoint.url
            ),
        ),
    };
    for user_id in managers_of(db, endpoint).await? {
        notifications::send(
            db,
            Notice {
                agency_id: endpoint.agency_id,
                user_id,
                key_id: None,
                kind: "webhook_disabled",
                title: title.clone(),
                body: body.clone(),
                link: Some(endpoint_link(&endpoint.id)),
                dedupe: format!("webhook_disabled:{}:{}:{user_id}", endpoint.id, now.timestamp()),
                at: now,
            },
        )
        .await?;
    }
    Ok(())
}

/// Where a notice about an endpoint leads.
pub fn endpoint_link(id: &str) -> String {
    format!("/admin/profile/developer-settings/webhooks/{id}")
}

/// The people who manage an endpoint: the agency's super managers, and for
/// a workspace endpoint the managers of that workspace.
async fn managers_of(
    db: &impl ConnectionTrait,
    endpoint: &webhook_endpoint::Model,
) -> Result<Vec<i64>, DbErr> {
    let mut ids: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::AgencyId.eq(endpoint.agency_id))
        .filter(user::Column::Role.eq(Role::SuperManager.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    if let Some(workspace_id) = endpoint.workspace_id {
        let members: Vec<i64> = membership::Entity::find()
            .select_only()
            .column(membership::Column::UserId)
            .filter(membership::Column::WorkspaceId.eq(workspace_id))
            .into_tuple()
            .all(db)
            .await?;
        let managers: Vec<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::AgencyId.eq(endpoint.agency_id))
            .filter(user::Column::Role.eq(Role::Manager.as_str()))
            .filter(user::Column::Id.is_in(members))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(managers);
    }
    Ok(ids)
}

/// Deletes messages (with their deliveries and log) older than 30 days.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let gone = webhook_message::Entity::delete_many()
        .filter(webhook_message::Column::CreatedAt.lt(now - KEPT_FOR))
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}
