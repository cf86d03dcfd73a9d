//! The transactional outbox (microservices.io's "Transactional outbox"
//! pattern): a change that announces an event writes the message and one
//! delivery per subscribed endpoint with the same connection, inside its own
//! transaction. Committed, the message will be sent (by whichever instance
//! claims it); rolled back, it never existed. Nothing is written when no
//! endpoint wants the event.
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use crate::domain::environment::Environment;
use crate::domain::token::random_base62;
use crate::domain::webhook_event::{EventSet, EventType};
use crate::entities::{webhook_delivery, webhook_endpoint, webhook_message};

/// Base62 characters after `msg_` in a message id (143 bits).
const MESSAGE_ID_LEN: usize = 24;

/// Where an event happened: which endpoints may hear of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub agency_id: i64,
    /// The workspace of the record, or of a workspace key; `None` for an
    /// agency-wide key (heard by agency-wide endpoints only).
    pub workspace_id: Option<i64>,
    pub environment: Environment,
}

/// The body every delivery of a message carries: `{"type", "timestamp",
/// "data"}`, the shape the Standard Webhooks spec recommends.
#[derive(Debug, Serialize)]
pub struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    pub event_type: &'a str,
    /// When the event happened, RFC 3339 in UTC.
    pub timestamp: String,
    pub data: &'a T,
}

/// A new message id, `msg_` + 24 base62 characters. An id is not a secret:
/// the thread's CSPRNG (seeded from the OS) makes it without a system call.
pub fn new_message_id() -> String {
    format!("msg_{}", random_base62(&mut rand::thread_rng(), MESSAGE_ID_LEN))
}

/// The serialized body of an event.
pub fn payload(event_type: EventType, data: &impl Serialize, at: DateTime<Utc>) -> String {
    serde_json::to_string(&Envelope {
        event_type: event_type.as_str(),
        timestamp: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        data,
    })
    .expect("event data serializes to JSON")
}

/// The enabled endpoints of `scope` subscribed to `event_type`.
async fn subscribers(
    db: &impl ConnectionTrait,
    scope: Scope,
    event_type: EventType,
) -> Result<Vec<String>, DbErr> {
    let mut workspace = Condition::any().add(webhook_endpoint::Column::WorkspaceId.is_null());
    if let Some(id) = scope.workspace_id {
        workspace = workspace.add(webhook_endpoint::Column::WorkspaceId.eq(id));
    }
    let rows: Vec<(String, String)> = webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .column(webhook_endpoint::Column::EventTypes)
        .filter(webhook_endpoint::Column::AgencyId.eq(scope.agency_id))
        .filter(webhook_endpoint::Column::Environment.eq(scope.environment))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .filter(workspace)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, types)| EventSet::from_stored(types).contains(event_type))
        .map(|(id, _)| id)
        .collect())
}

/// The endpoints an event will go to, found before the change's
/// transaction opens (a read, which on SQLite keeps the write lock short):
/// empty when nobody subscribes, and the change then needs no transaction
/// for its event. [`Fanout::pending`] makes the message that
/// [`GroupCommit`](super::group_commit::GroupCommit) writes in the change's
/// transaction, with deliveries for those endpoints still enabled (an
/// endpoint deleted meanwhile is skipped; one created meanwhile hears the
/// next event).
#[derive(Debug, Clone)]
pub struct Fanout {
    scope: Scope,
    event_type: EventType,
    endpoints: Vec<String>,
}

