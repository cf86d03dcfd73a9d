//! Signing in and out, first-run setup, and the middleware that knows who is
//! asking. Forms post here; success redirects (post/redirect/get), a refusal
//! answers the form's page again with the errors next to the fields and a
//! status that says why (422, or 429 with `Retry-After`), so every flow works
//! the same with JavaScript on or off and a refused post writes no session.
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

use crate::domain::fields::{DisplayName, Email, FieldError, NewPassword};
use crate::domain::next_url::{safe_next, HOME};
use crate::models::{CurrentUser, FormFlash};
use crate::server::services::accounts::{self, FirstRun, SignIn};
use crate::server::state::AppState;

use crate::server::session_store::entries::{IP, SEEN_AT, SIGNED_IN_AT, USER_AGENT, USER_ID};
/// How often a session's last-seen time is written: at most once a minute.
const SEEN_EVERY_SECS: i64 = 60;
/// A session ends after 7 days without a request, and in any case 30 days
/// after it signed in (OWASP Session Management: idle and absolute timeouts).
pub const ABSOLUTE_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(30);
/// Typed values kept for redisplay are cut to this many characters.
const MAX_KEPT_VALUE: usize = 1000;

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn internal_error(context: &str, err: impl std::fmt::Display) -> Response {
    tracing::error!(error = %err, "{context}");
    (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
        .into_response()
}

/// Renders a page of the app for a request the server makes itself (the
/// form pages, answered again after a refused post).
#[derive(Clone)]
pub struct PageRenderer(pub Arc<dyn Fn(Request) -> RenderedPage + Send + Sync>);

/// A page being rendered.
pub type RenderedPage = Pin<Box<dyn Future<Output = Response> + Send>>;

/// The form's page (`path` with its query) again, with `flash` (the errors
/// and what was typed) and `status`: no redirect, no session.
async fn refused(
    renderer: &PageRenderer,
    original: &HeaderMap,
    path: &str,
    flash: FormFlash,
    status: StatusCode,
) -> Response {
    render_page(renderer, original, path, flash, status).await
}

/// Renders the page at `path` for a request the server makes itself, with
/// `extension` on it (what the page shows) and the original request's
/// host, language and browser; answers with `status`.
pub async fn render_page<T: Clone + Send + Sync + 'static>(
    renderer: &PageRenderer,
    original: &HeaderMap,
    path: &str,
    extension: T,
    status: StatusCode,
) -> Response {
    render_with(renderer, original, path, status, |extensions| {
        extensions.insert(extension);
    })
    .await
}

/// [`render_page`] for a page of the signed-in area: `user` is on the
/// request too, as `identify` would have put it.
pub async fn render_signed_in_page<T: Clone + Send + Sync + 'static>(
    renderer: &PageRenderer,
    original: &HeaderMap,
    path: &str,
    user: CurrentUser,
    extension: T,
    status: StatusCode,
) -> Response {
    render_with(renderer, original, path, status, |extensions| {
        extensions.insert(user);
        extensions.insert(extension);
    })
    .await
}

async fn render_with(
    renderer: &PageRenderer,
    original: &HeaderMap,
    path: &str,
    status: StatusCode,
    extend: impl FnOnce(&mut axum::http::Extensions),
) -> Response {
    let mut request = Request::get(path)
        .body(axum::body::Body::empty())
        .expect("a path is a URI");
    for name in [header::HOST, header::ACCEPT_LANGUAGE, header::USER_AGENT] {
        if let Some(value) = original.get(&name) {
            request.headers_mut().insert(name, value.clone());
        }
    }
    extend(request.extensions_mut());
    let mut response = (renderer.0)(request).await;
    *response.status_mut() = status;
    response
}

fn keep(value: &str) -> String {
    value.chars().take(MAX_KEPT_VALUE).collect()
}

/// Where a sign-in comes from, as Profile › Sessions lists it.
pub(crate) struct SignInFrom {
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
}

impl SignInFrom {
    pub(crate) fn of(ip: Option<std::net::IpAddr>, headers: &HeaderMap) -> Self {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|value| {
                value
                    .chars()
                    .take(crate::server::session_store::MAX_USER_AGENT)
                    .collect()
            });
        Self { ip, user_agent }
    }
}

/// Signs `user_id` in on `session` and sends them `to` a page.
pub(crate) async fn sign_in(session: &Session, user_id: i64, from: SignInFrom, to: &str) -> Response {
    // A new id at sign-in: a session id planted before sign-in is worthless.
    if let Err(err) = session.cycle_id().await {
        return internal_error("cannot rotate the session id", err);
    }
    let now = chrono::Utc::now().timestamp();
    let stored = async {
        session.insert(USER_ID, user_id).await?;
        session.insert(SIGNED_IN_AT, now).await?;
        session.insert(SEEN_AT, now).await?;
        if let Some(ip) = from.ip {
            session.insert(IP, ip.to_string()).await?;
        }
        if let Some(user_agent) = from.user_agent {
            session.insert(USER_AGENT, user_agent).await?;
        }
        Ok::<_, tower_sessions::session::Error>(())
    };
    if let Err(err) = stored.await {
        return internal_error("cannot store the session", err);
    }
    Redirect::to(to).into_response()
}

