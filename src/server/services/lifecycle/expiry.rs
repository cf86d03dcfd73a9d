//! Keys about to expire: notices 7 days and 1 day before.
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::{count, key_link, notify_about_key, KeyNotice, Report};
use crate::domain::lifecycle::{days_until, due_notice, format_moment, EXPIRY_NOTICE_DAYS};
use crate::domain::webhook_event::EventType;
use crate::entities::{agency, api_key};
use crate::server::webhooks::events::{announce_key_once, KeyEventData};

pub(super) async fn run(
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
        let notice = KeyNotice {
            kind: "expiry",
            title,
            body,
            link: key_link(&key.id),
            series: format!("expiry:{}:{}:{notice_day}", key.id, expires_at.timestamp()),
        };
        let once = notice.series.clone();
        report.expiry_notices += notify_about_key(db, agency.id, super_managers, &key, notice, now).await?;
        announce_key_once(
            db,
            &key,
            EventType::KeyExpiring,
            &KeyEventData::of(&key),
            &once,
            now,
        )
        .await?;
    }
    Ok(())
}
