//! `keyward key create`: the dashboard's Create API key, for scripts.
use chrono::Utc;

use super::Failure;
use crate::domain::environment::Environment;
use crate::domain::scopes::Scope;
use crate::models::keys::NewKeyForm;
use crate::models::FieldIssue;
use crate::server::config::Config;
use crate::server::key_cache::KeyCache;
use crate::server::services::directory::{self, LookupError};
use crate::server::services::keys::{self as key_service, Caller, KeyRequest, ServiceError};
use crate::server::{db, pepper};

/// Requests per second when --rate-limit is not given.
const DEFAULT_RATE_LIMIT: u32 = 100;

#[derive(Debug, clap::Args)]
pub struct KeyCreate {
    /// The agency the key belongs to.
    #[arg(long)]
    agency: String,
    /// A name that says what uses the key (1–64 characters).
    #[arg(long)]
    name: String,
    /// Comma-separated scopes: read:properties, write:properties, read:leads,
    /// write:leads, read:agents, read:analytics, admin (admin implies all the others).
    #[arg(long, value_delimiter = ',', required = true)]
    scopes: Vec<String>,
    /// The workspace the key works in [default: agency-wide].
    #[arg(long)]
    workspace: Option<String>,
    /// live or test: test keys see only test-mode data.
    #[arg(long, default_value = "live", value_parser = parse_environment)]
    env: Environment,
    /// Email of the user the key acts as [default: the agency's first super manager].
    #[arg(long, value_name = "EMAIL")]
    act_as: Option<String>,
    /// 1w, 1m, 3m, 1y or never; or a date (YYYY-MM-DD, UTC) through which the key is valid.
    #[arg(long, default_value = "3m")]
    validity: String,
    /// Requests per second allowed for the key; 0 = unlimited.
    #[arg(long, default_value_t = DEFAULT_RATE_LIMIT, value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    rate_limit: u32,
}

/// `--env`: live or test (shared by the commands that take it).
pub(super) fn parse_environment(raw: &str) -> Result<Environment, String> {
    raw.parse().map_err(|_| "use live or test".to_owned())
}

pub async fn create(config: Config, args: KeyCreate) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let pepper = pepper::load(&config, &db).await?;

    let agency = directory::agency_named(&db, &args.agency).await.map_err(lookup)?;
    let workspace = match &args.workspace {
        Some(name) => Some(
            directory::workspace_named(&db, &agency, name)
                .await
                .map_err(lookup)?,
        ),
        None => None,
    };
    let act_as = match &args.act_as {
        Some(email) => directory::user_with_email(&db, &agency, email).await,
        None => directory::first_super_manager(&db, &agency).await,
    }
    .map_err(lookup)?;

    let (validity, custom_date) = match args.validity.trim() {
        preset @ ("1w" | "1m" | "3m" | "1y" | "never") => (preset.to_owned(), String::new()),
        date => ("custom".to_owned(), date.to_owned()),
    };
    let form = NewKeyForm {
        name: args.name,
        workspace: workspace.as_ref().map(|w| w.id.to_string()).unwrap_or_default(),
        act_as: act_as.id.to_string(),
        validity,
        custom_date,
        environment: args.env.as_str().to_owned(),
        scopes: args.scopes.iter().map(|s| s.trim().to_owned()).collect(),
    };
    let caller = Caller::command_line(agency.id);
    let now = Utc::now();
    let request = KeyRequest::from_form(&form, Some(args.rate_limit), now)
        .map_err(|issues| Failure::Usage(describe(&issues)))?;
    // The command line serves no requests: a fresh cache stands in for a
    // server's; the servers hear of the new key through its announcement.
    let key = key_service::create(&db, &KeyCache::default(), &pepper, &caller, request, now)
        .await
        .map_err(|err| match err {
            ServiceError::Invalid(issues) => Failure::Usage(describe(&issues)),
            ServiceError::Conflict(message) => Failure::Runtime(anyhow::anyhow!(message)),
            other => Failure::Runtime(other.into()),
        })?;

    let place = workspace
        .map(|w| format!("in workspace {}", w.name))
        .unwrap_or_else(|| "agency-wide".into());
    eprintln!(
        "created {} key {:?} ({}) {place}, acting as {}",
        args.env.as_str(),
        key.name,
        key.api_key,
        act_as.email
    );
    eprintln!("token (shown once, store it now):");
    println!("{}", key.token);
    Ok(())
}

pub(super) fn lookup(err: LookupError) -> Failure {
    match err {
        LookupError::Database(err) => Failure::Runtime(err.into()),
        other => Failure::Usage(other.to_string()),
    }
}

/// Field issues in the words of the command line's flags.
fn describe(issues: &[FieldIssue]) -> String {
    issues
        .iter()
        .map(|issue| {
            let flag = match issue.field.as_str() {
                "name" => "--name",
                "workspace" => "--workspace",
                "act_as" => "--act-as",
                "validity" | "custom_date" => "--validity",
                "environment" => "--env",
                "scopes" => "--scopes",
                _ => "",
            };
            // A message that already lists the scopes needs no hint.
            let hint = if flag == "--scopes" && !issue.message.contains("choose from") {
                format!(
                    " (one of {})",
                    Scope::offered().map(Scope::as_str).collect::<Vec<_>>().join(", ")
                )
            } else {
                String::new()
            };
            format!("{flag}: {}{hint}", issue.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
