//! Who is asking: a signed-in user, an `admin` key through `/v1/keys`, or
//! the command line, with the rights each has.
use crate::domain::audit_action::AuditAction;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::environment::Environment;
use crate::domain::policy::{can, Action, Actor};
use crate::domain::role::Role;
use crate::entities::{membership, user};
use crate::models::CurrentUser;
use crate::server::services::audit::{self, Who};

/// Who is asking, in which agency, from where.
#[derive(Debug, Clone)]
pub struct Caller {
    pub agency_id: i64,
    pub who: Who,
    /// `None` for the command line, which an operator runs with the server's own rights.
    pub actor: Option<Actor>,
    pub ip: Option<String>,
    /// A key managing keys (`/v1/keys`) sees and changes only keys of its
    /// own environment; `None`: every key.
    pub environment: Option<Environment>,
    /// A key creating keys: what its keys may not exceed.
    pub parent: Option<ParentKey>,
}

/// The bounds a key that creates keys puts on them: a child may not
/// outlive, out-scope or out-rate its parent.
#[derive(Debug, Clone)]
pub struct ParentKey {
    pub id: String,
    pub scopes: crate::domain::scopes::ScopeSet,
    pub expires_at: Option<DateTime<Utc>>,
    /// Requests per second; 0 is unlimited.
    pub rate_limit: u32,
}

impl Caller {
    pub fn may(&self, action: Action) -> bool {
        self.actor.as_ref().is_none_or(|actor| can(actor, action))
    }

    /// Records what this caller did, in the same transaction as the change.
    pub async fn audit(
        &self,
        db: &impl ConnectionTrait,
        action: AuditAction,
        key: Option<(&str, &str)>,
        details: serde_json::Value,
        at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let event = audit::Event {
            agency_id: self.agency_id,
            who: &self.who,
            ip: self.ip.as_deref(),
            action,
            key,
            details,
            at,
        };
        audit::record(db, event).await
    }

    pub fn command_line(agency_id: i64) -> Self {
        Self {
            agency_id,
            who: Who::CommandLine,
            actor: None,
            ip: None,
            environment: None,
            parent: None,
        }
    }
}

/// The signed-in user as a caller: their role and workspace memberships.
pub async fn caller_for(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    ip: Option<String>,
) -> Result<Caller, DbErr> {
    let workspaces = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.workspace_id)
        .collect();
    Ok(Caller {
        agency_id: user.agency_id,
        who: Who::User {
            id: user.id,
            name: user.name.clone(),
        },
        actor: Some(Actor {
            user_id: user.id,
            agency_id: user.agency_id,
            role: user.role,
            workspaces,
        }),
        ip,
        environment: None,
        parent: None,
    })
}

/// An `admin` key managing keys through `/v1/keys`: it has the rights of
/// the user it acts as, narrowed to its own workspace when it has one.
/// `None` when that user is gone (the key then manages nothing).
pub async fn caller_for_key(
    db: &impl ConnectionTrait,
    key: &crate::server::key_cache::KeyRecord,
    ip: Option<String>,
) -> Result<Option<Caller>, DbErr> {
    let Some(user) = user::Entity::find_by_id(key.acting_as.id)
        .filter(user::Column::AgencyId.eq(key.agency_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let role: Role = user.role.parse().unwrap_or(Role::Agent);
    let memberships: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.workspace_id)
        .collect();
    let (role, workspaces) = match &key.workspace {
        None => (role, memberships),
        Some((own, _)) => {
            let reaches = role == Role::SuperManager || memberships.contains(own);
            let role = if role == Role::Agent {
                Role::Agent
            } else {
                Role::Manager
            };
            (role, if reaches { vec![*own] } else { Vec::new() })
        }
    };
    Ok(Some(Caller {
        agency_id: key.agency_id,
        who: Who::Key {
            id: key.id.clone(),
            name: key.name.clone(),
        },
        actor: Some(Actor {
            user_id: user.id,
            agency_id: key.agency_id,
            role,
            workspaces,
        }),
        ip,
        environment: Some(key.environment),
        parent: Some(ParentKey {
            id: key.id.clone(),
            scopes: key.scopes,
            expires_at: key.expires_at,
            rate_limit: key.rate_limit,
        }),
    }))
}
