//! Inviting people: a one-time link, valid 7 days, where the invitee sets
//! their password (keyward sends no email: the super manager passes the
//! link on). Pending invitations can be re-issued (a new link; the old one
//! stops working) or revoked.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr,
};
use serde_json::json;

use super::{check_reach, person_in, person_json, require, set_status, status_of, workspaces_in};
use crate::domain::account_token::Purpose;
use crate::domain::audit_action::AuditAction;
use crate::domain::fields::{DisplayName, Email, NewPassword};
use crate::domain::person::Status;
use crate::domain::role::Role;
use crate::domain::token::Pepper;
use crate::entities::{agency, membership, user};
use crate::models::people::IssuedLink;
use crate::models::FieldIssue;
use crate::server::password;
use crate::server::services::audit;
use crate::server::services::error::ServiceError;
use crate::server::services::keys::{begin_for_agency, Caller};
use crate::server::services::people::passwords::{issue_token, live_token, revoke_tokens};

/// Whom to invite, as typed: checked here, each problem named by its field
/// (`email`, `name`, `role`, `workspaces`).
#[derive(Debug, Clone, Default)]
pub struct Invitee {
    pub email: String,
    pub name: String,
    /// `super_manager`, `manager` or `agent`.
    pub role: String,
    pub workspace_ids: Vec<i64>,
}

/// What the invitation page shows before the invitee sets a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvitation {
    pub name: String,
    pub email: String,
    pub agency: String,
    pub expires_at: DateTime<Utc>,
}

