//! Webhooks (issue 15) against a real receiver on loopback (allowed by
//! `KEYWARD_WEBHOOK_ALLOW_NETS=127.0.0.1/32` in the tests' configuration):
//! every delivery verified with the Standard Webhooks library (Svix's
//! `standardwebhooks` crate), the retry schedule by time travel, 410,
//! Retry-After, redirects, timeouts, automatic disabling, filters, the
//! outbox's atomicity, the SSRF guard, and two instances sharing the work.
use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use chrono::{DateTime, TimeDelta, Utc};
use keyward::entities::{audit_event, notification, webhook_delivery, webhook_endpoint, webhook_message};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde_json::{json, Value};
use standardwebhooks::Webhook;

use crate::helpers::{Engine, TestApp};
use crate::keys::{world, World};
use crate::on_both_engines;

/// What the receiver answers next.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    Status(u16),
    /// A status with one header (`Retry-After`, `Location`).
    WithHeader(u16, &'static str, String),
    /// Never answers (the sender's timeout ends it).
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
    pub fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }
}

/// A webhook receiver on 127.0.0.1: records every request, answers as
/// planned (then with the default).
#[derive(Clone)]
pub(crate) struct Receiver {
    pub addr: SocketAddr,
    got: Arc<Mutex<Vec<Received>>>,
    plan: Arc<Mutex<VecDeque<Reply>>>,
    default: Arc<Mutex<Reply>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let receiver = Receiver {
            addr: "127.0.0.1:0".parse().unwrap(),
            got: Arc::default(),
            plan: Arc::default(),
            default: Arc::new(Mutex::new(Reply::Status(200))),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = receiver.clone();
        let app =
            axum::Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    state.got.lock().unwrap().push(Received {
                        path: uri.path().to_owned(),
                        headers,
                        body,
                    });
                    let reply = state
                        .plan
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or_else(|| state.default.lock().unwrap().clone());
                    let status = |code: u16| axum::http::StatusCode::from_u16(code).unwrap();
                    match reply {
                        Reply::Status(code) => (status(code), HeaderMap::new(), "thanks".to_owned()),
                        Reply::WithHeader(code, name, value) => {
                            let mut headers = HeaderMap::new();
                            headers.insert(name, value.parse().unwrap());
                            (status(code), headers, String::new())
                        }
                        Reply::Hang => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            (status(200), HeaderMap::new(), String::new())
                        }
                    }
                }
            });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { addr, ..receiver }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn then(&self, reply: Reply) {
        self.plan.lock().unwrap().push_back(reply);
    }

    pub fn always(&self, reply: Reply) {
        *self.default.lock().unwrap() = reply;
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (up to `within`) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let began = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                began.elapsed() < within,
                "only {} of {n} requests arrived",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn db(app: &TestApp) -> &sea_orm::DatabaseConnection {
    &app.server().state.db
}

/// A live agency-wide key of Sam's that manages webhooks and writes records.
async fn hooks_key(w: &World) -> String {
    w.app
        .dashboard_key(
            "sam@acme.test",
            None,
            w.sam,
            "live",
            &["webhooks", "write:leads", "write:properties", "read:leads"],
        )
        .await
}

/// `POST /v1/webhooks`: (id, secret).
async fn endpoint(app: &TestApp, key: &str, body: Value) -> (String, String) {
    let (status, created) = app.v1("POST", "/v1/webhooks", key, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

async fn import_lead(app: &TestApp, key: &str, workspace: i64, name: &str) -> Value {
    let (status, lead) = app
        .v1(
            "POST",
            "/v1/leads",
            key,
            Some(json!({"first_name": name, "email": format!("{}@buyer.test", name.to_lowercase()), "workspace_id": workspace})),
        )
        .await;
    assert_eq!(status, 201, "{lead}");
    lead
}

async fn delivery(app: &TestApp, endpoint_id: &str) -> webhook_delivery::Model {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(webhook_delivery::Column::Id)
        .one(db(app))
        .await
        .unwrap()
        .expect("a delivery")
}

/// Waits until the endpoint's newest delivery has had `attempts` attempts.
async fn attempted(app: &TestApp, endpoint_id: &str, attempts: i32) -> webhook_delivery::Model {
    let began = Instant::now();
    loop {
        let d = delivery(app, endpoint_id).await;
        if d.attempts >= attempts && d.claim.is_none() {
            return d;
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "attempt {attempts} was not recorded: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn endpoint_row(app: &TestApp, id: &str) -> webhook_endpoint::Model {
    webhook_endpoint::Entity::find_by_id(id.to_owned())
        .one(db(app))
        .await
        .unwrap()
        .unwrap()
}

/// Waits until no delivery is pending or under a claim (every attempt
/// recorded), so what the receiver holds is final.
async fn settled(app: &TestApp) {
    let began = Instant::now();
    loop {
        let open = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::State.eq("pending"))
            .count(db(app))
            .await
            .unwrap();
        if open == 0 {
            return;
        }
        assert!(
            began.elapsed() < Duration::from_secs(60),
            "{open} deliveries still pending"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn verify(secret: &str, got: &Received) -> Result<(), standardwebhooks::WebhookError> {
    Webhook::new(secret)
        .unwrap()
        .verify(got.body.as_bytes(), &got.headers)
}

on_both_engines! {
    async fn every_delivery_verifies_with_the_standard_webhooks_library(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        let (id, secret) = endpoint(&w.app, &key, json!({
            "url": receiver.url("/hooks/keyward"), "description": "CRM sync", "event_types": ["lead.created"],
        })).await;
        assert!(secret.starts_with("whsec_"), "{secret}");

        let lead = import_lead(&w.app, &key, w.downtown, "Lena").await;
        let got = receiver.wait_for(1, Duration::from_secs(5)).await;
        let first = &got[0];
        assert_eq!(first.path, "/hooks/keyward");
        verify(&secret, first).expect("the stock verifier accepts the delivery");
        assert!(first.id().starts_with("msg_"), "{}", first.id());
        assert_eq!(first.headers["content-type"], "application/json");
        let body = first.json();
        assert_eq!(body["type"], "lead.created");
        assert_eq!(body["data"]["id"], lead["id"]);
        assert_eq!(body["data"]["first_name"], "Lena");

        // A tampered body, or another secret, does not verify.
        let tampered = Received { body: first.body.replace("Lena", "Lana"), ..first.clone() };
        assert!(verify(&secret, &tampered).is_err());
        let other = format!("whsec_{}", "A".repeat(32));
        assert!(verify(&other, first).is_err());

        // Timestamps 6 minutes off either way are refused; the same signer
        // at the present is accepted (the verifier's window is 5 minutes).
        let signer = keyward::server::webhooks::secret::SigningSecret::parse(&secret).unwrap();
        for (offset, accepted) in [(-360, false), (360, false), (0, true)] {
            let ts = Utc::now().timestamp() + offset;
            let mut headers = first.headers.clone();
            headers.insert("webhook-timestamp", ts.to_string().parse().unwrap());
            let signature = keyward::server::webhooks::signature::sign(&first.id(), ts, first.body.as_bytes(), [&signer]);
            headers.insert("webhook-signature", signature.parse().unwrap());
            let result = verify(&secret, &Received { headers, ..first.clone() });
            assert_eq!(result.is_ok(), accepted, "offset {offset}: {result:?}");
        }

        // The log shows the attempt (recorded just after the receiver
        // answered); the secret is nowhere in the database.
        attempted(&w.app, &id, 1).await;
        let (status, log) = w.app.v1("GET", &format!("/v1/webhooks/{id}/deliveries"), &key, None).await;
        assert_eq!(status, 200, "{log}");
        assert_eq!(log["data"][0]["status_code"], 200);
        assert_eq!(log["data"][0]["succeeded"], true);
        assert_eq!(log["data"][0]["response_body"], "thanks");
        assert_eq!(log["data"][0]["delivery_state"], "succeeded");
        assert_eq!(log["data"][0]["message_id"], first.id());
        let row = endpoint_row(&w.app, &id).await;
        let raw = keyward::server::webhooks::secret::SigningSecret::parse(&secret).unwrap();
        assert!(!row.secret.windows(raw.as_bytes().len()).any(|w| w == raw.as_bytes()));
        assert!(!format!("{row:?}").contains(&secret[6..]));
        let (_, shown) = w.app.v1("GET", &format!("/v1/webhooks/{id}"), &key, None).await;
        assert!(!shown.to_string().contains(&secret[6..]), "{shown}");
    }

    async fn a_rotation_signs_with_both_secrets_for_a_day_then_the_new_one_only(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        let (id, old) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        let (status, rotated) = w.app.v1("POST", &format!("/v1/webhooks/{id}/rotate_secret"), &key, None).await;
        assert_eq!(status, 200, "{rotated}");
        let new = rotated["secret"].as_str().unwrap().to_owned();
        let until: DateTime<Utc> = rotated["previous_secret_signs_until"].as_str().unwrap().parse().unwrap();
        assert!((until - Utc::now() - TimeDelta::hours(24)).num_seconds().abs() < 5);

        import_lead(&w.app, &key, w.downtown, "Rita").await;
        let got = receiver.wait_for(1, Duration::from_secs(5)).await;
        assert_eq!(got[0].headers["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
        verify(&old, &got[0]).expect("the old secret still verifies");
        verify(&new, &got[0]).expect("the new secret verifies");

        // 25 hours later only the new secret signs.
        let row = endpoint_row(&w.app, &id).await;
        let message = webhook_message::Entity::find().one(db(&w.app)).await.unwrap().unwrap();
        let outcome = w.app.server().state.webhooks.send(&row, &message, Utc::now() + TimeDelta::hours(25)).await;
        assert!(outcome.succeeded(), "{outcome:?}");
        let got = receiver.wait_for(2, Duration::from_secs(5)).await;
        assert_eq!(got[1].headers["webhook-signature"].to_str().unwrap().split(' ').count(), 1);
        verify(&new, &got[1]).expect("the new secret verifies");
        assert!(verify(&old, &got[1]).is_err(), "the old secret no longer signs");
        assert_eq!(got[0].id(), got[1].id(), "the same message keeps its webhook-id");

        // The API says a rotation is under way only while it is.
        let (_, shown) = w.app.v1("GET", &format!("/v1/webhooks/{id}"), &key, None).await;
        let shown_until: DateTime<Utc> = shown["previous_secret_until"].as_str().expect("under way").parse().unwrap();
        assert!((shown_until - until).num_milliseconds().abs() < 1, "{shown_until} vs {until} (PostgreSQL keeps microseconds)");
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
        let mut ended = endpoint_row(&w.app, &id).await.into_active_model();
        ended.previous_secret_until = Set(Some(Utc::now() - TimeDelta::minutes(1)));
        ended.update(db(&w.app)).await.unwrap();
        let (_, shown) = w.app.v1("GET", &format!("/v1/webhooks/{id}"), &key, None).await;
        assert_eq!(shown["previous_secret_until"], Value::Null, "{shown}");

        // Audited, without the secret.
        let events = audit_event::Entity::find().all(db(&w.app)).await.unwrap();
        assert!(events.iter().any(|e| e.action.as_str() == "webhook_secret_rotated"));
        assert!(events.iter().all(|e| !e.details.contains(&new[6..]) && !e.details.contains(&old[6..])));
    }

    async fn failures_follow_the_schedule_with_jitter_by_time_travel(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        receiver.always(Reply::Status(500));
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        import_lead(&w.app, &key, w.downtown, "Sam").await;
        let mut d = attempted(&w.app, &id, 1).await;
        let webhooks = w.app.server().state.webhooks.clone();
        let delays = keyward::server::webhooks::schedule::DELAYS;
        for (n, base) in delays.iter().enumerate() {
            assert_eq!(d.state, "pending", "after attempt {}", n + 1);
            let next = d.next_attempt_at.expect("another attempt is due");
            let waited = (next - d.last_attempt_at.unwrap()).to_std().unwrap().as_secs_f64();
            let base = base.as_secs_f64();
            assert!(waited >= base * 0.8 - 0.01 && waited <= base * 1.2 + 0.01, "attempt {}: {waited} s vs {base} s ± 20%", n + 2);
            assert_eq!(webhooks.run_due(db(&w.app), next).await.unwrap(), 1);
            d = attempted(&w.app, &id, n as i32 + 2).await;
        }
        assert_eq!(d.attempts, 10);
        assert_eq!(d.state, "failed");
        assert_eq!(d.next_attempt_at, None);
        assert_eq!(receiver.received().len(), 10);
        let ids: HashSet<String> = receiver.received().iter().map(Received::id).collect();
        assert_eq!(ids.len(), 1, "every attempt carries the same webhook-id");
        // Three days of failing is not five: the endpoint stays enabled.
        assert!(endpoint_row(&w.app, &id).await.enabled);
    }

    async fn a_410_disables_the_endpoint_and_tells_its_managers(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        receiver.then(Reply::Status(410));
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        import_lead(&w.app, &key, w.downtown, "Gone").await;
        let d = attempted(&w.app, &id, 1).await;
        assert_eq!(d.state, "failed");
        let row = endpoint_row(&w.app, &id).await;
        assert!(!row.enabled);
        assert_eq!(row.disabled_reason.as_deref(), Some("gone"));
        let notices = notification::Entity::find()
            .filter(notification::Column::Kind.eq("webhook_disabled"))
            .all(db(&w.app)).await.unwrap();
        assert_eq!(notices.len(), 1, "Sam, the one super manager: {notices:?}");
        assert!(notices[0].title.contains("410"));
        let audit = audit_event::Entity::find().all(db(&w.app)).await.unwrap();
        assert!(audit.iter().any(|e| e.action.as_str() == "webhook_disabled" && e.actor_label == "keyward (automatic)"));

        // Disabled: nothing more is sent; a test event is refused.
        import_lead(&w.app, &key, w.downtown, "After").await;
        assert_eq!(w.app.v1("POST", &format!("/v1/webhooks/{id}/test"), &key, None).await.0, 409);
        assert_eq!(receiver.received().len(), 1);
        // Enabled again: it receives, and the missed message can be recovered.
        let (status, body) = w.app.v1("PATCH", &format!("/v1/webhooks/{id}"), &key, Some(json!({"enabled": true}))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["enabled"], true);
        let since = (Utc::now() - TimeDelta::hours(1)).to_rfc3339();
        let (status, body) = w.app.v1("POST", &format!("/v1/webhooks/{id}/recover"), &key, Some(json!({"since": since}))).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["messages"], 1, "the first (410) message failed before, and nothing else");
        let got = receiver.wait_for(2, Duration::from_secs(5)).await;
        assert_eq!(got[1].json()["data"]["first_name"], "Gone");
    }

    async fn recover_also_sends_now_what_waits_for_a_retry(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        receiver.then(Reply::WithHeader(503, "retry-after", "3600".into()));
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        import_lead(&w.app, &key, w.downtown, "Waiting").await;
        let d = attempted(&w.app, &id, 1).await;
        assert_eq!(d.state, "pending");
        assert!(d.next_attempt_at.unwrap() > Utc::now() + TimeDelta::minutes(50), "{d:?}");
        // The receiver is fixed: Recover sends it now, not in an hour.
        let since = (Utc::now() - TimeDelta::hours(1)).to_rfc3339();
        let (status, body) = w.app.v1("POST", &format!("/v1/webhooks/{id}/recover"), &key, Some(json!({"since": since}))).await;
        assert_eq!((status, body["messages"].clone()), (202, json!(1)), "{body}");
        let got = receiver.wait_for(2, Duration::from_secs(5)).await;
        assert_eq!(got[1].id(), got[0].id());
        assert_eq!(attempted(&w.app, &id, 1).await.state, "succeeded");
    }

    async fn retry_after_is_honoured_and_redirects_are_failures(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        receiver.then(Reply::WithHeader(503, "retry-after", "120".into()));
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        import_lead(&w.app, &key, w.downtown, "Ray").await;
        let d = attempted(&w.app, &id, 1).await;
        assert_eq!(d.next_attempt_at.unwrap() - d.last_attempt_at.unwrap(), TimeDelta::seconds(120));

        // A 429 asking for an HTTP date, clamped to 24 hours.
        receiver.then(Reply::WithHeader(429, "retry-after", "Fri, 01 Jan 2100 00:00:00 GMT".into()));
        let webhooks = w.app.server().state.webhooks.clone();
        assert_eq!(webhooks.run_due(db(&w.app), d.next_attempt_at.unwrap()).await.unwrap(), 1);
        let d = attempted(&w.app, &id, 2).await;
        assert_eq!(d.next_attempt_at.unwrap() - d.last_attempt_at.unwrap(), TimeDelta::hours(24));

        // A 302 is a failure, and its Location is never visited.
        receiver.then(Reply::WithHeader(302, "location", receiver.url("/elsewhere")));
        assert_eq!(webhooks.run_due(db(&w.app), d.next_attempt_at.unwrap()).await.unwrap(), 1);
        let d = attempted(&w.app, &id, 3).await;
        assert_eq!(d.state, "pending");
        let (_, log) = w.app.v1("GET", &format!("/v1/webhooks/{id}/deliveries?outcome=failed"), &key, None).await;
        assert_eq!(log["data"][0]["error_kind"], "redirect", "{log}");
        assert_eq!(log["data"][0]["status_code"], 302);
        assert!(log["data"][0]["error"].as_str().unwrap().contains("/elsewhere"));
        assert!(receiver.received().iter().all(|r| r.path == "/"));
        assert_eq!(log["data"].as_array().unwrap().len(), 3);
        let (_, ok) = w.app.v1("GET", &format!("/v1/webhooks/{id}/deliveries?outcome=succeeded"), &key, None).await;
        assert_eq!(ok["data"], json!([]));
        let (status, _) = w.app.v1("GET", &format!("/v1/webhooks/{id}/deliveries?outcome=maybe"), &key, None).await;
        assert_eq!(status, 422);
    }

    async fn five_days_of_failures_disable_and_one_success_resets_the_clock(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        receiver.always(Reply::Status(500));
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        // Only this test's time travel sends: no dispatcher of its own.
        let mut app = w.app;
        crate::key_lifecycle::restart_with(&mut app, |config| keyward::server::config::Config {
            webhook_concurrency: 0,
            ..config
        }).await;
        let w = World { app, ..w };
        let webhooks = w.app.server().state.webhooks.clone();
        import_lead(&w.app, &key, w.downtown, "One").await;
        let t0 = Utc::now();
        assert_eq!(webhooks.run_due(db(&w.app), t0).await.unwrap(), 1);
        let since = endpoint_row(&w.app, &id).await.failing_since.expect("failing since the first failure");

        // Day 2: a success resets the clock.
        receiver.then(Reply::Status(200));
        webhooks.run_due(db(&w.app), t0 + TimeDelta::days(2)).await.unwrap();
        assert_eq!(endpoint_row(&w.app, &id).await.failing_since, None);
        // Day 4 and day 6: failing for two days only: still enabled.
        import_lead(&w.app, &key, w.downtown, "Two").await;
        webhooks.run_due(db(&w.app), t0 + TimeDelta::days(4)).await.unwrap();
        webhooks.run_due(db(&w.app), t0 + TimeDelta::days(6)).await.unwrap();
        let row = endpoint_row(&w.app, &id).await;
        assert!(row.enabled, "two days of failure");
        assert!(row.failing_since.unwrap() > since);
        // Day 9.5: five days and more of failure: disabled, with a notice.
        webhooks.run_due(db(&w.app), t0 + TimeDelta::hours(9 * 24 + 12)).await.unwrap();
        let row = endpoint_row(&w.app, &id).await;
        assert!(!row.enabled, "{row:?}");
        assert_eq!(row.disabled_reason.as_deref(), Some("failing"));
        let notices = notification::Entity::find()
            .filter(notification::Column::Kind.eq("webhook_disabled"))
            .count(db(&w.app)).await.unwrap();
        assert_eq!(notices, 1);
        // What was waiting failed with it.
        assert_eq!(delivery(&w.app, &id).await.state, "failed");
    }

    async fn endpoints_hear_only_their_events_workspace_and_environment(engine) {
        let w = world(engine).await;
        crate::v1_records::roomy(&w).await;
        let key = hooks_key(&w).await;
        let test_key = w.app.dashboard_key("sam@acme.test", None, w.sam, "test", &["webhooks", "write:leads"]).await;
        let receiver = Receiver::start().await;
        endpoint(&w.app, &key, json!({"url": receiver.url("/leads-only"), "event_types": ["lead.created"]})).await;
        endpoint(&w.app, &key, json!({"url": receiver.url("/uptown"), "workspace_id": w.uptown})).await;
        endpoint(&w.app, &test_key, json!({"url": receiver.url("/test-mode"), "event_types": ["lead.created"]})).await;

        import_lead(&w.app, &key, w.downtown, "Dora").await;
        let (status, _) = w.app.v1("PUT", "/v1/properties/p-1", &key, Some(json!({
            "title": "Loft", "address": "1 Main St", "city": "Springfield", "workspace_id": w.downtown,
        }))).await;
        assert_eq!(status, 201);
        import_lead(&w.app, &test_key, w.downtown, "Tess").await;
        import_lead(&w.app, &key, w.uptown, "Uli").await;

        // Written with the imports: exactly these deliveries exist, and arrive.
        assert_eq!(webhook_delivery::Entity::find().count(db(&w.app)).await.unwrap(), 4);
        let got_now = receiver.wait_for(4, Duration::from_secs(5)).await;
        settled(&w.app).await;
        assert_eq!(receiver.received().len(), 4, "nothing more arrives");
        let heard = |path: &str| -> Vec<String> {
            got_now.iter().filter(|r| r.path == path)
                .map(|r| format!("{} {}", r.json()["type"].as_str().unwrap(), r.json()["data"]["first_name"].as_str().unwrap_or("")))
                .collect()
        };
        assert_eq!(heard("/leads-only"), ["lead.created Dora", "lead.created Uli"]);
        assert_eq!(heard("/uptown"), ["lead.created Uli"]);
        assert_eq!(heard("/test-mode"), ["lead.created Tess"]);
    }

    async fn the_outbox_commits_with_the_change_or_not_at_all(engine) {
        use keyward::domain::environment::Environment;
        use keyward::domain::webhook_event::EventType;
        use keyward::server::webhooks::outbox::{emit, Scope};
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        let scope = Scope { agency_id: endpoint_row(&w.app, &id).await.agency_id, workspace_id: Some(w.downtown), environment: Environment::Live };

        let txn = db(&w.app).begin().await.unwrap();
        let written = emit(&txn, scope, EventType::LeadCreated, &json!({"id": 1}), Utc::now()).await.unwrap();
        assert!(written.is_some());
        txn.rollback().await.unwrap();
        assert_eq!(webhook_message::Entity::find().count(db(&w.app)).await.unwrap(), 0, "rolled back: no message");
        assert_eq!(webhook_delivery::Entity::find().count(db(&w.app)).await.unwrap(), 0);

        // An event no endpoint wants writes nothing.
        let txn = db(&w.app).begin().await.unwrap();
        assert_eq!(emit(&txn, scope, EventType::PropertyDeleted, &json!({}), Utc::now()).await.unwrap(), None);
        txn.commit().await.unwrap();
        assert_eq!(webhook_message::Entity::find().count(db(&w.app)).await.unwrap(), 0);

        // A refused import writes no event either.
        let (status, _) = w.app.v1("POST", "/v1/leads", &key, Some(json!({"email": "not an email", "workspace_id": w.downtown}))).await;
        assert_eq!(status, 422);
        assert_eq!(webhook_message::Entity::find().count(db(&w.app)).await.unwrap(), 0);
        assert!(receiver.received().is_empty());
    }

    async fn internal_targets_are_refused_before_any_connection(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        // 127.0.0.1/32 is allowed in the tests; everything else internal is not.
        for url in [
            "http://127.0.0.2/", "https://[::1]/", "https://[::ffff:10.0.0.1]/", "https://169.254.169.254/latest/meta-data/",
            "https://2852039166/", "https://0251.0376.0251.0376/", "https://10.1.2.3/", "https://192.168.0.10/",
            "https://100.64.0.1/", "https://0.0.0.0/", "https://224.0.0.1/", "https://[fe80::1]/", "https://[fd00::1]/",
            "http://93.184.215.14/", "ftp://example.com/", "https://user:pass@example.com/",
        ] {
            let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": url}))).await;
            assert_eq!(status, 422, "{url}: {body}");
            assert_eq!(body["error"]["details"][0]["field"], "url", "{url}: {body}");
        }
        // The address as written (a message's first letter is capitalised,
        // an address's is not: "Fe80::1" was wrong).
        let (_, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": "https://[fe80::1]/"}))).await;
        let message = body["error"]["details"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("The address fe80::1 is a link-local address"), "{message}");
        assert_eq!(webhook_endpoint::Entity::find().count(db(&w.app)).await.unwrap(), 0);

        // At connect time too: an operator who takes loopback back off the
        // allowed networks stops deliveries there, by address and by name.
        let receiver = Receiver::start().await;
        let (by_address, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created"]})).await;
        let (by_name, _) = endpoint(&w.app, &key, json!({"url": format!("http://localhost:{}/", receiver.addr.port()), "event_types": ["lead.created"]})).await;
        let mut app = w.app;
        crate::key_lifecycle::restart_with(&mut app, |config| keyward::server::config::Config {
            webhook_allow_nets: Default::default(),
            ..config
        }).await;
        import_lead(&app, &key, w.downtown, "Nope").await;
        for id in [&by_address, &by_name] {
            let d = attempted(&app, id, 1).await;
            assert_eq!(d.state, "pending");
            let (_, log) = app.v1("GET", &format!("/v1/webhooks/{id}/deliveries"), &key, None).await;
            assert_eq!(log["data"][0]["error_kind"], "refused_address", "{log}");
        }
        assert!(receiver.received().is_empty(), "nothing reached the receiver");
    }

    async fn endpoint_management_is_checked_audited_and_kept_to_its_reach(engine) {
        let w = world(engine).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        // Missing or unknown fields and bad values are named.
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({}))).await;
        assert_eq!((status, body["error"]["details"][0]["field"].clone()), (422, json!("url")), "{body}");
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": receiver.url("/"), "event_types": []}))).await;
        assert_eq!((status, body["error"]["details"][0]["field"].clone()), (422, json!("event_types")), "{body}");
        let (status, _) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": receiver.url("/"), "event_types": ["lead.deleted"]}))).await;
        assert_eq!(status, 422);
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": receiver.url("/"), "secret": "whsec_c2hvcnQ="}))).await;
        assert_eq!((status, body["error"]["details"][0]["field"].clone()), (422, json!("secret")), "{body}");
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": receiver.url("/"), "description": "x".repeat(201)}))).await;
        assert_eq!((status, body["error"]["details"][0]["field"].clone()), (422, json!("description")), "{body}");
        // Bidi controls would make the list read otherwise; webhook.test is
        // only sent on request; port 0 connects nowhere.
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": receiver.url("/"), "description": "CRM \u{202E}cnys"}))).await;
        assert_eq!((status, body["error"]["details"][0]["field"].clone()), (422, json!("description")), "{body}");
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": receiver.url("/"), "event_types": ["webhook.test"]}))).await;
        assert_eq!((status, body["error"]["details"][0]["field"].clone()), (422, json!("event_types")), "{body}");
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &key, Some(json!({"url": "https://hooks.example.com:0/in"}))).await;
        assert_eq!((status, body["error"]["details"][0]["field"].clone()), (422, json!("url")), "{body}");

        // A secret of one's own is kept; a test event is signed with it and
        // its result is in the answer.
        let own = format!("whsec_{}", "QUJD".repeat(8));
        let (id, secret) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "secret": own, "description": "Mine"})).await;
        assert_eq!(secret, own);
        let (status, result) = w.app.v1("POST", &format!("/v1/webhooks/{id}/test"), &key, None).await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["succeeded"], true);
        assert_eq!(result["status_code"], 200);
        let got = receiver.wait_for(1, Duration::from_secs(5)).await;
        verify(&own, &got[0]).unwrap();
        assert_eq!(got[0].json()["type"], "webhook.test");

        // Resend: the same webhook-id, a new signature.
        let message = result["message_id"].as_str().unwrap();
        let (status, again) = w.app.v1("POST", &format!("/v1/webhooks/{id}/messages/{message}/resend"), &key, None).await;
        assert_eq!(status, 200, "{again}");
        let got = receiver.wait_for(2, Duration::from_secs(5)).await;
        assert_eq!(got[1].id(), message);
        verify(&own, &got[1]).unwrap();

        // Changes are checked and audited; the environment stays.
        let (status, body) = w.app.v1("PATCH", &format!("/v1/webhooks/{id}"), &key, Some(json!({"url": "https://10.0.0.1/"}))).await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = w.app.v1("PATCH", &format!("/v1/webhooks/{id}"), &key, Some(json!({"event_types": ["property.deleted"], "workspace_id": w.uptown}))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["event_types"], json!(["property.deleted"]));
        assert_eq!(body["workspace_id"], w.uptown);
        assert_eq!(body["workspace_name"], "Uptown");
        let (status, body) = w.app.v1("PATCH", &format!("/v1/webhooks/{id}"), &key, Some(json!({"workspace_id": null}))).await;
        assert_eq!((status, body["workspace_id"].clone()), (200, Value::Null), "{body}");
        let actions: Vec<String> = audit_event::Entity::find().all(db(&w.app)).await.unwrap().iter().map(|e| e.action.as_str().to_owned()).collect();
        for action in ["webhook_created", "webhook_updated", "webhook_resent"] {
            assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
        }

        // Another agency's key, a key without the scope, a test key: 404 / 403.
        let oz = w.app.signed_in("oz@other.test").await;
        let (_, settings) = w.app.call_form(&oz, "get_key_settings", &[]).await;
        let elsewhere = settings["workspaces"][0]["id"].as_i64().unwrap();
        let oz_id: i64 = {
            use keyward::entities::user;
            user::Entity::find().filter(user::Column::Email.eq("oz@other.test")).one(db(&w.app)).await.unwrap().unwrap().id
        };
        let oz_key = w.app.dashboard_key("oz@other.test", Some(elsewhere), oz_id, "live", &["webhooks"]).await;
        for (method, path) in [("GET", format!("/v1/webhooks/{id}")), ("DELETE", format!("/v1/webhooks/{id}")), ("POST", format!("/v1/webhooks/{id}/test"))] {
            assert_eq!(w.app.v1(method, &path, &oz_key, None).await.0, 404, "{method} {path}");
        }
        let (_, listed) = w.app.v1("GET", "/v1/webhooks", &oz_key, None).await;
        assert_eq!(listed["data"], json!([]));
        let reader = w.app.dashboard_key("sam@acme.test", None, w.sam, "live", &["read:leads"]).await;
        assert_eq!(w.app.v1("GET", "/v1/webhooks", &reader, None).await.0, 403);
        let test_key = w.app.dashboard_key("sam@acme.test", None, w.sam, "test", &["webhooks"]).await;
        assert_eq!(w.app.v1("GET", &format!("/v1/webhooks/{id}"), &test_key, None).await.0, 404, "a live endpoint is not a test key's");
        // A manager's workspace key manages its workspace's endpoints only.
        let max_key = w.app.dashboard_key("sam@acme.test", Some(w.downtown), w.max, "live", &["webhooks"]).await;
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &max_key, Some(json!({"url": receiver.url("/max")}))).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["workspace_id"], w.downtown);
        let (status, body) = w.app.v1("POST", "/v1/webhooks", &max_key, Some(json!({"url": receiver.url("/max"), "workspace_id": w.uptown}))).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(w.app.v1("GET", &format!("/v1/webhooks/{id}"), &max_key, None).await.0, 404, "an agency-wide endpoint");

        // Delete.
        assert_eq!(w.app.v1("DELETE", &format!("/v1/webhooks/{id}"), &key, None).await.0, 204);
        assert_eq!(w.app.v1("GET", &format!("/v1/webhooks/{id}"), &key, None).await.0, 404);
    }

    async fn key_events_reach_subscribed_endpoints(engine) {
        let w = world(engine).await;
        crate::v1_records::roomy(&w).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        endpoint(&w.app, &key, json!({"url": receiver.url("/keys"), "event_types": ["key.created", "key.revoked", "key.expiring"]})).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        let token = w.app.dashboard_key("sam@acme.test", Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let key_id = token.split('_').nth(2).unwrap().to_owned();
        let (status, body) = w.app.call_form(&sam, "revoke_key", &[("id", &key_id)]).await;
        assert_eq!(status, 200, "{body}");
        let got = receiver.wait_for(2, Duration::from_secs(5)).await;
        let types: Vec<String> = got.iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect();
        assert_eq!(types, ["key.created", "key.revoked"]);
        assert_eq!(got[0].json()["data"]["id"], key_id.as_str());
        assert_eq!(got[0].json()["data"]["public_key"], format!("kw_live_{key_id}"));
        assert!(!got[0].body.contains(token.rsplit('_').next().unwrap()), "never the secret");
        assert!(got[1].json()["data"]["revoked_at"].is_string());
    }
}

on_both_engines! {
    async fn the_jobs_announce_expiring_idle_and_deleted_keys_once(engine) {
        use keyward::server::jobs;
        let w = world(engine).await;
        crate::v1_records::roomy(&w).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["key.expiring", "key.inactive_warning", "key.auto_deleted"]})).await;
        // A workspace key, valid one month, never used.
        let sam = w.app.signed_in("sam@acme.test").await;
        let (status, made) = crate::keys::create(&w.app, &sam, crate::keys::form("Expiring", &w.downtown.to_string(), w.max, &["read:leads"])).await;
        assert_eq!(status, 200, "{made}");
        let key_id = made["id"].as_str().unwrap().to_owned();
        let row = keyward::entities::api_key::Entity::find_by_id(key_id.clone()).one(db(&w.app)).await.unwrap().unwrap();
        let expires = row.expires_at.expect("a month");
        // Two runs (two instances, say) in the notice's window: one message.
        let at = expires - TimeDelta::days(6);
        let (a, b) = tokio::join!(jobs::run(db(&w.app), at), jobs::run(db(&w.app), at));
        a.unwrap();
        b.unwrap();
        jobs::run(db(&w.app), at + TimeDelta::hours(1)).await.unwrap();
        let messages = webhook_message::Entity::find().all(db(&w.app)).await.unwrap();
        // (The hooks key itself expires in a month too: its own message.)
        assert_eq!(messages.iter().filter(|m| m.event_type == "key.expiring" && m.payload.contains(&key_id)).count(), 1, "{messages:?}");
        // Written as at the jobs' moment: due then.
        w.app.server().state.webhooks.run_due(db(&w.app), at + TimeDelta::hours(1)).await.unwrap();
        let got = receiver.wait_for(2, Duration::from_secs(5)).await;
        assert!(got.iter().any(|r| r.json()["type"] == "key.expiring" && r.json()["data"]["id"] == key_id.as_str()));

        // An idle key of the agency: warned once, then deleted (announced).
        let mut never = crate::keys::form("Idle", "", w.sam, &["read:leads"]);
        never["form"]["validity"] = json!("never");
        let (status, idle) = crate::keys::create(&w.app, &sam, never).await;
        assert_eq!(status, 200, "{idle}");
        let idle_id = idle["id"].as_str().unwrap().to_owned();
        let warn_at = Utc::now() + TimeDelta::days(90 - 14);
        jobs::run(db(&w.app), warn_at).await.unwrap();
        jobs::run(db(&w.app), warn_at + TimeDelta::minutes(5)).await.unwrap();
        jobs::run(db(&w.app), Utc::now() + TimeDelta::days(91)).await.unwrap();
        let messages = webhook_message::Entity::find().all(db(&w.app)).await.unwrap();
        let about = |kind: &str| messages.iter().filter(|m| m.event_type == kind && m.payload.contains(&idle_id)).count();
        assert_eq!(about("key.inactive_warning"), 1, "{messages:?}");
        assert_eq!(about("key.auto_deleted"), 1, "{messages:?}");
        let warning = messages.iter().find(|m| m.event_type == "key.inactive_warning" && m.payload.contains(&idle_id)).unwrap();
        let data: Value = serde_json::from_str(&warning.payload).unwrap();
        assert!(data["data"]["deletes_at"].is_string(), "{data}");
        let _ = id;
    }
}

