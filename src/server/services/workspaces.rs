//! Workspaces (Admin › Workspaces, `keyward workspace …`): create, rename,
//! archive and restore, with counts of what each holds. An archived
//! workspace takes no new keys and no new members, its keys and OAuth
//! tokens are refused (401 "Workspace archived"), and its data is kept.
//! Only super managers (and the command line) change workspaces.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect,
};
use serde_json::json;

use crate::domain::audit_action::AuditAction;
use crate::domain::fields::DisplayName;
use crate::domain::person::Status;
use crate::domain::policy::Action;
use crate::entities::{api_key, lead, membership, oauth_grant, property, user, workspace};
use crate::models::people::WorkspaceRow;
use crate::server::key_cache::{announce, KeyCache};
use crate::server::services::error::ServiceError;
use crate::server::services::keys::{active_at, begin_for_agency, Caller};
use crate::server::services::oauth::tokens::{announce_grants, Changed};

/// Why someone other than a super manager is refused (403).
pub const ONLY_SUPER_MANAGERS: &str = "only super managers manage workspaces";

fn require(caller: &Caller) -> Result<(), ServiceError> {
    if caller.may(Action::ManageWorkspaces) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(ONLY_SUPER_MANAGERS.into()))
    }
}

#[derive(FromQueryResult)]
struct Count {
    workspace_id: Option<i64>,
    n: i64,
}

async fn counts<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    column: E::Column,
) -> Result<HashMap<i64, u64>, ServiceError> {
    Ok(select
        .select_only()
        .column_as(column, "workspace_id")
        .column_as(Expr::col(Asterisk).count(), "n")
        .group_by(column)
        .into_model::<Count>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.workspace_id?, c.n.max(0) as u64)))
        .collect())
}

/// Every workspace of the caller's agency, in use first then archived, by
/// name, with how many people, live keys, leads and properties each holds.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<Vec<WorkspaceRow>, ServiceError> {
    require(caller)?;
    let agency = caller.agency_id;
    let workspaces = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency))
        .all(db)
        .await?;
    let members: Vec<i64> = user::Entity::find()
        .filter(user::Column::AgencyId.eq(agency))
        .filter(user::Column::Status.ne(Status::Removed.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let people = counts(
        db,
        membership::Entity::find().filter(membership::Column::UserId.is_in(members)),
        membership::Column::WorkspaceId,
    )
    .await?;
    let keys = counts(
        db,
        api_key::Entity::find()
            .filter(api_key::Column::AgencyId.eq(agency))
            .filter(active_at(now)),
        api_key::Column::WorkspaceId,
    )
    .await?;
    let leads = counts(
        db,
        lead::Entity::find().filter(lead::Column::AgencyId.eq(agency)),
        lead::Column::WorkspaceId,
    )
    .await?;
    let properties = counts(
        db,
        property::Entity::find().filter(property::Column::AgencyId.eq(agency)),
        property::Column::WorkspaceId,
    )
    .await?;
    let mut rows: Vec<WorkspaceRow> = workspaces
        .into_iter()
        .map(|w| WorkspaceRow {
            people: people.get(&w.id).copied().unwrap_or(0),
            keys: keys.get(&w.id).copied().unwrap_or(0),
            leads: leads.get(&w.id).copied().unwrap_or(0),
            properties: properties.get(&w.id).copied().unwrap_or(0),
            id: w.id,
            name: w.name,
            created_at: w.created_at,
            archived_at: w.archived_at,
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.archived_at.is_some(), a.name.to_lowercase())
            .cmp(&(b.archived_at.is_some(), b.name.to_lowercase()))
    });
    Ok(rows)
}

/// A workspace name no other workspace of the agency has (letter case
/// aside), else 422 on `name`.
async fn unique_name(
    db: &impl ConnectionTrait,
    agency_id: i64,
    raw: &str,
    except: Option<i64>,
) -> Result<DisplayName, ServiceError> {
    let name = DisplayName::parse("Name", raw).map_err(|e| ServiceError::field("name", e.to_string()))?;
    let taken = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency_id))
        .all(db)
        .await?
        .into_iter()
        .any(|w| Some(w.id) != except && w.name.to_lowercase() == name.as_str().to_lowercase());
    if taken {
        return Err(ServiceError::field(
            "name",
            format!("A workspace named {} already exists", name.as_str()),
        ));
    }
    Ok(name)
}

