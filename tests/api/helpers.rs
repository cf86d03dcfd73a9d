//! Spawning the app on a fresh database, and an HTTP client that keeps cookies.
use std::net::SocketAddr;
use std::path::PathBuf;

use keyward::domain::fields::{DisplayName, Email, NewPassword};
use keyward::domain::role::Role;
use keyward::server::config::{sqlite_url_in, Config};
use keyward::server::http::Server;
use keyward::server::services::accounts::{self, NewUser};
use sea_orm::{ConnectionTrait, Database, Statement};

pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs one test body once per engine, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_engines {
    ($(async fn $name:ident($engine:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn scenario($engine: $crate::helpers::Engine) $body
            #[tokio::test]
            async fn sqlite() {
                $crate::helpers::bounded(scenario($crate::helpers::Engine::Sqlite)).await
            }
            #[tokio::test]
            async fn postgres() {
                if $crate::helpers::postgres_available().await {
                    $crate::helpers::bounded(scenario($crate::helpers::Engine::Postgres)).await
                }
            }
        }
    )*};
}

/// A scenario that has not finished after four minutes fails, naming
/// itself, instead of holding the whole run until CI's limit.
pub async fn bounded(scenario: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(std::time::Duration::from_secs(240), scenario)
        .await
        .expect("the scenario did not finish within 4 minutes (a hang)");
}

/// The server the PostgreSQL tests use; `CI=true` makes its absence fatal.
pub fn postgres_admin_url() -> String {
    std::env::var("KEYWARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub async fn postgres_available() -> bool {
    let reachable = match Database::connect(postgres_admin_url()).await {
        Ok(db) => db.execute_unprepared("SELECT 1").await.is_ok(),
        Err(_) => false,
    };
    if !reachable {
        let required = std::env::var("CI").is_ok_and(|v| v == "true")
            || std::env::var("KEYWARD_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "PostgreSQL at {} is required (CI=true) but unreachable",
            postgres_admin_url()
        );
        eprintln!(
            "!!! SKIPPED: PostgreSQL at {} is unreachable; this test ran on SQLite only",
            postgres_admin_url()
        );
    }
    reachable
}

/// A database of its own for one test; dropped (PostgreSQL) or deleted with
/// its directory (SQLite) when the test ends.
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres_name: Option<String>,
}

/// The server's log lines, for the test that caused them: written through
/// the test harness's capture, so `cargo test` shows them beside a failing
/// test and hides them for a passing one (zero-to-production's `TEST_LOG`).
/// `TEST_LOG` is the filter, `RUST_LOG`'s syntax (`debug`,
/// `keyward=trace,sqlx=debug`, `off`); by default `info` (one line a
/// request) without the test harness's own SQL (`sqlx=warn`).
pub fn test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "info,sqlx=warn".into());
        let filter = tracing_subscriber::EnvFilter::try_new(&filter)
            .unwrap_or_else(|e| panic!("TEST_LOG={filter:?} is not a log filter: {e}"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .with_ansi(false)
            .init();
    });
}

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        test_log();
        let dir = tempfile::tempdir().expect("temp dir");
        match engine {
            Engine::Sqlite => TestDb {
                url: sqlite_url_in(dir.path()),
                dir,
                postgres_name: None,
            },
            Engine::Postgres => {
                let name = format!("kw_test_{}", uuid_like());
                let admin = Database::connect(postgres_admin_url())
                    .await
                    .expect("PostgreSQL reachable");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let base = postgres_admin_url();
                let url = match base.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => panic!("KEYWARD_TEST_POSTGRES_URL needs a database path"),
                };
                TestDb {
                    url,
                    dir,
                    postgres_name: Some(name),
                }
            }
        }
    }

    pub fn config(&self) -> Config {
        Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            data_dir: self.dir.path().to_path_buf(),
            database_url: self.url.clone(),
            cookie_secure: false,
            pepper: None,
            // Tests run the jobs themselves, at the times they choose.
            jobs_every: None,
            trusted_proxies: Default::default(),
            public_url: None,
            stop_timeout: std::time::Duration::from_secs(10),
            listen_database_url: None,
            // The tests' receivers listen on loopback.
            webhook_allow_nets: keyward::domain::ip_allowlist::IpAllowlist::parse("127.0.0.1/32").unwrap(),
            webhook_concurrency: 64,
        }
    }

    pub fn sqlite_file(&self) -> PathBuf {
        self.dir.path().join("keyward.db")
    }

    /// Makes the database unreachable for a running server.
    pub async fn destroy(&self) {
        match &self.postgres_name {
            Some(name) => drop_postgres(name).await,
            None => std::fs::remove_file(self.sqlite_file()).expect("remove the SQLite file"),
        }
    }
}

async fn drop_postgres(name: &str) {
    let admin = Database::connect(postgres_admin_url())
        .await
        .expect("PostgreSQL reachable");
    let backend = admin.get_database_backend();
    admin
        .execute(Statement::from_string(
            backend,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        ))
        .await
        .expect("drop test database");
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.postgres_name.take() {
            // Drop runs outside async: clean up on a runtime of its own.
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(drop_postgres(&name));
            })
            .join();
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!(
        "{:x}_{}_{}",
        nanos,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The app, listening on a free port over a fresh database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub server: Option<Server>,
    pub db: TestDb,
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    TestApp::on(TestDb::new(engine).await).await
}