// Imports arriving together commit in groups (one transaction, one commit
// for many): one import's failure (a duplicate external id that lost its
// race, a listing already gone) is its own, and every lead that was made is
// announced exactly once, with its own data.
on_both_engines! {
    async fn imports_committed_together_fail_and_announce_one_by_one(engine) {
        let w = world(engine).await;
        crate::v1_records::roomy(&w).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        endpoint(&w.app, &key, json!({"url": receiver.url("/"), "event_types": ["lead.created", "property.deleted"]})).await;
        let (status, listing) = w.app.v1("PUT", "/v1/properties/gone-soon", &key, Some(json!({"title": "Loft", "workspace_id": w.downtown}))).await;
        assert_eq!(status, 201, "{listing}");
        let listing_id = listing["id"].as_i64().unwrap();
        let client = crate::helpers::plain_client();
        let base = format!("http://{}", w.app.addr);
        let mut requests = tokio::task::JoinSet::new();
        for n in 0..48 {
            let external_id = if n % 2 == 0 { format!("dup-{}", n % 8) } else { format!("one-{n}") };
            let body = json!({"first_name": format!("L{n}"), "external_id": external_id, "workspace_id": w.downtown});
            let request = client.post(format!("{base}/v1/leads")).bearer_auth(&key).json(&body);
            requests.spawn(async move {
                let answer = request.send().await.unwrap();
                (answer.status().as_u16(), answer.json::<Value>().await.unwrap())
            });
        }
        for id in [listing_id, listing_id, 999_999] {
            let request = client.delete(format!("{base}/v1/properties/{id}")).bearer_auth(&key);
            requests.spawn(async move { (request.send().await.unwrap().status().as_u16(), Value::Null) });
        }
        let answers = requests.join_all().await;
        let created: Vec<&Value> = answers.iter().filter(|(status, _)| *status == 201).map(|(_, lead)| lead).collect();
        let again = answers.iter().filter(|(status, body)| *status == 200 && !body.is_null()).count();
        // 24 distinct ids sent once, 4 sent 6 times each.
        assert_eq!((created.len(), again), (28, 20), "{answers:?}");
        let deletes: Vec<u16> = answers.iter().filter(|(_, body)| body.is_null()).map(|(status, _)| *status).collect();
        assert_eq!(deletes.iter().filter(|s| **s == 204).count(), 1, "{deletes:?}");
        assert_eq!(deletes.iter().filter(|s| **s == 404).count(), 2, "{deletes:?}");

        let messages = webhook_message::Entity::find().all(db(&w.app)).await.unwrap();
        let announced: Vec<Value> = messages
            .iter()
            .filter(|m| m.event_type == "lead.created")
            .map(|m| serde_json::from_str::<Value>(&m.payload).unwrap()["data"].clone())
            .collect();
        let mut announced_ids: Vec<i64> = announced.iter().map(|lead| lead["id"].as_i64().unwrap()).collect();
        announced_ids.sort();
        let mut created_ids: Vec<i64> = created.iter().map(|lead| lead["id"].as_i64().unwrap()).collect();
        created_ids.sort();
        assert_eq!(announced_ids, created_ids, "each lead made is announced once");
        for lead in &created {
            let data = announced.iter().find(|a| a["id"] == lead["id"]).unwrap();
            assert_eq!(data["external_id"], lead["external_id"]);
            assert_eq!(data["first_name"], lead["first_name"]);
        }
        assert_eq!(messages.iter().filter(|m| m.event_type == "property.deleted").count(), 1);
        assert_eq!(webhook_delivery::Entity::find().count(db(&w.app)).await.unwrap(), 29);
        let got = receiver.wait_for(29, Duration::from_secs(30)).await;
        settled(&w.app).await;
        assert_eq!(receiver.received().len(), 29, "{}", got.len());
    }
}

