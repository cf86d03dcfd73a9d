//! OAuth access tokens on `/v1`: acting as the person, with the scopes the
//! grant and the person's role allow now; counted on the grant; refused on
//! every instance within a second once revoked, whether by the app, by a
//! code replay or by rotation.
use std::time::{Duration, Instant};

use chrono::{SubsecRound, TimeDelta, Utc};
use keyward::entities::oauth_token::TokenKind;
use keyward::entities::{oauth_grant, oauth_token, user};
use keyward::server::http::Server;
use keyward::server::services::oauth::tokens;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use crate::oauth_tokens::{pkce_query, setup, VERIFIER};
use crate::on_both_engines;
use crate::v1_auth::refused_within_a_second;

on_both_engines! {
    async fn an_access_token_acts_as_the_person_with_its_scopes_and_counts_on_the_grant(engine) {
        let s = setup(engine).await;
        let pair = s.first_pair(Utc::now()).await;
        let (status, me) = s.app.v1("GET", "/v1/me", &pair.access_token, None).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["credential"], "oauth_access_token");
        assert_eq!(me["api_key"], serde_json::Value::Null);
        assert_eq!(me["name"], "OAuth app Listing Portal for Sam Super");
        assert_eq!(me["acting_as"]["email"], "sam@acme.test");
        assert_eq!(me["scopes"], json!(["read:leads", "write:leads"]));
        assert_eq!(me["environment"], "live");

        let (status, _) = s.app.v1("GET", "/v1/leads", &pair.access_token, None).await;
        assert_eq!(status, 200);
        let (status, body) = s.app.v1("GET", "/v1/properties", &pair.access_token, None).await;
        assert_eq!(status, 403, "read:properties was not granted: {body}");
        let (status, _) = s.app.v1("GET", "/v1/me", &pair.refresh_token, None).await;
        assert_eq!(status, 401, "a refresh token is no way into /v1");

        // Counted on the grant; the token's first use kept (the flusher writes every second).
        let began = Instant::now();
        loop {
            let grant = oauth_grant::Entity::find().one(s.db()).await.unwrap().unwrap();
            let access = oauth_token::Entity::find()
                .filter(oauth_token::Column::Kind.eq(TokenKind::Access))
                .one(s.db())
                .await
                .unwrap()
                .unwrap();
            if grant.usage_count >= 2 && access.used_at.is_some() && grant.last_used_at.is_some() {
                break;
            }
            assert!(began.elapsed() < Duration::from_secs(5), "usage not written: {grant:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn revoked_tokens_are_refused_on_every_instance_within_a_second(engine) {
        let s = setup(engine).await;
        let other = Server::start(s.app.config()).await.unwrap();
        let now = Utc::now();

        // Revoked by the app through the other instance.
        let first = s.first_pair(now).await;
        assert_eq!(s.app.v1("GET", "/v1/me", &first.access_token, None).await.0, 200);
        let revoked = reqwest::Client::new()
            .post(format!("http://{}/oauth/revoke", other.addr))
            .basic_auth(format!("kw_app_{}", s.client.id), Some(&s.secret))
            .form(&[("token", first.refresh_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        refused_within_a_second(&s.app, &first.access_token).await;

        // A code redeemed twice, the second time on the other instance.
        let code = s.code(&pkce_query("read:leads"), now).await;
        let pair = s.redeem(&code, Some(VERIFIER), now).await.unwrap();
        assert_eq!(s.app.v1("GET", "/v1/me", &pair.access_token, None).await.0, 200);
        let replay = tokens::redeem_code(&other.state.db, &other.state.keys, &other.state.pepper, &s.client, tokens::Redemption { code: &code, redirect_uri: Some("https://portal.example/callback"), code_verifier: Some(VERIFIER) }, now).await;
        assert!(replay.is_err());
        refused_within_a_second(&s.app, &pair.access_token).await;

        // Rotation on the other instance ends the old access token here.
        let third = s.first_pair(now).await;
        assert_eq!(s.app.v1("GET", "/v1/me", &third.access_token, None).await.0, 200);
        tokens::refresh(&other.state.db, &other.state.keys, &other.state.pepper, &s.client, &third.refresh_token, None, now)
            .await
            .unwrap();
        refused_within_a_second(&s.app, &third.access_token).await;
        other.stop().await.unwrap();
    }

    async fn an_access_token_lives_one_hour_to_the_second(engine) {
        let s = setup(engine).await;
        // Whole seconds, as both engines store them.
        let issued = Utc::now().trunc_subsecs(0) - TimeDelta::seconds(3590);
        let pair = s.first_pair(issued).await;
        assert_eq!(pair.expires_in, 3600);
        let row = oauth_token::Entity::find()
            .filter(oauth_token::Column::Kind.eq(TokenKind::Access))
            .one(s.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.expires_at, issued + TimeDelta::seconds(3600));
        let record = s.keys().get_access(s.db(), &row.id).await.unwrap().unwrap();
        assert!(record.is_live(issued + TimeDelta::seconds(3599)));
        assert!(!record.is_live(issued + TimeDelta::seconds(3600)));
        assert!(!record.is_live(issued + TimeDelta::seconds(3601)));

        // Over HTTP: issued 3,590 s ago it still works; 3,601 s ago it is refused.
        let (status, body) = s.app.v1("GET", "/v1/me", &pair.access_token, None).await;
        assert_eq!(status, 200, "{body}");
        let stale = s.first_pair(Utc::now() - TimeDelta::seconds(3601)).await;
        let (status, body) = s.app.v1("GET", "/v1/me", &stale.access_token, None).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "UNAUTHORIZED", "{body}");
    }

    async fn a_refresh_sent_again_right_after_the_new_pair_s_first_request_is_a_replay(engine) {
        // The new access token's first use is stored before its answer, so
        // the retry grace cannot mistake a replay for a lost answer (it read
        // the usage written a second later).
        let s = setup(engine).await;
        let first = s.first_pair(Utc::now()).await;
        let second = tokens::refresh(s.db(), s.keys(), s.pepper(), &s.client, &first.refresh_token, None, Utc::now())
            .await
            .unwrap();
        assert_eq!(s.app.v1("GET", "/v1/me", &second.access_token, None).await.0, 200);
        let replay = reqwest::Client::new()
            .post(s.app.url("/oauth/token"))
            .basic_auth(format!("kw_app_{}", s.client.id), Some(&s.secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", first.refresh_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 400);
        let body: serde_json::Value = replay.json().await.unwrap();
        assert_eq!(body["error"], "invalid_grant", "{body}");
        let (status, _) = s.app.v1("GET", "/v1/me", &second.access_token, None).await;
        assert_eq!(status, 401, "the family is revoked");
    }

    async fn a_demoted_person_s_tokens_lose_scopes_on_the_next_request(engine) {
        let s = setup(engine).await;
        let pair = s.first_pair(Utc::now()).await;
        let (_, me) = s.app.v1("GET", "/v1/me", &pair.access_token, None).await;
        assert_eq!(me["scopes"], json!(["read:leads", "write:leads"]));
        let downtown = s.sam.actor.as_ref().unwrap().workspaces[0];
        let lead = json!({"first_name": "Ada", "email": "ada@buyer.example", "workspace_id": downtown});
        let (status, body) = s.app.v1("POST", "/v1/leads", &pair.access_token, Some(lead.clone())).await;
        assert_eq!(status, 201, "{body}");

        // Sam becomes an agent (read-only), as a role change will announce it.
        let sam_id = s.sam.actor.as_ref().unwrap().user_id;
        let txn = s.db().begin().await.unwrap();
        let mut sam: user::ActiveModel = user::Entity::find_by_id(sam_id).one(&txn).await.unwrap().unwrap().into();
        sam.role = sea_orm::ActiveValue::Set("agent".into());
        sam.update(&txn).await.unwrap();
        let changed = tokens::announce_person(&txn, sam_id, Utc::now()).await.unwrap();
        txn.commit().await.unwrap();
        changed.forget_in(s.keys());

        let (_, me) = s.app.v1("GET", "/v1/me", &pair.access_token, None).await;
        assert_eq!(me["scopes"], json!(["read:leads"]));
        let (status, body) = s.app.v1("POST", "/v1/leads", &pair.access_token, Some(lead)).await;
        assert_eq!(status, 403, "{body}");
    }
}
