//! What every form post of the signed-in area needs to answer: the app's
//! state, the page renderer, the signed-in user, and where the post came
//! from (the audit log records the address). Taken as one extractor so the
//! handlers of Developer Settings (OAuth apps, session tokens, webhooks)
//! do not each list the same five.
use std::net::SocketAddr;

use axum::extract::rejection::ExtensionRejection;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::models::CurrentUser;
use crate::server::auth::{render_signed_in_page, PageRenderer};
use crate::server::services::keys::{caller_for, Caller};
use crate::server::state::AppState;

/// The connection's peer, when the server was started with it.
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// One form post, with what answering it needs.
pub struct FormPost {
    pub state: AppState,
    pub renderer: PageRenderer,
    pub user: CurrentUser,
    pub peer: Peer,
    pub headers: HeaderMap,
}

/// Rejected as `Extension` rejects a missing renderer or user (a 500; a
/// signed-out visitor of `/admin` never gets here, `identify` has sent
/// them to the sign-in page).
impl FromRequestParts<AppState> for FormPost {
    type Rejection = ExtensionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Extension(renderer) = Extension::<PageRenderer>::from_request_parts(parts, state).await?;
        let Extension(user) = Extension::<CurrentUser>::from_request_parts(parts, state).await?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .map(Extension);
        Ok(Self {
            state: state.clone(),
            renderer,
            user,
            peer,
            headers: parts.headers.clone(),
        })
    }
}

impl FormPost {
    /// The person posting, with the address the audit log records; `Err`
    /// is the answer (a 500, logged).
    pub async fn caller(&self) -> Result<Caller, Response> {
        let ip = crate::server::auth::client(&self.state, self.peer, &self.headers).map(|ip| ip.to_string());
        caller_for(&self.state.db, &self.user, ip).await.map_err(|err| {
            tracing::error!(error = %err, "loading the caller failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
                .into_response()
        })
    }

    /// The signed-in page at `path` with `extension` on it (what it shows),
    /// answered with `status`.
    pub async fn render<T: Clone + Send + Sync + 'static>(
        &self,
        path: &str,
        extension: T,
        status: StatusCode,
    ) -> Response {
        render_signed_in_page(
            &self.renderer,
            &self.headers,
            path,
            self.user.clone(),
            extension,
            status,
        )
        .await
    }
}
