//! The `keyward` command line (clap): serve, migrate, user add.
use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::domain::fields::{DisplayName, Email, NewPassword};
use crate::domain::role::Role;
use crate::server::config::{Config, Settings};
use crate::server::http::Server;
use crate::server::services::accounts::{self, AccountError, NewUser};
use crate::server::{assets, db};

/// Exit code for a command that was used wrongly (as clap uses for bad flags).
const USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "keyward",
    version,
    about = "Self-hosted API key management for lead and property CRMs",
    long_about = "Self-hosted API key management for lead and property CRMs.\n\n\
        Super managers issue API keys in the dashboard (Admin › Profile › Developer Settings); \
        outside systems use them on the /v1 API. One binary: the site is embedded, the \
        default database is a SQLite file in the data directory.",
    after_help = "Settings come from flags, then KEYWARD_* environment variables. Logging: RUST_LOG \
        (for example RUST_LOG=keyward=debug)."
)]
pub struct Cli {
    #[command(flatten)]
    settings: Settings,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, then serve the dashboard and the API (the default).
    ///
    /// While the database has no user, prints a one-time setup link that
    /// creates the agency, its first workspace and the first super manager.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage dashboard users.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user, creating the agency and workspace if they are new.
    ///
    /// Without --password-stdin a password is generated and printed once, alone on stdout.
    Add(UserAdd),
}

#[derive(Debug, clap::Args)]
struct UserAdd {
    /// Email address to sign in with (one account per address).
    #[arg(long, value_parser = parse_email)]
    email: Email,
    /// Display name.
    #[arg(long, value_parser = parse_name)]
    name: DisplayName,
    /// super_manager (everything in the agency), manager (workspaces they belong to) or agent (read-only).
    #[arg(long)]
    role: Role,
    /// Agency name; created if new. May be left out while there is exactly one agency.
    #[arg(long, value_parser = parse_name)]
    agency: Option<DisplayName>,
    /// Workspace to make the user a member of; created if new.
    #[arg(long, value_parser = parse_name)]
    workspace: Option<DisplayName>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    password_stdin: bool,
}

fn parse_email(raw: &str) -> Result<Email, String> {
    Email::parse(raw).map_err(|e| e.to_string())
}

fn parse_name(raw: &str) -> Result<DisplayName, String> {
    DisplayName::parse("The name", raw).map_err(|e| e.to_string())
}

/// Runs the command line; returns the process exit code.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let config = cli.settings.resolve();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::User(UserCommand::Add(args)) => add_user(config, args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE)
        }
        Err(Failure::Runtime(err)) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    /// The command was used wrongly: exit code 2.
    Usage(String),
    /// Something failed while doing it: exit code 1.
    Runtime(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure::Runtime(err.into())
    }
}

async fn serve(config: Config) -> Result<(), Failure> {
    if !assets::has_site() {
        tracing::warn!("this build has no embedded site: pages render but do not hydrate");
    }
    let database = config.database_label();
    let server = Server::start(config).await?;
    println!("keyward listening on http://{}", server.addr);
    tracing::info!(addr = %server.addr, %database, "serving");
    if let Some(link) = &server.setup_link {
        println!("First run: open {link} to create the agency and its first super manager.");
        println!("The link works once, and only until the first user exists.");
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await?;
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

async fn migrate(config: Config) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    eprintln!("database is up to date ({})", config.database_label());
    Ok(())
}

async fn add_user(config: Config, args: UserAdd) -> Result<(), Failure> {
    let (password, generated) = if args.password_stdin {
        let mut raw = String::new();
        std::io::stdin().read_to_string(&mut raw)?;
        let raw = raw
            .strip_suffix('\n')
            .map(|r| r.strip_suffix('\r').unwrap_or(r))
            .unwrap_or(&raw);
        (
            NewPassword::parse(raw).map_err(|e| Failure::Usage(format!("invalid password on stdin: {e}")))?,
            false,
        )
    } else {
        let raw: String = rand::rngs::OsRng
            .sample_iter(&Alphanumeric)
            .take(20)
            .map(char::from)
            .collect();
        (NewPassword::parse(&raw).map_err(anyhow::Error::from)?, true)
    };
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let new = NewUser {
        email: args.email,
        name: args.name,
        role: args.role,
        agency: args.agency,
        workspace: args.workspace,
        password,
    };
    let (email, role) = (new.email.to_string(), new.role);
    let secret = generated.then(|| new.password.expose().to_owned());
    let added = accounts::add_user(&db, new).await.map_err(|err| match err {
        AccountError::EmailTaken(_) | AccountError::NoAgency | AccountError::SeveralAgencies => {
            Failure::Usage(err.to_string())
        }
        other => Failure::Runtime(other.into()),
    })?;
    let workspace = added
        .workspace_name
        .map(|w| format!(", workspace {w}"))
        .unwrap_or_default();
    eprintln!(
        "created {role} {email} in agency {}{workspace}",
        added.agency_name
    );
    if let Some(secret) = secret {
        eprintln!("generated password (shown once):");
        println!("{secret}");
    }
    Ok(())
}
