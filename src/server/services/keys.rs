//! Creating, renaming, revoking and removing API keys: the rules, the limit
//! and the audit trail, shared by the dashboard, the CLI and the API.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use serde_json::json;

use crate::server::key_cache::announce;

use super::audit::{self, Who};
use crate::domain::environment::Environment;
use crate::domain::ip_allowlist::IpAllowlist;
use crate::domain::key_name::KeyName;
use crate::domain::policy::{can, Action, Actor};
use crate::domain::role::Role;
use crate::domain::scopes::{Scope, ScopeSet};
use crate::domain::token::{Pepper, Token};
use crate::domain::validity::{Validity, ValidityError};
use crate::entities::{agency, api_key, membership, user, workspace};
use crate::models::keys::{NewKeyForm, RevealedKey};
use crate::models::{AppError, CurrentUser, FieldIssue};

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
}

impl Caller {
    pub fn may(&self, action: Action) -> bool {
        self.actor.as_ref().is_none_or(|actor| can(actor, action))
    }

    /// Records what this caller did, in the same transaction as the change.
    pub async fn audit(
        &self,
        db: &impl ConnectionTrait,
        action: &'static str,
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
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldIssue>),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl From<KeyError> for AppError {
    fn from(err: KeyError) -> Self {
        match err {
            KeyError::NotFound => AppError::NotFound,
            KeyError::Forbidden => AppError::Forbidden,
            KeyError::Invalid(issues) => AppError::Invalid(issues),
            KeyError::Conflict(message) => AppError::Conflict(message),
            KeyError::Database(err) => {
                tracing::error!(error = %err, "key service database error");
                AppError::Internal
            }
        }
    }
}

/// A key request that passed every field rule.
struct NewKey {
    name: KeyName,
    workspace: Option<workspace::Model>,
    act_as: user::Model,
    expires_at: Option<DateTime<Utc>>,
    environment: Environment,
    scopes: ScopeSet,
}

/// Whether `user` may be the acting user of a key in `workspace` (`None`: agency-wide).
pub async fn may_act_in(
    db: &impl ConnectionTrait,
    user: &user::Model,
    workspace: Option<i64>,
) -> Result<bool, DbErr> {
    if user.role == Role::SuperManager.as_str() {
        return Ok(true);
    }
    let Some(workspace) = workspace else {
        return Ok(false);
    };
    let member = membership::Entity::find_by_id((user.id, workspace))
        .one(db)
        .await?;
    Ok(member.is_some())
}

async fn validate(
    db: &impl ConnectionTrait,
    caller: &Caller,
    form: &NewKeyForm,
    now: DateTime<Utc>,
) -> Result<NewKey, KeyError> {
    let mut issues = Vec::new();
    let mut issue = |field: &str, message: String| {
        issues.push(FieldIssue {
            field: field.into(),
            message,
        })
    };

    let name = KeyName::parse(&form.name)
        .map_err(|e| issue("name", e.to_string()))
        .ok();

    let workspace = match form.workspace.trim() {
        "" => Ok(None),
        text => match text.parse::<i64>() {
            Ok(id) => workspace::Entity::find_by_id(id)
                .filter(workspace::Column::AgencyId.eq(caller.agency_id))
                .one(db)
                .await?
                .map(Some)
                .ok_or(()),
            Err(_) => Err(()),
        },
    };
    let workspace = match workspace {
        Ok(workspace) => Some(workspace),
        Err(()) => {
            issue("workspace", "Choose a workspace".into());
            None
        }
    };
    if let Some(workspace) = &workspace {
        if !caller.may(Action::ManageKey(workspace.as_ref().map(|w| w.id))) {
            return Err(KeyError::Forbidden);
        }
    }

    let act_as = match form.act_as.trim().parse::<i64>() {
        Ok(id) => {
            user::Entity::find_by_id(id)
                .filter(user::Column::AgencyId.eq(caller.agency_id))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let act_as = match (act_as, &workspace) {
        (Some(user), Some(ws)) if may_act_in(db, &user, ws.as_ref().map(|w| w.id)).await? => Some(user),
        (Some(_), Some(None)) => {
            issue(
                "act_as",
                "Only a super manager can act for an agency-wide key".into(),
            );
            None
        }
        (Some(_), Some(Some(_))) => {
            issue("act_as", "This user is not a member of that workspace".into());
            None
        }
        (None, _) => {
            issue("act_as", "Choose who the key acts as".into());
            None
        }
        (Some(_), None) => None,
    };

    let validity = Validity::parse(&form.validity, &form.custom_date, now).map_err(|e| {
        let field = match e {
            ValidityError::Unknown => "validity",
            _ => "custom_date",
        };
        issue(field, e.to_string());
    });
    let expires_at = validity.ok().and_then(|v| v.expires_at(now).ok()).flatten();

    let environment = form
        .environment
        .parse::<Environment>()
        .map_err(|_| issue("environment", "Choose Live or Test".into()))
        .ok();

    let scopes = form
        .scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
        .and_then(|scopes| ScopeSet::new(scopes).map_err(|e| e.to_string()))
        .map_err(|message| issue("scopes", message))
        .ok();

    match (name, workspace, act_as, validity, environment, scopes) {
        (Some(name), Some(workspace), Some(act_as), Ok(_), Some(environment), Some(scopes))
            if issues.is_empty() =>
        {
            Ok(NewKey {
                name,
                workspace,
                act_as,
                expires_at,
                environment,
                scopes,
            })
        }
        _ => Err(KeyError::Invalid(issues)),
    }
}

/// Active keys in one bucket: a workspace, or the agency-wide keys.
pub async fn count_active(
    db: &impl ConnectionTrait,
    agency_id: i64,
    workspace_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let bucket = match workspace_id {
        Some(id) => api_key::Column::WorkspaceId.eq(id),
        None => api_key::Column::WorkspaceId.is_null(),
    };
    api_key::Entity::find()
        .filter(api_key::Column::AgencyId.eq(agency_id))
        .filter(bucket)
        .filter(active_at(now))
        .count(db)
        .await
}

/// Active keys in every bucket of the agency at once (`None`: agency-wide);
/// a bucket without active keys is absent.
pub async fn count_active_by_bucket(
    db: &impl ConnectionTrait,
    agency_id: i64,
    now: DateTime<Utc>,
) -> Result<HashMap<Option<i64>, u64>, DbErr> {
    #[derive(FromQueryResult)]
    struct Bucket {
        workspace_id: Option<i64>,
        active: i64,
    }
    let buckets = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::WorkspaceId)
        .column_as(Expr::col(Asterisk).count(), "active")
        .filter(api_key::Column::AgencyId.eq(agency_id))
        .filter(active_at(now))
        .group_by(api_key::Column::WorkspaceId)
        .into_model::<Bucket>()
        .all(db)
        .await?;
    Ok(buckets
        .into_iter()
        .map(|b| (b.workspace_id, b.active.max(0) as u64))
        .collect())
}

/// Not revoked and not expired at `now`.
pub fn active_at(now: DateTime<Utc>) -> Condition {
    Condition::all().add(api_key::Column::RevokedAt.is_null()).add(
        Condition::any()
            .add(api_key::Column::ExpiresAt.is_null())
            .add(api_key::Column::ExpiresAt.gt(now)),
    )
}

/// Starts a transaction that changes an agency's keys or settings, with a
/// write first: on SQLite it takes the write lock before anything is read
/// (a read that later writes would fail with "database is locked" when
/// another writer got in between); on PostgreSQL it locks the agency row
/// until commit, so changes to one agency's keys happen one at a time.
pub async fn begin_for_agency(db: &DatabaseConnection, agency_id: i64) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    agency::Entity::update_many()
        .col_expr(
            agency::Column::MaxActiveKeys,
            Expr::col(agency::Column::MaxActiveKeys).into(),
        )
        .filter(agency::Column::Id.eq(agency_id))
        .exec(&txn)
        .await?;
    Ok(txn)
}

/// Creates a key and returns its token, the only time it exists outside
/// the caller's hands. The limit is checked inside the insert's transaction
/// while the agency row is locked, so simultaneous creates cannot exceed it.
pub async fn create(
    db: &DatabaseConnection,
    pepper: &Pepper,
    caller: &Caller,
    form: &NewKeyForm,
    rate_limit: Option<i32>,
    now: DateTime<Utc>,
) -> Result<RevealedKey, KeyError> {
    let new = validate(db, caller, form, now).await?;
    let workspace_id = new.workspace.as_ref().map(|w| w.id);
    let token = Token::generate(new.environment, &mut rand::rngs::OsRng);

    let txn = begin_for_agency(db, caller.agency_id).await?;
    let max = agency::Entity::find_by_id(caller.agency_id)
        .one(&txn)
        .await?
        .ok_or(KeyError::NotFound)?
        .max_active_keys;
    let active = count_active(&txn, caller.agency_id, workspace_id, now).await?;
    if active >= max.max(0) as u64 {
        let place = match &new.workspace {
            Some(w) => format!("in {}", w.name),
            None => "agency-wide".to_owned(),
        };
        return Err(KeyError::Conflict(format!(
            "You can have at most {max} active keys {place}. Revoke or remove a key to create another."
        )));
    }
    let model = api_key::ActiveModel {
        id: Set(token.id().as_str().to_owned()),
        agency_id: Set(caller.agency_id),
        workspace_id: Set(workspace_id),
        name: Set(new.name.as_str().to_owned()),
        environment: Set(new.environment.as_str().to_owned()),
        scopes: Set(new.scopes.to_text()),
        secret_hash: Set(pepper.hash(&token).as_bytes().to_vec()),
        last4: Set(token.last4()),
        act_as_user_id: Set(new.act_as.id),
        created_by_user_id: Set(caller.who.user_id()),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
        revoked_by_user_id: Set(None),
        last_used_at: Set(None),
        last_used_ip: Set(None),
        usage_count: Set(0),
        rate_limit: Set(rate_limit.unwrap_or(100)),
        ip_allowlist: Set(String::new()),
        previous_secret_hash: Set(None),
        previous_secret_expires_at: Set(None),
    };
    api_key::Entity::insert(model)
        .exec_without_returning(&txn)
        .await?;
    caller
        .audit(
            &txn,
            "created",
            Some((token.id().as_str(), new.name.as_str())),
            json!({
                "environment": new.environment.as_str(),
                "scopes": new.scopes.to_text(),
                "workspace": new.workspace.as_ref().map(|w| w.name.clone()),
                "acting_as": new.act_as.name,
                "expires_at": new.expires_at,
            }),
            now,
        )
        .await?;
    // A negative cache entry for this id (someone guessed it) must go.
    announce(&txn, token.id().as_str(), now).await?;
    txn.commit().await?;
    tracing::info!(key = %token.api_key(), agency = caller.agency_id, "key created");
    Ok(RevealedKey {
        id: token.id().as_str().to_owned(),
        name: new.name.into_inner(),
        api_key: token.api_key(),
        secret: token.expose_secret().to_owned(),
        token: token.expose(),
    })
}

/// A key of the caller's agency that the caller may see, else not found.
pub(crate) async fn visible_key(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
) -> Result<api_key::Model, KeyError> {
    let mut find =
        api_key::Entity::find_by_id(id.to_owned()).filter(api_key::Column::AgencyId.eq(caller.agency_id));
    if let Some(environment) = caller.environment {
        find = find.filter(api_key::Column::Environment.eq(environment.as_str()));
    }
    let key = find.one(db).await?.ok_or(KeyError::NotFound)?;
    if !caller.may(Action::ViewKey(key.workspace_id)) {
        return Err(KeyError::NotFound);
    }
    Ok(key)
}

/// A key the caller may change: not found if they cannot see it, forbidden if they only can see it.
async fn managed_key(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
) -> Result<api_key::Model, KeyError> {
    let key = visible_key(db, caller, id).await?;
    if !caller.may(Action::ManageKey(key.workspace_id)) {
        return Err(KeyError::Forbidden);
    }
    Ok(key)
}

pub async fn rename(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    new_name: &str,
    now: DateTime<Utc>,
) -> Result<(), KeyError> {
    let name = KeyName::parse(new_name).map_err(|e| {
        KeyError::Invalid(vec![FieldIssue {
            field: "name".into(),
            message: e.to_string(),
        }])
    })?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    let old_name = key.name.clone();
    let mut active: api_key::ActiveModel = key.into();
    active.name = Set(name.as_str().to_owned());
    active.update(&txn).await?;
    caller
        .audit(
            &txn,
            "renamed",
            Some((id, name.as_str())),
            json!({ "from": old_name, "to": name.as_str() }),
            now,
        )
        .await?;
    announce(&txn, id, now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn revoke(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), KeyError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    if key.revoked_at.is_some() {
        return Err(KeyError::Conflict("This key is already revoked".into()));
    }
    let name = key.name.clone();
    let mut active: api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(now));
    active.revoked_by_user_id = Set(caller.who.user_id());
    active.update(&txn).await?;
    caller
        .audit(&txn, "revoked", Some((id, &name)), json!({}), now)
        .await?;
    announce(&txn, id, now).await?;
    txn.commit().await?;
    tracing::info!(key = id, agency = caller.agency_id, "key revoked");
    Ok(())
}

pub async fn remove(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), KeyError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    api_key::Entity::delete_by_id(key.id.clone()).exec(&txn).await?;
    caller
        .audit(
            &txn,
            "removed",
            Some((id, &key.name)),
            json!({ "environment": key.environment, "scopes": key.scopes }),
            now,
        )
        .await?;
    announce(&txn, id, now).await?;
    txn.commit().await?;
    tracing::info!(key = id, agency = caller.agency_id, "key removed");
    Ok(())
}

