//! Operating keyward: backups and restores, the stop deadline, and what a
//! `kill -9` can lose.
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use keyward::server::config::Config;
use keyward::server::http::Server;
use sea_orm::{EntityTrait, QuerySelect};

use crate::cli::{keyward, run, text, wait_with_timeout};
use crate::helpers::{Engine, TestApp, TestDb};
use crate::on_both_engines;
use crate::v1_records::key;

/// `keyward` with a data directory and no database URL (the default SQLite file).
fn keyward_in(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyward"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("KEYWARD_DATA_DIR", dir)
        .env("RUST_LOG", "warn");
    command
}

on_both_engines! {
    async fn a_backup_taken_while_serving_restores_into_a_new_data_dir_where_old_keys_verify(engine) {
        let w = crate::keys::world(engine).await;
        let token = key(&w.app, Some(w.downtown), w.max, "live", &["read:leads"]).await;
        let backup = tempfile::tempdir().unwrap();
        let target = backup.path().join("nightly");

        let mut command = keyward(&w.app.db);
        command.args(["backup", target.to_str().unwrap()]);
        let output = run(command, None);
        assert!(output.status.success(), "{}", text(&output.stderr));
        assert!(target.join("pepper").is_file());
        // A second backup into the same directory is refused.
        let mut again = keyward(&w.app.db);
        again.args(["backup", target.to_str().unwrap()]);
        assert_eq!(run(again, None).status.code(), Some(2));

        if engine == Engine::Postgres {
            assert!(text(&output.stderr).contains("pg_dump"), "{}", text(&output.stderr));
            let fresh = tempfile::tempdir().unwrap();
            let mut restore = keyward_in(fresh.path());
            restore.env("KEYWARD_DATABASE_URL", &w.app.db.url).args(["restore", target.to_str().unwrap()]);
            assert_eq!(run(restore, None).status.code(), Some(2), "a SQLite backup only");
            return;
        }
        assert!(target.join("keyward.db").is_file());
        let fresh = tempfile::tempdir().unwrap();
        let data = fresh.path().join("restored");
        let mut restore = keyward_in(&data);
        restore.args(["restore", target.to_str().unwrap()]);
        let output = run(restore, None);
        assert!(output.status.success(), "{}", text(&output.stderr));
        // Never over a live data directory.
        let mut twice = keyward_in(&data);
        twice.args(["restore", target.to_str().unwrap()]);
        let output = run(twice, None);
        assert_eq!(output.status.code(), Some(2));
        assert!(text(&output.stderr).contains("restore into a new data directory"));

        let config = Config {
            data_dir: data.clone(),
            database_url: keyward::server::config::sqlite_url_in(&data),
            ..w.app.db.config()
        };
        let server = Server::start(config).await.expect("the restored data dir serves");
        let restored = TestApp { addr: server.addr, server: Some(server), db: TestDb::new(Engine::Sqlite).await };
        assert_eq!(restored.v1("GET", "/v1/me", &token, None).await.0, 200, "a key made before the backup verifies");
    }
}

/// A `keyward serve` process on a new SQLite data dir with one agency and a
/// key: the child, its address and the key.
fn serving(dir: &std::path::Path, extra: &[(&str, &str)]) -> (std::process::Child, String, String) {
    serving_with(dir, "read:leads,write:leads", extra)
}

/// [`serving`], its key having `scopes` (comma-separated).
pub(crate) fn serving_with(
    dir: &std::path::Path,
    scopes: &str,
    extra: &[(&str, &str)],
) -> (std::process::Child, String, String) {
    let mut add = keyward_in(dir);
    add.args([
        "user",
        "add",
        "--email",
        "sam@acme.test",
        "--name",
        "Sam",
        "--role",
        "super_manager",
        "--agency",
        "Acme",
        "--password-stdin",
    ]);
    assert!(run(add, Some("a long enough password")).status.success());
    let mut create = keyward_in(dir);
    create.args([
        "key",
        "create",
        "--agency",
        "Acme",
        "--name",
        "Feed",
        "--scopes",
        scopes,
        "--rate-limit",
        "0",
    ]);
    let output = run(create, None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let token = text(&output.stdout).trim().to_owned();
    let (child, addr) = serve_in(dir, extra);
    (child, addr, token)
}

/// `keyward serve` on the data dir `dir`: the child and its address.
pub(crate) fn serve_in(dir: &std::path::Path, extra: &[(&str, &str)]) -> (std::process::Child, String) {
    let mut serve = keyward_in(dir);
    serve
        .args(["serve", "--addr", "127.0.0.1:0"])
        .envs(extra.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = serve.spawn().unwrap();
    let line = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let addr = line
        .strip_prefix("keyward listening on http://")
        .expect(&line)
        .to_owned();
    (child, addr)
}

async fn usage_count(dir: &std::path::Path) -> i64 {
    let config = Config {
        database_url: keyward::server::config::sqlite_url_in(dir),
        data_dir: dir.to_path_buf(),
        ..TestDb::new(Engine::Sqlite).await.config()
    };
    let db = keyward::server::db::connect(&config).await.unwrap();
    let counts: Vec<i64> = keyward::entities::api_key::Entity::find()
        .select_only()
        .column(keyward::entities::api_key::Column::UsageCount)
        .into_tuple()
        .all(&db)
        .await
        .unwrap();
    counts.into_iter().sum()
}

#[tokio::test]
async fn a_stop_cuts_requests_still_in_flight_at_its_deadline_then_writes_the_usage() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serving(dir.path(), &[("KEYWARD_STOP_TIMEOUT", "1s")]);
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let response = client
            .get(format!("http://{addr}/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // A request whose body never finishes arriving: in flight until cut.
    let mut stuck = std::net::TcpStream::connect(&addr).unwrap();
    write!(stuck, "POST /v1/leads HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"first_name\":").unwrap();
    stuck.flush().unwrap();

    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(20));
    assert!(
        status.success(),
        "stopped by its deadline, not by the stuck client"
    );
    assert_eq!(
        usage_count(dir.path()).await,
        3,
        "every answered request was written at the stop"
    );
    drop(stuck);
}

#[tokio::test]
async fn a_kill_9_loses_at_most_the_usage_of_the_last_second() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr, token) = serving(dir.path(), &[]);
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let response = client
            .get(format!("http://{addr}/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let answered = Instant::now();
    // The flusher writes every second: the counts reach the database soon
    // after the last answer, and from then on no kill loses them.
    while usage_count(dir.path()).await < 5 {
        assert!(
            answered.elapsed() < Duration::from_secs(5),
            "usage not written within a few flushes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        usage_count(dir.path()).await,
        5,
        "nothing written is lost to SIGKILL"
    );
}

#[test]
fn a_new_data_directory_is_private_to_its_owner() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("fresh").join("data");
    let mut migrate = keyward_in(&dir);
    migrate.arg("migrate");
    let output = run(migrate, None);
    assert!(output.status.success(), "{}", text(&output.stderr));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the database in it holds leads and hashes: {mode:o}");
}
