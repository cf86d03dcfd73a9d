//! The token endpoint's work (RFC 6749 §3.2, §4.1.3, §6): authenticating
//! the client, redeeming a code, rotating a refresh token, and revoking what
//! a replay shows was stolen (RFC 9700 §4.14.2: refresh token rotation with
//! reuse detection).
//!
//! Every change to a family runs in one transaction that writes first (a
//! lock on the family's or the code's row on PostgreSQL, the write lock on
//! SQLite), so concurrent requests about one family happen one at a time.
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::json;

use super::apps::{app_by_client_id, client_id};
use super::ServiceError;
use crate::domain::audit_action::AuditAction;
use crate::domain::oauth::client_type::ClientType;
use crate::domain::oauth::credential::{ClientId, Credential, CredentialKind};
use crate::domain::oauth::pkce::CodeChallenge;
use crate::domain::scopes::ScopeSet;
use crate::domain::token::{Pepper, SecretHash};
use crate::entities::oauth_token::TokenKind;
use crate::entities::{oauth_app, oauth_code, oauth_family, oauth_grant, oauth_token, user};
use crate::server::key_cache::{access_token_cache_id, announce, KeyCache};
use crate::server::services::audit::{self, Who};
use crate::server::services::notifications::{self, Notice};

/// An access token lives an hour.
pub const ACCESS_LIFETIME: TimeDelta = TimeDelta::hours(1);
/// A refresh token lives 30 days (never past its family's end).
pub const REFRESH_LIFETIME: TimeDelta = TimeDelta::days(30);
/// A family (everything one code redemption started) lives a year; then
/// the person is asked to consent again.
pub const FAMILY_LIFETIME: TimeDelta = TimeDelta::days(365);
/// A used refresh token sent again within this time, while the pair it was
/// exchanged for has never been used, is taken as a retry after a lost
/// response: the unused pair is replaced. Later, or once that pair was used,
/// it is a replay and the whole family is revoked.
pub const RETRY_GRACE: TimeDelta = TimeDelta::seconds(30);

/// An RFC 6749 §5.2 error.
#[derive(Debug)]
pub enum TokenError {
    InvalidRequest(String),
    /// 401: the client could not be authenticated.
    InvalidClient(String),
    InvalidGrant(String),
    UnauthorizedClient(String),
    UnsupportedGrantType(String),
    InvalidScope(String),
    /// 500: logged, never shown.
    Service(ServiceError),
}

impl<E: Into<ServiceError>> From<E> for TokenError {
    fn from(err: E) -> Self {
        TokenError::Service(err.into())
    }
}

impl TokenError {
    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::InvalidRequest(_) => "invalid_request",
            TokenError::InvalidClient(_) => "invalid_client",
            TokenError::InvalidGrant(_) => "invalid_grant",
            TokenError::UnauthorizedClient(_) => "unauthorized_client",
            TokenError::UnsupportedGrantType(_) => "unsupported_grant_type",
            TokenError::InvalidScope(_) => "invalid_scope",
            TokenError::Service(_) => "server_error",
        }
    }

    /// The `error_description`: for the app's developer, never a secret.
    pub fn description(&self) -> &str {
        match self {
            TokenError::InvalidRequest(d)
            | TokenError::InvalidClient(d)
            | TokenError::InvalidGrant(d)
            | TokenError::UnauthorizedClient(d)
            | TokenError::UnsupportedGrantType(d)
            | TokenError::InvalidScope(d) => d,
            TokenError::Service(_) => "the server failed; try again",
        }
    }
}

fn invalid_grant(why: &str) -> TokenError {
    TokenError::InvalidGrant(why.to_owned())
}

/// Tokens just issued: the only time their secrets exist outside the
/// client's hands.
#[derive(Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
    pub scopes: ScopeSet,
}

