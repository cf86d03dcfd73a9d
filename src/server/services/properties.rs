//! Listings that keys keep in sync: upsert by the client's external id,
//! list, read, delete. Every query is bounded by a [`Reach`].
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr,
};

use super::key_list::folded_contains;
use super::records::{page_of, paging, target_workspace, Issues, Reach, ServiceError, Stamp};
use crate::domain::crm::{self, max};
use crate::domain::fields::parse_line;
use crate::domain::webhook_event::EventType;
use crate::entities::property;
use crate::models::crm::{Property, PropertyFilter, PropertyInput, PropertyList, SourceKey};
use crate::server::webhooks::group_commit::GroupCommit;
use crate::server::webhooks::outbox::{Fanout, Scope};

pub fn to_property(model: property::Model) -> Property {
    Property {
        id: model.id,
        workspace_id: model.workspace_id,
        environment: model.environment,
        external_id: model.external_id,
        title: model.title,
        address: model.address,
        city: model.city,
        price_cents: model.price_cents,
        bedrooms: model.bedrooms,
        status: model.status,
        source_key: model.source_key_id.map(|id| SourceKey {
            id,
            name: model.source_key_name.unwrap_or_default(),
        }),
        acting_user_id: model.acting_user_id,
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

fn reachable(reach: &Reach) -> Condition {
    reach.condition(
        property::Column::AgencyId,
        property::Column::WorkspaceId,
        property::Column::Environment,
    )
}

/// A listing that passed every field rule.
struct Checked {
    external_id: String,
    workspace_id: i64,
    title: String,
    address: String,
    city: String,
    price_cents: Option<i64>,
    bedrooms: Option<i32>,
}

async fn check(
    db: &impl ConnectionTrait,
    reach: &Reach,
    external_id: &str,
    input: &PropertyInput,
) -> Result<Checked, ServiceError> {
    let mut issues = Issues::default();
    let external_id = issues.check("external_id", crm::external_id(external_id));
    let title = issues.check("title", parse_line("Title", &input.title, max::TITLE));
    let address = issues.check(
        "address",
        crm::optional_line("Address", input.address.as_deref().unwrap_or(""), max::ADDRESS),
    );
    let city = issues.check(
        "city",
        crm::optional_line("City", input.city.as_deref().unwrap_or(""), max::CITY),
    );
    if input
        .price_cents
        .is_some_and(|p| !(0..=max::PRICE_CENTS).contains(&p))
    {
        issues.add(
            "price_cents",
            format!("price_cents must be between 0 and {}", max::PRICE_CENTS),
        );
    }
    if input.bedrooms.is_some_and(|b| !(0..=max::BEDROOMS).contains(&b)) {
        issues.add(
            "bedrooms",
            format!("bedrooms must be between 0 and {}", max::BEDROOMS),
        );
    }
    let workspace = match target_workspace(db, reach, input.workspace_id).await {
        Ok(id) => Some(id),
        Err(ServiceError::Invalid(found)) => {
            for issue in found {
                issues.add(&issue.field, issue.message);
            }
            None
        }
        Err(other) => return Err(other),
    };
    issues.finish()?;
    match (external_id, title, address, city, workspace) {
        (Some(external_id), Some(title), Some(address), Some(city), Some(workspace_id)) => Ok(Checked {
            external_id,
            workspace_id,
            title,
            address,
            city,
            price_cents: input.price_cents,
            bedrooms: input.bedrooms,
        }),
        _ => unreachable!("every refusal was noted"),
    }
}

/// Creates or replaces the listing with this external id in the target
/// workspace; `true` when it was created. Simultaneous upserts of one id
/// end with one row (the unique index decides, the loser updates).
pub async fn upsert(
    db: &DatabaseConnection,
    commits: &GroupCommit,
    reach: &Reach,
    stamp: Stamp<'_>,
    external_id: &str,
    input: &PropertyInput,
    now: DateTime<Utc>,
) -> Result<(Property, bool), ServiceError> {
    let checked = check(db, reach, external_id, input).await?;
    let status = input.status.unwrap_or_default();
    for _ in 0..2 {
        let existing = property::Entity::find()
            .filter(reachable(reach))
            .filter(property::Column::WorkspaceId.eq(checked.workspace_id))
            .filter(property::Column::ExternalId.eq(&checked.external_id))
            .one(db)
            .await?;
        let mut active = match &existing {
            Some(row) => property::ActiveModel::from(row.clone()),
            None => property::ActiveModel {
                id: NotSet,
                agency_id: Set(reach.agency_id),
                workspace_id: Set(checked.workspace_id),
                environment: Set(reach.environment),
                external_id: Set(checked.external_id.clone()),
                created_at: Set(now),
                ..Default::default()
            },
        };
        active.source_key_id = Set(Some(stamp.key_id.to_owned()));
        active.source_key_name = Set(Some(stamp.key_name.to_owned()));
        active.acting_user_id = Set(Some(stamp.acting_user_id));
        active.title = Set(checked.title.clone());
        active.address = Set(checked.address.clone());
        active.city = Set(checked.city.clone());
        active.price_cents = Set(checked.price_cents);
        active.bedrooms = Set(checked.bedrooms);
        active.status = Set(status);
        active.updated_at = Set(now);
        // The listing and its `property.created`/`updated` message commit
        // together, or neither; with no endpoint subscribed, the write alone.
        let event = if existing.is_some() {
            EventType::PropertyUpdated
        } else {
            EventType::PropertyCreated
        };
        let fanout = Fanout::find(db, scope_of(reach, checked.workspace_id), event).await?;
        if fanout.is_empty() {
            let result = match existing {
                Some(_) => active.update(db).await.map(|m| (m, false)),
                None => active.insert(db).await.map(|m| (m, true)),
            };
            match result {
                Ok((model, created)) => return Ok((to_property(model), created)),
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        let created = existing.is_none();
        let result = commits
            .commit(fanout, now, move |txn| {
                let active = active.clone();
                Box::pin(async move {
                    let model = if created {
                        active.insert(txn).await?
                    } else {
                        active.update(txn).await?
                    };
                    Ok(Some(to_property(model)))
                })
            })
            .await;
        match result {
            Ok(Some(property)) => return Ok((property, created)),
            Ok(None) => return Err(ServiceError::NotFound),
            // Created by a simultaneous upsert: update it on the next turn.
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ServiceError::Database(sea_orm::DbErr::Custom(
        "property upsert lost two races in a row".into(),
    )))
}

pub async fn list(
    db: &impl ConnectionTrait,
    reach: &Reach,
    filter: &PropertyFilter,
) -> Result<PropertyList, ServiceError> {
    let (limit, after) = paging(filter.cursor.as_deref(), filter.limit)?;
    let mut condition = reachable(reach);
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        condition = condition.add(folded_contains(property::Column::SearchFolded, q));
    }
    if let Some(status) = filter.status {
        condition = condition.add(property::Column::Status.eq(status));
    }
    if let Some(id) = filter.workspace_id {
        condition = condition.add(property::Column::WorkspaceId.eq(id));
    }
    if let Some(after) = after {
        condition = condition.add(property::Column::Id.lt(after));
    }
    let rows = property::Entity::find()
        .filter(condition)
        .order_by_desc(property::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let (rows, next_cursor) = page_of(rows, limit, |row| row.id);
    Ok(PropertyList {
        data: rows.into_iter().map(to_property).collect(),
        next_cursor,
    })
}

pub async fn get(db: &impl ConnectionTrait, reach: &Reach, id: i64) -> Result<Property, ServiceError> {
    property::Entity::find_by_id(id)
        .filter(reachable(reach))
        .one(db)
        .await?
        .map(to_property)
        .ok_or(ServiceError::NotFound)
}

/// Deletes a listing in reach; its `property.deleted` message commits with it.
pub async fn delete(
    db: &DatabaseConnection,
    commits: &GroupCommit,
    reach: &Reach,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let found = property::Entity::find_by_id(id)
        .filter(reachable(reach))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let fanout = Fanout::find(
        db,
        scope_of(reach, found.workspace_id),
        EventType::PropertyDeleted,
    )
    .await?;
    let delete = property::Entity::delete_many()
        .filter(property::Column::Id.eq(id))
        .filter(reachable(reach));
    if fanout.is_empty() {
        if delete.exec(db).await?.rows_affected == 0 {
            return Err(ServiceError::NotFound);
        }
        return Ok(());
    }
    let gone = DeletedProperty {
        id: found.id,
        external_id: found.external_id,
        workspace_id: found.workspace_id,
        environment: found.environment,
        deleted_at: now,
    };
    commits
        .commit(fanout, now, move |txn| {
            let delete = delete.clone();
            let gone = gone.clone();
            Box::pin(async move { Ok((delete.exec(txn).await?.rows_affected > 0).then_some(gone)) })
        })
        .await?
        .map(drop)
        .ok_or(ServiceError::NotFound)
}

/// The data of `property.deleted`: what identifies the listing that went.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeletedProperty {
    pub id: i64,
    pub external_id: String,
    pub workspace_id: i64,
    pub environment: crate::domain::environment::Environment,
    pub deleted_at: DateTime<Utc>,
}

/// Where a listing's events are heard.
fn scope_of(reach: &Reach, workspace_id: i64) -> Scope {
    Scope {
        agency_id: reach.agency_id,
        workspace_id: Some(workspace_id),
        environment: reach.environment,
    }
}
