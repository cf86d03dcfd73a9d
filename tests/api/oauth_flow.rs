//! The OAuth flow over real HTTP, driven by the `oauth2` crate (a stock
//! client no one here wrote): sign-in, consent, code with PKCE S256,
//! token, refresh; and the authorization endpoint's pages and refusals.
use keyward::entities::oauth_app;
use keyward::models::oauth::NewAppForm;
use keyward::server::services::keys::Caller;
use keyward::server::services::oauth::apps::{self, AppRequest};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl, PkceCodeChallenge,
    RedirectUrl, Scope, TokenIntrospectionResponse, TokenResponse, TokenUrl,
};
use sea_orm::EntityTrait;

use crate::helpers::{Browser, TestApp};
use crate::keys::world;
use crate::on_both_engines;

const REDIRECT: &str = "https://portal.example/callback";

/// Registers Listing Portal in Acme Realty: its client id and secret.
async fn register(app: &TestApp, client_type: &str) -> (String, Option<String>) {
    let db = &app.server().state.db;
    let agency = keyward::entities::agency::Entity::find().all(db).await.unwrap();
    let acme = agency.iter().find(|a| a.name == "Acme Realty").unwrap();
    let form = NewAppForm {
        name: "Listing Portal".into(),
        homepage: "https://portal.example".into(),
        client_type: client_type.into(),
        environment: "live".into(),
        scopes: vec!["read:leads".into(), "write:leads".into()],
        redirect_uris: REDIRECT.into(),
        require_pkce: true,
        ..NewAppForm::default()
    };
    let request = AppRequest::from_form(&form).unwrap();
    let registered = apps::register(
        db,
        &app.server().state.pepper,
        &Caller::command_line(acme.id),
        request,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    (registered.client_id, registered.client_secret)
}

pub(crate) fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for part in html.split("<input").skip(1) {
        let tag = &part[..part.find('>').unwrap()];
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            let end = start + tag[start..].find('"')?;
            Some(
                tag[start..end]
                    .replace("&amp;", "&")
                    .replace("&quot;", "\"")
                    .replace("&#x27;", "'"),
            )
        };
        if let (Some(name), Some(value)) = (attr("name"), attr("value")) {
            found.push((name, value));
        }
    }
    found
}

/// Sam opens the app's authorization URL and answers the consent page with
/// `decision`; the redirect the browser gets.
async fn consent(app: &TestApp, sam: &Browser, authorize_url: &str, decision: &str) -> url::Url {
    let page = sam.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        policy.contains("form-action 'self' https://portal.example"),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("Authorize Listing Portal"), "{html}");
    assert!(html.contains("List and read leads"), "scopes in plain words");
    let mut form = hidden_inputs(&html);
    assert!(form.iter().any(|(n, _)| n == "csrf"));
    form.push(("decision".into(), decision.into()));
    let answer = sam
        .post(app.url("/oauth/authorize"))
        .header("origin", app.url("").trim_end_matches('/'))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "{}", answer.text().await.unwrap());
    url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap()
}

