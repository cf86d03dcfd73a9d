//! Creating a key: every field rule, the limit (checked while the agency
//! row is locked), the audit event, and the token shown once.
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use serde_json::json;

use super::request::KeyRequest;
use super::{begin_for_agency, count_active, Caller, ServiceError, MAX_RATE_LIMIT, MAY_NOT_MANAGE};
use crate::domain::audit_action::AuditAction;
use crate::domain::environment::Environment;
use crate::domain::key_name::KeyName;
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::domain::scopes::ScopeSet;
use crate::domain::token::{Pepper, Token};
use crate::domain::webhook_event::EventType;
use crate::entities::{agency, api_key, membership, user, workspace};
use crate::models::keys::RevealedKey;
use crate::models::FieldIssue;
use crate::server::key_cache::{commit_change, KeyCache};
use crate::server::webhooks::events::{announce_key, KeyEventData};

/// A key request that passed every rule, its workspace and person loaded.
struct NewKey {
    name: KeyName,
    workspace: Option<workspace::Model>,
    act_as: user::Model,
    expires_at: Option<DateTime<Utc>>,
    environment: Environment,
    scopes: ScopeSet,
    rate_limit: Option<u32>,
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

/// The database's half of the rules: the workspace and the person exist
/// in the caller's agency, the caller may manage keys there (403 if not),
/// the person may act there. Issues are named as the form names them
/// (`workspace`, `act_as`).
async fn validate(
    db: &impl ConnectionTrait,
    caller: &Caller,
    request: KeyRequest,
) -> Result<NewKey, ServiceError> {
    let workspace = match request.workspace_id {
        None => None,
        Some(id) => Some(
            workspace::Entity::find_by_id(id)
                .filter(workspace::Column::AgencyId.eq(caller.agency_id))
                .one(db)
                .await?
                .ok_or_else(|| ServiceError::field("workspace", "Choose a workspace"))?,
        ),
    };
    if !caller.may(Action::ManageKey(workspace.as_ref().map(|w| w.id))) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE.into()));
    }
    if let Some(archived) = workspace.as_ref().filter(|w| w.archived_at.is_some()) {
        return Err(ServiceError::field(
            "workspace",
            format!("{} is archived: it takes no new keys", archived.name),
        ));
    }
    let act_as = user::Entity::find_by_id(request.act_as_user_id)
        .filter(user::Column::AgencyId.eq(caller.agency_id))
        .filter(user::Column::Status.eq(crate::domain::person::Status::Active.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::field("act_as", "Choose who the key acts as"))?;
    if !may_act_in(db, &act_as, workspace.as_ref().map(|w| w.id)).await? {
        let message = match workspace {
            None => "Only a super manager can act for an agency-wide key",
            Some(_) => "This user is not a member of that workspace",
        };
        return Err(ServiceError::field("act_as", message));
    }
    Ok(NewKey {
        name: request.name,
        workspace,
        act_as,
        expires_at: request.expires_at,
        environment: request.environment,
        scopes: request.scopes,
        rate_limit: request.rate_limit,
    })
}

/// The default rate limit of a new key, in requests per second.
pub const DEFAULT_RATE_LIMIT: i32 = 100;

/// The new key's rate limit, after checking that a key made by a key
/// (`/v1/keys`) does not outlive, out-scope or out-rate its parent: expiry
/// no later, scopes a subset, rate no higher unless the parent is unlimited
/// (an unset rate is then 100 or the parent's, whichever is lower). `Err`
/// names each field.
fn within_parent(caller: &Caller, new: &NewKey) -> Result<i32, ServiceError> {
    let rate_limit = new
        .rate_limit
        .map(|n| i32::try_from(n.min(MAX_RATE_LIMIT)).unwrap_or(i32::MAX));
    let Some(parent) = &caller.parent else {
        return Ok(rate_limit.unwrap_or(DEFAULT_RATE_LIMIT));
    };
    let mut issues = Vec::new();
    if let Some(beyond) = new.scopes.iter().find(|scope| !parent.scopes.allows(*scope)) {
        issues.push(FieldIssue {
            field: "scopes".into(),
            message: format!(
                "{beyond} is beyond the scopes of the key creating it: a key cannot grant more than it has"
            ),
        });
    }
    if let Some(limit) = parent.expires_at {
        if new.expires_at.is_none_or(|at| at > limit) {
            issues.push(FieldIssue {
                field: "validity".into(),
                message: format!(
                    "The key creating it expires on {}: a new key must expire by then",
                    limit.format("%Y-%m-%d %H:%M UTC")
                ),
            });
        }
    }
    let parent_rate = i32::try_from(parent.rate_limit).unwrap_or(i32::MAX);
    let rate = rate_limit.unwrap_or(if parent_rate == 0 {
        DEFAULT_RATE_LIMIT
    } else {
        DEFAULT_RATE_LIMIT.min(parent_rate)
    });
    if parent_rate > 0 && (rate == 0 || rate > parent_rate) {
        issues.push(FieldIssue {
            field: "rate_limit".into(),
            message: format!(
                "The key creating it is limited to {parent_rate} requests/s: a new key may have at most that (not unlimited)"
            ),
        });
    }
    if issues.is_empty() {
        Ok(rate)
    } else {
        Err(ServiceError::Invalid(issues))
    }
}