/// The address a form post comes from, as the allowlists see it.
pub(crate) fn client(
    state: &AppState,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: &HeaderMap,
) -> Option<std::net::IpAddr> {
    let peer = (peer?.0).0.ip();
    crate::domain::ip_allowlist::client_of(peer, headers, &state.config.trusted_proxies)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Told to a disabled person who typed their right password.
pub const DISABLED: &str = "This account is disabled. Ask a super manager of your agency to enable it.";

/// "Too many attempts. Try again in N seconds."
fn too_many(seconds: u64) -> String {
    let unit = if seconds == 1 { "second" } else { "seconds" };
    format!("Too many attempts. Try again in {seconds} {unit}.")
}

pub async fn login(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(Some(&form.next)).to_owned();
    let ip = client(&state, peer, &headers);
    let mut errors = BTreeMap::new();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut retry_after = None;
    if form.email.trim().is_empty() {
        errors.insert("email".to_owned(), FieldError::Empty("Email").to_string());
    }
    if form.password.is_empty() {
        errors.insert("password".to_owned(), FieldError::Empty("Password").to_string());
    }
    if errors.is_empty() {
        if let Some(seconds) = state.sign_ins.wait(&form.email, ip) {
            retry_after = Some(seconds);
        } else {
            match accounts::authenticate(&state.db, &form.email, form.password).await {
                Ok(SignIn::Active(user_id)) => {
                    return sign_in(&session, user_id, SignInFrom::of(ip, &headers), &next).await
                }
                Ok(SignIn::Disabled) => {
                    status = StatusCode::FORBIDDEN;
                    errors.insert("form".to_owned(), DISABLED.to_owned());
                }
                Ok(SignIn::Refused) => match state.sign_ins.failed(&form.email, ip) {
                    Some(seconds) => retry_after = Some(seconds),
                    None => {
                        errors.insert("form".to_owned(), "Invalid email or password".to_owned());
                    }
                },
                Err(err) => return internal_error("sign-in query failed", err),
            }
        }
    }
    if let Some(seconds) = retry_after {
        status = StatusCode::TOO_MANY_REQUESTS;
        errors.insert("form".to_owned(), too_many(seconds));
    }
    let flash = FormFlash {
        form: "login".into(),
        errors,
        values: BTreeMap::from([("email".to_owned(), keep(&form.email))]),
    };
    let back = if next == HOME {
        "/login".to_owned()
    } else {
        format!("/login?next={}", encode(&next))
    };
    let mut response = refused(&renderer, &headers, &back, flash, status).await;
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// `GET /admin/notifications/{id}/open`: following a notice reads it, with
/// or without JavaScript, then leads where it points (the Notifications
/// page when it points nowhere, or is not the signed-in user's).
pub async fn open_notification(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let Some(Extension(user)) = user else {
        return Redirect::to("/login").into_response();
    };
    let fallback = crate::components::notifications::NOTIFICATIONS_PATH;
    let Ok(id) = id.parse::<i64>() else {
        return Redirect::to(fallback).into_response();
    };
    match crate::server::services::notifications::open(&state.db, &user, id, chrono::Utc::now()).await {
        Ok(Some(Some(link))) => Redirect::to(safe_next(Some(&link))).into_response(),
        Ok(_) => Redirect::to(fallback).into_response(),
        Err(err) => internal_error("opening a notification failed", err),
    }
}

pub async fn logout(session: Session) -> Response {
    if let Err(err) = session.flush().await {
        return internal_error("cannot end the session", err);
    }
    Redirect::to("/login").into_response()
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn parse_setup(form: &SetupForm) -> Result<FirstRun, BTreeMap<String, String>> {
    let agency = DisplayName::parse("Agency name", &form.agency);
    let workspace = DisplayName::parse("First workspace", &form.workspace);
    let name = DisplayName::parse("Your name", &form.name);
    let email = Email::parse(&form.email);
    let password = NewPassword::parse(&form.password);
    match (agency, workspace, name, email, password) {
        (Ok(agency), Ok(workspace), Ok(name), Ok(email), Ok(password)) => Ok(FirstRun {
            agency,
            workspace,
            name,
            email,
            password,
        }),
        (agency, workspace, name, email, password) => {
            let mut errors = BTreeMap::new();
            for (field, result) in [
                ("agency", agency.err()),
                ("workspace", workspace.err()),
                ("name", name.err()),
                ("email", email.err()),
                ("password", password.err()),
            ] {
                if let Some(err) = result {
                    errors.insert(field.to_owned(), err.to_string());
                }
            }
            Err(errors)
        }
    }
}

pub async fn setup(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    session: Session,
    Form(form): Form<SetupForm>,
) -> Response {
    if !state.setup.matches(&form.token) {
        return Redirect::to("/setup").into_response();
    }
    let first = match parse_setup(&form) {
        Ok(first) => first,
        Err(errors) => {
            let values = [
                ("agency", &form.agency),
                ("workspace", &form.workspace),
                ("name", &form.name),
                ("email", &form.email),
            ]
            .into_iter()
            .map(|(field, value)| (field.to_owned(), keep(value)))
            .collect();
            let flash = FormFlash {
                form: "setup".into(),
                errors,
                values,
            };
            let page = format!("/setup?token={}", encode(&form.token));
            return refused(
                &renderer,
                &headers,
                &page,
                flash,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match accounts::complete_setup(&state.db, first).await {
        Ok(user_id) => {
            state.setup.revoke();
            let from = SignInFrom::of(client(&state, peer, &headers), &headers);
            sign_in(&session, user_id, from, HOME).await
        }
        Err(accounts::AccountError::SetupClosed) => {
            state.setup.revoke();
            Redirect::to("/setup").into_response()
        }
        Err(err) => internal_error("first-run setup failed", err),
    }
}

/// Paths that never need to know the user (no session or database work).
fn is_anonymous_path(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/healthz" || path == "/readyz" || path == "/favicon.ico"
}

fn is_admin_path(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// The signed-in session's row key (see `session_store::row_key`): Profile ›
/// Sessions marks it "This session" and "Sign out everywhere else" keeps it.
#[derive(Clone, Debug)]
pub struct CurrentSession(pub String);

/// Puts the signed-in [`CurrentUser`] and [`CurrentSession`] (and, on the
/// form pages, a pending [`FormFlash`]) into the request's extensions; sends
/// anonymous visitors of `/admin` to the sign-in page and signed-in
/// visitors of `/login` onwards. A session whose person is no longer
/// active (disabled, removed) ends here, on any instance, at its next request.
pub async fn identify(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if is_anonymous_path(&path) {
        return next.run(req).await;
    }
    let mut user = None;
    if let Ok(Some(user_id)) = session.get::<i64>(USER_ID).await {
        let signed_in_at = session.get::<i64>(SIGNED_IN_AT).await.ok().flatten();
        let now = chrono::Utc::now().timestamp();
        // Sessions from before the absolute lifetime existed count from now.
        let expired = signed_in_at.is_some_and(|at| now.saturating_sub(at) > ABSOLUTE_LIFETIME.num_seconds());
        if signed_in_at.is_none() {
            let _ = session.insert(SIGNED_IN_AT, now).await;
        }
        if expired {
            let _ = session.flush().await;
        } else {
            match accounts::current_user(&state.db, user_id).await {
                Ok(Some(found)) => {
                    // Last seen, written at most once a minute (the save
                    // also pushes the idle expiry back).
                    let seen = session.get::<i64>(SEEN_AT).await.ok().flatten();
                    if seen.is_none_or(|at| now.saturating_sub(at) >= SEEN_EVERY_SECS) {
                        let _ = session.insert(SEEN_AT, now).await;
                    }
                    if let Some(id) = session.id() {
                        req.extensions_mut()
                            .insert(CurrentSession(crate::server::session_store::row_key(&id)));
                    }
                    user = Some(found);
                }
                Ok(None) => {
                    let _ = session.flush().await;
                }
                Err(err) => return internal_error("loading the signed-in user failed", err),
            }
        }
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_default();
    if is_admin_path(&path) && user.is_none() {
        return Redirect::to(&format!("/login?next={}", encode(&target))).into_response();
    }
    if req.method() == Method::GET && path == "/login" && user.is_some() {
        let next = req.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "next")
                .map(|(_, v)| v.into_owned())
        });
        return Redirect::to(safe_next(next.as_deref())).into_response();
    }
    if let Some(user) = user {
        req.extensions_mut().insert::<CurrentUser>(user);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(agency: &str, email: &str, password: &str) -> SetupForm {
        SetupForm {
            token: String::new(),
            agency: agency.into(),
            workspace: "Downtown".into(),
            name: "Ana".into(),
            email: email.into(),
            password: password.into(),
        }
    }

    #[test]
    fn setup_errors_are_reported_per_field() {
        let errors = parse_setup(&form("", "not-an-email", "short")).unwrap_err();
        assert_eq!(errors["agency"], "Agency name is required");
        assert_eq!(errors["email"], "Enter an email address like name@example.com");
        assert_eq!(errors["password"], "Password must be at least 12 characters");
        assert!(!errors.contains_key("workspace"));
    }

    #[test]
    fn a_complete_setup_form_parses() {
        let first = parse_setup(&form("Acme Realty", "ana@acme.test", "correct horse battery")).unwrap();
        assert_eq!(first.agency.as_str(), "Acme Realty");
    }

    #[test]
    fn only_admin_paths_need_a_user() {
        assert!(is_admin_path("/admin"));
        assert!(is_admin_path("/admin/profile/developer-settings"));
        assert!(!is_admin_path("/administrator"));
        assert!(is_anonymous_path("/pkg/keyward.wasm"));
    }
}
