//! Session tokens (issue 14): minted from a key, never stronger than it,
//! counted on it, revoked one by one, by themselves, and with their key on
//! every instance within a second; rolled away with the key's old secret;
//! CORS for their exact origins only.
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use keyward::entities::{api_key, audit_event, session_token, session_token_origin};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::{json, Value};

use crate::helpers::{plain_client, TestApp};
use crate::keys::{create, form, world, World};
use crate::on_both_engines;

const PAGE: &str = "https://www.agency.example";

/// A key of Acme's made in the dashboard by Sam, acting as Sam: (id, token).
async fn new_key(w: &World, name: &str, scopes: &[&str]) -> (String, String) {
    let sam = w.app.signed_in("sam@acme.test").await;
    let (status, key) = create(&w.app, &sam, form(name, "", w.sam, scopes)).await;
    assert_eq!(status, 200, "{key}");
    (
        key["id"].as_str().unwrap().to_owned(),
        key["token"].as_str().unwrap().to_owned(),
    )
}

/// `POST /v1/session_tokens` with `key`: the status and the answer.
async fn mint(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    app.v1("POST", "/v1/session_tokens", key, Some(body)).await
}

/// A session token of `key` for [`PAGE`], labelled `label`: (id, token).
async fn minted(app: &TestApp, key: &str, label: &str) -> (String, String) {
    let (status, body) = mint(app, key, json!({ "allowed_origins": [PAGE], "label": label })).await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().unwrap().to_owned(),
        body["token"].as_str().unwrap().to_owned(),
    )
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.v1("GET", "/v1/me", token, None).await.0
}

