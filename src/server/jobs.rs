//! The maintenance jobs — inactivity notices and deletion, expiry notices,
//! the weekly sandbox reset — run by a scheduler inside every server and by
//! `keyward jobs run [--now]`. Every run does the same work for every
//! agency, as at the time it is given; what a run may do only once is
//! guarded in the database (see `services::lifecycle`), so any number of
//! servers may schedule them on one database.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::task::JoinHandle;

use crate::entities::agency;
use crate::server::services::lifecycle::{self, Report};
use crate::server::state::AppState;

/// How long after start the scheduler first runs: long enough that a
/// starting server is serving, short enough that a restart catches up soon.
const FIRST_RUN_AFTER: Duration = Duration::from_secs(5);

/// Runs every job for every agency, as at `now`. One agency's failure is
/// logged and does not stop the others; the first error is returned after.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Report, DbErr> {
    let mut report = Report::default();
    let mut first_error = None;
    for agency in agency::Entity::find().all(db).await? {
        match lifecycle::run_for_agency(db, &agency, now).await {
            Ok(done) => report.add(done),
            Err(err) => {
                tracing::error!(agency = agency.id, error = %err, "maintenance jobs failed for an agency");
                first_error.get_or_insert(err);
            }
        }
    }
    match first_error {
        Some(err) => Err(err),
        None => Ok(report),
    }
}

/// Runs the jobs every `every` for as long as the server runs. Usage this
/// server counted is written first, so a key used a moment ago is not
/// taken for idle; the keys deleted leave this server's cache at once.
pub fn spawn_scheduler(state: AppState, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(FIRST_RUN_AFTER).await;
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(err) = state.usage.flush(&state.db).await {
                tracing::warn!(error = %err, "writing key usage before the jobs failed");
            }
            match run(&state.db, Utc::now()).await {
                Ok(report) => {
                    for id in &report.deleted {
                        state.keys.forget(id);
                    }
                    tracing::debug!(?report, "maintenance jobs ran");
                }
                Err(err) => tracing::warn!(error = %err, "maintenance jobs failed; will retry"),
            }
        }
    })
}
