//! Session tokens (issue 14): minted from a key by its backend for a
//! browser page, listed and revoked on the key's page, revoked by the key
//! or by themselves. Verification reads them through the key cache
//! ([`crate::server::key_cache::Principal::Session`]); this module writes.
//!
//! Minting is not audited (a page view may mint one; the key's page lists
//! them), revoking is.
use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde_json::json;

use super::audit::{self, Who};
use super::error::ServiceError;
use super::keys::{begin_for_agency, managed_key, Caller};
use crate::domain::audit_action::AuditAction;
use crate::domain::scopes::ScopeSet;
use crate::domain::session_token::{Origin, SessionToken};
use crate::domain::token::{Pepper, SecretHash};
use crate::entities::{api_key, session_token, session_token_origin};
use crate::models::audit::SESSION_TOKENS_LISTED;
use crate::models::keys::SessionTokenRow;
use crate::server::key_cache::{commit_change, session_token_cache_id, KeyCache, KeyRecord};

/// A session token to mint, its fields checked (see the API's `NewSessionToken`).
#[derive(Debug, Clone)]
pub struct NewSessionToken {
    /// Within what the key allows, never `admin` or `webhooks`.
    pub scopes: ScopeSet,
    /// 1 s to 24 h.
    pub ttl: TimeDelta,
    /// 1 to 10, distinct.
    pub origins: Vec<Origin>,
    /// Empty when none was given.
    pub label: String,
}

/// A minted token: `token` is the only time its secret exists outside the
/// caller's hands.
#[derive(Debug, Clone)]
pub struct MintedSessionToken {
    pub token: String,
    pub id: String,
    pub label: String,
    pub scopes: ScopeSet,
    pub origins: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// `created_at + ttl`, or sooner when the key (or the rolled secret
    /// that minted it) stops first.
    pub expires_at: DateTime<Utc>,
}

/// Mints a session token from `key`, whose secret hashed to `minted_with`
/// on this request. `Err(Conflict)` when that secret is no longer the key's
/// (rolled meanwhile).
pub async fn mint(
    db: &DatabaseConnection,
    pepper: &Pepper,
    key: &KeyRecord,
    minted_with: &SecretHash,
    new: NewSessionToken,
    now: DateTime<Utc>,
) -> Result<MintedSessionToken, ServiceError> {
    let Some(secret_ends) = key.secret_ends(minted_with) else {
        return Err(ServiceError::Conflict(
            "this key's secret was rolled meanwhile".into(),
        ));
    };
    let token = SessionToken::generate(key.environment, &mut rand::rngs::OsRng);
    let expires_at = [Some(now + new.ttl), key.expires_at, secret_ends]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now + new.ttl);
    let id = token.id().as_str().to_owned();
    let txn = db.begin().await?;
    session_token::Entity::insert(session_token::ActiveModel {
        id: Set(id.clone()),
        key_id: Set(key.id.clone()),
        secret_hash: Set(token.hash(pepper).as_bytes().to_vec()),
        key_secret_hash: Set(minted_with.as_bytes().to_vec()),
        scopes: Set(new.scopes.to_text()),
        label: Set(new.label.clone()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        usage_count: Set(0),
    })
    .exec_without_returning(&txn)
    .await?;
    session_token_origin::Entity::insert_many(new.origins.iter().map(|origin| {
        session_token_origin::ActiveModel {
            origin: Set(origin.as_str().to_owned()),
            token_id: Set(id.clone()),
        }
    }))
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(MintedSessionToken {
        token: token.expose(),
        id,
        label: new.label,
        scopes: new.scopes,
        origins: new.origins.iter().map(|o| o.as_str().to_owned()).collect(),
        created_at: now,
        expires_at,
    })
}

