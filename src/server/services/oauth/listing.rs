//! What the OAuth pages show: the agency's apps (OAuth apps), one app with
//! the people who authorized it, and the grants a person gave (Authorized
//! apps). Reads only; another agency's app or grant is never found.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::apps::{client_id, MAY_NOT_MANAGE_APPS};
use super::ServiceError;
use crate::domain::oauth::client_type::ClientType;
use crate::domain::oauth::credential::ClientId;
use crate::domain::policy::Action;
use crate::domain::scopes::ScopeSet;
use crate::entities::oauth_token::TokenKind;
use crate::entities::{oauth_app, oauth_family, oauth_grant, oauth_token, user, workspace};
use crate::models::oauth::{AppDetail, AppRow, AuthorizedApps, GrantRow};
use crate::server::services::keys::Caller;

/// Every app of the caller's agency, newest first. Super managers and the
/// command line only (403).
pub async fn apps(db: &impl ConnectionTrait, caller: &Caller) -> Result<Vec<AppRow>, ServiceError> {
    if !caller.may(Action::ManageOAuthApps) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE_APPS.into()));
    }
    let apps = oauth_app::Entity::find()
        .filter(oauth_app::Column::AgencyId.eq(caller.agency_id))
        .order_by_desc(oauth_app::Column::CreatedAt)
        .order_by_asc(oauth_app::Column::Id)
        .all(db)
        .await?;
    let grants = oauth_grant::Entity::find()
        .filter(oauth_grant::Column::AgencyId.eq(caller.agency_id))
        .all(db)
        .await?;
    let mut people: HashMap<&str, (u64, Option<DateTime<Utc>>)> = HashMap::new();
    for grant in &grants {
        let entry = people.entry(grant.app_id.as_str()).or_default();
        entry.0 += 1;
        entry.1 = entry.1.max(grant.last_used_at);
    }
    Ok(apps
        .iter()
        .map(|app| {
            let (count, last_used_at) = people.get(app.id.as_str()).copied().unwrap_or_default();
            app_row(app, count, last_used_at)
        })
        .collect())
}

fn app_row(app: &oauth_app::Model, people: u64, last_used_at: Option<DateTime<Utc>>) -> AppRow {
    AppRow {
        client_id: client_id(app),
        name: app.name.clone(),
        client_type: match app.client_type {
            ClientType::Confidential => "Confidential",
            ClientType::Public => "Public",
        }
        .into(),
        environment: app.environment.label().into(),
        scopes: scope_names(&app.scopes),
        people,
        created_at: app.created_at,
        last_used_at,
    }
}

fn scope_names(text: &str) -> Vec<String> {
    ScopeSet::parse(text)
        .map(|set| set.iter().map(|s| s.as_str().to_owned()).collect())
        .unwrap_or_default()
}

/// One app of the caller's agency by its client id, with the people who
/// authorized it; 404 for an unknown id or another agency's app, 403 for
/// anyone but super managers.
pub async fn app(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_id_text: &str,
    now: DateTime<Utc>,
) -> Result<AppDetail, ServiceError> {
    if !caller.may(Action::ManageOAuthApps) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE_APPS.into()));
    }
    let app = managed_app(db, caller, client_id_text).await?;
    let grants = oauth_grant::Entity::find()
        .filter(oauth_grant::Column::AppId.eq(&app.id))
        .all(db)
        .await?;
    let rows = grant_rows(db, caller, grants, now).await?;
    let last_used_at = rows.iter().filter_map(|g| g.last_used_at).max();
    let created_by = match app.created_by_user_id {
        Some(id) => user::Entity::find_by_id(id)
            .one(db)
            .await?
            .map_or_else(|| "a former user".to_owned(), |u| u.name),
        None => "command line".to_owned(),
    };
    Ok(AppDetail {
        row: app_row(&app, rows.len() as u64, last_used_at),
        homepage: app.homepage.clone(),
        description: app.description.clone(),
        redirect_uris: app.redirect_uris.lines().map(str::to_owned).collect(),
        require_pkce: app.require_pkce,
        secret_last4: app.secret_last4.clone(),
        previous_secret_until: app
            .previous_secret_expires_at
            .filter(|until| *until > now && app.previous_secret_hash.is_some()),
        created_by,
        grants: rows,
    })
}