impl std::fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Client authentication (RFC 6749 §2.3.1): a confidential client by its
/// current secret, or its previous one during a roll's grace; a public
/// client by its id alone, and never with a secret.
pub async fn authenticate_client(
    db: &impl ConnectionTrait,
    pepper: &Pepper,
    client_id_text: &str,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<oauth_app::Model, TokenError> {
    let refused = || TokenError::InvalidClient("client authentication failed".into());
    let Some(app) = app_by_client_id(db, client_id_text).await? else {
        // The same work as a real check, so timing does not tell which
        // client ids exist.
        let _ = pepper.dummy_hash();
        return Err(refused());
    };
    match (app.client_type, secret) {
        (ClientType::Public, None) => Ok(app),
        (ClientType::Public, Some(_)) => Err(TokenError::InvalidClient(
            "this is a public client: it has no secret to send".into(),
        )),
        (ClientType::Confidential, None) => Err(refused()),
        (ClientType::Confidential, Some(secret)) => {
            let client = ClientId::parse(client_id_text).ok_or_else(refused)?;
            let secret = Credential::parse_as(CredentialKind::ClientSecret, secret).map_err(|_| refused())?;
            if !client.owns(&secret) {
                return Err(refused());
            }
            let hash = secret.hash(pepper);
            let current = app.secret_hash.as_deref().and_then(SecretHash::from_bytes);
            let previous = match (&app.previous_secret_hash, app.previous_secret_expires_at) {
                (Some(bytes), Some(until)) if now < until => SecretHash::from_bytes(bytes),
                _ => None,
            };
            if current.is_some_and(|h| h.matches(&hash)) || previous.is_some_and(|h| h.matches(&hash)) {
                Ok(app)
            } else {
                Err(refused())
            }
        }
    }
}

/// What a token request sends to redeem a code (RFC 6749 §4.1.3, RFC 7636 §4.5).
#[derive(Debug, Clone, Copy)]
pub struct Redemption<'a> {
    pub code: &'a str,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
}

/// The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6). A code
/// redeemed a second time is refused and every token its first redemption
/// issued is revoked (§4.1.2: "SHOULD revoke").
pub async fn redeem_code(
    db: &DatabaseConnection,
    cache: &KeyCache,
    pepper: &Pepper,
    app: &oauth_app::Model,
    redemption: Redemption<'_>,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, TokenError> {
    let Redemption {
        code,
        redirect_uri,
        code_verifier: verifier,
    } = redemption;
    let now = now.trunc_subsecs(6);
    let bad_code = || invalid_grant("the authorization code is not valid");
    let code = Credential::parse_as(CredentialKind::AuthorizationCode, code).map_err(|_| bad_code())?;
    let txn = db.begin().await?;
    // The write first: the code's row is locked (PostgreSQL) or the
    // database is (SQLite) until this transaction ends, so two redemptions
    // of one code are decided one after the other.
    let claimed = oauth_code::Entity::update_many()
        .col_expr(oauth_code::Column::RedeemedAt, Expr::value(now))
        .filter(oauth_code::Column::Id.eq(code.id().as_str()))
        .filter(oauth_code::Column::RedeemedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    let Some(row) = oauth_code::Entity::find_by_id(code.id().as_str().to_owned())
        .one(&txn)
        .await?
    else {
        return Err(bad_code());
    };
    let hash_ok = SecretHash::from_bytes(&row.secret_hash).is_some_and(|h| h.matches(&code.hash(pepper)));
    let grant = oauth_grant::Entity::find_by_id(row.grant_id.clone())
        .one(&txn)
        .await?;
    let Some(grant) = grant.filter(|g| hash_ok && g.app_id == app.id) else {
        // Not this client's code (or not a code at all): nothing changes.
        txn.rollback().await?;
        return Err(bad_code());
    };
    if !claimed {
        let mut changed = Changed::default();
        if let Some(family) = &row.family_id {
            revoke_family(&txn, &mut changed, family, "code_replay", now).await?;
            audit_replay(&txn, app, &grant, AuditAction::CodeReplayed, now).await?;
        }
        txn.commit().await?;
        changed.forget_in(cache);
        return Err(invalid_grant(
            "the authorization code was already used: every token it issued is now revoked",
        ));
    }
    if now >= row.expires_at {
        return Err(invalid_grant(
            "the authorization code has expired (codes live 60 seconds)",
        ));
    }
    if !row.redirect_uri.is_empty() && redirect_uri != Some(row.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri must be the one the authorization request sent (RFC 6749 §4.1.3)",
        ));
    }
    match (&row.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            let challenge = CodeChallenge::parse(challenge)
                .map_err(|_| ServiceError::Corrupt(format!("oauth_codes {} challenge", row.id)))?;
            if !challenge.is_met_by(verifier) {
                return Err(invalid_grant(
                    "code_verifier does not match the code_challenge (PKCE)",
                ));
            }
        }
        (Some(_), None) => {
            return Err(invalid_grant(
                "code_verifier is required: the code was issued with PKCE",
            ))
        }
        (None, Some(_)) => {
            // RFC 9700 §4.8.2: a verifier for a code issued without a
            // challenge means someone removed the challenge on the way.
            return Err(invalid_grant(
                "a code_verifier was sent for a code issued without a code_challenge",
            ));
        }
        (None, None) => {}
    }
    let scopes = stored_scopes(&row.scopes, "oauth_codes")?;
    let family = oauth_family::ActiveModel {
        id: Set(new_id()),
        grant_id: Set(grant.id.clone()),
        scopes: Set(scopes.to_text()),
        created_at: Set(now),
        // A year from the consent it rests on (the consent page may have
        // been skipped under an older one), never longer.
        expires_at: Set((now + FAMILY_LIFETIME).min(super::grants::consent_ends(&grant))),
        revoked_at: Set(None),
        revoked_reason: Set(None),
    }
    .insert(&txn)
    .await?;
    oauth_code::Entity::update_many()
        .col_expr(oauth_code::Column::FamilyId, Expr::value(family.id.clone()))
        .filter(oauth_code::Column::Id.eq(row.id.clone()))
        .exec(&txn)
        .await?;
    let issued = issue_pair(&txn, pepper, &family, None, scopes, now).await?;
    txn.commit().await?;
    Ok(issued)
}

