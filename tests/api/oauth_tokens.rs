//! Codes and tokens at the service level, on a real database: PKCE, code
//! reuse, expiry by time travel, rotation, the lost-response grace, replay
//! revoking the family (audit and notice), concurrent refreshes, scopes.
//! (The endpoints and a stock client drive the same services over HTTP in
//! `oauth_flow`.)
use chrono::{DateTime, TimeDelta, Utc};
use keyward::domain::oauth::pkce::CodeChallenge;
use keyward::domain::policy::Actor;
use keyward::domain::role::Role;
use keyward::entities::oauth_token::TokenKind;
use keyward::entities::{audit_event, notification, oauth_app, oauth_family, oauth_token};
use keyward::models::oauth::NewAppForm;
use keyward::server::services::audit::Who;
use keyward::server::services::keys::Caller;
use keyward::server::services::oauth::apps::{self, AppRequest};
use keyward::server::services::oauth::authorize::{self, AuthorizeError, Params};
use keyward::server::services::oauth::grants;
use keyward::server::services::oauth::tokens::{self, IssuedTokens, TokenError};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::helpers::TestApp;
use crate::keys::world;
use crate::on_both_engines;

/// RFC 7636 Appendix B.
pub(crate) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(crate) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "https://portal.example/callback";

pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) client: oauth_app::Model,
    pub(crate) secret: String,
    pub(crate) sam: Caller,
}

