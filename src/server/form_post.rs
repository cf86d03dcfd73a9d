//! What every form post of the signed-in area needs to answer: the app's
//! state, the page renderer, the signed-in user, and where the post came
//! from (the audit log records the address). Taken as one extractor so the
//! handlers of Developer Settings (OAuth apps, session tokens, webhooks)
//! do not each list the same five.
use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::rejection::ExtensionRejection;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::models::{CurrentUser, FormFlash};
use crate::server::auth::{render_signed_in_page, PageRenderer};
use crate::server::services::error::ServiceError;
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

/// A form's fields, in order; a field sent twice keeps every value (checkboxes).
pub(crate) fn fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The first value of field `name`, or "".
pub(crate) fn first<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Every value of field `name`, in order.
pub(crate) fn all<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// A failure of ours while `doing` something: logged, answered 500.
pub(crate) fn failed(doing: &str, err: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %err, "{doing} failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
        .into_response()
}

/// A service's reason as a sentence: capitalised, with a full stop.
pub(crate) fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect::<String>() + ".")
        .unwrap_or_default()
}

fn form_message(message: String) -> BTreeMap<String, String> {
    BTreeMap::from([("form".to_owned(), message)])
}

/// A message over the whole form `form`.
pub(crate) fn whole_form(form: &str, message: String) -> FormFlash {
    FormFlash {
        form: form.into(),
        errors: form_message(message),
        values: BTreeMap::new(),
    }
}

/// `path` again with the refusal's status, the message over the form (or
/// under each field) and `values`; `not_found` says what was not found;
/// anything but a refusal is logged as a failure of `doing` and answered 500.
pub(crate) async fn refused(
    post: &FormPost,
    err: ServiceError,
    doing: &str,
    path: &str,
    form: &str,
    values: BTreeMap<String, String>,
    not_found: &str,
) -> Response {
    let (status, errors) = match err {
        ServiceError::Invalid(issues) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            issues.into_iter().map(|i| (i.field, i.message)).collect(),
        ),
        ServiceError::Conflict(message) => (StatusCode::CONFLICT, form_message(message)),
        ServiceError::Forbidden(message) => (StatusCode::FORBIDDEN, form_message(capitalised(&message))),
        ServiceError::NotFound => (StatusCode::NOT_FOUND, form_message(not_found.to_owned())),
        err => return failed(doing, &err),
    };
    let flash = FormFlash {
        form: form.into(),
        errors,
        values,
    };
    post.render(path, flash, status).await
}
