//! Registering OAuth apps (clients, RFC 6749 §2): every field rule, the
//! audit event, and the client secret shown once.
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;

use super::listing::managed_app;
use super::tokens::{announce_grants, Changed};
use super::ServiceError;
use crate::domain::audit_action::AuditAction;
use crate::domain::environment::Environment;
use crate::domain::fields::{check_visible, parse_name};
use crate::domain::oauth::client_type::ClientType;
use crate::domain::oauth::credential::{ClientId, Credential, CredentialKind};
use crate::domain::oauth::redirect_uri::RedirectUri;
use crate::domain::oauth::scope::check_grantable;
use crate::domain::policy::Action;
use crate::domain::scopes::ScopeSet;
use crate::domain::token::{KeyId, Pepper};
use crate::entities::{oauth_app, oauth_grant};
use crate::models::oauth::{NewAppForm, RegisteredApp};
use crate::models::FieldIssue;
use crate::server::key_cache::KeyCache;
use crate::server::services::keys::{begin_for_agency, Caller, Grace, Issues};

/// Why only super managers may do this (403).
pub const MAY_NOT_MANAGE_APPS: &str = "only super managers may manage OAuth apps";

/// How many redirect URIs one app may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// The longest description, in characters.
pub const MAX_DESCRIPTION: usize = 500;
/// Requests per second each person's tokens of a new app may make.
pub const DEFAULT_RATE_LIMIT: i32 = 100;

/// A registration whose every field passed its own rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRequest {
    pub name: String,
    /// `None`: no homepage.
    pub homepage: Option<url::Url>,
    pub description: String,
    pub client_type: ClientType,
    pub environment: Environment,
    /// At least one, none of them `admin` ([`check_grantable`]).
    pub scopes: ScopeSet,
    /// 1 to [`MAX_REDIRECT_URIS`], no two alike.
    pub redirect_uris: Vec<RedirectUri>,
    /// Confidential apps: PKCE required too. Public apps always.
    pub require_pkce: bool,
    /// The id the registration form was drawn with (its client id to be):
    /// the same form sent twice registers one app. `None`: a new one.
    pub id: Option<KeyId>,
}

/// The id a new registration form carries (the app's id to be): for those
/// who may register apps.
pub fn new_form_id(caller: &Caller) -> Result<String, ServiceError> {
    if !caller.may(Action::ManageOAuthApps) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE_APPS.into()));
    }
    Ok(KeyId::generate(&mut rand::rngs::OsRng).as_str().to_owned())
}

impl AppRequest {
    /// The Register OAuth app form as typed (the dialog, or the command
    /// line's flags). `Err` holds every field refused, under the form's
    /// names (`name`, `homepage`, `description`, `client_type`,
    /// `environment`, `scopes`, `redirect_uris`).
    pub fn from_form(form: &NewAppForm) -> Result<Self, Vec<FieldIssue>> {
        let mut issues = Issues::default();
        let name = issues.check("name", parse_name("App name", &form.name, 64));
        let homepage = issues.check("homepage", parse_homepage(&form.homepage));
        let description = form.description.trim();
        let description = if description.chars().count() > MAX_DESCRIPTION {
            issues.add(
                "description",
                format!("Description must be at most {MAX_DESCRIPTION} characters"),
            );
            None
        } else if description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            issues.add("description", "Description cannot contain control characters");
            None
        } else if let Err(invisible) = check_visible("Description", description) {
            issues.add("description", invisible.to_string());
            None
        } else {
            Some(description.replace("\r\n", "\n"))
        };
        let client_type = issues.check(
            "client_type",
            match form.client_type.as_str() {
                "confidential" => Ok(ClientType::Confidential),
                "public" => Ok(ClientType::Public),
                _ => Err("Choose confidential or public"),
            },
        );
        let environment = issues.check(
            "environment",
            form.environment
                .parse::<Environment>()
                .map_err(|_| "Choose live or test"),
        );
        let scopes = issues.check(
            "scopes",
            ScopeSet::from_names(&form.scopes)
                .map_err(|e| e.to_string())
                .and_then(|set| check_grantable(set).map(|()| set)),
        );
        let redirect_uris = issues.check("redirect_uris", parse_redirect_uris(&form.redirect_uris));
        let id = issues.check(
            "form",
            match form.form_id.trim() {
                "" => Ok(None),
                text => KeyId::parse(text)
                    .map(Some)
                    .ok_or("This form is damaged: open Register OAuth app again"),
            },
        );
        let value = (|| {
            Some(Self {
                name: name?,
                homepage: homepage?,
                description: description?,
                client_type: client_type?,
                environment: environment?,
                scopes: scopes?,
                redirect_uris: redirect_uris?,
                require_pkce: form.require_pkce || client_type? == ClientType::Public,
                id: id?,
            })
        })();
        issues.into_result(value)
    }
}

