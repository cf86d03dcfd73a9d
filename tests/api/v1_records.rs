//! `/v1` leads, properties, agents and analytics: each endpoint with its
//! scope allowed and refused, live and test kept apart, workspaces and
//! agencies kept apart, idempotent imports, updates only by the source key,
//! cursor paging, and the exact error bodies.
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::helpers::TestApp;
use crate::keys::{create, form, world, World};
use crate::on_both_engines;

/// A key made in the dashboard by Sam (Acme's super manager): its token.
pub(crate) async fn key(
    app: &TestApp,
    workspace: Option<i64>,
    act_as: i64,
    environment: &str,
    scopes: &[&str],
) -> String {
    app.dashboard_key("sam@acme.test", workspace, act_as, environment, scopes)
        .await
}

/// Room for many keys in every bucket of Acme.
pub(crate) async fn roomy(w: &World) {
    let sam = w.app.signed_in("sam@acme.test").await;
    assert_eq!(
        w.app
            .call_form(&sam, "set_key_limit", &[("max_active_keys", "100")])
            .await
            .0,
        200
    );
}

fn forbidden_scope(scope: &str) -> Value {
    json!({"error": {
        "code": "FORBIDDEN",
        "message": format!("Insufficient permissions: this key lacks the scope {scope}"),
        "details": {"required_scope": scope},
    }})
}

const NOT_FOUND: &str = r#"{"error":{"code":"NOT_FOUND","message":"Not found"}}"#;

fn fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_owned())
        .collect()
}

