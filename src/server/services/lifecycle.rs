//! The maintenance jobs' work on one agency: warn about and delete keys
//! left unused for the agency's window, warn before keys expire, and purge
//! test-mode data once a week.
//!
//! Every effect is guarded by the database, never by timing: a notice by
//! its unique dedupe key, a deletion by a `DELETE` that re-checks the key is
//! still idle (only the runner whose delete removed the row audits and
//! notifies), a sandbox reset by its claim row in `job_runs`. Two runs at
//! once, on one instance or several, do each thing once.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::domain::role::Role;
use crate::entities::{agency, api_key, user};
use crate::server::services::notifications::{self, Notice};

mod expiry;
mod inactivity;
mod sandbox;

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
pub(super) fn count(n: i64, one: &str, many: &str) -> String {
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
    inactivity::run(db, agency, &super_managers, now, &mut report).await?;
    expiry::run(db, agency, &super_managers, now, &mut report).await?;
    sandbox::run(db, agency, &super_managers, now, &mut report).await?;
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

/// A notice about one key, for everyone [`recipients`] names.
pub(super) struct KeyNotice {
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub link: String,
    /// The notice's identity; each recipient's copy adds their id, so a
    /// second run (or another instance) sends nobody a copy twice.
    pub series: String,
}

/// Sends `notice` about `key` to the agency's super managers and the key's
/// creator; returns how many copies were new.
pub(super) async fn notify_about_key(
    db: &impl ConnectionTrait,
    agency_id: i64,
    super_managers: &[i64],
    key: &api_key::Model,
    notice: KeyNotice,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut sent = 0;
    for user_id in recipients(db, agency_id, super_managers, key.created_by_user_id).await? {
        let copy = Notice {
            agency_id,
            user_id,
            key_id: Some(key.id.clone()),
            kind: notice.kind,
            title: notice.title.clone(),
            body: notice.body.clone(),
            link: Some(notice.link.clone()),
            dedupe: format!("{}:{user_id}", notice.series),
            at: now,
        };
        sent += u64::from(notifications::send(db, copy).await?);
    }
    Ok(sent)
}