/// Empty, or an absolute https URL (http only on a loopback address, for
/// trying an app out) of at most 2,000 characters.
fn parse_homepage(raw: &str) -> Result<Option<url::Url>, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let refuse = || "Enter the app's homepage as an https URL, like https://app.example".to_owned();
    if raw.len() > 2000 {
        return Err("Homepage must be at most 2000 characters".into());
    }
    let url = url::Url::parse(raw).map_err(|_| refuse())?;
    let loopback = url.host_str().is_some_and(|h| h == "127.0.0.1" || h == "[::1]");
    match url.scheme() {
        "https" if url.has_host() && url.username().is_empty() && url.password().is_none() => Ok(Some(url)),
        "http" if loopback => Ok(Some(url)),
        _ => Err(refuse()),
    }
}

/// One redirect URI per line (blank lines ignored): each registered as
/// written, at least one, at most [`MAX_REDIRECT_URIS`], none twice. `Err`
/// names the line.
fn parse_redirect_uris(raw: &str) -> Result<Vec<RedirectUri>, String> {
    let lines: Vec<&str> = raw
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    if lines.is_empty() {
        return Err("Enter at least one redirect URI".into());
    }
    if lines.len() > MAX_REDIRECT_URIS {
        return Err(format!("At most {MAX_REDIRECT_URIS} redirect URIs"));
    }
    let mut uris = Vec::with_capacity(lines.len());
    for (at, line) in lines.iter().enumerate() {
        let uri = RedirectUri::register(line).map_err(|e| {
            let shown: String = line.chars().take(80).collect();
            format!("Line {} ({shown}): {e}", at + 1)
        })?;
        if uris.contains(&uri) {
            return Err(format!("Line {}: {line} is listed twice", at + 1));
        }
        uris.push(uri);
    }
    Ok(uris)
}

/// Registers an app in the caller's agency and returns its client id and,
/// for a confidential app, its secret: the only time the secret exists
/// outside the caller's hands. Super managers and the command line only
/// (403 otherwise). Audited as `app_registered`.
pub async fn register(
    db: &impl TransactionTrait,
    pepper: &Pepper,
    caller: &Caller,
    request: AppRequest,
    now: DateTime<Utc>,
) -> Result<RegisteredApp, ServiceError> {
    if !caller.may(Action::ManageOAuthApps) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE_APPS.into()));
    }
    let rng = &mut rand::rngs::OsRng;
    let client_id = request
        .id
        .map_or_else(|| ClientId::generate(rng), ClientId::from_id);
    let secret = (request.client_type == ClientType::Confidential)
        .then(|| Credential::with_id(CredentialKind::ClientSecret, *client_id.id(), rng));
    let txn = begin_for_agency(db, caller.agency_id).await?;
    if oauth_app::Entity::find_by_id(client_id.id().as_str().to_owned())
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ServiceError::Conflict(
            "This app is registered already (the form was sent twice?): find it under OAuth apps".into(),
        ));
    }
    oauth_app::ActiveModel {
        id: Set(client_id.id().as_str().to_owned()),
        agency_id: Set(caller.agency_id),
        name: Set(request.name.clone()),
        homepage: Set(request
            .homepage
            .as_ref()
            .map(url::Url::to_string)
            .unwrap_or_default()),
        description: Set(request.description.clone()),
        client_type: Set(request.client_type),
        environment: Set(request.environment),
        scopes: Set(request.scopes.to_text()),
        redirect_uris: Set(join_uris(&request.redirect_uris)),
        secret_hash: Set(secret.as_ref().map(|s| s.hash(pepper).as_bytes().to_vec())),
        secret_last4: Set(secret.as_ref().map(Credential::last4)),
        previous_secret_hash: Set(None),
        previous_secret_expires_at: Set(None),
        require_pkce: Set(request.require_pkce),
        rate_limit: Set(DEFAULT_RATE_LIMIT),
        created_by_user_id: Set(caller.who.user_id()),
        created_at: Set(now),
        search_folded: NotSet,
    }
    .insert(&txn)
    .await?;
    caller
        .audit(
            &txn,
            AuditAction::AppRegistered,
            None,
            json!({
                "app": {"id": client_id.to_string(), "name": request.name},
                "client_type": request.client_type.as_str(),
                "environment": request.environment.as_str(),
                "scopes": request.scopes.to_text(),
                "redirect_uris": request.redirect_uris.iter().map(RedirectUri::as_str).collect::<Vec<_>>(),
            }),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(RegisteredApp {
        name: request.name,
        client_id: client_id.to_string(),
        client_secret: secret.map(|s| s.expose()),
    })
}