on_both_engines! {
    async fn leads_are_imported_read_and_updated_only_by_their_source_key(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let agency = key(&w.app, None, w.sam, "live", &["read:leads", "write:leads"]).await;
        let downtown = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads", "write:leads"]).await;
        let uptown = key(&w.app, Some(w.uptown), w.sam, "live", &["read:leads"]).await;
        let reader = key(&w.app, None, w.sam, "live", &["read:leads"]).await;

        // An agency-wide key must say where the lead goes (Acme has two workspaces).
        let (status, body) = w.app.v1("POST", "/v1/leads", &agency, Some(json!({"first_name": "Ana"}))).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body), ["workspace_id"]);

        let new = json!({"workspace_id": w.downtown, "external_id": "zil-1", "first_name": " Ana ", "last_name": "Lima",
            "email": "Ana@Example.com", "phone": "+1 555 0100", "source": "Zillow", "notes": "Wants a garden"});
        let (status, lead) = w.app.v1("POST", "/v1/leads", &agency, Some(new.clone())).await;
        assert_eq!(status, 201, "{lead}");
        assert_eq!(lead["first_name"], "Ana");
        assert_eq!(lead["email"], "ana@example.com");
        assert_eq!(lead["status"], "new");
        assert_eq!(lead["environment"], "live");
        assert_eq!(lead["workspace_id"], w.downtown);
        assert_eq!(lead["acting_user_id"], w.sam);
        assert_eq!(lead["source_key"]["name"], "Integration");
        let id = lead["id"].as_i64().unwrap();

        // The same external id again is the same lead, unchanged.
        let (status, again) = w.app.v1("POST", "/v1/leads", &agency, Some(json!({"workspace_id": w.downtown, "external_id": "zil-1", "first_name": "Other"}))).await;
        assert_eq!((status, again["id"].as_i64(), again["first_name"].as_str()), (200, Some(id), Some("Ana")));
        // Another key's external ids are its own.
        let (status, theirs) = w.app.v1("POST", "/v1/leads", &downtown, Some(json!({"external_id": "zil-1", "email": "bo@example.com"}))).await;
        assert_eq!(status, 201, "a workspace key writes to its workspace without naming it");
        assert_eq!(theirs["workspace_id"], w.downtown);
        assert_eq!(theirs["acting_user_id"], w.max);

        let (status, list) = w.app.v1("GET", "/v1/leads", &reader, None).await;
        assert_eq!(status, 200);
        assert_eq!(list["data"].as_array().unwrap().len(), 2);
        assert_eq!(list["next_cursor"], Value::Null);
        let (_, one) = w.app.v1("GET", &format!("/v1/leads/{id}"), &downtown, None).await;
        assert_eq!(one, lead, "a workspace key reads its workspace's leads");
        let (status, hidden) = w.app.v1("GET", &format!("/v1/leads/{id}"), &uptown, None).await;
        assert_eq!((status, hidden.to_string()), (404, NOT_FOUND.to_owned()), "another workspace's lead");
        let (_, uptown_list) = w.app.v1("GET", "/v1/leads", &uptown, None).await;
        assert_eq!(uptown_list["data"], json!([]));

        // Only the source key updates.
        let (status, refused) = w.app.v1("PATCH", &format!("/v1/leads/{id}"), &downtown, Some(json!({"status": "won"}))).await;
        assert_eq!(status, 403);
        assert_eq!(refused["error"]["code"], "FORBIDDEN");
        assert!(refused["error"]["message"].as_str().unwrap().contains("only the key that imported a lead may update it"));
        let (status, updated) = w.app.v1("PATCH", &format!("/v1/leads/{id}"), &agency, Some(json!({"status": "contacted", "phone": ""}))).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!((updated["status"].as_str(), updated["phone"].as_str(), updated["first_name"].as_str()), (Some("contacted"), Some(""), Some("Ana")));
        assert!(updated["updated_at"].as_str() > lead["updated_at"].as_str());
        let (status, emptied) = w.app.v1("PATCH", &format!("/v1/leads/{id}"), &agency, Some(json!({"first_name": "", "last_name": "", "email": ""}))).await;
        assert_eq!((status, fields(&emptied)), (422, vec!["body".to_owned()]), "a lead keeps a way to reach them");

        // Scopes.
        assert_eq!(w.app.v1("POST", "/v1/leads", &reader, Some(new.clone())).await, (403, forbidden_scope("write:leads")));
        assert_eq!(w.app.v1("PATCH", &format!("/v1/leads/{id}"), &reader, Some(json!({}))).await, (403, forbidden_scope("write:leads")));
        let props_only = key(&w.app, None, w.sam, "live", &["read:properties"]).await;
        assert_eq!(w.app.v1("GET", "/v1/leads", &props_only, None).await, (403, forbidden_scope("read:leads")));
        assert_eq!(w.app.v1("GET", &format!("/v1/leads/{id}"), &props_only, None).await, (403, forbidden_scope("read:leads")));
        let admin = key(&w.app, None, w.sam, "live", &["admin"]).await;
        assert_eq!(w.app.v1("GET", &format!("/v1/leads/{id}"), &admin, None).await.0, 200, "admin implies every scope");

        // Another agency sees nothing, whatever ids it sends.
        let oz = w.app.signed_in("oz@other.test").await;
        let (_, settings) = w.app.call_form(&oz, "get_key_settings", &[]).await;
        let (status, other_key) = create(&w.app, &oz, form("Other", "", settings["viewer_id"].as_i64().unwrap(), &["admin"])).await;
        assert_eq!(status, 200);
        let other = other_key["token"].as_str().unwrap();
        assert_eq!(w.app.v1("GET", &format!("/v1/leads/{id}"), other, None).await.0, 404);
        assert_eq!(w.app.v1("PATCH", &format!("/v1/leads/{id}"), other, Some(json!({"status": "lost"}))).await.0, 404);
        assert_eq!(w.app.v1("GET", "/v1/leads", other, None).await.1["data"], json!([]));
        let (status, body) = w.app.v1("POST", "/v1/leads", other, Some(json!({"workspace_id": w.downtown, "first_name": "X"}))).await;
        assert_eq!((status, fields(&body)), (422, vec!["workspace_id".to_owned()]), "another agency's workspace does not exist");
    }

    async fn lead_bodies_and_parameters_are_refused_with_their_field_named(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads", "write:leads"]).await;
        let cases = [
            (json!({}), vec!["body"]),
            (json!({"email": "not-an-email", "phone": "call me", "first_name": "a\u{7}"}), vec!["first_name", "email", "phone"]),
            (json!({"first_name": "Ana", "status": "open"}), vec!["status"]),
            (json!({"first_name": "Ana", "nickname": "A"}), vec!["nickname"]),
            (json!({"first_name": "x".repeat(201)}), vec!["first_name"]),
            (json!({"first_name": "Ana", "external_id": ""}), vec!["external_id"]),
            (json!({"first_name": "Ana", "workspace_id": w.uptown}), vec!["workspace_id"]),
            (json!({"first_name": 7}), vec!["first_name"]),
            (json!(["Ana"]), vec!["body"]),
        ];
        for (body, expected) in cases {
            let (status, answer) = w.app.v1("POST", "/v1/leads", &token, Some(body.clone())).await;
            assert_eq!(status, 422, "{body} → {answer}");
            assert_eq!(answer["error"]["code"], "VALIDATION_ERROR");
            assert_eq!(fields(&answer), expected, "{body} → {answer}");
        }
        let client = reqwest::Client::new();
        let raw = |content_type: &'static str, body: &'static str| {
            client
                .post(w.app.url("/v1/leads"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        let not_json = raw("application/json", "{\"first_name\": ").await.unwrap();
        assert_eq!(not_json.status(), 400);
        assert_eq!(not_json.json::<Value>().await.unwrap()["error"]["code"], "BAD_REQUEST");
        let form_body = raw("application/x-www-form-urlencoded", "first_name=Ana").await.unwrap();
        assert_eq!(form_body.status(), 415);
        let huge = client
            .post(w.app.url("/v1/leads"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(format!("{{\"notes\": \"{}\"}}", "n".repeat(1_100_000)))
            .send()
            .await
            .unwrap();
        assert_eq!(huge.status(), 413);
        assert_eq!(huge.json::<Value>().await.unwrap()["error"]["code"], "PAYLOAD_TOO_LARGE");

        for (path, field) in [
            ("/v1/leads?limit=0", "limit"),
            ("/v1/leads?limit=many", "limit"),
            ("/v1/leads?cursor=zz", "cursor"),
            ("/v1/leads?status=open", "status"),
            ("/v1/leads?sort=name", "sort"),
        ] {
            let (status, answer) = w.app.v1("GET", path, &token, None).await;
            assert_eq!((status, fields(&answer)), (422, vec![field.to_owned()]), "{path} → {answer}");
        }
        for path in ["/v1/leads/abc", "/v1/leads/0", "/v1/leads/99999999", "/v1/leads/99999999999999999999"] {
            let (status, answer) = w.app.v1("GET", path, &token, None).await;
            assert_eq!((status, answer.to_string()), (404, NOT_FOUND.to_owned()), "{path}");
        }
        let (status, answer) = w.app.v1("DELETE", "/v1/leads/1", &token, None).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (405, Some("METHOD_NOT_ALLOWED")));
    }

    async fn lists_page_by_cursor_newest_first(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.uptown), w.sam, "live", &["read:leads", "write:leads"]).await;
        let mut made = Vec::new();
        for i in 0..7 {
            let source = if i % 2 == 0 { "Zillow" } else { "Rightmove" };
            let (status, lead) = w.app.v1("POST", "/v1/leads", &token, Some(json!({"first_name": format!("Lead {i}"), "source": source}))).await;
            assert_eq!(status, 201);
            made.push(lead["id"].as_i64().unwrap());
        }
        made.reverse();
        let mut seen = Vec::new();
        let mut path = "/v1/leads?limit=3".to_owned();
        let mut pages = 0;
        loop {
            let (status, page) = w.app.v1("GET", &path, &token, None).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            seen.extend(page["data"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/v1/leads?limit=3&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!((pages, seen), (3, made));
        let (_, zillow) = w.app.v1("GET", "/v1/leads?source=Zillow&q=LEAD", &token, None).await;
        assert_eq!(zillow["data"].as_array().unwrap().len(), 4);
        let (_, one) = w.app.v1("GET", "/v1/leads?q=lead%203", &token, None).await;
        assert_eq!(one["data"].as_array().unwrap().len(), 1, "the full name is searched");
        assert_eq!(one["data"][0]["first_name"], "Lead 3");
        let (_, none) = w.app.v1("GET", "/v1/leads?q=%25", &token, None).await;
        assert_eq!(none["data"], json!([]), "wildcards are searched for literally");
    }

    async fn simultaneous_imports_of_one_external_id_make_one_lead(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads", "write:leads"]).await;
        let mut calls = JoinSet::new();
        for i in 0..10 {
            let (url, token) = (w.app.url("/v1/leads"), token.clone());
            calls.spawn(async move {
                let response = reqwest::Client::new()
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"external_id": "portal-77", "first_name": format!("Try {i}")}))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.unwrap()["id"].as_i64().unwrap())
            });
        }
        let results = calls.join_all().await;
        assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 1, "{results:?}");
        assert_eq!(results.iter().filter(|(s, _)| *s == 200).count(), 9, "{results:?}");
        assert!(results.iter().all(|(_, id)| *id == results[0].1));
        let (_, list) = w.app.v1("GET", "/v1/leads", &token, None).await;
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
    }

    async fn test_keys_and_live_keys_never_see_each_others_data(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let scopes = ["read:leads", "write:leads", "read:properties", "write:properties", "read:analytics"];
        let live = key(&w.app, Some(w.downtown), w.max, "live", &scopes).await;
        let test = key(&w.app, Some(w.downtown), w.max, "test", &scopes).await;
        assert!(test.starts_with("kw_test_"));

        let (_, test_lead) = w.app.v1("POST", "/v1/leads", &test, Some(json!({"external_id": "same", "first_name": "Sandbox"}))).await;
        assert_eq!(test_lead["environment"], "test");
        let (_, live_lead) = w.app.v1("POST", "/v1/leads", &live, Some(json!({"external_id": "same", "first_name": "Real"}))).await;
        assert_eq!(live_lead["environment"], "live");
        assert_ne!(test_lead["id"], live_lead["id"]);
        let (test_id, live_id) = (test_lead["id"].as_i64().unwrap(), live_lead["id"].as_i64().unwrap());
        assert_eq!(w.app.v1("GET", &format!("/v1/leads/{test_id}"), &live, None).await.0, 404);
        assert_eq!(w.app.v1("GET", &format!("/v1/leads/{live_id}"), &test, None).await.0, 404);
        assert_eq!(w.app.v1("PATCH", &format!("/v1/leads/{live_id}"), &test, Some(json!({"status": "lost"}))).await.0, 404);
        let (_, test_list) = w.app.v1("GET", "/v1/leads", &test, None).await;
        assert_eq!(test_list["data"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()).collect::<Vec<_>>(), [test_id]);

        let (status, test_home) = w.app.v1("PUT", "/v1/properties/MLS-1", &test, Some(json!({"title": "Sandbox flat"}))).await;
        assert_eq!(status, 201);
        let (status, live_home) = w.app.v1("PUT", "/v1/properties/MLS-1", &live, Some(json!({"title": "Real flat"}))).await;
        assert_eq!(status, 201, "the same external id is another listing in the other environment");
        let test_home_id = test_home["id"].as_i64().unwrap();
        assert_eq!(w.app.v1("GET", &format!("/v1/properties/{test_home_id}"), &live, None).await.0, 404);
        assert_eq!(w.app.v1("DELETE", &format!("/v1/properties/{test_home_id}"), &live, None).await.0, 404);
        let (_, live_list) = w.app.v1("GET", "/v1/properties", &live, None).await;
        assert_eq!(live_list["data"].as_array().unwrap().len(), 1);
        assert_eq!(live_list["data"][0]["id"], live_home["id"]);

        let (_, test_counts) = w.app.v1("GET", "/v1/analytics/leads", &test, None).await;
        assert_eq!(test_counts["total"], 1);
    }

    async fn properties_sync_by_external_id(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let sync = key(&w.app, None, w.sam, "live", &["read:properties", "write:properties"]).await;
        let reader = key(&w.app, Some(w.downtown), w.max, "live", &["read:properties"]).await;

        let listing = json!({"workspace_id": w.downtown, "title": "Two-bed flat", "address": "1 High St", "city": "Leeds",
            "price_cents": 25_000_000, "bedrooms": 2});
        let (status, created) = w.app.v1("PUT", "/v1/properties/MLS%2042", &sync, Some(listing.clone())).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["external_id"], "MLS 42");
        assert_eq!(created["status"], "active");
        let id = created["id"].as_i64().unwrap();

        let mut changed = listing.clone();
        changed["title"] = json!("Two-bed flat, reduced");
        changed["price_cents"] = json!(23_500_000);
        changed["status"] = json!("under_offer");
        let (status, replaced) = w.app.v1("PUT", "/v1/properties/MLS%2042", &sync, Some(changed)).await;
        assert_eq!(status, 200, "{replaced}");
        assert_eq!((replaced["id"].as_i64(), replaced["status"].as_str(), replaced["price_cents"].as_i64()), (Some(id), Some("under_offer"), Some(23_500_000)));
        assert_eq!(replaced["created_at"], created["created_at"]);
        let (status, bare) = w.app.v1("PUT", "/v1/properties/MLS%2042", &sync, Some(json!({"workspace_id": w.downtown, "title": "Flat"}))).await;
        assert_eq!((status, bare["address"].as_str(), bare["bedrooms"].clone()), (200, Some(""), Value::Null), "PUT replaces the whole listing");

        let (status, got) = w.app.v1("GET", &format!("/v1/properties/{id}"), &reader, None).await;
        assert_eq!((status, got["title"].as_str()), (200, Some("Flat")));
        let (_, list) = w.app.v1("GET", "/v1/properties?q=fla&limit=10", &reader, None).await;
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
        assert_eq!(w.app.v1("PUT", "/v1/properties/MLS-9", &reader, Some(listing.clone())).await, (403, forbidden_scope("write:properties")));
        assert_eq!(w.app.v1("DELETE", &format!("/v1/properties/{id}"), &reader, None).await, (403, forbidden_scope("write:properties")));

        for (body, field) in [
            (json!({"workspace_id": w.downtown}), "title"),
            (json!({"workspace_id": w.downtown, "title": " "}), "title"),
            (json!({"workspace_id": w.downtown, "title": "T", "price_cents": -1}), "price_cents"),
            (json!({"workspace_id": w.downtown, "title": "T", "bedrooms": 5000}), "bedrooms"),
            (json!({"workspace_id": w.downtown, "title": "T", "status": "gone"}), "status"),
            (json!({"title": "T"}), "workspace_id"),
        ] {
            let (status, answer) = w.app.v1("PUT", "/v1/properties/MLS-9", &sync, Some(body.clone())).await;
            assert_eq!((status, fields(&answer)), (422, vec![field.to_owned()]), "{body} → {answer}");
        }
        let (status, answer) = w.app.v1("PUT", &format!("/v1/properties/{}", "x".repeat(201)), &sync, Some(listing.clone())).await;
        assert_eq!((status, fields(&answer)), (422, vec!["external_id".to_owned()]));

        assert_eq!(w.app.v1("DELETE", &format!("/v1/properties/{id}"), &sync, None).await, (204, Value::Null));
        assert_eq!(w.app.v1("GET", &format!("/v1/properties/{id}"), &sync, None).await.0, 404);
        assert_eq!(w.app.v1("DELETE", &format!("/v1/properties/{id}"), &sync, None).await.0, 404);
    }

    async fn agents_and_lead_analytics_follow_the_key_reach(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let agency = key(&w.app, None, w.sam, "live", &["read:agents", "read:analytics", "write:leads"]).await;
        let uptown = key(&w.app, Some(w.uptown), w.sam, "live", &["read:agents", "read:analytics", "write:leads"]).await;
        let none = key(&w.app, None, w.sam, "live", &["read:leads"]).await;

        let (status, all) = w.app.v1("GET", "/v1/agents", &agency, None).await;
        assert_eq!(status, 200);
        let names = |list: &Value| list["data"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&all), ["Ada Agent", "Max Manager", "Sam Super", "Uma Uptown"]);
        assert!(all["data"].as_array().unwrap().iter().all(|a| a.get("password_hash").is_none()));
        let (_, mine) = w.app.v1("GET", "/v1/agents", &uptown, None).await;
        assert_eq!(names(&mine), ["Sam Super", "Uma Uptown"]);
        assert_eq!(w.app.v1("GET", "/v1/agents", &none, None).await, (403, forbidden_scope("read:agents")));

        for (token, source, n) in [(&agency, "Zillow", 3), (&uptown, "Rightmove", 2), (&uptown, "", 1)] {
            for _ in 0..n {
                let body = json!({"workspace_id": w.uptown, "first_name": "A", "source": source});
                assert_eq!(w.app.v1("POST", "/v1/leads", token, Some(body)).await.0, 201);
            }
        }
        let (status, counts) = w.app.v1("GET", "/v1/analytics/leads", &agency, None).await;
        assert_eq!(status, 200, "{counts}");
        let today = chrono::Utc::now().date_naive();
        assert_eq!(counts["to"], today.format("%Y-%m-%d").to_string());
        assert_eq!(counts["by_day"].as_array().unwrap().len(), 30);
        assert_eq!(counts["by_day"][29], json!({"date": today.format("%Y-%m-%d").to_string(), "leads": 6}));
        assert_eq!(counts["by_day"][0]["leads"], 0);
        assert_eq!(counts["total"], 6);
        assert_eq!(counts["by_source"], json!([{"source": "Zillow", "leads": 3}, {"source": "Rightmove", "leads": 2}, {"source": "", "leads": 1}]));
        let (_, narrow) = w.app.v1("GET", &format!("/v1/analytics/leads?from={today}&to={today}&workspace_id={}", w.downtown), &agency, None).await;
        assert_eq!((narrow["total"].clone(), narrow["by_day"].as_array().unwrap().len()), (json!(0), 1));
        for (query, field) in [("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-02-01&to=2026-01-01", "from"), ("from=2020-01-01&to=2026-01-01", "from"), ("days=3", "days"),
            // Dates at chrono's edges: the range's arithmetic must not overflow (it dropped the connection).
            ("to=%2B262142-12-31", "to"), ("from=2026-01-01&to=%2B262142-12-31", "to"), ("to=-262143-01-05", "to"),
            ("from=-262143-01-01", "from"), ("to=9999-12-31&from=9999-12-01", ""), ("to=0001-02-15", ""), ("to=0001-01-05", "")] {
            let (status, answer) = w.app.v1("GET", &format!("/v1/analytics/leads?{query}"), &agency, None).await;
            if field.is_empty() {
                assert_eq!(status, 200, "{query} → {answer}");
                assert!(answer["from"].as_str().unwrap() >= "0001-01-01", "{query} → {answer}");
            } else {
                assert_eq!((status, fields(&answer)), (422, vec![field.to_owned()]), "{query} → {answer}");
            }
        }
        assert_eq!(w.app.v1("GET", "/v1/analytics/leads", &none, None).await, (403, forbidden_scope("read:analytics")));
    }
}

