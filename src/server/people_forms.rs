//! The form posts of Admin › Team, Admin › Workspaces and Admin › Profile
//! (password, sessions), and of the invitation and password reset pages.
//! All work without JavaScript: a change redirects (post/redirect/get)
//! with a fixed notice; a one-time link is shown on the page that answers
//! the post, never kept for a later request; a refusal answers the form's
//! page again with the errors next to the fields and what was typed
//! (never a password).
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use chrono::Utc;
use tower_sessions::Session;

use crate::models::people::{forms, LinkShown, PeopleNotice};
use crate::models::FormFlash;
use crate::pages::team::{
    disable_path, invitation_path, person_path, remove_path, reset_path, revoke_invitation_path,
    workspace_path, INVITE_PATH, TEAM_PATH, WORKSPACES_PATH,
};
use crate::server::auth::{render_page, sign_in, CurrentSession, PageRenderer, SignInFrom};
use crate::server::form_post::{self, all, fields, first, FormPost};
use crate::server::services::error::ServiceError;
use crate::server::services::people::{self, Invitee, KeyDecision, KeyDecisions};
use crate::server::services::sign_in_sessions::{self, SignOut};
use crate::server::services::workspaces;
use crate::server::state::AppState;

/// A person's or workspace's id from the path; anything else is a 404.
pub struct Id(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Id {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let not_found = || (StatusCode::NOT_FOUND, "Not found").into_response();
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        let id = params
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, value)| value.parse::<i64>().ok())
            .ok_or_else(not_found)?;
        Ok(Id(id))
    }
}

const NO_SUCH_PERSON: &str = "There is no such person in your team.";
const NO_SUCH_WORKSPACE: &str = "There is no such workspace in your agency.";

/// 303 to `path` with the notice to show there.
fn done(path: &str, notice: PeopleNotice) -> Response {
    let (path, fragment) = path.split_once('#').map_or((path, ""), |(p, f)| (p, f));
    let hash = if fragment.is_empty() {
        String::new()
    } else {
        format!("#{fragment}")
    };
    Redirect::to(&format!("{path}?done={}{hash}", notice.param())).into_response()
}

/// The origin links are made with: `KEYWARD_PUBLIC_URL`, else the `Host`
/// the request came to.
fn origin(post: &FormPost) -> String {
    crate::server::request::base_url_of(post.state.config.public_url.as_ref(), &post.headers)
}

fn kept(fields: &[(String, String)], names: &[&str]) -> BTreeMap<String, String> {
    names
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                first(fields, name).chars().take(1000).collect(),
            )
        })
        .collect()
}

/// Workspace ids ticked; a value that is not one is refused on `workspaces`.
fn workspace_ids(fields: &[(String, String)]) -> Result<Vec<i64>, ServiceError> {
    all(fields, "workspaces")
        .into_iter()
        .map(|text| {
            text.parse::<i64>()
                .map_err(|_| ServiceError::field("workspaces", "Choose workspaces from the list"))
        })
        .collect()
}

async fn caller(post: &FormPost) -> Result<crate::server::services::keys::Caller, Response> {
    post.caller().await
}

/// `POST /admin/team/invite`: invites a person and answers the invite page
/// with their one-time link.
pub async fn invite(post: FormPost, body: Bytes) -> Response {
    let fields = fields(&body);
    let mut values = kept(&fields, &["email", "name", "role"]);
    values.insert("workspaces".into(), all(&fields, "workspaces").join(" "));
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let ids = match workspace_ids(&fields) {
        Ok(ids) => ids,
        Err(err) => return refuse(&post, err, INVITE_PATH, forms::INVITE, values, NO_SUCH_PERSON).await,
    };
    let invitee = Invitee {
        email: first(&fields, "email").to_owned(),
        name: first(&fields, "name").to_owned(),
        role: first(&fields, "role").to_owned(),
        workspace_ids: ids,
    };
    let state = &post.state;
    match people::invite(
        &state.db,
        &state.pepper,
        &caller,
        invitee,
        &origin(&post),
        Utc::now(),
    )
    .await
    {
        Ok(link) => no_store(
            post.render(INVITE_PATH, LinkShown::Invitation(link), StatusCode::OK)
                .await,
        ),
        Err(err) => refuse(&post, err, INVITE_PATH, forms::INVITE, values, NO_SUCH_PERSON).await,
    }
}

