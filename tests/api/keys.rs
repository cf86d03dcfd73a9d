//! The key server functions: create, list (search, sort, pages), rename,
//! revoke, remove, the limit, roles and agencies, and the secret's absence.
use keyward::domain::role::Role;
use serde_json::{json, Value};
use tokio::task::JoinSet;

use crate::helpers::{client, spawn_app, Browser, Engine, TestApp};
use crate::on_both_engines;

pub(crate) fn form(name: &str, workspace: &str, act_as: i64, scopes: &[&str]) -> Value {
    json!({ "form": {
        "name": name, "workspace": workspace, "act_as": act_as.to_string(),
        "validity": "1m", "custom_date": "", "environment": "live", "scopes": scopes,
    }})
}

/// An agency with two workspaces, one user of each role, and a second agency.
pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) sam: i64,
    pub(crate) max: i64,
    pub(crate) downtown: i64,
    pub(crate) uptown: i64,
}

pub(crate) async fn world(engine: Engine) -> World {
    let app = spawn_app(engine).await;
    let sam = app
        .add_member(
            "sam@acme.test",
            "Sam Super",
            Role::SuperManager,
            "Acme Realty",
            Some("Downtown"),
        )
        .await;
    let max = app
        .add_member(
            "max@acme.test",
            "Max Manager",
            Role::Manager,
            "Acme Realty",
            Some("Downtown"),
        )
        .await;
    app.add_member(
        "ada@acme.test",
        "Ada Agent",
        Role::Agent,
        "Acme Realty",
        Some("Downtown"),
    )
    .await;
    app.add_member(
        "uma@acme.test",
        "Uma Uptown",
        Role::Manager,
        "Acme Realty",
        Some("Uptown"),
    )
    .await;
    app.add_member(
        "oz@other.test",
        "Oz Other",
        Role::SuperManager,
        "Other Homes",
        Some("Elsewhere"),
    )
    .await;
    let sam_client = app.signed_in("sam@acme.test").await;
    let (_, settings) = app.call_form(&sam_client, "get_key_settings", &[]).await;
    let id_of = |name: &str| {
        settings["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (downtown, uptown) = (id_of("Downtown"), id_of("Uptown"));
    World {
        app,
        sam,
        max,
        downtown,
        uptown,
    }
}

pub(crate) async fn create(app: &TestApp, browser: &Browser, body: Value) -> (u16, Value) {
    app.call_json(browser, "create_key", body).await
}

async fn list(app: &TestApp, browser: &Browser, query: Value) -> Value {
    let (status, page) = app
        .call_json(browser, "list_keys", json!({ "query": query }))
        .await;
    assert_eq!(status, 200, "{page}");
    page
}

fn query(q: &str, sort: &str, dir: &str, page: u64) -> Value {
    json!({ "q": q, "sort": sort, "dir": dir, "page": page })
}

fn names(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Everything the database holds, as text.
pub(crate) async fn database_text(app: &TestApp) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &app.server().state.db;
    if let Some(path) = app.server().state.config.sqlite_path() {
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let mut text = String::new();
    for table in [
        "api_keys",
        "audit_events",
        "sessions",
        "notifications",
        "users",
        "agencies",
        "oauth_apps",
        "oauth_grants",
        "oauth_codes",
        "oauth_families",
        "oauth_tokens",
    ] {
        let sql = format!("SELECT COALESCE(string_agg(t::text, ' '), '') FROM {table} t");
        let row = db
            .query_one(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        text.push_str(&row.try_get_by_index::<String>(0).unwrap());
    }
    text
}

/// Rename (with a new name), revoke or remove `id`; the status.
async fn manage(app: &TestApp, browser: &Browser, call: &str, id: &str, name: Option<&str>) -> u16 {
    let mut form = vec![("id", id)];
    if let Some(name) = name {
        form.push(("name", name));
    }
    app.call_form(browser, call, &form).await.0
}

on_both_engines! {
    async fn a_super_manager_creates_a_key_and_its_secret_is_shown_once(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;

        let (status, key) = create(&w.app, &sam, form(" Zillow sync ", "", w.sam, &["read:leads", "write:leads"])).await;

        assert_eq!(status, 200, "{key}");
        let token = key["token"].as_str().unwrap().to_owned();
        let secret = key["secret"].as_str().unwrap().to_owned();
        assert!(token.starts_with("kw_live_"));
        assert_eq!(token, format!("{}_{}", key["api_key"].as_str().unwrap(), secret));
        let page = list(&w.app, &sam, query("", "created", "desc", 1)).await;
        let row = &page["rows"][0];
        assert_eq!(row["name"], "Zillow sync");
        assert_eq!(row["status"], "Active");
        assert_eq!(row["scopes"], json!(["read:leads", "write:leads"]));
        assert_eq!(row["created_by"], "Sam Super");
        assert_eq!(row["acting_as"], "Sam Super");
        assert_eq!(row["last4"].as_str().unwrap(), &token[token.len() - 4..]);
        // Nowhere afterwards: not in the list, the page, or the database.
        assert!(!page.to_string().contains(&secret));
        let html = sam.get(w.app.url("/admin/profile/developer-settings")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("Zillow sync"));
        assert!(!html.contains(&secret));
        assert!(!database_text(&w.app).await.contains(&secret[..32]));
    }

    async fn refused_fields_are_named_with_their_messages(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        let body = json!({ "form": {
            "name": "  ", "workspace": "999999", "act_as": "x", "validity": "custom",
            "custom_date": "2001-01-01", "environment": "prod", "scopes": [],
        }});

        let (status, error) = create(&w.app, &sam, body).await;

        assert_eq!(status, 422);
        let fields: Vec<&str> = error["Invalid"].as_array().unwrap().iter().map(|i| i["field"].as_str().unwrap()).collect();
        // What the form alone refuses is named at once; what only the
        // database can refuse (no such workspace here) comes after.
        assert_eq!(fields, ["name", "act_as", "custom_date", "environment", "scopes"]);
        let (status, nowhere) = create(&w.app, &sam, form("Fine", "999999", w.sam, &["read:leads"])).await;
        assert_eq!((status, nowhere["Invalid"][0]["field"].as_str()), (422, Some("workspace")), "{nowhere}");
        let (status, nobody) = create(&w.app, &sam, form("Fine", "", 999_999, &["read:leads"])).await;
        assert_eq!((status, nobody["Invalid"][0]["field"].as_str()), (422, Some("act_as")), "{nobody}");
        let message = |field: &str| error["Invalid"].as_array().unwrap().iter().find(|i| i["field"] == field).unwrap()["message"].clone();
        assert_eq!(message("name"), "Key name is required");
        assert_eq!(message("custom_date"), "Choose a date after today");
        assert_eq!(message("scopes"), "Choose at least one scope");
        for bad in ["x".repeat(65), "a\u{1}b".to_owned(), "y".repeat(20_000)] {
            let (status, _) = create(&w.app, &sam, form(&bad, "", w.sam, &["admin"])).await;
            assert_eq!(status, 422);
        }
        assert_eq!(list(&w.app, &sam, query("", "created", "desc", 1)).await["total"], 0);
    }

    async fn no_more_than_the_limit_are_created_even_at_once(engine) {
        let w = world(engine).await;
        let sam = std::sync::Arc::new(w.app.signed_in("sam@acme.test").await);
        let app = std::sync::Arc::new(w.app);

        let mut creates = JoinSet::new();
        for i in 0..10 {
            let (app, sam) = (app.clone(), sam.clone());
            let body = form(&format!("key {i}"), &w.downtown.to_string(), w.sam, &["read:leads"]);
            creates.spawn(async move { create(&app, &sam, body).await.0 });
        }
        let statuses = creates.join_all().await;

        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
        let (status, error) = create(&app, &sam, form("one more", &w.downtown.to_string(), w.sam, &["read:leads"])).await;
        assert_eq!(status, 409);
        assert!(error["Conflict"].as_str().unwrap().contains("at most 3 active keys"));
        // Agency-wide keys have their own allowance; a revoked key frees a place.
        assert_eq!(create(&app, &sam, form("agency wide", "", w.sam, &["read:leads"])).await.0, 200);
        let page = list(&app, &sam, query("key", "name", "asc", 1)).await;
        let id = page["rows"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(app.call_form(&sam, "revoke_key", &[("id", &id)]).await.0, 200);
        assert_eq!(create(&app, &sam, form("replacement", &w.downtown.to_string(), w.sam, &["read:leads"])).await.0, 200);
    }

    async fn simultaneous_changes_all_succeed(engine) {
        let w = world(engine).await;
        let sam = std::sync::Arc::new(w.app.signed_in("sam@acme.test").await);
        assert_eq!(w.app.call_form(&sam, "set_key_limit", &[("max_active_keys", "100")]).await.0, 200);
        let mut ids = Vec::new();
        for i in 0..12 {
            let (status, key) = create(&w.app, &sam, form(&format!("key {i:02}"), "", w.sam, &["read:leads"])).await;
            assert_eq!(status, 200, "{key}");
            ids.push(key["id"].as_str().unwrap().to_owned());
        }
        let app = std::sync::Arc::new(w.app);

        // Reads that then write, side by side with creates: on SQLite a
        // transaction that read first could not take the write lock (500).
        let mut calls = JoinSet::new();
        for (i, id) in ids.into_iter().enumerate() {
            let (changer, browser) = (app.clone(), sam.clone());
            calls.spawn(async move {
                match i % 3 {
                    0 => changer.call_form(&browser, "revoke_key", &[("id", &id)]).await.0,
                    1 => changer.call_form(&browser, "rename_key", &[("id", &id), ("name", "renamed")]).await.0,
                    _ => changer.call_form(&browser, "remove_key", &[("id", &id)]).await.0,
                }
            });
            let (creator, browser) = (app.clone(), sam.clone());
            let body = form(&format!("new {i:02}"), &w.downtown.to_string(), w.sam, &["read:leads"]);
            calls.spawn(async move { create(&creator, &browser, body).await.0 });
        }
        let statuses = calls.join_all().await;

        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        let page = list(&app, &sam, query("", "name", "asc", 1)).await;
        assert_eq!(page["total"], 12 + 12 - 4, "12 new keys, 4 removed");
    }

    async fn search_sort_and_pages_work_in_sql(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(w.app.call_form(&sam, "set_key_limit", &[("max_active_keys", "100")]).await.0, 200);
        for i in 0..30 {
            let name = if i % 3 == 0 { format!("Zillow {i:02}") } else { format!("Portal {i:02}") };
            assert_eq!(create(&w.app, &sam, form(&name, "", w.sam, &["read:leads"])).await.0, 200);
        }

        let first = list(&w.app, &sam, query("", "name", "asc", 1)).await;
        assert_eq!(first["total"], 30);
        assert_eq!(first["rows"].as_array().unwrap().len(), 25);
        assert_eq!(names(&first)[0], "Portal 01");
        let second = list(&w.app, &sam, query("", "name", "asc", 2)).await;
        assert_eq!(names(&second), ["Zillow 15", "Zillow 18", "Zillow 21", "Zillow 24", "Zillow 27"]);
        let descending = list(&w.app, &sam, query("", "name", "desc", 1)).await;
        assert_eq!(names(&descending)[0], "Zillow 27");
        let searched = list(&w.app, &sam, query("zILLow", "name", "asc", 1)).await;
        assert_eq!(searched["total"], 10);
        assert!(names(&searched).iter().all(|n| n.starts_with("Zillow")));
        let literal = list(&w.app, &sam, query("%", "name", "asc", 1)).await;
        assert_eq!(literal["total"], 0, "wildcards are searched for literally");
        let beyond = list(&w.app, &sam, query("", "name", "asc", 99)).await;
        assert_eq!(beyond["query"]["page"], 2, "a page past the end shows the last page");
        // A search with more than a page of matches pages like the whole table.
        let broad = list(&w.app, &sam, query("O", "name", "desc", 2)).await;
        assert_eq!((broad["total"].clone(), broad["query"]["page"].clone()), (json!(30), json!(2)));
        assert_eq!(names(&broad), ["Portal 07", "Portal 05", "Portal 04", "Portal 02", "Portal 01"]);
        let broad_beyond = list(&w.app, &sam, query("o", "created", "asc", 7)).await;
        assert_eq!(broad_beyond["query"]["page"], 2);
        assert_eq!(names(&broad_beyond).last().unwrap(), "Portal 29");
        let narrow_beyond = list(&w.app, &sam, query("zillow 2", "name", "asc", 3)).await;
        assert_eq!((narrow_beyond["total"].clone(), narrow_beyond["query"]["page"].clone()), (json!(3), json!(1)));
        assert_eq!(names(&narrow_beyond), ["Zillow 21", "Zillow 24", "Zillow 27"]);
        for sort in ["name", "key", "environment", "scopes", "status", "created", "expires", "last_used", "usage"] {
            for dir in ["asc", "desc"] {
                let page = list(&w.app, &sam, query("", sort, dir, 1)).await;
                assert_eq!(page["rows"].as_array().unwrap().len(), 25, "{sort} {dir}");
            }
        }
    }

    async fn status_sort_ranks_every_key_across_pages(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        assert_eq!(w.app.call_form(&sam, "set_key_limit", &[("max_active_keys", "100")]).await.0, 200);
        let mut ids = Vec::new();
        for i in 0..30 {
            let name = if i % 2 == 0 { format!("Feed {i:02}") } else { format!("Sync {i:02}") };
            let (status, key) = create(&w.app, &sam, form(&name, "", w.sam, &["read:leads"])).await;
            assert_eq!(status, 200);
            ids.push(key["id"].as_str().unwrap().to_owned());
        }
        for id in &ids[..6] {
            assert_eq!(w.app.call_form(&sam, "revoke_key", &[("id", id)]).await.0, 200);
        }
        use keyward::entities::api_key;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
        api_key::Entity::update_many()
            .col_expr(api_key::Column::ExpiresAt, sea_orm::sea_query::Expr::value(yesterday))
            .filter(api_key::Column::Id.is_in(ids[6..10].to_vec()))
            .exec(&w.app.server().state.db)
            .await
            .unwrap();

        let statuses = |page: &Value| -> Vec<String> {
            page["rows"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap().to_owned()).collect()
        };
        let first = list(&w.app, &sam, query("", "status", "desc", 1)).await;
        let second = list(&w.app, &sam, query("", "status", "desc", 2)).await;
        let all: Vec<String> = statuses(&first).into_iter().chain(statuses(&second)).collect();
        let expected: Vec<&str> = [["Revoked"; 6].as_slice(), &["Expired"; 4], &["Active"; 20]].concat();
        assert_eq!(all, expected);
        let shown: std::collections::HashSet<&str> =
            [&first, &second].iter().flat_map(|p| p["rows"].as_array().unwrap()).map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(shown.len(), 30, "every key once across the pages");
        let ascending = list(&w.app, &sam, query("", "status", "asc", 1)).await;
        assert_eq!(statuses(&ascending)[..20], vec!["Active".to_owned(); 20][..]);
        assert_eq!(statuses(&ascending)[20..], ["Expired", "Expired", "Expired", "Expired", "Revoked"]);

        // The search narrows the ranked keys too (even ids are feeds).
        let feeds = list(&w.app, &sam, query("feed", "status", "desc", 1)).await;
        assert_eq!(feeds["total"], 15);
        assert_eq!(statuses(&feeds), [["Revoked"; 3].as_slice(), &["Expired"; 2], &["Active"; 10]].concat());
    }

    async fn rename_revoke_and_remove_take_effect_and_are_audited(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        let (_, key) = create(&w.app, &sam, form("Old name", "", w.sam, &["admin"])).await;
        let id = key["id"].as_str().unwrap().to_owned();

        assert_eq!(w.app.call_form(&sam, "rename_key", &[("id", &id), ("name", "New name")]).await.0, 200);
        let (status, error) = w.app.call_form(&sam, "rename_key", &[("id", &id), ("name", "")]).await;
        assert_eq!((status, error["Invalid"][0]["field"].clone()), (422, json!("name")));
        assert_eq!(w.app.call_form(&sam, "set_key_rate_limit", &[("id", &id), ("rate_limit", " 5 ")]).await.0, 200);
        for bad in ["-1", "lots", "", "1000001", "2.5"] {
            let (status, error) = w.app.call_form(&sam, "set_key_rate_limit", &[("id", &id), ("rate_limit", bad)]).await;
            assert_eq!((status, error["Invalid"][0]["field"].clone()), (422, json!("rate_limit")), "{bad:?}");
        }
        assert_eq!(list(&w.app, &sam, query("", "created", "desc", 1)).await["rows"][0]["rate_limit"], 5);
        assert_eq!(w.app.call_form(&sam, "set_key_rate_limit", &[("id", &id), ("rate_limit", "5")]).await.0, 200, "no change, no event");
        assert_eq!(w.app.call_form(&sam, "revoke_key", &[("id", &id)]).await.0, 200);
        assert_eq!(w.app.call_form(&sam, "revoke_key", &[("id", &id)]).await.0, 409);
        let row = list(&w.app, &sam, query("", "created", "desc", 1)).await["rows"][0].clone();
        assert_eq!((row["name"].clone(), row["status"].clone()), (json!("New name"), json!("Revoked")));
        assert_eq!(row["revoked_by"], "Sam Super");
        assert_eq!(w.app.call_form(&sam, "remove_key", &[("id", &id)]).await.0, 200);
        assert_eq!(list(&w.app, &sam, query("", "created", "desc", 1)).await["total"], 0);
        assert_eq!(w.app.call_form(&sam, "remove_key", &[("id", &id)]).await.0, 404);

        use keyward::entities::audit_event;
        use sea_orm::{EntityTrait, QueryOrder};
        let events = audit_event::Entity::find().order_by_asc(audit_event::Column::Id).all(&w.app.server().state.db).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["created", "renamed", "rate_limit_changed", "revoked", "removed"]);
        // Events written before actions had one spelling are renamed by migration 14
        // (undone with 15, the audit log's indexes, after it).
        {
            use migration::MigratorTrait;
            use sea_orm::{ConnectionTrait, Statement};
            let db = &w.app.server().state.db;
            let spelled = || async {
                let sql = "SELECT action, search_folded FROM audit_events ORDER BY id";
                let statement = Statement::from_string(db.get_database_backend(), sql);
                db.query_all(statement).await.unwrap().into_iter()
                    .map(|row| (row.try_get::<String>("", "action").unwrap(), row.try_get::<String>("", "search_folded").unwrap()))
                    .collect::<Vec<_>>()
            };
            crate::helpers::migrate_down_to_before(db, "m20261201_000014_audit_action_spelling").await;
            let before = spelled().await;
            assert_eq!(before[2].0, "rate limit changed", "{before:?}");
            migration::Migrator::up(db, None).await.unwrap();
            let after = spelled().await;
            assert_eq!(after[2].0, "rate_limit_changed");
            assert!(after[2].1.contains("rate limit changed"), "searchable by its label: {}", after[2].1);
        }
        assert_eq!(events[2].details, r#"{"from":100,"to":5}"#);
        assert!(events.iter().all(|e| e.actor_user_id == Some(w.sam) && e.key_id.as_deref() == Some(id.as_str())));
        assert!(events.iter().all(|e| e.ip.as_deref() == Some("127.0.0.1")));
        assert!(events[1].details.contains("Old name"));
    }

    async fn roles_and_agencies_are_enforced_by_the_server(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        let max = w.app.signed_in("max@acme.test").await;
        let ada = w.app.signed_in("ada@acme.test").await;
        let oz = w.app.signed_in("oz@other.test").await;
        let downtown = w.downtown.to_string();
        let uptown = w.uptown.to_string();

        // Managers: their own workspace only; never agency-wide.
        assert_eq!(create(&w.app, &max, form("mine", &downtown, w.max, &["read:leads"])).await.0, 200);
        assert_eq!(create(&w.app, &max, form("theirs", &uptown, w.max, &["read:leads"])).await.0, 403);
        assert_eq!(create(&w.app, &max, form("agency", "", w.max, &["read:leads"])).await.0, 403);
        // Agents: nothing.
        assert_eq!(create(&w.app, &ada, form("agent's", &downtown, w.sam, &["read:leads"])).await.0, 403);
        let (_, agency_key) = create(&w.app, &sam, form("agency key", "", w.sam, &["read:leads"])).await;
        let (_, uptown_key) = create(&w.app, &sam, form("uptown key", &uptown, w.sam, &["read:leads"])).await;
        let agency_id = agency_key["id"].as_str().unwrap().to_owned();
        let uptown_id = uptown_key["id"].as_str().unwrap().to_owned();

        // Seeing: the manager sees their workspace and agency-wide keys, not Uptown's.
        let seen = names(&list(&w.app, &max, query("", "name", "asc", 1)).await);
        assert_eq!(seen, ["agency key", "mine"]);
        let seen = names(&list(&w.app, &ada, query("", "name", "asc", 1)).await);
        assert_eq!(seen, ["agency key", "mine"]);
        assert_eq!(list(&w.app, &oz, query("", "name", "asc", 1)).await["total"], 0);
        let page = list(&w.app, &ada, query("", "name", "asc", 1)).await;
        assert!(page["rows"].as_array().unwrap().iter().all(|r| r["can_manage"] == false));

        for (call, extra) in [("rename_key", Some("x")), ("revoke_key", None), ("remove_key", None)] {
            assert_eq!(manage(&w.app, &ada, call, &agency_id, extra).await, 403, "agent {call}");
            assert_eq!(manage(&w.app, &max, call, &agency_id, extra).await, 403, "manager {call} agency-wide");
            assert_eq!(manage(&w.app, &max, call, &uptown_id, extra).await, 404, "manager {call} another workspace");
            assert_eq!(manage(&w.app, &oz, call, &agency_id, extra).await, 404, "another agency {call}");
            assert_eq!(manage(&w.app, &sam, call, "nosuchkey123", extra).await, 404, "unknown {call}");
        }
        let limit = |browser: &'static str, id: &str| {
            let id = id.to_owned();
            let app = &w.app;
            async move {
                let who = app.signed_in(browser).await;
                app.call_form(&who, "set_key_rate_limit", &[("id", &id), ("rate_limit", "7")]).await.0
            }
        };
        assert_eq!(limit("ada@acme.test", &agency_id).await, 403, "agent rate limit");
        assert_eq!(limit("max@acme.test", &agency_id).await, 403, "manager rate limit agency-wide");
        assert_eq!(limit("max@acme.test", &uptown_id).await, 404, "manager rate limit another workspace");
        assert_eq!(limit("oz@other.test", &agency_id).await, 404, "another agency rate limit");
        // Only super managers change the limit.
        assert_eq!(w.app.call_form(&max, "set_key_limit", &[("max_active_keys", "9")]).await.0, 403);
        assert_eq!(w.app.call_form(&sam, "set_key_limit", &[("max_active_keys", "0")]).await.0, 422);
        assert_eq!(w.app.call_form(&sam, "set_key_limit", &[("max_active_keys", "lots")]).await.0, 422);
        // Signed out: 401.
        assert_eq!(w.app.call_json(&client(), "list_keys", json!({ "query": query("", "name", "asc", 1) })).await.0, 401);
    }
}

on_both_engines! {
    async fn a_call_with_undecodable_arguments_is_a_bad_request(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;

        let (status, _) = w.app.call_json(&sam, "list_keys", json!({ "query": { "sort": "password" } })).await;
        let (status_form, _) = w.app.call_json(&sam, "create_key", json!({ "form": 42 })).await;

        assert_eq!((status, status_form), (400, 400));
    }

    async fn out_of_range_pages_and_searches_in_json_hold_the_url_bounds(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        // Page 0 once reached `page - 1` (an overflow, a dropped answer).
        for (function, body) in [
            ("list_keys", json!({"query": {"q": "", "sort": "created", "dir": "desc", "page": 0}})),
            ("list_keys", json!({"query": {"q": "", "sort": "created", "dir": "desc", "page": 18446744073709551615u64}})),
            ("list_leads", json!({"query": {"q": "", "page": 0, "test": false}})),
            ("list_properties", json!({"query": {"q": "", "page": 1000001, "test": false}})),
            ("list_audit_events", json!({"query": {"key": "", "actor": "", "action": "", "q": "", "page": 0}})),
        ] {
            let (status, answer) = w.app.call_json(&sam, function, body).await;
            assert_eq!(status, 400, "{function}: {answer}");
            assert!(answer.to_string().contains("page must be a whole number from 1 to 1000000"), "{function}: {answer}");
        }
        let (status, answer) = w.app.call_form(&sam, "get_notifications", &[("page", "0")]).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer.to_string().contains("page must be a whole number from 1 to 1000000"), "{answer}");
        // A search from JSON gets the URL's rule: trimmed, no control characters, 64 at most.
        let (status, page) = w.app.call_json(&sam, "list_keys", json!({"query": {"q": format!(" \u{0}{} ", "x".repeat(500)), "sort": "created", "dir": "desc", "page": 1}})).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["query"]["q"].as_str().unwrap(), "x".repeat(64));
        // An unknown action from JSON is no filter, as in the URL.
        let (status, page) = w.app.call_json(&sam, "list_audit_events", json!({"query": {"key": "", "actor": "", "action": "DROP TABLE", "q": "", "page": 1}})).await;
        assert_eq!((status, page["query"]["action"].clone()), (200, json!(null)), "{page}");
    }
}
