//! Writing audit events: every change to a key, with who, from where and when.
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr};

use crate::domain::audit_action::AuditAction;
use crate::entities::audit_event;

/// How the audit log names keyward's own jobs.
pub const SYSTEM_LABEL: &str = "keyward (automatic)";

/// Who did something, as the audit log names them.
#[derive(Debug, Clone)]
pub enum Who {
    User {
        id: i64,
        name: String,
    },
    /// The `keyward` command line, run by an operator on the server.
    CommandLine,
    /// An API key with the `admin` scope, through `/v1/keys`.
    Key {
        id: String,
        name: String,
    },
    /// keyward itself: the maintenance jobs.
    System,
    /// A session token, through `/v1/session_tokens`: `name` is its
    /// record's, "session token {label} of key {key name}".
    SessionToken {
        key_id: String,
        name: String,
    },
}

impl Who {
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Who::User { id, .. } => Some(*id),
            Who::CommandLine | Who::Key { .. } | Who::System | Who::SessionToken { .. } => None,
        }
    }

    pub fn key_id(&self) -> Option<&str> {
        match self {
            Who::Key { id, .. } | Who::SessionToken { key_id: id, .. } => Some(id),
            _ => None,
        }
    }

    pub fn label(&self) -> String {
        match self {
            Who::User { name, .. } => name.clone(),
            Who::CommandLine => "command line".to_owned(),
            Who::Key { name, .. } => format!("API key {name}"),
            Who::System => SYSTEM_LABEL.to_owned(),
            Who::SessionToken { name, .. } => name.clone(),
        }
    }
}

/// One event to record.
#[derive(Debug)]
pub struct Event<'a> {
    pub agency_id: i64,
    pub who: &'a Who,
    pub ip: Option<&'a str>,
    pub action: AuditAction,
    pub key: Option<(&'a str, &'a str)>,
    pub details: serde_json::Value,
    pub at: DateTime<Utc>,
}

pub async fn record(db: &impl ConnectionTrait, event: Event<'_>) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        id: NotSet,
        agency_id: Set(event.agency_id),
        actor_user_id: Set(event.who.user_id()),
        actor_key_id: Set(event.who.key_id().map(str::to_owned)),
        actor_label: Set(event.who.label()),
        action: Set(event.action),
        key_id: Set(event.key.map(|(id, _)| id.to_owned())),
        key_name: Set(event.key.map(|(_, name)| name.to_owned())),
        details: Set(event.details.to_string()),
        ip: Set(event.ip.map(str::to_owned)),
        created_at: Set(event.at),
        search_folded: NotSet,
    }
    .insert(db)
    .await
    .map(|_| ())
}

/// Records what a person did for themselves, with no caller of the
/// dashboard's kind: accepting an invitation, using a reset link, their own
/// password and sessions.
pub async fn record_by_person(
    db: &impl ConnectionTrait,
    agency_id: i64,
    (id, name): (i64, &str),
    ip: Option<&str>,
    action: AuditAction,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let who = Who::User {
        id,
        name: name.to_owned(),
    };
    record(
        db,
        Event {
            agency_id,
            who: &who,
            ip,
            action,
            key: None,
            details,
            at,
        },
    )
    .await
}