/// Invites a person: a new account (or a removed person of the agency, again)
/// with no password, its role and workspaces, and a 7-day link. Only super
/// managers invite. 422 names the fields; an address that already has an
/// account is refused on `email`.
pub async fn invite(
    db: &DatabaseConnection,
    pepper: &Pepper,
    caller: &Caller,
    invitee: Invitee,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<IssuedLink, ServiceError> {
    require(caller)?;
    let mut issues = Vec::new();
    let mut issue = |field: &str, message: String| {
        issues.push(FieldIssue {
            field: field.into(),
            message,
        });
    };
    let email = Email::parse(&invitee.email)
        .map_err(|e| issue("email", e.to_string()))
        .ok();
    let name = DisplayName::parse("Name", &invitee.name)
        .map_err(|e| issue("name", e.to_string()))
        .ok();
    let role = invitee
        .role
        .parse::<Role>()
        .map_err(|_| issue("role", "Choose a role".into()))
        .ok();
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let workspaces = match workspaces_in(&txn, caller.agency_id, &invitee.workspace_ids).await {
        Ok(found) => Some(found),
        Err(ServiceError::Invalid(found)) => {
            issues.extend(found);
            None
        }
        Err(err) => return Err(err),
    };
    if let (Some(role), Some(workspaces)) = (role, &workspaces) {
        if let Err(ServiceError::Invalid(found)) = check_reach(role, workspaces) {
            issues.extend(found);
        }
    }
    let (Some(email), Some(name), Some(role), Some(workspaces), true) =
        (email, name, role, workspaces, issues.is_empty())
    else {
        return Err(ServiceError::Invalid(issues));
    };
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let person = match existing {
        // Someone who left comes back: the same row, so their history stays theirs.
        Some(found) if found.agency_id == caller.agency_id && status_of(&found) == Status::Removed => {
            let mut again: user::ActiveModel = found.into();
            again.name = Set(name.as_str().to_owned());
            again.role = Set(role.as_str().to_owned());
            again.password_hash = Set(String::new());
            again.status = Set(Status::Invited.as_str().to_owned());
            again.status_changed_at = Set(Some(now));
            again.update(&txn).await?
        }
        Some(found) if found.agency_id == caller.agency_id && status_of(&found) == Status::Invited => {
            return Err(ServiceError::field(
                "email",
                format!(
                    "{} is already invited: re-issue their invitation from the Team table",
                    found.email
                ),
            ));
        }
        Some(_) => {
            return Err(ServiceError::field(
                "email",
                format!("{email} already has an account on this keyward"),
            ));
        }
        None => {
            let created = user::ActiveModel {
                agency_id: Set(caller.agency_id),
                email: Set(email.as_str().to_owned()),
                name: Set(name.as_str().to_owned()),
                role: Set(role.as_str().to_owned()),
                password_hash: Set(String::new()),
                created_at: Set(now),
                last_login_at: Set(None),
                status: Set(Status::Invited.as_str().to_owned()),
                status_changed_at: Set(Some(now)),
                ..Default::default()
            };
            match created.insert(&txn).await {
                Ok(person) => person,
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    return Err(ServiceError::field(
                        "email",
                        format!("{email} already has an account on this keyward"),
                    ));
                }
                Err(err) => return Err(err.into()),
            }
        }
    };
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(person.id))
        .exec(&txn)
        .await?;
    for workspace in &workspaces {
        membership::ActiveModel {
            user_id: Set(person.id),
            workspace_id: Set(workspace.id),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let (token, expires_at) = issue_token(&txn, pepper, Purpose::Invitation, &person, caller, now).await?;
    caller
        .audit(
            &txn,
            AuditAction::PersonInvited,
            None,
            json!({
                "person": person_json(&person),
                "role": role.as_str(),
                "workspaces": workspaces.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
                "expires_at": expires_at,
            }),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(super::issued(person, &token, origin, expires_at))
}

/// A new 7-day link for a pending invitation; the old one stops working.
pub async fn reissue_invitation(
    db: &DatabaseConnection,
    pepper: &Pepper,
    caller: &Caller,
    user_id: i64,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<IssuedLink, ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let person = invited(&txn, caller, user_id).await?;
    let (token, expires_at) = issue_token(&txn, pepper, Purpose::Invitation, &person, caller, now).await?;
    caller
        .audit(
            &txn,
            AuditAction::InvitationReissued,
            None,
            json!({ "person": person_json(&person), "expires_at": expires_at }),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(super::issued(person, &token, origin, expires_at))
}

/// Revokes a pending invitation: its link stops working and the person
/// leaves the Team table (inviting the address again starts afresh).
/// Returns their name.
pub async fn revoke_invitation(
    db: &DatabaseConnection,
    caller: &Caller,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let person = invited(&txn, caller, user_id).await?;
    revoke_tokens(&txn, person.id, Purpose::Invitation, now).await?;
    set_status(Status::Removed, now)
        .filter(user::Column::Id.eq(person.id))
        .exec(&txn)
        .await?;
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(person.id))
        .exec(&txn)
        .await?;
    caller
        .audit(
            &txn,
            AuditAction::InvitationRevoked,
            None,
            json!({ "person": person_json(&person) }),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(person.name)
}

/// A person of the caller's agency whose invitation is pending, else 404
/// (absent) or 409 (they already accepted).
async fn invited(
    db: &impl ConnectionTrait,
    caller: &Caller,
    user_id: i64,
) -> Result<user::Model, ServiceError> {
    let person = person_in(db, caller, user_id).await?;
    if status_of(&person) != Status::Invited {
        return Err(ServiceError::Conflict(format!(
            "{} has no pending invitation: they already set their password",
            person.name
        )));
    }
    Ok(person)
}

/// The invitation a link opens, while it can still be accepted: `None`
/// for a link that is malformed, unknown, expired, used or revoked.
pub async fn invitation(
    db: &DatabaseConnection,
    pepper: &Pepper,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<PendingInvitation>, ServiceError> {
    let Some((row, person)) = live_token(db, pepper, Purpose::Invitation, token, now).await? else {
        return Ok(None);
    };
    if status_of(&person) != Status::Invited {
        return Ok(None);
    }
    let agency = agency::Entity::find_by_id(person.agency_id).one(db).await?;
    Ok(Some(PendingInvitation {
        name: person.name,
        email: person.email,
        agency: agency.map(|a| a.name).unwrap_or_default(),
        expires_at: row.expires_at,
    }))
}

/// Accepts an invitation: the person's password is set (the same rules as
/// setup), the link is used up, and they are active. Returns their id, to
/// sign them in. 404 for a link that no longer works; 422 on `password`.
pub async fn accept_invitation(
    db: &DatabaseConnection,
    pepper: &Pepper,
    token: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<i64, ServiceError> {
    let new = NewPassword::parse(password).map_err(|e| ServiceError::field("password", e.to_string()))?;
    let Some((row, _)) = live_token(db, pepper, Purpose::Invitation, token, now).await? else {
        return Err(ServiceError::NotFound);
    };
    let hash = password::hash(new.expose().to_owned())
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let txn = begin_for_agency(db, row.agency_id).await?;
    // Used once: whoever marks it used first wins; a second try finds it used.
    let Some((row, person)) = live_token(&txn, pepper, Purpose::Invitation, token, now).await? else {
        return Err(ServiceError::NotFound);
    };
    if status_of(&person) != Status::Invited {
        return Err(ServiceError::NotFound);
    }
    super::passwords::use_token(&txn, &row, now).await?;
    set_status(Status::Active, now)
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::LastLoginAt, Expr::value(now))
        .filter(user::Column::Id.eq(person.id))
        .exec(&txn)
        .await?;
    audit::record_by_person(
        &txn,
        person.agency_id,
        (person.id, &person.name),
        None,
        AuditAction::InvitationAccepted,
        json!({ "person": person_json(&person) }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(person.id)
}
