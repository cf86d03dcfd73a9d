//! `keyward user list|disable|enable|remove|reset-password` and `keyward
//! workspace add|rename|archive|restore`, run as real processes beside a
//! running server: the same rules and audit as the dashboard, exit code 2
//! with the flag named on bad input.
use keyward::domain::audit_action::AuditAction;
use keyward::entities::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::cli::{keyward, run, text};
use crate::keys::world;
use crate::on_both_engines;

/// `/v1/me`'s status with `token` once it is `want`, within the second a
/// change made elsewhere (here, another process) takes to reach a server.
async fn me_becomes(app: &crate::helpers::TestApp, token: &str, want: u16) {
    let started = std::time::Instant::now();
    loop {
        let (status, body) = app.v1("GET", "/v1/me", token, None).await;
        if status == want {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "still {status} after a second: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn cli(app: &crate::helpers::TestApp, args: &[&str]) -> (i32, String, String) {
    let mut command = keyward(&app.db);
    command.args(args);
    let output = run(command, None);
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}

on_both_engines! {
    async fn people_from_the_command_line(engine) {
        let world = world(engine).await;
        let app = &world.app;
        let token = app
            .dashboard_key("sam@acme.test", Some(world.downtown), world.max, "live", &["read:leads"])
            .await;
        let acme = ["--agency", "Acme Realty"];
        let (code, out, err) = cli(app, &["user", "list"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("several agencies: name one with --agency"), "{err}");
        let (code, out2, _) = cli(app, &["user", "list", "--agency", "Acme Realty"]);
        assert_eq!(code, 0);
        assert!(out.is_empty());
        assert!(out2.starts_with("email\tname\trole\tstatus"), "{out2}");
        assert!(out2.contains("max@acme.test\tMax Manager\tmanager\tactive\tDowntown\t"), "{out2}");
        assert!(out2.contains("sam@acme.test\tSam Super\tsuper_manager\tactive\tall\t"), "{out2}");
        assert!(!out2.contains("oz@other.test"));

        // Bad input: exit 2, the flag named, nothing changed.
        let (code, _, err) = cli(app, &["user", "disable", "--agency", "Acme Realty", "--email", "nobody@acme.test"]);
        assert_eq!(code, 2);
        assert!(err.contains("--email:"), "{err}");
        let (code, _, err) = cli(app, &["user", "disable", "--agency", "Acme Realty", "--email", "sam@acme.test"]);
        assert_eq!(code, 2);
        assert!(err.contains("--email:") && err.contains("only active super manager"), "{err}");
        // A second key acting as Max: the refusal below still says it once.
        app.dashboard_key("sam@acme.test", Some(world.downtown), world.max, "live", &["read:leads"]).await;
        let (code, _, err) = cli(app, &["user", "disable", "--agency", "Acme Realty", "--email", "max@acme.test", "--reassign-keys-to", "uma@acme.test"]);
        assert_eq!(code, 2);
        assert!(err.contains("--reassign-keys-to:") && err.contains("Downtown"), "{err}");
        assert_eq!(err.matches("--reassign-keys-to:").count(), 1, "one line, each message once: {err}");
        assert_eq!(app.v1("GET", "/v1/me", &token, None).await.0, 200);

        // Disabled with the keys left: they are refused, and the command says so.
        let (code, _, err) = cli(app, &["user", "disable", "--agency", "Acme Realty", "--email", "max@acme.test"]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("still act as Max Manager"), "{err}");
        me_becomes(app, &token, 401).await;
        let (status, body) = app.v1("GET", "/v1/me", &token, None).await;
        assert_eq!(status, 401);
        assert!(body["error"]["message"].as_str().unwrap().starts_with("Acting user disabled"));
        let (code, _, err) = cli(app, &["user", "disable", "--agency", "Acme Realty", "--email", "max@acme.test"]);
        assert_eq!(code, 2);
        assert!(err.contains("already disabled"), "{err}");
        let (code, _, _) = cli(app, &["user", "enable", "--agency", "Acme Realty", "--email", "max@acme.test"]);
        assert_eq!(code, 0);
        me_becomes(app, &token, 200).await;

        // A reset link, alone on stdout.
        let (code, out, err) = cli(app, &["user", "reset-password", "--agency", "Acme Realty", "--email", "ada@acme.test"]);
        assert_eq!(code, 0, "{err}");
        let link = out.trim();
        assert!(link.starts_with("http://") && link.contains("/reset-password?token=kw_pwr_"), "{out}");
        assert_eq!(out.lines().count(), 1);

        // Removed, keys revoked.
        let (code, _, err) = cli(app, &["user", "remove", "--agency", "Acme Realty", "--email", "max@acme.test", "--revoke-keys"]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("revoked"), "{err}");
        me_becomes(app, &token, 401).await;
        let (_, out, _) = cli(app, &["user", "list", "--agency", "Acme Realty"]);
        assert!(!out.contains("max@acme.test"), "{out}");
        let by_cli = audit_event::Entity::find()
            .filter(audit_event::Column::ActorLabel.eq("command line"))
            .all(&app.server().state.db)
            .await
            .unwrap();
        let actions: Vec<AuditAction> = by_cli.iter().map(|e| e.action).collect();
        for action in [AuditAction::PersonDisabled, AuditAction::PersonEnabled, AuditAction::PasswordResetIssued, AuditAction::PersonRemoved, AuditAction::Revoked] {
            assert!(actions.contains(&action), "{action:?} audited as the command line: {actions:?}");
        }

        // Workspaces.
        let add = |name: &str| vec!["workspace", "add", acme[0], acme[1], "--name", name].into_iter().map(str::to_owned).collect::<Vec<_>>();
        let run_owned = |args: Vec<String>| cli(app, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(run_owned(add("Harbour")).0, 0);
        let (code, _, err) = run_owned(add("harbour"));
        assert_eq!(code, 2);
        assert!(err.contains("--name:") && err.contains("already exists"), "{err}");
        let (code, _, err) = cli(app, &["workspace", "rename", "--agency", "Acme Realty", "--name", "Harbour", "--to", "Downtown"]);
        assert_eq!(code, 2);
        assert!(err.contains("--to:") && err.contains("already exists"), "{err}");
        let (code, _, err) = cli(app, &["workspace", "rename", "--agency", "Acme Realty", "--name", "Harbour", "--to", "Harbour Bay"]);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = cli(app, &["workspace", "archive", "--agency", "Acme Realty", "--name", "Harbour Bay"]);
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = cli(app, &["workspace", "archive", "--agency", "Acme Realty", "--name", "Harbour Bay"]);
        assert_eq!(code, 2);
        assert!(err.contains("--name:") && err.contains("already archived"), "{err}");
        let (code, _, err) = cli(app, &["workspace", "archive", "--agency", "Acme Realty", "--name", "Nowhere"]);
        assert_eq!(code, 2);
        assert!(err.contains("--name:"), "{err}");
        // An archived workspace takes no new members.
        let (code, _, err) = cli(app, &["user", "add", "--agency", "Acme Realty", "--workspace", "Harbour Bay", "--email", "late@acme.test", "--name", "Late", "--role", "agent"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--workspace: Harbour Bay is archived"), "{err}");
        let (code, _, _) = cli(app, &["workspace", "restore", "--agency", "Acme Realty", "--name", "Harbour Bay"]);
        assert_eq!(code, 0);
        let (code, _, err) = cli(app, &["workspace", "add", "--agency", "Acme Realty"]);
        assert_eq!(code, 2, "clap names the missing flag: {err}");
        assert!(err.contains("--name"));
    }
}
