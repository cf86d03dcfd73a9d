//! The `keyward` command line, run as a real process.
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::helpers::{client, location, sign_in, Engine, TestApp, TestDb};
use crate::on_both_engines;

pub(crate) fn keyward(db: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyward"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("KEYWARD_DATA_DIR", db.dir.path())
        .env("KEYWARD_DATABASE_URL", &db.url)
        .env("RUST_LOG", "debug");
    command
}

pub(crate) fn run(mut command: Command, stdin: Option<&str>) -> Output {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("keyward runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn user_add(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = keyward(db);
    command.args(["user", "add"]).args(args);
    run(command, stdin)
}

#[test]
fn help_explains_every_command_and_setting() {
    let output = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = text(&output.stdout);
    for needle in [
        "serve",
        "migrate",
        "user",
        "KEYWARD_ADDR",
        "KEYWARD_DATA_DIR",
        "KEYWARD_DATABASE_URL",
        "KEYWARD_COOKIE_SECURE",
        "KEYWARD_JOBS_EVERY",
        "KEYWARD_LOG_FORMAT",
        "KEYWARD_PUBLIC_URL",
        "KEYWARD_STOP_TIMEOUT",
        "KEYWARD_PEPPER",
        "backup",
        "restore",
        "RUST_LOG",
        "jobs",
    ] {
        assert!(help.contains(needle), "--help mentions {needle}");
    }
    let add = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["user", "add", "--help"])
        .output()
        .unwrap();
    let add = text(&add.stdout);
    for needle in [
        "--email",
        "--name",
        "--role",
        "--agency",
        "--workspace",
        "--password-stdin",
        "super_manager",
    ] {
        assert!(add.contains(needle), "user add --help mentions {needle}");
    }
}

