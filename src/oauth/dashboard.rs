//! The OAuth pages' form posts, which work without JavaScript: register an
//! app, roll its client secret, delete it (Developer Settings › OAuth
//! apps), and revoke a grant (Admin › Profile › Authorized apps).
//!
//! A secret is revealed by answering the post with the app's page rendered
//! on the server (never a redirect: the secret would have to wait somewhere
//! for the next request, and it must not be stored). A refusal answers the
//! form's page again with the errors next to the fields and what was typed.
//! Deleting and revoking redirect (post/redirect/get) with a fixed notice.
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use crate::domain::oauth::credential::ClientId;
use crate::models::oauth::{NewAppForm, OAuthNotice, REGISTER_FORM, ROLL_FORM};
use crate::models::FormFlash;
use crate::pages::oauth_apps::{app_path, AUTHORIZED_APPS_PATH, NEW_APP_PATH, OAUTH_APPS_PATH};
use crate::server::form_post::FormPost;
use crate::server::services::keys::Grace;
use crate::server::services::oauth::{apps, grants, ServiceError};

/// The form's fields, in order; a field sent twice keeps every value (the
/// scope checkboxes).
fn fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn first<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn failed() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
        .into_response()
}

/// The page a refused post answers with.
struct Page<'a> {
    post: &'a FormPost,
    path: &'a str,
}

impl Page<'_> {
    /// The page again with the refusal's status and the flash `flash` makes
    /// of its message; anything but a refusal is logged as a failure of
    /// `doing` and answered 500.
    async fn refused(
        self,
        err: ServiceError,
        doing: &str,
        flash: impl FnOnce(StatusCode, String) -> FormFlash,
    ) -> Response {
        let Some((status, message)) = refusal(&err) else {
            tracing::error!(error = %err, "{doing} failed");
            return failed();
        };
        let flash = flash(status, message);
        self.post.render(self.path, flash, status).await
    }
}

/// A message over the whole form `form`.
fn whole_form(form: &str, message: String) -> FormFlash {
    FormFlash {
        form: form.into(),
        errors: BTreeMap::from([("form".to_owned(), message)]),
        values: BTreeMap::new(),
    }
}

/// The status and the message for the whole form of a refusal.
fn refusal(err: &ServiceError) -> Option<(StatusCode, String)> {
    match err {
        ServiceError::Forbidden(message) => Some((StatusCode::FORBIDDEN, capitalised(message))),
        ServiceError::Conflict(message) => Some((StatusCode::CONFLICT, message.clone())),
        ServiceError::NotFound => Some((
            StatusCode::NOT_FOUND,
            "There is no such app in your agency.".into(),
        )),
        _ => None,
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect::<String>() + ".")
        .unwrap_or_default()
}