/// `/v1/me` with `token` answers 401 within a second (polling every 20 ms).
async fn refused_within_a_second(app: &TestApp, token: &str) {
    let began = Instant::now();
    while me(app, token).await != 401 {
        assert!(
            began.elapsed() < Duration::from_secs(1),
            "still accepted a second after the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn db(app: &TestApp) -> &sea_orm::DatabaseConnection {
    &app.server().state.db
}

/// The key page's Session tokens section (its Activity names revoked ones too).
fn token_section(html: &str) -> &str {
    let start = html
        .find("id=\"session-tokens-heading\"")
        .expect("a Session tokens section");
    let end = html[start..].find("</section>").expect("the section ends") + start;
    &html[start..end]
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

on_both_engines! {
    async fn minting_gives_at_most_the_keys_scopes_for_at_most_a_day(engine) {
        let w = world(engine).await;
        let (_, key) = new_key(&w, "Portal feed", &["read:leads", "write:leads", "read:properties"]).await;

        // Defaults: the key's scopes, a day exactly.
        let (status, body) = mint(&w.app, &key, json!({ "allowed_origins": [PAGE] })).await;
        assert_eq!(status, 201, "{body}");
        let token = body["token"].as_str().unwrap();
        assert!(token.starts_with("kw_sess_live_") && token.len() == 64, "{token}");
        assert_eq!(body["scopes"], json!(["read:properties", "read:leads", "write:leads"]));
        assert_eq!(body["allowed_origins"], json!([PAGE]));
        assert_eq!(body["label"], Value::Null);
        assert_eq!(time(&body["expires_at"]) - time(&body["created_at"]), TimeDelta::seconds(86_400));

        // What the token says of itself.
        let (status, me) = w.app.v1("GET", "/v1/me", token, None).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["credential"], "session_token");
        assert_eq!(me["acting_as"]["email"], "sam@acme.test");
        assert_eq!(me["scopes"], json!(["read:properties", "read:leads", "write:leads"]));

        // Narrower scopes and a shorter life, labelled.
        let (status, body) = mint(&w.app, &key, json!({
            "allowed_origins": [PAGE, "http://localhost:3000"], "scopes": ["read:leads"], "ttl": 600, "label": "Listing widget",
        })).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["scopes"], json!(["read:leads"]));
        assert_eq!(body["allowed_origins"], json!(["http://localhost:3000", PAGE]));
        assert_eq!(time(&body["expires_at"]) - time(&body["created_at"]), TimeDelta::seconds(600));
        let (_, me) = w.app.v1("GET", "/v1/me", body["token"].as_str().unwrap(), None).await;
        assert_eq!(me["name"], "session token Listing widget of key Portal feed");

        // Beyond the key: 403 naming the scope; never admin or webhooks: 422.
        let (status, body) = mint(&w.app, &key, json!({ "allowed_origins": [PAGE], "scopes": ["read:agents"] })).await;
        assert_eq!(status, 403, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("read:agents"), "{body}");
        let (status, body) = mint(&w.app, &key, json!({ "allowed_origins": [PAGE], "scopes": ["write:agents"] })).await;
        assert_eq!(status, 422, "unlocks nothing yet, as on keys: {body}");
        let (status, body) = mint(&w.app, &key, json!({ "allowed_origins": [PAGE], "scopes": [[]] })).await;
        assert_eq!((status, &body["error"]["details"][0]["field"]), (422, &json!("scopes[0]")), "{body}");
        let (_, admin_key) = new_key(&w, "Admin backend", &["admin"]).await;
        for never in ["admin", "webhooks"] {
            let (status, body) = mint(&w.app, &admin_key, json!({ "allowed_origins": [PAGE], "scopes": [never, "read:leads"] })).await;
            assert_eq!(status, 422, "{body}");
            assert_eq!(body["error"]["details"][0]["field"], "scopes", "{body}");
            assert!(body["error"]["details"][0]["message"].as_str().unwrap().contains(never), "{body}");
        }
        // An admin key's tokens get everything but admin.
        let (status, body) = mint(&w.app, &admin_key, json!({ "allowed_origins": [PAGE] })).await;
        assert_eq!(status, 201, "{body}");
        assert!(!body["scopes"].as_array().unwrap().iter().any(|s| s == "admin" || s == "webhooks"), "{body}");

        // Each field refused by name.
        for (body, field) in [
            (json!({ "allowed_origins": [PAGE], "ttl": 86_401 }), "ttl"),
            (json!({ "allowed_origins": [PAGE], "ttl": 0 }), "ttl"),
            (json!({ "allowed_origins": [] }), "allowed_origins"),
            (json!({}), "allowed_origins"),
            (json!({ "allowed_origins": ["https://*.agency.example"] }), "allowed_origins"),
            (json!({ "allowed_origins": ["http://www.agency.example"] }), "allowed_origins"),
            (json!({ "allowed_origins": ["https://www.agency.example/"] }), "allowed_origins"),
            (json!({ "allowed_origins": [PAGE], "label": "x".repeat(65) }), "label"),
        ] {
            let (status, answer) = mint(&w.app, &key, body.clone()).await;
            assert_eq!(status, 422, "{body}: {answer}");
            assert_eq!(answer["error"]["details"][0]["field"], field, "{body}: {answer}");
        }
        let (status, answer) = mint(&w.app, &key, json!({ "allowed_origins": [PAGE], "ttl": 86_401 })).await;
        assert!(answer["error"]["details"][0]["message"].as_str().unwrap().contains("86400"), "{status} {answer}");

        // A session token mints nothing; nothing was stored of the refusals.
        let (_, token) = minted(&w.app, &key, "Widget").await;
        let (status, body) = mint(&w.app, &token, json!({ "allowed_origins": [PAGE] })).await;
        assert_eq!(status, 403, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("cannot mint session tokens"), "{body}");
        assert_eq!(session_token::Entity::find().count(db(&w.app)).await.unwrap(), 4);
    }

    async fn a_session_token_reaches_what_its_key_does_and_counts_on_it(engine) {
        let w = world(engine).await;
        let (key_id, key) = new_key(&w, "Portal feed", &["read:leads", "admin"]).await;
        let (token_id, token) = minted(&w.app, &key, "Widget").await;

        assert_eq!(w.app.v1("GET", "/v1/leads", &token, None).await.0, 200);
        // Never key management, whatever the key has; said so.
        for (method, path) in [("GET", "/v1/keys"), ("POST", "/v1/keys"), ("DELETE", &*format!("/v1/keys/{key_id}"))] {
            let (status, body) = w.app.v1(method, path, &token, Some(json!({}))).await;
            assert_eq!(status, 403, "{method} {path}: {body}");
            assert!(body["error"]["message"].as_str().unwrap().contains("session token"), "{body}");
        }
        // Bearer only: not in the query string, not as the header pair.
        let in_query = plain_client().get(w.app.url(&format!("/v1/me?access_token={token}"))).send().await.unwrap();
        assert_eq!(in_query.status(), 401);
        let (public, secret) = token.rsplit_once('_').unwrap();
        let pair = plain_client().get(w.app.url("/v1/me")).header("x-api-key", public).header("x-api-secret", secret).send().await.unwrap();
        assert_eq!(pair.status(), 401);
        // Another agency's key cannot revoke it: 404.
        let oz = w.app.signed_in("oz@other.test").await;
        let (_, settings) = w.app.call_form(&oz, "get_key_settings", &[]).await;
        let oz_id = settings["viewer_id"].as_i64().unwrap();
        let (status, other) = create(&w.app, &oz, form("Other feed", "", oz_id, &["read:leads"])).await;
        assert_eq!(status, 200, "{other}");
        let (status, _) = w.app.v1("DELETE", &format!("/v1/session_tokens/{token_id}"), other["token"].as_str().unwrap(), None).await;
        assert_eq!(status, 404);

        // Three uses (leads, and two /v1/me) on the token and on its key.
        assert_eq!(me(&w.app, &token).await, 200);
        assert_eq!(me(&w.app, &token).await, 200);
        let began = Instant::now();
        loop {
            let stored = session_token::Entity::find_by_id(token_id.clone()).one(db(&w.app)).await.unwrap().unwrap();
            let key = api_key::Entity::find_by_id(key_id.clone()).one(db(&w.app)).await.unwrap().unwrap();
            if stored.usage_count == 3 && key.usage_count >= 3 {
                assert!(stored.last_used_at.is_some() && key.last_used_at.is_some());
                break;
            }
            assert!(began.elapsed() < Duration::from_secs(5), "usage not written: {stored:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn tokens_are_revoked_one_by_one_by_their_key_or_themselves(engine) {
        let w = world(engine).await;
        let (key_id, key) = new_key(&w, "Portal feed", &["read:leads"]).await;
        let (first_id, first) = minted(&w.app, &key, "First").await;
        let (second_id, second) = minted(&w.app, &key, "Second").await;
        let (_, third) = minted(&w.app, &key, "Third").await;

        // A token revokes only itself.
        let (status, body) = w.app.v1("DELETE", &format!("/v1/session_tokens/{second_id}"), &first, None).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = w.app.v1("DELETE", "/v1/session_tokens/current", &first, None).await;
        assert_eq!(status, 204);
        assert_eq!(me(&w.app, &first).await, 401);
        assert_eq!(me(&w.app, &second).await, 200, "siblings keep working");

        // The key revokes one; `current` is for tokens.
        let (status, body) = w.app.v1("DELETE", "/v1/session_tokens/current", &key, None).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = w.app.v1("DELETE", &format!("/v1/session_tokens/{second_id}"), &key, None).await;
        assert_eq!(status, 204);
        assert_eq!(me(&w.app, &second).await, 401);
        assert_eq!(me(&w.app, &third).await, 200);
        assert_eq!(me(&w.app, &key).await, 200, "the key is untouched");
        let (status, _) = w.app.v1("DELETE", &format!("/v1/session_tokens/{second_id}"), &key, None).await;
        assert_eq!(status, 409, "already revoked");
        let (status, _) = w.app.v1("DELETE", "/v1/session_tokens/AAAAAAAAAAAA", &key, None).await;
        assert_eq!(status, 404);

        // Audited with who did it.
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::KeyId.eq(key_id.as_str()))
            .filter(audit_event::Column::Action.eq("session_token_revoked"))
            .all(db(&w.app))
            .await
            .unwrap();
        let mut actors: Vec<(&str, &str)> = events.iter().map(|e| (e.actor_label.as_str(), e.details.as_str())).collect();
        actors.sort();
        assert_eq!(actors.len(), 2);
        assert_eq!(actors[0].0, "API key Portal feed");
        assert!(actors[0].1.contains(&second_id));
        assert_eq!(actors[1].0, "session token First of key Portal feed");
        assert!(actors[1].1.contains(&first_id));
    }

    async fn a_keys_revocation_reaches_its_tokens_on_every_instance_within_a_second(engine) {
        let w = world(engine).await;
        let other = keyward::server::http::Server::start(w.app.config()).await.unwrap();
        let sam = crate::helpers::client();
        let login = sam
            .post(format!("http://{}/login", other.addr))
            .form(&[("email", "sam@acme.test"), ("password", crate::helpers::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303);
        for round in 0..3 {
            let (key_id, key) = new_key(&w, &format!("Feed {round}"), &["read:leads"]).await;
            let (_, token) = minted(&w.app, &key, "Widget").await;
            assert_eq!(me(&w.app, &token).await, 200);
            let revoked = sam.post(format!("http://{}/api/revoke_key", other.addr)).form(&[("id", key_id.as_str())]).send().await.unwrap();
            assert_eq!(revoked.status(), 200);
            refused_within_a_second(&w.app, &token).await;
        }

        // The key expires behind the server's back (another process).
        let (key_id, key) = new_key(&w, "Expiring", &["read:leads"]).await;
        let (_, token) = minted(&w.app, &key, "Widget").await;
        assert_eq!(me(&w.app, &token).await, 200);
        let txn = other.state.db.begin().await.unwrap();
        api_key::Entity::update_many()
            .col_expr(api_key::Column::ExpiresAt, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(api_key::Column::Id.eq(key_id.as_str()))
            .exec(&txn)
            .await
            .unwrap();
        keyward::server::key_cache::announce(&txn, &key_id, Utc::now()).await.unwrap();
        txn.commit().await.unwrap();
        refused_within_a_second(&w.app, &token).await;

        // Removed on the other instance: the tokens' rows go with it.
        let (key_id, key) = new_key(&w, "Removed", &["read:leads"]).await;
        let (token_id, token) = minted(&w.app, &key, "Widget").await;
        assert_eq!(me(&w.app, &token).await, 200);
        let removed = sam.post(format!("http://{}/api/remove_key", other.addr)).form(&[("id", key_id.as_str())]).send().await.unwrap();
        assert_eq!(removed.status(), 200);
        refused_within_a_second(&w.app, &token).await;
        assert!(session_token::Entity::find_by_id(token_id.clone()).one(db(&w.app)).await.unwrap().is_none());
        let origins = session_token_origin::Entity::find()
            .filter(session_token_origin::Column::TokenId.eq(token_id.as_str()))
            .count(db(&w.app))
            .await
            .unwrap();
        assert_eq!(origins, 0);

        // A token revoked on the other instance (by its key, there).
        let (_, key) = new_key(&w, "Another", &["read:leads"]).await;
        let (token_id, token) = minted(&w.app, &key, "Widget").await;
        assert_eq!(me(&w.app, &token).await, 200);
        let revoked = plain_client()
            .delete(format!("http://{}/v1/session_tokens/{token_id}", other.addr))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 204);
        refused_within_a_second(&w.app, &token).await;
        other.stop().await.unwrap();
    }

    async fn concurrent_revocations_each_answer_and_none_fails(engine) {
        let w = world(engine).await;
        let (_, key) = new_key(&w, "Portal feed", &["read:leads"]).await;
        let mut ids = Vec::new();
        let mut tokens = Vec::new();
        for n in 0..16 {
            let (id, token) = minted(&w.app, &key, &format!("Widget {n}")).await;
            ids.push(id);
            tokens.push(token);
        }
        // Half revoked by the key, half by themselves, all at once.
        let mut revocations = tokio::task::JoinSet::new();
        for (n, (id, token)) in ids.iter().zip(&tokens).enumerate() {
            let (url, id, token, key) = (w.app.url(""), id.clone(), token.clone(), key.clone());
            revocations.spawn(async move {
                let request = if n % 2 == 0 {
                    plain_client().delete(format!("{url}/v1/session_tokens/{id}")).bearer_auth(key)
                } else {
                    plain_client().delete(format!("{url}/v1/session_tokens/current")).bearer_auth(token)
                };
                request.send().await.unwrap().status().as_u16()
            });
        }
        let statuses: Vec<u16> = revocations.join_all().await;
        assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
        for token in &tokens {
            assert_eq!(me(&w.app, token).await, 401);
        }
    }

    async fn an_auto_deleted_key_takes_its_tokens_with_it(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        let mut body = form("Idle feed", "", w.sam, &["read:leads"]);
        body["form"]["validity"] = json!("never");
        let (status, created) = create(&w.app, &sam, body).await;
        assert_eq!(status, 200, "{created}");
        let key_id = created["id"].as_str().unwrap().to_owned();
        let (token_id, token) = minted(&w.app, created["token"].as_str().unwrap(), "Widget").await;
        assert_eq!(me(&w.app, &token).await, 200);

        // 90 idle days later (time travel) the sweep deletes the key.
        let report = keyward::server::jobs::run(db(&w.app), Utc::now() + TimeDelta::days(91)).await.unwrap();
        assert_eq!(report.deleted, vec![key_id]);
        refused_within_a_second(&w.app, &token).await;
        assert!(session_token::Entity::find_by_id(token_id).one(db(&w.app)).await.unwrap().is_none());
    }

    async fn rolling_the_key_ends_its_tokens_when_the_old_secret_stops(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;

        // "Stop it now": the tokens stop now.
        let (key_id, key) = new_key(&w, "Stopped", &["read:leads"]).await;
        let (_, token) = minted(&w.app, &key, "Widget").await;
        let (status, body) = w.app.call_form(&sam, "roll_key", &[("id", key_id.as_str()), ("grace", "now")]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(me(&w.app, &token).await, 401);

        // With a grace: they work until it ends, and say so; tokens minted
        // with the new secret live their own day; with the old one, the grace.
        let (key_id, key) = new_key(&w, "Graced", &["read:leads"]).await;
        let (_, before) = minted(&w.app, &key, "Before").await;
        let (status, rolled) = w.app.call_form(&sam, "roll_key", &[("id", key_id.as_str()), ("grace", "1h")]).await;
        assert_eq!(status, 200, "{rolled}");
        let (status, me_before) = w.app.v1("GET", "/v1/me", &before, None).await;
        assert_eq!(status, 200);
        let grace_end = time(&me_before["expires_at"]);
        let hour = Utc::now() + TimeDelta::hours(1);
        assert!((grace_end - hour).num_seconds().abs() < 60, "{grace_end} vs {hour}");
        let (status, old_secret) = mint(&w.app, &key, json!({ "allowed_origins": [PAGE] })).await;
        assert_eq!(status, 201, "the old secret still mints during the grace");
        assert_eq!(time(&old_secret["expires_at"]), grace_end);
        let new_key = rolled["token"].as_str().unwrap();
        let (status, new_secret) = mint(&w.app, new_key, json!({ "allowed_origins": [PAGE] })).await;
        assert_eq!(status, 201);
        assert_eq!(time(&new_secret["expires_at"]) - time(&new_secret["created_at"]), TimeDelta::seconds(86_400));

        // A second roll ends the first grace: the old secret's tokens stop.
        let (status, _) = w.app.call_form(&sam, "roll_key", &[("id", key_id.as_str()), ("grace", "24h")]).await;
        assert_eq!(status, 200);
        assert_eq!(me(&w.app, &before).await, 401);
        assert_eq!(me(&w.app, old_secret["token"].as_str().unwrap()).await, 401);
        assert_eq!(me(&w.app, new_secret["token"].as_str().unwrap()).await, 200, "minted with the now-previous secret, in its grace");
    }

    async fn tokens_of_one_key_share_its_rate_limit(engine) {
        let w = world(engine).await;
        let (key_id, key) = new_key(&w, "Limited", &["read:leads"]).await;
        let mut tokens = Vec::new();
        for n in 0..3 {
            tokens.push(minted(&w.app, &key, &format!("Widget {n}")).await.1);
        }
        // A new limit starts with a full bucket: twice the rate.
        let sam = w.app.signed_in("sam@acme.test").await;
        let (status, body) = w.app.call_form(&sam, "set_key_rate_limit", &[("id", key_id.as_str()), ("rate_limit", "2")]).await;
        assert_eq!(status, 200, "{body}");
        let mut statuses = Vec::new();
        for token in tokens.iter().cycle().take(5) {
            statuses.push(me(&w.app, token).await);
        }
        assert_eq!(statuses, [200, 200, 200, 200, 429], "three tokens together held to the key's burst of 4");
        assert_eq!(me(&w.app, &key).await, 429, "the key's own bucket is the one spent");
    }

    async fn browsers_get_cors_from_a_tokens_origins_only(engine) {
        let w = world(engine).await;
        let (_, key) = new_key(&w, "Portal feed", &["read:leads", "write:leads"]).await;
        let (_, token) = minted(&w.app, &key, "Widget").await;
        let client = plain_client();
        let preflight = |origin: &str, method: &str, path: &str| {
            client
                .request(reqwest::Method::OPTIONS, w.app.url(path))
                .header("origin", origin)
                .header("access-control-request-method", method)
                .header("access-control-request-headers", "authorization, content-type")
                .send()
        };

        // Preflights: the token's origin, with the route's methods.
        let allowed = preflight(PAGE, "POST", "/v1/leads").await.unwrap();
        assert_eq!(allowed.status(), 204);
        let headers = allowed.headers();
        assert_eq!(headers["access-control-allow-origin"], PAGE);
        assert_eq!(headers["access-control-allow-methods"], "GET, POST");
        assert!(headers["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
        assert!(headers["vary"].to_str().unwrap().contains("origin"));
        for (origin, method, path) in [
            ("https://evil.example", "GET", "/v1/leads"),
            ("https://www.agency.example.evil.example", "GET", "/v1/leads"),
            ("null", "GET", "/v1/leads"),
            (PAGE, "DELETE", "/v1/leads"),
        ] {
            let refused = preflight(origin, method, path).await.unwrap();
            assert!(refused.headers().get("access-control-allow-origin").is_none(), "{origin} {method} {path}");
        }

        // Requests: the origin echoed, never `*`.
        let call = |origin: Option<&str>, token: &str| {
            let mut request = client.get(w.app.url("/v1/leads")).bearer_auth(token);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request.send()
        };
        let answer = call(Some(PAGE), &token).await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["access-control-allow-origin"], PAGE);
        assert!(answer.headers()["vary"].to_str().unwrap().contains("origin"));
        assert!(answer.headers()["access-control-expose-headers"].to_str().unwrap().contains("ratelimit-remaining"));
        let elsewhere = call(Some("https://evil.example"), &token).await.unwrap();
        assert_eq!(elsewhere.status(), 403);
        assert!(elsewhere.headers().get("access-control-allow-origin").is_none());
        assert_eq!(elsewhere.headers()["vary"], "origin", "no cache may serve it to another origin");
        let no_origin = call(None, &token).await.unwrap();
        assert_eq!(no_origin.status(), 200, "no Origin: not a browser page");
        assert_eq!(no_origin.headers()["vary"], "origin");

        // A key gets no CORS headers at all, from anywhere.
        let with_key = call(Some(PAGE), &key).await.unwrap();
        assert_eq!(with_key.status(), 200);
        let cors: Vec<_> = with_key.headers().keys().filter(|name| name.as_str().starts_with("access-control-")).collect();
        assert!(cors.is_empty(), "{cors:?}");

        // A revoked token's 401 is readable by its page (so it can mint anew).
        let (status, _) = w.app.v1("DELETE", "/v1/session_tokens/current", &token, None).await;
        assert_eq!(status, 204);
        let refused = call(Some(PAGE), &token).await.unwrap();
        assert_eq!(refused.status(), 401);
        assert_eq!(refused.headers()["access-control-allow-origin"], PAGE);
    }

    async fn ended_tokens_are_deleted_a_week_later(engine) {
        let w = world(engine).await;
        let (_, key) = new_key(&w, "Portal feed", &["read:leads"]).await;
        let (live_id, _) = minted(&w.app, &key, "Live").await;
        let (revoked_id, _) = minted(&w.app, &key, "Revoked").await;
        assert_eq!(w.app.v1("DELETE", &format!("/v1/session_tokens/{revoked_id}"), &key, None).await.0, 204);
        use keyward::server::services::session_tokens::prune;
        assert_eq!(prune(db(&w.app), Utc::now() + TimeDelta::days(6)).await.unwrap(), 0);
        assert_eq!(prune(db(&w.app), Utc::now() + TimeDelta::days(7) + TimeDelta::minutes(1)).await.unwrap(), 1);
        assert!(session_token::Entity::find_by_id(revoked_id.clone()).one(db(&w.app)).await.unwrap().is_none());
        let origins = session_token_origin::Entity::find()
            .filter(session_token_origin::Column::TokenId.eq(revoked_id.as_str()))
            .count(db(&w.app))
            .await
            .unwrap();
        assert_eq!(origins, 0, "its origins go with it");
        // The live one ends in a day; a week after that it goes too.
        assert_eq!(prune(db(&w.app), Utc::now() + TimeDelta::days(8) + TimeDelta::minutes(1)).await.unwrap(), 1);
        assert!(session_token::Entity::find_by_id(live_id).one(db(&w.app)).await.unwrap().is_none());
    }

    async fn a_session_tokens_secret_is_never_stored(engine) {
        let w = world(engine).await;
        let (_, key) = new_key(&w, "Portal feed", &["read:leads"]).await;
        let (id, token) = minted(&w.app, &key, "Widget").await;
        let stored = session_token::Entity::find_by_id(id).one(db(&w.app)).await.unwrap().unwrap();
        let secret = token.rsplit_once('_').unwrap().1;
        let row = format!("{stored:?} {} {}", stored.scopes, stored.label);
        assert!(!row.contains(secret) && !row.contains(&secret[..32]));
        assert!(!stored.secret_hash.windows(8).any(|w| secret.as_bytes().windows(8).any(|s| s == w)));
        assert_eq!(stored.secret_hash.len(), 32);
    }
}

on_both_engines! {
    async fn the_keys_page_lists_live_tokens_and_revokes_them_after_asking(engine) {
        let w = world(engine).await;
        let (key_id, key) = new_key(&w, "Portal feed", &["read:leads"]).await;
        let (first_id, first) = minted(&w.app, &key, "Widget A").await;
        let (_, second) = minted(&w.app, &key, "Widget B").await;
        let (gone_id, _) = minted(&w.app, &key, "Widget gone").await;
        assert_eq!(w.app.v1("DELETE", &format!("/v1/session_tokens/{gone_id}"), &key, None).await.0, 204);
        let sam = w.app.signed_in("sam@acme.test").await;
        let key_page = format!("/admin/profile/developer-settings/keys/{key_id}");

        // The table counts them; the page lists the live ones, never a secret.
        let (status, page) = w.app.call_json(&sam, "list_keys", json!({ "query": { "q": "Portal feed", "sort": "created", "dir": "desc", "page": 1 } })).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["rows"][0]["live_session_tokens"], 2);
        let html = sam.get(w.app.url(&key_page)).send().await.unwrap().text().await.unwrap();
        let section = token_section(&html);
        assert!(section.contains("Widget A") && section.contains("Widget B") && !section.contains("Widget gone"), "{section}");
        assert!(section.contains("2 live session tokens"));
        assert!(section.contains(PAGE));
        for token in [&first, &second] {
            let secret = token.rsplit_once('_').unwrap().1;
            assert!(!html.contains(&secret[..32]), "a session token's secret in the page");
        }

        // Another agency, or a manager who may not manage the key: refused, nothing revoked.
        let revoke_first = format!("{key_page}/session-tokens/{first_id}/revoke");
        let oz = w.app.signed_in("oz@other.test").await;
        assert_eq!(oz.get(w.app.url(&revoke_first)).send().await.unwrap().status(), 404);
        assert_eq!(oz.post(w.app.url(&revoke_first)).send().await.unwrap().status(), 404);
        let max = w.app.signed_in("max@acme.test").await;
        let refused = max.post(w.app.url(&revoke_first)).send().await.unwrap().status();
        assert!(refused == 403 || refused == 404, "{refused}");
        assert_eq!(me(&w.app, &first).await, 200);

        // Sam asks, then revokes one: back on the key's page with a notice.
        let confirm = sam.get(w.app.url(&revoke_first)).send().await.unwrap();
        assert_eq!(confirm.status(), 200);
        assert!(confirm.text().await.unwrap().contains("Revoke session token Widget A?"));
        let done = sam.post(w.app.url(&revoke_first)).send().await.unwrap();
        assert_eq!(done.status(), 303);
        assert_eq!(crate::helpers::location(&done), format!("{key_page}?done=session-token-revoked"));
        let (_, html) = crate::helpers::follow(&w.app, &sam, done).await;
        assert!(html.contains("Session token revoked."));
        let section = token_section(&html);
        assert!(!section.contains("Widget A") && section.contains("1 live session token"), "{section}");
        assert_eq!(me(&w.app, &first).await, 401);
        assert_eq!(me(&w.app, &second).await, 200, "its sibling keeps working");
        // Again: it is gone, said so.
        let again = sam.post(w.app.url(&revoke_first)).send().await.unwrap();
        assert_eq!(again.status(), 409);

        // Revoke all, after asking.
        let (_, third) = minted(&w.app, &key, "Widget C").await;
        let revoke_all = format!("{key_page}/session-tokens/revoke");
        let confirm = sam.get(w.app.url(&revoke_all)).send().await.unwrap().text().await.unwrap();
        assert!(confirm.contains("Revoke all session tokens of Portal feed?"), "{confirm}");
        assert!(confirm.contains("All 2 of its live session tokens"));
        let done = sam.post(w.app.url(&revoke_all)).send().await.unwrap();
        assert_eq!(crate::helpers::location(&done), format!("{key_page}?done=session-tokens-revoked"));
        assert_eq!(me(&w.app, &second).await, 401);
        assert_eq!(me(&w.app, &third).await, 401);
        assert_eq!(me(&w.app, &key).await, 200, "the key keeps working");
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::KeyId.eq(key_id.as_str()))
            .filter(audit_event::Column::Action.eq("session_tokens_revoked"))
            .all(db(&w.app))
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].actor_label, "Sam Super");
        assert!(events[0].details.contains("\"count\":2"), "{}", events[0].details);
        // Nothing left to revoke: the page says so.
        let empty = sam.get(w.app.url(&revoke_all)).send().await.unwrap();
        assert_eq!(empty.status(), 404);
    }
}

on_both_engines! {
    async fn no_session_token_secret_reaches_the_logs(engine) {
        use crate::cli::{keyward, run, text, wait_with_timeout};
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let db = crate::helpers::TestDb::new(engine).await;
        let mut add = keyward(&db);
        add.args(["user", "add", "--email", "sam@acme.test", "--name", "Sam", "--role", "super_manager",
            "--agency", "Acme", "--workspace", "Main", "--password-stdin"]);
        assert!(run(add, Some(crate::helpers::PASSWORD)).status.success());
        let mut create = keyward(&db);
        create.args(["key", "create", "--agency", "Acme", "--name", "Widget backend", "--scopes", "read:leads"]);
        let created = run(create, None);
        assert!(created.status.success(), "{}", text(&created.stderr));
        let key = text(&created.stdout).trim().to_owned();

        // Debug logging (the `keyward` helper sets RUST_LOG=debug).
        let mut serve = keyward(&db);
        serve.args(["serve", "--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = serve.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines.next().unwrap().unwrap();
        let base = listening.strip_prefix("keyward listening on ").expect(&listening).to_owned();
        let http = plain_client();
        let minted: Value = http
            .post(format!("{base}/v1/session_tokens"))
            .bearer_auth(&key)
            .json(&json!({ "allowed_origins": [PAGE], "label": "Widget" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = minted["token"].as_str().expect("minted").to_owned();
        let used = http.get(format!("{base}/v1/leads")).bearer_auth(&token).header("origin", PAGE).send().await.unwrap();
        assert_eq!(used.status(), 200);
        let in_query = http.get(format!("{base}/v1/me?token={token}")).send().await.unwrap();
        assert_eq!(in_query.status(), 401);
        let revoked = http.delete(format!("{base}/v1/session_tokens/current")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(revoked.status(), 204);

        assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
        assert!(wait_with_timeout(&mut child, Duration::from_secs(10)).success());
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
        assert!(logs.contains("/v1/session_tokens"), "the requests were logged: {logs}");
        let secret = token.rsplit_once('_').unwrap().1;
        let key_secret = key.rsplit_once('_').unwrap().1;
        for (what, text) in [("the session token", &secret[..32]), ("the key", &key_secret[..32])] {
            assert!(!logs.contains(text), "{what}'s secret is in the logs");
        }
    }
}
