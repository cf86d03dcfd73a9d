//! The `keyward` command line (clap): serve, migrate, user, workspace, key
//! create, oauth-app create, agency set, jobs run, demo, backup, restore.
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::server::config::{Config, Settings};
use crate::server::http::Server;
use crate::server::{assets, db};

mod agency;
mod backup;
mod demo;
mod jobs;
mod keys;
mod oauth_apps;
mod people;
mod users;

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
    after_help = "Settings come from flags, then KEYWARD_* environment variables. The pepper (the key \
        hashes' secret) comes only from KEYWARD_PEPPER, in hexadecimal as the file <data dir>/pepper \
        holds it (generated there on first start when unset); every instance on one database needs the \
        same. Logging: RUST_LOG (for example RUST_LOG=keyward=debug); KEYWARD_LOG_FORMAT=json for one JSON \
        object per line."
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
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage OAuth apps (third-party apps acting on behalf of people).
    #[command(subcommand, name = "oauth-app")]
    OauthApp(OauthAppCommand),
    /// Change an agency's settings.
    #[command(subcommand)]
    Agency(AgencyCommand),
    /// Manage an agency's workspaces.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Run the maintenance jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Fill an empty database with a demo agency: workspaces, users of every role, keys in every
    /// status with 60 days of usage, leads, properties, notifications and audit events.
    ///
    /// Prints how to sign in. Refuses a database that already has users.
    Demo(demo::DemoArgs),
    /// Copy the database (SQLite: a consistent snapshot, servers may keep running) and its pepper into
    /// a new directory. On PostgreSQL it saves the pepper and says how to pg_dump.
    Backup(backup::BackupArgs),
    /// Put a backup (a directory `keyward backup` wrote) into a new, empty data directory.
    Restore(backup::RestoreArgs),
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Run the maintenance jobs once: inactivity notices and deletion, expiry notices, sandbox reset.
    ///
    /// The server runs them on its own every KEYWARD_JOBS_EVERY; this runs them now, or as at the
    /// time given with --now. Running them twice, or beside a server, does each thing once.
    Run(jobs::JobsRun),
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Create an API key, with the same rules, limit and audit as the dashboard.
    ///
    /// Prints the token once, alone on stdout; everything else goes to stderr.
    /// Store it at once: it cannot be shown again.
    Create(keys::KeyCreate),
}

#[derive(Debug, Subcommand)]
enum OauthAppCommand {
    /// Register an OAuth app, with the same rules and audit as the dashboard.
    ///
    /// Prints `client_id: …` and, for a confidential app, `client_secret: …` once on stdout;
    /// everything else goes to stderr. Store the secret at once: it cannot be shown again.
    Create(oauth_apps::AppCreate),
}

#[derive(Debug, Subcommand)]
enum AgencyCommand {
    /// Change the key limit or the inactivity window (same rules and audit as the dashboard).
    Set(agency::AgencySet),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user, creating the agency and workspace if they are new.
    ///
    /// Without --password-stdin a password is generated and printed once, alone on stdout.
    Add(users::UserAdd),
    /// List the agency's people (tab-separated, with a header): email, name, role, status,
    /// workspaces, last sign-in, live keys acting as them.
    List(people::UserList),
    /// Disable a person: they cannot sign in and every session of theirs ends.
    ///
    /// Live keys acting as them are reassigned (--reassign-keys-to) or revoked (--revoke-keys);
    /// with neither they stay, refused with 401 "Acting user disabled", until someone does.
    Disable(people::Retire),
    /// Enable a disabled person again.
    Enable(people::PersonArgs),
    /// Remove a person from the team (their name stays on what they did); keys as for disable.
    Remove(people::Retire),
    /// Print a one-time password reset link for a person (valid 24 hours), alone on stdout.
    #[command(name = "reset-password")]
    ResetPassword(people::PersonArgs),
}

#[derive(Debug, Subcommand)]
enum WorkspaceCommand {
    /// Create a workspace.
    Add(people::WorkspaceAdd),
    /// Rename a workspace.
    Rename(people::WorkspaceRename),
    /// Archive a workspace: no new keys, its keys and tokens refused, its data kept.
    Archive(people::WorkspaceArg),
    /// Bring an archived workspace back into use.
    Restore(people::WorkspaceArg),
}

/// Runs the command line; returns the process exit code.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let config = cli.settings.resolve();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::User(UserCommand::Add(args)) => users::add_user(config, args).await,
        Command::User(UserCommand::List(args)) => people::list(config, args).await,
        Command::User(UserCommand::Disable(args)) => people::retire(config, args, false).await,
        Command::User(UserCommand::Enable(args)) => people::enable(config, args).await,
        Command::User(UserCommand::Remove(args)) => people::retire(config, args, true).await,
        Command::User(UserCommand::ResetPassword(args)) => people::reset_password(config, args).await,
        Command::Workspace(WorkspaceCommand::Add(args)) => people::workspace_add(config, args).await,
        Command::Workspace(WorkspaceCommand::Rename(args)) => people::workspace_rename(config, args).await,
        Command::Workspace(WorkspaceCommand::Archive(args)) => {
            people::workspace_archive(config, args, true).await
        }
        Command::Workspace(WorkspaceCommand::Restore(args)) => {
            people::workspace_archive(config, args, false).await
        }
        Command::Key(KeyCommand::Create(args)) => keys::create(config, args).await,
        Command::OauthApp(OauthAppCommand::Create(args)) => oauth_apps::create(config, args).await,
        Command::Agency(AgencyCommand::Set(args)) => agency::set(config, args).await,
        Command::Jobs(JobsCommand::Run(args)) => jobs::run(config, args).await,
        Command::Demo(args) => demo::run(config, args).await,
        Command::Backup(args) => backup::backup(config, args).await,
        Command::Restore(args) => backup::restore(config, args).await,
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

pub(super) enum Failure {
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
    let stop = shutdown_signal();
    let server = Server::start(config).await?;
    println!("keyward listening on http://{}", server.addr);
    tracing::info!(addr = %server.addr, %database, "serving");
    if let Some(link) = &server.setup_link {
        println!("First run: open {link} to create the agency and its first super manager.");
        println!("The link works once, and only until the first user exists.");
    }
    stop.await;
    tracing::info!("shutting down");
    server.stop().await?;
    Ok(())
}

/// Registers for SIGTERM and SIGINT (Ctrl-C) at once and returns the wait
/// for the first of them. Registered before the server starts: a signal
/// that arrives the moment the address is printed (a supervisor stopping
/// what it just started) stops it gracefully too, instead of killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        async fn first(signal: Option<Signal>) {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        let terminate = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            tokio::select! {
                () = first(terminate) => {},
                () = first(interrupt) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn migrate(config: Config) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    eprintln!("database is up to date ({})", config.database_label());
    Ok(())
}