/// The most requests per second a key can be allowed (0 is unlimited).
pub const MAX_RATE_LIMIT: u32 = 1_000_000;

/// Parses a rate limit as typed: a whole number from 0 (unlimited) to [`MAX_RATE_LIMIT`].
pub fn parse_rate_limit(raw: &str) -> Result<u32, String> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_RATE_LIMIT)
        .ok_or_else(|| format!("Enter a whole number from 0 (unlimited) to {MAX_RATE_LIMIT}"))
}

/// Changes how many requests per second a key may make; the next request
/// is held to it.
pub async fn set_rate_limit(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    per_second: u32,
    now: DateTime<Utc>,
) -> Result<(), KeyError> {
    let per_second = i32::try_from(per_second.min(MAX_RATE_LIMIT)).unwrap_or(i32::MAX);
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    let (name, before) = (key.name.clone(), key.rate_limit);
    if before != per_second {
        let mut active: api_key::ActiveModel = key.into();
        active.rate_limit = Set(per_second);
        active.update(&txn).await?;
        caller
            .audit(
                &txn,
                "rate limit changed",
                Some((id, &name)),
                json!({ "from": before, "to": per_second }),
                now,
            )
            .await?;
        announce(&txn, id, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// How long a rolled key's old secret keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grace {
    Now,
    OneHour,
    OneDay,
    SevenDays,
}

impl Grace {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "now" => Some(Grace::Now),
            "1h" => Some(Grace::OneHour),
            "24h" => Some(Grace::OneDay),
            "7d" => Some(Grace::SevenDays),
            _ => None,
        }
    }

    pub fn duration(self) -> chrono::TimeDelta {
        match self {
            Grace::Now => chrono::TimeDelta::zero(),
            Grace::OneHour => chrono::TimeDelta::hours(1),
            Grace::OneDay => chrono::TimeDelta::hours(24),
            Grace::SevenDays => chrono::TimeDelta::days(7),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grace::Now => "none",
            Grace::OneHour => "1 hour",
            Grace::OneDay => "24 hours",
            Grace::SevenDays => "7 days",
        }
    }
}

