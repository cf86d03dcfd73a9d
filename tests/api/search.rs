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
        // Back to before the folded column, then forward again.
        crate::helpers::migrate_down_to_before(db, "m20261130_000013_add_search_folded").await;
        migration::Migrator::up(db, None).await.unwrap();
        assert_eq!(key_names(&w, "ÅNGSTRÖM").await, ["Ångström Portal"]);
        let (_, page) = w.app.call_json(&sam, "list_leads", json!({"query": {"q": "ŁUKASZ", "page": 1, "test": false}})).await;
        assert_eq!(page["total"], 1, "{page}");
    }

    async fn a_key_search_pages_the_same_with_few_matches_or_thousands(engine) {
        use chrono::{TimeDelta, Utc};
        use keyward::domain::environment::Environment;
        use keyward::entities::{api_key, user};
        use sea_orm::{ActiveModelTrait, EntityTrait, Set, TransactionTrait};
        let w = world(engine).await;
        let db = &w.app.server().state.db;
        let agency = user::Entity::find_by_id(w.sam).one(db).await.unwrap().unwrap().agency_id;
        // 2,100 keys (more than a search sorts by itself, 2,000), a second
        // apart; every third revoked, so the status sort has two ranks.
        let start = Utc::now() - TimeDelta::days(1);
        let txn = db.begin().await.unwrap();
        for n in 0..2_100i64 {
            let name = format!("Bulk feed {n}");
            api_key::ActiveModel {
                id: Set(format!("bulk{n:08}")),
                agency_id: Set(agency),
                workspace_id: Set(Some(w.downtown)),
                search_folded: Set(migration::fold_for_search(&[name.as_str()])),
                name: Set(name),
                environment: Set(Environment::Live),
                scopes: Set("read:leads".into()),
                secret_hash: Set(vec![0; 32]),
                last4: Set("abcd".into()),
                act_as_user_id: Set(w.max),
                created_at: Set(start + TimeDelta::seconds(n)),
                revoked_at: Set((n % 3 == 0).then(|| start + TimeDelta::hours(1))),
                ip_allowlist: Set(String::new()),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .unwrap();
        }
        txn.commit().await.unwrap();
        let sam = w.app.signed_in("sam@acme.test").await;
        let search = |q: &'static str, sort: &'static str, page: u64| {
            let (app, sam) = (&w.app, &sam);
            async move {
                let query = json!({"query": {"q": q, "sort": sort, "dir": "desc", "page": page}});
                let (status, found) = app.call_json(sam, "list_keys", query).await;
                assert_eq!(status, 200, "{found}");
                let names: Vec<String> = found["rows"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect();
                (found["total"].as_u64().unwrap(), found["query"]["page"].as_u64().unwrap(), names)
            }
        };
        let expect = |numbers: std::ops::Range<i64>| numbers.rev().map(|n| format!("Bulk feed {n}")).collect::<Vec<_>>();

        // Thousands of matches: counted, and walked newest first.
        let (total, _, first) = search("bulk feed", "created", 1).await;
        assert_eq!(total, 2_100);
        assert_eq!(first, expect(2_075..2_100));
        assert_eq!(search("bulk feed", "created", 2).await.2, expect(2_050..2_075));
        assert_eq!(search("bulk feed", "created", 84).await.2, expect(0..25));
        // A hundred and eleven (20, 200–209, 2000–2099): sorted by themselves, the same order.
        let (total, _, first) = search("bulk feed 20", "created", 1).await;
        assert_eq!(total, 111);
        assert_eq!(first, expect(2_075..2_100));
        let (_, page, last) = search("bulk feed 20", "created", 9).await;
        assert_eq!(page, 5, "past the end: the last page");
        assert_eq!(last, ["Bulk feed 209", "Bulk feed 208", "Bulk feed 207", "Bulk feed 206", "Bulk feed 205", "Bulk feed 204", "Bulk feed 203", "Bulk feed 202", "Bulk feed 201", "Bulk feed 200", "Bulk feed 20"]);
        // Status, revoked first (descending), then the id: either way, the same keys.
        let revoked_first = |(_, _, names): (u64, u64, Vec<String>)| names;
        let few = revoked_first(search("bulk feed 20", "status", 1).await);
        assert_eq!(few[..4], ["Bulk feed 2097", "Bulk feed 2094", "Bulk feed 2091", "Bulk feed 2088"]);
        let many = revoked_first(search("bulk feed", "status", 1).await);
        assert_eq!(many[..2], ["Bulk feed 2097", "Bulk feed 2094"]);
    }
}
