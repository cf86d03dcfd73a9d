//! Signing in and out, the session cookie, and where sign-in leads.
use keyward::domain::role::Role;

use crate::helpers::{client, follow, location, plain_client, set_cookie, sign_in, spawn_app, PASSWORD};
use crate::on_both_engines;

const SETTINGS: &str = "/admin/profile/developer-settings";

on_both_engines! {
    async fn the_right_password_signs_in_and_shows_the_user(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();

        let response = sign_in(&app, &client, "Ana@Acme.test", PASSWORD).await;

        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), SETTINGS);
        let (status, html) = follow(&app, &client, response).await;
        assert_eq!(status, 200);
        assert!(html.contains("Developer Settings"));
        assert!(html.contains("Ana Agent"));
        assert!(html.contains("Super manager"));
        assert!(html.contains("Sign out"));
    }

    async fn a_wrong_password_says_invalid_email_or_password_and_keeps_the_email(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::Manager).await;
        let client = client();

        let response = sign_in(&app, &client, "ana@acme.test", "not the password").await;

        // The sign-in page again, with the message: no redirect, no session.
        assert_eq!(response.status(), 422);
        assert_eq!(set_cookie(&response), None, "a failed sign-in writes no session");
        let html = response.text().await.unwrap();
        assert!(html.contains("Invalid email or password"));
        assert!(html.contains("value=\"ana@acme.test\""));
        assert!(!html.contains("not the password"));
        // The message is shown once: a reload is a clean form.
        let again = client.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
        assert!(!again.contains("Invalid email or password"));
    }

    async fn an_unknown_email_gets_the_same_answer_as_a_wrong_password(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::Agent).await;
        let client = client();

        let response = sign_in(&app, &client, "nobody@acme.test", PASSWORD).await;

        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        assert!(html.contains("Invalid email or password"));
        let page = client.get(app.url(SETTINGS)).send().await.unwrap();
        assert_eq!(page.status(), 303, "still signed out");
    }

    async fn the_session_cookie_is_http_only_same_site_lax_and_rotated_at_sign_in(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();
        // A session planted before sign-in (here: a cookie the client made up).
        let anonymous = "keyward_session=AAAAAAAAAAAAAAAAAAAAAA".to_owned();

        let response = sign_in(&app, &client, "ana@acme.test", PASSWORD).await;

        let cookie = set_cookie(&response).expect("session cookie");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "loopback default is not Secure: {cookie}");
        let id = |c: &str| c.split(';').next().unwrap().to_owned();
        assert_ne!(id(&cookie), id(&anonymous), "the session id changes at sign-in");
    }

    async fn the_session_cookie_is_secure_when_configured(engine) {
        let db = crate::helpers::TestDb::new(engine).await;
        let config = keyward::server::config::Config { cookie_secure: true, ..db.config() };
        let server = keyward::server::http::Server::start(config).await.unwrap();
        let app = crate::helpers::TestApp::with_server(db, server);
        app.add_user("ana@acme.test", Role::SuperManager).await;

        let response = sign_in(&app, &client(), "ana@acme.test", PASSWORD).await;

        let cookie = set_cookie(&response).expect("session cookie");
        assert!(cookie.contains("; Secure"), "{cookie}");
    }

    async fn a_session_survives_a_server_restart(engine) {
        let mut app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();
        sign_in(&app, &client, "ana@acme.test", PASSWORD).await;
        let before = client.get(app.url(SETTINGS)).send().await.unwrap();
        assert_eq!(before.status(), 200);
        // Read to the end: a response left unread holds its connection open,
        // and a graceful stop waits for it (a page larger than the socket's
        // buffers never finishes sending).
        before.text().await.unwrap();
        let cookie = client.cookie_header(&app);

        app.restart().await;

        let page = plain_client().get(app.url(SETTINGS)).header("cookie", cookie).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Ana Agent"));
    }

    async fn an_anonymous_visitor_is_sent_to_sign_in_and_then_back(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();

        let page = client.get(app.url("/admin/profile?tab=keys")).send().await.unwrap();

        assert_eq!(page.status(), 303);
        assert_eq!(location(&page), "/login?next=%2Fadmin%2Fprofile%3Ftab%3Dkeys");
        let login = client.get(app.url(&location(&page))).send().await.unwrap().text().await.unwrap();
        assert!(login.contains("value=\"/admin/profile?tab=keys\""), "next travels in the form");
        let response = client
            .post(app.url("/login"))
            .form(&[("email", "ana@acme.test"), ("password", PASSWORD), ("next", "/admin/profile?tab=keys")])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&response), "/admin/profile?tab=keys");
    }

    async fn an_open_redirect_in_next_is_refused(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        for evil in ["https://evil.test/", "//evil.test", "/\\evil.test", "javascript:alert(1)"] {
            let client = client();
            let response = client
                .post(app.url("/login"))
                .form(&[("email", "ana@acme.test"), ("password", PASSWORD), ("next", evil)])
                .send()
                .await
                .unwrap();
            assert_eq!(location(&response), SETTINGS, "{evil}");
        }
    }

    async fn sign_out_ends_the_session(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();
        sign_in(&app, &client, "ana@acme.test", PASSWORD).await;
        let stolen = client.cookie_header(&app);

        let response = client.post(app.url("/logout")).send().await.unwrap();

        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/login");
        let page = client.get(app.url(SETTINGS)).send().await.unwrap();
        assert_eq!(page.status(), 303);
        // The old cookie is dead on the server too, not only in this browser.
        let replay = plain_client()
            .get(app.url(SETTINGS))
            .header("cookie", stolen)
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 303);
    }

    async fn a_forged_session_cookie_is_treated_as_signed_out(engine) {
        let app = spawn_app(engine).await;
        let plain = plain_client();
        for forged in ["keyward_session=AAAAAAAAAAAAAAAAAAAAAA", "keyward_session=%00%ff", "keyward_session="] {
            let page = plain.get(app.url(SETTINGS)).header("cookie", forged).send().await.unwrap();
            assert_eq!(page.status(), 303, "{forged}");
            assert!(location(&page).starts_with("/login?next="));
        }
    }

    async fn bad_sign_in_input_gets_a_message_next_to_the_field_never_a_500(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let huge = "x".repeat(11 * 1024);
        let cases: [(&str, &str, &str); 5] = [
            ("", PASSWORD, "Email is required"),
            ("ana@acme.test", "", "Password is required"),
            (&huge, PASSWORD, "Invalid email or password"),
            ("ana@acme.test", &huge, "Invalid email or password"),
            ("ana\u{0}@acme.test", "pass\u{7}word", "Invalid email or password"),
        ];
        for (email, password, message) in cases {
            let client = client();
            let response = sign_in(&app, &client, email, password).await;
            assert_eq!(response.status(), 422);
            let html = response.text().await.unwrap();
            assert!(html.contains(message), "expected {message:?}");
        }
        // A body far over the form limit is refused before it is read.
        let response = client()
            .post(app.url("/login"))
            .form(&[("email", "x".repeat(100 * 1024))])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 413);
        // A body that is not a form is a 4xx too.
        let response = client()
            .post(app.url("/login"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error());
    }

    async fn a_signed_in_user_visiting_login_goes_on_to_next(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();
        sign_in(&app, &client, "ana@acme.test", PASSWORD).await;

        let page = client.get(app.url("/login?next=/admin/profile")).send().await.unwrap();

        assert_eq!(page.status(), 303);
        assert_eq!(location(&page), "/admin/profile");
    }

    async fn forty_wrong_passwords_are_throttled_with_retry_after_and_write_no_session(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();
        let mut statuses = Vec::new();
        let mut throttled = None;
        for _ in 0..40 {
            let response = sign_in(&app, &client, "ana@acme.test", "not the password").await;
            assert_eq!(set_cookie(&response), None, "no session for a failed sign-in");
            statuses.push(response.status().as_u16());
            if response.status() == 429 && throttled.is_none() {
                throttled = Some(response);
            }
        }
        assert_eq!(&statuses[..4], [422; 4], "four wrong passwords are answered as the first");
        assert!(statuses[4..].iter().all(|s| *s == 429), "the fifth blocks, and no password is checked after: {statuses:?}");
        let throttled = throttled.unwrap();
        let wait: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        let html = throttled.text().await.unwrap();
        assert!(html.contains("Too many attempts. Try again in"), "a message next to the form");
        assert!(html.contains("value=\"ana@acme.test\""), "what was typed is kept");
        // The right password waits too: no guess is checked while throttled.
        let response = sign_in(&app, &client, "ANA@acme.test", PASSWORD).await;
        assert_eq!(response.status(), 429);
        // Another account is not locked out by Ana's.
        app.add_user("bo@acme.test", Role::Agent).await;
        assert_eq!(sign_in(&app, &client, "bo@acme.test", PASSWORD).await.status(), 303);
        // No session row was written for any failure: only Bo's.
        assert_eq!(session_rows(&app).await, 1);
    }

    async fn a_session_ends_thirty_days_after_sign_in_however_active(engine) {
        let app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;
        let client = client();
        sign_in(&app, &client, "ana@acme.test", PASSWORD).await;
        assert_eq!(client.get(app.url(SETTINGS)).send().await.unwrap().status(), 200);

        // Move the sign-in 31 days back, as the store holds it.
        use sea_orm::{ActiveModelTrait, EntityTrait};
        let db = &app.server().state.db;
        let rows = keyward::entities::session::Entity::find().all(db).await.unwrap();
        assert_eq!(rows.len(), 1);
        let mut data: serde_json::Value = serde_json::from_slice(&rows[0].data).unwrap();
        assert!(data["signed_in_at"].is_i64(), "{data}");
        data["signed_in_at"] = serde_json::json!(chrono::Utc::now().timestamp() - 31 * 86_400);
        let mut row: keyward::entities::session::ActiveModel = rows[0].clone().into();
        row.data = sea_orm::ActiveValue::Set(serde_json::to_vec(&data).unwrap());
        row.update(db).await.unwrap();

        let page = client.get(app.url(SETTINGS)).send().await.unwrap();
        assert_eq!(page.status(), 303, "signed out");
        assert!(location(&page).starts_with("/login?next="));
    }
}

async fn session_rows(app: &crate::helpers::TestApp) -> usize {
    use sea_orm::EntityTrait;
    keyward::entities::session::Entity::find()
        .all(&app.server().state.db)
        .await
        .unwrap()
        .len()
}