fn query(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

on_both_engines! {
    async fn a_stock_client_runs_code_with_pkce_then_refreshes(engine) {
        let app = world(engine).await.app;
        let (client_id, secret) = register(&app, "confidential").await;
        let client_secret = secret.unwrap();
        let client = BasicClient::new(ClientId::new(client_id))
            .set_client_secret(ClientSecret::new(client_secret.clone()))
            .set_auth_uri(AuthUrl::new(app.url("/oauth/authorize")).unwrap())
            .set_token_uri(TokenUrl::new(app.url("/oauth/token")).unwrap())
            .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (authorize_url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scope(Scope::new("read:leads".into()))
            .add_scope(Scope::new("write:leads".into()))
            .set_pkce_challenge(challenge)
            .url();

        // Signed out: sign in first, then back.
        let anonymous = crate::helpers::client();
        let to_login = anonymous.get(authorize_url.as_str()).send().await.unwrap();
        assert_eq!(to_login.status(), 303);
        let login = to_login.headers()["location"].to_str().unwrap().to_owned();
        assert!(login.starts_with("/login?next=%2Foauth%2Fauthorize%3F"), "{login}");

        let sam = app.signed_in("sam@acme.test").await;
        let back = consent(&app, &sam, authorize_url.as_str(), "approve").await;
        assert_eq!(back.as_str().split('?').next().unwrap(), REDIRECT);
        assert_eq!(query(&back, "state").as_deref(), Some(state.secret().as_str()));
        assert_eq!(query(&back, "iss").as_deref(), Some(app.url("").trim_end_matches('/')));
        let code = query(&back, "code").unwrap();

        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .unwrap();
        assert!(tokens.access_token().secret().starts_with("kw_oat_"));
        assert_eq!(tokens.expires_in(), Some(std::time::Duration::from_secs(3600)));
        let scopes: Vec<_> = tokens.scopes().unwrap().iter().map(|s| s.as_str().to_owned()).collect();
        assert_eq!(scopes, ["read:leads", "write:leads"]);
        let refresh = tokens.refresh_token().unwrap().clone();

        let rotated = client.exchange_refresh_token(&refresh).request_async(&http).await.unwrap();
        assert_ne!(rotated.refresh_token().unwrap().secret(), refresh.secret());

        // Introspection and revocation, by the same stock client.
        let client = client
            .set_introspection_url(IntrospectionUrl::new(app.url("/oauth/introspect")).unwrap());
        let live = client.introspect(rotated.access_token()).request_async(&http).await.unwrap();
        assert!(live.active());
        assert_eq!(live.username(), Some("sam@acme.test"));
        let old = client.introspect(tokens.access_token()).request_async(&http).await.unwrap();
        assert!(!old.active(), "the access token rotated away is dead");
        // (The crate refuses to revoke over plain http, as RFC 7009 §2
        // asks of clients: the same request by hand on loopback.)
        let revoked = http
            .post(app.url("/oauth/revoke"))
            .basic_auth(client.client_id().as_str(), Some(client_secret.as_str()))
            .form(&[("token", rotated.refresh_token().unwrap().secret().as_str()), ("token_type_hint", "refresh_token")])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), 200);
        let after = client.introspect(rotated.access_token()).request_async(&http).await.unwrap();
        assert!(!after.active(), "revoking the refresh token ends its family");
        let unknown = http
            .post(app.url("/oauth/revoke"))
            .basic_auth(client.client_id().as_str(), Some(client_secret.as_str()))
            .form(&[("token", "kw_oat_nonsense")])
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 200, "RFC 7009 §2.2: unknown tokens answer 200");

        let metadata: serde_json::Value = http
            .get(app.url("/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(metadata["issuer"], app.url("").trim_end_matches('/'));
        assert_eq!(metadata["code_challenge_methods_supported"], serde_json::json!(["S256"]));
        assert_eq!(metadata["token_endpoint"], app.url("/oauth/token"));

        // The code a second time: refused, as RFC 6749 §5.2 JSON.
        let again = http
            .post(app.url("/oauth/token"))
            .basic_auth(client.client_id().as_str(), Some(""))
            .form(&[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT)])
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 401, "an empty secret does not authenticate");

        // Asked again with scopes already granted: straight back, no page.
        let (challenge, _) = PkceCodeChallenge::new_random_sha256();
        let (second, _) = client.authorize_url(CsrfToken::new_random).add_scope(Scope::new("read:leads".into())).set_pkce_challenge(challenge).url();
        let skipped = sam.get(second.as_str()).header("sec-fetch-site", "cross-site").send().await.unwrap();
        assert_eq!(skipped.status(), 303);
        assert!(skipped.headers()["location"].to_str().unwrap().starts_with(&format!("{REDIRECT}?code=kw_oac_")));
    }

    async fn deny_sends_access_denied_with_state_and_a_public_client_needs_no_secret(engine) {
        let app = world(engine).await.app;
        let (client_id, secret) = register(&app, "public").await;
        assert!(secret.is_none());
        let client = BasicClient::new(ClientId::new(client_id))
            .set_auth_uri(AuthUrl::new(app.url("/oauth/authorize")).unwrap())
            .set_token_uri(TokenUrl::new(app.url("/oauth/token")).unwrap())
            .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());
        let sam = app.signed_in("sam@acme.test").await;
        let (challenge, _) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client.authorize_url(CsrfToken::new_random).add_scope(Scope::new("read:leads".into())).set_pkce_challenge(challenge).url();
        let back = consent(&app, &sam, url.as_str(), "deny").await;
        assert_eq!(query(&back, "error").as_deref(), Some("access_denied"));
        assert_eq!(query(&back, "state").as_deref(), Some(state.secret().as_str()));
        assert!(query(&back, "code").is_none());

        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _) = client.authorize_url(CsrfToken::new_random).add_scope(Scope::new("read:leads".into())).set_pkce_challenge(challenge).url();
        let back = consent(&app, &sam, url.as_str(), "approve").await;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let tokens = client
            .exchange_code(AuthorizationCode::new(query(&back, "code").unwrap()))
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .unwrap();
        assert!(tokens.refresh_token().is_some());
    }

    async fn bad_links_are_shown_never_redirected_and_forged_forms_refused(engine) {
        let app = world(engine).await.app;
        let (client_id, _) = register(&app, "confidential").await;
        let sam = app.signed_in("sam@acme.test").await;
        for uri in [
            format!("/oauth/authorize?client_id=kw_app_AAAAAAAAAAAA&response_type=code&redirect_uri={REDIRECT}"),
            format!("/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri=https://evil.example/callback"),
            format!("/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri={REDIRECT}/"),
        ] {
            let page = sam.get(app.url(&uri)).send().await.unwrap();
            assert_eq!(page.status(), 400, "{uri}");
            assert!(page.headers().get("location").is_none());
            let html = page.text().await.unwrap();
            assert!(html.contains("Cannot authorize this app"), "{html}");
        }
        // Oz, of another agency, cannot authorize Acme's app.
        let oz = app.signed_in("oz@other.test").await;
        let url = format!("/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri={REDIRECT}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256");
        assert_eq!(oz.get(app.url(&url)).send().await.unwrap().status(), 404);
        // An error after the redirect URI checks out goes back to the app.
        let plain = format!("/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri={REDIRECT}&state=s1&code_challenge=abc&code_challenge_method=plain");
        let back = sam.get(app.url(&plain)).send().await.unwrap();
        assert_eq!(back.status(), 303);
        let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(query(&location, "error").as_deref(), Some("invalid_request"));
        assert_eq!(query(&location, "state").as_deref(), Some("s1"));

        // A form without the page's token, or from another site, is refused.
        let page = sam.get(app.url(&url)).send().await.unwrap().text().await.unwrap();
        let mut form = hidden_inputs(&page);
        form.retain(|(n, _)| n != "csrf");
        form.push(("decision".into(), "approve".into()));
        let origin = app.url("").trim_end_matches('/').to_owned();
        let forged = sam.post(app.url("/oauth/authorize")).header("origin", &origin).form(&form).send().await.unwrap();
        assert_eq!(forged.status(), 403);
        let cross = sam.post(app.url("/oauth/authorize")).header("origin", "https://evil.example").form(&form).send().await.unwrap();
        assert_eq!(cross.status(), 403);
        let apps = oauth_app::Entity::find().all(&app.server().state.db).await.unwrap();
        assert_eq!(apps.len(), 1);
    }
}

