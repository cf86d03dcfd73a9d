//! What a person may do and whether they still may: their role and
//! workspaces, disabling, enabling and removing them, and the keys acting
//! as them (each reassigned to someone who may act in its workspace, or
//! revoked: DESIGN.md, "People").
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

use super::passwords::revoke_all_tokens;
use super::{
    acting_keys, check_reach, is_last_super_manager, last_super_manager, may_take_over, memberships_of,
    person_in, person_json, require, role_of, set_status, status_of, workspaces_in,
};
use crate::domain::audit_action::AuditAction;
use crate::domain::person::Status;
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::entities::{api_key, membership, oauth_grant, user, workspace};
use crate::models::FieldIssue;
use crate::server::key_cache::{announce, KeyCache};
use crate::server::services::error::ServiceError;
use crate::server::services::keys::{
    active_at, begin_for_agency, managed_key, revoke_within, Caller, MAY_NOT_MANAGE,
};
use crate::server::services::oauth::tokens::{announce_grants, announce_person, Changed};
use crate::server::services::sign_in_sessions;

/// What becomes of one key acting as a person who is disabled or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDecision {
    /// It acts as this person (their id) from now on.
    Reassign(i64),
    /// It is revoked.
    Revoke,
}

/// What becomes of the live keys acting as a person who is disabled or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyDecisions {
    /// One decision per key id; every key needs one (the dashboard's dialog).
    Each(BTreeMap<String, KeyDecision>),
    /// The same for every key (`--reassign-keys-to`, `--revoke-keys`).
    All(KeyDecision),
    /// The keys stay as they are, refused (401 "Acting user disabled")
    /// until someone reassigns or revokes them: the command line without
    /// either flag.
    Leave,
}

/// What a disable or removal did to the keys, by key name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyOutcome {
    /// `(key name, the person's name it now acts as)`.
    pub reassigned: Vec<(String, String)>,
    pub revoked: Vec<String>,
    /// Left acting as the person, refused.
    pub left: Vec<String>,
}

