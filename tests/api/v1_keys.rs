//! `/v1/keys` (scope `admin`): list, create with the token shown once,
//! delete effective on the next request, the acting user's rights, the
//! limit, live and test apart, and the audit trail naming the key.
use serde_json::{json, Value};

use crate::keys::world;
use crate::on_both_engines;
use crate::v1_records::{key, roomy};

on_both_engines! {
    async fn an_admin_key_lists_creates_and_deletes_keys(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let admin = key(&w.app, None, w.sam, "live", &["admin"]).await;
        let reader = key(&w.app, None, w.sam, "live", &["read:leads"]).await;

        let (status, list) = w.app.v1("GET", "/v1/keys?sort=name&dir=asc", &admin, None).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!((list["total"].clone(), list["page"].clone(), list["page_count"].clone()), (json!(2), json!(1), json!(1)));
        let first = &list["data"][0];
        assert_eq!(first["status"], "active");
        assert!(first["api_key"].as_str().unwrap().starts_with("kw_live_"));
        assert!(first.get("secret").is_none() && first.get("secret_hash").is_none());

        let (status, created) = w.app.v1("POST", "/v1/keys", &admin, Some(json!({
            "name": "Made by a key", "workspace_id": w.downtown, "act_as_user_id": w.max,
            "scopes": ["read:leads"], "validity": "1w", "rate_limit": 5,
        }))).await;
        assert_eq!(status, 201, "{created}");
        let token = created["token"].as_str().unwrap().to_owned();
        assert_eq!(token, format!("{}_{}", created["api_key"].as_str().unwrap(), created["secret"].as_str().unwrap()));
        let (status, me) = w.app.v1("GET", "/v1/me", &token, None).await;
        assert_eq!(status, 200);
        assert_eq!((me["name"].as_str(), me["workspace"]["id"].as_i64(), me["acting_as"]["id"].as_i64()), (Some("Made by a key"), Some(w.downtown), Some(w.max)));
        let days = (chrono::DateTime::parse_from_rfc3339(me["expires_at"].as_str().unwrap()).unwrap().with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
        assert_eq!(days, 6, "one week");
        let (_, after) = w.app.v1("GET", "/v1/keys?q=made", &admin, None).await;
        assert_eq!(after["total"], 1);
        assert!(!after.to_string().contains(created["secret"].as_str().unwrap()), "the secret is never listed");

        // Refusals: scope, fields, limit.
        assert_eq!(w.app.v1("GET", "/v1/keys", &reader, None).await.0, 403);
        assert_eq!(w.app.v1("POST", "/v1/keys", &reader, Some(json!({"name": "x", "scopes": ["admin"]}))).await.0, 403);
        let (status, invalid) = w.app.v1("POST", "/v1/keys", &admin, Some(json!({"name": " ", "scopes": [], "workspace_id": 999999}))).await;
        assert_eq!(status, 422, "{invalid}");
        let fields: Vec<&str> = invalid["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "scopes"], "what the body alone refuses is named at once");
        let (status, nowhere) = w.app.v1("POST", "/v1/keys", &admin, Some(json!({"name": "x", "scopes": ["read:leads"], "workspace_id": 999999}))).await;
        assert_eq!((status, nowhere["error"]["details"][0]["field"].as_str()), (422, Some("workspace_id")), "{nowhere}");
        let (status, nobody) = w.app.v1("POST", "/v1/keys", &admin, Some(json!({"name": "x", "scopes": ["read:leads"], "act_as_user_id": 999999}))).await;
        assert_eq!((status, nobody["error"]["details"][0]["field"].as_str()), (422, Some("act_as_user_id")), "{nobody}");
        let (status, stray) = w.app.v1("POST", "/v1/keys", &admin, Some(json!({"name": "x", "scopes": ["read:leads"], "validity": "1w", "expires_on": "2030-01-01"}))).await;
        assert_eq!((status, stray["error"]["details"][0]["field"].as_str()), (422, Some("expires_on")), "a date without custom is refused, not ignored: {stray}");
        let (status, custom) = w.app.v1("POST", "/v1/keys", &admin, Some(json!({"name": "x", "scopes": ["read:leads"], "validity": "custom"}))).await;
        assert_eq!((status, custom["error"]["details"][0]["field"].as_str()), (422, Some("expires_on")));
        assert_eq!(w.app.v1("POST", "/v1/keys", &admin, Some(json!({"name": "x", "scopes": ["read:leads"], "rate_limit": 2_000_000}))).await.0, 422);
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(w.app.call_form(&sam, "set_key_limit", &[("max_active_keys", "1")]).await.0, 200);
        let (status, full) = w.app.v1("POST", "/v1/keys", &admin, Some(json!({"name": "One more", "workspace_id": w.downtown, "act_as_user_id": w.max, "scopes": ["read:leads"]}))).await;
        assert_eq!((status, full["error"]["code"].as_str()), (409, Some("CONFLICT")), "{full}");

        // Delete: the removed key is refused on its very next request.
        let id = created["id"].as_str().unwrap();
        assert_eq!(w.app.v1("DELETE", &format!("/v1/keys/{id}"), &admin, None).await, (204, Value::Null));
        assert_eq!(w.app.v1("GET", "/v1/me", &token, None).await.0, 401);
        assert_eq!(w.app.v1("DELETE", &format!("/v1/keys/{id}"), &admin, None).await.0, 404);
        assert_eq!(w.app.v1("DELETE", "/v1/keys/nosuchkey", &admin, None).await.0, 404);

        // The audit trail names the key as the actor.
        use keyward::entities::audit_event;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::KeyId.eq(id))
            .all(&w.app.server().state.db)
            .await
            .unwrap();
        let actions: Vec<(&str, &str)> = events.iter().map(|e| (e.action.as_str(), e.actor_label.as_str())).collect();
        assert_eq!(actions, [("created", "API key Integration"), ("removed", "API key Integration")]);
        assert!(events.iter().all(|e| e.actor_key_id.is_some() && e.actor_user_id.is_none()));
    }

    async fn a_key_manages_only_what_its_acting_user_may_in_its_reach_and_environment(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let live_admin = key(&w.app, None, w.sam, "live", &["admin"]).await;
        let test_admin = key(&w.app, None, w.sam, "test", &["admin"]).await;
        let uptown_admin = key(&w.app, Some(w.uptown), w.sam, "live", &["admin"]).await;
        let downtown_admin = key(&w.app, Some(w.downtown), w.max, "live", &["admin"]).await;

        let (_, test_list) = w.app.v1("GET", "/v1/keys", &test_admin, None).await;
        assert!(test_list["data"].as_array().unwrap().iter().all(|k| k["environment"] == "test"), "{test_list}");
        assert_eq!(test_list["total"], 1);
        let (status, refused) = w.app.v1("POST", "/v1/keys", &test_admin, Some(json!({"name": "x", "scopes": ["read:leads"], "environment": "live"}))).await;
        assert_eq!((status, refused["error"]["message"].as_str()), (403, Some("Insufficient permissions: a test key creates test keys only")));
        let (status, made) = w.app.v1("POST", "/v1/keys", &test_admin, Some(json!({"name": "Sandbox", "scopes": ["read:leads"]}))).await;
        assert_eq!((status, made["environment"].as_str()), (201, Some("test")), "{made}");
        assert!(made["token"].as_str().unwrap().starts_with("kw_test_"));

        let (_, live_list) = w.app.v1("GET", "/v1/keys?sort=created&dir=asc", &live_admin, None).await;
        let live_id = live_list["data"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(w.app.v1("DELETE", &format!("/v1/keys/{live_id}"), &test_admin, None).await.0, 404, "a test key cannot reach live keys");

        // A workspace key reaches its workspace's keys (and sees agency-wide ones, as a manager does).
        let (status, uptown_made) = w.app.v1("POST", "/v1/keys", &uptown_admin, Some(json!({"name": "Uptown feed", "scopes": ["read:leads"]}))).await;
        assert_eq!(status, 201, "a workspace key creates in its own workspace by default: {uptown_made}");
        let (status, _) = w.app.v1("POST", "/v1/keys", &uptown_admin, Some(json!({"name": "Elsewhere", "workspace_id": w.downtown, "scopes": ["read:leads"]}))).await;
        assert_eq!(status, 403, "not in another workspace");
        let uptown_id = uptown_made["id"].as_str().unwrap();
        assert_eq!(w.app.v1("DELETE", &format!("/v1/keys/{uptown_id}"), &downtown_admin, None).await.0, 404, "another workspace's key is out of sight");
        assert_eq!(w.app.v1("DELETE", &format!("/v1/keys/{live_id}"), &downtown_admin, None).await.0, 403, "agency-wide keys are the super managers'");
        assert_eq!(w.app.v1("DELETE", &format!("/v1/keys/{uptown_id}"), &uptown_admin, None).await.0, 204);
    }

    async fn a_key_made_by_a_key_names_both_and_never_outlives_outscopes_or_outrates_it(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        // A parent acting as Max in Downtown, valid a week, 5 requests/s.
        let form = json!({"form": {"name": "Portal admin", "workspace": w.downtown.to_string(), "act_as": w.max.to_string(), "validity": "1w", "custom_date": "", "environment": "live", "scopes": ["admin"]}});
        let (status, parent) = w.app.call_json(&sam, "create_key", form).await;
        assert_eq!(status, 200, "{parent}");
        let parent_token = parent["token"].as_str().unwrap().to_owned();
        let parent_id = parent["id"].as_str().unwrap().to_owned();
        assert_eq!(w.app.call_form(&sam, "set_key_rate_limit", &[("id", &parent_id), ("rate_limit", "5")]).await.0, 200);

        let create = |body: Value| {
            let app = &w.app;
            let token = parent_token.clone();
            async move { app.v1("POST", "/v1/keys", &token, Some(body)).await }
        };
        let fields = |body: &Value| -> Vec<String> {
            body["error"]["details"].as_array().map(|d| d.iter().map(|i| i["field"].as_str().unwrap().to_owned()).collect()).unwrap_or_default()
        };
        // Longer than the parent: refused, saying why.
        let (status, body) = create(json!({"name": "Child", "scopes": ["read:leads"], "validity": "1y"})).await;
        assert_eq!((status, fields(&body)), (422, vec!["validity".to_owned()]), "{body}");
        assert!(body.to_string().contains("must expire by"), "{body}");
        let (status, body) = create(json!({"name": "Child", "scopes": ["read:leads"], "validity": "never"})).await;
        assert_eq!((status, fields(&body)), (422, vec!["validity".to_owned()]), "{body}");
        // Faster than the parent, or unlimited: refused.
        for rate in [6, 0] {
            let (status, body) = create(json!({"name": "Child", "scopes": ["read:leads"], "rate_limit": rate})).await;
            assert_eq!((status, fields(&body)), (422, vec!["rate_limit".to_owned()]), "{rate}: {body}");
            assert!(body.to_string().contains("limited to 5 requests/s"), "{body}");
        }
        // A week from now is already later than the parent's week.
        let (status, body) = create(json!({"name": "Child", "scopes": ["read:leads"], "validity": "1w"})).await;
        assert_eq!((status, fields(&body)), (422, vec!["validity".to_owned()]), "{body}");
        // Within bounds: made, ending with the parent and at its rate by default.
        let (status, child) = create(json!({"name": "Child", "scopes": ["read:leads"]})).await;
        assert_eq!(status, 201, "{child}");
        let (_, me) = w.app.v1("GET", "/v1/me", &parent_token, None).await;
        let (_, page) = w.app.call_json(&sam, "list_keys", json!({"query": {"q": "Child", "sort": "name", "dir": "asc", "page": 1}})).await;
        let row = &page["rows"][0];
        assert_eq!(row["created_by"], format!("Max Manager through API key kw_live_{parent_id}"), "{row}");
        assert_eq!(row["rate_limit"], 5);
        assert_eq!(row["expires_at"], me["expires_at"], "it ends with its parent");
        // Its creator is the parent's acting user: Max gets its expiry notices.
        let expires = chrono::DateTime::parse_from_rfc3339(row["expires_at"].as_str().unwrap()).unwrap().to_utc();
        keyward::server::jobs::run(&w.app.server().state.db, expires - chrono::TimeDelta::days(6)).await.unwrap();
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let max_notices = keyward::entities::notification::Entity::find()
            .filter(keyward::entities::notification::Column::UserId.eq(w.max))
            .all(&w.app.server().state.db)
            .await
            .unwrap();
        assert!(max_notices.iter().any(|n| n.title.contains("Child") && n.kind == "expiry"), "{max_notices:?}");
    }
}
