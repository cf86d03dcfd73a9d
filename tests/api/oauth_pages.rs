//! The OAuth pages over HTTP, as a browser without JavaScript uses them:
//! Register OAuth app (errors next to the fields, the secret shown once, a
//! form sent twice registering one app), Roll secret with its grace,
//! Delete app and Authorized apps' Revoke — each ending the app's tokens on
//! another instance within a second — and who may see and do what.
use chrono::Utc;
use keyward::domain::audit_action::AuditAction;
use keyward::entities::{audit_event, oauth_app, oauth_grant, user};
use keyward::server::http::Server;
use keyward::server::services::keys::caller_for;
use keyward::server::services::oauth::grants;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{Browser, TestApp};
use crate::keys::world;
use crate::oauth_flow::hidden_inputs;
use crate::oauth_tokens::{pkce_query, setup, Setup};
use crate::on_both_engines;
use crate::v1_auth::refused_within_a_second;

const APPS: &str = "/admin/profile/developer-settings/oauth-apps";
const AUTHORIZED: &str = "/admin/profile/authorized-apps";

/// A form post from the dashboard's own page, to `base` (an instance's
/// address) with `browser`'s session: status, `Location`, body.
async fn post(
    app: &TestApp,
    browser: &Browser,
    base: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = browser
        .post(format!("{base}{path}"))
        .header("origin", base)
        .header("cookie", browser.cookie_header(app))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn page(app: &TestApp, browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn base(app: &TestApp) -> String {
    app.url("").trim_end_matches('/').to_owned()
}

/// The value of the input with this id in `html`.
fn input_value(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let start = tag.find("value=\"")? + 7;
    Some(tag[start..start + tag[start..].find('"')?].to_owned())
}

/// Whether the client secret authenticates the app (introspection answers
/// 200 to an authenticated client, 401 otherwise).
async fn authenticates(app: &TestApp, client_id: &str, secret: &str) -> bool {
    let response = reqwest::Client::new()
        .post(app.url("/oauth/introspect"))
        .basic_auth(client_id, Some(secret))
        .form(&[("token", "kw_oat_unknown")])
        .send()
        .await
        .unwrap();
    match response.status().as_u16() {
        200 => true,
        401 => false,
        other => panic!("introspection answered {other}"),
    }
}

async fn audited(s: &TestApp, action: AuditAction) -> usize {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .all(&s.server().state.db)
        .await
        .unwrap()
        .len()
}

/// Max Manager approves the Setup's app (his own grant).
async fn max_approves(s: &Setup) -> String {
    let max = user::Entity::find()
        .filter(user::Column::Email.eq("max@acme.test"))
        .one(s.db())
        .await
        .unwrap()
        .unwrap();
    let current = keyward::server::services::accounts::current_user(s.db(), max.id)
        .await
        .unwrap()
        .unwrap();
    let caller = caller_for(s.db(), &current, None).await.unwrap();
    let query = format!("client_id=kw_app_{}&{}", s.client.id, pkce_query("read:leads"));
    let request = keyward::server::services::oauth::authorize::read(
        s.db(),
        &keyward::server::services::oauth::authorize::Params::parse(&query),
    )
    .await
    .unwrap();
    let workspace = caller.actor.as_ref().unwrap().workspaces[0];
    grants::approve(s.db(), s.pepper(), &caller, &request, Some(workspace), Utc::now())
        .await
        .unwrap();
    oauth_grant::Entity::find()
        .filter(oauth_grant::Column::UserId.eq(max.id))
        .one(s.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

on_both_engines! {
    async fn a_super_manager_registers_an_app_and_sees_its_secret_once(engine) {
        let app = world(engine).await.app;
        let sam = app.signed_in("sam@acme.test").await;
        let (status, html) = page(&app, &sam, &format!("{APPS}/new")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Register OAuth app"));
        let form_id = hidden_inputs(&html)
            .into_iter()
            .find(|(n, _)| n == "form_id")
            .map(|(_, v)| v)
            .unwrap();
        assert_eq!(form_id.len(), 12);

        // Refused: every field named next to it, what was typed kept.
        let (status, _, html) = post(&app, &sam, &base(&app), &format!("{APPS}/new"), &[
            ("form_id", &form_id), ("name", " "), ("homepage", "https://portal.example"),
            ("redirect_uris", "https://good.example@evil.example/cb"), ("client_type", "confidential"),
            ("environment", "live"),
        ]).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("id=\"app-name-error\""), "{html}");
        assert!(html.contains("id=\"app-redirect_uris-error\""));
        assert!(html.contains("id=\"app-scopes-error\""));
        assert_eq!(input_value(&html, "app-homepage").as_deref(), Some("https://portal.example"));
        assert_eq!(oauth_app::Entity::find().all(&app.server().state.db).await.unwrap().len(), 0);

        let good = [
            ("form_id", form_id.as_str()), ("name", "Listing Portal"), ("homepage", ""),
            ("description", "Posts our listings."), ("redirect_uris", "https://portal.example/callback\nhttp://127.0.0.1/cb"),
            ("client_type", "confidential"), ("environment", "live"), ("scopes", "read:leads"),
            ("scopes", "write:leads"), ("require_pkce", "on"),
        ];
        let (status, _, html) = post(&app, &sam, &base(&app), &format!("{APPS}/new"), &good).await;
        assert_eq!(status, 201, "{html}");
        let client_id = format!("kw_app_{form_id}");
        assert_eq!(input_value(&html, "revealed-client-id").as_deref(), Some(client_id.as_str()));
        let secret = input_value(&html, "revealed-client-secret").unwrap();
        assert!(secret.starts_with(&format!("kw_ocs_{form_id}_")), "{secret}");
        assert!(html.contains("I have copied the client secret"));
        assert!(authenticates(&app, &client_id, &secret).await);
        let stored = oauth_app::Entity::find().one(&app.server().state.db).await.unwrap().unwrap();
        assert_eq!(stored.scopes, "read:leads write:leads");
        assert!(stored.require_pkce);

        // The same form again (a reload): nothing new, no secret.
        let (status, _, html) = post(&app, &sam, &base(&app), &format!("{APPS}/new"), &good).await;
        assert_eq!(status, 409, "{html}");
        assert!(html.contains("registered already"), "{html}");
        assert!(!html.contains("kw_ocs_"));
        assert_eq!(oauth_app::Entity::find().all(&app.server().state.db).await.unwrap().len(), 1);
        // The form it answers with carries a new id: sent again on purpose, it registers another app.
        let again = hidden_inputs(&html).into_iter().find(|(n, _)| n == "form_id").map(|(_, v)| v).expect("a form_id on the form");
        assert_ne!(again, form_id, "a fresh id after the 409");

        // Afterwards: listed, its page without the secret.
        let (status, html) = page(&app, &sam, APPS).await;
        assert_eq!(status, 200);
        // "How apps connect" leads to the API reference's OAuth section.
        let link = html.split("href=\"").find(|h| h.contains("api-reference#")).unwrap();
        let (path, fragment) = link[..link.find('"').unwrap()].split_once('#').unwrap();
        let (_, reference) = page(&app, &sam, path).await;
        assert!(reference.contains(&format!("id=\"{fragment}\"")), "no section #{fragment} on {path}");
        assert!(html.contains("Listing Portal") && html.contains(&client_id));
        let (status, html) = page(&app, &sam, &format!("{APPS}/{client_id}")).await;
        assert_eq!(status, 200);
        assert!(!html.contains(&secret) && !html.contains("kw_ocs_"), "shown once");
        assert!(html.contains(&secret[secret.len() - 4..]), "its last four");
        assert_eq!(audited(&app, AuditAction::AppRegistered).await, 1);

        // A manager may not; another agency's super manager finds nothing.
        let max = app.signed_in("max@acme.test").await;
        assert_eq!(page(&app, &max, APPS).await.0, 403);
        let (status, form) = page(&app, &max, &format!("{APPS}/new")).await;
        assert_eq!(status, 403, "nor see the form");
        assert!(!form.contains("form_id"), "no form is rendered");
        let mut denied = good;
        denied[0].1 = "AAAAAAAAAAAA";
        assert_eq!(post(&app, &max, &base(&app), &format!("{APPS}/new"), &denied).await.0, 403);
        let oz = app.signed_in("oz@other.test").await;
        assert_eq!(page(&app, &oz, &format!("{APPS}/{client_id}")).await.0, 404);
        let (status, _, _) = post(&app, &oz, &base(&app), &format!("{APPS}/{client_id}/delete"), &[]).await;
        assert_eq!(status, 404);
        let (status, _, _) = post(&app, &oz, &base(&app), &format!("{APPS}/{client_id}"), &[("grace", "now")]).await;
        assert_eq!(status, 404);
        assert_eq!(oauth_app::Entity::find().all(&app.server().state.db).await.unwrap().len(), 1);

        // From another site: refused before anything happens.
        let forged = sam
            .post(app.url(&format!("{APPS}/{client_id}/delete")))
            .header("origin", "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        assert_eq!(oauth_app::Entity::find().all(&app.server().state.db).await.unwrap().len(), 1);
    }

    async fn rolling_a_secret_reveals_it_once_and_keeps_the_old_one_for_the_grace(engine) {
        let s = setup(engine).await;
        let client_id = format!("kw_app_{}", s.client.id);
        let path = format!("{APPS}/{client_id}");
        let sam = s.app.signed_in("sam@acme.test").await;
        let last4 = s.secret[s.secret.len() - 4..].to_owned();

        let (status, _, html) = post(&s.app, &sam, &base(&s.app), &path, &[("grace", "forever"), ("seen_last4", &last4)]).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"roll-grace-error\""));

        let (status, _, html) = post(&s.app, &sam, &base(&s.app), &path, &[("grace", "1h"), ("seen_last4", &last4)]).await;
        assert_eq!(status, 200, "{html}");
        let second = input_value(&html, "revealed-client-secret").unwrap();
        assert_ne!(second, s.secret);
        assert!(authenticates(&s.app, &client_id, &second).await);
        assert!(authenticates(&s.app, &client_id, &s.secret).await, "the old one, within its hour");
        assert!(html.contains("the previous secret works until"));

        // The same form again: the secret just shown is not replaced.
        let (status, _, html) = post(&s.app, &sam, &base(&s.app), &path, &[("grace", "1h"), ("seen_last4", &last4)]).await;
        assert_eq!(status, 409);
        assert!(!html.contains("kw_ocs_"));
        assert!(authenticates(&s.app, &client_id, &second).await);

        // Stop it now: only the newest works.
        let seen = second[second.len() - 4..].to_owned();
        let (status, _, html) = post(&s.app, &sam, &base(&s.app), &path, &[("grace", "now"), ("seen_last4", &seen)]).await;
        assert_eq!(status, 200);
        let third = input_value(&html, "revealed-client-secret").unwrap();
        assert!(authenticates(&s.app, &client_id, &third).await);
        assert!(!authenticates(&s.app, &client_id, &second).await);
        assert!(!authenticates(&s.app, &client_id, &s.secret).await, "an earlier grace ends too");
        assert_eq!(audited(&s.app, AuditAction::AppSecretRolled).await, 2);
    }

    async fn revoking_a_grant_or_deleting_the_app_ends_its_tokens_on_every_instance(engine) {
        let s = setup(engine).await;
        let other = Server::start(s.app.config()).await.unwrap();
        let other_base = format!("http://{}", other.addr);
        let sam = s.app.signed_in("sam@acme.test").await;

        // Sam's own grant, from Authorized apps.
        let pair = s.first_pair(Utc::now()).await;
        assert_eq!(s.app.v1("GET", "/v1/me", &pair.access_token, None).await.0, 200);
        let grant = oauth_grant::Entity::find().one(s.db()).await.unwrap().unwrap();
        let (status, html) = page(&s.app, &sam, AUTHORIZED).await;
        assert_eq!(status, 200);
        assert!(html.contains("Listing Portal") && html.contains(&format!("{AUTHORIZED}/{}/revoke", grant.id)));
        let (status, html) = page(&s.app, &sam, &format!("{AUTHORIZED}/{}/revoke", grant.id)).await;
        assert_eq!(status, 200);
        assert!(html.contains("Revoke access for Listing Portal?"), "{html}");
        let (status, location, _) =
            post(&s.app, &sam, &other_base, &format!("{AUTHORIZED}/{}/revoke", grant.id), &[]).await;
        assert_eq!((status, location.as_str()), (303, "/admin/profile/authorized-apps?done=grant-revoked"));
        refused_within_a_second(&s.app, &pair.access_token).await;
        let refreshed = reqwest::Client::new()
            .post(s.app.url("/oauth/token"))
            .basic_auth(format!("kw_app_{}", s.client.id), Some(&s.secret))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", pair.refresh_token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(refreshed.status(), 400);
        assert!(oauth_grant::Entity::find().one(s.db()).await.unwrap().is_none());
        assert_eq!(audited(&s.app, AuditAction::GrantRevoked).await, 1);
        let (status, html) = page(&s.app, &sam, &format!("{AUTHORIZED}?done=grant-revoked")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Access revoked."));
        let (status, _, _) =
            post(&s.app, &sam, &base(&s.app), &format!("{AUTHORIZED}/{}/revoke", grant.id), &[]).await;
        assert_eq!(status, 404, "revoked already");

        // Consent again, then the app is deleted on the other instance.
        let pair = s.first_pair(Utc::now()).await;
        assert_eq!(s.app.v1("GET", "/v1/me", &pair.access_token, None).await.0, 200);
        let client_id = format!("kw_app_{}", s.client.id);
        let (status, html) = page(&s.app, &sam, &format!("{APPS}/{client_id}/delete")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Delete Listing Portal?") && html.contains("1 person authorized it"), "{html}");
        let (status, location, _) =
            post(&s.app, &sam, &other_base, &format!("{APPS}/{client_id}/delete"), &[]).await;
        assert_eq!((status, location.as_str()), (303, "/admin/profile/developer-settings/oauth-apps?done=app-deleted"));
        refused_within_a_second(&s.app, &pair.access_token).await;
        assert!(oauth_app::Entity::find().one(s.db()).await.unwrap().is_none());
        assert!(oauth_grant::Entity::find().one(s.db()).await.unwrap().is_none());
        assert!(!authenticates(&s.app, &client_id, &s.secret).await);
        assert_eq!(audited(&s.app, AuditAction::AppDeleted).await, 1);
        other.stop().await.unwrap();
    }

    async fn people_see_and_revoke_their_own_grants_and_super_managers_everyone_s(engine) {
        let s = setup(engine).await;
        s.first_pair(Utc::now()).await;
        let max_grant = max_approves(&s).await;
        let sam_grant = oauth_grant::Entity::find()
            .filter(oauth_grant::Column::Id.ne(&max_grant))
            .one(s.db())
            .await
            .unwrap()
            .unwrap()
            .id;

        let max = s.app.signed_in("max@acme.test").await;
        let (status, html) = page(&s.app, &max, AUTHORIZED).await;
        assert_eq!(status, 200);
        assert!(html.contains(&max_grant) && !html.contains(&sam_grant), "only his own");
        assert!(!html.contains("Everyone else in your agency"));
        assert_eq!(page(&s.app, &max, &format!("{AUTHORIZED}/{sam_grant}/revoke")).await.0, 404);
        let (status, _, _) = post(&s.app, &max, &base(&s.app), &format!("{AUTHORIZED}/{sam_grant}/revoke"), &[]).await;
        assert_eq!(status, 404, "not his to revoke");
        assert!(oauth_grant::Entity::find_by_id(sam_grant.clone()).one(s.db()).await.unwrap().is_some());

        let oz = s.app.signed_in("oz@other.test").await;
        let (status, _, _) = post(&s.app, &oz, &base(&s.app), &format!("{AUTHORIZED}/{max_grant}/revoke"), &[]).await;
        assert_eq!(status, 404, "another agency's");

        let sam = s.app.signed_in("sam@acme.test").await;
        let (status, html) = page(&s.app, &sam, AUTHORIZED).await;
        assert_eq!(status, 200);
        assert!(html.contains("Everyone else in your agency") && html.contains("Max Manager"));
        // From the app's page, a super manager revokes Max's grant and comes back there.
        let client_id = format!("kw_app_{}", s.client.id);
        let (status, html) = page(&s.app, &sam, &format!("{APPS}/{client_id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("Max Manager") && html.contains("Sam Super"));
        let (status, location, _) = post(
            &s.app, &sam, &base(&s.app), &format!("{AUTHORIZED}/{max_grant}/revoke"), &[("from", &client_id)],
        ).await;
        assert_eq!(status, 303);
        assert_eq!(location, format!("{APPS}/{client_id}?done=grant-revoked"));
        assert!(oauth_grant::Entity::find_by_id(max_grant).one(s.db()).await.unwrap().is_none());
        assert!(oauth_grant::Entity::find_by_id(sam_grant).one(s.db()).await.unwrap().is_some());
    }
}