/// Two instances on one database share the outbox: 1,000 imports fanned
/// out to 3 endpoints arrive exactly 3,000 times, each message once per
/// endpoint, whichever instance claimed it.
async fn two_instances_deliver_each_message_exactly_once(engine: Engine) {
    let w = world(engine).await;
    let key = hooks_key(&w).await;
    let receiver = Receiver::start().await;
    for path in ["/a", "/b", "/c"] {
        endpoint(
            &w.app,
            &key,
            json!({"url": receiver.url(path), "event_types": ["lead.created"]}),
        )
        .await;
    }
    let second = keyward::server::http::Server::start(w.app.config())
        .await
        .unwrap();
    let addrs = [w.app.addr, second.addr];
    let client = crate::helpers::plain_client();
    let mut imports = futures_like::Bounded::new(16);
    for n in 0..1000 {
        let url = format!("http://{}/v1/leads", addrs[n % 2]);
        let body = json!({"first_name": format!("L{n}"), "workspace_id": w.downtown});
        let request = client.post(url).bearer_auth(&key).json(&body);
        imports
            .push(async move { request.send().await.unwrap().status().as_u16() })
            .await;
    }
    for status in imports.finish().await {
        assert_eq!(status, 201);
    }
    assert_eq!(
        webhook_delivery::Entity::find().count(db(&w.app)).await.unwrap(),
        3000
    );
    receiver.wait_for(3000, Duration::from_secs(120)).await;
    settled(&w.app).await;
    let got = receiver.received();
    let pairs: HashSet<(String, String)> = got.iter().map(|r| (r.path.clone(), r.id())).collect();
    let failed = keyward::entities::webhook_attempt::Entity::find()
        .filter(keyward::entities::webhook_attempt::Column::Succeeded.eq(false))
        .all(db(&w.app))
        .await
        .unwrap();
    assert_eq!(
        got.len(),
        3000,
        "exactly 3,000 deliveries; failed attempts: {failed:?}"
    );
    assert_eq!(pairs.len(), 3000, "each message once per endpoint");
    second.stop().await.unwrap();
}