/// Who revokes a session token, and so which tokens they reach.
pub enum Revoker<'a> {
    /// The key that minted it (`DELETE /v1/session_tokens/{id}`), or the
    /// token itself (`…/current`, `key` being its record): `who` names it
    /// in the audit log.
    Credential {
        key: &'a KeyRecord,
        who: Who,
        ip: Option<String>,
    },
    /// Someone who manages the key, on its page.
    Manager(&'a Caller),
}

/// Revokes one live session token of key `key_id`: refused on every
/// instance from the next request (within a second). `Err(NotFound)` when
/// it is not that key's, or the revoker cannot reach the key;
/// `Err(Conflict)` when it is already revoked or expired.
pub async fn revoke(
    db: &DatabaseConnection,
    cache: &KeyCache,
    revoker: Revoker<'_>,
    key_id: &str,
    token_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let (txn, agency_id, key_name) = begin(db, &revoker, key_id).await?;
    let token = session_token::Entity::find_by_id(token_id.to_owned())
        .filter(session_token::Column::KeyId.eq(key_id))
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(ServiceError::Conflict(
            "This session token is already revoked or expired".into(),
        ));
    }
    session_token::Entity::update_many()
        .col_expr(session_token::Column::RevokedAt, Expr::value(now))
        .filter(session_token::Column::Id.eq(token_id))
        .exec(&txn)
        .await?;
    let details = if token.label.is_empty() {
        json!({ "session_token": token.id })
    } else {
        json!({ "session_token": token.id, "label": token.label })
    };
    audit_by(
        &txn,
        &revoker,
        agency_id,
        AuditAction::SessionTokenRevoked,
        (key_id, &key_name),
        details,
        now,
    )
    .await?;
    commit_change(txn, cache, &session_token_cache_id(token_id), now).await?;
    tracing::info!(key = key_id, session_token = token_id, "session token revoked");
    Ok(())
}

