//! Developer Settings › Webhooks over HTTP, as a browser without JavaScript
//! uses it: who sees which endpoints, Add endpoint (errors next to the
//! fields, the signing secret shown once), Send test event and Resend
//! against a loopback receiver with their results on the page, the delivery
//! log's filters and pages, disable and enable, Recover since…, Reveal and
//! Rotate secret, Edit, Delete — and the secret never on a page that did
//! not just reveal it.
use chrono::{TimeDelta, Utc};
use keyward::domain::audit_action::AuditAction;
use keyward::entities::{audit_event, webhook_endpoint};
use keyward::server::services::keys::caller_for;
use keyward::server::services::webhooks as service;
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use standardwebhooks::Webhook;

use crate::helpers::{Browser, TestApp};
use crate::keys::{world, World};
use crate::on_both_engines;
use crate::webhooks::{Received, Receiver, Reply};

const HOOKS: &str = "/admin/profile/developer-settings/webhooks";
/// Every event type an endpoint may subscribe to.
const EVENTS: [&str; 10] = [
    "lead.created",
    "lead.updated",
    "property.created",
    "property.updated",
    "property.deleted",
    "key.created",
    "key.revoked",
    "key.expiring",
    "key.inactive_warning",
    "key.auto_deleted",
];

/// A form post from the dashboard's own page: status, `Location`, body.
pub(crate) async fn post(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let base = app.url("").trim_end_matches('/').to_owned();
    let response = browser
        .post(app.url(path))
        .header("origin", base)
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

pub(crate) async fn page(app: &TestApp, browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(app.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The value of the input with this id in `html`.
fn input_value(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>')?];
    let start = tag.find("value=\"")? + 7;
    Some(tag[start..start + tag[start..].find('"')?].replace("&amp;", "&"))
}

fn db(app: &TestApp) -> &sea_orm::DatabaseConnection {
    &app.server().state.db
}

async fn audited(app: &TestApp, action: AuditAction) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(db(app))
        .await
        .unwrap()
}

/// The endpoint with this URL: its id.
async fn id_of(app: &TestApp, url: &str) -> String {
    webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Url.eq(url))
        .one(db(app))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no endpoint {url}"))
        .id
}

/// Add endpoint's form as a person fills it in: (status, page).
async fn add(
    app: &TestApp,
    browser: &Browser,
    url: &str,
    workspace: &str,
    environment: &str,
    events: &[&str],
) -> (u16, String) {
    let mut form = vec![
        ("url", url),
        ("description", "CRM sync"),
        ("workspace_id", workspace),
        ("environment", environment),
    ];
    form.extend(events.iter().map(|e| ("event_types", *e)));
    let (status, _, html) = post(app, browser, &format!("{HOOKS}/new"), &form).await;
    (status, html)
}

/// An endpoint added through the form: (id, signing secret).
async fn added(app: &TestApp, browser: &Browser, url: &str, workspace: &str) -> (String, String) {
    let (status, html) = add(
        app,
        browser,
        url,
        workspace,
        "live",
        &["lead.created", "key.revoked"],
    )
    .await;
    assert_eq!(status, 201, "{html}");
    let secret = input_value(&html, "signing-secret").expect("the secret on the answer");
    (id_of(app, url).await, secret)
}

fn verify(secret: &str, got: &Received) -> bool {
    Webhook::new(secret)
        .unwrap()
        .verify(got.body.as_bytes(), &got.headers)
        .is_ok()
}

/// No signing secret on the page (neither this one nor any other).
fn no_secret(html: &str, secret: &str) {
    assert!(!html.contains(secret), "the secret is on the page");
    assert!(!html.contains("whsec_"), "a secret is on the page");
    assert!(
        !html.contains("id=\"signing-secret\""),
        "a secret field is on the page"
    );
}

/// How many rows of the delivery log read `outcome` (Succeeded, Failed).
fn log_rows(html: &str, outcome: &str) -> usize {
    let Some(table) = html
        .split("<caption class=\"visually-hidden\">Delivery attempts</caption>")
        .nth(1)
    else {
        return 0;
    };
    table.matches(&format!(">{outcome}</span>")).count()
}

on_both_engines! {
    async fn each_person_sees_and_changes_only_the_endpoints_they_manage(engine) {
        let World { app, downtown, uptown, .. } = world(engine).await;
        let sam = app.signed_in("sam@acme.test").await;
        let receiver = Receiver::start().await;
        let (everywhere, _) = added(&app, &sam, &receiver.url("/all"), "").await;
        let (down, _) = added(&app, &sam, &receiver.url("/downtown"), &downtown.to_string()).await;
        let (up, _) = added(&app, &sam, &receiver.url("/uptown"), &uptown.to_string()).await;

        // Sam: every endpoint, "All workspaces" among the choices.
        let (status, html) = page(&app, &sam, HOOKS).await;
        assert_eq!(status, 200);
        assert!(html.contains("<h1>Webhooks</h1>"));
        assert!(html.contains(">Add endpoint</a>"));
        for path in ["/all", "/downtown", "/uptown"] {
            assert!(html.contains(&receiver.url(path)), "{path} listed for Sam");
        }
        assert!(html.contains("All workspaces") && html.contains("Downtown") && html.contains("Uptown"));
        assert!(html.contains(">Enabled</span>"));
        // "How to receive and verify them" leads to the API reference's section.
        let link = html.split("href=\"").find(|h| h.contains("api-reference#")).unwrap();
        let (path, fragment) = link[..link.find('"').unwrap()].split_once('#').unwrap();
        let (_, reference) = page(&app, &sam, path).await;
        assert!(reference.contains(&format!("id=\"{fragment}\"")), "no section #{fragment} on {path}");
        let (_, form) = page(&app, &sam, &format!("{HOOKS}/new")).await;
        assert!(form.contains(">All workspaces</option>"));
        assert_eq!(page(&app, &sam, &format!("{HOOKS}/{up}")).await.0, 200);

        // Max manages Downtown: only its endpoint; the others are not found.
        let max = app.signed_in("max@acme.test").await;
        let (status, html) = page(&app, &max, HOOKS).await;
        assert_eq!(status, 200);
        assert!(html.contains(&receiver.url("/downtown")));
        assert!(!html.contains(&receiver.url("/uptown")) && !html.contains(&receiver.url("/all")));
        let (status, form) = page(&app, &max, &format!("{HOOKS}/new")).await;
        assert_eq!(status, 200);
        assert!(!form.contains(">All workspaces</option>"), "only super managers add agency-wide endpoints");
        assert!(form.contains(">Downtown</option>") && !form.contains(">Uptown</option>"));
        assert_eq!(page(&app, &max, &format!("{HOOKS}/{down}")).await.0, 200);
        for other in [&up, &everywhere] {
            assert_eq!(page(&app, &max, &format!("{HOOKS}/{other}")).await.0, 404);
            assert_eq!(page(&app, &max, &format!("{HOOKS}/{other}/edit")).await.0, 404);
            let (status, _, _) = post(&app, &max, &format!("{HOOKS}/{other}"), &[("action", "disable")]).await;
            assert_eq!(status, 404);
            let (status, _, _) = post(&app, &max, &format!("{HOOKS}/{other}/delete"), &[]).await;
            assert_eq!(status, 404);
        }
        // An agency-wide endpoint of his own is refused next to the field.
        let (status, html) = add(&app, &max, &receiver.url("/max"), "", "live", &["lead.created"]).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("id=\"webhook-workspace_id-error\""), "{html}");

        // Ada (an agent) manages none: the pages and the posts are refused.
        let ada = app.signed_in("ada@acme.test").await;
        for path in [HOOKS.to_owned(), format!("{HOOKS}/new"), format!("{HOOKS}/{down}")] {
            let (status, html) = page(&app, &ada, &path).await;
            assert_eq!(status, 403, "{path}");
            assert!(html.contains("You do not have permission to do that"), "{path}: {html}");
            assert!(!html.contains(&format!("class=\"button primary\" href=\"{HOOKS}/new\"")), "{path}");
            assert!(!html.contains("name=\"url\"") && !html.contains("name=\"action\""), "{path}");
            assert!(!html.contains(&receiver.url("/downtown")), "{path}");
        }
        let (status, html) = add(&app, &ada, &receiver.url("/ada"), &downtown.to_string(), "live", &["lead.created"]).await;
        assert_eq!(status, 403, "{html}");
        let (status, _, _) = post(&app, &ada, &format!("{HOOKS}/{down}"), &[("action", "reveal")]).await;
        assert_eq!(status, 403);

        // Oz, of another agency: an empty list, Acme's endpoints not found.
        let oz = app.signed_in("oz@other.test").await;
        let (status, html) = page(&app, &oz, HOOKS).await;
        assert_eq!(status, 200);
        assert!(html.contains("No webhook endpoints yet."));
        for id in [&everywhere, &down, &up] {
            assert_eq!(page(&app, &oz, &format!("{HOOKS}/{id}")).await.0, 404);
            for action in ["test", "reveal", "rotate", "enable"] {
                let (status, _, html) = post(&app, &oz, &format!("{HOOKS}/{id}"), &[("action", action)]).await;
                assert_eq!(status, 404, "{action}");
                assert!(!html.contains("whsec_"));
            }
            let (status, _, _) = post(&app, &oz, &format!("{HOOKS}/{id}/delete"), &[]).await;
            assert_eq!(status, 404);
        }
        assert!(receiver.received().is_empty(), "nothing was sent");
        assert_eq!(webhook_endpoint::Entity::find().count(db(&app)).await.unwrap(), 3);
        assert_eq!(audited(&app, AuditAction::WebhookSecretRevealed).await, 0);

        // From another site: refused before anything happens.
        let forged = sam
            .post(app.url(&format!("{HOOKS}/{down}/delete")))
            .header("origin", "http://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        assert_eq!(webhook_endpoint::Entity::find().count(db(&app)).await.unwrap(), 3);
    }

    async fn adding_an_endpoint_shows_errors_by_their_fields_and_the_secret_once(engine) {
        let World { app, downtown, .. } = world(engine).await;
        let sam = app.signed_in("sam@acme.test").await;
        let receiver = Receiver::start().await;

        let (status, html) = page(&app, &sam, &format!("{HOOKS}/new")).await;
        assert_eq!(status, 200);
        assert!(html.contains("<h1>Add endpoint</h1>"));
        assert!(html.contains(">Endpoint URL</label>"));
        assert_eq!(html.matches("name=\"event_types\"").count(), 10, "every event type but webhook.test");
        assert_eq!(html.matches("name=\"event_types\" value=").count(), 10);
        assert!(!html.contains("value=\"webhook.test\""));
        for event in EVENTS {
            assert!(html.contains(&format!("value=\"{event}\" checked")), "{event} ticked on a fresh form");
        }
        assert!(html.contains("value=\"live\" checked"), "live by default");

        // Refused: an internal address, a long description, no event type;
        // each message next to its field and what was typed kept.
        let long = "x".repeat(201);
        let form = [
            ("url", "http://10.1.2.3/hook"),
            ("description", long.as_str()),
            ("workspace_id", &downtown.to_string()),
            ("environment", "test"),
        ];
        let (status, _, html) = post(&app, &sam, &format!("{HOOKS}/new"), &form).await;
        assert_eq!(status, 422, "{html}");
        for field in ["url", "description", "event_types"] {
            assert!(html.contains(&format!("id=\"webhook-{field}-error\"")), "{field}: {html}");
        }
        assert!(html.contains("aria-invalid=\"true\""));
        assert_eq!(input_value(&html, "webhook-url").as_deref(), Some("http://10.1.2.3/hook"));
        assert_eq!(input_value(&html, "webhook-description").as_deref(), Some(long.as_str()));
        assert!(html.contains(&format!("value=\"{downtown}\" selected")), "the workspace kept");
        assert!(html.contains("value=\"test\" checked"), "the environment kept");
        assert!(!html.contains("value=\"lead.created\" checked"), "no event type ticked, as sent");
        assert_eq!(webhook_endpoint::Entity::find().count(db(&app)).await.unwrap(), 0);

        // Unknown event types are refused by name.
        let (status, html) = add(&app, &sam, &receiver.url("/hook"), "", "live", &["lead.deleted"]).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"webhook-event_types-error\""), "{html}");

        // Accepted: the secret, this once, in a field of its own.
        let url = receiver.url("/hook");
        let (status, html) = add(&app, &sam, &url, &downtown.to_string(), "test", &["lead.created", "property.deleted"]).await;
        assert_eq!(status, 201, "{html}");
        assert!(html.contains("<h1>Endpoint created</h1>"));
        assert!(html.contains(">Signing secret</label>"));
        let secret = input_value(&html, "signing-secret").unwrap();
        assert!(secret.starts_with("whsec_"), "{secret}");
        let id = id_of(&app, &url).await;
        assert!(html.contains(&format!("href=\"{HOOKS}/{id}\"")), "a link to the endpoint");
        let stored = webhook_endpoint::Entity::find_by_id(id.clone()).one(db(&app)).await.unwrap().unwrap();
        assert_eq!(stored.event_types, "lead.created property.deleted");
        assert_eq!(stored.workspace_id, Some(downtown));
        assert_eq!(stored.environment.as_str(), "test");
        assert_eq!(stored.description, "CRM sync");
        assert_eq!(audited(&app, AuditAction::WebhookCreated).await, 1);

        // Afterwards the secret is on no page...
        for path in [
            HOOKS.to_owned(),
            format!("{HOOKS}/new"),
            format!("{HOOKS}/{id}"),
            format!("{HOOKS}/{id}/edit"),
            format!("{HOOKS}/{id}/rotate"),
            format!("{HOOKS}/{id}/delete"),
        ] {
            let (status, html) = page(&app, &sam, &path).await;
            assert_eq!(status, 200, "{path}");
            no_secret(&html, &secret);
        }
        let (_, html) = page(&app, &sam, &format!("{HOOKS}/{id}")).await;
        assert!(html.contains(">Reveal secret</button>") && html.contains(">Send test event</button>"));
        assert!(html.contains("lead.created") && html.contains("Downtown") && html.contains(">Test</dd>"));

        // ...until Reveal secret, which is audited.
        let (status, _, html) = post(&app, &sam, &format!("{HOOKS}/{id}"), &[("action", "reveal")]).await;
        assert_eq!(status, 200, "{html}");
        assert_eq!(input_value(&html, "signing-secret").as_deref(), Some(secret.as_str()));
        assert_eq!(audited(&app, AuditAction::WebhookSecretRevealed).await, 1);
        let (_, html) = page(&app, &sam, &format!("{HOOKS}/{id}")).await;
        no_secret(&html, &secret);
    }

    async fn a_test_event_and_a_resend_show_their_result_and_fill_the_log(engine) {
        let World { app, sam: sam_id, .. } = world(engine).await;
        let sam = app.signed_in("sam@acme.test").await;
        let receiver = Receiver::start().await;
        let (id, secret) = added(&app, &sam, &receiver.url("/hook"), "").await;
        let path = format!("{HOOKS}/{id}");

        let (_, html) = page(&app, &sam, &path).await;
        assert!(html.contains("Nothing sent yet."));

        // Send test event: delivered, signed, shown at once.
        let (status, _, html) = post(&app, &sam, &path, &[("action", "test")]).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Test event delivered"), "{html}");
        assert!(html.contains("HTTP 200 in "));
        let got = receiver.wait_for(1, std::time::Duration::from_secs(5)).await;
        assert_eq!(got[0].json()["type"], "webhook.test");
        assert!(verify(&secret, &got[0]));
        let message = got[0].id();
        assert!(html.contains(&message), "the message's id");
        assert_eq!(log_rows(&html, "Succeeded"), 1, "the log shows it already");
        no_secret(&html, &secret);

        // Resend: the same webhook-id again.
        let (status, _, html) = post(&app, &sam, &path, &[("action", "resend"), ("message_id", &message)]).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Message resent"), "{html}");
        let got = receiver.wait_for(2, std::time::Duration::from_secs(5)).await;
        assert_eq!(got[1].id(), message);
        assert!(verify(&secret, &got[1]));
        assert_eq!(log_rows(&html, "Succeeded"), 2);
        assert_eq!(audited(&app, AuditAction::WebhookResent).await, 1);
        let (status, _, html) = post(&app, &sam, &path, &[("action", "resend"), ("message_id", "msg_nothing")]).await;
        assert_eq!(status, 404, "{html}");

        // A receiver that fails: the status, the failure, its body in the log.
        receiver.always(Reply::Status(500));
        let (status, _, html) = post(&app, &sam, &path, &[("action", "test")]).await;
        assert_eq!(status, 200);
        assert!(html.contains("Test event failed") && html.contains("HTTP 500 in "), "{html}");
        assert!(html.contains("<summary>Response body</summary>") && html.contains("thanks"));
        assert!(html.contains("Failing since"), "the run of failures is shown");

        // Filters: by outcome, by event type.
        let (_, html) = page(&app, &sam, &format!("{path}?outcome=failed")).await;
        assert!(log_rows(&html, "Failed") >= 1);
        assert_eq!(log_rows(&html, "Succeeded"), 0);
        assert!(html.contains("<option value=\"failed\" selected"));
        let (_, html) = page(&app, &sam, &format!("{path}?outcome=succeeded&event_type=webhook.test")).await;
        assert_eq!(log_rows(&html, "Succeeded"), 2);
        assert_eq!(log_rows(&html, "Failed"), 0);
        let (_, html) = page(&app, &sam, &format!("{path}?event_type=lead.created")).await;
        assert!(html.contains("No attempts match these filters."));

        // Disable: waiting messages fail (the test event's retries stop),
        // nothing can be sent; Enable again.
        let (status, location, _) = post(&app, &sam, &path, &[("action", "disable")]).await;
        receiver.always(Reply::Status(200));
        assert_eq!((status, location.as_str()), (303, format!("{path}?done=disabled").as_str()));
        let (_, html) = page(&app, &sam, &location).await;
        assert!(html.contains("Endpoint disabled.") && html.contains(">Disabled</span>"), "{html}");
        assert!(html.contains(">Enable</button>") && !html.contains(">Send test event</button>"));
        let (_, list) = page(&app, &sam, HOOKS).await;
        assert!(list.contains(">Disabled</span>"));
        let (status, _, html) = post(&app, &sam, &path, &[("action", "test")]).await;
        assert_eq!(status, 409);
        assert!(html.contains("This endpoint is disabled"), "{html}");
        let (status, location, _) = post(&app, &sam, &path, &[("action", "enable")]).await;
        assert_eq!((status, location.as_str()), (303, format!("{path}?done=enabled").as_str()));
        let (_, html) = page(&app, &sam, &path).await;
        assert!(html.contains(">Enabled</span>") && html.contains(">Disable</button>"));
        assert_eq!(audited(&app, AuditAction::WebhookDisabled).await, 1);
        assert_eq!(audited(&app, AuditAction::WebhookEnabled).await, 1);

        // Recover since…: the failed test message goes out again.
        let before = receiver.received().len();
        let (status, _, html) = post(&app, &sam, &path, &[("action", "recover"), ("since", "yesterday")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("id=\"recover-since-error\""));
        assert_eq!(input_value(&html, "recover-since").as_deref(), Some("yesterday"));
        let future = (Utc::now() + TimeDelta::hours(2)).format("%Y-%m-%dT%H:%M").to_string();
        let (status, _, html) = post(&app, &sam, &path, &[("action", "recover"), ("since", &future)]).await;
        assert_eq!(status, 422);
        assert!(html.contains("Choose a moment in the past"), "{html}");
        let since = (Utc::now() - TimeDelta::hours(1)).format("%Y-%m-%dT%H:%M").to_string();
        let (status, _, html) = post(&app, &sam, &path, &[("action", "recover"), ("since", &since)]).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("1 failed message queued to be sent again."), "{html}");
        receiver.wait_for(before + 1, std::time::Duration::from_secs(10)).await;
        assert_eq!(audited(&app, AuditAction::WebhookRecovered).await, 1);

        // Pages of the log: 50 at a time, then Older attempts.
        let current = keyward::server::services::accounts::current_user(db(&app), sam_id).await.unwrap().unwrap();
        let caller = caller_for(db(&app), &current, None).await.unwrap();
        for _ in 0..50 {
            service::send_test(db(&app), &app.server().state.webhooks, &caller, &id, Utc::now()).await.unwrap();
        }
        let (_, html) = page(&app, &sam, &path).await;
        let rows = log_rows(&html, "Succeeded") + log_rows(&html, "Failed");
        assert_eq!(rows, 50);
        let older = html
            .split("href=\"")
            .find(|h| h.contains("before="))
            .map(|h| h[..h.find('"').unwrap()].replace("&amp;", "&"))
            .expect("an Older attempts link");
        assert!(html.contains(">Older attempts</a>"));
        let (status, html) = page(&app, &sam, &older).await;
        assert_eq!(status, 200);
        let rest = log_rows(&html, "Succeeded") + log_rows(&html, "Failed");
        assert!(rest >= 4, "the earlier attempts: {rest}");
        assert!(html.contains(">Newest attempts</a>") && !html.contains(">Older attempts</a>"));
    }

    async fn the_same_add_form_sent_twice_adds_one_endpoint(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        let receiver = Receiver::start().await;
        let (status, html) = page(&w.app, &sam, &format!("{HOOKS}/new")).await;
        assert_eq!(status, 200);
        let marker = "name=\"form_id\" value=\"";
        let start = html.find(marker).expect("the form carries its id") + marker.len();
        let form_id = html[start..start + 12].to_owned();
        let url = receiver.url("/twice");
        let form = [("url", url.as_str()), ("description", ""), ("workspace_id", ""), ("environment", "live"),
                    ("event_types", "lead.created"), ("form_id", form_id.as_str())];
        let (status, _, first) = post(&w.app, &sam, &format!("{HOOKS}/new"), &form).await;
        assert_eq!(status, 201, "{first}");
        assert!(first.contains("whsec_"));
        // A reload of the answer sends the form again: the endpoint's page, no second endpoint.
        let (status, location, again) = post(&w.app, &sam, &format!("{HOOKS}/new"), &form).await;
        assert_eq!((status, location.as_str()), (303, format!("{HOOKS}/{form_id}").as_str()), "{again}");
        assert!(!again.contains("whsec_"));
        assert_eq!(webhook_endpoint::Entity::find().count(&w.app.server().state.db).await.unwrap(), 1);
        // Another agency sending that id learns nothing of it: a new endpoint of its own.
        w.app.add_member("olga@other.test", "Olga Other", keyward::domain::role::Role::SuperManager, "Other Realty", Some("Main")).await;
        let olga = w.app.signed_in("olga@other.test").await;
        let (status, location, theirs) = post(&w.app, &olga, &format!("{HOOKS}/new"), &form).await;
        assert_eq!((status, location.as_str()), (201, ""), "{theirs}");
        assert!(theirs.contains("whsec_"));
        assert_eq!(webhook_endpoint::Entity::find().count(&w.app.server().state.db).await.unwrap(), 2);
        // A damaged id is refused next to the form.
        let damaged = [("url", url.as_str()), ("environment", "live"), ("event_types", "lead.created"), ("form_id", "not an id")];
        let (status, _, html) = post(&w.app, &sam, &format!("{HOOKS}/new"), &damaged).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("This form is damaged"), "{html}");
    }

    async fn rotating_editing_and_deleting_an_endpoint(engine) {
        let World { app, .. } = world(engine).await;
        let sam = app.signed_in("sam@acme.test").await;
        let receiver = Receiver::start().await;
        let (id, first) = added(&app, &sam, &receiver.url("/hook"), "").await;
        let path = format!("{HOOKS}/{id}");

        // Rotate: asks first, then the new secret once; both sign for 24 hours.
        let (status, html) = page(&app, &sam, &format!("{path}/rotate")).await;
        assert_eq!(status, 200);
        assert!(html.contains("<h1>Rotate the signing secret?</h1>") && html.contains(">Rotate secret</button>"));
        let (status, _, html) = post(&app, &sam, &path, &[("action", "rotate")]).await;
        assert_eq!(status, 200, "{html}");
        let second = input_value(&html, "signing-secret").unwrap();
        assert!(second.starts_with("whsec_") && second != first);
        assert!(html.contains("for 24 hours"), "{html}");
        assert_eq!(audited(&app, AuditAction::WebhookSecretRotated).await, 1);
        let (_, html) = page(&app, &sam, &path).await;
        no_secret(&html, &second);
        assert!(html.contains("The previous secret also signs until"));
        post(&app, &sam, &path, &[("action", "test")]).await;
        let got = receiver.wait_for(1, std::time::Duration::from_secs(5)).await;
        assert!(verify(&first, &got[0]) && verify(&second, &got[0]), "both secrets sign");
        // A day later the page no longer speaks of the previous secret.
        let mut ended: webhook_endpoint::ActiveModel =
            webhook_endpoint::Entity::find_by_id(id.clone()).one(db(&app)).await.unwrap().unwrap().into();
        ended.previous_secret_until = Set(Some(Utc::now() - TimeDelta::minutes(1)));
        ended.update(db(&app)).await.unwrap();
        let (_, html) = page(&app, &sam, &path).await;
        assert!(!html.contains("The previous secret also signs until"), "{html}");

        // Edit: the form shows the endpoint; a refusal keeps what was typed.
        let (status, html) = page(&app, &sam, &format!("{path}/edit")).await;
        assert_eq!(status, 200);
        assert!(html.contains("<h1>Edit endpoint</h1>") && html.contains(">Save changes</button>"));
        assert_eq!(input_value(&html, "webhook-url"), Some(receiver.url("/hook")));
        assert!(html.contains("value=\"lead.created\" checked") && !html.contains("value=\"lead.updated\" checked"));
        let (status, _, html) = post(&app, &sam, &format!("{path}/edit"), &[
            ("url", "https://169.254.169.254/latest"), ("description", "Renamed"),
        ]).await;
        assert_eq!(status, 422, "{html}");
        assert!(html.contains("id=\"webhook-url-error\"") && html.contains("id=\"webhook-event_types-error\""));
        assert_eq!(input_value(&html, "webhook-description").as_deref(), Some("Renamed"));
        let new_url = receiver.url("/v2");
        let (status, location, _) = post(&app, &sam, &format!("{path}/edit"), &[
            ("url", &new_url), ("description", "Renamed"), ("event_types", "lead.updated"),
            ("event_types", "property.created"),
        ]).await;
        assert_eq!((status, location.as_str()), (303, format!("{path}?done=saved").as_str()));
        let (_, html) = page(&app, &sam, &location).await;
        assert!(html.contains("Changes saved.") && html.contains(&new_url) && html.contains("Renamed"));
        let stored = webhook_endpoint::Entity::find_by_id(id.clone()).one(db(&app)).await.unwrap().unwrap();
        assert_eq!(stored.event_types, "lead.updated property.created");

        // Delete: asks first, then the list says so and the page is gone.
        let (status, html) = page(&app, &sam, &format!("{path}/delete")).await;
        assert_eq!(status, 200);
        assert!(html.contains("<h1>Delete this endpoint?</h1>") && html.contains(">Delete</button>"));
        let (status, location, _) = post(&app, &sam, &format!("{path}/delete"), &[]).await;
        assert_eq!((status, location.as_str()), (303, format!("{HOOKS}?done=deleted").as_str()));
        let (_, html) = page(&app, &sam, &location).await;
        assert!(html.contains("Endpoint deleted") && html.contains("No webhook endpoints yet."));
        assert_eq!(page(&app, &sam, &path).await.0, 404);
        let (status, _, _) = post(&app, &sam, &format!("{path}/delete"), &[]).await;
        assert_eq!(status, 404);
        assert_eq!(audited(&app, AuditAction::WebhookDeleted).await, 1);
    }
}

