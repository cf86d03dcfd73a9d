//! The team behind the keys (issue 16) over HTTP, as a browser without
//! JavaScript uses it, on both engines: who may see and change people and
//! workspaces (each role, own and other agency), invitations (single use,
//! expiring), the last super manager, disabling (sessions end on every
//! instance; keys acting as them reassigned, revoked, or refused with
//! "Acting user disabled"), removal (names stay), passwords, sessions and
//! workspaces (archived: no new keys, its keys refused).
use chrono::{TimeDelta, Utc};
use keyward::domain::audit_action::AuditAction;
use keyward::entities::{audit_event, user};
use keyward::server::http::Server;
use keyward::server::services::people;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::helpers::{client, sign_in, Browser, TestApp, PASSWORD};
use crate::keys::{world, World};
use crate::on_both_engines;
use crate::webhook_pages::{page, post};

const NEW_PASSWORD: &str = "a brand new passphrase";

fn db(app: &TestApp) -> &sea_orm::DatabaseConnection {
    &app.server().state.db
}

async fn person_id(app: &TestApp, email: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db(app))
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The one-time link on a page that answers a post (`kw_inv_…`/`kw_pwr_…`).
fn link_in(html: &str, prefix: &str) -> String {
    let at = html
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in the page"));
    let end = html[at..]
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .map_or(html.len(), |n| at + n);
    html[at..end].to_owned()
}

/// Audit events of `action`, oldest first.
async fn audit(app: &TestApp, action: AuditAction) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_asc(audit_event::Column::Id)
        .all(db(app))
        .await
        .unwrap()
}

/// A key acting as `act_as` in `workspace`, made by Sam: its token and id.
async fn key_acting_as(world: &World, act_as: i64, workspace: Option<i64>) -> (String, String) {
    let token = world
        .app
        .dashboard_key("sam@acme.test", workspace, act_as, "live", &["read:leads"])
        .await;
    let id = token.split('_').nth(2).unwrap().to_owned();
    (token, id)
}

async fn invite(app: &TestApp, browser: &Browser, email: &str, role: &str, workspace: i64) -> (u16, String) {
    let ws = workspace.to_string();
    let (status, _, html) = post(
        app,
        browser,
        "/admin/team/invite",
        &[
            ("email", email),
            ("name", "Nia New"),
            ("role", role),
            ("workspaces", &ws),
        ],
    )
    .await;
    (status, html)
}

