//! Grants (what a person approved for an app, RFC 6749 §1.3.1) and the
//! authorization codes issued under them (§4.1.2): single use, 60 seconds,
//! bound to the client, the redirect URI, the person, the scopes and the
//! PKCE challenge.
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use super::apps::client_id;
use super::authorize::AuthorizationRequest;
use super::tokens::{announce_grants, Changed};
use super::ServiceError;
use crate::domain::audit_action::AuditAction;
use crate::domain::oauth::credential::{Credential, CredentialKind};
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::domain::scopes::ScopeSet;
use crate::domain::token::{KeyId, Pepper};
use crate::entities::{oauth_app, oauth_code, oauth_grant, user, workspace};
use crate::server::key_cache::KeyCache;
use crate::server::services::keys::{begin_for_agency, Caller};

/// How long a code may wait to be redeemed (RFC 6749 §4.1.2 recommends at
/// most 10 minutes; a client redeems at once).
pub const CODE_LIFETIME: TimeDelta = TimeDelta::seconds(60);

/// Where a grant's tokens reach, as the consent page offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachChoice {
    /// `None`: the whole agency (super managers only).
    pub workspace_id: Option<i64>,
    pub label: String,
}

/// The places `caller` may let an app reach in their name: the whole agency
/// and each workspace for a super manager, their own workspaces otherwise.
pub async fn reach_choices(
    db: &impl ConnectionTrait,
    caller: &Caller,
) -> Result<Vec<ReachChoice>, ServiceError> {
    let Some(actor) = &caller.actor else {
        return Ok(Vec::new());
    };
    // An archived workspace takes no new grants (its tokens would be refused).
    let workspaces = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(caller.agency_id))
        .filter(workspace::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    let mut choices = Vec::new();
    if actor.role == Role::SuperManager {
        choices.push(ReachChoice {
            workspace_id: None,
            label: "All workspaces".into(),
        });
    }
    let mut own: Vec<_> = workspaces
        .into_iter()
        .filter(|w| actor.role == Role::SuperManager || actor.workspaces.contains(&w.id))
        .map(|w| ReachChoice {
            workspace_id: Some(w.id),
            label: w.name,
        })
        .collect();
    own.sort_by_key(|choice| choice.label.to_lowercase());
    choices.extend(own);
    Ok(choices)
}

