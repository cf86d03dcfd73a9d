//! Rolling a key with each grace period, IP allowlists (IPv4, IPv6, behind
//! trusted and untrusted proxies), a key's own page and the audit log.
use chrono::{TimeDelta, Utc};
use keyward::domain::ip_allowlist::IpAllowlist;
use keyward::domain::token::Token;
use keyward::server::config::Config;
use keyward::server::http::Server;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::keys::{world, World};
use crate::on_both_engines;
use crate::v1_records::{key, roomy};

fn id_of(token: &str) -> String {
    token.split('_').nth(2).unwrap().to_owned()
}

/// `/v1/me` with a token and, optionally, an `X-Forwarded-For`.
async fn me(app: &TestApp, token: &str, forwarded_for: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .get(app.url("/v1/me"))
        .header("authorization", format!("Bearer {token}"));
    if let Some(header) = forwarded_for {
        request = request.header("x-forwarded-for", header);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Restarts the app's server with `change` applied to its configuration.
pub(crate) async fn restart_with(app: &mut TestApp, change: impl FnOnce(Config) -> Config) {
    if let Some(server) = app.server.take() {
        server.stop().await.unwrap();
    }
    let server = Server::start(change(app.db.config())).await.unwrap();
    app.addr = server.addr;
    app.server = Some(server);
}

async fn roll(w: &World, email: &str, id: &str, grace: &str) -> (u16, Value) {
    let browser = w.app.signed_in(email).await;
    w.app
        .call_form(&browser, "roll_key", &[("id", id), ("grace", grace)])
        .await
}

async fn allow(w: &World, id: &str, list: &str) -> (u16, Value) {
    let sam = w.app.signed_in("sam@acme.test").await;
    w.app
        .call_form(&sam, "set_key_allowlist", &[("id", id), ("ip_allowlist", list)])
        .await
}

async fn detail(w: &World, email: &str, id: &str) -> (u16, Value) {
    let browser = w.app.signed_in(email).await;
    w.app.call_form(&browser, "get_key_detail", &[("id", id)]).await
}

async fn audit(app: &TestApp, browser: &crate::helpers::Browser, query: Value) -> (u16, Value) {
    app.call_json(browser, "list_audit_events", json!({ "query": query }))
        .await
}

on_both_engines! {
    async fn a_roll_issues_a_new_secret_for_the_same_key_and_the_old_one_works_for_its_grace(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        for (grace, hours) in [("now", 0), ("1h", 1), ("24h", 24), ("7d", 168)] {
            let old = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
            let id = id_of(&old);
            assert_eq!(me(&w.app, &old, None).await.0, 200);

            let before = Utc::now();
            let (status, rolled) = roll(&w, "max@acme.test", &id, grace).await;
            assert_eq!(status, 200, "{rolled}");
            let new = rolled["token"].as_str().unwrap().to_owned();
            assert_ne!(new, old);
            assert_eq!(rolled["id"], json!(id), "same key id");
            assert_eq!(rolled["api_key"], json!(format!("kw_live_{id}")));
            assert!(new.ends_with(rolled["secret"].as_str().unwrap()));

            // The next request sees the change.
            let (status, body) = me(&w.app, &new, None).await;
            assert_eq!((status, body["id"].clone()), (200, json!(id)), "{grace}");
            assert_eq!(me(&w.app, &old, None).await.0, if hours == 0 { 401 } else { 200 }, "{grace}");

            // The old secret's end, checked by the same code the API runs.
            let state = &w.app.server().state;
            let record = state.keys.get(&state.db, &id).await.unwrap().unwrap();
            let old_hash = state.pepper.hash(&Token::parse(&old).unwrap());
            let new_hash = state.pepper.hash(&Token::parse(&new).unwrap());
            let grace_ends = before + TimeDelta::hours(hours);
            let after = Utc::now() + TimeDelta::hours(hours);
            if hours > 0 {
                assert!(record.secret_matches(&old_hash, grace_ends - TimeDelta::seconds(5)), "{grace}");
            }
            assert!(!record.secret_matches(&old_hash, after + TimeDelta::seconds(1)), "{grace}");
            assert!(record.secret_matches(&new_hash, after + TimeDelta::days(30)));

            // The table shows until when the old secret works.
            let sam = w.app.signed_in("sam@acme.test").await;
            let (_, page) = w.app.call_json(&sam, "list_keys", json!({"query": {"q": "", "sort": "created", "dir": "desc", "page": 1}})).await;
            let row = page["rows"].as_array().unwrap().iter().find(|r| r["id"] == json!(id)).unwrap().clone();
            assert_eq!(row["old_secret_until"].is_null(), hours == 0, "{row}");
        }
    }

    async fn a_second_roll_ends_the_first_grace_and_only_active_keys_roll(engine) {
        let w = world(engine).await;
        let first = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = id_of(&first);
        let (_, second) = roll(&w, "sam@acme.test", &id, "7d").await;
        let second = second["token"].as_str().unwrap().to_owned();
        let (_, third) = roll(&w, "sam@acme.test", &id, "1h").await;
        let third = third["token"].as_str().unwrap().to_owned();
        assert_eq!(me(&w.app, &first, None).await.0, 401, "the first secret's grace ended");
        assert_eq!(me(&w.app, &second, None).await.0, 200);
        assert_eq!(me(&w.app, &third, None).await.0, 200);

        assert_eq!(roll(&w, "sam@acme.test", &id, "2h").await.0, 422);
        assert_eq!(roll(&w, "ada@acme.test", &id, "1h").await.0, 403, "agents see, never change");
        assert_eq!(roll(&w, "oz@other.test", &id, "1h").await.0, 404, "another agency");
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(w.app.call_form(&sam, "revoke_key", &[("id", &id)]).await.0, 200);
        let (status, body) = roll(&w, "sam@acme.test", &id, "1h").await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(me(&w.app, &third, None).await.0, 401);

        let (_, page) = w.app.call_json(&sam, "list_audit_events", json!({"query": {"key": id, "actor": "", "action": "rolled", "q": "", "page": 1}})).await;
        let details: Vec<&str> = page["rows"].as_array().unwrap().iter().map(|r| r["details"].as_str().unwrap()).collect();
        assert_eq!(details.len(), 2, "{page}");
        assert!(details[0].starts_with("grace: 1 hour"), "{details:?}");
        assert!(details[1].starts_with("grace: 7 days"), "{details:?}");
    }

    async fn an_allowlist_admits_its_addresses_and_refuses_others_with_ip_not_allowed(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = id_of(&token);

        let (status, body) = allow(&w, &id, "10.0.0.300\n203.0.113.5/24").await;
        assert_eq!(status, 422, "{body}");
        let message = body["Invalid"][0]["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.contains("“10.0.0.300” is not an IP address"), "{body}");
        assert!(message.contains("did you mean 203.0.113.0/24?"), "{body}");
        assert_eq!(me(&w.app, &token, None).await.0, 200, "a refused list changes nothing");

        assert_eq!(allow(&w, &id, "203.0.113.0/24, 2001:db8::/32").await.0, 200);
        let (status, body) = me(&w.app, &token, None).await;
        assert_eq!(status, 403);
        assert_eq!(body["error"]["code"], "IP_NOT_ALLOWED");
        assert!(body["error"]["message"].as_str().unwrap().contains("127.0.0.1"), "{body}");
        // Not trusted: the header is ignored.
        assert_eq!(me(&w.app, &token, Some("203.0.113.7")).await.0, 403);

        assert_eq!(allow(&w, &id, "127.0.0.0/8").await.0, 200);
        assert_eq!(me(&w.app, &token, None).await.0, 200);
        let (_, shown) = detail(&w, "sam@acme.test", &id).await;
        assert_eq!(shown["row"]["ip_allowlist"], json!(["127.0.0.0/8"]));
        assert_eq!(allow(&w, &id, "").await.0, 200, "empty: anywhere");
        assert_eq!(me(&w.app, &token, None).await.0, 200);

        let sam = w.app.signed_in("sam@acme.test").await;
        let (_, page) = w.app.call_json(&sam, "list_audit_events", json!({"query": {"key": id, "actor": "", "action": "allowlist_changed", "q": "", "page": 1}})).await;
        let details: Vec<&str> = page["rows"].as_array().unwrap().iter().map(|r| r["details"].as_str().unwrap()).collect();
        assert_eq!(details, [
            "from 127.0.0.0/8 to anywhere",
            "from 203.0.113.0/24, 2001:db8::/32 to 127.0.0.0/8",
            "from anywhere to 203.0.113.0/24, 2001:db8::/32",
        ]);
        let ada = w.app.signed_in("ada@acme.test").await;
        assert_eq!(w.app.call_form(&ada, "set_key_allowlist", &[("id", &id), ("ip_allowlist", "")]).await.0, 403);
    }

    async fn behind_a_trusted_proxy_the_forwarded_client_is_checked_and_recorded(engine) {
        let mut w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = id_of(&token);
        assert_eq!(allow(&w, &id, "203.0.113.0/24 2001:db8::/32").await.0, 200);
        restart_with(&mut w.app, |config| Config {
            trusted_proxies: IpAllowlist::parse("127.0.0.1").unwrap(),
            ..config
        })
        .await;

        assert_eq!(me(&w.app, &token, Some("203.0.113.7")).await.0, 200);
        assert_eq!(me(&w.app, &token, Some("2001:db8::7")).await.0, 200, "IPv6 client");
        // A client cannot prepend an address: the nearest untrusted hop counts.
        let (status, body) = me(&w.app, &token, Some("203.0.113.7, 198.51.100.1")).await;
        assert_eq!((status, body["error"]["code"].clone()), (403, json!("IP_NOT_ALLOWED")));
        assert!(body["error"]["message"].as_str().unwrap().contains("198.51.100.1"));
        assert_eq!(me(&w.app, &token, None).await.0, 403, "the proxy itself is not allowed");

        // The last use is recorded from the client, not the proxy.
        assert_eq!(me(&w.app, &token, Some("203.0.113.9")).await.0, 200);
        w.app.server().state.usage.flush(&w.app.server().state.db).await.unwrap();
        let (_, shown) = detail(&w, "sam@acme.test", &id).await;
        assert_eq!(shown["last_used_ip"], json!("203.0.113.9"));
    }

    async fn behind_a_trusted_proxy_malformed_ported_and_repeated_hops_name_the_real_client(engine) {
        let mut w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = id_of(&token);
        assert_eq!(allow(&w, &id, "127.0.0.0/8").await.0, 200);
        restart_with(&mut w.app, |config| Config {
            trusted_proxies: IpAllowlist::parse("127.0.0.1").unwrap(),
            ..config
        })
        .await;
        // A client-sent bad hop, then the address the proxy appended: the
        // client is 203.0.113.9, not the proxy.
        let (status, body) = me(&w.app, &token, Some("garbage, 203.0.113.9")).await;
        assert_eq!((status, body["error"]["code"].clone()), (403, json!("IP_NOT_ALLOWED")), "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("203.0.113.9"), "{body}");
        // A malformed hop the walk reaches: unknown, refused by any allowlist.
        for header in ["garbage", "unknown", "203.0.113.9, nonsense, 127.0.0.1"] {
            let (status, body) = me(&w.app, &token, Some(header)).await;
            assert_eq!((status, body["error"]["code"].clone()), (403, json!("IP_NOT_ALLOWED")), "{header}: {body}");
            assert!(body["error"]["message"].as_str().unwrap().contains("unknown"), "{body}");
        }
        // Hops with a port.
        assert_eq!(allow(&w, &id, "203.0.113.0/24 2001:db8::/32").await.0, 200);
        assert_eq!(me(&w.app, &token, Some("203.0.113.9:4711")).await.0, 200);
        assert_eq!(me(&w.app, &token, Some("[2001:db8::1]:443")).await.0, 200);
        // Two header lines are one list: a client's line, then the proxy's.
        assert_eq!(allow(&w, &id, "127.0.0.0/8").await.0, 200);
        let response = reqwest::Client::new()
            .get(w.app.url("/v1/me"))
            .header("authorization", format!("Bearer {token}"))
            .header("x-forwarded-for", "127.0.0.5")
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "the second line is the proxy's: the client is 203.0.113.9");
        // An entry written IPv4-mapped matches its IPv4 client.
        assert_eq!(allow(&w, &id, "::ffff:203.0.113.7").await.0, 200);
        let (_, shown) = detail(&w, "sam@acme.test", &id).await;
        assert_eq!(shown["row"]["ip_allowlist"], json!(["203.0.113.7"]));
        assert_eq!(me(&w.app, &token, Some("203.0.113.7")).await.0, 200);
    }

    async fn only_requests_a_key_was_allowed_to_make_are_uses_and_refusals_are_counted_by_reason(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:properties"]).await;
        let id = id_of(&token);
        let flush = || async { w.app.server().state.usage.flush(&w.app.server().state.db).await.unwrap() };

        // A missing scope: 403, and not a use.
        for _ in 0..3 {
            assert_eq!(w.app.v1("GET", "/v1/leads", &token, None).await.0, 403);
        }
        // Outside the IP allowlist: 403 IP_NOT_ALLOWED, and not a use.
        assert_eq!(allow(&w, &id, "203.0.113.0/24").await.0, 200);
        assert_eq!(me(&w.app, &token, None).await.0, 403);
        assert_eq!(allow(&w, &id, "").await.0, 200);
        // Over the rate limit: 429, and not a use.
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(w.app.call_form(&sam, "set_key_rate_limit", &[("id", &id), ("rate_limit", "1")]).await.0, 200);
        let mut limited = 0;
        for _ in 0..4 {
            if me(&w.app, &token, None).await.0 == 429 {
                limited += 1;
            }
        }
        assert!(limited >= 1, "a burst of 2, then refused");
        flush().await;
        let (_, shown) = detail(&w, "sam@acme.test", &id).await;
        let allowed = 4 - limited;
        assert_eq!(shown["row"]["usage_count"], json!(allowed), "only the admitted /v1/me calls: {shown}");
        assert_eq!(
            shown["refusals"],
            json!([["Scope", 3], ["Forbidden", 0], ["Ip", 1], ["RateLimit", limited]]),
            "{shown}"
        );

        // A key refused every time is never "used": its inactivity clock
        // still runs from its creation.
        let never = key(&w.app, Some(w.downtown), w.max, "live", &["read:properties"]).await;
        assert_eq!(w.app.v1("GET", "/v1/leads", &never, None).await.0, 403);
        flush().await;
        let (_, shown) = detail(&w, "sam@acme.test", &id_of(&never)).await;
        assert_eq!((shown["row"]["usage_count"].clone(), shown["row"]["last_used_at"].clone()), (json!(0), Value::Null), "{shown}");
        assert_eq!(shown["refusals"][0], json!(["Scope", 1]));
    }

    async fn over_ipv6_the_socket_address_is_the_client(engine) {
        let mut w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = id_of(&token);
        restart_with(&mut w.app, |config| Config { addr: "[::1]:0".parse().unwrap(), ..config }).await;
        assert!(w.app.addr.is_ipv6());
        assert_eq!(allow(&w, &id, "::1").await.0, 200);
        assert_eq!(me(&w.app, &token, None).await.0, 200);
        assert_eq!(allow(&w, &id, "127.0.0.1 2001:db8::/32").await.0, 200);
        let (status, body) = me(&w.app, &token, None).await;
        assert_eq!(status, 403);
        assert!(body["error"]["message"].as_str().unwrap().contains("::1"), "{body}");
    }

    async fn a_key_page_shows_its_metadata_30_days_of_requests_and_its_trail(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads", "write:leads"]).await;
        let id = id_of(&token);
        for _ in 0..3 {
            assert_eq!(me(&w.app, &token, None).await.0, 200);
        }
        let state = &w.app.server().state;
        // Two days ago, as the usage recorder counts any request.
        state.usage.record(&id, Utc::now() - TimeDelta::days(2), None);
        state.usage.flush(&state.db).await.unwrap();
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(w.app.call_form(&sam, "rename_key", &[("id", &id), ("name", "Portal feed")]).await.0, 200);

        let (status, page) = detail(&w, "max@acme.test", &id).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["row"]["name"], "Portal feed");
        assert_eq!(page["row"]["acting_as"], "Max Manager");
        assert_eq!(page["row"]["workspace"], "Downtown");
        assert_eq!(page["last_used_ip"], "127.0.0.1");
        let usage = page["usage"].as_array().unwrap();
        assert_eq!(usage.len(), 30);
        assert_eq!(usage[29]["day"], json!(Utc::now().date_naive()));
        assert_eq!(usage[29]["requests"], 3);
        assert_eq!(usage[27]["requests"], 1);
        assert_eq!(usage.iter().map(|d| d["requests"].as_i64().unwrap()).sum::<i64>(), 4);
        let actions: Vec<&str> = page["trail"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["renamed", "created"]);
        assert_eq!(page["trail"][0]["actor"], "Sam Super");
        assert_eq!(page["trail"][0]["details"], "from Integration to Portal feed");

        assert_eq!(detail(&w, "oz@other.test", &id).await.0, 404, "another agency");
        assert_eq!(detail(&w, "uma@acme.test", &id).await.0, 404, "another workspace");
        assert_eq!(detail(&w, "ada@acme.test", &id).await.0, 200, "agents of the workspace see it");
        assert_eq!(detail(&w, "sam@acme.test", "nope").await.0, 404);

        // Rendered on the server.
        let html = sam.get(w.app.url(&format!("/admin/profile/developer-settings/keys/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<h1>Portal feed</h1>"), "{html}");
        assert!(html.contains("<svg"), "the chart");
        assert!(html.contains("Requests per day, last 30 days"), "the chart's table");
        assert!(!html.contains(token.rsplit_once('_').unwrap().1), "never the secret");
    }

    async fn the_audit_log_filters_searches_pages_and_shows_each_viewer_their_share(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let downtown = id_of(&key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await);
        let uptown = id_of(&key(&w.app, Some(w.uptown), w.sam, "live", &["read:leads"]).await);
        let max = w.app.signed_in("max@acme.test").await;
        for n in 0..30 {
            let name = format!("Downtown feed {n}");
            assert_eq!(w.app.call_form(&max, "rename_key", &[("id", &downtown), ("name", &name)]).await.0, 200);
        }
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(w.app.call_form(&sam, "revoke_key", &[("id", &uptown)]).await.0, 200);

        let all = |key: &str, actor: &str, action: &str, q: &str, page: u64| json!({"key": key, "actor": actor, "action": action, "q": q, "page": page});

        // Everything, newest first, 25 a page.
        let (status, first) = audit(&w.app, &sam, all("", "", "", "", 1)).await;
        assert_eq!(status, 200, "{first}");
        assert!(first["total"].as_u64().unwrap() >= 34, "2 creates, 30 renames, a revoke, the limit: {}", first["total"]);
        assert_eq!(first["rows"].as_array().unwrap().len(), 25);
        assert_eq!(first["rows"][0]["action"], "revoked");
        let (_, second) = audit(&w.app, &sam, all("", "", "", "", 2)).await;
        assert_eq!(second["query"]["page"], 2);
        let (_, beyond) = audit(&w.app, &sam, all("", "", "", "", 99)).await;
        assert_eq!(beyond["query"]["page"], beyond["pages"], "a page past the end is the last");

        // Filters: by key, by actor, by action, and search.
        let (_, by_key) = audit(&w.app, &sam, all(&uptown, "", "", "", 1)).await;
        let actions: Vec<&str> = by_key["rows"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["revoked", "created"]);
        let (_, by_actor) = audit(&w.app, &sam, all("", &format!("user:{}", w.max), "renamed", "", 1)).await;
        assert_eq!(by_actor["total"], 30);
        let (_, found) = audit(&w.app, &sam, all("", "", "", "feed 17", 1)).await;
        assert_eq!(found["total"], 2, "renamed to 17, and from 17 to 18: {found}");
        let (_, nobody) = audit(&w.app, &sam, all("", "user:x", "", "", 1)).await;
        assert_eq!(nobody["total"], 0);
        assert!(by_key["keys"].as_array().unwrap().iter().any(|c| c["value"] == json!(downtown) && c["label"] == "Downtown feed 29"));
        assert!(by_key["actors"].as_array().unwrap().iter().any(|c| c["label"] == "Max Manager"));

        // A manager reads the events of the keys they can see; no agency settings.
        let (_, mine) = audit(&w.app, &max, all("", "", "", "", 1)).await;
        assert_eq!(mine["total"], 31, "Downtown's create and 30 renames");
        let (_, other) = audit(&w.app, &max, all(&uptown, "", "", "", 1)).await;
        assert_eq!(other["total"], 0);
        let oz = w.app.signed_in("oz@other.test").await;
        let (_, theirs) = audit(&w.app, &oz, all(&downtown, "", "", "", 1)).await;
        assert_eq!(theirs["total"], 0, "another agency's log is not there");

        let html = sam.get(w.app.url("/admin/profile/developer-settings/audit-log?action=revoked")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("<h1>Audit log</h1>"), "{html}");
        assert!(html.contains("Revoked"));
    }
}

on_both_engines! {
    async fn an_audit_search_pages_the_same_with_few_matches_or_thousands(engine) {
        use keyward::domain::audit_action::AuditAction;
        use keyward::entities::{audit_event, user};
        use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
        let w = world(engine).await;
        let db = &w.app.server().state.db;
        let agency = user::Entity::find_by_id(w.sam).one(db).await.unwrap().unwrap().agency_id;
        // 2,100 events (more than a search sorts by itself, 2,000), a second apart.
        let start = Utc::now() - TimeDelta::days(1);
        let txn = db.begin().await.unwrap();
        for n in 0..2_100 {
            audit_event::ActiveModel {
                agency_id: Set(agency),
                actor_label: Set("Sam Super".into()),
                action: Set(AuditAction::Renamed),
                key_id: Set(Some(format!("bulk{n:08}"))),
                key_name: Set(Some(format!("Bulk feed {n}"))),
                details: Set("{}".into()),
                created_at: Set(start + TimeDelta::seconds(n)),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
        let sam = w.app.signed_in("sam@acme.test").await;
        let search = |q: &'static str, page: u64| {
            let (app, sam) = (&w.app, &sam);
            async move {
                let (status, found) = audit(app, sam, json!({"key": "", "actor": "", "action": "", "q": q, "page": page})).await;
                assert_eq!(status, 200, "{found}");
                let names: Vec<String> = found["rows"].as_array().unwrap().iter().map(|r| r["key_name"].as_str().unwrap().to_owned()).collect();
                (found["total"].as_u64().unwrap(), found["pages"].as_u64().unwrap(), names)
            }
        };
        let expect = |numbers: std::ops::Range<i64>| numbers.rev().map(|n| format!("Bulk feed {n}")).collect::<Vec<_>>();

        // Thousands of matches: counted, and walked newest first.
        let (total, pages, first) = search("bulk feed", 1).await;
        assert_eq!((total, pages), (2_100, 84));
        assert_eq!(first, expect(2_075..2_100));
        assert_eq!(search("bulk feed", 2).await.2, expect(2_050..2_075));
        assert_eq!(search("bulk feed", 84).await.2, expect(0..25));
        // A hundred and eleven (20, 200–209, 2000–2099): sorted by themselves, the same order.
        let (total, pages, first) = search("bulk feed 20", 1).await;
        assert_eq!((total, pages), (111, 5));
        assert_eq!(first, expect(2_075..2_100));
        let (_, _, last) = search("bulk feed 20", 5).await;
        assert_eq!(last, ["Bulk feed 209", "Bulk feed 208", "Bulk feed 207", "Bulk feed 206", "Bulk feed 205", "Bulk feed 204", "Bulk feed 203", "Bulk feed 202", "Bulk feed 201", "Bulk feed 200", "Bulk feed 20"]);
        assert_eq!(search("bulk feed 20", 9).await.2, last, "past the end: the last page");
    }

    async fn changing_scopes_takes_effect_on_the_next_request_and_is_audited(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = id_of(&token);
        let leads = |token: String| {
            let app = &w.app;
            async move { app.v1("GET", "/v1/leads", &token, None).await.0 }
        };
        assert_eq!(leads(token.clone()).await, 200);
        let sam = w.app.signed_in("sam@acme.test").await;
        let set = |scopes: Value| json!({ "id": id, "scopes": scopes });
        let (status, body) = w.app.call_json(&sam, "set_key_scopes", set(json!(["read:properties", "write:properties"]))).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(leads(token.clone()).await, 403, "the very next request");

        let (status, body) = w.app.call_json(&sam, "set_key_scopes", set(json!([]))).await;
        assert_eq!(status, 422, "{body}");
        let (status, _) = w.app.call_json(&sam, "set_key_scopes", set(json!(["read:everything"]))).await;
        assert_eq!(status, 422);
        let ada = w.app.signed_in("ada@acme.test").await;
        assert_eq!(w.app.call_json(&ada, "set_key_scopes", set(json!(["read:leads"]))).await.0, 403);

        let (_, page) = audit(&w.app, &sam, json!({"key": id, "actor": "", "action": "scopes_changed", "q": "", "page": 1})).await;
        assert_eq!(page["rows"][0]["details"], "from read:leads to read:properties, write:properties");
        let (_, shown) = detail(&w, "max@acme.test", &id).await;
        assert_eq!(shown["row"]["scopes"], json!(["read:properties", "write:properties"]));
    }

    async fn scopes_that_unlock_nothing_are_not_offered_but_keys_that_have_them_keep_them(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        // `webhooks` unlocks /v1/webhooks since issue 15: offered.
        for scope in ["write:agents"] {
            let form = json!({"form": {"name": "Hook", "workspace": w.downtown.to_string(), "act_as": w.max.to_string(), "validity": "1m", "custom_date": "", "environment": "live", "scopes": [scope, "read:leads"]}});
            let (status, body) = w.app.call_json(&sam, "create_key", form).await;
            assert_eq!(status, 422, "{body}");
            assert!(body.to_string().contains(&format!("{scope} does not unlock anything yet")), "{body}");
        }
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = id_of(&token);
        let set = |scopes: Value| json!({ "id": id, "scopes": scopes });
        let (status, body) = w.app.call_json(&sam, "set_key_scopes", set(json!(["read:leads", "write:agents"]))).await;
        assert_eq!(status, 422, "not added: {body}");
        // A key made before the scopes were hidden keeps them.
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let old = keyward::entities::api_key::ActiveModel {
            id: sea_orm::ActiveValue::Unchanged(id.clone()),
            scopes: Set("read:leads write:agents".into()),
            ..Default::default()
        };
        old.update(&w.app.server().state.db).await.unwrap();
        let (status, body) = w.app.call_json(&sam, "set_key_scopes", set(json!(["read:leads", "read:properties", "write:agents"]))).await;
        assert_eq!(status, 200, "kept: {body}");
        let (status, body) = w.app.call_json(&sam, "set_key_scopes", set(json!(["read:leads", "webhooks"]))).await;
        assert_eq!(status, 200, "webhooks may be added: {body}");
        // Another agency's key is not found, whatever the scopes.
        let oz = w.app.signed_in("oz@other.test").await;
        assert_eq!(w.app.call_json(&oz, "set_key_scopes", set(json!(["webhooks"]))).await.0, 404);
    }
}
