//! The maintenance jobs' work on one agency: warn about and delete keys
//! left unused for the agency's window, warn before keys expire, and purge
//! test-mode data once a week.
//!
//! Every effect is guarded by the database, never by timing: a notice by
//! its unique dedupe key, a deletion by a `DELETE` that re-checks the key is
//! still idle (only the runner whose delete removed the row audits and
//! notifies), a sandbox reset by its claim row in `job_runs`. Two runs at
//! once, on one instance or several, do each thing once.
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use serde_json::json;

use super::audit::{self, Who};
use super::notifications::{self, Notice};
use crate::domain::environment::Environment;
use crate::domain::lifecycle::{
    days_until, due_notice, format_moment, inactivity_deadline, weekly_slot, EXPIRY_NOTICE_DAYS,
    INACTIVITY_NOTICE_DAYS,
};
use crate::domain::role::Role;
use crate::entities::{agency, api_key, job_run, lead, property, user};
use crate::server::key_cache::announce;

/// What one run did (only this runner's share when several run at once).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub inactivity_notices: u64,
    pub expiry_notices: u64,
    /// Ids of the keys this run deleted for inactivity.
    pub deleted: Vec<String>,
    pub sandbox_resets: u64,
    pub sandbox_records: u64,
}

impl Report {
    pub fn add(&mut self, other: Report) {
        self.inactivity_notices += other.inactivity_notices;
        self.expiry_notices += other.expiry_notices;
        self.deleted.extend(other.deleted);
        self.sandbox_resets += other.sandbox_resets;
        self.sandbox_records += other.sandbox_records;
    }
}

/// Where a notice about a key leads: the key's own page.
pub fn key_link(id: &str) -> String {
    format!("/admin/profile/developer-settings/keys/{id}")
}