/// A stored app's public client id, `kw_app_{id}`.
pub fn client_id(app: &oauth_app::Model) -> String {
    format!("kw_app_{}", app.id)
}

/// The stored form of redirect URIs: one per line.
fn join_uris(uris: &[RedirectUri]) -> String {
    uris.iter()
        .map(RedirectUri::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

/// An app of `agency_id` by its client id (`kw_app_…`), else `None`.
pub async fn app_of_agency(
    db: &impl ConnectionTrait,
    agency_id: i64,
    client_id: &str,
) -> Result<Option<oauth_app::Model>, DbErr> {
    let Some(id) = ClientId::parse(client_id) else {
        return Ok(None);
    };
    oauth_app::Entity::find_by_id(id.id().as_str().to_owned())
        .filter(oauth_app::Column::AgencyId.eq(agency_id))
        .one(db)
        .await
}

/// An app by its client id, whatever its agency (the `/oauth/*` endpoints
/// are reached before anyone is known), else `None`.
pub async fn app_by_client_id(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<oauth_app::Model>, DbErr> {
    let Some(id) = ClientId::parse(client_id) else {
        return Ok(None);
    };
    oauth_app::Entity::find_by_id(id.id().as_str().to_owned())
        .one(db)
        .await
}

/// The redirect URIs a stored app registered. A line that no longer
/// passes registration is a corrupt row (500), never silently skipped.
pub fn registered_uris(app: &oauth_app::Model) -> Result<Vec<RedirectUri>, ServiceError> {
    app.redirect_uris
        .lines()
        .map(|line| {
            RedirectUri::register(line).map_err(|e| {
                ServiceError::Corrupt(format!("oauth_apps {}: redirect URI {line:?}: {e}", app.id))
            })
        })
        .collect()
}

/// The id of a stored app as a [`KeyId`] (its client id without prefix).
pub fn app_key_id(app: &oauth_app::Model) -> Result<KeyId, ServiceError> {
    KeyId::parse(&app.id).ok_or_else(|| ServiceError::Corrupt(format!("oauth_apps id {:?}", app.id)))
}

/// Issues a new client secret for a confidential app of the caller's
/// agency (RFC 6749 §2.3.1); the old one keeps authenticating for `grace`
/// (not at all for [`Grace::Now`]), and a secret still in an earlier
/// roll's grace stops now. `seen_last4` is the current secret's end as the
/// page showed it: a form sent twice (a reload) rolls once and the second
/// is a 409, so the secret just revealed is never silently replaced.
/// Audited as `app_secret_rolled`. 404 for another agency's app, 403 but
/// for super managers, 409 for a public app.
pub async fn roll_secret(
    db: &impl TransactionTrait,
    pepper: &Pepper,
    caller: &Caller,
    client_id_text: &str,
    grace: Grace,
    seen_last4: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RegisteredApp, ServiceError> {
    if !caller.may(Action::ManageOAuthApps) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE_APPS.into()));
    }
    let now = now.trunc_subsecs(6);
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let app = managed_app(&txn, caller, client_id_text).await?;
    let Some(current) = app
        .secret_hash
        .clone()
        .filter(|_| app.client_type == ClientType::Confidential)
    else {
        return Err(ServiceError::Conflict(
            "A public app has no client secret to roll".into(),
        ));
    };
    if seen_last4.is_some_and(|seen| app.secret_last4.as_deref() != Some(seen)) {
        return Err(ServiceError::Conflict(
            "This secret was rolled already (the form was sent twice?): the page now shows the current one"
                .into(),
        ));
    }
    let secret = Credential::with_id(
        CredentialKind::ClientSecret,
        app_key_id(&app)?,
        &mut rand::rngs::OsRng,
    );
    let keep_old = grace != Grace::Now;
    // Compare and set: of two rolls at once, the second changes nothing.
    let updated = oauth_app::Entity::update_many()
        .col_expr(
            oauth_app::Column::SecretHash,
            Expr::value(secret.hash(pepper).as_bytes().to_vec()),
        )
        .col_expr(oauth_app::Column::SecretLast4, Expr::value(secret.last4()))
        .col_expr(
            oauth_app::Column::PreviousSecretHash,
            Expr::value(keep_old.then(|| current.clone())),
        )
        .col_expr(
            oauth_app::Column::PreviousSecretExpiresAt,
            Expr::value(keep_old.then(|| now + grace.duration())),
        )
        .filter(oauth_app::Column::Id.eq(&app.id))
        .filter(oauth_app::Column::SecretHash.eq(current))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::Conflict(
            "This secret was rolled at the same moment by someone else: the page now shows the current one"
                .into(),
        ));
    }
    caller
        .audit(
            &txn,
            AuditAction::AppSecretRolled,
            None,
            json!({
                "app": {"id": client_id(&app), "name": app.name},
                "grace": grace.label(),
            }),
            now,
        )
        .await?;
    txn.commit().await?;
    Ok(RegisteredApp {
        name: app.name,
        client_id: client_id_text.to_owned(),
        client_secret: Some(secret.expose()),
    })
}

