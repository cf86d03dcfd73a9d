//! `keyward oauth-app create`: the registration rules and audit, from a
//! real process on the same database; the secret printed once, kept as an
//! HMAC only.
use keyward::domain::oauth::credential::{ClientId, Credential, CredentialKind};
use keyward::entities::{audit_event, oauth_app};
use sea_orm::EntityTrait;

use crate::cli::{keyward, run, text};
use crate::helpers::TestDb;
use crate::keys::{database_text, world};
use crate::on_both_engines;

fn app_create(db: &TestDb, args: &[&str]) -> std::process::Output {
    let mut command = keyward(db);
    command
        .args(["oauth-app", "create", "--agency", "Acme Realty"])
        .args(args);
    run(command, None)
}

on_both_engines! {
    async fn a_confidential_app_prints_its_id_and_secret_once_and_keeps_an_hmac(engine) {
        let app = world(engine).await.app;

        let output = app_create(&app.db, &[
            "--name", "Listing Portal",
            "--redirect-uri", "https://portal.example/callback",
            "--redirect-uri", "http://127.0.0.1/cb",
            "--scopes", "read:properties,read:leads",
        ]);

        let stderr = text(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let stdout = text(&output.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 2, "{stdout}");
        let client_id = lines[0].strip_prefix("client_id: ").expect("client_id first");
        let secret = lines[1].strip_prefix("client_secret: ").expect("client_secret second");
        let client = ClientId::parse(client_id).expect("a kw_app_ id");
        let secret = Credential::parse_as(CredentialKind::ClientSecret, secret).expect("a kw_ocs_ secret");
        assert!(client.owns(&secret), "the secret names its client");
        assert!(stderr.contains("shown once"), "{stderr}");
        assert!(!stderr.contains(&secret.expose()), "the secret only on stdout");

        let db = &app.server().state.db;
        let row = oauth_app::Entity::find_by_id(client.id().as_str().to_owned()).one(db).await.unwrap().unwrap();
        assert_eq!(row.name, "Listing Portal");
        assert_eq!(row.scopes, "read:properties read:leads");
        assert_eq!(row.redirect_uris, "https://portal.example/callback\nhttp://127.0.0.1/cb");
        assert!(row.require_pkce, "PKCE by default for confidential apps too");
        let pepper = &app.server().state.pepper;
        assert_eq!(row.secret_hash.as_deref(), Some(secret.hash(pepper).as_bytes()));
        let exposed = secret.expose();
        assert!(!database_text(&app).await.contains(&exposed[exposed.len() - 38..exposed.len() - 6]), "the database holds no secret");

        let events = audit_event::Entity::find().all(db).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].action.as_str(), events[0].actor_label.as_str()), ("app_registered", "command line"));
        assert!(events[0].details.contains(client_id), "{}", events[0].details);
    }

    async fn a_public_app_gets_no_secret(engine) {
        let app = world(engine).await.app;
        let output = app_create(&app.db, &[
            "--name", "Phone app", "--public", "--env", "test",
            "--redirect-uri", "http://[::1]/callback", "--scopes", "read:leads",
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
        assert!(stdout.starts_with("client_id: kw_app_"), "{stdout}");
        let rows = oauth_app::Entity::find().all(&app.server().state.db).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].secret_hash.is_none() && rows[0].require_pkce);
    }

    async fn bad_flags_exit_2_naming_the_flag_and_register_nothing(engine) {
        let app = world(engine).await.app;
        for (args, flag, says) in [
            (&["--name", "X", "--redirect-uri", "http://portal.example/cb", "--scopes", "read:leads"][..], "--redirect-uri", "must use https"),
            (&["--name", "X", "--redirect-uri", "https://portal.example/cb#x", "--scopes", "read:leads"], "--redirect-uri", "fragment"),
            (&["--name", "X", "--redirect-uri", "https://*.portal.example/cb", "--scopes", "read:leads"], "--redirect-uri", "wildcards"),
            (&["--name", "X", "--redirect-uri", "https://portal.example/cb", "--scopes", "admin"], "--scopes", "cannot be granted"),
            (&["--name", "X", "--redirect-uri", "https://portal.example/cb", "--scopes", "bogus"], "--scopes", "unknown scope"),
            (&["--name", " ", "--redirect-uri", "https://portal.example/cb", "--scopes", "read:leads"], "--name", "required"),
            (&["--name", "X", "--redirect-uri", "https://portal.example/cb", "--scopes", "read:leads", "--homepage", "ftp://x"], "--homepage", "https"),
        ] {
            let output = app_create(&app.db, args);
            let stderr = text(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(flag) && stderr.contains(says), "{args:?}: {stderr}");
            assert!(output.stdout.is_empty(), "{args:?}");
        }
        let mut command = keyward(&app.db);
        command.args(["oauth-app", "create", "--agency", "Nope", "--name", "X", "--redirect-uri", "https://portal.example/cb", "--scopes", "read:leads"]);
        let unknown = run(command, None);
        assert_eq!(unknown.status.code(), Some(2));
        assert!(text(&unknown.stderr).contains("no agency named \"Nope\""), "{}", text(&unknown.stderr));
        assert!(oauth_app::Entity::find().all(&app.server().state.db).await.unwrap().is_empty());
    }
}

