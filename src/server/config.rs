//! Settings shared by every command: flags first, then `KEYWARD_*` variables.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use crate::domain::ip_allowlist::IpAllowlist;
use crate::server::public_url::PublicUrl;

/// The variable holding the pepper (hexadecimal, as the pepper file);
/// there is no flag, so it never shows in a process list.
pub const PEPPER_VARIABLE: &str = "KEYWARD_PEPPER";

#[derive(Clone, Args)]
pub struct Settings {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "KEYWARD_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub addr: SocketAddr,

    /// Directory for the SQLite database and other state (created if missing).
    #[arg(long, env = "KEYWARD_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://…` or `postgres://…` [default: sqlite://<data dir>/keyward.db]
    #[arg(long, env = "KEYWARD_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where people reach the dashboard, like https://keys.example.com: the only origin whose
    /// state-changing requests are accepted, the session cookie's Secure flag (https), HSTS, and the
    /// API reference's examples [default: the address each request names in Host]
    #[arg(long, env = "KEYWARD_PUBLIC_URL", global = true, value_parser = PublicUrl::parse)]
    pub public_url: Option<PublicUrl>,

    /// Mark the session cookie Secure (HTTPS only) [default: true when KEYWARD_PUBLIC_URL is https;
    /// without one, false on loopback and true otherwise]
    #[arg(long, env = "KEYWARD_COOKIE_SECURE", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub cookie_secure: Option<bool>,

    /// How often the server runs the maintenance jobs (inactivity sweep and notices, expiry notices,
    /// sandbox reset): "15m", "1h", "30s"; "off" leaves them to `keyward jobs run`
    #[arg(long, env = "KEYWARD_JOBS_EVERY", default_value = "15m", global = true, value_parser = parse_every)]
    pub jobs_every: Every,
    /// PostgreSQL URL for the connection that LISTENs for key changes, when the main one goes through
    /// a transaction-pooling PgBouncer (which does not pass LISTEN) [default: the database URL]
    #[arg(
        long,
        env = "KEYWARD_LISTEN_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub listen_database_url: Option<String>,
    /// How long a stopping server (SIGTERM, Ctrl-C) lets requests in flight finish before it cuts
    /// them; the last usage counts are written after, either way: "10s", "30s", "2m"
    #[arg(long, env = "KEYWARD_STOP_TIMEOUT", default_value = "10s", global = true, value_parser = parse_stop_timeout)]
    pub stop_timeout: std::time::Duration,
    /// Reverse proxies (addresses and CIDR ranges, comma-separated) whose X-Forwarded-For names the
    /// client; from any other peer the header is ignored [default: none]
    #[arg(long, env = "KEYWARD_TRUSTED_PROXIES", global = true, value_parser = parse_proxies, default_value = "")]
    pub trusted_proxies: IpAllowlist,
    /// Networks (CIDR ranges, comma-separated) webhooks may be sent to although they are not public
    /// (loopback, private, link-local…), also over plain http, like 10.0.0.0/8 or 127.0.0.1/32
    /// [default: none: public addresses over https only]
    #[arg(long, env = "KEYWARD_WEBHOOK_ALLOW_NETS", global = true, value_parser = parse_proxies, default_value = "")]
    pub webhook_allow_nets: IpAllowlist,
    /// Webhook requests this server sends at once; 0: it sends none (another instance does)
    #[arg(
        long,
        env = "KEYWARD_WEBHOOK_CONCURRENCY",
        global = true,
        default_value_t = 64
    )]
    pub webhook_concurrency: usize,
}

fn parse_proxies(text: &str) -> Result<IpAllowlist, String> {
    IpAllowlist::parse(text).map_err(|errors| errors.join("; "))
}

fn parse_stop_timeout(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| format!("{e}: write it like 10s or 1m"))
}

/// An interval, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Every(pub Option<std::time::Duration>);

fn parse_every(text: &str) -> Result<Every, String> {
    let text = text.trim();
    if matches!(text, "off" | "0" | "never") {
        return Ok(Every(None));
    }
    let every =
        humantime::parse_duration(text).map_err(|e| format!("{e}: write it like 30s, 15m or 1h, or off"))?;
    if every < std::time::Duration::from_secs(1) {
        return Err("at least 1s, or off".into());
    }
    Ok(Every(Some(every)))
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redacted_url))
            .field(
                "listen_database_url",
                &self.listen_database_url.as_deref().map(redacted_url),
            )
            .field("public_url", &self.public_url.as_ref().map(PublicUrl::origin))
            .field("cookie_secure", &self.cookie_secure)
            .field("jobs_every", &self.jobs_every)
            .field("trusted_proxies", &self.trusted_proxies.entries())
            .field("stop_timeout", &self.stop_timeout)
            .field("webhook_allow_nets", &self.webhook_allow_nets.entries())
            .field("webhook_concurrency", &self.webhook_concurrency)
            .finish()
    }
}

/// A database URL without its password.
fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Resolved settings, with every default applied.
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub cookie_secure: bool,
    pub pepper: Option<String>,
    /// `None`: the server schedules no jobs.
    pub jobs_every: Option<std::time::Duration>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: IpAllowlist,
    /// `KEYWARD_PUBLIC_URL`, when set.
    pub public_url: Option<PublicUrl>,
    /// How long a graceful stop waits for requests in flight.
    pub stop_timeout: std::time::Duration,
    /// `KEYWARD_LISTEN_DATABASE_URL`, when set.
    pub listen_database_url: Option<String>,
    /// Networks webhooks may reach although not public.
    pub webhook_allow_nets: IpAllowlist,
    /// Webhook requests sent at once; 0: none.
    pub webhook_concurrency: usize,
}