/// Every operation of the OpenAPI document with the scope it says it needs
/// (`x-required-scope`; `None`: any key), as a request path to try.
async fn documented_endpoints(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    let doc: Value = reqwest::get(app.url("/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut endpoints = Vec::new();
    // The /v1 operations (the document also describes the OAuth endpoints).
    // (Session tokens need no scope; tests/api/session_tokens.rs covers them.)
    for (path, item) in doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, _)| p.starts_with("/v1/") && !p.starts_with("/v1/session_tokens"))
    {
        for (method, operation) in item.as_object().unwrap() {
            let id = match (method.as_str(), path.as_str()) {
                ("put", _) => "MLS-1",
                (_, p) if p.starts_with("/v1/keys") => "000000000000",
                _ => "1",
            };
            let scope = operation["x-required-scope"].as_str().map(str::to_owned);
            endpoints.push((method.to_uppercase(), path.replace("{id}", id), scope));
        }
    }
    endpoints
}

const ALL_BUT_ADMIN: [&str; 7] = [
    "webhooks",
    "read:properties",
    "write:properties",
    "read:leads",
    "write:leads",
    "read:agents",
    "read:analytics",
];

on_both_engines! {
    async fn every_endpoint_answers_its_scope_and_refuses_every_other_key_in_both_environments(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let endpoints = documented_endpoints(&w.app).await;
        assert_eq!(endpoints.len(), 24);
        let open: Vec<&str> = endpoints.iter().filter(|(_, _, s)| s.is_none()).map(|(_, p, _)| p.as_str()).collect();
        assert_eq!(open, ["/v1/me"], "only /v1/me needs no scope");
        let mut scopes: Vec<&str> = endpoints.iter().filter_map(|(_, _, scope)| scope.as_deref()).collect();
        scopes.sort();
        scopes.dedup();
        assert_eq!(scopes, ["admin", "read:agents", "read:analytics", "read:leads", "read:properties", "webhooks", "write:leads", "write:properties"]);
        for environment in ["live", "test"] {
            for scope in &scopes {
                let scope = *scope;
                let only = key(&w.app, Some(w.downtown), w.max, environment, &[scope]).await;
                let others: Vec<&str> = ALL_BUT_ADMIN.iter().copied().filter(|s| *s != scope).collect();
                let lacking = key(&w.app, Some(w.downtown), w.max, environment, &others).await;
                for (method, path, needed) in endpoints.iter().filter(|(_, _, needed)| needed.as_deref() == Some(scope)) {
                    let body = (method != "GET" && method != "DELETE").then(|| json!({}));
                    let (status, answer) = w.app.v1(method, path, &only, body.clone()).await;
                    assert!(status != 403 && status != 401 && status < 500, "{environment} {method} {path} with {scope}: {status} {answer}");
                    let refused = w.app.v1(method, path, &lacking, body).await;
                    assert_eq!(refused, (403, forbidden_scope(needed.as_deref().unwrap())), "{environment} {method} {path} without {scope}");
                }
                assert_eq!(w.app.v1("GET", "/v1/me", &only, None).await.0, 200, "any key reads itself");
            }
        }
    }
}

