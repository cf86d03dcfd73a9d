//! The maintenance jobs, by time travel: `jobs::run` as at chosen moments
//! over keys and data made through the real server — every inactivity
//! notice day, the deletion day, a use that resets the clock, expiry
//! notices, the weekly sandbox reset, and runs that overlap.
use chrono::{DateTime, TimeDelta, Utc};
use keyward::entities::{api_key, audit_event, lead, notification, property};
use keyward::server::jobs;
use keyward::server::services::agency_settings::{self, AgencyChanges};
use keyward::server::services::keys::Caller;
use keyward::server::services::lifecycle::Report;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};

use crate::helpers::{location, plain_client, TestApp};
use crate::keys::{create, form, world, World};
use crate::on_both_engines;
use crate::v1_records::roomy;

fn db(app: &TestApp) -> &DatabaseConnection {
    &app.server().state.db
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

/// The id inside a token (`kw_live_{id}_{secret}`).
fn id_of(token: &str) -> String {
    token.split('_').nth(2).unwrap().to_owned()
}

/// A key that never expires, created by `email` (a manager of Downtown, or
/// the super manager); returns its token.
async fn never_expiring(w: &World, email: &str, name: &str, workspace: Option<i64>, act_as: i64) -> String {
    let browser = w.app.signed_in(email).await;
    let workspace = workspace.map(|id| id.to_string()).unwrap_or_default();
    let mut body = form(name, &workspace, act_as, &["read:leads"]);
    body["form"]["validity"] = json!("never");
    let (status, key) = create(&w.app, &browser, body).await;
    assert_eq!(status, 200, "{key}");
    key["token"].as_str().unwrap().to_owned()
}

async fn stored(app: &TestApp, id: &str) -> Option<api_key::Model> {
    api_key::Entity::find_by_id(id.to_owned())
        .one(db(app))
        .await
        .unwrap()
}

/// No notice sent and no key deleted (sandbox resets aside).
fn quiet(report: &Report) -> bool {
    report.inactivity_notices == 0 && report.expiry_notices == 0 && report.deleted.is_empty()
}

async fn run(app: &TestApp, at: DateTime<Utc>) -> Report {
    jobs::run(db(app), at).await.expect("jobs run")
}

/// Notices of one kind, for one user, oldest first.
async fn notices(app: &TestApp, user: i64, kind: &str) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::Kind.eq(kind))
        .order_by_asc(notification::Column::Id)
        .all(db(app))
        .await
        .unwrap()
}

async fn all_notices(app: &TestApp) -> u64 {
    notification::Entity::find().count(db(app)).await.unwrap()
}

async fn auto_deleted(app: &TestApp, id: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::KeyId.eq(id))
        .filter(audit_event::Column::Action.eq("auto_deleted"))
        .all(db(app))
        .await
        .unwrap()
}