/// `POST /admin/profile/developer-settings/oauth-apps/new`: registers an
/// app and answers its page with the client secret, once.
pub async fn register(post: FormPost, body: Bytes) -> Response {
    let fields = fields(&body);
    let form = NewAppForm {
        name: first(&fields, "name").to_owned(),
        homepage: first(&fields, "homepage").to_owned(),
        description: first(&fields, "description").to_owned(),
        client_type: first(&fields, "client_type").to_owned(),
        environment: first(&fields, "environment").to_owned(),
        scopes: fields
            .iter()
            .filter(|(k, _)| k == "scopes")
            .map(|(_, v)| v.clone())
            .collect(),
        redirect_uris: first(&fields, "redirect_uris").to_owned(),
        require_pkce: first(&fields, "require_pkce") == "on",
        form_id: first(&fields, "form_id").to_owned(),
    };
    let typed = |errors: BTreeMap<String, String>| FormFlash {
        form: REGISTER_FORM.into(),
        errors,
        values: BTreeMap::from([
            ("name".into(), form.name.clone()),
            ("homepage".into(), form.homepage.clone()),
            ("description".into(), form.description.clone()),
            ("client_type".into(), form.client_type.clone()),
            ("environment".into(), form.environment.clone()),
            ("scopes".into(), form.scopes.join(" ")),
            ("redirect_uris".into(), form.redirect_uris.clone()),
            ("require_pkce".into(), form.require_pkce.to_string()),
            ("form_id".into(), form.form_id.clone()),
        ]),
    };
    let request = match apps::AppRequest::from_form(&form) {
        Ok(request) => request,
        Err(issues) => {
            let errors = issues.into_iter().map(|i| (i.field, i.message)).collect();
            let flash = typed(errors);
            return post
                .render(NEW_APP_PATH, flash, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let caller = match post.caller().await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match apps::register(&post.state.db, &post.state.pepper, &caller, request, Utc::now()).await {
        Ok(app) => {
            let path = app_path(&app.client_id);
            post.render(&path, app, StatusCode::CREATED).await
        }
        Err(err) => {
            let page = Page {
                post: &post,
                path: NEW_APP_PATH,
            };
            page.refused(err, "registering an OAuth app", |status, message| {
                let mut flash = typed(BTreeMap::from([("form".to_owned(), message)]));
                if status == StatusCode::CONFLICT {
                    // That app exists: sent again (perhaps edited), the form
                    // registers another one.
                    flash.values.remove("form_id");
                }
                flash
            })
            .await
        }
    }
}

/// `POST /admin/profile/developer-settings/oauth-apps/{client_id}`: rolls
/// the client secret and answers the app's page with the new one, once.
pub async fn roll(post: FormPost, Path(client_id): Path<String>, body: Bytes) -> Response {
    let fields = fields(&body);
    // Only a well-formed client id is echoed into a path.
    let Some(client) = ClientId::parse(&client_id) else {
        return Redirect::to(OAUTH_APPS_PATH).into_response();
    };
    let path = app_path(&client.to_string());
    let flash = |field: &str, message: String, grace: &str| FormFlash {
        form: ROLL_FORM.into(),
        errors: BTreeMap::from([(field.to_owned(), message)]),
        values: BTreeMap::from([("grace".to_owned(), grace.to_owned())]),
    };
    let grace_text = first(&fields, "grace");
    let Some(grace) = Grace::parse(grace_text) else {
        let flash = flash("grace", "Choose how long the old secret keeps working".into(), "");
        return post.render(&path, flash, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let seen = Some(first(&fields, "seen_last4")).filter(|s| !s.is_empty());
    let caller = match post.caller().await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match apps::roll_secret(
        &post.state.db,
        &post.state.pepper,
        &caller,
        &client.to_string(),
        grace,
        seen,
        Utc::now(),
    )
    .await
    {
        Ok(app) => post.render(&path, app, StatusCode::OK).await,
        Err(err) => {
            let page = Page {
                post: &post,
                path: &path,
            };
            page.refused(err, "rolling an OAuth app's secret", |_, message| {
                flash("form", message, grace_text)
            })
            .await
        }
    }
}

/// `POST /admin/profile/developer-settings/oauth-apps/{client_id}/delete`:
/// deletes the app (every token it holds stops working), then back to the
/// list.
pub async fn delete(post: FormPost, Path(client_id): Path<String>) -> Response {
    let caller = match post.caller().await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match apps::delete(&post.state.db, &post.state.keys, &caller, &client_id, Utc::now()).await {
        Ok(_) => done(OAUTH_APPS_PATH, OAuthNotice::AppDeleted),
        Err(err) => {
            // Only a well-formed client id is echoed into a path.
            let Some(client) = ClientId::parse(&client_id) else {
                return Redirect::to(OAUTH_APPS_PATH).into_response();
            };
            let path = format!("{}/delete", app_path(&client.to_string()));
            let page = Page {
                post: &post,
                path: &path,
            };
            page.refused(err, "deleting an OAuth app", |_, message| {
                whole_form("delete-app", message)
            })
            .await
        }
    }
}

/// `POST /admin/profile/authorized-apps/{grant_id}/revoke`: revokes the
/// grant, then back to Authorized apps (or to the app's page, when the form
/// says `from` = its client id).
pub async fn revoke_grant(post: FormPost, Path(grant_id): Path<String>, body: Bytes) -> Response {
    let fields = fields(&body);
    let back = ClientId::parse(first(&fields, "from"))
        .map_or_else(|| AUTHORIZED_APPS_PATH.to_owned(), |c| app_path(&c.to_string()));
    let caller = match post.caller().await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match grants::revoke(&post.state.db, &post.state.keys, &caller, &grant_id, Utc::now()).await {
        Ok(_) => done(&back, OAuthNotice::GrantRevoked),
        Err(err) => {
            let page = Page {
                post: &post,
                path: AUTHORIZED_APPS_PATH,
            };
            page.refused(err, "revoking a grant", |status, message| {
                let message = if status == StatusCode::NOT_FOUND {
                    "This access was revoked already, or is not yours to revoke.".to_owned()
                } else {
                    message
                };
                whole_form("revoke-grant", message)
            })
            .await
        }
    }
}

/// 303 to `path` with the notice to show there.
fn done(path: &str, notice: OAuthNotice) -> Response {
    Redirect::to(&format!("{path}?done={}", notice.param())).into_response()
}