/// leptos_meta writes `<title>` as given, unescaped: whatever people named
/// a thing must reach it escaped (the app's title formatter does it for
/// every page). Before, an endpoint's description or a key's name could
/// close the title and add markup, a `<meta http-equiv=refresh>` included.
#[tokio::test]
async fn page_titles_escape_what_people_typed() {
    let w = world(crate::helpers::Engine::Sqlite).await;
    let planted = "</title><h1 id=injected>x</h1>";
    let key = w
        .app
        .dashboard_key("sam@acme.test", None, w.sam, "live", &["webhooks"])
        .await;
    let (status, created) = w
        .app
        .v1(
            "POST",
            "/v1/webhooks",
            &key,
            Some(serde_json::json!({"url": "https://hooks.example.com/in", "description": planted})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let endpoint = created["id"].as_str().unwrap().to_owned();
    let sam = w.app.signed_in("sam@acme.test").await;
    let (status, made) = crate::keys::create(
        &w.app,
        &sam,
        crate::keys::form(planted, "", w.sam, &["read:leads"]),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    let key_id = made["id"].as_str().unwrap().to_owned();
    for path in [
        format!("{HOOKS}/{endpoint}"),
        format!("/admin/profile/developer-settings/keys/{key_id}"),
    ] {
        let (status, html) = page(&w.app, &sam, &path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !html.contains("<h1 id=injected>"),
            "{path}: markup from a name reached the page"
        );
        let title = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap()];
        assert!(
            title.contains("&lt;/title&gt;&lt;h1 id=injected&gt;x&lt;/h1&gt;"),
            "{path}: {title}"
        );
    }
}
