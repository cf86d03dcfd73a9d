//! `keyward user list|disable|enable|remove|reset-password` and
//! `keyward workspace add|rename|archive|restore`: the Team and Workspaces
//! pages for operators, through the same services, rules and audit (actor
//! "command line"). Bad input exits 2 with a message naming the flag.
use chrono::Utc;

use super::keys::lookup;
use super::Failure;
use crate::domain::person::Status;
use crate::models::people::TeamSort;
use crate::server::config::Config;
use crate::server::key_cache::KeyCache;
use crate::server::services::directory;
use crate::server::services::error::ServiceError;
use crate::server::services::keys::Caller;
use crate::server::services::people::{self, KeyDecision, KeyDecisions};
use crate::server::services::workspaces;
use crate::server::{db, pepper};

/// Which agency: needed only when there are several.
#[derive(Debug, Clone, clap::Args)]
pub struct AgencyArg {
    /// The agency; may be left out while there is exactly one.
    #[arg(long)]
    agency: Option<String>,
}

/// Who, by email, in the agency.
#[derive(Debug, clap::Args)]
pub struct PersonArgs {
    #[command(flatten)]
    agency: AgencyArg,
    /// The person's email address.
    #[arg(long)]
    email: String,
}

#[derive(Debug, clap::Args)]
pub struct UserList {
    #[command(flatten)]
    agency: AgencyArg,
}

/// What becomes of the live keys acting as the person.
#[derive(Debug, clap::Args)]
pub struct Retire {
    #[command(flatten)]
    person: PersonArgs,
    /// Every live key acting as them acts as this person (email) instead;
    /// they must be active and may act in each key's workspace.
    #[arg(long, value_name = "EMAIL", conflicts_with = "revoke_keys")]
    reassign_keys_to: Option<String>,
    /// Every live key acting as them is revoked. Without this or
    /// --reassign-keys-to the keys stay, refused with 401 "Acting user
    /// disabled" until someone reassigns or revokes them.
    #[arg(long)]
    revoke_keys: bool,
}

#[derive(Debug, clap::Args)]
pub struct WorkspaceAdd {
    #[command(flatten)]
    agency: AgencyArg,
    /// The new workspace's name (1–200 characters, unique in the agency).
    #[arg(long)]
    name: String,
}

#[derive(Debug, clap::Args)]
pub struct WorkspaceRename {
    #[command(flatten)]
    agency: AgencyArg,
    /// The workspace to rename.
    #[arg(long)]
    name: String,
    /// Its new name (1–200 characters, unique in the agency).
    #[arg(long)]
    to: String,
}

#[derive(Debug, clap::Args)]
pub struct WorkspaceArg {
    #[command(flatten)]
    agency: AgencyArg,
    /// The workspace.
    #[arg(long)]
    name: String,
}

async fn open(config: &Config) -> Result<sea_orm::DatabaseConnection, Failure> {
    let db = db::connect(config).await?;
    db::migrate(&db).await?;
    Ok(db)
}

async fn agency(
    db: &sea_orm::DatabaseConnection,
    arg: &AgencyArg,
) -> Result<crate::entities::agency::Model, Failure> {
    directory::agency_or_sole(db, arg.agency.as_deref())
        .await
        .map_err(lookup)
}

/// A service's refusal in the words of the command line: the flag it is
/// about first (`flag` for a workspace's name and for a refusal of the
/// whole change).
fn refused(err: ServiceError, flag: &str) -> Failure {
    match err {
        ServiceError::Invalid(issues) => Failure::Usage(
            issues
                .iter()
                .map(|issue| {
                    let flag = match issue.field.as_str() {
                        "workspace" | "workspaces" => "--workspace",
                        field if field.starts_with("key_") => "--reassign-keys-to",
                        _ => flag,
                    };
                    format!("{flag}: {}", issue.message)
                })
                .fold(Vec::<String>::new(), |mut seen, line| {
                    if !seen.contains(&line) {
                        seen.push(line);
                    }
                    seen
                })
                .join("; "),
        ),
        ServiceError::Conflict(message) | ServiceError::Forbidden(message) => {
            Failure::Usage(format!("{flag}: {message}"))
        }
        ServiceError::NotFound => Failure::Usage(format!("{flag}: not found")),
        other => Failure::Runtime(other.into()),
    }
}

