//! The dashboard's Leads and Properties pages (server functions): each
//! role sees its agency and workspaces, live or test, searched and paged.
use serde_json::{json, Value};

use crate::keys::world;
use crate::on_both_engines;
use crate::v1_records::{key, roomy};

fn query(q: &str, page: u64, test: bool) -> Value {
    json!({ "query": { "q": q, "page": page, "test": test } })
}

fn names(page: &Value, field: &str) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap().to_owned())
        .collect()
}

on_both_engines! {
    async fn leads_and_properties_pages_show_what_each_viewer_may_see(engine) {
        let w = world(engine).await;
        roomy(&w).await;
        let downtown = key(&w.app, Some(w.downtown), w.max, "live", &["write:leads", "write:properties"]).await;
        let uptown = key(&w.app, Some(w.uptown), w.sam, "live", &["write:leads"]).await;
        let sandbox = key(&w.app, Some(w.downtown), w.max, "test", &["write:leads", "write:properties"]).await;
        for i in 0..27 {
            let body = json!({"first_name": format!("Down {i:02}"), "source": "Zillow"});
            assert_eq!(w.app.v1("POST", "/v1/leads", &downtown, Some(body)).await.0, 201);
        }
        assert_eq!(w.app.v1("POST", "/v1/leads", &uptown, Some(json!({"first_name": "Up", "last_name": "Town"}))).await.0, 201);
        assert_eq!(w.app.v1("POST", "/v1/leads", &sandbox, Some(json!({"email": "sandbox@example.com"}))).await.0, 201);
        assert_eq!(w.app.v1("PUT", "/v1/properties/MLS-1", &downtown, Some(json!({"title": "Loft", "city": "Leeds", "price_cents": 25_000_000}))).await.0, 201);
        assert_eq!(w.app.v1("PUT", "/v1/properties/MLS-1", &sandbox, Some(json!({"title": "Sandbox loft"}))).await.0, 201);

        let sam = w.app.signed_in("sam@acme.test").await;
        let (status, first) = w.app.call_json(&sam, "list_leads", query("", 1, false)).await;
        assert_eq!(status, 200, "{first}");
        assert_eq!(first["total"], 28);
        assert_eq!(first["rows"].as_array().unwrap().len(), 25);
        assert_eq!(first["rows"][0]["name"], "Up Town", "newest first");
        assert_eq!(first["rows"][0]["workspace"], "Uptown");
        assert_eq!(first["rows"][1]["source_key"]["name"], "Integration");
        assert_eq!(first["rows"][1]["acting_user"], "Max Manager");
        let (_, second) = w.app.call_json(&sam, "list_leads", query("", 2, false)).await;
        assert_eq!(names(&second, "name"), ["Down 02", "Down 01", "Down 00"]);
        let (_, beyond) = w.app.call_json(&sam, "list_leads", query("", 9, false)).await;
        assert_eq!(beyond["query"]["page"], 2, "past the end: the last page");
        let (_, found) = w.app.call_json(&sam, "list_leads", query("down 1", 1, false)).await;
        assert_eq!(found["total"], 10);
        let (_, full_name) = w.app.call_json(&sam, "list_leads", query("up tOWN", 1, false)).await;
        assert_eq!(names(&full_name, "name"), ["Up Town"], "first and last name are searched together");
        let (_, test) = w.app.call_json(&sam, "list_leads", query("", 1, true)).await;
        assert_eq!(names(&test, "email"), ["sandbox@example.com"]);

        // Managers and agents: their workspaces only; another agency: nothing.
        let uma = w.app.signed_in("uma@acme.test").await;
        let (_, theirs) = w.app.call_json(&uma, "list_leads", query("", 1, false)).await;
        assert_eq!(names(&theirs, "name"), ["Up Town"]);
        let ada = w.app.signed_in("ada@acme.test").await;
        assert_eq!(w.app.call_json(&ada, "list_leads", query("", 1, false)).await.1["total"], 27);
        let oz = w.app.signed_in("oz@other.test").await;
        assert_eq!(w.app.call_json(&oz, "list_leads", query("", 1, false)).await.1["total"], 0);
        assert_eq!(w.app.call_json(&crate::helpers::client(), "list_leads", query("", 1, false)).await.0, 401);

        let (_, homes) = w.app.call_json(&sam, "list_properties", query("leeds", 1, false)).await;
        assert_eq!(names(&homes, "title"), ["Loft"]);
        assert_eq!(homes["rows"][0]["price_cents"], 25_000_000);
        let (_, test_homes) = w.app.call_json(&ada, "list_properties", query("", 1, true)).await;
        assert_eq!(names(&test_homes, "title"), ["Sandbox loft"]);
        assert_eq!(w.app.call_json(&uma, "list_properties", query("", 1, false)).await.1["total"], 0);
    }
}
