//! `/v1` authentication: both credential forms, one 401 for every bad
//! credential, revocation and removal effective on the very next request,
//! changes from another instance within a second, rate limits, and usage
//! that is counted exactly through a graceful stop.
use std::time::{Duration, Instant};

use keyward::domain::environment::Environment;
use keyward::domain::token::{KeyId, Token};
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::keys::{create, form, world};
use crate::on_both_engines;

const UNAUTHORIZED: &str = r#"{"error":{"code":"UNAUTHORIZED","message":"Invalid or expired token"}}"#;

/// A new key of Acme's, made in the dashboard by Sam; its token.
async fn new_key(app: &TestApp, scopes: &[&str]) -> (String, String) {
    let sam = app.signed_in("sam@acme.test").await;
    let (_, settings) = app.call_form(&sam, "get_key_settings", &[]).await;
    let viewer = settings["viewer_id"].as_i64().unwrap();
    let (status, key) = create(app, &sam, form("Portal feed", "", viewer, scopes)).await;
    assert_eq!(status, 200, "{key}");
    (
        key["id"].as_str().unwrap().to_owned(),
        key["token"].as_str().unwrap().to_owned(),
    )
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    get(app, "/v1/me", &[("authorization", &format!("Bearer {token}"))]).await
}

/// Replaces one character of the secret, keeping the format (and so
/// failing only the checksum).
fn tampered(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let at = 30;
    chars[at] = if chars[at] == 'a' { 'b' } else { 'a' };
    chars.into_iter().collect()
}