on_both_engines! {
    async fn a_stored_value_no_release_writes_is_a_500_never_a_guess(engine) {
        use sea_orm::ConnectionTrait;
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.sam, "live", &["read:leads", "write:leads", "read:properties", "write:properties"]).await;
        let (status, lead) = w.app.v1("POST", "/v1/leads", &token, Some(json!({"first_name": "Ana"}))).await;
        assert_eq!(status, 201, "{lead}");
        let (status, property) = w.app.v1("PUT", "/v1/properties/p-1", &token, Some(json!({"title": "Loft", "status": "sold"}))).await;
        assert!(status == 201 || status == 200, "{property}");
        let db = &w.app.server().state.db;
        let lead_id = lead["id"].as_i64().unwrap();
        let property_id = property["id"].as_i64().unwrap();
        db.execute_unprepared(&format!("UPDATE leads SET status = 'archived' WHERE id = {lead_id}")).await.unwrap();
        db.execute_unprepared(&format!("UPDATE properties SET status = 'let' WHERE id = {property_id}")).await.unwrap();

        // Before: the lead read back as `new` and the property as `active`.
        for path in [format!("/v1/leads/{lead_id}"), format!("/v1/properties/{property_id}"), "/v1/leads".into(), "/v1/properties".into()] {
            let (status, body) = w.app.v1("GET", &path, &token, None).await;
            assert_eq!(status, 500, "{path}: {body}");
            assert_eq!(body["error"]["code"], "INTERNAL", "{path}");
            let text = body.to_string();
            assert!(!text.contains("archived") && !text.contains("'let'"), "the detail stays in the log: {text}");
        }

        // A key whose stored environment is unknown cannot be rolled: a 500, not a 409.
        let sam = w.app.signed_in("sam@acme.test").await;
        let (_, keys) = w.app.call_json(&sam, "list_keys", json!({"query": {"q": "", "sort": "created", "dir": "desc", "page": 1}})).await;
        let id = keys["rows"][0]["id"].as_str().expect("a key").to_owned();
        db.execute_unprepared(&format!("UPDATE api_keys SET environment = 'beta' WHERE id = '{id}'")).await.unwrap();
        let (status, body) = w.app.call_form(&sam, "roll_key", &[("id", id.as_str()), ("grace", "now")]).await;
        assert_eq!(status, 500, "{body}");
    }
}
