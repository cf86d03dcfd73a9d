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
