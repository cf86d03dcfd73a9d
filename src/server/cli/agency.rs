//! `keyward agency set`: the agency settings a super manager changes in the dashboard.
use chrono::Utc;

use super::Failure;
use crate::domain::lifecycle::WEEKDAYS;
use crate::server::config::Config;
use crate::server::db;
use crate::server::services::agency_settings::{self, AgencyChanges, SandboxReset};
use crate::server::services::directory::{self, LookupError};
use crate::server::services::keys::{Caller, ServiceError};

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
    /// The day test-mode leads and properties are purged each week (sunday … saturday), or off.
    #[arg(long, value_name = "DAY", value_parser = parse_day)]
    sandbox_reset_day: Option<Option<i16>>,
    /// The hour (UTC, 0–23) of the weekly sandbox reset.
    #[arg(long, value_name = "H")]
    sandbox_reset_hour: Option<i16>,
}

/// "sunday" (or "sun", or 0) … "saturday" (6), or "off".
fn parse_day(text: &str) -> Result<Option<i16>, String> {
    let text = text.trim().to_ascii_lowercase();
    if text == "off" {
        return Ok(None);
    }
    if let Ok(n) = text.parse::<i16>() {
        return (0..=6)
            .contains(&n)
            .then_some(Some(n))
            .ok_or_else(|| "0 (Sunday) to 6 (Saturday), or off".into());
    }
    WEEKDAYS
        .iter()
        .position(|day| text.len() >= 3 && day.to_ascii_lowercase().starts_with(&text))
        .map(|n| Some(n as i16))
        .ok_or_else(|| "a day of the week (sunday … saturday), or off".into())
}

pub async fn set(config: Config, args: AgencySet) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let agency = directory::agency_named(&db, &args.agency)
        .await
        .map_err(|err| match err {
            LookupError::Database(err) => Failure::Runtime(err.into()),
            other => Failure::Usage(other.to_string()),
        })?;
    let sandbox_reset = match (args.sandbox_reset_day, args.sandbox_reset_hour) {
        (None, None) => None,
        (day, hour) => Some(SandboxReset {
            day: day.unwrap_or(agency.sandbox_reset_day),
            hour: hour.unwrap_or(agency.sandbox_reset_hour),
        }),
    };
    let changes = AgencyChanges {
        max_active_keys: args.max_active_keys,
        inactivity_days: args.inactivity_days,
        sandbox_reset,
    };
    if changes == AgencyChanges::default() {
        return Err(Failure::Usage(
            "nothing to change: give --max-active-keys, --inactivity-days, --sandbox-reset-day or --sandbox-reset-hour"
                .into(),
        ));
    }
    let caller = Caller::command_line(agency.id);
    let after = agency_settings::change(&db, &caller, changes, Utc::now())
        .await
        .map_err(|err| match err {
            ServiceError::Invalid(issues) => Failure::Usage(
                issues
                    .iter()
                    .map(|i| format!("--{}: {}", i.field.replace('_', "-"), i.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            other => Failure::Runtime(other.into()),
        })?;
    eprintln!(
        "agency {}: at most {} active keys per workspace and agency-wide; keys unused for {} days are deleted; \
         sandbox reset: {}",
        agency.name, after.max_active_keys, after.inactivity_days, after.sandbox_reset
    );
    Ok(())
}