/// "1 day", "3 days".
fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Runs every job for one agency, as at `now`.
pub async fn run_for_agency(
    db: &DatabaseConnection,
    agency: &agency::Model,
    now: DateTime<Utc>,
) -> Result<Report, DbErr> {
    let super_managers: Vec<i64> = user::Entity::find()
        .filter(user::Column::AgencyId.eq(agency.id))
        .filter(user::Column::Role.eq(Role::SuperManager.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let mut report = Report::default();
    inactivity(db, agency, &super_managers, now, &mut report).await?;
    expiry(db, agency, &super_managers, now, &mut report).await?;
    sandbox_reset(db, agency, &super_managers, now, &mut report).await?;
    Ok(report)
}

/// The agency's super managers and the key's creator, each once.
async fn recipients(
    db: &impl ConnectionTrait,
    agency_id: i64,
    super_managers: &[i64],
    creator: Option<i64>,
) -> Result<Vec<i64>, DbErr> {
    let mut to = super_managers.to_vec();
    if let Some(creator) = creator.filter(|c| !to.contains(c)) {
        // The creator may have left the agency since.
        let still_here = user::Entity::find_by_id(creator)
            .filter(user::Column::AgencyId.eq(agency_id))
            .one(db)
            .await?
            .is_some();
        if still_here {
            to.push(creator);
        }
    }
    Ok(to)
}

/// Idle since at or before `before`: last used then, or never used and created then.
fn idle_since(before: DateTime<Utc>) -> Condition {
    Condition::any().add(api_key::Column::LastUsedAt.lte(before)).add(
        Condition::all()
            .add(api_key::Column::LastUsedAt.is_null())
            .add(api_key::Column::CreatedAt.lte(before)),
    )
}

async fn inactivity(
    db: &DatabaseConnection,
    agency: &agency::Model,
    super_managers: &[i64],
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<(), DbErr> {
    let window = u32::try_from(agency.inactivity_days).unwrap_or(90).max(1);
    let first_notice = INACTIVITY_NOTICE_DAYS.iter().max().copied().unwrap_or(0);
    let horizon = now - TimeDelta::days(i64::from(window.saturating_sub(first_notice)));
    let idle = api_key::Entity::find()
        .filter(api_key::Column::AgencyId.eq(agency.id))
        .filter(idle_since(horizon))
        .all(db)
        .await?;
    for key in idle {
        let last_activity = key.last_used_at.unwrap_or(key.created_at);
        let deadline = inactivity_deadline(last_activity, window);
        if now >= deadline {
            if delete_idle(db, agency, super_managers, &key, window, now).await? {
                report.deleted.push(key.id.clone());
            }
            continue;
        }
        // A revoked key cannot be kept by using it, and a key that expires
        // first gets its expiry notices instead.
        let dies_first = key.expires_at.is_some_and(|at| at <= deadline);
        if key.revoked_at.is_some() || dies_first {
            continue;
        }
        let Some(notice_day) = due_notice(now, deadline, &INACTIVITY_NOTICE_DAYS) else {
            continue;
        };
        let since = match key.last_used_at {
            Some(at) => format!("It was last used on {}", format_moment(at)),
            None => format!(
                "It has not been used since it was created on {}",
                format_moment(key.created_at)
            ),
        };
        let title = format!(
            "API key “{}” will be deleted in {}",
            key.name,
            count(days_until(now, deadline), "day", "days")
        );
        let body = format!(
            "{since}. Keys unused for {window} days are deleted: this one will be deleted on {}. \
             To keep it, make any successful API request with it — every request resets the clock.",
            format_moment(deadline)
        );
        for user_id in recipients(db, agency.id, super_managers, key.created_by_user_id).await? {
            let sent = notifications::send(
                db,
                Notice {
                    agency_id: agency.id,
                    user_id,
                    key_id: Some(key.id.clone()),
                    kind: "inactivity",
                    title: title.clone(),
                    body: body.clone(),
                    link: Some(key_link(&key.id)),
                    dedupe: format!(
                        "inactivity:{}:{}:{notice_day}:{user_id}",
                        key.id,
                        deadline.timestamp()
                    ),
                    at: now,
                },
            )
            .await?;
            report.inactivity_notices += u64::from(sent);
        }
    }
    Ok(())
}

/// Deletes the key if it is still idle past the window, with its audit
/// event and notices, in one transaction. False when another runner (or a
/// request that just used it) got there first.
async fn delete_idle(
    db: &DatabaseConnection,
    agency: &agency::Model,
    super_managers: &[i64],
    key: &api_key::Model,
    window: u32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let gone = api_key::Entity::delete_many()
        .filter(api_key::Column::Id.eq(key.id.as_str()))
        .filter(idle_since(now - TimeDelta::days(i64::from(window))))
        .exec(&txn)
        .await?
        .rows_affected;
    if gone == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    let last_activity = key.last_used_at.unwrap_or(key.created_at);
    audit::record(
        &txn,
        audit::Event {
            agency_id: agency.id,
            who: &Who::System,
            ip: None,
            action: "auto-deleted",
            key: Some((&key.id, &key.name)),
            details: json!({
                "reason": format!("unused for {window} days"),
                "last_used_at": key.last_used_at,
                "created_at": key.created_at,
                "environment": key.environment,
                "scopes": key.scopes,
            }),
            at: now,
        },
    )
    .await?;
    announce(&txn, &key.id, now).await?;
    let body = format!(
        "It had not been used since {} and the agency deletes keys unused for {window} days. \
         Integrations still holding it are refused. The audit log keeps its history.",
        format_moment(last_activity)
    );
    for user_id in recipients(&txn, agency.id, super_managers, key.created_by_user_id).await? {
        notifications::send(
            &txn,
            Notice {
                agency_id: agency.id,
                user_id,
                key_id: Some(key.id.clone()),
                kind: "deleted",
                title: format!("API key “{}” was deleted after {window} days unused", key.name),
                body: body.clone(),
                link: Some(format!(
                    "/admin/profile/developer-settings/audit-log?key={}",
                    key.id
                )),
                dedupe: format!("deleted:{}:{user_id}", key.id),
                at: now,
            },
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(key = %key.id, agency = agency.id, "key auto-deleted after {window} idle days");
    Ok(true)
}

async fn expiry(
    db: &DatabaseConnection,
    agency: &agency::Model,
    super_managers: &[i64],
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<(), DbErr> {
    let first_notice = EXPIRY_NOTICE_DAYS.iter().max().copied().unwrap_or(0);
    let expiring = api_key::Entity::find()
        .filter(api_key::Column::AgencyId.eq(agency.id))
        .filter(api_key::Column::RevokedAt.is_null())
        .filter(api_key::Column::ExpiresAt.gt(now))
        .filter(api_key::Column::ExpiresAt.lte(now + TimeDelta::days(i64::from(first_notice))))
        .all(db)
        .await?;
    for key in expiring {
        let Some(expires_at) = key.expires_at else {
            continue;
        };
        let Some(notice_day) = due_notice(now, expires_at, &EXPIRY_NOTICE_DAYS) else {
            continue;
        };
        let title = format!(
            "API key “{}” expires in {}",
            key.name,
            count(days_until(now, expires_at), "day", "days")
        );
        let body = format!(
            "It stops working on {}. Create a new key before then and move the integration \
             that uses it to the new one.",
            format_moment(expires_at)
        );
        for user_id in recipients(db, agency.id, super_managers, key.created_by_user_id).await? {
            let sent = notifications::send(
                db,
                Notice {
                    agency_id: agency.id,
                    user_id,
                    key_id: Some(key.id.clone()),
                    kind: "expiry",
                    title: title.clone(),
                    body: body.clone(),
                    link: Some(key_link(&key.id)),
                    dedupe: format!(
                        "expiry:{}:{}:{notice_day}:{user_id}",
                        key.id,
                        expires_at.timestamp()
                    ),
                    at: now,
                },
            )
            .await?;
            report.expiry_notices += u64::from(sent);
        }
    }
    Ok(())
}

/// The name of the sandbox reset in `job_runs`.
const SANDBOX_JOB: &str = "sandbox-reset";

async fn sandbox_reset(
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
