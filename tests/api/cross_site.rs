//! Cross-site requests, security headers and `KEYWARD_PUBLIC_URL`.
use keyward::server::config::Config;
use keyward::server::public_url::PublicUrl;
use serde_json::Value;

use crate::helpers::{client, set_cookie, PASSWORD};
use crate::key_lifecycle::restart_with;
use crate::keys::world;
use crate::on_both_engines;
use crate::v1_records::key;

on_both_engines! {
    async fn a_state_changing_call_from_another_origin_is_refused_and_changes_nothing(engine) {
        let w = world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let id = token.split('_').nth(2).unwrap().to_owned();
        let sam = w.app.signed_in("sam@acme.test").await;
        let other_port = format!("http://127.0.0.1:{}", w.app.addr.port() + 1);
        for origin in ["http://evil.example", other_port.as_str(), "null"] {
            let response = sam
                .post(w.app.url("/api/revoke_key"))
                .header("origin", origin)
                .form(&[("id", id.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{origin}");
            assert!(response.text().await.unwrap().contains("came from another site"));
        }
        let response = sam
            .post(w.app.url("/api/revoke_key"))
            .header("sec-fetch-site", "cross-site")
            .form(&[("id", id.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403);
        assert_eq!(w.app.v1("GET", "/v1/me", &token, None).await.0, 200, "the key still works");
        for path in ["/login", "/logout", "/setup"] {
            let response = client()
                .post(w.app.url(path))
                .header("origin", "http://evil.example")
                .form(&[("email", "sam@acme.test"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{path}");
            assert_eq!(set_cookie(&response), None, "{path}: no session");
        }
        // The dashboard's own origin passes.
        let own = format!("http://{}", w.app.addr);
        let response = sam
            .post(w.app.url("/api/revoke_key"))
            .header("origin", own)
            .header("sec-fetch-site", "same-origin")
            .form(&[("id", id.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(w.app.v1("GET", "/v1/me", &token, None).await.0, 401);
    }

    async fn every_page_carries_security_headers_and_a_csp_naming_its_scripts_nonce(engine) {
        let w = world(engine).await;
        let sam = w.app.signed_in("sam@acme.test").await;
        for path in ["/admin/profile/developer-settings", "/login", "/nowhere"] {
            let browser = if path == "/login" { client() } else { w.app.signed_in("sam@acme.test").await };
            let response = browser.get(w.app.url(path)).send().await.unwrap();
            let headers = response.headers().clone();
            let html = response.text().await.unwrap();
            let csp = headers["content-security-policy"].to_str().unwrap().to_owned();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(csp.contains("'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
            let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
            assert!(nonce.len() >= 16, "{nonce}");
            assert!(html.contains("<script"), "{path}");
            for tag in html.split("<script").skip(1).map(|rest| rest.split('>').next().unwrap_or_default()) {
                assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "{path}: every script carries the nonce: <script{tag}>");
            }
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["referrer-policy"], "same-origin");
            assert_eq!(headers["x-frame-options"], "DENY");
            assert_eq!(headers["cache-control"], "no-store", "{path}");
            assert!(!headers.contains_key("strict-transport-security"), "not https");
        }
        // A fresh nonce for each answer.
        let nonce = |response: reqwest::Response| response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let first = nonce(sam.get(w.app.url("/admin")).send().await.unwrap());
        let second = nonce(sam.get(w.app.url("/admin")).send().await.unwrap());
        assert_ne!(first, second);
        // Static files may be cached.
        let css = sam.get(w.app.url("/favicon.svg")).send().await.unwrap();
        assert_ne!(css.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    }

    async fn a_public_url_decides_the_secure_cookie_the_allowed_origin_hsts_and_the_examples(engine) {
        let mut w = world(engine).await;
        restart_with(&mut w.app, |config| Config {
            public_url: Some(PublicUrl::parse("https://keys.example.com").unwrap()),
            cookie_secure: true,
            ..config
        })
        .await;
        let browser = client();
        let response = browser
            .post(w.app.url("/login"))
            .header("origin", "https://keys.example.com")
            .form(&[("email", "sam@acme.test"), ("password", PASSWORD), ("next", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let cookie = set_cookie(&response).unwrap();
        assert!(cookie.contains("; Secure"), "{cookie}");
        assert!(response.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
        // The server's own address is not the public origin.
        let local = format!("http://{}", w.app.addr);
        let refused = client()
            .post(w.app.url("/login"))
            .header("origin", local)
            .form(&[("email", "sam@acme.test"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        // The API reference's examples name the public URL. (A Secure
        // cookie is not sent over plain HTTP by a browser; by hand it is.)
        let session = cookie.split(';').next().unwrap().to_owned();
        let response = crate::helpers::plain_client()
            .post(w.app.url("/api/get_api_reference"))
            .header("cookie", session)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let reference: Value = response.json().await.unwrap();
        let text = reference.to_string();
        assert!(text.contains("https://keys.example.com/v1/"), "{}", &text[..text.len().min(400)]);
        assert!(!text.contains("http://127.0.0.1"), "no local address in the examples");
    }
}