/// Changes a person's role and workspaces (only what differs, each an
/// audit event with from and to). Refused: demoting the last active super
/// manager (409); leaving a live key acting as them outside what they may
/// act for (409: reassign or revoke those keys first); fields on `role`
/// and `workspaces` (422). The person's OAuth tokens are read again with
/// what the new role allows.
pub async fn change_access(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    user_id: i64,
    role: &str,
    workspace_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    require(caller)?;
    let role: Role = role
        .parse()
        .map_err(|_| ServiceError::field("role", "Choose a role"))?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let person = person_in(&txn, caller, user_id).await?;
    let workspaces = workspaces_in(&txn, caller.agency_id, workspace_ids).await?;
    check_reach(role, &workspaces)?;
    let old_role = role_of(&person)?;
    if old_role == Role::SuperManager
        && role != Role::SuperManager
        && is_last_super_manager(&txn, &person).await?
    {
        return Err(last_super_manager(&person, "demoted"));
    }
    let new_ids: Vec<i64> = workspaces.iter().map(|w| w.id).collect();
    if role != Role::SuperManager {
        let outside: Vec<String> = api_key::Entity::find()
            .filter(api_key::Column::AgencyId.eq(caller.agency_id))
            .filter(api_key::Column::ActAsUserId.eq(person.id))
            .filter(active_at(now))
            .all(&txn)
            .await?
            .into_iter()
            .filter(|key| key.workspace_id.is_none_or(|ws| !new_ids.contains(&ws)))
            .map(|key| key.name)
            .collect();
        if !outside.is_empty() {
            return Err(ServiceError::Conflict(format!(
                "Keys acting as {} would be outside what they may act for: {}. Reassign or revoke them first",
                person.name,
                outside.join(", ")
            )));
        }
    }
    let mut old_ids = memberships_of(&txn, &[person.id])
        .await?
        .remove(&person.id)
        .unwrap_or_default();
    old_ids.sort_unstable();
    let names = |ids: &[i64]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| workspaces.iter().find(|w| w.id == *id).map(|w| w.name.clone()))
            .collect()
    };
    let mut changed = Changed::default();
    if old_role != role {
        user::Entity::update_many()
            .col_expr(user::Column::Role, sea_orm::sea_query::Expr::value(role.as_str()))
            .filter(user::Column::Id.eq(person.id))
            .exec(&txn)
            .await?;
        changed = announce_person(&txn, person.id, now).await?;
        caller
            .audit(
                &txn,
                AuditAction::RoleChanged,
                None,
                json!({ "person": person_json(&person), "from": old_role.label(), "to": role.label() }),
                now,
            )
            .await?;
    }
    if old_ids != new_ids {
        let old_names: Vec<String> = workspace::Entity::find()
            .filter(workspace::Column::Id.is_in(old_ids.iter().copied()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|w| w.name)
            .collect();
        membership::Entity::delete_many()
            .filter(membership::Column::UserId.eq(person.id))
            .exec(&txn)
            .await?;
        for id in &new_ids {
            membership::ActiveModel {
                user_id: Set(person.id),
                workspace_id: Set(*id),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
        caller
            .audit(
                &txn,
                AuditAction::WorkspacesChanged,
                None,
                json!({ "person": person_json(&person), "from": old_names, "to": names(&new_ids) }),
                now,
            )
            .await?;
    }
    txn.commit().await?;
    changed.forget_in(cache);
    Ok(())
}

/// Disables an active person: they cannot sign in, every session of theirs
/// ends (on every instance at its next request), their OAuth grants and
/// pending links go, and each live key acting as them is reassigned or
/// revoked as `decisions` say. Refused: the last active super manager
/// (409), a person who is not active (409), a key without a decision or
/// with a person who may not act for it (422 on `key_{id}`).
pub async fn disable(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    user_id: i64,
    decisions: KeyDecisions,
    now: DateTime<Utc>,
) -> Result<KeyOutcome, ServiceError> {
    retire(db, cache, caller, user_id, decisions, Status::Disabled, now).await
}

/// Removes a person (active or disabled) from the team: as [`disable`], and
/// their workspaces go too. The row stays, so their name stays on what they
/// created and in the audit log; inviting their address again brings the
/// same person back.
pub async fn remove(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    user_id: i64,
    decisions: KeyDecisions,
    now: DateTime<Utc>,
) -> Result<KeyOutcome, ServiceError> {
    retire(db, cache, caller, user_id, decisions, Status::Removed, now).await
}

async fn retire(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    user_id: i64,
    decisions: KeyDecisions,
    to: Status,
    now: DateTime<Utc>,
) -> Result<KeyOutcome, ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let person = person_in(&txn, caller, user_id).await?;
    let doing = if to == Status::Removed {
        "removed"
    } else {
        "disabled"
    };
    match (status_of(&person), to) {
        (Status::Active, _) | (Status::Disabled, Status::Removed) => {}
        (Status::Invited, _) => {
            return Err(ServiceError::Conflict(format!(
                "{} has not accepted their invitation: revoke the invitation instead",
                person.name
            )))
        }
        (status, _) => {
            return Err(ServiceError::Conflict(format!(
                "{} is already {}",
                person.name,
                status.label().to_lowercase()
            )))
        }
    }
    if is_last_super_manager(&txn, &person).await? {
        return Err(last_super_manager(&person, doing));
    }
    let keys = acting_keys(&txn, caller.agency_id, &person, now).await?;
    let mut issues = Vec::new();
    let mut planned = Vec::new();
    for key in &keys {
        let decision = match &decisions {
            KeyDecisions::Each(each) => each.get(&key.id).copied(),
            KeyDecisions::All(all) => Some(*all),
            KeyDecisions::Leave => None,
        };
        let field = format!("key_{}", key.id);
        match decision {
            None if decisions == KeyDecisions::Leave => {}
            None => issues.push(FieldIssue {
                field,
                message: format!("Choose who {} acts as now, or revoke it", key.name),
            }),
            Some(KeyDecision::Revoke) => planned.push((key, None)),
            Some(KeyDecision::Reassign(to)) => {
                let row = api_key::Entity::find_by_id(key.id.clone()).one(&txn).await?;
                let home = row.as_ref().and_then(|k| k.workspace_id);
                match may_take_over(&txn, caller.agency_id, to, home).await? {
                    Some(other) if other.id != person.id => planned.push((key, Some(other))),
                    _ => issues.push(FieldIssue {
                        field,
                        message: format!(
                            "Choose someone active who may act in {}",
                            key.workspace
                                .as_deref()
                                .unwrap_or("every workspace (a super manager)")
                        ),
                    }),
                }
            }
        }
    }
    if !issues.is_empty() {
        return Err(ServiceError::Invalid(issues));
    }
    let mut outcome = KeyOutcome::default();
    let mut announced = Vec::new();
    for (key, to) in planned {
        let row = managed_key(&txn, caller, &key.id).await?;
        if !caller.may(Action::ManageKey(row.workspace_id)) {
            return Err(ServiceError::Forbidden(MAY_NOT_MANAGE.into()));
        }
        match to {
            None => {
                revoke_within(
                    &txn,
                    caller,
                    row,
                    json!({ "acting_as": person.name, "because": doing }),
                    now,
                )
                .await?;
                outcome.revoked.push(key.name.clone());
            }
            Some(other) => {
                reassign_within(&txn, caller, row, &person, &other, now).await?;
                outcome.reassigned.push((key.name.clone(), other.name.clone()));
            }
        }
        announce(&txn, &key.id, now).await?;
        announced.push(key.id.clone());
    }
    if decisions == KeyDecisions::Leave {
        for key in &keys {
            // Refused from the next request on, on every instance.
            announce(&txn, &key.id, now).await?;
            announced.push(key.id.clone());
            outcome.left.push(key.name.clone());
        }
    }
    set_status(to, now)
        .filter(user::Column::Id.eq(person.id))
        .exec(&txn)
        .await?;
    if to == Status::Removed {
        membership::Entity::delete_many()
            .filter(membership::Column::UserId.eq(person.id))
            .exec(&txn)
            .await?;
    }
    let sessions_ended = sign_in_sessions::end_all(&txn, person.id, None).await?;
    revoke_all_tokens(&txn, person.id, now).await?;
    let grants: Vec<String> = oauth_grant::Entity::find()
        .filter(oauth_grant::Column::UserId.eq(person.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let mut changed = Changed::default();
    announce_grants(&txn, &mut changed, grants.clone(), now).await?;
    if !grants.is_empty() {
        // Their codes, families and tokens go with them (foreign keys cascade).
        oauth_grant::Entity::delete_many()
            .filter(oauth_grant::Column::Id.is_in(grants.clone()))
            .exec(&txn)
            .await?;
    }
    let action = if to == Status::Removed {
        AuditAction::PersonRemoved
    } else {
        AuditAction::PersonDisabled
    };
    caller
        .audit(
            &txn,
            action,
            None,
            json!({
                "person": person_json(&person),
                "keys": {
                    "reassigned": outcome.reassigned.iter().map(|(k, to)| json!({"key": k, "to": to})).collect::<Vec<_>>(),
                    "revoked": outcome.revoked,
                    "left": outcome.left,
                },
                "sessions_ended": sessions_ended,
                "oauth_grants_revoked": grants.len(),
            }),
            now,
        )
        .await?;
    txn.commit().await?;
    for id in announced {
        cache.forget(&id);
    }
    changed.forget_in(cache);
    Ok(outcome)
}

/// Enables a disabled person: they can sign in again, and keys left acting
/// as them are accepted again. 409 for anyone not disabled.
pub async fn enable(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let person = person_in(&txn, caller, user_id).await?;
    if status_of(&person) != Status::Disabled {
        return Err(ServiceError::Conflict(format!("{} is not disabled", person.name)));
    }
    set_status(Status::Active, now)
        .filter(user::Column::Id.eq(person.id))
        .exec(&txn)
        .await?;
    let keys: Vec<String> = api_key::Entity::find()
        .filter(api_key::Column::ActAsUserId.eq(person.id))
        .filter(active_at(now))
        .all(&txn)
        .await?
        .into_iter()
        .map(|k| k.id)
        .collect();
    for id in &keys {
        announce(&txn, id, now).await?;
    }
    caller
        .audit(
            &txn,
            AuditAction::PersonEnabled,
            None,
            json!({ "person": person_json(&person) }),
            now,
        )
        .await?;
    txn.commit().await?;
    for id in keys {
        cache.forget(&id);
    }
    Ok(())
}

/// Makes key `key_id`, which acts as person `from`, act as person `to`
/// (active, and a super manager or a member of the key's workspace: else
/// 422 on `act_as`). The caller must manage the key (404 / 403 as for any
/// key change); a key that does not act as `from` is 404.
pub async fn reassign_key(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    (key_id, from): (&str, i64),
    to: i64,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, key_id).await?;
    if key.act_as_user_id != from {
        return Err(ServiceError::NotFound);
    }
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(ServiceError::Conflict(
            "This key no longer works: there is nothing to reassign".into(),
        ));
    }
    let Some(other) = may_take_over(&txn, caller.agency_id, to, key.workspace_id).await? else {
        return Err(ServiceError::field(
            "act_as",
            "Choose someone active who may act in the key's workspace",
        ));
    };
    if other.id == key.act_as_user_id {
        return Ok(other.name);
    }
    let from = user::Entity::find_by_id(key.act_as_user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::Corrupt(format!("key {} acts as no one", key.id)))?;
    let id = key.id.clone();
    reassign_within(&txn, caller, key, &from, &other, now).await?;
    crate::server::key_cache::commit_change(txn, cache, &id, now).await?;
    Ok(other.name)
}

async fn reassign_within(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    key: api_key::Model,
    from: &user::Model,
    to: &user::Model,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let (id, name) = (key.id.clone(), key.name.clone());
    let mut active: api_key::ActiveModel = key.into();
    active.act_as_user_id = Set(to.id);
    active.update(txn).await?;
    caller
        .audit(
            txn,
            AuditAction::KeyReassigned,
            Some((&id, &name)),
            json!({ "from": from.name, "to": to.name, "from_id": from.id, "to_id": to.id }),
            now,
        )
        .await?;
    Ok(())
}