on_both_engines! {
    async fn oauth_secrets_reach_neither_the_logs_nor_the_database_nor_a_page(engine) {
        use std::io::{BufRead, BufReader};
        use std::process::Stdio;

        use crate::oauth_flow::hidden_inputs;
        use crate::oauth_tokens::{pkce_query, VERIFIER};

        let app = world(engine).await.app;
        let output = app_create(&app.db, &["--name", "Listing Portal", "--redirect-uri", "https://portal.example/callback", "--scopes", "read:leads,write:leads"]);
        let stdout = text(&output.stdout);
        let field = |name: &str| stdout.lines().find_map(|l| l.strip_prefix(name)).unwrap().to_owned();
        let (client_id, client_secret) = (field("client_id: "), field("client_secret: "));

        // A real server process, logging at debug level into a file.
        let log_path = app.db.dir.path().join("serve.log");
        let mut command = keyward(&app.db);
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log_path).unwrap());
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines.next().unwrap().unwrap();
        let base = listening.strip_prefix("keyward listening on ").expect(&listening).trim_end_matches('/').to_owned();

        // Sam approves; the app redeems, calls, refreshes, introspects, revokes.
        let sam = crate::helpers::client();
        let signed = sam.post(format!("{base}/login")).form(&[("email", "sam@acme.test"), ("password", crate::helpers::PASSWORD)]).send().await.unwrap();
        assert_eq!(signed.status(), 303);
        let consent = sam.get(format!("{base}/oauth/authorize?client_id={client_id}&{}", pkce_query("read:leads"))).send().await.unwrap().text().await.unwrap();
        let mut form = hidden_inputs(&consent);
        form.push(("decision".into(), "approve".into()));
        let approved = sam.post(format!("{base}/oauth/authorize")).header("origin", &base).form(&form).send().await.unwrap();
        assert_eq!(approved.status(), 303);
        let back = url::Url::parse(approved.headers()["location"].to_str().unwrap()).unwrap();
        let code = back.query_pairs().find(|(n, _)| n == "code").unwrap().1.into_owned();
        let http = reqwest::Client::new();
        let token = |form: Vec<(&'static str, String)>| {
            let request = http.post(format!("{base}/oauth/token")).basic_auth(&client_id, Some(&client_secret)).form(&form);
            async move {
                let answer: serde_json::Value = request.send().await.unwrap().json().await.unwrap();
                let text = |name: &str| answer[name].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned();
                (text("access_token"), text("refresh_token"))
            }
        };
        let (access, refresh) = token(vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.clone()),
            ("redirect_uri", "https://portal.example/callback".into()),
            ("code_verifier", VERIFIER.into()),
        ])
        .await;
        let me = http.get(format!("{base}/v1/me")).bearer_auth(&access).send().await.unwrap();
        assert_eq!(me.status(), 200);
        let (access2, refresh2) = token(vec![("grant_type", "refresh_token".into()), ("refresh_token", refresh.clone())]).await;
        assert_eq!(http.get(format!("{base}/v1/me")).bearer_auth(&access).send().await.unwrap().status(), 401, "the old pair is dead");
        for endpoint in ["introspect", "revoke"] {
            let answer = http.post(format!("{base}/oauth/{endpoint}")).basic_auth(&client_id, Some(&client_secret)).form(&[("token", &access2)]).send().await.unwrap();
            assert_eq!(answer.status(), 200, "{endpoint}");
        }
        // Pages that show the grant and the app.
        let mut html = String::new();
        let client = keyward::domain::oauth::credential::ClientId::parse(&client_id).unwrap();
        for path in ["/admin/profile/authorized-apps".to_owned(), format!("/admin/profile/developer-settings/oauth-apps/{client}")] {
            let page = sam.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(page.status(), 200, "{path}");
            html.push_str(&page.text().await.unwrap());
        }
        assert!(html.contains("Listing Portal"), "the pages show the app");

        let pid = child.id().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        assert!(crate::cli::wait_with_timeout(&mut child, std::time::Duration::from_secs(10)).success());
        let logs = std::fs::read_to_string(&log_path).unwrap();
        assert!(logs.contains("/oauth/token"), "the logs record the requests: {}", &logs[..logs.len().min(2000)]);
        let database = database_text(&app).await;
        let secrets = [("client secret", &client_secret), ("code", &code), ("access token", &access), ("refresh token", &refresh), ("second access token", &access2), ("second refresh token", &refresh2)];
        for (what, secret) in secrets {
            // The whole credential, and its secret half alone (what follows the id).
            let tail = &secret[secret.len() - 30..];
            for (place, text) in [("logs", &logs), ("database", &database), ("pages", &html)] {
                assert!(!text.contains(secret.as_str()) && !text.contains(tail), "the {place} hold the {what}");
            }
        }
    }
}