impl TestApp {
    /// Starts the app on an existing test database.
    pub async fn on(db: TestDb) -> TestApp {
        let server = Server::start(db.config()).await.expect("server starts");
        Self::with_server(db, server)
    }

    pub fn with_server(db: TestDb, server: Server) -> TestApp {
        TestApp {
            addr: server.addr,
            server: Some(server),
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The configuration another instance on the same database would use.
    pub fn config(&self) -> Config {
        self.db.config()
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("server running")
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("server stops");
        }
        let server = Server::start(self.db.config()).await.expect("server restarts");
        self.addr = server.addr;
        self.server = Some(server);
    }

    /// Creates a user through the same service the CLI uses.
    pub async fn add_user(&self, email: &str, role: Role) {
        self.add_member(email, "Ana Agent", role, "Acme Realty", Some("Downtown"))
            .await;
    }

    /// Creates a user in the named agency and (created if new) workspace.
    pub async fn add_member(
        &self,
        email: &str,
        name: &str,
        role: Role,
        agency: &str,
        workspace: Option<&str>,
    ) -> i64 {
        let new = NewUser {
            email: Email::parse(email).unwrap(),
            name: DisplayName::parse("Name", name).unwrap(),
            role,
            agency: Some(DisplayName::parse("Agency", agency).unwrap()),
            workspace: workspace.map(|w| DisplayName::parse("Workspace", w).unwrap()),
            password: NewPassword::parse(PASSWORD).unwrap(),
        };
        accounts::add_user(&self.server().state.db, new)
            .await
            .expect("user created")
            .id
    }

    /// Calls a server function with a JSON body; returns the status and the JSON answer.
    pub async fn call_json(
        &self,
        client: &Browser,
        name: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let request = client.post(self.url(&format!("/api/{name}"))).json(&body);
        answer(request.send().await.unwrap()).await
    }

    /// Calls a server function with a form body, as the browser's server functions do.
    pub async fn call_form(
        &self,
        client: &Browser,
        name: &str,
        form: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let request = client.post(self.url(&format!("/api/{name}"))).form(form);
        answer(request.send().await.unwrap()).await
    }
}

impl TestApp {
    /// A browser signed in as `email` (with [`PASSWORD`]).
    pub async fn signed_in(&self, email: &str) -> Browser {
        self.signed_in_with(email, PASSWORD).await
    }

    /// A browser signed in as `email` with `password`.
    pub async fn signed_in_with(&self, email: &str, password: &str) -> Browser {
        let browser = client();
        let response = sign_in(self, &browser, email, password).await;
        assert_eq!(response.status(), 303, "{email} signs in");
        browser
    }

    /// A key made in the dashboard by `creator` (a super manager's email),
    /// named "Integration": its token.
    pub async fn dashboard_key(
        &self,
        creator: &str,
        workspace: Option<i64>,
        act_as: i64,
        environment: &str,
        scopes: &[&str],
    ) -> String {
        let browser = self.signed_in(creator).await;
        let form = serde_json::json!({ "form": {
            "name": "Integration",
            "workspace": workspace.map(|id| id.to_string()).unwrap_or_default(),
            "act_as": act_as.to_string(), "validity": "1m", "custom_date": "",
            "environment": environment, "scopes": scopes,
        }});
        let (status, key) = self.call_json(&browser, "create_key", form).await;
        assert_eq!(status, 200, "{key}");
        key["token"].as_str().unwrap().to_owned()
    }

    /// One `/v1` call with `token` as the bearer: the status and the JSON
    /// body (`null` when empty; a body that is not JSON fails the test).
    pub async fn v1(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = plain_client()
            .request(method.parse().unwrap(), self.url(path))
            .header("authorization", format!("Bearer {token}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
        };
        (status, body)
    }
}

/// A server function's status and JSON answer (or its text, when not JSON).
async fn answer(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct Browser {
    client: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl std::ops::Deref for Browser {
    type Target = reqwest::Client;
    fn deref(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Browser {
    /// The `Cookie` header this browser sends to the app.
    pub fn cookie_header(&self, app: &TestApp) -> String {
        use reqwest::cookie::CookieStore;
        let url = app.url("/").parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
}

pub fn client() -> Browser {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Browser { client, jar }
}

/// A client with no cookies that does not follow redirects.
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn set_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("keyward_session="))
}

/// Signs in with a form post, as a browser would.
pub async fn sign_in(app: &TestApp, client: &Browser, email: &str, password: &str) -> reqwest::Response {
    client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", password), ("next", "")])
        .send()
        .await
        .unwrap()
}

/// Follows one redirect and returns the page's HTML.
pub async fn follow(app: &TestApp, client: &Browser, response: reqwest::Response) -> (u16, String) {
    let target = location(&response);
    let page = client.get(app.url(&target)).send().await.unwrap();
    let status = page.status().as_u16();
    (status, page.text().await.unwrap())
}

/// Undoes every migration from `name` on (it included), so a test can see
/// the schema as it was before `name`; `Migrator::up` brings it back.
/// Counted from the list, so adding a migration does not move the point.
pub async fn migrate_down_to_before(db: &sea_orm::DatabaseConnection, name: &str) {
    use migration::MigratorTrait;
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let at = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no migration {name}: {names:?}"));
    migration::Migrator::down(db, Some((names.len() - at) as u32))
        .await
        .unwrap();
}
