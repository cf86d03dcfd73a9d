//! Changing a key: rename, revoke, remove, its rate limit, its IP
//! allowlist and its scopes. Each is audited and announced in the
//! transaction that makes it, so the next `/v1` request sees it.
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::json;

use super::{begin_for_agency, invalid, managed_key, visible_key, Caller, ServiceError};
use crate::domain::audit_action::AuditAction;
use crate::domain::ip_allowlist::IpAllowlist;
use crate::domain::key_name::KeyName;
use crate::domain::scopes::{Scope, ScopeSet};
use crate::domain::webhook_event::EventType;
use crate::entities::api_key;
use crate::server::key_cache::{commit_change, KeyCache};
use crate::server::webhooks::events::{announce_key, KeyEventData};

pub async fn rename(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: &str,
    new_name: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let name = KeyName::parse(new_name).map_err(|e| invalid("name", e.to_string()))?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    let old_name = key.name.clone();
    let mut active: api_key::ActiveModel = key.into();
    active.name = Set(name.as_str().to_owned());
    active.update(&txn).await?;
    caller
        .audit(
            &txn,
            AuditAction::Renamed,
            Some((id, name.as_str())),
            json!({ "from": old_name, "to": name.as_str() }),
            now,
        )
        .await?;
    commit_change(txn, cache, id, now).await?;
    Ok(())
}

pub async fn revoke(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    if key.revoked_at.is_some() {
        return Err(ServiceError::Conflict("This key is already revoked".into()));
    }
    revoke_within(&txn, caller, key, json!({}), now).await?;
    commit_change(txn, cache, id, now).await?;
    tracing::info!(key = id, agency = caller.agency_id, "key revoked");
    Ok(())
}

/// Revokes `key` inside the caller's transaction: the row, the audit event
/// (with `details`), the `key.revoked` webhook event. The caller announces
/// the change and commits (`commit_change`, or `announce` for several keys).
pub(crate) async fn revoke_within(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    key: api_key::Model,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let (id, name) = (key.id.clone(), key.name.clone());
    let mut active: api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(now));
    active.revoked_by_user_id = Set(caller.who.user_id());
    let revoked = active.update(txn).await?;
    caller
        .audit(txn, AuditAction::Revoked, Some((&id, &name)), details, now)
        .await?;
    let data = KeyEventData::of(&revoked);
    announce_key(txn, &revoked, EventType::KeyRevoked, &data, now).await?;
    Ok(())
}

pub async fn remove(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    api_key::Entity::delete_by_id(key.id.clone()).exec(&txn).await?;
    caller
        .audit(
            &txn,
            AuditAction::Removed,
            Some((id, &key.name)),
            json!({ "environment": key.environment, "scopes": key.scopes }),
            now,
        )
        .await?;
    commit_change(txn, cache, id, now).await?;
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
    cache: &KeyCache,
    caller: &Caller,
    id: &str,
    per_second: u32,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let per_second = i32::try_from(per_second.min(MAX_RATE_LIMIT)).unwrap_or(i32::MAX);
    let setting = Setting {
        action: AuditAction::RateLimitChanged,
        value: per_second,
        read: |key: &api_key::Model| key.rate_limit,
        write: |key: &mut api_key::ActiveModel| key.rate_limit = Set(per_second),
    };
    change_setting(db, cache, caller, id, setting, now).await
}

/// Replaces where a key may be used from (empty: anywhere); the next request is held to it.
pub async fn set_allowlist(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let list = IpAllowlist::parse(text).map_err(|errors| invalid("ip_allowlist", errors.join("\n")))?;
    let setting = Setting {
        action: AuditAction::AllowlistChanged,
        value: list.entries(),
        read: |key: &api_key::Model| key.ip_allowlist.lines().map(str::to_owned).collect(),
        write: |key: &mut api_key::ActiveModel| key.ip_allowlist = Set(list.to_text()),
    };
    change_setting(db, cache, caller, id, setting, now).await
}

/// Replaces what a key may do; the next request is held to the new scopes.
pub async fn set_scopes(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: &str,
    scopes: &[String],
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let set = ScopeSet::from_names(scopes).map_err(|e| invalid("scopes", e.to_string()))?;
    // A scope that unlocks nothing yet may be kept, never added.
    if Scope::check_offered(set).is_err() {
        let held = ScopeSet::parse(&visible_key(db, caller, id).await?.scopes).ok();
        let added = ScopeSet::new(
            set.iter()
                .filter(|s| !held.is_some_and(|h| h.iter().any(|x| x == *s))),
        );
        if let Ok(added) = added {
            Scope::check_offered(added).map_err(|message| invalid("scopes", message))?;
        }
    }
    let setting = Setting {
        action: AuditAction::ScopesChanged,
        value: set.iter().map(|s| s.as_str().to_owned()).collect::<Vec<_>>(),
        read: |key: &api_key::Model| key.scopes.split_whitespace().map(str::to_owned).collect(),
        write: |key: &mut api_key::ActiveModel| key.scopes = Set(set.to_text()),
    };
    change_setting(db, cache, caller, id, setting, now).await
}

/// One setting of a key: its new value as the audit log shows it, how to
/// read the old one, and how to write the new one.
struct Setting<T, R, W> {
    action: AuditAction,
    value: T,
    read: R,
    write: W,
}

/// Changes one setting of a key the caller manages, if it differs: written,
/// audited (`from`, `to`) and announced in one transaction, with the
/// agency's keys locked.
async fn change_setting<T, R, W>(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: &str,
    setting: Setting<T, R, W>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError>
where
    T: serde::Serialize + PartialEq,
    R: FnOnce(&api_key::Model) -> T,
    W: FnOnce(&mut api_key::ActiveModel),
{
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    let before = (setting.read)(&key);
    if before != setting.value {
        let name = key.name.clone();
        let mut active: api_key::ActiveModel = key.into();
        (setting.write)(&mut active);
        active.update(&txn).await?;
        let details = json!({ "from": before, "to": setting.value });
        caller
            .audit(&txn, setting.action, Some((id, &name)), details, now)
            .await?;
        commit_change(txn, cache, id, now).await?;
    }
    Ok(())
}