/// The caller's grant to `app`, if any.
pub async fn grant_of(
    db: &impl ConnectionTrait,
    app: &oauth_app::Model,
    user_id: i64,
) -> Result<Option<oauth_grant::Model>, ServiceError> {
    Ok(oauth_grant::Entity::find()
        .filter(oauth_grant::Column::AppId.eq(&app.id))
        .filter(oauth_grant::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

/// Whether `grant` already covers every scope asked for, so the consent
/// page is skipped: the person approved as much, less than a year before
/// `now` (a consent lasts [`super::tokens::FAMILY_LIFETIME`]; then they are asked
/// again).
pub fn covers(grant: &oauth_grant::Model, scopes: ScopeSet, now: DateTime<Utc>) -> bool {
    now < consent_ends(grant) && ScopeSet::parse(&grant.scopes).is_ok_and(|granted| granted.covers(scopes))
}

/// When the person's last consent to `grant` stops covering new
/// authorizations, and every family issued under it ends.
pub fn consent_ends(grant: &oauth_grant::Model) -> DateTime<Utc> {
    grant.updated_at + super::tokens::FAMILY_LIFETIME
}

/// The person approved `request`, for `workspace_id`'s reach: the grant is
/// created or widened (audited as `app_authorized`) and a code issued.
/// Not found when the app is another agency's; forbidden when the reach is
/// not the caller's to give.
pub async fn approve(
    db: &impl TransactionTrait,
    pepper: &Pepper,
    caller: &Caller,
    request: &AuthorizationRequest,
    workspace_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let now = now.trunc_subsecs(6);
    let Some(actor) = &caller.actor else {
        return Err(ServiceError::Forbidden(
            "only a signed-in person can authorize an app".into(),
        ));
    };
    if request.app.agency_id != caller.agency_id {
        return Err(ServiceError::NotFound);
    }
    let txn = begin_for_agency(db, caller.agency_id).await?;
    if !reach_choices(&txn, caller)
        .await?
        .iter()
        .any(|choice| choice.workspace_id == workspace_id)
    {
        return Err(ServiceError::field(
            "workspace",
            "Choose a workspace you belong to",
        ));
    }
    let existing = grant_of(&txn, &request.app, actor.user_id).await?;
    let (grant, changed) = match existing {
        Some(grant) => {
            let before = ScopeSet::parse(&grant.scopes).ok();
            let scopes = before.map_or(request.scopes, |b| b.union(request.scopes));
            let changed = before != Some(scopes) || grant.workspace_id != workspace_id;
            let mut active: oauth_grant::ActiveModel = grant.into();
            active.scopes = Set(scopes.to_text());
            active.workspace_id = Set(workspace_id);
            active.updated_at = Set(now);
            (active.update(&txn).await?, changed)
        }
        None => {
            let grant = oauth_grant::ActiveModel {
                id: Set(KeyId::generate(&mut rand::rngs::OsRng).as_str().to_owned()),
                app_id: Set(request.app.id.clone()),
                user_id: Set(actor.user_id),
                agency_id: Set(caller.agency_id),
                workspace_id: Set(workspace_id),
                scopes: Set(request.scopes.to_text()),
                created_at: Set(now),
                updated_at: Set(now),
                last_used_at: Set(None),
                usage_count: Set(0),
            };
            (grant.insert(&txn).await?, true)
        }
    };
    if changed {
        caller
            .audit(
                &txn,
                AuditAction::AppAuthorized,
                None,
                json!({
                    "app": {"id": client_id(&request.app), "name": request.app.name},
                    "scopes": grant.scopes,
                    "workspace_id": workspace_id,
                }),
                now,
            )
            .await?;
    }
    let code = insert_code(&txn, pepper, &grant, request, now).await?;
    txn.commit().await?;
    Ok(code)
}

/// Issues a code under an existing grant that covers the request (the
/// consent page skipped).
pub async fn issue_code(
    db: &impl ConnectionTrait,
    pepper: &Pepper,
    grant: &oauth_grant::Model,
    request: &AuthorizationRequest,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    insert_code(db, pepper, grant, request, now.trunc_subsecs(6)).await
}

async fn insert_code(
    db: &impl ConnectionTrait,
    pepper: &Pepper,
    grant: &oauth_grant::Model,
    request: &AuthorizationRequest,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let code = Credential::generate(CredentialKind::AuthorizationCode, &mut rand::rngs::OsRng);
    oauth_code::ActiveModel {
        id: Set(code.id().as_str().to_owned()),
        grant_id: Set(grant.id.clone()),
        secret_hash: Set(code.hash(pepper).as_bytes().to_vec()),
        // An empty URI marks a request that named none (the token request
        // then need not either, RFC 6749 §4.1.3).
        redirect_uri: Set(if request.redirect_uri_sent {
            request.redirect_uri.clone()
        } else {
            String::new()
        }),
        scopes: Set(request.scopes.to_text()),
        code_challenge: Set(request.challenge.as_ref().map(|c| c.as_str().to_owned())),
        created_at: Set(now),
        expires_at: Set(now + CODE_LIFETIME),
        redeemed_at: Set(None),
        family_id: Set(None),
    }
    .insert(db)
    .await?;
    Ok(code.expose())
}

/// Revokes a grant: the app loses every token it holds for that person on
/// every server within a second (each live access token announced in the
/// same transaction), its codes die, and the next authorization asks for
/// consent again. A person revokes their own; a super manager any in the
/// agency. Anyone else's, or another agency's, is 404. Audited as
/// `grant_revoked`. Returns the app's name.
pub async fn revoke(
    db: &impl TransactionTrait,
    cache: &KeyCache,
    caller: &Caller,
    grant_id: &str,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let Some(actor) = &caller.actor else {
        return Err(ServiceError::Forbidden(
            "only a signed-in person revokes an app's access".into(),
        ));
    };
    let now = now.trunc_subsecs(6);
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let grant = oauth_grant::Entity::find_by_id(grant_id.to_owned())
        .filter(oauth_grant::Column::AgencyId.eq(caller.agency_id))
        .one(&txn)
        .await?
        .filter(|g| g.user_id == actor.user_id || caller.may(Action::ManageOAuthApps))
        .ok_or(ServiceError::NotFound)?;
    let app = oauth_app::Entity::find_by_id(grant.app_id.clone())
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let person = user::Entity::find_by_id(grant.user_id).one(&txn).await?;
    let mut changed = Changed::default();
    announce_grants(&txn, &mut changed, vec![grant.id.clone()], now).await?;
    // Its codes, families and tokens go with it (foreign keys cascade).
    oauth_grant::Entity::delete_by_id(grant.id.clone())
        .exec(&txn)
        .await?;
    caller
        .audit(
            &txn,
            AuditAction::GrantRevoked,
            None,
            json!({
                "app": {"id": client_id(&app), "name": app.name},
                "person": person.map(|p| json!({"id": p.id, "name": p.name, "email": p.email})),
            }),
            now,
        )
        .await?;
    txn.commit().await?;
    changed.forget_in(cache);
    Ok(app.name)
}
