//! The counts of `/v1/analytics/leads`: leads created per UTC day and per
//! source in a range of days, counted in SQL, bounded by a [`Reach`].
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};

use super::leads::reachable;
use super::records::{Issues, Reach, ServiceError};
use crate::entities::lead;
use crate::models::crm::{DayCount, LeadAnalytics, SourceCount};

/// The first and last day of an analytics range: `to` defaults to today,
/// `from` to 29 days before `to`; at most 366 days.
pub fn day_range(
    from: Option<&str>,
    to: Option<&str>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let mut issues = Issues::default();
    let day = |issues: &mut Issues, field: &str, text: Option<&str>| match text {
        None => Some(None),
        Some(text) => issues
            .check(
                field,
                NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                    .ok()
                    // Four-digit years only (RFC 3339): the range's arithmetic
                    // (a day after `to`, 29 days before it) then cannot overflow.
                    .filter(|date| (1..=9999).contains(&date.year()))
                    .ok_or_else(|| {
                        format!("{field} must be a date like 2026-01-31, between 0001-01-01 and 9999-12-31")
                    }),
            )
            .map(Some),
    };
    let to = day(&mut issues, "to", to);
    let from = day(&mut issues, "from", from);
    issues.finish()?;
    let to = to.flatten().unwrap_or(today);
    // Never before 0001-01-01, as an explicit `from` cannot be.
    let earliest = NaiveDate::from_ymd_opt(1, 1, 1).expect("a date");
    let from = from
        .flatten()
        .unwrap_or((to - chrono::Days::new(29)).max(earliest));
    if from > to {
        return Err(ServiceError::field("from", "from must not be after to"));
    }
    if (to - from).num_days() > 366 {
        return Err(ServiceError::field("from", "A range may span at most 366 days"));
    }
    Ok((from, to))
}

/// Leads created per UTC day and per source between `from` and `to`
/// (inclusive), counted in SQL.
pub async fn analytics(
    db: &impl ConnectionTrait,
    reach: &Reach,
    workspace_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<LeadAnalytics, ServiceError> {
    let start = from.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
    let end = (to + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc();
    let mut condition = reachable(reach)
        .add(lead::Column::CreatedAt.gte(start))
        .add(lead::Column::CreatedAt.lt(end));
    if let Some(id) = workspace_id {
        condition = condition.add(lead::Column::WorkspaceId.eq(id));
    }
    let day: SimpleExpr = match db.get_database_backend() {
        DbBackend::Postgres => Expr::cust("to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        // Stored as UTC text starting with the date.
        _ => Expr::cust("substr(created_at, 1, 10)"),
    };

    #[derive(FromQueryResult)]
    struct ByDay {
        day: String,
        leads: i64,
    }
    let days: Vec<ByDay> = lead::Entity::find()
        .select_only()
        .column_as(day.clone(), "day")
        .column_as(Expr::col(lead::Column::Id).count(), "leads")
        .filter(condition.clone())
        .group_by(day)
        .into_model()
        .all(db)
        .await?;

    #[derive(FromQueryResult)]
    struct BySource {
        source: String,
        leads: i64,
    }
    let mut sources: Vec<BySource> = lead::Entity::find()
        .select_only()
        .column(lead::Column::Source)
        .column_as(Expr::col(lead::Column::Id).count(), "leads")
        .filter(condition)
        .group_by(lead::Column::Source)
        .into_model()
        .all(db)
        .await?;
    sources.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.source.cmp(&b.source)));

    let counted: BTreeMap<String, i64> = days.into_iter().map(|d| (d.day, d.leads)).collect();
    let by_day: Vec<DayCount> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let date = d.format("%Y-%m-%d").to_string();
            let leads = counted.get(&date).copied().unwrap_or(0);
            DayCount { date, leads }
        })
        .collect();
    Ok(LeadAnalytics {
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        total: by_day.iter().map(|d| d.leads).sum(),
        by_day,
        by_source: sources
            .into_iter()
            .map(|s| SourceCount {
                source: s.source,
                leads: s.leads,
            })
            .collect(),
    })
}
