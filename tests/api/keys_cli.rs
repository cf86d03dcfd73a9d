//! `keyward key create` and `keyward agency set`: the dashboard's rules,
//! limit and audit, from a real process on the same database.
use keyward::entities::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cli::{keyward, run, text, wait_with_timeout};
use crate::helpers::{client, Engine, TestApp, TestDb, PASSWORD};
use crate::keys::{database_text, world};
use crate::on_both_engines;

fn key_create(db: &TestDb, args: &[&str]) -> std::process::Output {
    let mut command = keyward(db);
    command
        .args(["key", "create", "--agency", "Acme Realty"])
        .args(args);
    run(command, None)
}

fn agency_set(db: &TestDb, args: &[&str]) -> std::process::Output {
    let mut command = keyward(db);
    command.args(["agency", "set"]).args(args);
    run(command, None)
}

/// Acme Realty (Sam, the first super manager; Max and Ada in Downtown; Uma in Uptown) and another agency.
async fn acme(engine: Engine) -> TestApp {
    world(engine).await.app
}

async fn rows(app: &TestApp) -> Vec<serde_json::Value> {
    let sam = app.signed_in("sam@acme.test").await;
    let query = json!({ "query": { "q": "", "sort": "name", "dir": "asc", "page": 1 } });
    let (status, page) = app.call_json(&sam, "list_keys", query).await;
    assert_eq!(status, 200, "{page}");
    page["rows"].as_array().unwrap().clone()
}