impl Fanout {
    pub async fn find(db: &impl ConnectionTrait, scope: Scope, event_type: EventType) -> Result<Self, DbErr> {
        Ok(Self {
            scope,
            event_type,
            endpoints: subscribers(db, scope, event_type).await?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.endpoints.is_empty()
    }

    /// The message announcing `data` as of `now`, for [`GroupCommit`] to
    /// write in the change's transaction; `None` when nobody subscribes.
    ///
    /// [`GroupCommit`]: super::group_commit::GroupCommit
    pub fn pending(&self, data: &impl Serialize, now: DateTime<Utc>) -> Option<Pending> {
        if self.endpoints.is_empty() {
            return None;
        }
        let id = new_message_id();
        Some(Pending {
            message: message(
                &id,
                self.scope,
                self.event_type,
                payload(self.event_type, data, now),
                now,
            ),
            id,
            endpoints: self.endpoints.clone(),
            at: now,
        })
    }
}

/// A message to write, with the endpoints found subscribed (those still
/// enabled when it is written get a delivery).
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    pub message: webhook_message::ActiveModel,
    pub endpoints: Vec<String>,
    /// When the event happened: the message's and its deliveries' time.
    pub at: DateTime<Utc>,
}

/// Writes `event_type` with `data` for every endpoint of `scope` that
/// wants it, through `db` (the caller's transaction). Returns the message
/// id, or `None` when no endpoint wanted it (nothing written).
pub async fn emit(
    db: &impl ConnectionTrait,
    scope: Scope,
    event_type: EventType,
    data: &impl Serialize,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let endpoints = subscribers(db, scope, event_type).await?;
    if endpoints.is_empty() {
        return Ok(None);
    }
    let id = write(
        db,
        scope,
        event_type,
        payload(event_type, data, now),
        &endpoints,
        now,
    )
    .await?;
    Ok(Some(id))
}

/// [`emit`] for an event a job may find more than once (another run,
/// another instance): its message id is derived from `once`, so the second
/// writer finds it there and writes nothing.
pub async fn emit_once(
    db: &impl ConnectionTrait,
    scope: Scope,
    event_type: EventType,
    data: &impl Serialize,
    once: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("keyward webhook event {once}").as_bytes());
    // 24 base62 digits of the digest (143 bits of it).
    let mut value = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
    let mut id = String::from("msg_");
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for _ in 0..MESSAGE_ID_LEN - 2 {
        id.push(ALPHABET[(value % 62) as usize] as char);
        value /= 62;
    }
    id.push(ALPHABET[usize::from(digest[16]) % 62] as char);
    id.push(ALPHABET[usize::from(digest[17]) % 62] as char);
    if webhook_message::Entity::find_by_id(id.clone())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let endpoints = subscribers(db, scope, event_type).await?;
    if endpoints.is_empty() {
        return Ok(None);
    }
    let inserted = webhook_message::Entity::insert(message(
        &id,
        scope,
        event_type,
        payload(event_type, data, now),
        now,
    ))
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(webhook_message::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 0 {
        return Ok(None);
    }
    deliveries(db, &id, &endpoints, now).await?;
    Ok(Some(id))
}

fn message(
    id: &str,
    scope: Scope,
    event_type: EventType,
    payload: String,
    now: DateTime<Utc>,
) -> webhook_message::ActiveModel {
    webhook_message::ActiveModel {
        id: Set(id.to_owned()),
        agency_id: Set(scope.agency_id),
        workspace_id: Set(scope.workspace_id),
        environment: Set(scope.environment),
        event_type: Set(event_type.as_str().to_owned()),
        payload: Set(payload),
        created_at: Set(now),
    }
}

async fn deliveries(
    db: &impl ConnectionTrait,
    id: &str,
    endpoints: &[String],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    webhook_delivery::Entity::insert_many(endpoints.iter().map(|endpoint| webhook_delivery::ActiveModel {
        id: NotSet,
        endpoint_id: Set(endpoint.clone()),
        message_id: Set(id.to_owned()),
        state: Set(super::State::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        claim: Set(None),
        last_attempt_at: Set(None),
        created_at: Set(now),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Writes a message for exactly these endpoints (a test event goes to the
/// one asked for, whatever it subscribes to).
pub async fn write(
    db: &impl ConnectionTrait,
    scope: Scope,
    event_type: EventType,
    payload: String,
    endpoints: &[String],
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let id = new_message_id();
    webhook_message::Entity::insert(message(&id, scope, event_type, payload, now))
        .exec_without_returning(db)
        .await?;
    deliveries(db, &id, endpoints, now).await?;
    Ok(id)
}
