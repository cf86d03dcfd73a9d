//! The first-run setup link: it creates the agency and first super manager once.
use keyward::domain::role::Role;

use crate::helpers::{client, follow, location, plain_client, spawn_app, PASSWORD};
use crate::on_both_engines;

fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("link has a token").to_owned()
}

fn setup_form<'a>(token: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("agency", "Acme Realty"),
        ("workspace", "Downtown"),
        ("name", "Sam Super"),
        ("email", email),
        ("password", PASSWORD),
    ]
}

on_both_engines! {
    async fn the_setup_link_creates_the_first_super_manager_once(engine) {
        let app = spawn_app(engine).await;
        let link = app.server().setup_link.clone().expect("an empty database prints a setup link");
        assert!(link.starts_with(&format!("http://{}/setup?token=", app.addr)));
        let token = token_of(&link);
        let client = client();
        let page = client.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("Agency name"));

        let response = client.post(app.url("/setup")).form(&setup_form(&token, "sam@acme.test")).send().await.unwrap();

        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/admin/profile/developer-settings");
        let (status, html) = follow(&app, &client, response).await;
        assert_eq!(status, 200);
        assert!(html.contains("Sam Super") && html.contains("Acme Realty"));
        // The token is dead: neither the page nor a second post works.
        let again = plain_client().get(&link).send().await.unwrap();
        assert_eq!(again.status(), 404);
        let second = plain_client().post(app.url("/setup")).form(&setup_form(&token, "eve@evil.test")).send().await.unwrap();
        assert_eq!(location(&second), "/setup");
        let eve = client.post(app.url("/login")).form(&[("email", "eve@evil.test"), ("password", PASSWORD)]).send().await.unwrap();
        assert_eq!(eve.status(), 422, "no such user");
    }

    async fn a_wrong_setup_token_is_a_404_with_a_clear_message(engine) {
        let app = spawn_app(engine).await;

        for path in ["/setup?token=wrong", "/setup", "/setup?token="] {
            let page = plain_client().get(app.url(path)).send().await.unwrap();
            assert_eq!(page.status(), 404, "{path}");
            assert!(page.text().await.unwrap().contains("This setup link is not valid"));
        }
        let post = plain_client().post(app.url("/setup")).form(&setup_form("wrong", "eve@evil.test")).send().await.unwrap();
        assert_eq!(location(&post), "/setup");
    }

    async fn no_setup_link_once_a_user_exists(engine) {
        let mut app = spawn_app(engine).await;
        app.add_user("ana@acme.test", Role::SuperManager).await;

        app.restart().await;

        assert!(app.server().setup_link.is_none());
    }

    async fn bad_setup_input_is_reported_next_to_each_field_and_keeps_what_was_typed(engine) {
        let app = spawn_app(engine).await;
        let token = token_of(app.server().setup_link.as_ref().unwrap());
        let client = client();
        let huge = "A".repeat(11 * 1024);

        let response = client
            .post(app.url("/setup"))
            .form(&[
                ("token", token.as_str()),
                ("agency", ""),
                ("workspace", huge.as_str()),
                ("name", "Sam\u{7}"),
                ("email", "sam-at-acme"),
                ("password", "short"),
            ])
            .send()
            .await
            .unwrap();

        // The form again, with the messages: no redirect, no session.
        assert_eq!(response.status(), 422);
        assert_eq!(crate::helpers::set_cookie(&response), None);
        let html = response.text().await.unwrap();
        for message in [
            "Agency name is required",
            "First workspace must be at most 200 characters",
            "Your name cannot contain control characters",
            "Enter an email address like name@example.com",
            "Password must be at least 12 characters",
        ] {
            assert!(html.contains(message), "{message}");
        }
        assert!(html.contains("value=\"sam-at-acme\""), "typed values are kept");
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(app.server().setup_link.is_some());
        // Nothing was created: the same token still completes setup.
        let done = client.post(app.url("/setup")).form(&setup_form(&token, "sam@acme.test")).send().await.unwrap();
        assert_eq!(location(&done), "/admin/profile/developer-settings");
    }
}
