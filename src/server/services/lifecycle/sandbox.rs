//! The weekly sandbox reset: test-mode leads and properties purged once a
//! week, at the agency's day and hour, claimed in `job_runs`.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use super::{count, Report};
use crate::domain::environment::Environment;
use crate::domain::lifecycle::{format_moment, weekly_slot};
use crate::entities::{agency, job_run, lead, property};
use crate::server::services::notifications::{self, Notice};

/// The name of the sandbox reset in `job_runs`.
const SANDBOX_JOB: &str = "sandbox-reset";

pub(super) async fn run(
    db: &DatabaseConnection,
    agency: &agency::Model,
    super_managers: &[i64],
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<(), DbErr> {
    let Some(day) = agency.sandbox_reset_day else {
        return Ok(());
    };
    let Some(slot) = weekly_slot(now, day, agency.sandbox_reset_hour) else {
        return Ok(());
    };
    // The claim comes first: on SQLite it takes the write lock, on
    // PostgreSQL a second runner waits on the key and then finds it taken.
    let txn = db.begin().await?;
    let claimed = job_run::Entity::insert(job_run::ActiveModel {
        job: Set(SANDBOX_JOB.to_owned()),
        slot: Set(format!("{}:{}", agency.id, slot.to_rfc3339())),
        ran_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([job_run::Column::Job, job_run::Column::Slot])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if claimed == 0 {
        txn.rollback().await?;
        return Ok(());
    }
    // Only what existed at the reset's hour: a late run spares newer data.
    let test = Environment::Test.as_str();
    let leads = lead::Entity::delete_many()
        .filter(lead::Column::AgencyId.eq(agency.id))
        .filter(lead::Column::Environment.eq(test))
        .filter(lead::Column::CreatedAt.lt(slot))
        .exec(&txn)
        .await?
        .rows_affected;
    let properties = property::Entity::delete_many()
        .filter(property::Column::AgencyId.eq(agency.id))
        .filter(property::Column::Environment.eq(test))
        .filter(property::Column::CreatedAt.lt(slot))
        .exec(&txn)
        .await?
        .rows_affected;
    if leads + properties > 0 {
        let body = format!(
            "The weekly sandbox reset removed {} and {} that test keys had written before {}. \
             Live data was not touched.",
            count(leads as i64, "test lead", "test leads"),
            count(properties as i64, "test property", "test properties"),
            format_moment(slot)
        );
        for user_id in super_managers {
            notifications::send(
                &txn,
                Notice {
                    agency_id: agency.id,
                    user_id: *user_id,
                    key_id: None,
                    kind: "sandbox",
                    title: "Test data was reset".to_owned(),
                    body: body.clone(),
                    link: Some("/admin/leads?mode=test".to_owned()),
                    dedupe: format!("sandbox:{}:{}:{user_id}", agency.id, slot.timestamp()),
                    at: now,
                },
            )
            .await?;
        }
    }
    txn.commit().await?;
    report.sandbox_resets += 1;
    report.sandbox_records += leads + properties;
    tracing::info!(agency = agency.id, leads, properties, "sandbox reset");
    Ok(())
}