/// Creates a key and returns its token, the only time it exists outside
/// the caller's hands. The limit is checked inside the insert's transaction
/// while the agency row is locked, so simultaneous creates cannot exceed it.
pub async fn create(
    db: &DatabaseConnection,
    cache: &KeyCache,
    pepper: &Pepper,
    caller: &Caller,
    request: KeyRequest,
    now: DateTime<Utc>,
) -> Result<RevealedKey, ServiceError> {
    let new = validate(db, caller, request).await?;
    let rate_limit = within_parent(caller, &new)?;
    let workspace_id = new.workspace.as_ref().map(|w| w.id);
    let token = Token::generate(new.environment, &mut rand::rngs::OsRng);

    let txn = begin_for_agency(db, caller.agency_id).await?;
    let max = agency::Entity::find_by_id(caller.agency_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?
        .max_active_keys;
    let active = count_active(&txn, caller.agency_id, workspace_id, now).await?;
    if active >= max.max(0) as u64 {
        let place = match &new.workspace {
            Some(w) => format!("in {}", w.name),
            None => "agency-wide".to_owned(),
        };
        return Err(ServiceError::Conflict(format!(
            "You can have at most {max} active keys {place}. Revoke or remove a key to create another."
        )));
    }
    let model = api_key::ActiveModel {
        id: Set(token.id().as_str().to_owned()),
        agency_id: Set(caller.agency_id),
        workspace_id: Set(workspace_id),
        name: Set(new.name.as_str().to_owned()),
        environment: Set(new.environment),
        scopes: Set(new.scopes.to_text()),
        secret_hash: Set(pepper.hash(&token).as_bytes().to_vec()),
        last4: Set(token.last4()),
        act_as_user_id: Set(new.act_as.id),
        // A key creating keys: its acting user is the creator (and gets
        // the new key's notices); the key itself is named beside.
        created_by_user_id: Set(caller.who.user_id().or(caller
            .parent
            .as_ref()
            .and(caller.actor.as_ref().map(|a| a.user_id)))),
        created_by_key_id: Set(caller.parent.as_ref().map(|p| p.id.clone())),
        // Inserted without the model's save hook: folded here.
        search_folded: Set(migration::fold_for_search(&[new.name.as_str()])),
        created_at: Set(now),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
        revoked_by_user_id: Set(None),
        last_used_at: Set(None),
        last_used_ip: Set(None),
        usage_count: Set(0),
        rate_limit: Set(rate_limit),
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
            AuditAction::Created,
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
    if let Some(created) = api_key::Entity::find_by_id(token.id().as_str().to_owned())
        .one(&txn)
        .await?
    {
        let data = KeyEventData::of(&created);
        announce_key(&txn, &created, EventType::KeyCreated, &data, now).await?;
    }
    // A negative cache entry for this id (someone guessed it) must go.
    commit_change(txn, cache, token.id().as_str(), now).await?;
    tracing::info!(key = %token.api_key(), agency = caller.agency_id, "key created");
    Ok(RevealedKey {
        id: token.id().as_str().to_owned(),
        name: new.name.into_inner(),
        api_key: token.api_key(),
        secret: token.expose_secret().to_owned(),
        token: token.expose(),
    })
}