#[test]
fn bad_arguments_exit_with_code_2_and_a_clear_message() {
    let cases: [(&[&str], &str); 7] = [
        (&["frobnicate"], "unrecognized subcommand"),
        (&["user", "add", "--name", "Ana", "--role", "agent"], "--email"),
        (
            &[
                "user",
                "add",
                "--email",
                "not-an-email",
                "--name",
                "Ana",
                "--role",
                "agent",
            ],
            "Enter an email address",
        ),
        (
            &[
                "user", "add", "--email", "a@b.test", "--name", "Ana", "--role", "owner",
            ],
            "super_manager, manager or agent",
        ),
        (
            &[
                "user", "add", "--email", "a@b.test", "--name", "", "--role", "agent",
            ],
            "The name is required",
        ),
        (&["--addr", "not-an-address", "migrate"], "invalid value"),
        (&["--cookie-secure", "maybe", "migrate"], "invalid value"),
    ];
    for (args, message) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains(message),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

on_both_engines! {
    async fn migrate_creates_the_schema_and_is_idempotent(engine) {
        let db = TestDb::new(engine).await;
        for _ in 0..2 {
            let output = run({ let mut c = keyward(&db); c.arg("migrate"); c }, None);
            assert!(output.status.success(), "{}", text(&output.stderr));
            assert!(text(&output.stderr).contains("database is up to date"));
        }
        if engine == Engine::Sqlite {
            assert!(db.sqlite_file().exists(), "the SQLite file is created on first start");
        }
    }

    async fn user_add_prints_a_generated_password_once_that_signs_in(engine) {
        let db = TestDb::new(engine).await;

        let output = user_add(&db, &["--email", "ana@acme.test", "--name", "Ana", "--role", "super_manager", "--agency", "Acme", "--workspace", "Downtown"], None);

        assert!(output.status.success(), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        let password = stdout.trim();
        assert_eq!(stdout.lines().count(), 1, "the password alone on stdout");
        assert_eq!(password.len(), 20);
        assert!(!text(&output.stderr).contains(password), "never on stderr");
        let app = TestApp::on(db).await;
        let response = sign_in(&app, &client(), "ana@acme.test", password).await;
        assert_eq!(location(&response), "/admin/profile/developer-settings");
    }

    async fn user_add_reads_a_password_from_stdin_and_refuses_duplicates(engine) {
        let db = TestDb::new(engine).await;
        let args = ["--email", "max@acme.test", "--name", "Max", "--role", "manager", "--agency", "Acme"];

        let with_stdin: Vec<&str> = args.iter().copied().chain(["--password-stdin"]).collect();
        let first = user_add(&db, &with_stdin, Some("a long enough password\n"));
        let again = user_add(&db, &with_stdin, Some("a long enough password\n"));
        let short = user_add(&db, &["--email", "x@acme.test", "--name", "X", "--role", "agent", "--password-stdin"], Some("short\n"));
        let no_agency_named = user_add(&db, &["--email", "y@acme.test", "--name", "Y", "--role", "agent"], None);

        assert!(first.status.success(), "{}", text(&first.stderr));
        assert!(first.stdout.is_empty(), "nothing to print when the password came from stdin");
        let app = TestApp::on(db).await;
        let response = sign_in(&app, &client(), "max@acme.test", "a long enough password").await;
        assert_eq!(location(&response), "/admin/profile/developer-settings");
        assert_eq!(again.status.code(), Some(2));
        assert!(text(&again.stderr).contains("already exists"));
        assert_eq!(short.status.code(), Some(2));
        assert!(text(&short.stderr).contains("at least 12 characters"));
        assert!(no_agency_named.status.success(), "the sole agency is used: {}", text(&no_agency_named.stderr));
    }

    async fn user_add_needs_an_agency_when_there_is_none(engine) {
        let db = TestDb::new(engine).await;

        let output = user_add(&db, &["--email", "ana@acme.test", "--name", "Ana", "--role", "agent"], None);

        assert_eq!(output.status.code(), Some(2));
        assert!(text(&output.stderr).contains("--agency"));
    }

    async fn serve_prints_its_address_and_a_setup_link_and_logs_no_secret(engine) {
        let db = TestDb::new(engine).await;
        let mut command = keyward(&db);
        command.args(["serve", "--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines.next().unwrap().unwrap();
        let addr = listening.strip_prefix("keyward listening on http://").expect(&listening).to_owned();
        let link_line = lines.next().unwrap().unwrap();
        let link = link_line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
        let token = link.split("token=").nth(1).unwrap().to_owned();

        let http = client();
        let setup = http
            .post(format!("http://{addr}/setup"))
            .form(&[("token", token.as_str()), ("agency", "Acme"), ("workspace", "Main"), ("name", "Sam"), ("email", "sam@acme.test"), ("password", "setup password 123")])
            .send()
            .await
            .unwrap();
        assert_eq!(setup.status(), 303);
        let wrong = client()
            .post(format!("http://{addr}/login"))
            .form(&[("email", "sam@acme.test"), ("password", "typo password 456")])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 422);
        let page = http.get(format!("http://{addr}/admin/profile/developer-settings")).send().await.unwrap();
        assert_eq!(page.status(), 200);

        // SIGTERM: a graceful stop.
        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = wait_with_timeout(&mut child, Duration::from_secs(10));
        assert!(status.success(), "graceful shutdown exits 0");
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
        assert!(logs.contains("status=303"), "one line per request: {logs}");
        assert!(logs.contains("latency_ms="), "{logs}");
        for secret in ["setup password 123", "typo password 456", token.as_str()] {
            assert!(!logs.contains(secret), "the logs hold {secret:?}");
        }
    }
}

on_both_engines! {
    async fn json_logs_hold_one_object_per_line_with_the_request_and_its_id(engine) {
        let db = TestDb::new(engine).await;
        let mut command = keyward(&db);
        command
            .env("KEYWARD_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let listening = lines.next().unwrap().unwrap();
        let addr = listening.strip_prefix("keyward listening on http://").expect(&listening).to_owned();
        let answer = client()
            .get(format!("http://{addr}/healthz?token=kw_live_secret"))
            .header("x-request-id", "trace-7")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);

        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = wait_with_timeout(&mut child, Duration::from_secs(10));
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
        assert!(status.success(), "{status:?}: {logs}");
        let objects: Vec<serde_json::Value> = logs
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
            .collect();
        let request = objects
            .iter()
            .find(|o| o["path"] == "/healthz")
            .unwrap_or_else(|| panic!("the request line: {logs}"));
        assert_eq!(request["level"], "INFO");
        assert_eq!(request["target"], "keyward::http");
        assert_eq!(request["message"], "request");
        assert_eq!(request["method"], "GET");
        assert_eq!(request["status"], 200);
        assert!(request["latency_ms"].is_number(), "{request}");
        assert_eq!(request["span"]["id"], "trace-7", "{request}");
        assert!(!logs.contains("kw_live_secret"), "never the query string");
    }
}

on_both_engines! {
    async fn a_sigterm_the_moment_the_address_is_printed_stops_gracefully(engine) {
        let db = TestDb::new(engine).await;
        for _ in 0..5 {
            let mut command = keyward(&db);
            command.args(["serve", "--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null());
            let mut child = command.spawn().unwrap();
            let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
            let listening = lines.next().unwrap().unwrap();
            assert!(listening.starts_with("keyward listening on"), "{listening}");
            let pid = child.id().to_string();
            assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
            let status = wait_with_timeout(&mut child, Duration::from_secs(10));
            assert!(status.success(), "a graceful stop, not death by signal: {status:?}");
        }
    }
}

#[test]
fn an_unknown_log_format_is_refused_naming_the_setting() {
    let output = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .env("KEYWARD_LOG_FORMAT", "xml")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("KEYWARD_LOG_FORMAT must be `text` or `json`, not `xml`"),
        "{stderr}"
    );
}

pub(crate) fn wait_with_timeout(
    child: &mut std::process::Child,
    limit: Duration,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed() < limit, "keyward did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}