/// Creates a workspace; returns its id.
pub async fn create(
    db: &DatabaseConnection,
    caller: &Caller,
    name: &str,
    now: DateTime<Utc>,
) -> Result<i64, ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let name = unique_name(&txn, caller.agency_id, name, None).await?;
    let created = workspace::ActiveModel {
        agency_id: Set(caller.agency_id),
        name: Set(name.as_str().to_owned()),
        created_at: Set(now),
        archived_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    caller
        .audit(
            &txn,
            AuditAction::WorkspaceCreated,
            None,
            json!({ "workspace": { "id": created.id, "name": created.name } }),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(created.id)
}

/// A workspace of the caller's agency, else 404.
async fn workspace_in(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
) -> Result<workspace::Model, ServiceError> {
    workspace::Entity::find_by_id(id)
        .filter(workspace::Column::AgencyId.eq(caller.agency_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The credentials that live in workspace `id`: its keys, and the OAuth
/// grants given for it; announced to every server so the next request
/// reads them again.
async fn announce_workspace(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Changed), ServiceError> {
    let keys: Vec<String> = api_key::Entity::find()
        .filter(api_key::Column::WorkspaceId.eq(id))
        .filter(active_at(now))
        .all(db)
        .await?
        .into_iter()
        .map(|k| k.id)
        .collect();
    for key in &keys {
        announce(db, key, now).await?;
    }
    let grants = oauth_grant::Entity::find()
        .filter(oauth_grant::Column::WorkspaceId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let mut changed = Changed::default();
    announce_grants(db, &mut changed, grants, now).await?;
    Ok((keys, changed))
}

/// Renames a workspace (keys and tokens show the new name at once).
pub async fn rename(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let found = workspace_in(&txn, caller, id).await?;
    let name = unique_name(&txn, caller.agency_id, name, Some(id)).await?;
    if name.as_str() == found.name {
        return Ok(());
    }
    let old = found.name.clone();
    let mut active: workspace::ActiveModel = found.into();
    active.name = Set(name.as_str().to_owned());
    active.update(&txn).await?;
    let (keys, changed) = announce_workspace(&txn, id, now).await?;
    caller
        .audit(
            &txn,
            AuditAction::WorkspaceRenamed,
            None,
            json!({ "workspace": { "id": id, "name": name.as_str() }, "from": old, "to": name.as_str() }),
            now,
        )
        .await?;
    txn.commit().await?;
    forget(cache, keys, changed);
    Ok(())
}

fn forget(cache: &KeyCache, keys: Vec<String>, changed: Changed) {
    for key in keys {
        cache.forget(&key);
    }
    changed.forget_in(cache);
}

/// Archives a workspace (`archive`) or brings it back. Archiving is
/// refused (409) for the agency's last workspace in use.
pub async fn set_archived(
    db: &DatabaseConnection,
    cache: &KeyCache,
    caller: &Caller,
    id: i64,
    archive: bool,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let found = workspace_in(&txn, caller, id).await?;
    if found.archived_at.is_some() == archive {
        let state = if archive {
            "already archived"
        } else {
            "not archived"
        };
        return Err(ServiceError::Conflict(format!("{} is {state}", found.name)));
    }
    if archive {
        let in_use = workspace::Entity::find()
            .filter(workspace::Column::AgencyId.eq(caller.agency_id))
            .filter(workspace::Column::ArchivedAt.is_null())
            .all(&txn)
            .await?
            .len();
        if in_use <= 1 {
            return Err(ServiceError::Conflict(format!(
                "{} is the agency's only workspace in use: create another before archiving it",
                found.name
            )));
        }
    }
    let name = found.name.clone();
    let mut active: workspace::ActiveModel = found.into();
    active.archived_at = Set(archive.then_some(now));
    active.update(&txn).await?;
    let (keys, changed) = announce_workspace(&txn, id, now).await?;
    let action = if archive {
        AuditAction::WorkspaceArchived
    } else {
        AuditAction::WorkspaceRestored
    };
    caller
        .audit(
            &txn,
            action,
            None,
            json!({ "workspace": { "id": id, "name": name }, "keys": keys.len() }),
            now,
        )
        .await?;
    txn.commit().await?;
    forget(cache, keys, changed);
    Ok(name)
}