async fn refuse(
    post: &FormPost,
    err: ServiceError,
    path: &str,
    form: &str,
    values: BTreeMap<String, String>,
    not_found: &str,
) -> Response {
    form_post::refused(post, err, "a team change", path, form, values, not_found).await
}

/// A page with a secret on it: never cached.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `POST /admin/team/{id}/access`: role and workspaces.
pub async fn change_access(post: FormPost, Id(id): Id, body: Bytes) -> Response {
    let fields = fields(&body);
    let mut values = kept(&fields, &["role"]);
    values.insert("workspaces".into(), all(&fields, "workspaces").join(" "));
    let path = person_path(id);
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let result = match workspace_ids(&fields) {
        Ok(ids) => {
            let state = &post.state;
            people::change_access(
                &state.db,
                &state.keys,
                &caller,
                id,
                first(&fields, "role"),
                &ids,
                Utc::now(),
            )
            .await
        }
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => done(&path, PeopleNotice::AccessSaved),
        Err(err) => refuse(&post, err, &path, forms::ACCESS, values, NO_SUCH_PERSON).await,
    }
}

/// The key decisions of a disable or remove form: `key_{id}` is `revoke`
/// or `user:{id}`; an empty choice is left out (the service names it).
fn decisions(fields: &[(String, String)]) -> Result<KeyDecisions, ServiceError> {
    let mut each = BTreeMap::new();
    for (name, value) in fields {
        let Some(key) = name.strip_prefix("key_") else {
            continue;
        };
        let decision = match value.as_str() {
            "" => continue,
            "revoke" => KeyDecision::Revoke,
            other => match other.strip_prefix("user:").and_then(|id| id.parse::<i64>().ok()) {
                Some(user) => KeyDecision::Reassign(user),
                None => return Err(ServiceError::field(name, "Choose from the list")),
            },
        };
        each.insert(key.to_owned(), decision);
    }
    Ok(KeyDecisions::Each(each))
}

/// `POST /admin/team/{id}/disable` and `…/remove`.
async fn retire(post: FormPost, id: i64, body: Bytes, removing: bool) -> Response {
    let fields = fields(&body);
    let values: BTreeMap<String, String> = fields
        .iter()
        .filter(|(name, _)| name.starts_with("key_"))
        .map(|(name, value)| (name.clone(), value.chars().take(40).collect()))
        .collect();
    let (path, form) = if removing {
        (remove_path(id), forms::REMOVE)
    } else {
        (disable_path(id), forms::DISABLE)
    };
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let state = &post.state;
    let result = match decisions(&fields) {
        Ok(decisions) if removing => {
            people::remove(&state.db, &state.keys, &caller, id, decisions, Utc::now()).await
        }
        Ok(decisions) => people::disable(&state.db, &state.keys, &caller, id, decisions, Utc::now()).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(_) if removing => done(TEAM_PATH, PeopleNotice::Removed),
        Ok(_) => done(&person_path(id), PeopleNotice::Disabled),
        Err(err) => refuse(&post, err, &path, form, values, NO_SUCH_PERSON).await,
    }
}

pub async fn disable(post: FormPost, Id(id): Id, body: Bytes) -> Response {
    retire(post, id, body, false).await
}

pub async fn remove(post: FormPost, Id(id): Id, body: Bytes) -> Response {
    retire(post, id, body, true).await
}

/// `POST /admin/team/{id}/enable`.
pub async fn enable(post: FormPost, Id(id): Id) -> Response {
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let state = &post.state;
    match people::enable(&state.db, &state.keys, &caller, id, Utc::now()).await {
        Ok(()) => done(&person_path(id), PeopleNotice::Enabled),
        Err(err) => {
            refuse(
                &post,
                err,
                &person_path(id),
                forms::PERSON,
                BTreeMap::new(),
                NO_SUCH_PERSON,
            )
            .await
        }
    }
}