impl Setup {
    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.app.server().state.db
    }

    pub(crate) fn pepper(&self) -> &keyward::domain::token::Pepper {
        &self.app.server().state.pepper
    }

    pub(crate) fn keys(&self) -> &keyward::server::key_cache::KeyCache {
        &self.app.server().state.keys
    }

    /// Sam approves an authorization request with this query (client_id added).
    pub(crate) async fn code(&self, query: &str, now: DateTime<Utc>) -> String {
        let request = self.read(query).await.unwrap_or_else(|e| panic!("{e:?}"));
        grants::approve(self.db(), self.pepper(), &self.sam, &request, None, now)
            .await
            .unwrap()
    }

    async fn read(&self, query: &str) -> Result<authorize::AuthorizationRequest, AuthorizeError> {
        let query = format!("client_id=kw_app_{}&{query}", self.client.id);
        authorize::read(self.db(), &Params::parse(&query)).await
    }

    pub(crate) async fn redeem(
        &self,
        code: &str,
        verifier: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<IssuedTokens, TokenError> {
        tokens::redeem_code(
            self.db(),
            self.keys(),
            self.pepper(),
            &self.client,
            tokens::Redemption {
                code,
                redirect_uri: Some(REDIRECT),
                code_verifier: verifier,
            },
            now,
        )
        .await
    }

    async fn refresh(
        &self,
        token: &str,
        scope: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<IssuedTokens, TokenError> {
        tokens::refresh(
            self.db(),
            self.keys(),
            self.pepper(),
            &self.client,
            token,
            scope,
            now,
        )
        .await
    }

    /// Tokens not revoked (for refresh tokens: nor exchanged already).
    async fn live_tokens(&self, kind: TokenKind) -> usize {
        let mut find = oauth_token::Entity::find()
            .filter(oauth_token::Column::Kind.eq(kind))
            .filter(oauth_token::Column::RevokedAt.is_null());
        if kind == TokenKind::Refresh {
            find = find.filter(oauth_token::Column::UsedAt.is_null());
        }
        find.all(self.db()).await.unwrap().len()
    }

    pub(crate) async fn first_pair(&self, now: DateTime<Utc>) -> IssuedTokens {
        let code = self.code(&pkce_query("read:leads write:leads"), now).await;
        self.redeem(&code, Some(VERIFIER), now).await.unwrap()
    }
}

pub(crate) fn pkce_query(scope: &str) -> String {
    format!(
        "response_type=code&redirect_uri={}&scope={}&state=xyz&code_challenge={CHALLENGE}&code_challenge_method=S256",
        urlencoding(REDIRECT),
        urlencoding(scope)
    )
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub(crate) async fn setup(engine: crate::helpers::Engine) -> Setup {
    let world = world(engine).await;
    let app = world.app;
    let db = &app.server().state.db;
    let agency_id = keyward::entities::user::Entity::find_by_id(world.sam)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .agency_id;
    let form = NewAppForm {
        name: "Listing Portal".into(),
        client_type: "confidential".into(),
        environment: "live".into(),
        scopes: vec![
            "read:leads".into(),
            "write:leads".into(),
            "read:properties".into(),
        ],
        redirect_uris: REDIRECT.into(),
        require_pkce: true,
        ..NewAppForm::default()
    };
    let request = AppRequest::from_form(&form).unwrap();
    let pepper = &app.server().state.pepper;
    let registered = apps::register(db, pepper, &Caller::command_line(agency_id), request, Utc::now())
        .await
        .unwrap();
    let client = apps::app_by_client_id(db, &registered.client_id)
        .await
        .unwrap()
        .unwrap();
    let sam = Caller {
        agency_id,
        who: Who::User {
            id: world.sam,
            name: "Sam Super".into(),
        },
        actor: Some(Actor {
            user_id: world.sam,
            agency_id,
            role: Role::SuperManager,
            workspaces: vec![world.downtown],
        }),
        ip: None,
        environment: None,
        parent: None,
    };
    Setup {
        app,
        client,
        secret: registered.client_secret.unwrap(),
        sam,
    }
}

fn grant_error(result: Result<IssuedTokens, TokenError>) -> String {
    match result {
        Err(TokenError::InvalidGrant(why)) => why,
        other => panic!("expected invalid_grant, got {other:?}"),
    }
}

on_both_engines! {
    async fn a_code_redeems_once_with_its_verifier_and_a_reuse_revokes_what_it_issued(engine) {
        let s = setup(engine).await;
        let now = Utc::now();
        assert_eq!(CodeChallenge::of_verifier(VERIFIER).as_str(), CHALLENGE);
        let code = s.code(&pkce_query("read:leads"), now).await;
        assert!(code.starts_with("kw_oac_"), "{code}");

        let wrong = format!("{}A", &VERIFIER[..VERIFIER.len() - 1]);
        assert!(grant_error(s.redeem(&code, Some(&wrong), now).await).contains("does not match"));
        assert!(grant_error(s.redeem(&code, None, now).await).contains("code_verifier is required"));
        let pair = s.redeem(&code, Some(VERIFIER), now).await.unwrap();
        assert!(pair.access_token.starts_with("kw_oat_") && pair.refresh_token.starts_with("kw_ort_"));
        assert_eq!(pair.expires_in, 3600);
        assert_eq!(pair.scopes.to_text(), "read:leads");
        assert_eq!((s.live_tokens(TokenKind::Access).await, s.live_tokens(TokenKind::Refresh).await), (1, 1));

        let again = grant_error(s.redeem(&code, Some(VERIFIER), now).await);
        assert!(again.contains("already used"), "{again}");
        assert_eq!(s.live_tokens(TokenKind::Access).await, 0, "the first exchange's tokens are revoked");
        assert_eq!(s.live_tokens(TokenKind::Refresh).await, 0);
        let families = oauth_family::Entity::find().all(s.db()).await.unwrap();
        assert_eq!(families[0].revoked_reason.as_deref(), Some("code_replay"));
        let actions: Vec<_> = audit_event::Entity::find().all(s.db()).await.unwrap().into_iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"code_replayed"), "{actions:?}");
        assert!(grant_error(s.refresh(&pair.refresh_token, None, now).await).contains("revoked"));
    }

    async fn a_code_lives_60_seconds_and_binds_its_redirect_uri_and_client(engine) {
        let s = setup(engine).await;
        let now = Utc::now();
        let code = s.code(&pkce_query("read:leads"), now).await;
        let late = now + TimeDelta::seconds(60);
        assert!(grant_error(s.redeem(&code, Some(VERIFIER), late).await).contains("expired"));
        let other_uri = tokens::redeem_code(s.db(), s.keys(), s.pepper(), &s.client, tokens::Redemption { code: &code, redirect_uri: Some("https://portal.example/other"), code_verifier: Some(VERIFIER) }, now).await;
        assert!(grant_error(other_uri).contains("redirect_uri"));
        let mut other_client = s.client.clone();
        other_client.id = "AAAAAAAAAAAA".into();
        let stolen = tokens::redeem_code(s.db(), s.keys(), s.pepper(), &other_client, tokens::Redemption { code: &code, redirect_uri: Some(REDIRECT), code_verifier: Some(VERIFIER) }, now).await;
        assert!(grant_error(stolen).contains("not valid"));
        // None of the refusals used the code up.
        let just_in_time = now + TimeDelta::seconds(59);
        assert!(s.redeem(&code, Some(VERIFIER), just_in_time).await.is_ok());
    }

    async fn pkce_is_s256_only_and_required_and_a_downgrade_is_refused(engine) {
        let mut s = setup(engine).await;
        let redirect = |e: AuthorizeError| match e {
            AuthorizeError::Redirected(r) => (r.error, r.description),
            other => panic!("expected a redirect, got {other:?}"),
        };
        let base = format!("response_type=code&redirect_uri={}&scope=read:leads", urlencoding(REDIRECT));
        let (error, why) = redirect(s.read(&format!("{base}&code_challenge={VERIFIER}&code_challenge_method=plain")).await.unwrap_err());
        assert_eq!(error, "invalid_request");
        assert!(why.contains("S256"), "{why}");
        let (error, why) = redirect(s.read(&base).await.unwrap_err());
        assert_eq!((error, why.contains("code_challenge is required")), ("invalid_request", true));

        // A confidential app that opted out of PKCE: a verifier sent for a
        // code issued without a challenge is refused (RFC 9700 §4.8.2).
        s.client.require_pkce = false;
        let mut active: oauth_app::ActiveModel = s.client.clone().into();
        active.require_pkce = sea_orm::ActiveValue::Set(false);
        sea_orm::ActiveModelTrait::update(active, s.db()).await.unwrap();
        let now = Utc::now();
        let code = s.code(&base, now).await;
        assert!(grant_error(s.redeem(&code, Some(VERIFIER), now).await).contains("without a code_challenge"));
        assert!(s.redeem(&code, None, now).await.is_ok(), "without a verifier it redeems");
    }

    async fn an_unknown_client_or_unregistered_redirect_is_shown_never_redirected(engine) {
        let s = setup(engine).await;
        for query in [
            format!("client_id=kw_app_AAAAAAAAAAAA&response_type=code&redirect_uri={}", urlencoding(REDIRECT)),
            "response_type=code".to_owned(),
        ] {
            let refused = authorize::read(s.db(), &Params::parse(&query)).await.unwrap_err();
            assert!(matches!(refused, AuthorizeError::Shown(_)), "{query}: {refused:?}");
        }
        for uri in [
            "https://portal.example/callback/",
            "https://PORTAL.example/callback",
            "https://portal.example/callback?x=1",
            "https://good.example@portal.example/callback",
            "https://portal.example@evil.example/callback",
            "https://portal.example.evil.example/callback",
            "https://portal.example/callback#frag",
        ] {
            let refused = s.read(&format!("response_type=code&redirect_uri={}", urlencoding(uri))).await.unwrap_err();
            assert!(matches!(refused, AuthorizeError::Shown(_)), "{uri}: {refused:?}");
        }
        let twice = s.read(&format!("{}&client_id=kw_app_{}", pkce_query("read:leads"), s.client.id)).await.unwrap_err();
        assert!(matches!(twice, AuthorizeError::Shown(ref why) if why.contains("more than once")), "{twice:?}");
        let wider = s.read(&pkce_query("read:agents")).await.unwrap_err();
        assert!(matches!(wider, AuthorizeError::Redirected(ref r) if r.error == "invalid_scope"), "{wider:?}");
    }

    async fn a_refresh_rotates_and_a_retry_within_30_seconds_replaces_the_unused_pair(engine) {
        let s = setup(engine).await;
        let now = Utc::now();
        let first = s.first_pair(now).await;
        let second = s.refresh(&first.refresh_token, None, now).await.unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        assert_eq!((s.live_tokens(TokenKind::Access).await, s.live_tokens(TokenKind::Refresh).await), (1, 1),
            "the old access token died with its refresh token");

        // The response was lost: the client retries with the old token.
        let retry = s.refresh(&first.refresh_token, None, now + TimeDelta::seconds(30)).await.unwrap();
        assert_eq!((s.live_tokens(TokenKind::Access).await, s.live_tokens(TokenKind::Refresh).await), (1, 1));
        assert!(grant_error(s.refresh(&second.refresh_token, None, now).await).contains("already used"),
            "the replaced pair is dead, and using it revokes the family");
        assert!(grant_error(s.refresh(&retry.refresh_token, None, now).await).contains("revoked"));
    }

    async fn a_replay_after_the_grace_revokes_the_family_with_an_audit_row_and_a_notice(engine) {
        let s = setup(engine).await;
        let now = Utc::now();
        let first = s.first_pair(now).await;
        let second = s.refresh(&first.refresh_token, None, now).await.unwrap();
        let why = grant_error(s.refresh(&first.refresh_token, None, now + TimeDelta::seconds(31)).await);
        assert!(why.contains("already used"), "{why}");
        assert_eq!(s.live_tokens(TokenKind::Access).await + s.live_tokens(TokenKind::Refresh).await, 0);
        assert!(grant_error(s.refresh(&second.refresh_token, None, now).await).contains("revoked"));
        let family = &oauth_family::Entity::find().all(s.db()).await.unwrap()[0];
        assert_eq!(family.revoked_reason.as_deref(), Some("refresh_replay"));
        let events = audit_event::Entity::find().all(s.db()).await.unwrap();
        let replay = events.iter().find(|e| e.action.as_str() == "refresh_replayed").expect("an audit row");
        assert!(replay.details.contains("Listing Portal") && replay.details.contains("Sam Super"), "{}", replay.details);
        let notices = notification::Entity::find().all(s.db()).await.unwrap();
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].user_id, s.sam.actor.as_ref().unwrap().user_id);
        assert!(notices[0].title.contains("Listing Portal"), "{}", notices[0].title);
        assert_eq!(notices[0].link.as_deref(), Some("/admin/profile/authorized-apps"), "where the approval is withdrawn");
    }

    async fn a_replay_once_the_new_pair_was_used_revokes_even_within_the_grace(engine) {
        let s = setup(engine).await;
        let now = Utc::now();
        let first = s.first_pair(now).await;
        let second = s.refresh(&first.refresh_token, None, now).await.unwrap();
        let _third = s.refresh(&second.refresh_token, None, now).await.unwrap();
        assert!(grant_error(s.refresh(&first.refresh_token, None, now + TimeDelta::seconds(1)).await).contains("already used"));
        assert_eq!(s.live_tokens(TokenKind::Refresh).await, 0);
    }

    async fn ten_concurrent_refreshes_leave_one_live_branch(engine) {
        let s = std::sync::Arc::new(setup(engine).await);
        let now = Utc::now();
        let first = s.first_pair(now).await;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let s = s.clone();
            let token = first.refresh_token.clone();
            tasks.spawn(async move { s.refresh(&token, None, now).await });
        }
        let mut answered = Vec::new();
        while let Some(result) = tasks.join_next().await {
            answered.push(result.unwrap());
        }
        assert!(answered.iter().all(Result::is_ok), "{answered:?}");
        assert_eq!((s.live_tokens(TokenKind::Access).await, s.live_tokens(TokenKind::Refresh).await), (1, 1));
        let live_row = oauth_token::Entity::find()
            .filter(oauth_token::Column::Kind.eq(TokenKind::Refresh))
            .filter(oauth_token::Column::RevokedAt.is_null())
            .filter(oauth_token::Column::UsedAt.is_null())
            .one(s.db())
            .await
            .unwrap()
            .unwrap();
        let pairs: Vec<_> = answered.into_iter().map(Result::unwrap).collect();
        let live: Vec<_> = pairs.iter().filter(|p| p.refresh_token.contains(&live_row.id)).collect();
        assert_eq!(live.len(), 1, "exactly one answer holds the live branch");
        assert!(s.refresh(&live[0].refresh_token, None, now + TimeDelta::seconds(40)).await.is_ok());
        let dead = pairs.iter().find(|p| !p.refresh_token.contains(&live_row.id)).unwrap();
        assert!(grant_error(s.refresh(&dead.refresh_token, None, now + TimeDelta::seconds(41)).await).contains("already used"),
            "a dead branch's token is a replay");
    }

    async fn refresh_may_narrow_scopes_never_widen_and_ends_with_its_lifetime(engine) {
        let s = setup(engine).await;
        let now = Utc::now();
        let first = s.first_pair(now).await;
        let narrow = s.refresh(&first.refresh_token, Some("read:leads"), now).await.unwrap();
        assert_eq!(narrow.scopes.to_text(), "read:leads");
        let back = s.refresh(&narrow.refresh_token, None, now).await.unwrap();
        assert_eq!(back.scopes.to_text(), "read:leads write:leads", "omitted: what was originally granted");
        match s.refresh(&back.refresh_token, Some("read:leads read:properties"), now).await {
            Err(TokenError::InvalidScope(why)) => assert!(why.contains("never widen"), "{why}"),
            other => panic!("{other:?}"),
        }
        // Refused scope changes did not use the token up; 30 days ± 1 s.
        let expiry = now + TimeDelta::days(30);
        assert!(grant_error(s.refresh(&back.refresh_token, None, expiry).await).contains("expired"));
        assert!(s.refresh(&back.refresh_token, None, expiry - TimeDelta::seconds(1)).await.is_ok());
    }

    async fn client_authentication_takes_the_secret_and_nothing_else(engine) {
        let s = setup(engine).await;
        let now = Utc::now();
        let id = format!("kw_app_{}", s.client.id);
        assert!(tokens::authenticate_client(s.db(), s.pepper(), &id, Some(&s.secret), now).await.is_ok());
        for (client, secret) in [
            (id.as_str(), None),
            (id.as_str(), Some("kw_ocs_wrong")),
            ("kw_app_AAAAAAAAAAAA", Some(s.secret.as_str())),
            ("nonsense", Some(s.secret.as_str())),
        ] {
            let refused = tokens::authenticate_client(s.db(), s.pepper(), client, secret, now).await;
            assert!(matches!(refused, Err(TokenError::InvalidClient(_))), "{client} {secret:?}");
        }
    }
}