fn dash(text: Option<String>) -> String {
    text.unwrap_or_else(|| "-".to_owned())
}

/// `keyward user list`: one line per person (removed people are not
/// listed), tab-separated with a header, on stdout.
pub async fn list(config: Config, args: UserList) -> Result<(), Failure> {
    let db = open(&config).await?;
    let agency = agency(&db, &args.agency).await?;
    let caller = Caller::command_line(agency.id);
    let page = people::team(&db, &caller, "", TeamSort::Name, false, Utc::now())
        .await
        .map_err(|e| refused(e, "--agency"))?;
    println!("email\tname\trole\tstatus\tworkspaces\tlast sign-in\tkeys acting as them");
    for row in page.rows {
        let workspaces = if row.role == crate::domain::role::Role::SuperManager {
            "all".to_owned()
        } else if row.workspaces.is_empty() {
            "-".to_owned()
        } else {
            row.workspaces.join(", ")
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            row.email,
            row.name,
            row.role.as_str(),
            row.status.as_str(),
            workspaces,
            dash(
                row.last_sign_in
                    .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
            ),
            row.keys_acting
        );
    }
    Ok(())
}

async fn person(
    db: &sea_orm::DatabaseConnection,
    args: &PersonArgs,
) -> Result<(crate::entities::agency::Model, crate::entities::user::Model), Failure> {
    let agency = agency(db, &args.agency).await?;
    let found = directory::user_with_email(db, &agency, &args.email)
        .await
        .map_err(|e| match e {
            directory::LookupError::Database(err) => Failure::Runtime(err.into()),
            other => Failure::Usage(format!("--email: {other}")),
        })?;
    if found.status == Status::Removed.as_str() {
        return Err(Failure::Usage(format!(
            "--email: {} was removed from the team",
            found.email
        )));
    }
    Ok((agency, found))
}