/// `/v1/me` until it answers `status` (a change reaches the cache within a second).
async fn eventually(app: &TestApp, token: &str, status: u16) {
    for _ in 0..40 {
        if app.v1("GET", "/v1/me", token, None).await.0 == status {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("/v1/me never answered {status}");
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    keyward::entities::user::Entity::find()
        .filter(keyward::entities::user::Column::Email.eq(email))
        .one(db(app))
        .await
        .unwrap()
        .unwrap()
        .id
}

on_both_engines! {
    async fn notices_come_15_7_and_1_days_before_and_the_key_goes_on_its_day(engine) {
        let w = world(engine).await;
        let app = &w.app;
        let token = never_expiring(&w, "max@acme.test", "Portal sync", Some(w.downtown), w.max).await;
        let id = id_of(&token);
        let created = stored(app, &id).await.unwrap().created_at;
        let deadline = created + days(90);

        // Nothing before the first notice day, nor for other agencies' users.
        assert!(quiet(&run(app, created + days(75) - TimeDelta::minutes(1)).await));

        // Each notice day: the super manager and the key's creator, once each.
        for (day, text) in [(15, "15 days"), (7, "7 days"), (1, "1 day")] {
            let at = deadline - days(day) + TimeDelta::minutes(1);
            assert_eq!(run(app, at).await.inactivity_notices, 2, "day {day}");
            assert_eq!(run(app, at).await.inactivity_notices, 0, "day {day} again");
            assert_eq!(run(app, at + TimeDelta::hours(2)).await.inactivity_notices, 0);
            for user in [w.sam, w.max] {
                let last = notices(app, user, "inactivity").await.pop().unwrap();
                assert_eq!(last.title, format!("API key “Portal sync” will be deleted in {text}"));
                assert!(last.body.contains("has not been used since it was created"), "{}", last.body);
                assert!(last.body.contains(&keyward::domain::lifecycle::format_moment(deadline)), "{}", last.body);
                assert!(last.body.contains("every request resets the clock"), "{}", last.body);
                assert_eq!(last.link.as_deref(), Some(format!("/admin/profile/developer-settings/keys/{id}").as_str()));
                assert_eq!(last.key_id.as_deref(), Some(id.as_str()));
            }
        }
        assert_eq!(notices(app, w.sam, "inactivity").await.len(), 3);
        assert_eq!(notices(app, w.max, "inactivity").await.len(), 3);
        for email in ["ada@acme.test", "uma@acme.test", "oz@other.test"] {
            let other = user_id(app, email).await;
            assert!(notices(app, other, "inactivity").await.is_empty(), "{email}");
        }

        // Still there a minute before its deadline, and working.
        assert!(run(app, deadline - TimeDelta::minutes(1)).await.deleted.is_empty());
        assert!(stored(app, &id).await.is_some());
        // (This use, in real time, moves the deadline by the seconds the test has taken.)
        eventually(app, &token, 200).await;

        // The deletion day: gone, audited, announced, refused.
        let report = run(app, deadline + TimeDelta::hours(1)).await;
        assert_eq!(report.deleted, vec![id.clone()]);
        assert!(stored(app, &id).await.is_none());
        let events = auto_deleted(app, &id).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].actor_label, "keyward (automatic)");
        assert_eq!(events[0].key_name.as_deref(), Some("Portal sync"));
        let details: Value = serde_json::from_str(&events[0].details).unwrap();
        assert_eq!(details["reason"], "unused for 90 days");
        for user in [w.sam, w.max] {
            let deleted = notices(app, user, "deleted").await;
            assert_eq!(deleted.len(), 1);
            assert_eq!(deleted[0].title, "API key “Portal sync” was deleted after 90 days unused");
        }
        eventually(app, &token, 401).await;

        // Later runs find nothing more to do.
        let before = all_notices(app).await;
        assert!(quiet(&run(app, deadline + days(2)).await));
        assert_eq!(all_notices(app).await, before);
    }

    async fn a_use_resets_the_clock_and_a_new_series_of_notices_follows(engine) {
        let w = world(engine).await;
        let app = &w.app;
        let token = never_expiring(&w, "sam@acme.test", "Listing feed", None, w.sam).await;
        let id = id_of(&token);
        let created = stored(app, &id).await.unwrap().created_at;

        assert_eq!(run(app, created + days(80)).await.inactivity_notices, 1, "the super manager created it");

        // A successful request on day 80: counted through the usage recorder
        // as at that moment, written as every request's use is.
        let used = created + days(80) + TimeDelta::hours(1);
        app.server().state.usage.record(&id, used, None);
        app.server().state.usage.flush(db(app)).await.unwrap();
        assert_eq!(stored(app, &id).await.unwrap().last_used_at, Some(used));

        // Day 90 from creation: kept, and quiet.
        assert!(quiet(&run(app, created + days(91)).await));
        assert!(stored(app, &id).await.is_some());

        // The clock runs from the use: notices again, then deletion.
        assert_eq!(run(app, used + days(76)).await.inactivity_notices, 1);
        let series = notices(app, w.sam, "inactivity").await;
        assert_eq!(series.len(), 2);
        assert!(series[1].body.contains("It was last used on"), "{}", series[1].body);
        assert_eq!(run(app, used + days(90) - TimeDelta::seconds(1)).await.deleted, Vec::<String>::new());
        assert_eq!(run(app, used + days(90)).await.deleted, vec![id.clone()]);
    }

    async fn the_agency_window_counts_and_revoked_or_expiring_keys_get_no_inactivity_notices(engine) {
        let w = world(engine).await;
        let app = &w.app;
        roomy(&w).await;
        let sam = app.signed_in("sam@acme.test").await;
        let kept = never_expiring(&w, "sam@acme.test", "Kept", None, w.sam).await;
        let revoked = never_expiring(&w, "sam@acme.test", "Revoked", None, w.sam).await;
        let (status, _) = app.call_form(&sam, "revoke_key", &[("id", &id_of(&revoked))]).await;
        assert_eq!(status, 200);
        // Expires in a week: before the 30 idle days the agency's window
        // gives. (It was a month: on the 1st of a month before a 31-day one,
        // that outlived the window and the test failed.)
        let mut expiring = form("Expiring", "", w.sam, &["read:leads"]);
        expiring["form"]["validity"] = json!("1w");
        let (status, expiring) = create(app, &sam, expiring).await;
        assert_eq!(status, 200);
        let expiring = expiring["id"].as_str().unwrap().to_owned();

        let acme = stored(app, &expiring).await.unwrap().agency_id;
        let shorter = AgencyChanges { inactivity_days: Some(30), ..Default::default() };
        agency_settings::change(db(app), &Caller::command_line(acme), shorter, Utc::now()).await.unwrap();

        let created = stored(app, &id_of(&kept)).await.unwrap().created_at;
        let report = run(app, created + days(15) + TimeDelta::minutes(1)).await;
        assert_eq!(report.inactivity_notices, 1, "only the active key that lives past its window");
        assert_eq!(notices(app, w.sam, "inactivity").await[0].key_id.as_deref(), Some(id_of(&kept).as_str()));
        assert!(notices(app, w.sam, "inactivity").await[0].body.contains("unused for 30 days"));

        // Day 30: every idle key goes, the revoked and expired ones included.
        let report = run(app, created + days(30) + TimeDelta::minutes(1)).await;
        let mut deleted = report.deleted.clone();
        deleted.sort();
        let mut expected = vec![id_of(&kept), id_of(&revoked), expiring];
        expected.sort();
        assert_eq!(deleted, expected);
    }

    async fn two_runners_at_once_notify_and_delete_exactly_once(engine) {
        let w = world(engine).await;
        let app = &w.app;
        roomy(&w).await;
        let mut ids = Vec::new();
        for name in ["One", "Two", "Three"] {
            ids.push(id_of(&never_expiring(&w, "max@acme.test", name, Some(w.downtown), w.max).await));
        }
        let created = stored(app, &ids[2]).await.unwrap().created_at;
        // A second instance: its own connection pool on the same database.
        let other = keyward::server::db::connect(&app.config()).await.unwrap();

        let at = created + days(76);
        let (a, b) = tokio::join!(jobs::run(db(app), at), jobs::run(&other, at));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.inactivity_notices + b.inactivity_notices, 6, "3 keys × (sam, max)");
        assert_eq!(all_notices(app).await, 6);

        let at = created + days(91);
        let (a, b) = tokio::join!(jobs::run(db(app), at), jobs::run(&other, at));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.deleted.len() + b.deleted.len(), 3);
        for id in &ids {
            assert_eq!(auto_deleted(app, id).await.len(), 1, "{id}");
            assert!(stored(app, id).await.is_none());
        }
        assert_eq!(notices(app, w.sam, "deleted").await.len(), 3);
        assert_eq!(notices(app, w.max, "deleted").await.len(), 3);
    }

    async fn expiry_notices_come_7_and_1_days_before(engine) {
        let w = world(engine).await;
        let app = &w.app;
        let max = app.signed_in("max@acme.test").await;
        let (status, key) = create(app, &max, form("Monthly", &w.downtown.to_string(), w.max, &["read:leads"])).await;
        assert_eq!(status, 200, "{key}");
        let id = key["id"].as_str().unwrap().to_owned();
        let expires = stored(app, &id).await.unwrap().expires_at.unwrap();

        assert_eq!(run(app, expires - days(8)).await.expiry_notices, 0);
        assert_eq!(run(app, expires - days(7)).await.expiry_notices, 2);
        assert_eq!(run(app, expires - days(6)).await.expiry_notices, 0);
        assert_eq!(run(app, expires - days(1) + TimeDelta::hours(1)).await.expiry_notices, 2);
        assert_eq!(run(app, expires - TimeDelta::hours(1)).await.expiry_notices, 0);
        assert_eq!(run(app, expires + TimeDelta::hours(1)).await.expiry_notices, 0);
        let titles: Vec<String> = notices(app, w.max, "expiry").await.into_iter().map(|n| n.title).collect();
        assert_eq!(titles, ["API key “Monthly” expires in 7 days", "API key “Monthly” expires in 1 day"]);
        assert!(notices(app, w.sam, "expiry").await[0].body.contains("It stops working on"));
    }

    async fn the_weekly_sandbox_reset_purges_test_data_once_and_leaves_live_data(engine) {
        let w = world(engine).await;
        let app = &w.app;
        roomy(&w).await;
        let live = crate::v1_records::key(app, Some(w.downtown), w.sam, "live", &["write:leads", "write:properties"]).await;
        let test = crate::v1_records::key(app, Some(w.downtown), w.sam, "test", &["write:leads", "write:properties"]).await;
        for token in [&live, &test] {
            let (status, body) = app.v1("POST", "/v1/leads", token, Some(json!({"first_name": "Lena", "email": "lena@example.com"}))).await;
            assert_eq!(status, 201, "{body}");
            let (status, body) = app.v1("PUT", "/v1/properties/mls-1", token, Some(json!({"title": "Loft", "city": "Porto"}))).await;
            assert_eq!(status, 201, "{body}");
        }
        let count = |env: &'static str| async move {
            (
                lead::Entity::find().filter(lead::Column::Environment.eq(env)).count(db(app)).await.unwrap(),
                property::Entity::find().filter(property::Column::Environment.eq(env)).count(db(app)).await.unwrap(),
            )
        };
        let now = Utc::now();
        // The default: Sundays at 03:00 UTC. The last one passed before the
        // data existed: a run now spares it.
        let last = keyward::domain::lifecycle::weekly_slot(now, 0, 3).unwrap();
        assert_eq!(run(app, now).await.sandbox_records, 0);
        assert_eq!(count("test").await, (1, 1));

        let next = last + days(7);
        let report = run(app, next + TimeDelta::minutes(5)).await;
        assert_eq!((report.sandbox_resets, report.sandbox_records), (2, 2), "Acme and Other Homes; Acme's 2 records");
        assert_eq!(count("test").await, (0, 0));
        assert_eq!(count("live").await, (1, 1));
        let reset = notices(app, w.sam, "sandbox").await;
        assert_eq!(reset.len(), 1);
        assert_eq!(reset[0].title, "Test data was reset");
        assert!(reset[0].body.contains("1 test lead and 1 test property"), "{}", reset[0].body);
        assert!(notices(app, w.max, "sandbox").await.is_empty(), "super managers only");

        // Once per slot, however often the jobs run in it.
        assert_eq!(run(app, next + TimeDelta::hours(2)).await.sandbox_resets, 0);

        // Switched off: no more resets.
        let sam = app.signed_in("sam@acme.test").await;
        let (status, body) = app
            .call_form(&sam, "set_sandbox_reset", &[("day", "off"), ("hour", "3")])
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = app.v1("POST", "/v1/leads", &test, Some(json!({"first_name": "Tess", "email": "t@example.com"}))).await;
        assert_eq!(status, 201);
        assert_eq!(run(app, next + days(7) + TimeDelta::minutes(5)).await.sandbox_records, 0);
        assert_eq!(count("test").await.0, 1);
    }
}

