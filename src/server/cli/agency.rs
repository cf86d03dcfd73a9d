//! `keyward agency set`: the agency settings a super manager changes in the dashboard.
use chrono::Utc;

use super::Failure;
use crate::server::config::Config;
use crate::server::db;
use crate::server::services::agency_settings::{self, AgencyChanges};
use crate::server::services::directory::{self, LookupError};
use crate::server::services::keys::{Caller, KeyError};

#[derive(Debug, clap::Args)]
pub struct AgencySet {
    /// The agency to change.
    #[arg(long)]
    agency: String,
    /// Most active keys per workspace, and agency-wide (1–1000).
    #[arg(long, value_name = "N")]
    max_active_keys: Option<i32>,
    /// Days a key may go unused before it is deleted (30–3650); notices go out 15, 7 and 1 days before.
    #[arg(long, value_name = "D")]
    inactivity_days: Option<i32>,
}

pub async fn set(config: Config, args: AgencySet) -> Result<(), Failure> {
    let changes = AgencyChanges {
        max_active_keys: args.max_active_keys,
        inactivity_days: args.inactivity_days,
    };
    if changes == AgencyChanges::default() {
        return Err(Failure::Usage(
            "nothing to change: give --max-active-keys or --inactivity-days".into(),
        ));
    }
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let agency = directory::agency_named(&db, &args.agency)
        .await
        .map_err(|err| match err {
            LookupError::Database(err) => Failure::Runtime(err.into()),
            other => Failure::Usage(other.to_string()),
        })?;
    let caller = Caller::command_line(agency.id);
    let after = agency_settings::change(&db, &caller, changes, Utc::now())
        .await
        .map_err(|err| match err {
            KeyError::Invalid(issues) => Failure::Usage(
                issues
                    .iter()
                    .map(|i| format!("--{}: {}", i.field.replace('_', "-"), i.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => Failure::Runtime(other.into()),
        })?;
    eprintln!(
        "agency {}: at most {} active keys per workspace and agency-wide; keys unused for {} days are deleted",
        agency.name, after.max_active_keys, after.inactivity_days
    );
    Ok(())
}