/// Deletes an app of the caller's agency with every grant, code and token
/// it holds; each live access token is announced in the same transaction,
/// so every server refuses it within a second. Audited as `app_deleted`.
/// Returns the app's name. 404 for another agency's app, 403 but for super
/// managers.
pub async fn delete(
    db: &impl TransactionTrait,
    cache: &KeyCache,
    caller: &Caller,
    client_id_text: &str,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    if !caller.may(Action::ManageOAuthApps) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE_APPS.into()));
    }
    let now = now.trunc_subsecs(6);
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let app = managed_app(&txn, caller, client_id_text).await?;
    let grants: Vec<String> = oauth_grant::Entity::find()
        .filter(oauth_grant::Column::AppId.eq(&app.id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let people = grants.len();
    let mut changed = Changed::default();
    announce_grants(&txn, &mut changed, grants, now).await?;
    // Grants, codes, families and tokens go with it (foreign keys cascade).
    oauth_app::Entity::delete_by_id(app.id.clone()).exec(&txn).await?;
    caller
        .audit(
            &txn,
            AuditAction::AppDeleted,
            None,
            json!({
                "app": {"id": client_id(&app), "name": app.name},
                "people": people,
            }),
            now,
        )
        .await?;
    txn.commit().await?;
    changed.forget_in(cache);
    Ok(app.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> NewAppForm {
        NewAppForm {
            name: "  Listing Portal ".into(),
            homepage: "https://portal.example".into(),
            description: "Posts our listings.".into(),
            client_type: "confidential".into(),
            environment: "live".into(),
            scopes: vec!["read:properties".into(), "read:leads".into()],
            redirect_uris: "https://portal.example/callback\n\n  http://127.0.0.1/cb \n".into(),
            require_pkce: false,
            form_id: String::new(),
        }
    }

    fn fields(issues: Vec<FieldIssue>) -> Vec<String> {
        issues.into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn a_good_form_parses_whole() {
        let request = AppRequest::from_form(&form()).unwrap();
        assert_eq!(request.name, "Listing Portal");
        assert_eq!(request.homepage.unwrap().as_str(), "https://portal.example/");
        assert_eq!(request.client_type, ClientType::Confidential);
        assert_eq!(request.scopes.to_text(), "read:properties read:leads");
        let uris: Vec<_> = request.redirect_uris.iter().map(RedirectUri::as_str).collect();
        assert_eq!(uris, ["https://portal.example/callback", "http://127.0.0.1/cb"]);
        assert!(!request.require_pkce);
    }

    #[test]
    fn a_public_app_always_requires_pkce() {
        let request = AppRequest::from_form(&NewAppForm {
            client_type: "public".into(),
            ..form()
        })
        .unwrap();
        assert!(request.require_pkce);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let issues = AppRequest::from_form(&NewAppForm {
            name: " ".into(),
            homepage: "http://portal.example".into(),
            description: "x".repeat(MAX_DESCRIPTION + 1),
            client_type: "secret".into(),
            environment: "staging".into(),
            scopes: vec!["admin".into()],
            redirect_uris: "https://portal.example/cb#frag".into(),
            require_pkce: true,
            form_id: "not an id".into(),
        })
        .unwrap_err();
        assert_eq!(
            fields(issues),
            [
                "name",
                "homepage",
                "description",
                "client_type",
                "environment",
                "scopes",
                "redirect_uris",
                "form"
            ]
        );
    }

    #[test]
    fn what_the_consent_page_shows_reads_as_it_is() {
        // An invisible format character in the description, and redirect
        // URIs a browser would follow somewhere else than they read.
        let issues = AppRequest::from_form(&NewAppForm {
            description: "Syncs listings\u{202E}gnp.exe".into(),
            redirect_uris: "https:///cb".into(),
            ..form()
        })
        .unwrap_err();
        let message = |field: &str| issues.iter().find(|i| i.field == field).unwrap().message.clone();
        assert!(
            message("description").contains("U+202E"),
            "{}",
            message("description")
        );
        assert!(
            message("redirect_uris").contains("https://cb/"),
            "{}",
            message("redirect_uris")
        );
        let dots = parse_redirect_uris("https://a.example/x/../cb").unwrap_err();
        assert!(dots.contains("https://a.example/cb"), "{dots}");
    }

    #[test]
    fn redirect_uris_are_named_by_line_and_bounded() {
        let refused = |text: &str| parse_redirect_uris(text).unwrap_err();
        assert_eq!(refused("  \n "), "Enter at least one redirect URI");
        assert!(refused("https://a.example/cb\nhttp://a.example/cb")
            .starts_with("Line 2 (http://a.example/cb): "));
        assert_eq!(
            refused("https://a.example/cb\nhttps://a.example/cb"),
            "Line 2: https://a.example/cb is listed twice"
        );
        let many = (0..=MAX_REDIRECT_URIS)
            .map(|n| format!("https://a.example/{n}"))
            .collect::<Vec<_>>();
        assert_eq!(
            refused(&many.join("\n")),
            format!("At most {MAX_REDIRECT_URIS} redirect URIs")
        );
    }

    #[test]
    fn a_homepage_is_https_or_loopback() {
        assert_eq!(parse_homepage("  "), Ok(None));
        assert!(parse_homepage("https://app.example/about").unwrap().is_some());
        assert!(parse_homepage("http://127.0.0.1:8080/").unwrap().is_some());
        for bad in [
            "app.example",
            "http://app.example",
            "javascript:alert(1)",
            "https://u:p@app.example",
        ] {
            assert!(parse_homepage(bad).is_err(), "{bad}");
        }
    }
}
