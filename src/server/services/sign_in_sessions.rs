//! The dashboard sessions a person is signed in with (Admin › Profile ›
//! Sessions): listing them, signing one out, or every one but this. The
//! rows are the session store's (`session_store`); ending one deletes it, so
//! the next request with its cookie, on any instance, is signed out.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::domain::audit_action::AuditAction;
use crate::entities::session;
use crate::models::people::SignedInSession;
use crate::models::CurrentUser;
use crate::server::auth::ABSOLUTE_LIFETIME;
use crate::server::services::audit;
use crate::server::services::error::ServiceError;

/// Ends every session of `user_id` but `keep` (a row key); returns how many.
pub async fn end_all(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, ServiceError> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// The signed-in sessions of `user`, newest sign-in first; `current` is the
/// row key of the session asking.
pub async fn list(
    db: &DatabaseConnection,
    user: &CurrentUser,
    current: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<SignedInSession>, ServiceError> {
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user.id))
        .filter(session::Column::ExpiresAt.gt(now))
        .order_by_desc(session::Column::SignedInAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.signed_in_at.is_none_or(|at| now - at <= ABSOLUTE_LIFETIME))
        .map(|row| SignedInSession {
            current: current == Some(row.id.as_str()),
            browser: row
                .user_agent
                .as_deref()
                .map(crate::domain::browser::describe)
                .unwrap_or_else(|| "Unknown browser".to_owned()),
            id: row.id,
            signed_in_at: row.signed_in_at,
            last_seen_at: row.last_seen_at,
            ip: row.ip,
        })
        .collect())
}

/// What to sign out.
#[derive(Debug, Clone, Copy)]
pub enum SignOut<'a> {
    /// One session (its row key); not the current one (that is "Sign out").
    One(&'a str),
    /// Every session but the current one.
    EverywhereElse,
}

/// Signs `user` out of other sessions; returns how many ended. 404 for a
/// session that is not theirs (or already ended).
pub async fn sign_out(
    db: &DatabaseConnection,
    user: &CurrentUser,
    current: Option<&str>,
    which: SignOut<'_>,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let ended = match which {
        SignOut::One(id) => {
            if current == Some(id) {
                return Err(ServiceError::Conflict(
                    "This is the session you are using: sign out from the header instead".into(),
                ));
            }
            let ended = session::Entity::delete_many()
                .filter(session::Column::UserId.eq(user.id))
                .filter(session::Column::Id.eq(id))
                .exec(db)
                .await?
                .rows_affected;
            if ended == 0 {
                return Err(ServiceError::NotFound);
            }
            ended
        }
        SignOut::EverywhereElse => end_all(db, user.id, current).await?,
    };
    audit::record_by_person(
        db,
        user.agency_id,
        (user.id, &user.name),
        ip.as_deref(),
        AuditAction::SessionsEnded,
        json!({
            "person": { "id": user.id, "name": user.name, "email": user.email },
            "sessions_ended": ended,
            "everywhere_else": matches!(which, SignOut::EverywhereElse),
        }),
        now,
    )
    .await?;
    Ok(ended)
}
