//! Leads that keys import, list, read and update, and the counts the
//! analytics endpoint reports. Every query is bounded by a [`Reach`].
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};

use super::key_list::folded_contains;
use super::records::{page_of, paging, target_workspace, Issues, Reach, ServiceError, Stamp};
use crate::domain::crm::{self, max};
use crate::entities::lead;
use crate::models::crm::{
    DayCount, Lead, LeadAnalytics, LeadChanges, LeadFilter, LeadList, NewLead, SourceCount,
};

/// The stored lead as the API shows it.
pub fn to_lead(model: lead::Model) -> Lead {
    let source_key = match (model.source_key_id, model.source_key_name) {
        (Some(id), Some(name)) => Some(crate::models::crm::SourceKey { id, name }),
        (Some(id), None) => Some(crate::models::crm::SourceKey {
            id,
            name: String::new(),
        }),
        _ => None,
    };
    Lead {
        id: model.id,
        workspace_id: model.workspace_id,
        environment: model.environment,
        external_id: model.external_id,
        first_name: model.first_name,
        last_name: model.last_name,
        email: model.email,
        phone: model.phone,
        source: model.source,
        status: model.status,
        notes: model.notes,
        source_key,
        acting_user_id: model.acting_user_id,
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

/// The text fields of a lead after their rules.
#[derive(Debug, Default)]
struct Fields {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    source: Option<String>,
    notes: Option<String>,
}

impl Fields {
    fn check(issues: &mut Issues, changes: &LeadChanges) -> Self {
        let line = |issues: &mut Issues, field: &str, label, value: &Option<String>, max| {
            value
                .as_deref()
                .and_then(|v| issues.check(field, crm::optional_line(label, v, max)))
        };
        Self {
            first_name: line(issues, "first_name", "First name", &changes.first_name, max::NAME),
            last_name: line(issues, "last_name", "Last name", &changes.last_name, max::NAME),
            email: changes
                .email
                .as_deref()
                .and_then(|v| issues.check("email", crm::optional_email(v))),
            phone: changes
                .phone
                .as_deref()
                .and_then(|v| issues.check("phone", crm::optional_phone(v))),
            source: line(issues, "source", "Source", &changes.source, max::SOURCE),
            notes: changes
                .notes
                .as_deref()
                .and_then(|v| issues.check("notes", crm::notes(v))),
        }
    }
}

const NO_CONTACT: &str = "A lead needs a name, an email or a phone";

fn reachable(reach: &Reach) -> Condition {
    reach.condition(
        lead::Column::AgencyId,
        lead::Column::WorkspaceId,
        lead::Column::Environment,
    )
}

/// Imports a lead. With an `external_id` the import is idempotent per key
/// and environment: sending it again returns the lead made the first time
/// (`false`: not created), even when two imports race.
pub async fn import(
    db: &DatabaseConnection,
    reach: &Reach,
    stamp: Stamp<'_>,
    new: &NewLead,
    now: DateTime<Utc>,
) -> Result<(Lead, bool), ServiceError> {
    let mut issues = Issues::default();
    let changes = LeadChanges {
        first_name: new.first_name.clone(),
        last_name: new.last_name.clone(),
        email: new.email.clone(),
        phone: new.phone.clone(),
        source: new.source.clone(),
        status: new.status,
        notes: new.notes.clone(),
    };
    let fields = Fields::check(&mut issues, &changes);
    let external_id = new
        .external_id
        .as_deref()
        .and_then(|v| issues.check("external_id", crm::external_id(v)));
    let workspace = match target_workspace(db, reach, new.workspace_id).await {
        Ok(id) => Some(id),
        Err(ServiceError::Invalid(found)) => {
            for issue in found {
                issues.add(&issue.field, issue.message);
            }
            None
        }
        Err(other) => return Err(other),
    };
    let contact = [
        &fields.first_name,
        &fields.last_name,
        &fields.email,
        &fields.phone,
    ]
    .iter()
    .any(|f| f.as_deref().is_some_and(|v| !v.is_empty()));
    let all_valid = [&new.first_name, &new.last_name, &new.email, &new.phone]
        .iter()
        .zip([
            &fields.first_name,
            &fields.last_name,
            &fields.email,
            &fields.phone,
        ])
        .all(|(sent, parsed)| sent.is_none() || parsed.is_some());
    if !contact && all_valid {
        issues.add("body", NO_CONTACT);
    }
    issues.finish()?;
    let workspace_id = workspace.expect("checked above");

    if let Some(external_id) = &external_id {
        if let Some(existing) = by_external_id(db, reach, stamp.key_id, external_id).await? {
            return Ok((to_lead(existing), false));
        }
    }
    let model = lead::ActiveModel {
        id: NotSet,
        agency_id: Set(reach.agency_id),
        workspace_id: Set(workspace_id),
        environment: Set(reach.environment),
        source_key_id: Set(Some(stamp.key_id.to_owned())),
        source_key_name: Set(Some(stamp.key_name.to_owned())),
        acting_user_id: Set(Some(stamp.acting_user_id)),
        external_id: Set(external_id.clone()),
        first_name: Set(fields.first_name.unwrap_or_default()),
        last_name: Set(fields.last_name.unwrap_or_default()),
        email: Set(fields.email.unwrap_or_default()),
        phone: Set(fields.phone.unwrap_or_default()),
        source: Set(fields.source.unwrap_or_default()),
        status: Set(new.status.unwrap_or_default()),
        notes: Set(fields.notes.unwrap_or_default()),
        created_at: Set(now),
        updated_at: Set(now),
        // Filled from the fields by the model's save hook.
        search_folded: NotSet,
    };
    match model.insert(db).await {
        Ok(created) => Ok((to_lead(created), true)),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            // Another import of the same external id won the race.
            let external_id = external_id.as_deref().ok_or(ServiceError::Database(err))?;
            let existing = by_external_id(db, reach, stamp.key_id, external_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            Ok((to_lead(existing), false))
        }
        Err(err) => Err(err.into()),
    }
}

async fn by_external_id(
    db: &impl ConnectionTrait,
    reach: &Reach,
    key_id: &str,
    external_id: &str,
) -> Result<Option<lead::Model>, ServiceError> {
    Ok(lead::Entity::find()
        .filter(lead::Column::SourceKeyId.eq(key_id))
        .filter(lead::Column::Environment.eq(reach.environment))
        .filter(lead::Column::ExternalId.eq(external_id))
        .filter(reachable(reach))
        .one(db)
        .await?)
}

/// A page of leads in reach, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    reach: &Reach,
    filter: &LeadFilter,
) -> Result<LeadList, ServiceError> {
    let (limit, after) = paging(filter.cursor.as_deref(), filter.limit)?;
    let mut condition = reachable(reach);
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        condition = condition.add(folded_contains(lead::Column::SearchFolded, q));
    }
    if let Some(status) = filter.status {
        condition = condition.add(lead::Column::Status.eq(status));
    }
    if let Some(source) = &filter.source {
        condition = condition.add(lead::Column::Source.eq(source.trim()));
    }
    if let Some(id) = filter.workspace_id {
        condition = condition.add(lead::Column::WorkspaceId.eq(id));
    }
    if let Some(key) = &filter.source_key_id {
        condition = condition.add(lead::Column::SourceKeyId.eq(key.trim()));
    }
    if let Some(after) = after {
        condition = condition.add(lead::Column::Id.lt(after));
    }
    let rows = lead::Entity::find()
        .filter(condition)
        .order_by_desc(lead::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let (rows, next_cursor) = page_of(rows, limit, |row| row.id);
    Ok(LeadList {
        data: rows.into_iter().map(to_lead).collect(),
        next_cursor,
    })
}

async fn find(db: &impl ConnectionTrait, reach: &Reach, id: i64) -> Result<lead::Model, ServiceError> {
    lead::Entity::find_by_id(id)
        .filter(reachable(reach))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

pub async fn get(db: &impl ConnectionTrait, reach: &Reach, id: i64) -> Result<Lead, ServiceError> {
    find(db, reach, id).await.map(to_lead)
}

/// Updates a lead the calling key imported; any other lead in reach is 403.
pub async fn update(
    db: &DatabaseConnection,
    reach: &Reach,
    key_id: &str,
    id: i64,
    changes: &LeadChanges,
    now: DateTime<Utc>,
) -> Result<Lead, ServiceError> {
    let existing = find(db, reach, id).await?;
    if existing.source_key_id.as_deref() != Some(key_id) {
        return Err(ServiceError::Forbidden(
            "this lead was imported by another key; only the key that imported a lead may update it".into(),
        ));
    }
    let mut issues = Issues::default();
    let fields = Fields::check(&mut issues, changes);
    issues.finish()?;
    let after = |new: &Option<String>, old: &str| new.clone().unwrap_or_else(|| old.to_owned());
    let first_name = after(&fields.first_name, &existing.first_name);
    let last_name = after(&fields.last_name, &existing.last_name);
    let email = after(&fields.email, &existing.email);
    let phone = after(&fields.phone, &existing.phone);
    if [&first_name, &last_name, &email, &phone]
        .iter()
        .all(|v| v.is_empty())
    {
        return Err(ServiceError::field("body", NO_CONTACT));
    }
    let mut active: lead::ActiveModel = existing.into();
    active.first_name = Set(first_name);
    active.last_name = Set(last_name);
    active.email = Set(email);
    active.phone = Set(phone);
    if let Some(source) = fields.source {
        active.source = Set(source);
    }
    if let Some(notes) = fields.notes {
        active.notes = Set(notes);
    }
    if let Some(status) = changes.status {
        active.status = Set(status);
    }
    active.updated_at = Set(now);
    Ok(to_lead(active.update(db).await?))
}

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