impl Settings {
    pub fn resolve(self) -> Config {
        let database_url = self
            .database_url
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| sqlite_url_in(&self.data_dir));
        Config {
            cookie_secure: self.cookie_secure.unwrap_or(match &self.public_url {
                Some(url) => url.is_https(),
                None => !self.addr.ip().is_loopback(),
            }),
            addr: self.addr,
            data_dir: self.data_dir,
            database_url,
            // Only from the environment: a flag would show in `ps`.
            pepper: std::env::var(PEPPER_VARIABLE)
                .ok()
                .filter(|p| !p.trim().is_empty()),
            jobs_every: self.jobs_every.0,
            trusted_proxies: self.trusted_proxies,
            public_url: self.public_url,
            stop_timeout: self.stop_timeout,
            listen_database_url: self.listen_database_url.filter(|url| !url.trim().is_empty()),
            webhook_allow_nets: self.webhook_allow_nets,
            webhook_concurrency: self.webhook_concurrency,
        }
    }
}

/// The default database: a SQLite file in the data directory, created on first start.
pub fn sqlite_url_in(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("keyward.db").display())
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_label())
            .field(
                "listen_database_url",
                &self.listen_database_url.as_deref().map(redacted_url),
            )
            .field("cookie_secure", &self.cookie_secure)
            .field("pepper", &self.pepper.as_ref().map(|_| "[redacted]"))
            .field("jobs_every", &self.jobs_every)
            .field("trusted_proxies", &self.trusted_proxies.entries())
            .field("public_url", &self.public_url.as_ref().map(PublicUrl::origin))
            .field("stop_timeout", &self.stop_timeout)
            .field("webhook_allow_nets", &self.webhook_allow_nets.entries())
            .field("webhook_concurrency", &self.webhook_concurrency)
            .finish()
    }
}

impl Config {
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The SQLite database file, when the database is one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }

    /// The database URL without its password, for log lines.
    pub fn database_label(&self) -> String {
        redacted_url(&self.database_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(addr: &str) -> Settings {
        Settings {
            addr: addr.parse().unwrap(),
            data_dir: "/tmp/kw".into(),
            database_url: None,
            cookie_secure: None,
            jobs_every: Every(None),
            trusted_proxies: IpAllowlist::default(),
            public_url: None,
            stop_timeout: std::time::Duration::from_secs(10),
            listen_database_url: None,
            webhook_allow_nets: IpAllowlist::default(),
            webhook_concurrency: 64,
        }
    }

    #[test]
    fn cookies_are_secure_by_default_off_loopback() {
        assert!(!settings("127.0.0.1:3000").resolve().cookie_secure);
        assert!(!settings("[::1]:3000").resolve().cookie_secure);
        assert!(settings("0.0.0.0:3000").resolve().cookie_secure);
        let forced = Settings {
            cookie_secure: Some(false),
            ..settings("0.0.0.0:80")
        };
        assert!(!forced.resolve().cookie_secure);
        let behind_tls = Settings {
            public_url: Some(PublicUrl::parse("https://keys.example.com").unwrap()),
            ..settings("127.0.0.1:3000")
        };
        assert!(
            behind_tls.resolve().cookie_secure,
            "https public URL: Secure, even on loopback"
        );
        let plain = Settings {
            public_url: Some(PublicUrl::parse("http://keys.internal:3000").unwrap()),
            ..settings("0.0.0.0:3000")
        };
        assert!(!plain.resolve().cookie_secure);
    }

    #[test]
    fn the_default_database_lives_in_the_data_dir() {
        let config = settings("127.0.0.1:3000").resolve();
        assert_eq!(config.database_url, "sqlite:///tmp/kw/keyward.db?mode=rwc");
        assert!(config.is_sqlite());
        assert_eq!(config.sqlite_path(), Some(PathBuf::from("/tmp/kw/keyward.db")));
    }

    #[test]
    fn the_jobs_interval_reads_as_people_write_it() {
        use std::time::Duration;
        assert_eq!(parse_every("15m"), Ok(Every(Some(Duration::from_secs(900)))));
        assert_eq!(parse_every(" 1h "), Ok(Every(Some(Duration::from_secs(3600)))));
        assert_eq!(parse_every("off"), Ok(Every(None)));
        assert_eq!(parse_every("0"), Ok(Every(None)));
        assert!(parse_every("500ms").is_err());
        assert!(parse_every("soon").unwrap_err().contains("15m"));
    }

    #[test]
    fn passwords_never_reach_the_database_label() {
        let config = Settings {
            database_url: Some("postgres://kw:hunter2@db:5432/kw".into()),
            ..settings("127.0.0.1:3000")
        }
        .resolve();
        assert!(!config.database_label().contains("hunter2"));
        assert!(!format!("{config:?}").contains("hunter2"));
        let settings = Settings {
            database_url: Some("postgres://kw:hunter2@db:5432/kw".into()),
            ..settings("127.0.0.1:3000")
        };
        assert!(
            !format!("{settings:?}").contains("hunter2"),
            "Settings' Debug too"
        );
        assert!(!config.is_sqlite());
        assert_eq!(config.sqlite_path(), None);
    }
}