/// `POST /admin/team/{id}/reset-link`: answers the person's page with a
/// one-time password reset link.
pub async fn reset_link(post: FormPost, Id(id): Id) -> Response {
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let state = &post.state;
    let path = person_path(id);
    match people::issue_reset(&state.db, &state.pepper, &caller, id, &origin(&post), Utc::now()).await {
        Ok(link) => no_store(
            post.render(&path, LinkShown::PasswordReset(link), StatusCode::OK)
                .await,
        ),
        Err(err) => refuse(&post, err, &path, forms::PERSON, BTreeMap::new(), NO_SUCH_PERSON).await,
    }
}

/// `POST /admin/team/{id}/invitation/reissue`: a new invitation link.
pub async fn reissue_invitation(post: FormPost, Id(id): Id) -> Response {
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let state = &post.state;
    let path = person_path(id);
    match people::reissue_invitation(&state.db, &state.pepper, &caller, id, &origin(&post), Utc::now()).await
    {
        Ok(link) => no_store(
            post.render(&path, LinkShown::Invitation(link), StatusCode::OK)
                .await,
        ),
        Err(err) => refuse(&post, err, &path, forms::PERSON, BTreeMap::new(), NO_SUCH_PERSON).await,
    }
}

/// `POST /admin/team/{id}/revoke-invitation`.
pub async fn revoke_invitation(post: FormPost, Id(id): Id) -> Response {
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let state = &post.state;
    match people::revoke_invitation(&state.db, &caller, id, Utc::now()).await {
        Ok(_) => done(TEAM_PATH, PeopleNotice::InvitationRevoked),
        Err(err) => {
            let path = revoke_invitation_path(id);
            refuse(
                &post,
                err,
                &path,
                forms::REVOKE_INVITATION,
                BTreeMap::new(),
                NO_SUCH_PERSON,
            )
            .await
        }
    }
}

