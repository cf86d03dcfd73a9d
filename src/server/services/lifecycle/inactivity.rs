//! Keys left unused: the 15-, 7- and 1-day notices, then the deletion.
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;

use super::{count, key_link, notify_about_key, KeyNotice, Report};
use crate::domain::audit_action::AuditAction;
use crate::domain::lifecycle::{
    days_until, due_notice, format_moment, inactivity_deadline, INACTIVITY_NOTICE_DAYS,
};
use crate::domain::webhook_event::EventType;
use crate::entities::{agency, api_key};
use crate::server::key_cache::announce;
use crate::server::services::audit::{self, Who};
use crate::server::webhooks::events::{announce_key, announce_key_once, KeyEventData};

/// Idle since at or before `before`: last used then, or never used and created then.
fn idle_since(before: DateTime<Utc>) -> Condition {
    Condition::any().add(api_key::Column::LastUsedAt.lte(before)).add(
        Condition::all()
            .add(api_key::Column::LastUsedAt.is_null())
            .add(api_key::Column::CreatedAt.lte(before)),
    )
}

pub(super) async fn run(
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
             To keep it, make any API request with it — every request resets the clock, \
             except one refused for a missing scope, its IP allowlist or its rate limit.",
            format_moment(deadline)
        );
        let notice = KeyNotice {
            kind: "inactivity",
            title,
            body,
            link: key_link(&key.id),
            series: format!("inactivity:{}:{}:{notice_day}", key.id, deadline.timestamp()),
        };
        let once = notice.series.clone();
        report.inactivity_notices +=
            notify_about_key(db, agency.id, super_managers, &key, notice, now).await?;
        let data = KeyEventData {
            deletes_at: Some(deadline),
            ..KeyEventData::of(&key)
        };
        // The message and its deliveries together (a write first: SQLite
        // takes the lock before reading).
        let txn = crate::server::services::keys::begin_for_agency(db, agency.id).await?;
        announce_key_once(&txn, &key, EventType::KeyInactiveWarning, &data, &once, now).await?;
        txn.commit().await?;
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
            action: AuditAction::AutoDeleted,
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
    announce_key(&txn, key, EventType::KeyAutoDeleted, &KeyEventData::of(key), now).await?;
    let body = format!(
        "It had not been used since {} and the agency deletes keys unused for {window} days. \
         Integrations still holding it are refused. The audit log keeps its history.",
        format_moment(last_activity)
    );
    let notice = KeyNotice {
        kind: "deleted",
        title: format!("API key “{}” was deleted after {window} days unused", key.name),
        body,
        link: format!("/admin/profile/developer-settings/audit-log?key={}", key.id),
        series: format!("deleted:{}", key.id),
    };
    notify_about_key(&txn, agency.id, super_managers, key, notice, now).await?;
    txn.commit().await?;
    tracing::info!(key = %key.id, agency = agency.id, "key auto-deleted after {window} idle days");
    Ok(true)
}
