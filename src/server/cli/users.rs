//! `keyward user add`.
use std::io::Read;

use rand::distributions::Alphanumeric;
use rand::Rng;

use super::Failure;
use crate::domain::fields::{DisplayName, Email, NewPassword};
use crate::domain::role::Role;
use crate::server::config::Config;
use crate::server::db;
use crate::server::services::accounts::{self, AccountError, NewUser};

#[derive(Debug, clap::Args)]
pub struct UserAdd {
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

pub(super) fn parse_name(raw: &str) -> Result<DisplayName, String> {
    DisplayName::parse("The name", raw).map_err(|e| e.to_string())
}

pub async fn add_user(config: Config, args: UserAdd) -> Result<(), Failure> {
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
        AccountError::EmailTaken(_)
        | AccountError::NoAgency
        | AccountError::SeveralAgencies
        | AccountError::WorkspaceArchived(_) => Failure::Usage(err.to_string()),
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
