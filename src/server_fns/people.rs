//! Server functions of Admin › Team, Admin › Workspaces, Admin › Profile's
//! sessions, and the invitation and password reset pages: what they show.
//! Every change is a form post (`crate::server::people_forms`).
use leptos::prelude::*;

use crate::models::people::{
    LinkShown, PersonDetail, SignedInSession, TeamPage, WorkspaceChoice, WorkspaceRow,
};
use crate::models::AppError;

#[cfg(feature = "ssr")]
use super::backend;

/// The Team table (403 for anyone but super managers): `q` matches name
/// or email; `sort` is a [`crate::models::people::TeamSort`] spelling, `desc` reverses it.
#[server(endpoint = "get_team")]
pub async fn get_team(q: String, sort: String, desc: bool) -> Result<TeamPage, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let sort = crate::models::people::TeamSort::parse(&sort).unwrap_or_default();
            let q: String = q.chars().take(200).collect();
            Ok(
                crate::server::services::people::team(&state.db, &caller, &q, sort, desc, chrono::Utc::now())
                    .await?,
            )
        }
        .await,
    )
}

/// One person of the team (404 outside the viewer's agency; 403 for
/// anyone but super managers).
#[server(endpoint = "get_person")]
pub async fn get_person(id: i64) -> Result<PersonDetail, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(crate::server::services::people::person(&state.db, &caller, id, chrono::Utc::now()).await?)
        }
        .await,
    )
}

/// The workspaces a new person can be given (403 for anyone but super managers).
#[server(endpoint = "get_invite_choices")]
pub async fn get_invite_choices() -> Result<Vec<WorkspaceChoice>, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            let rows =
                crate::server::services::workspaces::list(&state.db, &caller, chrono::Utc::now()).await?;
            Ok(rows
                .into_iter()
                .filter(|w| w.archived_at.is_none())
                .map(|w| WorkspaceChoice {
                    id: w.id,
                    name: w.name,
                })
                .collect())
        }
        .await,
    )
}

/// The one-time link the post being answered made, if any (never stored:
/// it exists only on the page that answers that post).
#[server(endpoint = "get_shown_link")]
pub async fn get_shown_link() -> Result<Option<LinkShown>, AppError> {
    let shown = crate::server::request::extension::<LinkShown>();
    if shown.is_some() {
        backend::no_store();
    }
    Ok(shown)
}

/// Admin › Workspaces (403 for anyone but super managers).
#[server(endpoint = "get_workspaces")]
pub async fn get_workspaces() -> Result<Vec<WorkspaceRow>, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let caller = backend::caller(&state).await?;
            Ok(crate::server::services::workspaces::list(&state.db, &caller, chrono::Utc::now()).await?)
        }
        .await,
    )
}

/// The signed-in person's sessions, this one marked.
#[server(endpoint = "get_sessions")]
pub async fn get_sessions() -> Result<Vec<SignedInSession>, AppError> {
    backend::respond(
        async move {
            let state = backend::state()?;
            let user = backend::user()?;
            let current = crate::server::request::extension::<crate::server::auth::CurrentSession>();
            Ok(crate::server::services::sign_in_sessions::list(
                &state.db,
                &user,
                current.as_ref().map(|c| c.0.as_str()),
                chrono::Utc::now(),
            )
            .await?)
        }
        .await,
    )
}

/// What an invitation link opens: `None` (and a 404) when it no longer works.
#[server(endpoint = "get_invitation")]
pub async fn get_invitation(token: String) -> Result<Option<InvitationView>, AppError> {
    backend::no_store();
    let state = backend::state()?;
    let found =
        crate::server::services::people::invitation(&state.db, &state.pepper, &token, chrono::Utc::now())
            .await?
            .map(|found| InvitationView {
                name: found.name,
                email: found.email,
                agency: found.agency,
                expires_at: found.expires_at,
            });
    if found.is_none() {
        crate::server::request::set_status(axum::http::StatusCode::NOT_FOUND);
    }
    Ok(found)
}

/// Whose password a reset link sets: `None` (and a 404) when it no longer works.
#[server(endpoint = "get_reset")]
pub async fn get_reset(token: String) -> Result<Option<InvitationView>, AppError> {
    backend::no_store();
    let state = backend::state()?;
    let found = crate::server::services::people::reset_link_person(
        &state.db,
        &state.pepper,
        &token,
        chrono::Utc::now(),
    )
    .await?
    .map(|(name, email)| InvitationView {
        name,
        email,
        agency: String::new(),
        expires_at: chrono::Utc::now(),
    });
    if found.is_none() {
        crate::server::request::set_status(axum::http::StatusCode::NOT_FOUND);
    }
    Ok(found)
}

/// Whom a one-time link is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvitationView {
    pub name: String,
    pub email: String,
    pub agency: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}