on_both_engines! {
    async fn signing_in_on_the_way_keeps_the_authorization_request_byte_for_byte(engine) {
        // The sign-in page carries the request in `next`; a state with
        // `+ / = & %` (as many apps send base64 or JSON) must come back
        // unchanged, not decoded a second time on the way.
        let app = world(engine).await.app;
        let (client_id, _) = register(&app, "confidential").await;
        let state = "q+Zr/9w=&x=%41 ü";
        let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        let authorize = format!(
            "/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri={}&scope=read%3Aleads&state={}&code_challenge={}&code_challenge_method=S256",
            encode(REDIRECT),
            encode(state),
            crate::oauth_tokens::CHALLENGE,
        );
        let sam = crate::helpers::client();
        let to_login = sam.get(app.url(&authorize)).send().await.unwrap();
        assert_eq!(to_login.status(), 303);
        let login = to_login.headers()["location"].to_str().unwrap().to_owned();
        let page = sam.get(app.url(&login)).send().await.unwrap().text().await.unwrap();
        let next = hidden_inputs(&page).into_iter().find(|(n, _)| n == "next").map(|(_, v)| v).unwrap();
        assert_eq!(next, authorize, "the sign-in form carries the request as it was");
        let signed = sam
            .post(app.url("/login"))
            .form(&[("email", "sam@acme.test"), ("password", crate::helpers::PASSWORD), ("next", next.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(signed.status(), 303);
        assert_eq!(signed.headers()["location"].to_str().unwrap(), authorize);
        let back = consent(&app, &sam, &app.url(&authorize), "approve").await;
        assert_eq!(query(&back, "state").as_deref(), Some(state));
        assert!(query(&back, "code").is_some());
    }
}

on_both_engines! {
    async fn what_the_oauth_endpoints_cannot_read_is_refused_as_rfc_6749_json(engine) {
        let app = world(engine).await.app;
        let (client_id, secret) = register(&app, "confidential").await;
        let http = reqwest::Client::new();
        let huge = "a".repeat(keyward::oauth::BODY_LIMIT + 1);
        for endpoint in ["/oauth/token", "/oauth/revoke", "/oauth/introspect"] {
            for content_type in ["application/x-www-form-urlencoded", "application/json"] {
                let answer = http
                    .post(app.url(endpoint))
                    .basic_auth(&client_id, secret.as_deref())
                    .header("content-type", content_type)
                    .body(huge.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), 413, "{endpoint}");
                assert_eq!(answer.headers()["content-type"], "application/json", "{endpoint}");
                assert_eq!(answer.headers()["cache-control"], "no-store", "{endpoint}");
                let body: serde_json::Value = answer.json().await.unwrap();
                assert_eq!(body["error"], "invalid_request", "{endpoint}: {body}");
                assert_eq!(body["error_description"], "the body is over 64 KiB", "{endpoint}");
            }
        }
    }
}

on_both_engines! {
    async fn an_agent_lends_only_what_their_role_allows_and_the_app_is_told(engine) {
        let app = world(engine).await.app;
        let (client_id, secret) = register(&app, "confidential").await;
        let ada = app.signed_in("ada@acme.test").await;
        let url = |scope: &str| {
            format!(
                "{}?client_id={client_id}&response_type=code&redirect_uri={}&scope={}&state=s1&code_challenge={}&code_challenge_method=S256",
                app.url("/oauth/authorize"),
                url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(scope.as_bytes()).collect::<String>(),
                crate::oauth_tokens::CHALLENGE,
            )
        };
        // Asked for reading and writing leads: the page offers reading, and says writing is held back.
        let page = ada.get(url("read:leads write:leads")).send().await.unwrap().text().await.unwrap();
        let offered = &page[page.find("It will be able to").unwrap()..page.find("Also asked for").expect("the withheld scopes are shown")];
        assert!(offered.contains("read:leads") && !offered.contains("write:leads"), "{offered}");
        let back = consent(&app, &ada, &url("read:leads write:leads"), "approve").await;
        let code = query(&back, "code").unwrap();
        let answer: serde_json::Value = reqwest::Client::new()
            .post(app.url("/oauth/token"))
            .basic_auth(&client_id, secret.as_deref())
            .form(&[("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", REDIRECT), ("code_verifier", crate::oauth_tokens::VERIFIER)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["scope"], "read:leads", "the token answer says what was granted: {answer}");
        let db = &app.server().state.db;
        let grant = keyward::entities::oauth_grant::Entity::find().one(db).await.unwrap().unwrap();
        assert_eq!(grant.scopes, "read:leads", "nothing withheld is stored to switch on later");

        // Asked only for what an agent cannot lend: straight back with access_denied.
        let refused = ada.get(url("write:leads")).send().await.unwrap();
        assert_eq!(refused.status(), 303);
        let location = url::Url::parse(refused.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(query(&location, "error").as_deref(), Some("access_denied"));
        assert_eq!(query(&location, "state").as_deref(), Some("s1"));
    }
}
