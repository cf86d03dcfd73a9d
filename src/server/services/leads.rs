//! Leads that keys import, list, read and update. Every query is bounded
//! by a [`Reach`]. The counts of `/v1/analytics/leads` are in
//! [`lead_analytics`](super::lead_analytics).

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr,
};

use super::key_list::folded_contains;
use super::records::{page_of, paging, target_workspace, Issues, Reach, ServiceError, Stamp};
use crate::domain::crm::{self, max};
use crate::domain::webhook_event::EventType;
use crate::entities::lead;
use crate::models::crm::{Lead, LeadChanges, LeadFilter, LeadList, NewLead};
use crate::server::webhooks::group_commit::GroupCommit;
use crate::server::webhooks::outbox::{Fanout, Scope};

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

pub(super) fn reachable(reach: &Reach) -> Condition {
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
    commits: &GroupCommit,
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
    // The lead and its `lead.created` message commit together, or neither;
    // with no endpoint subscribed, the insert alone.
    let scope = Scope {
        agency_id: reach.agency_id,
        workspace_id: Some(workspace_id),
        environment: reach.environment,
    };
    let fanout = Fanout::find(db, scope, EventType::LeadCreated).await?;
    let inserted = if fanout.is_empty() {
        model.insert(db).await.map(to_lead)
    } else {
        commits
            .commit(fanout, now, move |txn| {
                let model = model.clone();
                Box::pin(async move { Ok(Some(to_lead(model.insert(txn).await?))) })
            })
            .await
            .and_then(|lead| {
                lead.ok_or_else(|| sea_orm::DbErr::Custom("the import announced no lead".into()))
            })
    };
    match inserted {
        Ok(lead) => Ok((lead, true)),
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

/// The leads `filter` asks for, wherever they are: the one place its
/// fields become SQL, for `/v1/leads` and the dashboard's Leads page alike
/// (which bound it by their own reach, and page it their own way).
pub fn matching(filter: &LeadFilter) -> Condition {
    let mut condition = Condition::all();
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
    condition
}

/// A page of leads in reach, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    reach: &Reach,
    filter: &LeadFilter,
) -> Result<LeadList, ServiceError> {
    let (limit, after) = paging(filter.cursor.as_deref(), filter.limit)?;
    let mut condition = reachable(reach).add(matching(filter));
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
    commits: &GroupCommit,
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
    let scope = Scope {
        agency_id: reach.agency_id,
        workspace_id: Some(workspace_id_of(&active)),
        environment: reach.environment,
    };
    let fanout = Fanout::find(db, scope, EventType::LeadUpdated).await?;
    if fanout.is_empty() {
        return Ok(to_lead(active.update(db).await?));
    }
    commits
        .commit(fanout, now, move |txn| {
            let active = active.clone();
            Box::pin(async move { Ok(Some(to_lead(active.update(txn).await?))) })
        })
        .await?
        .ok_or(ServiceError::NotFound)
}

fn workspace_id_of(active: &lead::ActiveModel) -> i64 {
    crate::entities::value(&active.workspace_id)
        .copied()
        .unwrap_or_default()
}