on_both_engines! {
    async fn key_create_prints_the_token_alone_and_the_dashboard_lists_the_key(engine) {
        let app = acme(engine).await;

        let output = key_create(&app.db, &["--name", "Portal sync", "--scopes", "read:leads,write:leads", "--workspace", "downtown", "--env", "test", "--validity", "1y", "--rate-limit", "25"]);

        assert!(output.status.success(), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        assert_eq!(stdout.lines().count(), 1, "the token alone on stdout: {stdout}");
        let token = stdout.trim();
        assert!(token.starts_with("kw_test_") && token.len() == 59, "{token}");
        let (prefix, secret) = token.rsplit_once('_').unwrap();
        let stderr = text(&output.stderr);
        assert!(stderr.contains(prefix) && stderr.contains("shown once"), "{stderr}");
        assert!(!stderr.contains(secret), "the secret only on stdout");
        assert!(!database_text(&app).await.contains(&secret[..32]), "the database holds no secret");

        let rows = rows(&app).await;
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row["name"], "Portal sync");
        assert_eq!(format!("kw_test_{}", row["id"].as_str().unwrap()), prefix);
        assert_eq!(row["environment"], "test");
        assert_eq!(row["scopes"], json!(["read:leads", "write:leads"]));
        assert_eq!(row["workspace"], "Downtown");
        assert_eq!(row["acting_as"], "Sam Super", "the first super manager by default");
        assert_eq!(row["created_by"], "command line");
        let expires = chrono::DateTime::parse_from_rfc3339(row["expires_at"].as_str().unwrap()).unwrap();
        let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
        assert!((364..=366).contains(&days), "valid for a year: {days} days");

        let db = &app.server().state.db;
        let events = audit_event::Entity::find().order_by_asc(audit_event::Column::Id).all(db).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].action.as_str(), events[0].actor_label.as_str()), ("created", "command line"));
        assert_eq!(events[0].key_name.as_deref(), Some("Portal sync"));
    }

    async fn key_create_acts_as_the_named_user_and_keeps_the_dashboards_rules(engine) {
        let app = acme(engine).await;

        let as_max = key_create(&app.db, &["--name", "Max's feed", "--scopes", "admin", "--workspace", "Downtown", "--act-as", "MAX@acme.test", "--validity", "never"]);
        let max_agency_wide = key_create(&app.db, &["--name", "Wide", "--scopes", "read:leads", "--act-as", "max@acme.test"]);
        let uma_downtown = key_create(&app.db, &["--name", "Wrong place", "--scopes", "read:leads", "--workspace", "Downtown", "--act-as", "uma@acme.test"]);
        let bad_fields = key_create(&app.db, &["--name", "  ", "--scopes", "read:everything", "--validity", "2001-01-01"]);
        let unknown_agency = {
            let mut command = keyward(&app.db);
            command.args(["key", "create", "--agency", "Nobody Inc", "--name", "X", "--scopes", "read:leads"]);
            run(command, None)
        };
        let unknown_workspace = key_create(&app.db, &["--name", "X", "--scopes", "read:leads", "--workspace", "Nowhere"]);
        let unknown_user = key_create(&app.db, &["--name", "X", "--scopes", "read:leads", "--act-as", "who@acme.test"]);
        let bad_env = key_create(&app.db, &["--name", "X", "--scopes", "read:leads", "--env", "staging"]);

        assert!(as_max.status.success(), "{}", text(&as_max.stderr));
        for (output, needles) in [
            (&max_agency_wide, vec!["--act-as", "Only a super manager can act for an agency-wide key"]),
            (&uma_downtown, vec!["--act-as", "not a member of that workspace"]),
            (&bad_fields, vec!["--name:", "--scopes:", "read:properties", "--validity:"]),
            (&unknown_agency, vec!["no agency named \"Nobody Inc\""]),
            (&unknown_workspace, vec!["no workspace named \"Nowhere\""]),
            (&unknown_user, vec!["no user with the email \"who@acme.test\""]),
            (&bad_env, vec!["use live or test"]),
        ] {
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert!(output.stdout.is_empty());
            for needle in needles {
                assert!(stderr.contains(needle), "{needle:?} in {stderr}");
            }
        }
        let rows = rows(&app).await;
        assert_eq!(rows.len(), 1, "only the valid key exists");
        assert_eq!(rows[0]["acting_as"], "Max Manager");
        assert_eq!(rows[0]["expires_at"], serde_json::Value::Null);
    }

    async fn agency_set_changes_the_limit_that_key_create_and_the_dashboard_obey(engine) {
        let app = acme(engine).await;

        let set = agency_set(&app.db, &["--agency", "acme realty", "--max-active-keys", "1", "--inactivity-days", "45"]);
        let first = key_create(&app.db, &["--name", "One", "--scopes", "read:leads"]);
        let second = key_create(&app.db, &["--name", "Two", "--scopes", "read:leads"]);
        let elsewhere = key_create(&app.db, &["--name", "In Downtown", "--scopes", "read:leads", "--workspace", "Downtown"]);
        let nothing = agency_set(&app.db, &["--agency", "Acme Realty"]);
        let out_of_range = agency_set(&app.db, &["--agency", "Acme Realty", "--max-active-keys", "0", "--inactivity-days", "7"]);

        assert!(set.status.success(), "{}", text(&set.stderr));
        assert!(text(&set.stderr).contains("at most 1 active keys"));
        assert!(first.status.success(), "{}", text(&first.stderr));
        assert_eq!(second.status.code(), Some(1), "the limit is not a usage error");
        assert!(text(&second.stderr).contains("You can have at most 1 active keys agency-wide"), "{}", text(&second.stderr));
        assert!(second.stdout.is_empty());
        assert!(elsewhere.status.success(), "each workspace has its own limit: {}", text(&elsewhere.stderr));
        assert_eq!(nothing.status.code(), Some(2));
        assert!(text(&nothing.stderr).contains("nothing to change"));
        assert_eq!(out_of_range.status.code(), Some(2));
        let stderr = text(&out_of_range.stderr);
        assert!(stderr.contains("--max-active-keys: Enter a number from 1 to 1000"), "{stderr}");
        assert!(stderr.contains("--inactivity-days: Enter a number from 30 to 3650"), "{stderr}");

        let sam = app.signed_in("sam@acme.test").await;
        let (_, settings) = app.call_form(&sam, "get_key_settings", &[]).await;
        assert_eq!(settings["max_active_keys"], 1);
        assert_eq!(settings["agency_wide_full"], true);
        let full: Vec<(String, bool)> = settings["workspaces"].as_array().unwrap().iter()
            .map(|w| (w["name"].as_str().unwrap().to_owned(), w["full"].as_bool().unwrap()))
            .collect();
        // `user add --agency A --workspace W` made A with W as its first workspace, and no "Main".
        assert_eq!(full, [("Downtown".to_owned(), true), ("Uptown".to_owned(), false)]);
        let db = &app.server().state.db;
        let agency = keyward::entities::agency::Entity::find().filter(keyward::entities::agency::Column::Name.eq("Acme Realty")).one(db).await.unwrap().unwrap();
        assert_eq!(agency.inactivity_days, 45);
        let events = audit_event::Entity::find().order_by_asc(audit_event::Column::Id).all(db).await.unwrap();
        let actions: Vec<(&str, &str)> = events.iter().map(|e| (e.action.as_str(), e.details.as_str())).collect();
        assert_eq!(actions[..2], [("key_limit_changed", r#"{"from":3,"to":1}"#), ("inactivity_changed", r#"{"from":90,"to":45}"#)]);
        assert_eq!(events.iter().filter(|e| e.action.as_str() == "created").count(), 2);
    }

    async fn a_served_key_secret_never_reaches_the_logs(engine) {
        let db = TestDb::new(engine).await;
        let mut add = keyward(&db);
        add.args(["user", "add", "--agency", "Acme Realty", "--workspace", "Downtown", "--email", "sam@acme.test", "--name", "Sam Super", "--role", "super_manager", "--password-stdin"]);
        assert!(run(add, Some(PASSWORD)).status.success());
        let mut command = keyward(&db);
        command.args(["serve", "--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines.next().unwrap().unwrap();
        let base = listening.strip_prefix("keyward listening on ").expect(&listening).to_owned();

        let browser = client();
        let signed = browser.post(format!("{base}/login")).form(&[("email", "sam@acme.test"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(signed.status(), 303);
        let settings: serde_json::Value = browser.post(format!("{base}/api/get_key_settings")).send().await.unwrap().json().await.unwrap();
        let form = json!({ "form": {
            "name": "Logged?", "workspace": "", "act_as": settings["viewer_id"].to_string(),
            "validity": "1w", "custom_date": "", "environment": "live", "scopes": ["admin"],
        }});
        let created: serde_json::Value = browser.post(format!("{base}/api/create_key")).json(&form).send().await.unwrap().json().await.unwrap();
        let secret = created["secret"].as_str().expect("a secret").to_owned();
        let id = created["id"].as_str().unwrap().to_owned();
        for (name, body) in [("rename_key", vec![("id", id.as_str()), ("name", "Renamed")]), ("revoke_key", vec![("id", id.as_str())]), ("remove_key", vec![("id", id.as_str())])] {
            let response = browser.post(format!("{base}/api/{name}")).form(&body).send().await.unwrap();
            assert_eq!(response.status(), 200, "{name}");
        }

        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        assert!(wait_with_timeout(&mut child, Duration::from_secs(10)).success());
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
        assert!(logs.contains("key created") && logs.contains(&id), "the logs name the key: {logs}");
        assert!(!logs.contains(&secret[..20]), "the logs hold the secret");
    }

    async fn names_with_invisible_format_characters_are_refused_everywhere_names_enter(engine) {
        let app = acme(engine).await;
        let lying = "Portal\u{202E}gnp.exe";
        let expected = "invisible formatting character U+202E (character 7)";

        // The command line: keys and people.
        let output = key_create(&app.db, &["--name", lying, "--scopes", "read:leads"]);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
        assert!(text(&output.stderr).contains(expected), "{}", text(&output.stderr));
        let mut command = keyward(&app.db);
        command.args(["user", "add", "--email", "zed@acme.test", "--name", "Zed\u{200B}", "--role", "agent", "--agency", "Acme Realty"]);
        let output = run(command, None);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
        assert!(text(&output.stderr).contains("U+200B"), "{}", text(&output.stderr));
        let mut command = keyward(&app.db);
        command.args(["user", "add", "--email", "zed@acme.test", "--name", "Zed", "--role", "agent", "--agency", "Acme\u{2066}Realty"]);
        assert_eq!(run(command, None).status.code(), Some(2), "agency names too");

        // Scopes that unlock nothing yet are not offered.
        let output = key_create(&app.db, &["--name", "Hooks", "--scopes", "write:agents"]);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(stderr.contains("--scopes: write:agents does not unlock anything yet"), "{stderr}");
        assert!(!stderr.contains("one of read:properties, write:properties, read:leads, write:leads, read:agents, write:agents"), "{stderr}");

        // The dashboard: create and rename.
        let sam = app.signed_in("sam@acme.test").await;
        let form = json!({"form": {"name": lying, "workspace": "", "act_as": "", "validity": "1m", "custom_date": "", "environment": "live", "scopes": ["read:leads"]}});
        let (status, body) = app.call_json(&sam, "create_key", form).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains(expected), "{body}");
        assert!(rows(&app).await.is_empty(), "nothing was created");
    }
}