on_both_engines! {
    async fn keyward_jobs_run_twice_at_once_from_the_command_line_does_each_thing_once(engine) {
        let w = world(engine).await;
        let app = &w.app;
        roomy(&w).await;
        for name in ["Feed A", "Feed B"] {
            never_expiring(&w, "max@acme.test", name, Some(w.downtown), w.max).await;
        }
        let at = (Utc::now() + days(83)).to_rfc3339();
        let spawn = || {
            let mut command = crate::cli::keyward(&app.db);
            command
                .args(["jobs", "run", "--now", &at])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            command.spawn().expect("keyward runs")
        };
        let (first, second) = (spawn(), spawn());
        let mut sent = 0;
        for child in [first, second] {
            let output = child.wait_with_output().unwrap();
            let stdout = crate::cli::text(&output.stdout);
            assert!(output.status.success(), "{}", crate::cli::text(&output.stderr));
            let count: u64 = stdout
                .split(", ")
                .find_map(|part| part.split_once(" inactivity notices").map(|(n, _)| n.rsplit(' ').next().unwrap().parse().unwrap()))
                .unwrap_or_else(|| panic!("{stdout}"));
            sent += count;
        }
        assert_eq!(sent, 4, "2 keys × (sam, max)");
        assert_eq!(all_notices(app).await, 4);
        let mut titles: Vec<String> = notices(app, w.max, "inactivity").await.into_iter().map(|n| n.title).collect();
        titles.sort();
        assert_eq!(titles, ["API key “Feed A” will be deleted in 7 days", "API key “Feed B” will be deleted in 7 days"]);

        let mut bad = crate::cli::keyward(&app.db);
        bad.args(["jobs", "run", "--now", "next tuesday"]);
        let output = crate::cli::run(bad, None);
        assert_eq!(output.status.code(), Some(2));
        assert!(crate::cli::text(&output.stderr).contains("RFC 3339"), "{}", crate::cli::text(&output.stderr));
    }
}

