//! The form posts of a key's session tokens, which work without
//! JavaScript: revoke one, revoke all. Each redirects to the key's page
//! with a notice (post/redirect/get); a refusal answers the confirmation
//! page again with the reason over the form.
use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::Utc;

use crate::components::keys::key_path;
use crate::domain::token::KeyId;
use crate::models::keys::SessionTokenNotice;
use crate::models::{CurrentUser, FormFlash};
use crate::pages::session_tokens::{revoke_all_path, revoke_path, REVOKE_FORM};
use crate::server::auth::{render_signed_in_page, PageRenderer};
use crate::server::services::error::ServiceError;
use crate::server::services::keys::caller_for;
use crate::server::services::session_tokens::{self, Revoker};
use crate::server::state::AppState;

type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// What the form posted, as the service is asked it.
enum Revocation {
    One(String),
    All,
}

/// `POST /admin/profile/developer-settings/keys/{id}/session-tokens/{token}/revoke`.
pub async fn revoke_one(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    Extension(user): Extension<CurrentUser>,
    peer: Peer,
    Path((key_id, token_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let form = Form {
        state,
        renderer,
        user,
        peer,
        headers,
    };
    form.revoke(key_id, Revocation::One(token_id)).await
}

/// `POST /admin/profile/developer-settings/keys/{id}/session-tokens/revoke`.
pub async fn revoke_all(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    Extension(user): Extension<CurrentUser>,
    peer: Peer,
    Path(key_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let form = Form {
        state,
        renderer,
        user,
        peer,
        headers,
    };
    form.revoke(key_id, Revocation::All).await
}

/// One post, with what answering it needs.
struct Form {
    state: AppState,
    renderer: PageRenderer,
    user: CurrentUser,
    peer: Peer,
    headers: HeaderMap,
}

impl Form {
    async fn revoke(self, key_id: String, what: Revocation) -> Response {
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
        let ip = crate::server::auth::client(&self.state, self.peer, &self.headers).map(|ip| ip.to_string());
        let caller = match caller_for(&self.state.db, &self.user, ip).await {
            Ok(caller) => caller,
            Err(err) => return failed("loading the caller", &err),
        };
        let (db, keys, now) = (&self.state.db, &self.state.keys, Utc::now());
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
            Ok(()) => {
                Redirect::to(&format!("{}?done={}", key_path(key.as_str()), done.param())).into_response()
            }
            Err(err) => {
                let (status, message) = match &err {
                    ServiceError::Forbidden(message) => (StatusCode::FORBIDDEN, message.clone()),
                    ServiceError::Conflict(message) => (StatusCode::CONFLICT, message.clone()),
                    ServiceError::NotFound => (
                        StatusCode::NOT_FOUND,
                        "This session token was revoked already, has expired, or is not yours to revoke."
                            .into(),
                    ),
                    _ => return failed("revoking session tokens", &err),
                };
                let flash = FormFlash {
                    form: REVOKE_FORM.into(),
                    errors: BTreeMap::from([("form".to_owned(), message)]),
                    values: BTreeMap::new(),
                };
                render_signed_in_page(&self.renderer, &self.headers, &page, self.user, flash, status).await
            }
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