#[tokio::test]
async fn two_instances_on_sqlite_deliver_each_message_exactly_once() {
    crate::helpers::bounded(two_instances_deliver_each_message_exactly_once(Engine::Sqlite)).await;
}

#[tokio::test]
async fn two_instances_on_postgres_deliver_each_message_exactly_once() {
    if crate::helpers::postgres_available().await {
        crate::helpers::bounded(two_instances_deliver_each_message_exactly_once(Engine::Postgres)).await;
    }
}

/// A receiver that never answers is a timeout at 15 s.
#[tokio::test]
async fn a_receiver_that_hangs_is_a_timeout_at_fifteen_seconds() {
    crate::helpers::bounded(async {
        let w = world(Engine::Sqlite).await;
        let key = hooks_key(&w).await;
        let receiver = Receiver::start().await;
        receiver.then(Reply::Hang);
        let (id, _) = endpoint(&w.app, &key, json!({"url": receiver.url("/")})).await;
        let began = Instant::now();
        let (status, result) = w
            .app
            .v1("POST", &format!("/v1/webhooks/{id}/test"), &key, None)
            .await;
        let took = began.elapsed();
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["succeeded"], false);
        assert_eq!(result["error_kind"], "timeout", "{result}");
        assert!(
            took >= Duration::from_secs(15) && took < Duration::from_secs(20),
            "{took:?}"
        );
        let latency = result["latency_ms"].as_i64().unwrap();
        assert!((15_000..20_000).contains(&latency), "{latency}");
        assert_eq!(
            delivery(&w.app, &id).await.state,
            "pending",
            "retried on the schedule"
        );
    })
    .await;
}

