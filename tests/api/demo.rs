//! `keyward demo`: an empty database becomes a realistic agency one can sign in to.
use chrono::{DateTime, Utc};
use keyward::entities::{audit_event, lead, notification, property};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Statement};
use serde_json::{json, Value};

use crate::cli::{keyward, run, text};
use crate::helpers::{client, sign_in, TestApp, TestDb};
use crate::on_both_engines;

fn demo(db: &TestDb) -> std::process::Output {
    let mut command = keyward(db);
    command.arg("demo");
    run(command, None)
}

/// The emails of the sign-in lines (`  super manager  dana@…`), by role.
fn printed_users(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter(|line| line.starts_with("  ") && line.contains('@'))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let at = words.iter().position(|w| w.contains('@')).unwrap();
            (words[..at].join(" "), words[at].to_owned())
        })
        .collect()
}

fn moment(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .map(|text| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc))
}

async fn usage_days(db: &DatabaseConnection) -> i64 {
    let sql = "SELECT COUNT(DISTINCT day) AS days FROM api_key_usage_daily";
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "days").unwrap()
}

on_both_engines! {
    async fn demo_fills_an_empty_database_with_an_agency_to_sign_in_to_and_refuses_a_second_time(engine) {
        let db = TestDb::new(engine).await;

        let output = demo(&db);

        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stdout.starts_with("Demo agency \"Harbor & Pine Realty\" is ready.\n"), "{stdout}");
        assert!(
            stdout.contains("Start the server (keyward serve) and sign in at http://127.0.0.1:3000/login"),
            "{stdout}"
        );
        assert!(!stdout.contains("kw_live_") && !stdout.contains("kw_test_"), "no token is printed: {stdout}");
        let users = printed_users(&stdout);
        let roles: Vec<&str> = users.iter().map(|(role, _)| role.as_str()).collect();
        for role in ["super manager", "manager", "agent"] {
            assert!(roles.contains(&role), "a {role} in {stdout}");
        }
        let password = stdout
            .lines()
            .find_map(|line| line.strip_prefix("Password for every demo user: "))
            .expect("the password is printed")
            .trim()
            .to_owned();

        let app = TestApp::on(db).await;
        let mut dana = None;
        for (role, email) in &users {
            let browser = client();
            let response = sign_in(&app, &browser, email, &password).await;
            assert_eq!(response.status(), 303, "{email} signs in with the shared password");
            if role == "super manager" {
                dana = Some(browser);
            }
        }
        let dana = dana.unwrap();
        let query = json!({ "query": { "q": "", "sort": "name", "dir": "asc", "page": 1 } });
        let (status, page) = app.call_json(&dana, "list_keys", query).await;
        assert_eq!(status, 200, "{page}");
        let rows = page["rows"].as_array().unwrap();
        let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap()).collect();
        for wanted in ["Active", "Expired", "Revoked"] {
            assert!(statuses.contains(&wanted), "a key {wanted}: {statuses:?}");
        }
        assert!(
            rows.iter().any(|r| r["usage_count"] == 0 && r["last_used_at"].is_null()),
            "a key never used: {page}"
        );
        for row in rows {
            let ended = match row["status"].as_str() {
                Some("Revoked") => moment(&row["revoked_at"]),
                Some("Expired") => moment(&row["expires_at"]),
                _ => None,
            };
            if let (Some(ended), Some(last_used)) = (ended, moment(&row["last_used_at"])) {
                assert!(last_used <= ended, "no use after a key stopped working: {row}");
            }
        }

        let state_db = &app.server().state.db;
        let days = usage_days(state_db).await;
        assert!(days >= 55, "usage on {days} days");
        let leads = lead::Entity::find().count(state_db).await.unwrap();
        let properties = property::Entity::find().count(state_db).await.unwrap();
        assert!(leads > 30 && properties > 10, "{leads} leads, {properties} properties");
        let notices = notification::Entity::find().all(state_db).await.unwrap();
        for kind in ["inactivity", "expiry"] {
            assert!(notices.iter().any(|n| n.kind == kind), "a {kind} notice");
        }
        let actions: Vec<String> = audit_event::Entity::find()
            .all(state_db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action.as_str().to_owned())
            .collect();
        for action in ["created", "revoked", "renamed"] {
            assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
        }

        let again = demo(&app.db);

        let stderr = text(&again.stderr);
        assert_eq!(again.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("the database already has users: keyward demo fills only an empty database"),
            "{stderr}"
        );
        assert!(again.stdout.is_empty(), "{}", text(&again.stdout));
    }
}

on_both_engines! {
    async fn extra_keys_fill_the_key_table_without_breaking_the_key_limit(engine) {
        let db = TestDb::new(engine).await;
        let plain = TestDb::new(engine).await;
        let mut command = keyward(&db);
        command.args(["demo", "--extra-keys", "1200"]);
        let output = run(command, None);
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("wrote 1200 more keys in Downtown, revoked or expired"), "{stderr}");
        assert_eq!(demo(&plain).status.code(), Some(0));

        use keyward::entities::api_key;
        use sea_orm::{ColumnTrait, QueryFilter};
        let app = TestApp::on(db).await;
        let state_db = &app.server().state.db;
        let plain_db = sea_orm::Database::connect(plain.url.as_str()).await.unwrap();
        let extra = api_key::Entity::find().filter(api_key::Column::Name.starts_with("Listing sync ")).all(state_db).await.unwrap();
        assert_eq!(extra.len(), 1200);
        assert_eq!(
            api_key::Entity::find().count(state_db).await.unwrap(),
            api_key::Entity::find().count(&plain_db).await.unwrap() + 1200,
            "the demo's own keys, plus the extra ones"
        );
        let now = Utc::now();
        assert!(
            extra.iter().all(|k| k.revoked_at.is_some() || k.expires_at.is_some_and(|at| at <= now)),
            "none active: the key limit still holds"
        );
        // They are real keys: searchable by name, and listed.
        let password = stdout
            .lines()
            .find_map(|line| line.strip_prefix("Password for every demo user: "))
            .unwrap()
            .trim()
            .to_owned();
        let (_, email) = printed_users(&stdout).into_iter().find(|(role, _)| role == "super manager").unwrap();
        let dana = client();
        assert_eq!(sign_in(&app, &dana, &email, &password).await.status(), 303);
        let query = json!({ "query": { "q": "listing sync 01199", "sort": "name", "dir": "asc", "page": 1 } });
        let (status, page) = app.call_json(&dana, "list_keys", query).await;
        assert_eq!((status, page["total"].as_u64()), (200, Some(1)), "{page}");

        let mut too_many = keyward(&plain);
        too_many.args(["demo", "--extra-keys", "100001"]);
        let refused = run(too_many, None);
        assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    }
}
