//! Search folds case the same way on both engines, in any language: keys,
//! the audit log, leads and properties, in the dashboard and on `/v1`.
use serde_json::json;

use crate::keys::{create, form, world};
use crate::on_both_engines;
use crate::v1_records::key;

async fn key_names(w: &crate::keys::World, q: &str) -> Vec<String> {
    let sam = w.app.signed_in("sam@acme.test").await;
    let (status, page) = w
        .app
        .call_json(
            &sam,
            "list_keys",
            json!({"query": {"q": q, "sort": "name", "dir": "asc", "page": 1}}),
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

on_both_engines! {
    async fn search_finds_names_beyond_ascii_whatever_their_case(engine) {
        let w = world(engine).await;
        crate::v1_records::roomy(&w).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        for name in ["Émile Portal", "ÖSTERREICH Feed", "Zillow sync", "Ζήτα Listings"] {
            let (status, body) = create(&w.app, &sam, form(name, &w.downtown.to_string(), w.max, &["read:leads", "write:leads", "read:properties", "write:properties"])).await;
            assert_eq!(status, 200, "{body}");
        }
        assert_eq!(key_names(&w, "émile").await, ["Émile Portal"]);
        assert_eq!(key_names(&w, "ÉMILE").await, ["Émile Portal"]);
        assert_eq!(key_names(&w, "österreich").await, ["ÖSTERREICH Feed"]);
        assert_eq!(key_names(&w, "ΖΉΤΑ").await, ["Ζήτα Listings"]);
        assert_eq!(key_names(&w, "zILLOW").await, ["Zillow sync"]);
        assert!(key_names(&w, "emile").await.is_empty(), "accents are letters, not case");
        // A rename is searched by its new name.
        let id = {
            let (_, page) = w.app.call_json(&sam, "list_keys", json!({"query": {"q": "émile", "sort": "name", "dir": "asc", "page": 1}})).await;
            page["rows"][0]["id"].as_str().unwrap().to_owned()
        };
        assert_eq!(w.app.call_form(&sam, "rename_key", &[("id", &id), ("name", "Ångström Portal")]).await.0, 200);
        assert_eq!(key_names(&w, "ångström").await, ["Ångström Portal"]);
        assert!(key_names(&w, "émile").await.is_empty());

        // The audit log searches the same way.
        let (_, log) = w.app.call_json(&sam, "list_audit_events", json!({"query": {"key": "", "actor": "", "action": "", "q": "ÅNGSTRÖM", "page": 1}})).await;
        assert!(log["total"].as_u64().unwrap() >= 1, "{log}");

        // Leads and properties, in the dashboard and on /v1.
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads", "write:leads", "read:properties", "write:properties"]).await;
        let (status, _) = w.app.v1("POST", "/v1/leads", &token, Some(json!({"first_name": "Zoë", "last_name": "Łukasz", "email": "zoe@example.com", "source": "Идеальный дом"}))).await;
        assert_eq!(status, 201);
        let (status, _) = w.app.v1("PUT", "/v1/properties/mls-1", &token, Some(json!({"title": "Château Vue", "city": "Besançon"}))).await;
        assert_eq!(status, 201);
        for (q, total) in [("zoë łukasz", 1), ("ZOË", 1), ("идеальный", 1), ("zoé", 0)] {
            let (_, page) = w.app.call_json(&sam, "list_leads", json!({"query": {"q": q, "page": 1, "test": false}})).await;
            assert_eq!(page["total"], total, "leads {q}: {page}");
        }
        let (_, found) = w.app.v1("GET", "/v1/leads?q=%C5%81UKASZ", &token, None).await;
        assert_eq!(found["data"].as_array().unwrap().len(), 1, "{found}");
        for (q, total) in [("château", 1), ("BESANÇON", 1), ("chateau", 0)] {
            let (_, page) = w.app.call_json(&sam, "list_properties", json!({"query": {"q": q, "page": 1, "test": false}})).await;
            assert_eq!(page["total"], total, "properties {q}: {page}");
        }
        let (_, found) = w.app.v1("GET", "/v1/properties?q=CH%C3%82TEAU", &token, None).await;
        assert_eq!(found["data"].as_array().unwrap().len(), 1, "{found}");
        // The folded text joins fields with a separator no search holds:
        // no match spans the end of one field and the start of the next.
        let (_, page) = w.app.call_json(&sam, "list_properties", json!({"query": {"q": "vue besançon", "page": 1, "test": false}})).await;
        assert_eq!(page["total"], 0, "{page}");

        // Rows written before the folded column existed are filled by its migration.
        let db = &w.app.server().state.db;
        use migration::MigratorTrait;
        // Back to before migration 13 (the folded column), then forward again.
        migration::Migrator::down(db, Some(3)).await.unwrap();
        migration::Migrator::up(db, None).await.unwrap();
        assert_eq!(key_names(&w, "ÅNGSTRÖM").await, ["Ångström Portal"]);
        let (_, page) = w.app.call_json(&sam, "list_leads", json!({"query": {"q": "ŁUKASZ", "page": 1, "test": false}})).await;
        assert_eq!(page["total"], 1, "{page}");
    }
}