/// `POST /admin/team/{id}/keys/{key}/reassign`: `act_as` is a person's id.
pub async fn reassign_key(
    post: FormPost,
    Id(id): Id,
    Path((_, key)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let fields = fields(&body);
    let path = person_path(id);
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let field = format!("reassign_{key}");
    let result = match first(&fields, "act_as").parse::<i64>() {
        Ok(to) => {
            let state = &post.state;
            people::reassign_key(&state.db, &state.keys, &caller, (&key, id), to, Utc::now()).await
        }
        Err(_) => Err(ServiceError::field("act_as", "Choose who the key acts as")),
    };
    match result {
        Ok(_) => done(&path, PeopleNotice::KeyReassigned),
        Err(ServiceError::Invalid(issues)) => {
            // Shown next to that key's own select.
            let issues = issues
                .into_iter()
                .map(|mut issue| {
                    issue.field.clone_from(&field);
                    issue
                })
                .collect();
            refuse(
                &post,
                ServiceError::Invalid(issues),
                &path,
                forms::PERSON,
                BTreeMap::new(),
                NO_SUCH_PERSON,
            )
            .await
        }
        Err(err) => {
            refuse(
                &post,
                err,
                &path,
                forms::PERSON,
                BTreeMap::new(),
                "There is no such key.",
            )
            .await
        }
    }
}

/// `POST /admin/workspaces`: creates a workspace.
pub async fn create_workspace(post: FormPost, body: Bytes) -> Response {
    let fields = fields(&body);
    let values = kept(&fields, &["name"]);
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match workspaces::create(&post.state.db, &caller, first(&fields, "name"), Utc::now()).await {
        Ok(_) => done(WORKSPACES_PATH, PeopleNotice::WorkspaceCreated),
        Err(err) => {
            refuse(
                &post,
                err,
                WORKSPACES_PATH,
                forms::CREATE_WORKSPACE,
                values,
                NO_SUCH_WORKSPACE,
            )
            .await
        }
    }
}

/// `POST /admin/workspaces/{id}`: `action` is `rename` (with `name`),
/// `archive` or `restore`.
pub async fn change_workspace(post: FormPost, Id(id): Id, body: Bytes) -> Response {
    let fields = fields(&body);
    let values = kept(&fields, &["name"]);
    let path = workspace_path(id);
    let caller = match caller(&post).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let state = &post.state;
    let now = Utc::now();
    let result = match first(&fields, "action") {
        "rename" => workspaces::rename(&state.db, &state.keys, &caller, id, first(&fields, "name"), now)
            .await
            .map(|()| PeopleNotice::WorkspaceRenamed),
        "archive" => workspaces::set_archived(&state.db, &state.keys, &caller, id, true, now)
            .await
            .map(|_| PeopleNotice::WorkspaceArchived),
        "restore" => workspaces::set_archived(&state.db, &state.keys, &caller, id, false, now)
            .await
            .map(|_| PeopleNotice::WorkspaceRestored),
        _ => Err(ServiceError::field("form", "Choose Rename, Archive or Restore")),
    };
    match result {
        Ok(notice) => done(&path, notice),
        Err(err) => refuse(&post, err, &path, forms::WORKSPACE, values, NO_SUCH_WORKSPACE).await,
    }
}

const PROFILE_PATH: &str = "/admin/profile";

/// `POST /admin/profile/password`: the signed-in person's own password.
/// Wrong current passwords count against the sign-in throttle (per account
/// and per address): a stolen session cannot guess the password faster
/// than the sign-in page lets anyone.
pub async fn change_password(
    post: FormPost,
    current: Option<Extension<CurrentSession>>,
    body: Bytes,
) -> Response {
    let fields = fields(&body);
    let ip = crate::server::auth::client(&post.state, post.peer, &post.headers);
    let throttled = |seconds: u64| {
        ServiceError::field(
            "current_password",
            format!("Too many attempts. Try again in {seconds} seconds."),
        )
    };
    if let Some(seconds) = post.state.sign_ins.wait(&post.user.email, ip) {
        let mut response = refuse(
            &post,
            throttled(seconds),
            PROFILE_PATH,
            forms::PASSWORD,
            BTreeMap::new(),
            NO_SUCH_PERSON,
        )
        .await;
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return response;
    }
    let keep = current.map(|Extension(CurrentSession(id))| id);
    let result = people::change_password(
        &post.state.db,
        &post.user,
        first(&fields, "current_password"),
        first(&fields, "new_password"),
        keep.as_deref(),
        ip.map(|ip| ip.to_string()),
        Utc::now(),
    )
    .await;
    match result {
        Ok(_) => done(&format!("{PROFILE_PATH}#password"), PeopleNotice::PasswordChanged),
        Err(ServiceError::Invalid(issues))
            if issues
                .iter()
                .any(|i| i.field == "current_password" && i.message == people::WRONG_PASSWORD) =>
        {
            let (err, status) = match post.state.sign_ins.failed(&post.user.email, ip) {
                Some(seconds) => (throttled(seconds), StatusCode::TOO_MANY_REQUESTS),
                None => (ServiceError::Invalid(issues), StatusCode::UNPROCESSABLE_ENTITY),
            };
            let mut response = refuse(
                &post,
                err,
                PROFILE_PATH,
                forms::PASSWORD,
                BTreeMap::new(),
                NO_SUCH_PERSON,
            )
            .await;
            *response.status_mut() = status;
            response
        }
        Err(err) => {
            refuse(
                &post,
                err,
                PROFILE_PATH,
                forms::PASSWORD,
                BTreeMap::new(),
                NO_SUCH_PERSON,
            )
            .await
        }
    }
}

/// `POST /admin/profile/sessions/sign-out`: `session` is one session's id,
/// or `others` for every session but this one.
pub async fn sign_out_sessions(
    post: FormPost,
    current: Option<Extension<CurrentSession>>,
    body: Bytes,
) -> Response {
    let fields = fields(&body);
    let ip = crate::server::auth::client(&post.state, post.peer, &post.headers).map(|ip| ip.to_string());
    let current = current.map(|Extension(CurrentSession(id))| id);
    let which = match first(&fields, "session") {
        "others" => SignOut::EverywhereElse,
        id => SignOut::One(id),
    };
    let notice = match which {
        SignOut::EverywhereElse => PeopleNotice::SignedOutOthers,
        SignOut::One(_) => PeopleNotice::SignedOut,
    };
    match sign_in_sessions::sign_out(
        &post.state.db,
        &post.user,
        current.as_deref(),
        which,
        ip,
        Utc::now(),
    )
    .await
    {
        Ok(_) => done(&format!("{PROFILE_PATH}#sessions"), notice),
        Err(err) => {
            let not_found = "That session has already ended.";
            refuse(
                &post,
                err,
                PROFILE_PATH,
                forms::SESSIONS,
                BTreeMap::new(),
                not_found,
            )
            .await
        }
    }
}

/// What the two public link pages post: the token, and the new password
/// (the first of each, as every form here reads its fields).
pub struct LinkForm {
    token: String,
    password: String,
}

impl LinkForm {
    fn of(body: &[u8]) -> Self {
        let fields = fields(body);
        Self {
            token: first(&fields, "token").to_owned(),
            password: first(&fields, "password").to_owned(),
        }
    }
}

type Peer = Option<Extension<ConnectInfo<std::net::SocketAddr>>>;

/// `POST /invitation`: the invitee sets their password and is signed in.
pub async fn accept_invitation(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    peer: Peer,
    headers: HeaderMap,
    session: Session,
    body: Bytes,
) -> Response {
    let form = LinkForm::of(&body);
    let result =
        people::accept_invitation(&state.db, &state.pepper, &form.token, &form.password, Utc::now()).await;
    let answer = LinkPost {
        state: &state,
        renderer: &renderer,
        peer,
        headers: &headers,
        session: &session,
    };
    answer
        .answer(result, invitation_path(), &form.token, forms::ACCEPT_INVITATION)
        .await
}

/// `POST /reset-password`: a new password from a reset link; every other
/// session of the person has ended, and this browser is signed in.
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(renderer): Extension<PageRenderer>,
    peer: Peer,
    headers: HeaderMap,
    session: Session,
    body: Bytes,
) -> Response {
    let form = LinkForm::of(&body);
    let result =
        people::reset_password(&state.db, &state.pepper, &form.token, &form.password, Utc::now()).await;
    let answer = LinkPost {
        state: &state,
        renderer: &renderer,
        peer,
        headers: &headers,
        session: &session,
    };
    answer
        .answer(result, reset_path(), &form.token, forms::RESET_PASSWORD)
        .await
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A post of one of the two link pages, and what answering it needs.
struct LinkPost<'a> {
    state: &'a AppState,
    renderer: &'a PageRenderer,
    peer: Peer,
    headers: &'a HeaderMap,
    session: &'a Session,
}

impl LinkPost<'_> {
    /// Signed in and sent home; or the page (`path?token=…`) again with
    /// the password's error (422), or saying the link no longer works (404).
    async fn answer(
        self,
        result: Result<i64, ServiceError>,
        path: &str,
        token: &str,
        form: &str,
    ) -> Response {
        let page = format!("{path}?token={}", encode(token));
        let (flash, status) = match result {
            Ok(user_id) => {
                let ip = crate::server::auth::client(self.state, self.peer, self.headers);
                let from = SignInFrom::of(ip, self.headers);
                return sign_in(self.session, user_id, from, crate::domain::next_url::HOME).await;
            }
            Err(ServiceError::Invalid(issues)) => (
                FormFlash {
                    form: form.into(),
                    errors: issues.into_iter().map(|i| (i.field, i.message)).collect(),
                    values: BTreeMap::new(),
                },
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // The page itself says the link no longer works.
            Err(ServiceError::NotFound) => (FormFlash::default(), StatusCode::NOT_FOUND),
            Err(err) => return form_post::failed("using a one-time link", &err),
        };
        no_store(render_page(self.renderer, self.headers, &page, flash, status).await)
    }
}