/// Revokes every live session token of key `key_id`, for someone who
/// manages it; returns how many. Announced as a change of the key, which
/// every instance's cache passes on to the key's tokens.
pub async fn revoke_all(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let revoker = Revoker::Manager(caller);
    let (txn, agency_id, key_name) = begin(db, &revoker, key_id).await?;
    let revoked = session_token::Entity::update_many()
        .col_expr(session_token::Column::RevokedAt, Expr::value(now))
        .filter(live(now))
        .filter(session_token::Column::KeyId.eq(key_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if revoked == 0 {
        return Err(ServiceError::Conflict(
            "This key has no live session tokens".into(),
        ));
    }
    let details = json!({ "count": revoked });
    audit_by(
        &txn,
        &revoker,
        agency_id,
        AuditAction::SessionTokensRevoked,
        (key_id, &key_name),
        details,
        now,
    )
    .await?;
    commit_change(txn, cache, key_id, now).await?;
    tracing::info!(key = key_id, count = revoked, "session tokens revoked");
    Ok(revoked)
}

/// Opens the transaction of a revocation, once the revoker may reach the
/// key: the key's agency and name.
async fn begin(
    db: &DatabaseConnection,
    revoker: &Revoker<'_>,
    key_id: &str,
) -> Result<(sea_orm::DatabaseTransaction, i64, String), ServiceError> {
    match revoker {
        Revoker::Credential { key, .. } => {
            if key.id != key_id {
                return Err(ServiceError::NotFound);
            }
            let txn = begin_for_agency(db, key.agency_id).await?;
            let name = api_key::Entity::find_by_id(key_id.to_owned())
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound)?
                .name;
            Ok((txn, key.agency_id, name))
        }
        Revoker::Manager(caller) => {
            let txn = begin_for_agency(db, caller.agency_id).await?;
            let key = managed_key(&txn, caller, key_id).await?;
            Ok((txn, caller.agency_id, key.name))
        }
    }
}

async fn audit_by(
    txn: &impl ConnectionTrait,
    revoker: &Revoker<'_>,
    agency_id: i64,
    action: AuditAction,
    key: (&str, &str),
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    match revoker {
        Revoker::Manager(caller) => caller.audit(txn, action, Some(key), details, at).await,
        Revoker::Credential { who, ip, .. } => {
            let event = audit::Event {
                agency_id,
                who,
                ip: ip.as_deref(),
                action,
                key: Some(key),
                details,
                at,
            };
            audit::record(txn, event).await
        }
    }
}

/// Not revoked and not expired at `now`.
fn live(now: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(session_token::Column::RevokedAt.is_null())
        .add(session_token::Column::ExpiresAt.gt(now))
}

/// Key `key_id`'s live session tokens, newest first (at most
/// [`SESSION_TOKENS_LISTED`]); the caller has checked the key is theirs to see.
pub async fn live_tokens(
    db: &impl ConnectionTrait,
    key_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<SessionTokenRow>, ServiceError> {
    let tokens = session_token::Entity::find()
        .filter(live(now))
        .filter(session_token::Column::KeyId.eq(key_id))
        .order_by_desc(session_token::Column::CreatedAt)
        .order_by_asc(session_token::Column::Id)
        .limit(SESSION_TOKENS_LISTED)
        .all(db)
        .await?;
    let mut origins: HashMap<String, Vec<String>> = HashMap::new();
    for row in session_token_origin::Entity::find()
        .filter(session_token_origin::Column::TokenId.is_in(tokens.iter().map(|t| t.id.clone())))
        .all(db)
        .await?
    {
        origins.entry(row.token_id).or_default().push(row.origin);
    }
    tokens
        .into_iter()
        .map(|token| {
            let mut origins = origins.remove(&token.id).unwrap_or_default();
            origins.sort();
            Ok(SessionTokenRow {
                scopes: ScopeSet::parse(&token.scopes)
                    .map_err(|_| ServiceError::Corrupt(format!("session token {} scopes", token.id)))?
                    .iter()
                    .collect(),
                origins,
                id: token.id,
                label: token.label,
                created_at: token.created_at,
                expires_at: token.expires_at,
                last_used_at: token.last_used_at,
                usage_count: token.usage_count,
            })
        })
        .collect()
}

/// How many live session tokens each of `key_ids` has (absent: none).
pub async fn live_counts(
    db: &impl ConnectionTrait,
    key_ids: &[String],
    now: DateTime<Utc>,
) -> Result<HashMap<String, u64>, DbErr> {
    if key_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, i64)> = session_token::Entity::find()
        .select_only()
        .column(session_token::Column::KeyId)
        .column_as(session_token::Column::Id.count(), "live")
        .filter(live(now))
        .filter(session_token::Column::KeyId.is_in(key_ids.iter().cloned()))
        .group_by(session_token::Column::KeyId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, n.max(0) as u64)).collect())
}

/// Whether some live session token names `origin` (a CORS preflight's
/// question: it carries no credentials).
pub async fn origin_in_use(db: &DatabaseConnection, origin: &str, now: DateTime<Utc>) -> Result<bool, DbErr> {
    use sea_orm::JoinType;
    let found = session_token_origin::Entity::find()
        .join(
            JoinType::InnerJoin,
            session_token_origin::Entity::belongs_to(session_token::Entity)
                .from(session_token_origin::Column::TokenId)
                .to(session_token::Column::Id)
                .into(),
        )
        .filter(session_token_origin::Column::Origin.eq(origin))
        .filter(live(now))
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// How long an expired or revoked session token's row is kept (its counts
/// are on its key already; its revocation is in the audit log).
pub const KEPT_AFTER_END: TimeDelta = TimeDelta::days(7);

/// Deletes the session tokens that ended more than [`KEPT_AFTER_END`]
/// before `now` (their origins go with them); returns how many. Run hourly
/// by every instance: a page view may mint a token, so rows would pile up.
pub async fn prune(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let before = now - KEPT_AFTER_END;
    Ok(session_token::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(session_token::Column::ExpiresAt.lt(before))
                .add(session_token::Column::RevokedAt.lt(before)),
        )
        .exec(db)
        .await?
        .rows_affected)
}