/// Issues a new secret for the same key: same id, name, scopes and
/// settings. The old secret keeps working for `grace` (not at all for
/// [`Grace::Now`]); a secret still in the grace of an earlier roll stops
/// now. Returns the new token, the only time it exists outside the caller's hands.
pub async fn roll(
    db: &DatabaseConnection,
    pepper: &Pepper,
    caller: &Caller,
    id: &str,
    grace: Grace,
    now: DateTime<Utc>,
) -> Result<RevealedKey, KeyError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(KeyError::Conflict(
            "Only an active key can be rolled: this one is revoked or expired".into(),
        ));
    }
    let environment: Environment = key
        .environment
        .parse()
        .map_err(|_| KeyError::Conflict("This key's environment is unreadable".into()))?;
    let key_id = crate::domain::token::KeyId::parse(&key.id).ok_or(KeyError::NotFound)?;
    let token = Token::with_id(environment, key_id, &mut rand::rngs::OsRng);
    let old_until = (grace != Grace::Now).then(|| now + grace.duration());
    let name = key.name.clone();
    let mut active: api_key::ActiveModel = key.clone().into();
    active.previous_secret_hash = Set(old_until.map(|_| key.secret_hash.clone()));
    active.previous_secret_expires_at = Set(old_until);
    active.secret_hash = Set(pepper.hash(&token).as_bytes().to_vec());
    active.last4 = Set(token.last4());
    active.update(&txn).await?;
    caller
        .audit(
            &txn,
            "rolled",
            Some((id, &name)),
            json!({ "grace": grace.label(), "old_secret_valid_until": old_until }),
            now,
        )
        .await?;
    announce(&txn, id, now).await?;
    txn.commit().await?;
    tracing::info!(
        key = id,
        agency = caller.agency_id,
        grace = grace.label(),
        "key rolled"
    );
    Ok(RevealedKey {
        id: id.to_owned(),
        name,
        api_key: token.api_key(),
        secret: token.expose_secret().to_owned(),
        token: token.expose(),
    })
}

