//! `GET /oauth/authorize` and the consent form's `POST` (RFC 6749 §4.1.1,
//! §4.1.2): sign-in first, then the consent page, then back to the app with
//! `code`, `state` and `iss` (RFC 9207), or with an error. An unknown app or
//! an unregistered redirect URI is shown on a page and never redirected.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::Utc;

use super::docs::{AuthorizationQuery, ConsentForm};
use crate::domain::oauth::consent;
use crate::domain::oauth::scope::allowed_for;
use crate::domain::policy::Actor;
use crate::domain::role::Role;
use crate::domain::scopes::Scope;
use crate::models::oauth::ConsentView;
use crate::models::CurrentUser;
use crate::server::auth::{render_page, PageRenderer};
use crate::server::request::base_url_of;
use crate::server::services::audit::Who;
use crate::server::services::keys::Caller;
use crate::server::services::oauth::authorize::{
    self, with_query, AuthorizationRequest, AuthorizeError, Params,
};
use crate::server::services::oauth::{grants, ServiceError};
use crate::server::state::AppState;

/// Where the consent page is rendered (never linked to).
const CONSENT_PAGE: &str = "/oauth/consent";

#[utoipa::path(operation_id = "oauthAuthorize", get, path = "/oauth/authorize", tag = "OAuth 2.0",
    summary = "Ask a person to authorize the app (open in their browser)",
    description = "RFC 6749 §4.1.1 with PKCE S256. Signs the person in if needed, then shows the \
        consent page; Approve redirects to `redirect_uri` with `code`, `state` and `iss` (RFC 9207), \
        Deny with `error=access_denied`. An unknown client or an unregistered redirect URI is shown \
        on a page, never redirected.",
    params(AuthorizationQuery),
    responses(
        (status = 200, description = "The consent page (HTML)", content_type = "text/html"),
        (status = 303, description = "To sign-in first, or back to the app"),
        (status = 400, description = "An error page (HTML): the request cannot be redirected", content_type = "text/html"),
        (status = 404, description = "An error page (HTML): the app is not registered in the person's agency", content_type = "text/html"),
    ))]
pub async fn authorize_get(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    user: Option<Extension<CurrentUser>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let params = Params::parse(uri.query().unwrap_or(""));
    let request = match authorize::read(&state.db, &params).await {
        Ok(request) => request,
        Err(err) => return refused(&state, &renderer, &headers, err).await,
    };
    let Some(Extension(user)) = user else {
        let here = uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/oauth/authorize");
        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={next}")).into_response();
    };
    if request.app.agency_id != user.agency_id {
        return not_registered_here(&renderer, &headers).await;
    }
    let mut request = request;
    let withheld = match lend(&mut request, user.role) {
        Ok(withheld) => withheld,
        Err(refused) => return redirect(&refused.location(&issuer(&state, &headers))),
    };
    let caller = match caller(&state, &user).await {
        Ok(caller) => caller,
        Err(err) => return service_failed(&renderer, &headers, err).await,
    };
    let grant = match grants::grant_of(&state.db, &request.app, user.id).await {
        Ok(grant) => grant,
        Err(err) => return service_failed(&renderer, &headers, err).await,
    };
    // Asked before and approved: back to the app at once. Not when this
    // request is the end of our own sign-in form's redirects: the login
    // page's `form-action 'self'` would stop a redirect to another site, so
    // the consent page (whose policy names the app) answers instead.
    let from_our_form = headers.get("sec-fetch-site").is_some_and(|v| v == "same-origin");
    if let Some(grant) = grant
        .as_ref()
        .filter(|g| grants::covers(g, request.scopes, Utc::now()))
    {
        if !from_our_form {
            return match grants::issue_code(&state.db, &state.pepper, grant, &request, Utc::now()).await {
                Ok(code) => code_redirect(&state, &headers, &request, &code),
                Err(err) => service_failed(&renderer, &headers, err).await,
            };
        }
    }
    let selected = grant
        .as_ref()
        .map(|g| g.workspace_id.map(|id| id.to_string()).unwrap_or_default());
    consent_page(
        &state,
        &renderer,
        &headers,
        &caller,
        &user,
        &request,
        &withheld,
        grant.is_some(),
        selected,
        None,
    )
    .await
}