on_both_engines! {
    async fn me_answers_with_the_calling_key_by_bearer_and_by_the_header_pair(engine) {
        let w = world(engine).await;
        let (id, token) = new_key(&w.app, &["read:leads", "write:leads"]).await;

        let response = me(&w.app, &token).await;
        assert_eq!(response.status(), 200);
        // 100 requests/s with bursts of 200: one policy, a quota of 200 per 2 s.
        assert_eq!(response.headers()["ratelimit-limit"], "200");
        assert_eq!(response.headers()["ratelimit-remaining"], "199", "never above the limit");
        assert_eq!(response.headers()["ratelimit-policy"], "200;w=2");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["id"], id.as_str());
        assert_eq!(body["api_key"], format!("kw_live_{id}"));
        assert_eq!(body["name"], "Portal feed");
        assert_eq!(body["environment"], "live");
        assert_eq!(body["scopes"], json!(["read:leads", "write:leads"]));
        assert_eq!(body["workspace"], Value::Null);
        assert_eq!(body["acting_as"]["name"], "Sam Super");
        assert_eq!(body["acting_as"]["email"], "sam@acme.test");
        assert!(body["expires_at"].as_str().unwrap().starts_with("20"));

        let (api_key, secret) = token.split_at(8 + 12);
        let pair = get(&w.app, "/v1/me", &[("x-api-key", api_key), ("x-api-secret", &secret[1..])]).await;
        assert_eq!(pair.status(), 200);
        assert_eq!(pair.json::<Value>().await.unwrap()["id"], id.as_str());
    }

    async fn every_bad_credential_gets_the_same_401_and_malformed_ones_cost_no_query(engine) {
        let w = world(engine).await;
        let (id, token) = new_key(&w.app, &["read:leads"]).await;
        let cache = &w.app.server().state.keys;

        let missing = get(&w.app, "/v1/me", &[]).await;
        assert_eq!(missing.status(), 401);
        assert_eq!(missing.headers()["www-authenticate"], r#"Bearer realm="keyward""#);
        assert_eq!(missing.text().await.unwrap(), UNAUTHORIZED);

        let loads = cache.loads();
        let malformed = [
            ("authorization", "Bearer kw_live_short".to_owned()),
            ("authorization", format!("Basic {token}")),
            ("authorization", token.clone()),
            ("authorization", format!("Bearer {}", tampered(&token))),
            ("x-api-key", format!("kw_live_{id}")),
        ];
        for (header, value) in &malformed {
            let response = get(&w.app, "/v1/me", &[(header, value)]).await;
            assert_eq!(response.status(), 401, "{header}: {value}");
            assert_eq!(
                response.headers()["www-authenticate"],
                r#"Bearer realm="keyward", error="invalid_token""#
            );
            assert_eq!(response.text().await.unwrap(), UNAUTHORIZED);
        }
        assert_eq!(cache.loads(), loads, "malformed or bad-checksum credentials reached the database");

        // A well-formed token whose id was never issued: one lookup, then remembered.
        let unknown = Token::generate(Environment::Live, &mut rand::rngs::OsRng).expose();
        for _ in 0..3 {
            let response = me(&w.app, &unknown).await;
            assert_eq!(response.text().await.unwrap(), UNAUTHORIZED);
        }
        assert_eq!(cache.loads(), loads + 1);
        // The right id with another secret (valid checksum) is refused alike.
        // And a test token for this live key.
        for environment in [Environment::Live, Environment::Test] {
            let other = Token::with_id(environment, KeyId::parse(&id).unwrap(), &mut rand::rngs::OsRng).expose();
            assert_eq!(me(&w.app, &other).await.text().await.unwrap(), UNAUTHORIZED, "{environment:?}");
        }
        assert_eq!(me(&w.app, &token).await.status(), 200, "the real token still works");
    }

    async fn revoked_and_removed_keys_are_refused_on_the_very_next_request(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        let (first, first_token) = new_key(&w.app, &["read:leads"]).await;
        let (second, second_token) = new_key(&w.app, &["read:leads"]).await;
        assert_eq!(me(&w.app, &first_token).await.status(), 200);
        assert_eq!(me(&w.app, &second_token).await.status(), 200);

        assert_eq!(w.app.call_form(&sam, "revoke_key", &[("id", &first)]).await.0, 200);
        assert_eq!(me(&w.app, &first_token).await.status(), 401);
        assert_eq!(w.app.call_form(&sam, "remove_key", &[("id", &second)]).await.0, 200);
        assert_eq!(me(&w.app, &second_token).await.status(), 401);

        // A rename shows at once too.
        let (third, third_token) = new_key(&w.app, &["read:leads"]).await;
        assert_eq!(me(&w.app, &third_token).await.json::<Value>().await.unwrap()["name"], "Portal feed");
        assert_eq!(w.app.call_form(&sam, "rename_key", &[("id", &third), ("name", "Zillow sync")]).await.0, 200);
        assert_eq!(me(&w.app, &third_token).await.json::<Value>().await.unwrap()["name"], "Zillow sync");
    }

    async fn changes_made_by_another_instance_or_process_arrive_within_a_second(engine) {
        let w = world(engine).await;
        let (first, first_token) = new_key(&w.app, &["read:leads"]).await;
        let (second, second_token) = new_key(&w.app, &["read:leads"]).await;
        assert_eq!(me(&w.app, &first_token).await.status(), 200);
        assert_eq!(me(&w.app, &second_token).await.status(), 200);

        // Another instance on the same database revokes the first key.
        let other = keyward::server::http::Server::start(w.app.config()).await.unwrap();
        let sam = crate::helpers::client();
        let login = sam
            .post(format!("http://{}/login", other.addr))
            .form(&[("email", "sam@acme.test"), ("password", crate::helpers::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303);
        let revoked = sam
            .post(format!("http://{}/api/revoke_key", other.addr))
            .form(&[("id", first.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        refused_within_a_second(&w.app, &first_token).await;

        // A job (another process) expires the second key behind the server's back.
        use keyward::entities::api_key;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
        let db = &other.state.db;
        let txn = db.begin().await.unwrap();
        api_key::Entity::update_many()
            .col_expr(api_key::Column::ExpiresAt, sea_orm::sea_query::Expr::value(chrono::Utc::now()))
            .filter(api_key::Column::Id.eq(second.as_str()))
            .exec(&txn)
            .await
            .unwrap();
        keyward::server::key_cache::announce(&txn, &second, chrono::Utc::now()).await.unwrap();
        txn.commit().await.unwrap();
        refused_within_a_second(&w.app, &second_token).await;
        other.stop().await.unwrap();
    }

    async fn a_key_over_its_rate_limit_gets_429_with_retry_after(engine) {
        let w = world(engine).await;
        let (id, token) = new_key(&w.app, &["read:leads"]).await;
        set_rate_limit(&w.app, &id, 2).await;
        let mut statuses = Vec::new();
        let mut refused = None;
        for _ in 0..6 {
            let response = me(&w.app, &token).await;
            statuses.push(response.status().as_u16());
            if response.status() == 429 {
                refused = Some(response);
                break;
            }
        }
        assert_eq!(statuses, [200, 200, 200, 200, 429], "a burst of twice the rate, then refused");
        let refused = refused.unwrap();
        assert_eq!(refused.headers()["retry-after"], "1");
        assert_eq!(refused.headers()["ratelimit-limit"], "4");
        assert_eq!(refused.headers()["ratelimit-policy"], "4;w=2");
        assert_eq!(refused.headers()["ratelimit-remaining"], "0");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "RATE_LIMITED");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(me(&w.app, &token).await.status(), 200, "allowed again after Retry-After");
        // A new limit holds from the very next request, with a full bucket.
        set_rate_limit(&w.app, &id, 5).await;
        let raised = me(&w.app, &token).await;
        assert_eq!(raised.status(), 200);
        assert_eq!(raised.headers()["ratelimit-limit"], "10");
        assert_eq!(raised.headers()["ratelimit-remaining"], "9");
    }

    async fn usage_is_counted_exactly_through_a_graceful_stop(engine) {
        let mut w = world(engine).await;
        let (id, token) = new_key(&w.app, &["read:leads"]).await;
        set_rate_limit(&w.app, &id, 0).await;
        let client = reqwest::Client::new();
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..1000 {
            let request = client.get(w.app.url("/v1/me")).bearer_auth(&token);
            calls.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
        }
        let mut ok = 0;
        while let Some(status) = calls.join_next().await {
            assert_eq!(status.unwrap().unwrap(), 200);
            ok += 1;
        }
        assert_eq!(ok, 1000);
        w.app.restart().await;

        use keyward::entities::api_key;
        use sea_orm::{ConnectionTrait, EntityTrait, Statement};
        let db = &w.app.server().state.db;
        let key = api_key::Entity::find_by_id(id.clone()).one(db).await.unwrap().unwrap();
        assert_eq!(key.usage_count, 1000);
        assert!(key.last_used_at.is_some());
        assert_eq!(key.last_used_ip.as_deref(), Some("127.0.0.1"));
        let backend = db.get_database_backend();
        let daily = db
            .query_one(Statement::from_sql_and_values(
                backend,
                match backend {
                    sea_orm::DbBackend::Postgres => "SELECT CAST(SUM(requests) AS BIGINT) AS n FROM api_key_usage_daily WHERE key_id = $1",
                    _ => "SELECT CAST(SUM(requests) AS BIGINT) AS n FROM api_key_usage_daily WHERE key_id = ?",
                },
                [id.as_str().into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(daily, 1000);

        // The key table shows it.
        let sam = w.app.signed_in("sam@acme.test").await;
        let (_, page) = w.app.call_json(&sam, "list_keys", json!({ "query": { "q": "", "sort": "usage", "dir": "desc", "page": 1 } })).await;
        assert_eq!(page["rows"][0]["usage_count"], 1000);
    }

    async fn every_keyed_route_and_only_those_verify_the_key_before_routing(engine) {
        use keyward::api::KEYED_ROUTES;
        let w = world(engine).await;
        let (_, token) = new_key(&w.app, &["admin"]).await;
        // The table the key check runs on before routing is the API's:
        // every operation of the OpenAPI document that needs a key, no more.
        let doc: Value = get(&w.app, "/v1/openapi.json", &[]).await.json().await.unwrap();
        let mut documented: Vec<(String, String)> = Vec::new();
        // (The OAuth endpoints authenticate the client, not a key.)
        for (path, item) in doc["paths"].as_object().unwrap().iter().filter(|(p, _)| p.starts_with("/v1/")) {
            for (method, operation) in item.as_object().unwrap() {
                if operation.get("security").is_some_and(|s| s.as_array().is_some_and(|s| !s.is_empty())) {
                    documented.push((path.clone(), method.to_uppercase()));
                }
            }
        }
        let mut keyed: Vec<(String, String)> = KEYED_ROUTES
            .iter()
            .flat_map(|(path, methods)| methods.iter().map(move |m| (path.to_string(), m.to_string())))
            .collect();
        documented.sort();
        keyed.sort();
        assert_eq!(documented, keyed);
        let client = reqwest::Client::new();
        for (path, method) in &keyed {
            let url = w.app.url(&path.replace("{id}", "x1"));
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let without = client.request(method.clone(), &url).send().await.unwrap();
            assert_eq!(without.status(), 401, "{method} {path} without a key");
            let with = client.request(method.clone(), &url).bearer_auth(&token).send().await.unwrap();
            assert_ne!(with.status(), 401, "{method} {path} with an admin key");
            assert_eq!(with.headers()["ratelimit-limit"], "200", "{method} {path}: limited and counted");
        }
        let head = client.head(w.app.url("/v1/me")).send().await.unwrap();
        assert_eq!(head.status(), 401, "HEAD goes with GET");
    }

    async fn unknown_paths_and_methods_answer_in_json(engine) {
        let w = world(engine).await;
        for path in ["/v1/nothing-here", "/v1", "/v1/", "/v1/leads/1/notes", "/v1/me/"] {
            let missing = get(&w.app, path, &[]).await;
            assert_eq!(missing.status(), 404, "{path}");
            assert_eq!(missing.text().await.unwrap(), r#"{"error":{"code":"NOT_FOUND","message":"Not found"}}"#, "{path}");
        }
        let post = reqwest::Client::new().post(w.app.url("/v1/me")).send().await.unwrap();
        assert_eq!(post.status(), 405);
        assert_eq!(post.headers()["allow"], "GET,HEAD");
        assert_eq!(post.json::<Value>().await.unwrap()["error"]["code"], "METHOD_NOT_ALLOWED");
    }
}

pub(crate) async fn refused_within_a_second(app: &TestApp, token: &str) {
    let began = Instant::now();
    loop {
        if me(app, token).await.status() == 401 {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(1),
            "still accepted a second after the change"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sets a key's rate limit through the dashboard's Rate limit dialog, as Sam.
async fn set_rate_limit(app: &TestApp, id: &str, per_second: i32) {
    let sam = app.signed_in("sam@acme.test").await;
    let limit = per_second.to_string();
    let (status, body) = app
        .call_form(&sam, "set_key_rate_limit", &[("id", id), ("rate_limit", &limit)])
        .await;
    assert_eq!(status, 200, "{body}");
}

on_both_engines! {
    async fn no_request_that_starts_after_a_revoke_has_answered_is_admitted(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(sam.post(w.app.url("/api/set_key_limit")).form(&[("max_active_keys", "100")]).send().await.unwrap().status(), 200);
        for round in 0..8 {
            let (id, token) = new_key(&w.app, &["read:leads"]).await;
            // Hammer the key from several tasks while it is revoked; every
            // request notes when it started and what it got.
            let revoked_at = std::sync::Arc::new(std::sync::OnceLock::<Instant>::new());
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..6 {
                let (url, token, revoked_at) = (w.app.url("/v1/me"), token.clone(), revoked_at.clone());
                tasks.spawn(async move {
                    let client = reqwest::Client::new();
                    let mut seen = Vec::new();
                    let deadline = Instant::now() + Duration::from_secs(5);
                    loop {
                        let started = Instant::now();
                        let status = client.get(&url).bearer_auth(&token).send().await.unwrap().status().as_u16();
                        seen.push((started, status));
                        let done = revoked_at.get().is_some_and(|at| started.duration_since(*at) > Duration::from_millis(150));
                        if done || Instant::now() > deadline {
                            return seen;
                        }
                    }
                });
            }
            tokio::time::sleep(Duration::from_millis(20 + round * 7)).await;
            let (status, body) = w.app.call_form(&sam, "revoke_key", &[("id", &id)]).await;
            assert_eq!(status, 200, "{body}");
            revoked_at.set(Instant::now()).unwrap();
            let answered = *revoked_at.get().unwrap();
            while let Some(seen) = tasks.join_next().await {
                for (started, status) in seen.unwrap() {
                    if started > answered {
                        assert_eq!(status, 401, "round {round}: a request started after the revoke answered was admitted");
                    }
                }
            }
        }
    }

    async fn while_key_changes_cannot_be_followed_every_request_reads_the_database(engine) {
        if engine == crate::helpers::Engine::Sqlite {
            // SQLite follows changes by polling its own file: there is no
            // connection to lose. The PostgreSQL run below is the case.
            return;
        }
        let mut w = world(engine).await;
        // A LISTEN connection that can never connect (nothing listens on port 1).
        crate::key_lifecycle::restart_with(&mut w.app, |config| keyward::server::config::Config {
            listen_database_url: Some("postgres://postgres@127.0.0.1:1/test".into()),
            ..config
        })
        .await;
        assert!(!w.app.server().state.keys.is_following());
        let (id, token) = new_key(&w.app, &["read:leads"]).await;
        assert_eq!(me(&w.app, &token).await.status(), 200);
        assert_eq!(me(&w.app, &token).await.status(), 200);
        // Revoked by "another instance" whose announcement never arrives.
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let key = keyward::entities::api_key::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(id),
            revoked_at: Set(Some(chrono::Utc::now())),
            ..Default::default()
        };
        key.update(&w.app.server().state.db).await.unwrap();
        assert_eq!(me(&w.app, &token).await.status(), 401, "the very next request reads the database");
    }
}
