//! The form posts of a key's session tokens, which work without
//! JavaScript: revoke one, revoke all. Each redirects to the key's page
//! with a notice (post/redirect/get); a refusal answers the confirmation
//! page again with the reason over the form.
use std::collections::BTreeMap;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use crate::components::keys::key_path;
use crate::domain::token::KeyId;
use crate::models::keys::SessionTokenNotice;
use crate::models::FormFlash;
use crate::pages::session_tokens::{revoke_all_path, revoke_path, REVOKE_FORM};
use crate::server::form_post::FormPost;
use crate::server::services::error::ServiceError;
use crate::server::services::session_tokens::{self, Revoker};

/// What the form posted, as the service is asked it.
enum Revocation {
    One(String),
    All,
}

/// `POST /admin/profile/developer-settings/keys/{id}/session-tokens/{token}/revoke`.
pub async fn revoke_one(post: FormPost, Path((key_id, token_id)): Path<(String, String)>) -> Response {
    revoke(post, key_id, Revocation::One(token_id)).await
}

/// `POST /admin/profile/developer-settings/keys/{id}/session-tokens/revoke`.
pub async fn revoke_all(post: FormPost, Path(key_id): Path<String>) -> Response {
    revoke(post, key_id, Revocation::All).await
}

/// Revokes `what` of the key `key_id`, then back to the key's page.
async fn revoke(post: FormPost, key_id: String, what: Revocation) -> Response {
    // Only well-formed ids are echoed into a path.
    let Some(key) = KeyId::parse(&key_id) else {
        return Redirect::to(crate::components::keys::PAGE_PATH).into_response();
    };
    let token = match &what {
        Revocation::All => None,
        Revocation::One(token) => match KeyId::parse(token) {
            Some(token) => Some(token),
            None => return Redirect::to(&key_path(key.as_str())).into_response(),
        },
    };
    let caller = match post.caller().await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let (db, keys, now) = (&post.state.db, &post.state.keys, Utc::now());
    let (done, page, result) = match token {
        Some(token) => (
            SessionTokenNotice::Revoked,
            revoke_path(key.as_str(), token.as_str()),
            session_tokens::revoke(
                db,
                keys,
                Revoker::Manager(&caller),
                key.as_str(),
                token.as_str(),
                now,
            )
            .await
            .map(|_| ()),
        ),
        None => (
            SessionTokenNotice::AllRevoked,
            revoke_all_path(key.as_str()),
            session_tokens::revoke_all(db, keys, &caller, key.as_str(), now)
                .await
                .map(|_| ()),
        ),
    };
    match result {
        Ok(()) => Redirect::to(&format!("{}?done={}", key_path(key.as_str()), done.param())).into_response(),
        Err(err) => {
            let (status, message) = match &err {
                ServiceError::Forbidden(message) => (StatusCode::FORBIDDEN, message.clone()),
                ServiceError::Conflict(message) => (StatusCode::CONFLICT, message.clone()),
                ServiceError::NotFound => (
                    StatusCode::NOT_FOUND,
                    "This session token was revoked already, has expired, or is not yours to revoke.".into(),
                ),
                _ => return failed("revoking session tokens", &err),
            };
            let flash = FormFlash {
                form: REVOKE_FORM.into(),
                errors: BTreeMap::from([("form".to_owned(), message)]),
                values: BTreeMap::new(),
            };
            post.render(&page, flash, status).await
        }
    }
}

fn failed(doing: &str, err: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %err, "{doing} failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
        .into_response()
}