on_both_engines! {
    async fn a_consent_lasts_a_year_then_the_person_is_asked_again(engine) {
        use chrono::SubsecRound;
        use keyward::domain::scopes::ScopeSet;
        use keyward::entities::oauth_grant;

        let s = setup(engine).await;
        let consent = Utc::now().trunc_subsecs(0);
        let year = TimeDelta::days(365);
        // Refreshed every 29 days, a family lives a year from the consent, not a second more.
        let mut pair = s.first_pair(consent).await;
        let mut at = consent;
        while at + TimeDelta::days(29) < consent + year {
            at += TimeDelta::days(29);
            pair = s.refresh(&pair.refresh_token, None, at).await.unwrap();
        }
        let last = consent + year - TimeDelta::seconds(1);
        pair = s.refresh(&pair.refresh_token, None, last).await.unwrap();
        let ended = grant_error(s.refresh(&pair.refresh_token, None, consent + year).await);
        assert!(ended.contains("more than a year old"), "{ended}");

        // Within the year the consent page is skipped, after it shown; a
        // family begun under an old consent ends with that consent.
        let grant = oauth_grant::Entity::find().one(s.db()).await.unwrap().unwrap();
        let scopes = ScopeSet::parse("read:leads").unwrap();
        assert!(grants::covers(&grant, scopes, last));
        assert!(!grants::covers(&grant, scopes, consent + year));
        let later = consent + TimeDelta::days(200);
        let request = s.read(&pkce_query("read:leads")).await.unwrap();
        let code = grants::issue_code(s.db(), s.pepper(), &grant, &request, later).await.unwrap();
        let skipped = s.redeem(&code, Some(VERIFIER), later).await.unwrap();
        let ended = grant_error(s.refresh(&skipped.refresh_token, None, consent + year).await);
        assert!(ended.contains("more than a year old"), "{ended}");

        // Asked again and approved: another year.
        let renewed = s.code(&pkce_query("read:leads"), consent + year).await;
        let fresh = s.redeem(&renewed, Some(VERIFIER), consent + year).await.unwrap();
        assert!(s.refresh(&fresh.refresh_token, None, consent + year + TimeDelta::days(20)).await.is_ok());
    }
}
