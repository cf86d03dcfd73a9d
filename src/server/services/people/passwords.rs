//! Passwords: each person changes their own (the current one first; their
//! other sessions end), and a super manager issues a one-time reset link
//! (24 hours; using it ends every session of the person). The one-time
//! links of invitations live here too: issued, found, used and revoked
//! the same way (OWASP Forgot Password Cheat Sheet: random, single use,
//! expiring, stored hashed).
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;

use super::{person_in, person_json, require, status_of};
use crate::domain::account_token::{AccountToken, Purpose};
use crate::domain::audit_action::AuditAction;
use crate::domain::fields::NewPassword;
use crate::domain::person::Status;
use crate::domain::token::{Pepper, SecretHash};
use crate::entities::{account_token, user};
use crate::models::people::IssuedLink;
use crate::models::CurrentUser;
use crate::server::password;
use crate::server::services::audit;
use crate::server::services::error::ServiceError;
use crate::server::services::keys::{begin_for_agency, Caller};
use crate::server::services::sign_in_sessions;

/// Issues a link of `purpose` for `person`; earlier live links of the same
/// purpose stop working. Returns the token (shown once) and its end.
pub(super) async fn issue_token(
    db: &impl ConnectionTrait,
    pepper: &Pepper,
    purpose: Purpose,
    person: &user::Model,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<(AccountToken, DateTime<Utc>), ServiceError> {
    revoke_tokens(db, person.id, purpose, now).await?;
    let token = AccountToken::generate(purpose, &mut rand::rngs::OsRng);
    let expires_at = now + purpose.lifetime();
    account_token::ActiveModel {
        id: Set(token.id().as_str().to_owned()),
        agency_id: Set(person.agency_id),
        user_id: Set(person.id),
        purpose: Set(purpose.as_str().to_owned()),
        secret_hash: Set(token.hash(pepper).as_bytes().to_vec()),
        created_by_user_id: Set(caller.who.user_id()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((token, expires_at))
}

/// Revokes every live link of `purpose` of a person.
pub(super) async fn revoke_tokens(
    db: &impl ConnectionTrait,
    user_id: i64,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    account_token::Entity::update_many()
        .col_expr(account_token::Column::RevokedAt, Expr::value(now))
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every live link of a person, whatever it is for.
pub(super) async fn revoke_all_tokens(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    for purpose in Purpose::ALL {
        revoke_tokens(db, user_id, purpose, now).await?;
    }
    Ok(())
}

/// The link `text` of `purpose` and its person, while it works: well-formed,
/// known, its secret's, not used, not revoked, not expired. Unknown ids
/// cost the same comparing as known ones.
pub(super) async fn live_token(
    db: &impl ConnectionTrait,
    pepper: &Pepper,
    purpose: Purpose,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Option<(account_token::Model, user::Model)>, ServiceError> {
    let Ok(token) = AccountToken::parse(purpose, text.trim()) else {
        return Ok(None);
    };
    let presented = token.hash(pepper);
    let row = account_token::Entity::find_by_id(token.id().as_str().to_owned())
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?;
    let Some(row) = row else {
        std::hint::black_box(pepper.dummy_hash().matches(&presented));
        return Ok(None);
    };
    let matches = SecretHash::from_bytes(&row.secret_hash).is_some_and(|h| h.matches(&presented));
    if !matches || row.used_at.is_some() || row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(None);
    }
    let Some(person) = user::Entity::find_by_id(row.user_id).one(db).await? else {
        return Ok(None);
    };
    Ok(Some((row, person)))
}

/// Marks a link used, once: `NotFound` if another request used it first.
pub(super) async fn use_token(
    db: &impl ConnectionTrait,
    row: &account_token::Model,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let used = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::Id.eq(row.id.clone()))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if used == 1 {
        Ok(())
    } else {
        Err(ServiceError::NotFound)
    }
}

async fn hash(new: &NewPassword) -> Result<String, ServiceError> {
    password::hash(new.expose().to_owned())
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A one-time password reset link for an active person, valid 24 hours;
/// an earlier one stops working. Only super managers (or the command line)
/// issue them; 409 for a person who is not active.
pub async fn issue_reset(
    db: &DatabaseConnection,
    pepper: &Pepper,
    caller: &Caller,
    user_id: i64,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<IssuedLink, ServiceError> {
    require(caller)?;
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let person = person_in(&txn, caller, user_id).await?;
    match status_of(&person) {
        Status::Active => {}
        Status::Invited => {
            return Err(ServiceError::Conflict(format!(
                "{} has not accepted their invitation yet: re-issue the invitation instead",
                person.name
            )))
        }
        _ => {
            return Err(ServiceError::Conflict(format!(
                "{} is disabled: enable them first",
                person.name
            )))
        }
    }
    let (token, expires_at) = issue_token(&txn, pepper, Purpose::PasswordReset, &person, caller, now).await?;
    caller
        .audit(
            &txn,
            AuditAction::PasswordResetIssued,
            None,
            json!({ "person": person_json(&person), "expires_at": expires_at }),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(super::issued(person, &token, origin, expires_at))
}

/// Whose password a reset link sets, while it works: `(name, email)`.
pub async fn reset_link_person(
    db: &DatabaseConnection,
    pepper: &Pepper,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(String, String)>, ServiceError> {
    Ok(live_token(db, pepper, Purpose::PasswordReset, token, now)
        .await?
        .filter(|(_, person)| status_of(person) == Status::Active)
        .map(|(_, person)| (person.name, person.email)))
}

/// Uses a reset link: the new password is set (the rules of setup), the
/// link is used up, every session of the person ends. Returns their id, to
/// sign them in afresh. 404 for a link that no longer works; 422 on `password`.
pub async fn reset_password(
    db: &DatabaseConnection,
    pepper: &Pepper,
    token: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<i64, ServiceError> {
    let new = NewPassword::parse(password).map_err(|e| ServiceError::field("password", e.to_string()))?;
    let Some((row, _)) = live_token(db, pepper, Purpose::PasswordReset, token, now).await? else {
        return Err(ServiceError::NotFound);
    };
    let hashed = hash(&new).await?;
    let txn = begin_for_agency(db, row.agency_id).await?;
    let Some((row, person)) = live_token(&txn, pepper, Purpose::PasswordReset, token, now).await? else {
        return Err(ServiceError::NotFound);
    };
    if status_of(&person) != Status::Active {
        return Err(ServiceError::NotFound);
    }
    use_token(&txn, &row, now).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hashed))
        .filter(user::Column::Id.eq(person.id))
        .exec(&txn)
        .await?;
    let ended = sign_in_sessions::end_all(&txn, person.id, None).await?;
    audit::record_by_person(
        &txn,
        person.agency_id,
        (person.id, &person.name),
        None,
        AuditAction::PasswordReset,
        json!({ "person": person_json(&person), "sessions_ended": ended }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(person.id)
}

/// What a wrong current password is told (the form counts it against the
/// sign-in throttle).
pub const WRONG_PASSWORD: &str = "That is not your current password";

/// A person changes their own password: `current` must be right (else 422
/// on `current_password`), `new` follows the rules of setup (else 422 on
/// `new_password`). Every other session of theirs ends; `keep` (this
/// session's row key) stays signed in. Returns how many sessions ended.
pub async fn change_password(
    db: &DatabaseConnection,
    user: &CurrentUser,
    current: &str,
    new: &str,
    keep: Option<&str>,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let mut issues = Vec::new();
    let new = match NewPassword::parse(new) {
        Ok(new) => Some(new),
        Err(e) => {
            issues.push(crate::models::FieldIssue {
                field: "new_password".into(),
                message: e.to_string().replacen("Password", "New password", 1),
            });
            None
        }
    };
    let stored = user::Entity::find_by_id(user.id)
        .filter(user::Column::Status.eq(Status::Active.as_str()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if current.is_empty() {
        issues.insert(
            0,
            crate::models::FieldIssue {
                field: "current_password".into(),
                message: "Current password is required".into(),
            },
        );
    } else if !password::verify(current.to_owned(), Some(stored.password_hash.clone())).await {
        issues.insert(
            0,
            crate::models::FieldIssue {
                field: "current_password".into(),
                message: WRONG_PASSWORD.into(),
            },
        );
    }
    if let (Some(new), true) = (&new, issues.is_empty()) {
        if new.expose() == current {
            issues.push(crate::models::FieldIssue {
                field: "new_password".into(),
                message: "Choose a password other than your current one".into(),
            });
        }
    }
    let (Some(new), true) = (new, issues.is_empty()) else {
        return Err(ServiceError::Invalid(issues));
    };
    let hashed = hash(&new).await?;
    let txn = begin_for_agency(db, user.agency_id).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hashed))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    revoke_tokens(&txn, user.id, Purpose::PasswordReset, now).await?;
    let ended = sign_in_sessions::end_all(&txn, user.id, keep).await?;
    audit::record_by_person(
        &txn,
        user.agency_id,
        (user.id, &user.name),
        ip.as_deref(),
        AuditAction::PasswordChanged,
        json!({ "person": person_json(&stored), "sessions_ended": ended }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(ended)
}