/// Just enough of a bounded task group for the imports above.
mod futures_like {
    use std::future::Future;
    use tokio::task::JoinSet;

    pub struct Bounded<T> {
        set: JoinSet<T>,
        limit: usize,
        done: Vec<T>,
    }

    impl<T: Send + 'static> Bounded<T> {
        pub fn new(limit: usize) -> Self {
            Self {
                set: JoinSet::new(),
                limit,
                done: Vec::new(),
            }
        }

        pub async fn push(&mut self, task: impl Future<Output = T> + Send + 'static) {
            while self.set.len() >= self.limit {
                let finished = self.set.join_next().await.unwrap().unwrap();
                self.done.push(finished);
            }
            self.set.spawn(task);
        }

        pub async fn finish(mut self) -> Vec<T> {
            while let Some(finished) = self.set.join_next().await {
                self.done.push(finished.unwrap());
            }
            self.done
        }
    }
}

/// No loss: a server killed (`kill -9`) while a delivery is under way sends
/// it again once restarted and its claim's lease has run out, with the
/// same `webhook-id`.
#[tokio::test]
async fn a_delivery_cut_by_kill_9_arrives_after_a_restart_with_the_same_id() {
    crate::helpers::bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let allow = [("KEYWARD_WEBHOOK_ALLOW_NETS", "127.0.0.1/32")];
        let (mut child, addr, token) =
            crate::operations::serving_with(dir.path(), "webhooks,write:leads", &allow);
        let receiver = Receiver::start().await;
        receiver.then(Reply::Hang);
        let client = crate::helpers::plain_client();
        let created = client
            .post(format!("http://{addr}/v1/webhooks"))
            .bearer_auth(&token)
            .json(&json!({"url": receiver.url("/"), "event_types": ["lead.created"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let secret = created.json::<Value>().await.unwrap()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let lead = client
            .post(format!("http://{addr}/v1/leads"))
            .bearer_auth(&token)
            .json(&json!({"first_name": "Kim"}))
            .send()
            .await
            .unwrap();
        assert_eq!(lead.status(), 201);
        let first = receiver.wait_for(1, Duration::from_secs(5)).await;

        // Killed while the receiver holds the request: nothing recorded.
        child.kill().unwrap();
        child.wait().unwrap();
        let killed_at = Instant::now();
        let (mut again, _) = crate::operations::serve_in(dir.path(), &allow);
        let got = receiver
            .wait_for(
                2,
                keyward::server::webhooks::dispatch::LEASE + Duration::from_secs(10),
            )
            .await;
        assert!(killed_at.elapsed() < keyward::server::webhooks::dispatch::LEASE + Duration::from_secs(10));
        assert_eq!(got[1].id(), first[0].id(), "the same webhook-id");
        verify(&secret, &got[1]).expect("signed anew, verifiable");
        assert_eq!(got[1].json()["data"]["first_name"], "Kim");
        again.kill().unwrap();
        again.wait().unwrap();
    })
    .await;
}