#[utoipa::path(operation_id = "oauthConsent", post, path = "/oauth/authorize", tag = "OAuth 2.0",
    summary = "The consent page's answer (sent by the person's browser, not by apps)",
    description = "Approve redirects to the app with a code, Deny with `error=access_denied`. Needs the \
        person's session and the page's CSRF token; a cross-site post is refused.",
    request_body(content((ConsentForm = "application/x-www-form-urlencoded"))),
    responses(
        (status = 303, description = "Back to the app, or to sign-in first"),
        (status = 400, description = "An error page (HTML)", content_type = "text/html"),
        (status = 403, description = "The form expired, or did not come from this site (HTML)", content_type = "text/html"),
        (status = 404, description = "An error page (HTML): the app is not registered in the person's agency", content_type = "text/html"),
        (status = 422, description = "The consent page again, with the error (HTML)", content_type = "text/html"),
    ))]
pub async fn authorize_post(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    user: Option<Extension<CurrentUser>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return stopped(
            &renderer,
            &headers,
            "The form could not be read.".into(),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let params = Params::parse(text);
    let request = match authorize::read(&state.db, &params).await {
        Ok(request) => request,
        Err(err) => return refused(&state, &renderer, &headers, err).await,
    };
    let Some(Extension(user)) = user else {
        // Signed out while the page was open: sign in, then see the page again.
        let again = format!("/oauth/authorize{}", fingerprint(&request));
        let next: String = form_urlencoded::byte_serialize(again.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={next}")).into_response();
    };
    if request.app.agency_id != user.agency_id {
        return not_registered_here(&renderer, &headers).await;
    }
    let mut request = request;
    let withheld = match lend(&mut request, user.role) {
        Ok(withheld) => withheld,
        Err(refused) => return redirect(&refused.location(&issuer(&state, &headers))),
    };
    let token = params.one("csrf").ok().flatten().unwrap_or("");
    let now = Utc::now();
    if !consent::is_valid(&state.pepper, user.id, &fingerprint(&request), token, now) {
        return stopped(
            &renderer,
            &headers,
            "This consent form has expired or did not come from this page. Go back to the app and connect again."
                .into(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    match params.one("decision") {
        Ok(Some("approve")) => {}
        Ok(Some("deny")) => {
            let denied = authorize::ErrorRedirect {
                redirect_uri: request.redirect_uri.clone(),
                error: "access_denied",
                description: "the person denied the request".into(),
                state: request.state.clone(),
            };
            return redirect(&denied.location(&issuer(&state, &headers)));
        }
        _ => {
            return stopped(
                &renderer,
                &headers,
                "Choose Approve or Deny.".into(),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
    let caller = match caller(&state, &user).await {
        Ok(caller) => caller,
        Err(err) => return service_failed(&renderer, &headers, err).await,
    };
    let reach = params.one("workspace").ok().flatten().unwrap_or("");
    let workspace = match reach {
        "" => Ok(None),
        id => id.parse::<i64>().map(Some),
    };
    let outcome = match workspace {
        Ok(workspace) => grants::approve(&state.db, &state.pepper, &caller, &request, workspace, now).await,
        Err(_) => Err(ServiceError::field(
            "workspace",
            "Choose a workspace you belong to",
        )),
    };
    match outcome {
        Ok(code) => code_redirect(&state, &headers, &request, &code),
        Err(ServiceError::Invalid(issues)) => {
            let message = issues.into_iter().next().map(|i| i.message);
            let approved_before = grants::grant_of(&state.db, &request.app, user.id)
                .await
                .ok()
                .flatten()
                .is_some();
            consent_page(
                &state,
                &renderer,
                &headers,
                &caller,
                &user,
                &request,
                &withheld,
                approved_before,
                Some(reach.to_owned()),
                message,
            )
            .await
        }
        Err(ServiceError::NotFound) => not_registered_here(&renderer, &headers).await,
        Err(err) => service_failed(&renderer, &headers, err).await,
    }
}

/// Narrows the request to what the person's role lets them lend (an agent
/// lends `read:` scopes only): RFC 6749 §3.3 lets the server grant less than
/// asked, and the token answer's `scope` then says what was granted. `Ok`
/// with the scopes held back (shown on the consent page); `Err`, the
/// `access_denied` redirect, when nothing is left.
fn lend(request: &mut AuthorizationRequest, role: Role) -> Result<Vec<Scope>, authorize::ErrorRedirect> {
    let asked = request.scopes;
    match asked.intersect(allowed_for(role)) {
        Some(lendable) => {
            request.scopes = lendable;
            Ok(asked.iter().filter(|scope| !lendable.allows(*scope)).collect())
        }
        None => Err(authorize::ErrorRedirect {
            redirect_uri: request.redirect_uri.clone(),
            error: "access_denied",
            description: format!("the person's role ({role}) lets them grant none of the scopes asked for"),
            state: request.state.clone(),
        }),
    }
}

/// The authorization server's identifier (RFC 9207, RFC 8414 §2).
pub fn issuer(state: &AppState, headers: &HeaderMap) -> String {
    base_url_of(state.config.public_url.as_ref(), headers)
}

fn redirect(location: &str) -> Response {
    Redirect::to(location).into_response()
}

fn code_redirect(
    state: &AppState,
    headers: &HeaderMap,
    request: &AuthorizationRequest,
    code: &str,
) -> Response {
    let issuer = issuer(state, headers);
    let mut pairs = vec![("code", code)];
    if let Some(state) = &request.state {
        pairs.push(("state", state));
    }
    pairs.push(("iss", &issuer));
    redirect(&with_query(&request.redirect_uri, &pairs))
}

/// The request's parameters as the consent form posts them back, in a fixed
/// order (also what the CSRF token signs).
fn fingerprint_pairs(request: &AuthorizationRequest) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("response_type", "code".to_owned()),
        (
            "client_id",
            crate::server::services::oauth::apps::client_id(&request.app),
        ),
    ];
    if request.redirect_uri_sent {
        pairs.push(("redirect_uri", request.redirect_uri.clone()));
    }
    pairs.push(("scope", request.scopes.to_text()));
    if let Some(state) = &request.state {
        pairs.push(("state", state.clone()));
    }
    if let Some(challenge) = &request.challenge {
        pairs.push(("code_challenge", challenge.as_str().to_owned()));
        pairs.push(("code_challenge_method", "S256".to_owned()));
    }
    pairs
}

/// [`fingerprint_pairs`] as a query string, `?` included.
fn fingerprint(request: &AuthorizationRequest) -> String {
    let pairs = fingerprint_pairs(request);
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
    with_query("", &borrowed)
}

async fn caller(state: &AppState, user: &CurrentUser) -> Result<Caller, ServiceError> {
    let mut caller = crate::server::services::keys::caller_for(&state.db, user, None).await?;
    // The caller's rights as the policy sees them, with the person's name
    // for the audit log.
    caller.who = Who::User {
        id: user.id,
        name: user.name.clone(),
    };
    if caller.actor.is_none() {
        caller.actor = Some(Actor {
            user_id: user.id,
            agency_id: user.agency_id,
            role: user.role,
            workspaces: Vec::new(),
        });
    }
    Ok(caller)
}

#[allow(clippy::too_many_arguments)]
async fn consent_page(
    state: &AppState,
    renderer: &PageRenderer,
    headers: &HeaderMap,
    caller: &Caller,
    user: &CurrentUser,
    request: &AuthorizationRequest,
    withheld: &[Scope],
    approved_before: bool,
    selected: Option<String>,
    reach_error: Option<String>,
) -> Response {
    let reaches = match grants::reach_choices(&state.db, caller).await {
        Ok(reaches) => reaches,
        Err(err) => return service_failed(renderer, headers, err).await,
    };
    if reaches.is_empty() {
        return stopped(
            renderer,
            headers,
            "You are not a member of any workspace, so there is nowhere an app could act for you. Ask a super manager to add you to one."
                .into(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let reaches: Vec<(String, String)> = reaches
        .into_iter()
        .map(|r| {
            (
                r.workspace_id.map(|id| id.to_string()).unwrap_or_default(),
                r.label,
            )
        })
        .collect();
    let selected_reach = selected
        .filter(|s| reaches.iter().any(|(value, _)| value == s))
        .unwrap_or_else(|| reaches[0].0.clone());
    let mut hidden: Vec<(String, String)> = fingerprint_pairs(request)
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
    hidden.push((
        "csrf".into(),
        consent::token(&state.pepper, user.id, &fingerprint(request), Utc::now()),
    ));
    let view = ConsentView {
        error: None,
        app_name: request.app.name.clone(),
        app_homepage: request.app.homepage.clone(),
        app_description: request.app.description.clone(),
        environment: request.app.environment.label().to_owned(),
        user_name: user.name.clone(),
        user_email: user.email.clone(),
        agency_name: user.agency_name.clone(),
        scopes: request
            .scopes
            .iter()
            .map(|scope| (scope.as_str().to_owned(), scope.description().to_owned()))
            .collect(),
        withheld: withheld
            .iter()
            .map(|scope| (scope.as_str().to_owned(), scope.description().to_owned()))
            .collect(),
        reaches,
        selected_reach,
        reach_error: reach_error.clone(),
        hidden,
        approved_before,
    };
    let status = if reach_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = render_page(renderer, headers, CONSENT_PAGE, view, status).await;
    allow_form_to(&mut response, &request.redirect_uri);
    response
}

/// The consent form's answer redirects to the app: the page's
/// `form-action` must name the app's origin, or browsers stop the redirect.
fn allow_form_to(response: &mut Response, redirect_uri: &str) {
    let Ok(url) = url::Url::parse(redirect_uri) else {
        return;
    };
    let origin = url.origin().ascii_serialization();
    let headers = response.headers_mut();
    let Some(policy) = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let widened = policy.replacen("form-action 'self'", &format!("form-action 'self' {origin}"), 1);
    if let Ok(value) = HeaderValue::from_str(&widened) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

async fn refused(
    state: &AppState,
    renderer: &PageRenderer,
    headers: &HeaderMap,
    err: AuthorizeError,
) -> Response {
    match err {
        AuthorizeError::Shown(message) => stopped(renderer, headers, message, StatusCode::BAD_REQUEST).await,
        AuthorizeError::Redirected(back) => redirect(&back.location(&issuer(state, headers))),
        AuthorizeError::Service(err) => service_failed(renderer, headers, err).await,
    }
}

async fn not_registered_here(renderer: &PageRenderer, headers: &HeaderMap) -> Response {
    stopped(
        renderer,
        headers,
        "The link that brought you here names an app that is not registered here.".into(),
        StatusCode::NOT_FOUND,
    )
    .await
}

async fn service_failed(renderer: &PageRenderer, headers: &HeaderMap, err: ServiceError) -> Response {
    tracing::error!(target: "keyward::oauth", error = %err, "authorization request failed");
    stopped(
        renderer,
        headers,
        "Something went wrong on our side. Go back to the app and try again.".into(),
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await
}

async fn stopped(
    renderer: &PageRenderer,
    headers: &HeaderMap,
    message: String,
    status: StatusCode,
) -> Response {
    let view = ConsentView {
        error: Some(message),
        ..ConsentView::default()
    };
    render_page(renderer, headers, CONSENT_PAGE, view, status).await
}
