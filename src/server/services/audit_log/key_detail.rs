//! A key's own page: its metadata, where it was last used from, 30 days
//! of requests and its trail.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::refusal::RefusalReason;
use crate::entities::{audit_event, user, workspace};
use crate::models::audit::{DayCount, KeyDetail, TRAIL_LENGTH};
use crate::server::services::key_list::to_row;
use crate::server::services::keys::{visible_key, Caller, ServiceError};

use super::{readable, row};

/// Days the key page charts.
pub const CHART_DAYS: i64 = 30;

/// A key's page: the key as the table shows it, plus where it was last
/// used from, its requests per day for the last 30 days, and its trail.
/// Not found unless the caller may see the key.
pub async fn key_detail(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
    now: DateTime<Utc>,
) -> Result<KeyDetail, ServiceError> {
    let key = visible_key(db, caller, id).await?;
    let user_ids = [
        Some(key.act_as_user_id),
        key.created_by_user_id,
        key.revoked_by_user_id,
    ];
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids.into_iter().flatten()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let workspace_names: HashMap<i64, String> = match key.workspace_id {
        Some(ws) => workspace::Entity::find_by_id(ws)
            .one(db)
            .await?
            .map(|w| (w.id, w.name))
            .into_iter()
            .collect(),
        None => HashMap::new(),
    };
    let last_used_ip = key.last_used_ip.clone();
    let usage = usage_by_day(db, id, now.date_naive()).await?;
    let refusals = refusals_by_reason(db, id, now.date_naive()).await?;
    let trail_filter = readable(caller).add(audit_event::Column::KeyId.eq(id));
    let trail_total = audit_event::Entity::find()
        .filter(trail_filter.clone())
        .count(db)
        .await?;
    let trail = audit_event::Entity::find()
        .filter(trail_filter)
        .order_by_desc(audit_event::Column::CreatedAt)
        .order_by_desc(audit_event::Column::Id)
        .limit(TRAIL_LENGTH)
        .all(db)
        .await?
        .into_iter()
        .map(row)
        .collect();
    let session_tokens = crate::server::services::session_tokens::live_tokens(db, id, now).await?;
    let live = crate::server::services::session_tokens::live_counts(db, &[id.to_owned()], now).await?;
    let suspended = crate::server::services::key_list::suspended(db, std::slice::from_ref(&key), now).await?;
    let mut row = to_row(key, caller, &names, &workspace_names, now);
    row.live_session_tokens = live.get(id).copied().unwrap_or(0);
    row.suspended = suspended.get(id).map(|why| (*why).to_owned());
    Ok(KeyDetail {
        row,
        session_tokens,
        last_used_ip,
        usage,
        refusals,
        trail,
        trail_total,
    })
}

/// Requests refused in the [`CHART_DAYS`] days ending `today`, by reason.
async fn refusals_by_reason(
    db: &impl ConnectionTrait,
    id: &str,
    today: NaiveDate,
) -> Result<Vec<(RefusalReason, i64)>, DbErr> {
    let first = today - TimeDelta::days(CHART_DAYS - 1);
    let col = |name: &str| sea_orm::sea_query::Alias::new(name);
    let select = Query::select()
        .column(col("reason"))
        // SUM is numeric on PostgreSQL: an integer on both engines.
        .expr_as(Expr::cust("CAST(SUM(requests) AS BIGINT)"), col("requests"))
        .from(col("api_key_refusals_daily"))
        .and_where(Expr::col(col("key_id")).eq(id))
        .and_where(Expr::col(col("day")).gte(first))
        .and_where(Expr::col(col("day")).lte(today))
        .group_by_col(col("reason"))
        .to_owned();
    let backend = db.get_database_backend();
    let mut counted: HashMap<RefusalReason, i64> = HashMap::new();
    for row in db.query_all(backend.build(&select)).await? {
        let reason = row.try_get::<String>("", "reason")?;
        let requests = row.try_get::<i64>("", "requests")?;
        if let Some(reason) = RefusalReason::parse(&reason) {
            counted.insert(reason, requests);
        }
    }
    Ok(RefusalReason::ALL
        .into_iter()
        .map(|reason| (reason, counted.get(&reason).copied().unwrap_or(0)))
        .collect())
}

/// Requests per UTC day for the [`CHART_DAYS`] days ending `today`, oldest first.
async fn usage_by_day(db: &impl ConnectionTrait, id: &str, today: NaiveDate) -> Result<Vec<DayCount>, DbErr> {
    let first = today - TimeDelta::days(CHART_DAYS - 1);
    let daily = sea_orm::sea_query::Alias::new("api_key_usage_daily");
    let col = |name: &str| sea_orm::sea_query::Alias::new(name);
    let select = Query::select()
        .columns([col("day"), col("requests")])
        .from(daily)
        .and_where(Expr::col(col("key_id")).eq(id))
        .and_where(Expr::col(col("day")).gte(first))
        .and_where(Expr::col(col("day")).lte(today))
        .to_owned();
    let backend = db.get_database_backend();
    let counted: HashMap<NaiveDate, i64> = db
        .query_all(backend.build(&select))
        .await?
        .into_iter()
        .filter_map(|row| {
            Some((
                row.try_get::<NaiveDate>("", "day").ok()?,
                row.try_get::<i64>("", "requests").ok()?,
            ))
        })
        .collect();
    Ok((0..CHART_DAYS)
        .map(|n| {
            let day = first + TimeDelta::days(n);
            DayCount {
                day,
                requests: counted.get(&day).copied().unwrap_or(0),
            }
        })
        .collect())
}