/// The app of the caller's agency with this client id, else 404.
pub(super) async fn managed_app(
    db: &impl ConnectionTrait,
    caller: &Caller,
    client_id_text: &str,
) -> Result<oauth_app::Model, ServiceError> {
    let Some(id) = ClientId::parse(client_id_text) else {
        return Err(ServiceError::NotFound);
    };
    oauth_app::Entity::find_by_id(id.id().as_str().to_owned())
        .filter(oauth_app::Column::AgencyId.eq(caller.agency_id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// The Authorized apps page: the caller's own grants and, for super
/// managers, every other grant in the agency. Most recently used first.
pub async fn authorized_apps(
    db: &impl ConnectionTrait,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<AuthorizedApps, ServiceError> {
    let Some(actor) = &caller.actor else {
        return Ok(AuthorizedApps::default());
    };
    let all = caller.may(Action::ManageOAuthApps);
    let mut query = oauth_grant::Entity::find().filter(oauth_grant::Column::AgencyId.eq(caller.agency_id));
    if !all {
        query = query.filter(oauth_grant::Column::UserId.eq(actor.user_id));
    }
    let grants = query.all(db).await?;
    let rows = grant_rows(db, caller, grants, now).await?;
    let (own, others): (Vec<_>, Vec<_>) = rows.into_iter().partition(|g| g.own);
    Ok(AuthorizedApps {
        own,
        others: all.then_some(others),
    })
}

/// Grants as rows: their app, person and reach, whether a refresh token
/// of theirs still lives; most recently used (else approved) first.
async fn grant_rows(
    db: &impl ConnectionTrait,
    caller: &Caller,
    grants: Vec<oauth_grant::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<GrantRow>, ServiceError> {
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let app_ids: HashSet<&str> = grants.iter().map(|g| g.app_id.as_str()).collect();
    let apps: HashMap<String, oauth_app::Model> = oauth_app::Entity::find()
        .filter(oauth_app::Column::Id.is_in(app_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let user_ids: HashSet<i64> = grants.iter().map(|g| g.user_id).collect();
    let people: HashMap<i64, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let workspaces: HashMap<i64, String> = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(caller.agency_id))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let grant_ids: Vec<String> = grants.iter().map(|g| g.id.clone()).collect();
    let families: HashMap<String, String> = oauth_family::Entity::find()
        .filter(oauth_family::Column::GrantId.is_in(grant_ids))
        .filter(oauth_family::Column::RevokedAt.is_null())
        .filter(oauth_family::Column::ExpiresAt.gt(now))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f.grant_id))
        .collect();
    let active: HashSet<String> = if families.is_empty() {
        HashSet::new()
    } else {
        oauth_token::Entity::find()
            .filter(oauth_token::Column::FamilyId.is_in(families.keys().cloned()))
            .filter(oauth_token::Column::Kind.eq(TokenKind::Refresh))
            .filter(oauth_token::Column::RevokedAt.is_null())
            .filter(oauth_token::Column::UsedAt.is_null())
            .filter(oauth_token::Column::ExpiresAt.gt(now))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|t| families.get(&t.family_id).cloned())
            .collect()
    };
    let viewer = caller.actor.as_ref().map(|a| a.user_id);
    let mut rows: Vec<GrantRow> = grants
        .into_iter()
        .filter_map(|grant| {
            let app = apps.get(&grant.app_id)?;
            let person = people.get(&grant.user_id)?;
            Some(GrantRow {
                app_name: app.name.clone(),
                app_client_id: client_id(app),
                person_name: person.name.clone(),
                person_email: person.email.clone(),
                scopes: scope_names(&grant.scopes),
                reach: match grant.workspace_id {
                    None => "All workspaces".to_owned(),
                    Some(id) => workspaces
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| "a former workspace".into()),
                },
                approved_at: grant.created_at,
                last_used_at: grant.last_used_at,
                requests: grant.usage_count,
                active: active.contains(&grant.id),
                own: viewer == Some(grant.user_id),
                id: grant.id,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.last_used_at
            .unwrap_or(b.approved_at)
            .cmp(&a.last_used_at.unwrap_or(a.approved_at))
            .then_with(|| a.app_name.cmp(&b.app_name))
    });
    Ok(rows)
}