/// The `refresh_token` grant (RFC 6749 §6) with rotation: the token is
/// exchanged for a new pair and dies with its access token. `scope` may
/// narrow what the family was granted, never widen it.
pub async fn refresh(
    db: &DatabaseConnection,
    cache: &KeyCache,
    pepper: &Pepper,
    app: &oauth_app::Model,
    refresh_token: &str,
    scope: Option<&str>,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, TokenError> {
    let now = now.trunc_subsecs(6);
    let bad_token = || invalid_grant("the refresh token is not valid");
    let token = Credential::parse_as(CredentialKind::RefreshToken, refresh_token).map_err(|_| bad_token())?;
    let Some(row) = oauth_token::Entity::find_by_id(token.id().as_str().to_owned())
        .one(db)
        .await?
    else {
        return Err(bad_token());
    };
    let hash_ok = SecretHash::from_bytes(&row.secret_hash).is_some_and(|h| h.matches(&token.hash(pepper)));
    if !hash_ok || row.kind != TokenKind::Refresh {
        return Err(bad_token());
    }
    let txn = db.begin().await?;
    // The write first: the family's row is locked (PostgreSQL) or the
    // database is (SQLite) until commit.
    oauth_family::Entity::update_many()
        .col_expr(
            oauth_family::Column::ExpiresAt,
            Expr::col(oauth_family::Column::ExpiresAt).into(),
        )
        .filter(oauth_family::Column::Id.eq(row.family_id.clone()))
        .exec(&txn)
        .await?;
    let family = oauth_family::Entity::find_by_id(row.family_id.clone())
        .one(&txn)
        .await?;
    let grant = match &family {
        Some(family) => {
            oauth_grant::Entity::find_by_id(family.grant_id.clone())
                .one(&txn)
                .await?
        }
        None => None,
    };
    let (Some(family), Some(grant)) = (family, grant) else {
        return Err(bad_token());
    };
    if grant.app_id != app.id {
        return Err(invalid_grant("the refresh token was issued to another client"));
    }
    if family.revoked_at.is_some() {
        return Err(invalid_grant("the refresh token was revoked"));
    }
    if now >= family.expires_at {
        return Err(invalid_grant(
            "the authorization is more than a year old: ask the person to authorize the app again",
        ));
    }
    // Re-read under the lock: another request may have used it meanwhile.
    let row = oauth_token::Entity::find_by_id(row.id.clone())
        .one(&txn)
        .await?
        .ok_or_else(bad_token)?;
    let granted = stored_scopes(&family.scopes, "oauth_families")?;
    let scopes = match scope.map(|s| s.split(' ').filter(|s| !s.is_empty()).collect::<Vec<_>>()) {
        None => granted,
        Some(names) => {
            let asked = ScopeSet::from_names(&names).map_err(|e| TokenError::InvalidScope(e.to_string()))?;
            if !granted.covers(asked) {
                return Err(TokenError::InvalidScope(
                    "scope may narrow what was granted, never widen it (RFC 6749 §6)".into(),
                ));
            }
            asked
        }
    };
    if row.revoked_at.is_some() {
        // A refresh token replaced after a retry came back: someone holds
        // a copy of it.
        return replayed(txn, cache, app, &grant, &family, now).await;
    }
    if now >= row.expires_at {
        return Err(invalid_grant("the refresh token has expired"));
    }
    let mut changed = Changed::default();
    match row.used_at {
        None => {
            oauth_token::Entity::update_many()
                .col_expr(oauth_token::Column::UsedAt, Expr::value(now))
                .filter(oauth_token::Column::Id.eq(row.id.clone()))
                .exec(&txn)
                .await?;
            revoke_pair_of(&txn, &mut changed, &row.id, now).await?;
        }
        Some(used_at) => {
            let successor = oauth_token::Entity::find()
                .filter(oauth_token::Column::ParentId.eq(row.id.clone()))
                .filter(oauth_token::Column::Kind.eq(TokenKind::Refresh))
                .filter(oauth_token::Column::RevokedAt.is_null())
                .order_by_desc(oauth_token::Column::CreatedAt)
                .one(&txn)
                .await?;
            let untouched = match &successor {
                Some(next) if next.used_at.is_none() => oauth_token::Entity::find()
                    .filter(oauth_token::Column::ParentId.eq(next.id.clone()))
                    .filter(oauth_token::Column::Kind.eq(TokenKind::Access))
                    .filter(oauth_token::Column::UsedAt.is_not_null())
                    .one(&txn)
                    .await?
                    .is_none(),
                _ => false,
            };
            if !(untouched && now - used_at <= RETRY_GRACE) {
                return replayed(txn, cache, app, &grant, &family, now).await;
            }
            // A retry after a lost response: the pair it never received
            // is replaced.
            let next = successor.expect("untouched implies a successor");
            oauth_token::Entity::update_many()
                .col_expr(oauth_token::Column::RevokedAt, Expr::value(now))
                .filter(oauth_token::Column::Id.eq(next.id.clone()))
                .exec(&txn)
                .await?;
            revoke_pair_of(&txn, &mut changed, &next.id, now).await?;
        }
    }
    let issued = issue_pair(&txn, pepper, &family, Some(&row.id), scopes, now).await?;
    txn.commit().await?;
    changed.forget_in(cache);
    Ok(issued)
}

/// Stores an access token's first use (`used_at`, kept if set already).
/// Written before that request is answered, not with the usage counts a
/// second later: a refresh token sent again after the new pair was used is
/// a replay, not a retry, and every instance must know it at once.
pub async fn store_first_use(
    db: &DatabaseConnection,
    token_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    oauth_token::Entity::update_many()
        .col_expr(oauth_token::Column::UsedAt, Expr::value(now))
        .filter(oauth_token::Column::Id.eq(token_id))
        .filter(oauth_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A replay: the family is revoked, the event audited, the person told;
/// the request is refused.
async fn replayed(
    txn: DatabaseTransaction,
    cache: &KeyCache,
    app: &oauth_app::Model,
    grant: &oauth_grant::Model,
    family: &oauth_family::Model,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, TokenError> {
    let mut changed = Changed::default();
    revoke_family(&txn, &mut changed, &family.id, "refresh_replay", now).await?;
    audit_replay(&txn, app, grant, AuditAction::RefreshReplayed, now).await?;
    notifications::send(
        &txn,
        Notice {
            agency_id: grant.agency_id,
            user_id: grant.user_id,
            key_id: None,
            kind: "oauth_replay",
            title: format!("{} was signed out: a token was used twice", app.name),
            body: format!(
                "A refresh token of {} was used after it had been replaced, which happens when a copy \
                 of it is in someone else's hands. Every token of that connection was revoked, so the \
                 app must send you through keyward's authorization again. To withdraw your approval \
                 altogether, revoke the app under Authorized apps. If this keeps happening, tell the \
                 app's maker.",
                app.name
            ),
            link: Some("/admin/profile/authorized-apps".into()),
            dedupe: format!("oauth_replay:{}", family.id),
            at: now,
        },
    )
    .await?;
    txn.commit().await?;
    changed.forget_in(cache);
    Err(invalid_grant(
        "the refresh token was already used: every token of this authorization is now revoked",
    ))
}

async fn audit_replay(
    db: &impl ConnectionTrait,
    app: &oauth_app::Model,
    grant: &oauth_grant::Model,
    action: AuditAction,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let person = user::Entity::find_by_id(grant.user_id).one(db).await?;
    audit::record(
        db,
        audit::Event {
            agency_id: grant.agency_id,
            who: &Who::System,
            ip: None,
            action,
            key: None,
            details: json!({
                "app": {"id": client_id(app), "name": app.name},
                "user": person.map(|p| p.name),
                "grant_id": grant.id,
            }),
            at: now,
        },
    )
    .await?;
    Ok(())
}

/// Access tokens that change: announced to every server inside the
/// transaction that changes them (the news leaves only if it commits), and
/// forgotten by this server's cache once it has.
#[derive(Debug, Default)]
pub struct Changed(Vec<String>);

impl Changed {
    /// Announces the live access tokens matching `filter` (before they are
    /// revoked, so a cached copy is dropped everywhere).
    async fn announce_access(
        &mut self,
        db: &impl ConnectionTrait,
        filter: sea_orm::Condition,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let tokens = oauth_token::Entity::find()
            .filter(filter)
            .filter(oauth_token::Column::Kind.eq(TokenKind::Access))
            .filter(oauth_token::Column::RevokedAt.is_null())
            .filter(oauth_token::Column::ExpiresAt.gt(now))
            .all(db)
            .await?;
        for token in tokens {
            let cache_id = access_token_cache_id(&token.id);
            announce(db, &cache_id, now).await?;
            self.0.push(cache_id);
        }
        Ok(())
    }

    /// After the commit: this server forgets them at once.
    pub fn forget_in(self, cache: &KeyCache) {
        for id in self.0 {
            cache.forget(&id);
        }
    }
}

/// Tells every server that what `user_id` may do changed (a new role):
/// their live access tokens are read again on their next request, with the
/// scopes the new role allows. Call inside the transaction that changes it.
pub async fn announce_person(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<Changed, ServiceError> {
    let grants: Vec<String> = oauth_grant::Entity::find()
        .filter(oauth_grant::Column::UserId.eq(user_id))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    let mut changed = Changed::default();
    announce_grants(db, &mut changed, grants, now).await?;
    Ok(changed)
}

/// Announces every live access token issued under `grant_ids`: call
/// inside the transaction that deletes the grants (or changes what they
/// allow), before it does.
pub async fn announce_grants(
    db: &impl ConnectionTrait,
    changed: &mut Changed,
    grant_ids: Vec<String>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if grant_ids.is_empty() {
        return Ok(());
    }
    let families: Vec<String> = oauth_family::Entity::find()
        .filter(oauth_family::Column::GrantId.is_in(grant_ids))
        .filter(oauth_family::Column::RevokedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    if families.is_empty() {
        return Ok(());
    }
    changed
        .announce_access(
            db,
            sea_orm::Condition::all().add(oauth_token::Column::FamilyId.is_in(families)),
            now,
        )
        .await
}

/// Revokes a family and every token in it.
pub async fn revoke_family(
    db: &impl ConnectionTrait,
    changed: &mut Changed,
    family_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    changed
        .announce_access(
            db,
            sea_orm::Condition::all().add(oauth_token::Column::FamilyId.eq(family_id)),
            now,
        )
        .await?;
    oauth_family::Entity::update_many()
        .col_expr(oauth_family::Column::RevokedAt, Expr::value(now))
        .col_expr(oauth_family::Column::RevokedReason, Expr::value(reason))
        .filter(oauth_family::Column::Id.eq(family_id))
        .filter(oauth_family::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    oauth_token::Entity::update_many()
        .col_expr(oauth_token::Column::RevokedAt, Expr::value(now))
        .filter(oauth_token::Column::FamilyId.eq(family_id))
        .filter(oauth_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes the access token issued beside refresh token `refresh_id`.
async fn revoke_pair_of(
    db: &impl ConnectionTrait,
    changed: &mut Changed,
    refresh_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    changed
        .announce_access(
            db,
            sea_orm::Condition::all().add(oauth_token::Column::ParentId.eq(refresh_id)),
            now,
        )
        .await?;
    oauth_token::Entity::update_many()
        .col_expr(oauth_token::Column::RevokedAt, Expr::value(now))
        .filter(oauth_token::Column::ParentId.eq(refresh_id))
        .filter(oauth_token::Column::Kind.eq(TokenKind::Access))
        .filter(oauth_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Issues an access token and a refresh token in `family`; the refresh
/// token's parent is the one it replaces (`None` for a code's first pair).
async fn issue_pair(
    db: &impl ConnectionTrait,
    pepper: &Pepper,
    family: &oauth_family::Model,
    replaces: Option<&str>,
    scopes: ScopeSet,
    now: DateTime<Utc>,
) -> Result<IssuedTokens, ServiceError> {
    let rng = &mut rand::rngs::OsRng;
    let refresh = Credential::generate(CredentialKind::RefreshToken, rng);
    let access = Credential::generate(CredentialKind::AccessToken, rng);
    let refresh_expires = (now + REFRESH_LIFETIME).min(family.expires_at);
    let access_expires = (now + ACCESS_LIFETIME).min(family.expires_at);
    for (credential, kind, expires_at, parent) in [
        (
            &refresh,
            TokenKind::Refresh,
            refresh_expires,
            replaces.map(str::to_owned),
        ),
        (
            &access,
            TokenKind::Access,
            access_expires,
            Some(refresh.id().as_str().to_owned()),
        ),
    ] {
        oauth_token::ActiveModel {
            id: Set(credential.id().as_str().to_owned()),
            family_id: Set(family.id.clone()),
            kind: Set(kind),
            secret_hash: Set(credential.hash(pepper).as_bytes().to_vec()),
            scopes: Set(scopes.to_text()),
            created_at: Set(now),
            expires_at: Set(expires_at),
            used_at: Set(None),
            revoked_at: Set(None),
            parent_id: Set(parent),
        }
        .insert(db)
        .await?;
    }
    Ok(IssuedTokens {
        access_token: access.expose(),
        refresh_token: refresh.expose(),
        expires_in: (access_expires - now).num_seconds(),
        scopes,
    })
}

fn new_id() -> String {
    crate::domain::token::KeyId::generate(&mut rand::rngs::OsRng)
        .as_str()
        .to_owned()
}

fn stored_scopes(text: &str, table: &str) -> Result<ScopeSet, ServiceError> {
    ScopeSet::parse(text).map_err(|e| ServiceError::Corrupt(format!("{table} scopes {text:?}: {e}")))
}

/// A token row with its family and grant, by id; `None` when any of the
/// three is gone.
pub async fn token_chain(
    db: &impl ConnectionTrait,
    token_id: &str,
) -> Result<Option<(oauth_token::Model, oauth_family::Model, oauth_grant::Model)>, DbErr> {
    let Some(token) = oauth_token::Entity::find_by_id(token_id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(family) = oauth_family::Entity::find_by_id(token.family_id.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let grant = oauth_grant::Entity::find_by_id(family.grant_id.clone())
        .one(db)
        .await?;
    Ok(grant.map(|grant| (token, family, grant)))
}

/// A token of `app`'s, found by its text: the row, its family and grant.
async fn own_token(
    db: &impl ConnectionTrait,
    pepper: &Pepper,
    app: &oauth_app::Model,
    text: &str,
) -> Result<Option<(oauth_token::Model, oauth_family::Model, oauth_grant::Model)>, ServiceError> {
    let Ok(credential) = Credential::parse(text) else {
        return Ok(None);
    };
    let kind = match credential.kind() {
        CredentialKind::AccessToken => TokenKind::Access,
        CredentialKind::RefreshToken => TokenKind::Refresh,
        _ => return Ok(None),
    };
    let Some((row, family, grant)) = token_chain(db, credential.id().as_str()).await? else {
        return Ok(None);
    };
    let hash_ok =
        SecretHash::from_bytes(&row.secret_hash).is_some_and(|h| h.matches(&credential.hash(pepper)));
    let own = hash_ok && row.kind == kind && grant.app_id == app.id;
    Ok(own.then_some((row, family, grant)))
}

/// Token revocation (RFC 7009 §2.1): a refresh token ends its whole family
/// (every token of that authorization); an access token ends alone. A token
/// that is unknown, already dead or another client's changes nothing and is
/// not reported (§2.2: the answer is the same). Every server stops
/// accepting what was revoked within a second (the key cache's announcements).
pub async fn revoke(
    db: &DatabaseConnection,
    cache: &KeyCache,
    pepper: &Pepper,
    app: &oauth_app::Model,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let now = now.trunc_subsecs(6);
    let Some((row, family, _)) = own_token(db, pepper, app, token).await? else {
        return Ok(());
    };
    let txn = crate::server::services::keys::begin_for_agency(db, app.agency_id).await?;
    let mut changed = Changed::default();
    match row.kind {
        TokenKind::Refresh => revoke_family(&txn, &mut changed, &family.id, "revoked", now).await?,
        TokenKind::Access => {
            let this = sea_orm::Condition::all().add(oauth_token::Column::Id.eq(row.id.clone()));
            changed.announce_access(&txn, this, now).await?;
            oauth_token::Entity::update_many()
                .col_expr(oauth_token::Column::RevokedAt, Expr::value(now))
                .filter(oauth_token::Column::Id.eq(row.id.clone()))
                .filter(oauth_token::Column::RevokedAt.is_null())
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    changed.forget_in(cache);
    Ok(())
}

/// What introspection tells about a live token (RFC 7662 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Introspection {
    pub active: bool,
    pub scope: String,
    pub client_id: String,
    /// The person's email.
    pub username: String,
    /// `access_token` or `refresh_token` (RFC 7009's hint names).
    pub token_type: &'static str,
    /// Seconds since the epoch.
    pub exp: i64,
    pub iat: i64,
    /// The person's id, as text.
    pub sub: String,
    pub iss: String,
}

/// Token introspection (RFC 7662) for the app's own tokens: `None` (the
/// answer `{"active": false}`) for anything not live or not the app's.
pub async fn introspect(
    db: &DatabaseConnection,
    pepper: &Pepper,
    app: &oauth_app::Model,
    token: &str,
    issuer: &str,
    now: DateTime<Utc>,
) -> Result<Option<Introspection>, ServiceError> {
    let Some((row, family, grant)) = own_token(db, pepper, app, token).await? else {
        return Ok(None);
    };
    let dead = row.revoked_at.is_some()
        || family.revoked_at.is_some()
        || now >= row.expires_at
        || (row.kind == TokenKind::Refresh && row.used_at.is_some());
    if dead {
        return Ok(None);
    }
    let Some(person) = user::Entity::find_by_id(grant.user_id).one(db).await? else {
        return Ok(None);
    };
    // A disabled or removed person's tokens are refused, so not active.
    if person.status != crate::domain::person::Status::Active.as_str() {
        return Ok(None);
    }
    Ok(Some(Introspection {
        active: true,
        scope: row.scopes,
        client_id: client_id(app),
        username: person.email,
        token_type: match row.kind {
            TokenKind::Access => "access_token",
            TokenKind::Refresh => "refresh_token",
        },
        exp: row.expires_at.timestamp(),
        iat: row.created_at.timestamp(),
        sub: person.id.to_string(),
        iss: issuer.to_owned(),
    }))
}