on_both_engines! {
    async fn only_super_managers_of_the_agency_reach_people_and_workspaces(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let max = world.max;
        let oz = person_id(app, "oz@other.test").await;
        // Reads: the server functions behind the pages.
        for (email, team_status) in [("sam@acme.test", 200), ("max@acme.test", 403), ("ada@acme.test", 403)] {
            let browser = app.signed_in(email).await;
            let (status, body) = app
                .call_form(&browser, "get_team", &[("q", ""), ("sort", "name"), ("desc", "false")])
                .await;
            assert_eq!(status, team_status, "{email} get_team: {body}");
            let (status, _) = app.call_form(&browser, "get_person", &[("id", &max.to_string())]).await;
            assert_eq!(status, team_status, "{email} get_person");
            let (status, _) = app.call_form(&browser, "get_workspaces", &[]).await;
            assert_eq!(status, team_status, "{email} get_workspaces");
            let (status, _) = app.call_form(&browser, "get_invite_choices", &[]).await;
            assert_eq!(status, team_status, "{email} get_invite_choices");
            let (status, sessions) = app.call_form(&browser, "get_sessions", &[]).await;
            assert_eq!(status, 200, "{email} lists their own sessions");
            let current = sessions.as_array().unwrap().iter().filter(|s| s["current"] == true).count();
            assert_eq!(current, 1, "{sessions}");
            let (status, html) = page(app, &browser, "/admin/team").await;
            assert_eq!(status, team_status, "{email} /admin/team");
            if team_status == 403 {
                assert!(html.contains("Only super managers manage the team"), "{email}");
                assert!(!html.contains("Uma Uptown"), "{email} sees no one");
            } else {
                for name in ["Sam Super", "Max Manager", "Ada Agent", "Uma Uptown"] {
                    assert!(html.contains(name), "{name} on the team page");
                }
                assert!(!html.contains("Oz Other"), "another agency's people are not listed");
            }
        }
        // Another agency's super manager: Acme's people do not exist for them.
        let oz_browser = app.signed_in("oz@other.test").await;
        let (status, _) = app.call_form(&oz_browser, "get_person", &[("id", &max.to_string())]).await;
        assert_eq!(status, 404);
        let sam = app.signed_in("sam@acme.test").await;
        let (status, _) = app.call_form(&sam, "get_person", &[("id", &oz.to_string())]).await;
        assert_eq!(status, 404);
        // Every change, by role and agency: a manager 403, the other agency 404, and nothing changed.
        let ws = world.downtown.to_string();
        let changes: Vec<(String, Vec<(&str, &str)>)> = vec![
            (format!("/admin/team/{max}/access"), vec![("role", "agent"), ("workspaces", &ws)]),
            (format!("/admin/team/{max}/disable"), vec![]),
            (format!("/admin/team/{max}/remove"), vec![]),
            (format!("/admin/team/{max}/enable"), vec![]),
            (format!("/admin/team/{max}/reset-link"), vec![]),
            (format!("/admin/team/{max}/invitation/reissue"), vec![]),
            (format!("/admin/team/{max}/revoke-invitation"), vec![]),
            (format!("/admin/workspaces/{}", world.downtown), vec![("action", "archive")]),
        ];
        let manager = app.signed_in("max@acme.test").await;
        let agent = app.signed_in("ada@acme.test").await;
        for (path, form) in &changes {
            for (who, browser) in [("manager", &manager), ("agent", &agent)] {
                let (status, _, html) = post(app, browser, path, form).await;
                assert_eq!(status, 403, "{who} {path}");
                assert!(html.contains("Only super managers"), "{who} {path} says why");
            }
            let (status, _, _) = post(app, &oz_browser, path, form).await;
            assert_eq!(status, 404, "the other agency's super manager {path}");
        }
        for (who, browser) in [("manager", &manager), ("agent", &agent)] {
            let (status, _) = invite(app, browser, "new@acme.test", "agent", world.downtown).await;
            assert_eq!(status, 403, "{who} invites");
            let (status, _, _) = post(app, browser, "/admin/workspaces", &[("name", "Harbour")]).await;
            assert_eq!(status, 403, "{who} creates a workspace");
        }
        // The other agency cannot put its people in Acme's workspaces.
        let (status, html) = invite(app, &oz_browser, "new@other.test", "agent", world.downtown).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("Choose workspaces of this agency"));
        let max_row = user::Entity::find_by_id(max).one(db(app)).await.unwrap().unwrap();
        assert_eq!((max_row.role.as_str(), max_row.status.as_str()), ("manager", "active"), "nothing changed");
        assert!(audit(app, AuditAction::PersonInvited).await.is_empty());
        // A malformed id is a 404, never a 500.
        let (status, _, _) = post(app, &sam, "/admin/team/abc/enable", &[]).await;
        assert_eq!(status, 404);
    }

    async fn an_invitation_works_once_until_it_expires(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let sam = app.signed_in("sam@acme.test").await;
        // Errors next to the fields, what was typed kept.
        let (status, _, html) = post(app, &sam, "/admin/team/invite", &[("email", "not-an-email"), ("name", "Nia New"), ("role", "manager")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("Enter an email address like name@example.com"), "{html}");
        assert!(html.contains("Choose at least one workspace"));
        assert!(html.contains("value=\"Nia New\""));
        let (status, html) = invite(app, &sam, "max@acme.test", "manager", world.downtown).await;
        assert_eq!(status, 422);
        assert!(html.contains("already has an account"));

        let (status, html) = invite(app, &sam, "Nia@Acme.test", "manager", world.downtown).await;
        assert_eq!(status, 200, "{html}");
        let token = link_in(&html, "kw_inv_");
        assert!(html.contains(&format!("/invitation?token={token}")));
        let nia = person_id(app, "nia@acme.test").await;
        let (_, team) = page(app, &sam, "/admin/team").await;
        assert!(team.contains("Invited"), "the table shows the pending invitation");
        assert!(!team.contains(&token), "the link is shown once, not on the table");
        // Nia cannot sign in before accepting.
        assert_eq!(sign_in(app, &client(), "nia@acme.test", NEW_PASSWORD).await.status(), 422);

        // The page a fresh browser opens.
        let nia_browser = client();
        let (status, html) = page(app, &nia_browser, &format!("/invitation?token={token}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Join Acme Realty"), "{html}");
        let (status, _, html) = post(app, &nia_browser, "/invitation", &[("token", &token), ("password", "short")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("Password must be at least 12 characters"));
        let (status, location, _) = post(app, &nia_browser, "/invitation", &[("token", &token), ("password", NEW_PASSWORD)]).await;
        assert_eq!(status, 303, "accepted and signed in");
        assert!(location.starts_with("/admin"), "{location}");
        let (status, _) = page(app, &nia_browser, "/admin/profile").await;
        assert_eq!(status, 200, "signed in");
        // Single use.
        let again = client();
        let (status, html) = page(app, &again, &format!("/invitation?token={token}")).await;
        assert_eq!(status, 404);
        assert!(html.contains("no longer works"));
        let (status, _, _) = post(app, &again, "/invitation", &[("token", &token), ("password", NEW_PASSWORD)]).await;
        assert_eq!(status, 404);
        assert_eq!(sign_in(app, &client(), "nia@acme.test", NEW_PASSWORD).await.status(), 303);
        assert_eq!(audit(app, AuditAction::InvitationAccepted).await.len(), 1);
        let row = user::Entity::find_by_id(nia).one(db(app)).await.unwrap().unwrap();
        assert_eq!((row.role.as_str(), row.status.as_str()), ("manager", "active"));

        // Expiry, by time travel: a link of 7 days works on day 6, not on day 8.
        let (_, html) = invite(app, &sam, "late@acme.test", "agent", world.downtown).await;
        let late = link_in(&html, "kw_inv_");
        let state = &app.server().state;
        let day = |n| Utc::now() + TimeDelta::days(n);
        assert!(people::invitation(&state.db, &state.pepper, &late, day(6)).await.unwrap().is_some());
        let expired = people::accept_invitation(&state.db, &state.pepper, &late, NEW_PASSWORD, day(8)).await;
        assert!(matches!(expired, Err(keyward::server::services::error::ServiceError::NotFound)), "{expired:?}");
        // Re-issued: the old link stops, the new one works; revoked: neither.
        let late_id = person_id(app, "late@acme.test").await;
        let (status, _, html) = post(app, &sam, &format!("/admin/team/{late_id}/invitation/reissue"), &[]).await;
        assert_eq!(status, 200);
        let reissued = link_in(&html, "kw_inv_");
        assert_ne!(reissued, late);
        assert_eq!(page(app, &client(), &format!("/invitation?token={late}")).await.0, 404);
        assert_eq!(page(app, &client(), &format!("/invitation?token={reissued}")).await.0, 200);
        let (status, location, _) = post(app, &sam, &format!("/admin/team/{late_id}/revoke-invitation"), &[]).await;
        assert_eq!((status, location.as_str()), (303, "/admin/team?done=invitation_revoked"));
        assert_eq!(page(app, &client(), &format!("/invitation?token={reissued}")).await.0, 404);
        let (_, team) = page(app, &sam, "/admin/team").await;
        assert!(!team.contains("late@acme.test"), "a revoked invitation leaves the table");
        // Invited again later: the same person, a new link.
        let (status, html) = invite(app, &sam, "late@acme.test", "agent", world.downtown).await;
        assert_eq!(status, 200, "{html}");
        assert_eq!(person_id(app, "late@acme.test").await, late_id);
        // A mistyped or foreign token is a 404 page, never a 500.
        for bad in ["", "kw_inv_x", "kw_pwr_000000000000_0000000000000000000000000000000000000A", "%00"] {
            assert_eq!(page(app, &client(), &format!("/invitation?token={bad}")).await.0, 404, "{bad}");
        }
    }

    async fn the_last_super_manager_stays_one(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let sam = app.signed_in("sam@acme.test").await;
        let me = world.sam;
        let ws = world.downtown.to_string();
        let (status, _, html) = post(app, &sam, &format!("/admin/team/{me}/access"), &[("role", "manager"), ("workspaces", &ws)]).await;
        assert_eq!(status, 409);
        assert!(html.contains("only active super manager"), "{html}");
        for action in ["disable", "remove"] {
            let (status, _, html) = post(app, &sam, &format!("/admin/team/{me}/{action}"), &[]).await;
            assert_eq!(status, 409, "{action}");
            assert!(html.contains("only active super manager"));
        }
        let (_, html) = page(app, &sam, &format!("/admin/team/{me}")).await;
        assert!(!html.contains(&format!("/admin/team/{me}/disable")), "no Disable button is offered");
        // With a second super manager, Sam may step down.
        let (status, _, _) = post(app, &sam, &format!("/admin/team/{}/access", world.max), &[("role", "super_manager"), ("workspaces", &ws)]).await;
        assert_eq!(status, 303);
        let (status, location, _) = post(app, &sam, &format!("/admin/team/{me}/access"), &[("role", "manager"), ("workspaces", &ws)]).await;
        assert_eq!(status, 303, "{location}");
        let changed = audit(app, AuditAction::RoleChanged).await;
        assert_eq!(changed.len(), 2);
        let details: serde_json::Value = serde_json::from_str(&changed[1].details).unwrap();
        assert_eq!(details["from"], "Super manager");
        assert_eq!(details["to"], "Manager");
        assert_eq!(changed[1].actor_label, "Sam Super");
        // Now Max is the last one.
        let max = app.signed_in("max@acme.test").await;
        let (status, _, _) = post(app, &max, &format!("/admin/team/{}/disable", world.max), &[]).await;
        assert_eq!(status, 409);
    }

    async fn disabling_ends_every_session_on_every_instance(engine) {
        let world = world(engine).await;
        let app = &world.app;
        // Max signs in on a second instance on the same database.
        let second = Server::start(app.config()).await.expect("a second instance starts");
        let second_addr = second.addr;
        let on_second = |path: &str| format!("http://{second_addr}{path}");
        let max = client();
        let response = max
            .post(on_second("/login"))
            .form(&[("email", "max@acme.test"), ("password", PASSWORD), ("next", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        assert_eq!(max.get(on_second("/admin/profile")).send().await.unwrap().status(), 200);
        let sam = app.signed_in("sam@acme.test").await;
        let (status, location, _) = post(app, &sam, &format!("/admin/team/{}/disable", world.max), &[]).await;
        assert_eq!((status, location.clone()), (303, format!("/admin/team/{}?done=disabled", world.max)));
        let started = std::time::Instant::now();
        loop {
            let response = max.get(on_second("/admin/profile")).send().await.unwrap();
            if response.status() == 303 {
                assert!(crate::helpers::location(&response).starts_with("/login"));
                break;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(1), "signed out within a second");
        }
        // Disabled: the right password is told so; a wrong one is not.
        let response = max
            .post(on_second("/login"))
            .form(&[("email", "max@acme.test"), ("password", PASSWORD), ("next", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        assert!(response.text().await.unwrap().contains("This account is disabled"));
        assert_eq!(sign_in(app, &client(), "max@acme.test", "wrong password!!").await.status(), 422);
        let disabled = audit(app, AuditAction::PersonDisabled).await;
        let details: serde_json::Value = serde_json::from_str(&disabled[0].details).unwrap();
        assert_eq!(details["sessions_ended"], 1, "{details}");
        // Enabled again: they sign in.
        let (status, _, _) = post(app, &sam, &format!("/admin/team/{}/enable", world.max), &[]).await;
        assert_eq!(status, 303);
        assert_eq!(sign_in(app, &client(), "max@acme.test", PASSWORD).await.status(), 303);
        let (status, _, html) = post(app, &sam, &format!("/admin/team/{}/enable", world.max), &[]).await;
        assert_eq!(status, 409, "not disabled any more");
        assert!(html.contains("is not disabled"));
        second.stop().await.unwrap();
    }

    async fn keys_never_keep_acting_as_someone_disabled(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let sam = app.signed_in("sam@acme.test").await;
        let (kept, kept_id) = key_acting_as(&world, world.max, Some(world.downtown)).await;
        let (revoked, revoked_id) = key_acting_as(&world, world.max, Some(world.downtown)).await;
        assert_eq!(app.v1("GET", "/v1/me", &kept, None).await.0, 200);
        let path = format!("/admin/team/{}/disable", world.max);
        // The dialog lists the keys and needs a choice for each.
        let (status, html) = page(app, &sam, &path).await;
        assert_eq!(status, 200);
        assert!(html.contains(&format!("key_{kept_id}")) && html.contains(&format!("key_{revoked_id}")));
        let uma = person_id(app, "uma@acme.test").await;
        let (status, _, html) = post(app, &sam, &path, &[(&format!("key_{kept_id}"), "revoke")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("acts as now, or revoke it"), "{html}");
        // Uma works in Uptown: she may not act for a Downtown key.
        let to_uma = format!("user:{uma}");
        let (status, _, html) = post(app, &sam, &path, &[(&format!("key_{kept_id}"), &to_uma), (&format!("key_{revoked_id}"), "revoke")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("Choose someone active who may act in Downtown"));
        assert_eq!(app.v1("GET", "/v1/me", &kept, None).await.0, 200, "a refused dialog changes nothing");
        let to_sam = format!("user:{}", world.sam);
        let (status, _, _) = post(app, &sam, &path, &[(&format!("key_{kept_id}"), &to_sam), (&format!("key_{revoked_id}"), "revoke")]).await;
        assert_eq!(status, 303);
        let (status, me) = app.v1("GET", "/v1/me", &kept, None).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["acting_as"]["name"], "Sam Super", "{me}");
        let (status, body) = app.v1("GET", "/v1/me", &revoked, None).await;
        assert_eq!(status, 401, "{body}");
        let reassigned = audit(app, AuditAction::KeyReassigned).await;
        assert_eq!(reassigned.len(), 1);
        assert_eq!(reassigned[0].key_id.as_deref(), Some(kept_id.as_str()));
        let details: serde_json::Value = serde_json::from_str(&reassigned[0].details).unwrap();
        assert_eq!((details["from"].as_str(), details["to"].as_str()), (Some("Max Manager"), Some("Sam Super")));

        // Disabled from the command line, keys left: refused with 401, marked in the key table.
        let (left, left_id) = key_acting_as(&world, world.sam, Some(world.downtown)).await;
        let ws = world.downtown.to_string();
        let (status, _, _) = post(app, &sam, &format!("/admin/team/{}/enable", world.max), &[]).await;
        assert_eq!(status, 303);
        let (status, _, _) = post(app, &sam, &format!("/admin/team/{}/access", world.max), &[("role", "super_manager"), ("workspaces", &ws)]).await;
        assert_eq!(status, 303);
        let state = &app.server().state;
        let cli = keyward::server::services::keys::Caller::command_line(state_agency(app).await);
        people::disable(&state.db, &state.keys, &cli, world.sam, people::KeyDecisions::Leave, Utc::now())
            .await
            .unwrap();
        let (status, body) = app.v1("GET", "/v1/me", &left, None).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "UNAUTHORIZED");
        assert!(body["error"]["message"].as_str().unwrap().starts_with("Acting user disabled"), "{body}");
        let max = app.signed_in("max@acme.test").await;
        let (_, table) = page(app, &max, "/admin/profile/developer-settings").await;
        assert!(table.contains("Acting user disabled"), "the key table marks it");
        // The key must act as the person the address names: else 404, nothing changed.
        for other in [world.max, 999_999] {
            let (status, _, _) = post(app, &max, &format!("/admin/team/{other}/keys/{left_id}/reassign"), &[("act_as", &world.max.to_string())]).await;
            assert_eq!(status, 404, "/admin/team/{other}/keys/{left_id}/reassign");
        }
        assert_eq!(app.v1("GET", "/v1/me", &left, None).await.0, 401);
        // Reassigned: accepted again at once.
        let (status, location, _) = post(app, &max, &format!("/admin/team/{}/keys/{left_id}/reassign", world.sam), &[("act_as", &world.max.to_string())]).await;
        assert_eq!(status, 303, "{location}");
        assert_eq!(app.v1("GET", "/v1/me", &left, None).await.0, 200);
    }

    async fn removal_keeps_names_in_the_audit_log_and_on_keys(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let sam = app.signed_in("sam@acme.test").await;
        // Max creates a key of his own (audited under his name), acting as himself.
        let (key, key_id) = {
            let max = app.signed_in("max@acme.test").await;
            let form = json!({ "form": {
                "name": "Max's import", "workspace": world.downtown.to_string(),
                "act_as": world.max.to_string(), "validity": "1m", "custom_date": "",
                "environment": "live", "scopes": ["read:leads"],
            }});
            let (status, key) = app.call_json(&max, "create_key", form).await;
            assert_eq!(status, 200, "{key}");
            (key["token"].as_str().unwrap().to_owned(), key["id"].as_str().unwrap().to_owned())
        };
        let (status, _, _) = post(app, &sam, &format!("/admin/team/{}/remove", world.max), &[(&format!("key_{key_id}"), "revoke")]).await;
        assert_eq!(status, 303);
        assert_eq!(app.v1("GET", "/v1/me", &key, None).await.0, 401);
        let (_, team) = page(app, &sam, "/admin/team").await;
        assert!(!team.contains("Max Manager"), "removed people leave the table");
        let (status, _) = page(app, &sam, &format!("/admin/team/{}", world.max)).await;
        assert_eq!(status, 404);
        let (_, log) = page(app, &sam, "/admin/profile/developer-settings/audit-log").await;
        assert!(log.contains("Max Manager"), "the audit log keeps the name");
        let (_, key_page) = page(app, &sam, &format!("/admin/profile/developer-settings/keys/{key_id}")).await;
        assert!(key_page.contains("Max Manager"), "the key still names its creator");
        assert_eq!(sign_in(app, &client(), "max@acme.test", PASSWORD).await.status(), 422);
        let removed = audit(app, AuditAction::PersonRemoved).await;
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].actor_label, "Sam Super");
    }

    async fn passwords_and_sessions(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let laptop = app.signed_in("max@acme.test").await;
        let phone = app.signed_in("max@acme.test").await;
        let (_, sessions) = app.call_form(&laptop, "get_sessions", &[]).await;
        let sessions = sessions.as_array().unwrap().clone();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
        let phone_id = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
        // Sign out the other session.
        let (status, location, _) = post(app, &laptop, "/admin/profile/sessions/sign-out", &[("session", &phone_id)]).await;
        assert_eq!((status, location.as_str()), (303, "/admin/profile?done=signed_out#sessions"));
        assert_eq!(page(app, &phone, "/admin/profile").await.0, 303, "the phone is signed out");
        assert_eq!(page(app, &laptop, "/admin/profile").await.0, 200);
        // Another person's session is not theirs to end.
        let sam = app.signed_in("sam@acme.test").await;
        let (_, sam_sessions) = app.call_form(&sam, "get_sessions", &[]).await;
        let sam_id = sam_sessions[0]["id"].as_str().unwrap().to_owned();
        let (status, _, _) = post(app, &laptop, "/admin/profile/sessions/sign-out", &[("session", &sam_id)]).await;
        assert_eq!(status, 404);
        assert_eq!(page(app, &sam, "/admin/profile").await.0, 200);

        // Change password: the current one first; other sessions end.
        let tablet = app.signed_in("max@acme.test").await;
        let (status, _, html) = post(app, &laptop, "/admin/profile/password", &[("current_password", "wrong one!!!"), ("new_password", "short")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("That is not your current password"), "{html}");
        assert!(html.contains("New password must be at least 12 characters"));
        assert!(!html.contains("wrong one!!!"), "a password is never echoed");
        let (status, _, _) = post(app, &laptop, "/admin/profile/password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]).await;
        assert_eq!(status, 303);
        assert_eq!(page(app, &laptop, "/admin/profile").await.0, 200, "this session stays");
        assert_eq!(page(app, &tablet, "/admin/profile").await.0, 303, "every other one ends");
        assert_eq!(sign_in(app, &client(), "max@acme.test", NEW_PASSWORD).await.status(), 303);

        // Sign out everywhere else.
        let other = app.signed_in_with("max@acme.test", NEW_PASSWORD).await;
        let (status, _, _) = post(app, &laptop, "/admin/profile/sessions/sign-out", &[("session", "others")]).await;
        assert_eq!(status, 303);
        assert_eq!(page(app, &other, "/admin/profile").await.0, 303);
        assert_eq!(audit(app, AuditAction::SessionsEnded).await.len(), 2);

        // A reset link from a super manager: once, for 24 hours, ending every session.
        let (status, _, html) = post(app, &sam, &format!("/admin/team/{}/reset-link", world.max), &[]).await;
        assert_eq!(status, 200);
        let token = link_in(&html, "kw_pwr_");
        let (_, again) = page(app, &sam, &format!("/admin/team/{}", world.max)).await;
        assert!(!again.contains(&token), "shown once");
        let state = &app.server().state;
        assert!(people::reset_link_person(&state.db, &state.pepper, &token, Utc::now() + TimeDelta::hours(25)).await.unwrap().is_none(), "expired after 24 hours");
        let fresh = client();
        assert_eq!(page(app, &fresh, &format!("/reset-password?token={token}")).await.0, 200);
        let (status, _, _) = post(app, &fresh, "/reset-password", &[("token", &token), ("password", "yet another passphrase")]).await;
        assert_eq!(status, 303);
        assert_eq!(page(app, &laptop, "/admin/profile").await.0, 303, "every earlier session ended");
        assert_eq!(page(app, &fresh, "/admin/profile").await.0, 200, "the browser that reset is signed in");
        assert_eq!(post(app, &client(), "/reset-password", &[("token", &token), ("password", "yet another passphrase")]).await.0, 404);
        assert_eq!(audit(app, AuditAction::PasswordReset).await.len(), 1);
        // A field sent twice is read as every form reads it (the first), never a raw framework error.
        let (status, _, html) = post(app, &client(), "/invitation", &[("token", "x"), ("token", "y"), ("password", NEW_PASSWORD)]).await;
        assert_eq!(status, 404);
        assert!(html.contains("no longer works"));

        // Guessing the current password from a signed-in session is throttled like signing in.
        let mut statuses = Vec::new();
        for _ in 0..6 {
            let (status, _, html) = post(app, &fresh, "/admin/profile/password", &[("current_password", "guess guess guess"), ("new_password", NEW_PASSWORD)]).await;
            if status == 429 {
                assert!(html.contains("Too many attempts"), "{html}");
            }
            statuses.push(status);
        }
        assert_eq!(statuses.first(), Some(&422));
        assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    }

    async fn workspaces_created_renamed_archived_and_restored(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let sam = app.signed_in("sam@acme.test").await;
        let (status, _, html) = post(app, &sam, "/admin/workspaces", &[("name", "downtown")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("A workspace named downtown already exists"));
        let (status, location, _) = post(app, &sam, "/admin/workspaces", &[("name", "Harbour")]).await;
        assert_eq!((status, location.as_str()), (303, "/admin/workspaces?done=workspace_created"));
        let (token, _) = key_acting_as(&world, world.max, Some(world.downtown)).await;
        let (_, html) = page(app, &sam, "/admin/workspaces").await;
        assert!(html.contains("Harbour"));
        let (_, rows) = app.call_form(&sam, "get_workspaces", &[]).await;
        let names: Vec<&str> = rows.as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Downtown", "Harbour", "Uptown"], "no stray \"Main\" from `user add --workspace`");
        let path = format!("/admin/workspaces/{}", world.downtown);
        let (status, _, _) = post(app, &sam, &path, &[("action", "rename"), ("name", "Downtown East")]).await;
        assert_eq!(status, 303);
        let (_, me) = app.v1("GET", "/v1/me", &token, None).await;
        assert_eq!(me["workspace"]["name"], "Downtown East", "{me}");
        // Archived: its keys refused, no new keys there.
        let (status, _, _) = post(app, &sam, &path, &[("action", "archive")]).await;
        assert_eq!(status, 303);
        let (status, body) = app.v1("GET", "/v1/me", &token, None).await;
        assert_eq!(status, 401);
        assert!(body["error"]["message"].as_str().unwrap().starts_with("Workspace archived"), "{body}");
        let form = json!({ "form": {
            "name": "Too late", "workspace": world.downtown.to_string(),
            "act_as": world.sam.to_string(), "validity": "1m", "custom_date": "",
            "environment": "live", "scopes": ["read:leads"],
        }});
        let (status, body) = app.call_json(&sam, "create_key", form).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains("is archived"));
        let (status, _, html) = post(app, &sam, &path, &[("action", "archive")]).await;
        assert_eq!(status, 409);
        assert!(html.contains("already archived"));
        let (status, _, _) = post(app, &sam, &path, &[("action", "restore")]).await;
        assert_eq!(status, 303);
        assert_eq!(app.v1("GET", "/v1/me", &token, None).await.0, 200);
        let actions: Vec<AuditAction> = audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Id)
            .all(db(app))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .filter(|a| a.as_str().starts_with("workspace_"))
            .collect();
        assert_eq!(actions, [AuditAction::WorkspaceCreated, AuditAction::WorkspaceRenamed, AuditAction::WorkspaceArchived, AuditAction::WorkspaceRestored]);
    }
}

async fn state_agency(app: &TestApp) -> i64 {
    user::Entity::find()
        .filter(user::Column::Email.eq("sam@acme.test"))
        .one(db(app))
        .await
        .unwrap()
        .unwrap()
        .agency_id
}
