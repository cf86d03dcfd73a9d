//! `keyward jobs run [--now RFC3339]`: the maintenance jobs once, as at a
//! given time — what the server's scheduler does, for operators and tests.
use chrono::{DateTime, Datelike, Utc};

use super::Failure;
use crate::server::config::Config;
use crate::server::{db, jobs};

#[derive(Debug, clap::Args)]
pub struct JobsRun {
    /// Run as at this moment (RFC 3339, e.g. 2027-02-21T09:00:00Z) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_moment)]
    now: Option<DateTime<Utc>>,
}

fn parse_moment(text: &str) -> Result<DateTime<Utc>, String> {
    let at = DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.to_utc())
        .map_err(|e| format!("{e}: expected RFC 3339, like 2027-02-21T09:00:00Z"))?;
    // The jobs count days and years from it: keep their arithmetic in range.
    if !(1970..=9999).contains(&at.year()) {
        return Err("expected a moment between the years 1970 and 9999".into());
    }
    Ok(at)
}

pub async fn run(config: Config, args: JobsRun) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    let now = args.now.unwrap_or_else(Utc::now);
    let report = jobs::run(&db, now).await?;
    println!(
        "jobs ran as at {}: {} inactivity notices, {} keys deleted, {} expiry notices, {} sandbox resets ({} test records removed)",
        now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        report.inactivity_notices,
        report.deleted.len(),
        report.expiry_notices,
        report.sandbox_resets,
        report.sandbox_records,
    );
    Ok(())
}