/// `keyward user disable` and `keyward user remove`.
pub async fn retire(config: Config, args: Retire, removing: bool) -> Result<(), Failure> {
    let db = open(&config).await?;
    let (agency, found) = person(&db, &args.person).await?;
    let decisions = match (&args.reassign_keys_to, args.revoke_keys) {
        (Some(email), _) => {
            let to = directory::user_with_email(&db, &agency, email)
                .await
                .map_err(|e| match e {
                    directory::LookupError::Database(err) => Failure::Runtime(err.into()),
                    other => Failure::Usage(format!("--reassign-keys-to: {other}")),
                })?;
            KeyDecisions::All(KeyDecision::Reassign(to.id))
        }
        (None, true) => KeyDecisions::All(KeyDecision::Revoke),
        (None, false) => KeyDecisions::Leave,
    };
    let caller = Caller::command_line(agency.id);
    let cache = KeyCache::default();
    let now = Utc::now();
    let outcome = if removing {
        people::remove(&db, &cache, &caller, found.id, decisions, now).await
    } else {
        people::disable(&db, &cache, &caller, found.id, decisions, now).await
    }
    .map_err(|e| refused(e, "--email"))?;
    let done = if removing { "removed" } else { "disabled" };
    eprintln!("{done} {} ({}); their sessions ended", found.name, found.email);
    for (key, to) in &outcome.reassigned {
        eprintln!("key {key:?} now acts as {to}");
    }
    for key in &outcome.revoked {
        eprintln!("key {key:?} revoked");
    }
    if !outcome.left.is_empty() {
        eprintln!(
            "warning: {} key(s) still act as {} and are refused (401 \"Acting user disabled\") until reassigned or revoked: {}",
            outcome.left.len(),
            found.name,
            outcome
                .left
                .iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// `keyward user enable`.
pub async fn enable(config: Config, args: PersonArgs) -> Result<(), Failure> {
    let db = open(&config).await?;
    let (agency, found) = person(&db, &args).await?;
    let caller = Caller::command_line(agency.id);
    people::enable(&db, &KeyCache::default(), &caller, found.id, Utc::now())
        .await
        .map_err(|e| refused(e, "--email"))?;
    eprintln!("enabled {} ({}): they can sign in again", found.name, found.email);
    Ok(())
}

/// `keyward user reset-password`: prints the one-time link, alone on stdout.
pub async fn reset_password(config: Config, args: PersonArgs) -> Result<(), Failure> {
    let db = open(&config).await?;
    let pepper = pepper::load(&config, &db).await?;
    let (agency, found) = person(&db, &args).await?;
    let caller = Caller::command_line(agency.id);
    let origin = config
        .public_url
        .as_ref()
        .map(|url| url.origin())
        .unwrap_or_else(|| format!("http://{}", config.addr));
    let link = people::issue_reset(&db, &pepper, &caller, found.id, &origin, Utc::now())
        .await
        .map_err(|e| refused(e, "--email"))?;
    eprintln!(
        "password reset link for {} ({}), valid until {} (shown once; it works once):",
        link.person,
        link.email,
        link.expires_at.format("%Y-%m-%d %H:%M UTC")
    );
    println!("{}", link.link);
    Ok(())
}

/// `keyward workspace add`.
pub async fn workspace_add(config: Config, args: WorkspaceAdd) -> Result<(), Failure> {
    let db = open(&config).await?;
    let agency = agency(&db, &args.agency).await?;
    let caller = Caller::command_line(agency.id);
    workspaces::create(&db, &caller, &args.name, Utc::now())
        .await
        .map_err(|e| refused(e, "--name"))?;
    eprintln!("created workspace {} in agency {}", args.name.trim(), agency.name);
    Ok(())
}

async fn workspace(
    db: &sea_orm::DatabaseConnection,
    agency: &crate::entities::agency::Model,
    name: &str,
) -> Result<crate::entities::workspace::Model, Failure> {
    directory::workspace_named(db, agency, name)
        .await
        .map_err(|e| match e {
            directory::LookupError::Database(err) => Failure::Runtime(err.into()),
            other => Failure::Usage(format!("--name: {other}")),
        })
}

/// `keyward workspace rename`.
pub async fn workspace_rename(config: Config, args: WorkspaceRename) -> Result<(), Failure> {
    let db = open(&config).await?;
    let agency = agency(&db, &args.agency).await?;
    let found = workspace(&db, &agency, &args.name).await?;
    let caller = Caller::command_line(agency.id);
    workspaces::rename(&db, &KeyCache::default(), &caller, found.id, &args.to, Utc::now())
        .await
        .map_err(|e| refused(e, "--to"))?;
    eprintln!("renamed workspace {} to {}", found.name, args.to.trim());
    Ok(())
}

/// `keyward workspace archive` and `keyward workspace restore`.
pub async fn workspace_archive(config: Config, args: WorkspaceArg, archive: bool) -> Result<(), Failure> {
    let db = open(&config).await?;
    let agency = agency(&db, &args.agency).await?;
    let found = workspace(&db, &agency, &args.name).await?;
    let caller = Caller::command_line(agency.id);
    let name = workspaces::set_archived(&db, &KeyCache::default(), &caller, found.id, archive, Utc::now())
        .await
        .map_err(|e| refused(e, "--name"))?;
    if archive {
        eprintln!("archived workspace {name}: no new keys, its keys are refused, its data is kept");
    } else {
        eprintln!("restored workspace {name}: its keys work again");
    }
    Ok(())
}
