//! `keyward demo`: fills an empty database with a realistic demo agency.
//!
//! Everything is written by the services the dashboard, the `/v1` API, the
//! usage recorder and the maintenance jobs use — with their `now` set in the
//! past where the demo needs history — so the demo holds exactly what the
//! product itself would have written, audit trail and notices included.
mod extra_keys;
mod key_table;
mod keys;
mod leads;
mod listings;
mod sandbox;
mod staff;
mod usage;

use anyhow::Context;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use sea_orm::DatabaseConnection;

use super::Failure;
use crate::domain::role::Role;
use crate::domain::token::Pepper;
use crate::server::config::Config;
use crate::server::services::accounts;
use crate::server::webhooks::group_commit::GroupCommit;
use crate::server::{db, jobs, pepper};
use keys::{issue_keys, raise_key_limit};
use leads::import_leads;
use listings::sync_listings;
use sandbox::write_test_records;
use staff::{add_staff, create_founder, generate_password, people};
use usage::record_usage;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Also write this many more keys (revoked or expired, in Downtown,
    /// without history of their own), to try the key table at scale.
    #[arg(long, value_name = "N", default_value_t = 0,
        value_parser = clap::value_parser!(u32).range(0..=i64::from(extra_keys::MAX_EXTRA_KEYS)))]
    extra_keys: u32,
}

const AGENCY: &str = "Harbor & Pine Realty";

const REFUSAL: &str = "the database already has users: keyward demo fills only an empty database";

/// How far back usage, leads and listings go.
const HISTORY_DAYS: i64 = 60;

pub async fn run(config: Config, args: DemoArgs) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    if accounts::has_users(&db).await? {
        return Err(Failure::Usage(REFUSAL.into()));
    }
    let pepper = pepper::load(&config, &db).await?;
    let password = generate_password();
    eprintln!("creating agency {AGENCY:?} with workspaces Downtown and Waterfront");
    let founder = create_founder(&db, &password).await?;
    // The services commit one change at a time: a failure leaves part of the demo behind.
    fill(&db, &pepper, founder, &password, args.extra_keys, Utc::now())
        .await
        .context("the demo stopped partway: run keyward demo again on an empty database")?;
    print_sign_in(&config, &password);
    Ok(())
}

/// The rest of the agency and what it did over the last [`HISTORY_DAYS`]
/// days, then what the maintenance jobs make of that at `now`.
async fn fill(
    db: &DatabaseConnection,
    pepper: &Pepper,
    founder: i64,
    password: &str,
    extra_keys: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut rng = StdRng::from_entropy();
    let agency = add_staff(db, founder, password).await?;
    let settings = raise_key_limit(db, &agency, now).await?;
    let keys = issue_keys(db, pepper, &agency, now).await?;
    eprintln!("created {} API keys", keys.len());
    if extra_keys > 0 {
        let written = extra_keys::issue_extra_keys(db, pepper, &agency, extra_keys, now, &mut rng).await?;
        eprintln!("wrote {written} more keys in Downtown, revoked or expired");
    }
    let requests = record_usage(db, &keys, now, &mut rng).await?;
    eprintln!("recorded {requests} API requests over the last {HISTORY_DAYS} days");
    // No endpoint exists yet: the records announce nothing.
    let commits = GroupCommit::start(db.clone());
    let leads = import_leads(db, &commits, &agency, &keys, now, &mut rng).await?;
    let listings = sync_listings(db, &commits, &agency, &keys, now).await?;
    let test_records = write_test_records(db, &commits, &agency, &keys, settings, now).await?;
    eprintln!("imported {leads} leads and {listings} properties, and {test_records} test-mode records");
    let report = jobs::run(db, now).await?;
    eprintln!(
        "maintenance jobs: {} inactivity notices, {} expiry notices",
        report.inactivity_notices, report.expiry_notices
    );
    Ok(())
}

/// How to sign in: the only output on stdout.
fn print_sign_in(config: &Config, password: &str) {
    println!("Demo agency \"{AGENCY}\" is ready.");
    for person in people() {
        let role = person.role.label().to_lowercase();
        let place = match person.role {
            Role::SuperManager => String::new(),
            _ => format!(" ({})", person.workspace.name()),
        };
        println!("  {role:<15}{}{place}", person.email);
    }
    println!("Password for every demo user: {password}");
    // A server listening on every interface is reached on this machine as localhost.
    let host = if config.addr.ip().is_unspecified() {
        format!("localhost:{}", config.addr.port())
    } else {
        config.addr.to_string()
    };
    println!("Start the server (keyward serve) and sign in at http://{host}/login");
}