on_both_engines! {
    async fn the_notification_center_lists_counts_and_marks_read_for_its_owner_only(engine) {
        let w = world(engine).await;
        let app = &w.app;
        roomy(&w).await;
        let token = never_expiring(&w, "max@acme.test", "Feed", Some(w.downtown), w.max).await;
        let created = stored(app, &id_of(&token)).await.unwrap().created_at;
        for day in [75, 83, 89] {
            run(app, created + days(day) + TimeDelta::minutes(1)).await;
        }
        let sam = app.signed_in("sam@acme.test").await;
        let ada = app.signed_in("ada@acme.test").await;

        assert_eq!(app.call_form(&sam, "unread_notifications", &[]).await, (200, json!(3)));
        assert_eq!(app.call_form(&ada, "unread_notifications", &[]).await, (200, json!(0)));
        let (status, page) = app.call_form(&sam, "get_notifications", &[("page", "1")]).await;
        assert_eq!(status, 200, "{page}");
        let titles: Vec<&str> = page["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
        assert_eq!(titles, [
            "API key “Feed” will be deleted in 1 day",
            "API key “Feed” will be deleted in 7 days",
            "API key “Feed” will be deleted in 15 days",
        ], "newest first");
        assert_eq!((page["total"].clone(), page["unread"].clone(), page["pages"].clone()), (json!(3), json!(3), json!(1)));

        // The server-rendered header and page show them.
        let html = sam.get(app.url("/admin/notifications")).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("API key “Feed” will be deleted in 7 days"), "{html}");
        assert!(html.contains("count-badge") && html.contains(">3<") && html.contains(" unread</span>"), "the unread count in the header");
        assert!(html.contains("3 unread notifications."));

        // Following a notice reads it and leads where it points; another
        // user's notice (or a bad id) leads to their own list, unread.
        let oldest = page["items"][2]["id"].as_i64().unwrap();
        let open = |id: String| format!("/admin/notifications/{id}/open");
        let ada_follows = ada.get(app.url(&open(oldest.to_string()))).send().await.unwrap();
        assert_eq!((ada_follows.status().as_u16(), location(&ada_follows)), (303, "/admin/notifications".to_owned()));
        let bad = sam.get(app.url(&open("x".to_owned()))).send().await.unwrap();
        assert_eq!(location(&bad), "/admin/notifications");
        assert_eq!(app.call_form(&sam, "unread_notifications", &[]).await.1, json!(3));
        let followed = sam.get(app.url(&open(oldest.to_string()))).send().await.unwrap();
        assert_eq!(followed.status().as_u16(), 303);
        assert!(location(&followed).starts_with("/admin/profile/developer-settings/keys/"), "{}", location(&followed));
        assert_eq!(app.call_form(&sam, "unread_notifications", &[]).await.1, json!(2));
        let anonymous = plain_client().get(app.url(&open(oldest.to_string()))).send().await.unwrap();
        assert!(location(&anonymous).starts_with("/login?next="), "{}", location(&anonymous));
        let (_, page) = app.call_form(&sam, "get_notifications", &[("page", "1")]).await;
        assert_eq!(page["items"][2]["read"], json!(true));

        // Another user's notice cannot be marked (nor found).
        let newest = page["items"][0]["id"].as_i64().unwrap().to_string();
        assert_eq!(app.call_form(&ada, "mark_notification_read", &[("id", &newest)]).await.0, 404);
        assert_eq!(app.call_form(&sam, "mark_notification_read", &[("id", "x")]).await.0, 404);
        assert_eq!(app.call_form(&sam, "mark_notification_read", &[("id", &newest)]).await.0, 200);
        assert_eq!(app.call_form(&sam, "unread_notifications", &[]).await.1, json!(1));
        let (_, page) = app.call_form(&sam, "get_notifications", &[("page", "1")]).await;
        assert_eq!(page["items"][0]["read"], json!(true));
        assert_eq!(page["items"][1]["read"], json!(false));

        // Max's copies are his own.
        let max = app.signed_in("max@acme.test").await;
        assert_eq!(app.call_form(&max, "unread_notifications", &[]).await.1, json!(3));
        assert_eq!(app.call_form(&sam, "mark_all_notifications_read", &[]).await.0, 200);
        assert_eq!(app.call_form(&sam, "unread_notifications", &[]).await.1, json!(0));
        assert_eq!(app.call_form(&max, "unread_notifications", &[]).await.1, json!(3));

        // Paging: 45 notices are three pages of 20, and a page past the end is the last.
        for n in 0..42 {
            keyward::server::services::notifications::send(db(app), keyward::server::services::notifications::Notice {
                agency_id: stored(app, &id_of(&token)).await.unwrap().agency_id,
                user_id: w.max,
                key_id: None,
                kind: "sandbox",
                title: format!("Notice {n}"),
                body: String::new(),
                link: None,
                dedupe: format!("paging:{n}"),
                at: created + TimeDelta::seconds(n),
            }).await.unwrap();
        }
        let (_, last) = app.call_form(&max, "get_notifications", &[("page", "9")]).await;
        assert_eq!((last["page"].clone(), last["pages"].clone(), last["total"].clone()), (json!(3), json!(3), json!(45)));
        assert_eq!(last["items"].as_array().unwrap().len(), 5);
        assert_eq!(app.call_form(&client_signed_out(), "unread_notifications", &[]).await.0, 401);
    }
}

fn client_signed_out() -> crate::helpers::Browser {
    crate::helpers::client()
}