/// Replaces where a key may be used from (empty: anywhere); the next request is held to it.
pub async fn set_allowlist(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), KeyError> {
    let list = IpAllowlist::parse(text).map_err(|errors| {
        KeyError::Invalid(vec![FieldIssue {
            field: "ip_allowlist".into(),
            message: errors.join("\n"),
        }])
    })?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    let (name, before) = (key.name.clone(), key.ip_allowlist.clone());
    let after = list.to_text();
    if before != after {
        let mut active: api_key::ActiveModel = key.into();
        active.ip_allowlist = Set(after.clone());
        active.update(&txn).await?;
        let entries = |text: &str| text.lines().map(str::to_owned).collect::<Vec<_>>();
        caller
            .audit(
                &txn,
                "allowlist changed",
                Some((id, &name)),
                json!({ "from": entries(&before), "to": entries(&after) }),
                now,
            )
            .await?;
        announce(&txn, id, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Replaces what a key may do; the next request is held to the new scopes.
pub async fn set_scopes(
    db: &DatabaseConnection,
    caller: &Caller,
    id: &str,
    scopes: &[String],
    now: DateTime<Utc>,
) -> Result<(), KeyError> {
    let set = scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
        .and_then(|scopes| ScopeSet::new(scopes).map_err(|e| e.to_string()))
        .map_err(|message| {
            KeyError::Invalid(vec![FieldIssue {
                field: "scopes".into(),
                message,
            }])
        })?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    let (name, before) = (key.name.clone(), key.scopes.clone());
    let after = set.to_text();
    if before != after {
        let mut active: api_key::ActiveModel = key.into();
        active.scopes = Set(after.clone());
        active.update(&txn).await?;
        let words = |text: &str| text.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        caller
            .audit(
                &txn,
                "scopes changed",
                Some((id, &name)),
                json!({ "from": words(&before), "to": words(&after) }),
                now,
            )
            .await?;
        announce(&txn, id, now).await?;
    }
    txn.commit().await?;
    Ok(())
}
