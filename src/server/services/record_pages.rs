//! The dashboard's Leads and Properties pages: what the signed-in user may
//! see (their agency; managers and agents only their workspaces), live or
//! test, searched and paged in SQL, with workspace and user names.
use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::key_list::folded_contains;
use super::keys::Caller;
use crate::domain::environment::Environment;
use crate::domain::role::Role;
use crate::entities::{lead, property, user, workspace};
use crate::models::crm::SourceKey;
use crate::models::records::{LeadRow, PropertyRow, RecordPage, RecordQuery, RECORDS_PER_PAGE};

/// The agency, the environment, and the workspaces the caller belongs to
/// unless they are a super manager.
fn visible(
    caller: &Caller,
    test: bool,
    agency: impl ColumnTrait,
    workspace: impl ColumnTrait,
    environment: impl ColumnTrait,
) -> Condition {
    let environment_value = if test {
        Environment::Test
    } else {
        Environment::Live
    };
    let condition = Condition::all()
        .add(agency.eq(caller.agency_id))
        .add(environment.eq(environment_value.as_str()));
    match &caller.actor {
        Some(actor) if actor.role != Role::SuperManager => {
            condition.add(workspace.is_in(actor.workspaces.clone()))
        }
        _ => condition,
    }
}

/// Workspace and user names of the agency, for the rows of one page.
async fn names(
    db: &impl ConnectionTrait,
    agency_id: i64,
    user_ids: Vec<i64>,
) -> Result<(HashMap<i64, String>, HashMap<i64, String>), DbErr> {
    let workspaces = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency_id))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let mut user_ids = user_ids;
    user_ids.sort_unstable();
    user_ids.dedup();
    let users = user::Entity::find()
        .filter(user::Column::AgencyId.eq(agency_id))
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok((workspaces, users))
}

/// One page of matches with what its rows refer to by id.
struct Fetched<M> {
    rows: Vec<M>,
    total: u64,
    /// The page shown (the last one when asked past the end).
    query: RecordQuery,
    workspaces: HashMap<i64, String>,
    users: HashMap<i64, String>,
}

/// Counts what `select` matches, then reads the asked page in `order`, and
/// the names of the workspaces and acting users its rows mention.
async fn one_page<E>(
    db: &impl ConnectionTrait,
    caller: &Caller,
    query: &RecordQuery,
    select: Select<E>,
    order: impl FnOnce(Select<E>) -> Select<E>,
    acting_user: impl Fn(&E::Model) -> Option<i64>,
) -> Result<Fetched<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = select.clone().count(db).await?;
    let query = page_within(query, total);
    let rows = order(select)
        .offset(query.page.offset(RECORDS_PER_PAGE))
        .limit(RECORDS_PER_PAGE)
        .all(db)
        .await?;
    let (workspaces, users) = names(
        db,
        caller.agency_id,
        rows.iter().filter_map(&acting_user).collect(),
    )
    .await?;
    Ok(Fetched {
        rows,
        total,
        query,
        workspaces,
        users,
    })
}

/// The page to show: as asked, or the last one when asked past the end.
fn page_within(query: &RecordQuery, total: u64) -> RecordQuery {
    let last = total.div_ceil(RECORDS_PER_PAGE).max(1);
    query.with_page(query.page.get().min(last))
}

fn source_key(id: Option<String>, name: Option<String>) -> Option<SourceKey> {
    id.map(|id| SourceKey {
        id,
        name: name.unwrap_or_default(),
    })
}

pub async fn leads(
    db: &impl ConnectionTrait,
    caller: &Caller,
    query: &RecordQuery,
) -> Result<RecordPage<LeadRow>, DbErr> {
    let mut condition = visible(
        caller,
        query.test,
        lead::Column::AgencyId,
        lead::Column::WorkspaceId,
        lead::Column::Environment,
    );
    let filter = crate::models::crm::LeadFilter {
        q: Some(query.q.as_str().to_owned()),
        ..Default::default()
    };
    condition = condition.add(super::leads::matching(&filter));
    let Fetched {
        rows,
        total,
        query,
        workspaces,
        users,
    } = one_page(
        db,
        caller,
        query,
        lead::Entity::find().filter(condition),
        |select| select.order_by_desc(lead::Column::Id),
        |r| r.acting_user_id,
    )
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| LeadRow {
            id: r.id,
            name: format!("{} {}", r.first_name, r.last_name).trim().to_owned(),
            email: r.email,
            phone: r.phone,
            source: r.source,
            status: r.status,
            workspace: workspaces.get(&r.workspace_id).cloned().unwrap_or_default(),
            source_key: source_key(r.source_key_id, r.source_key_name),
            acting_user: r.acting_user_id.and_then(|id| users.get(&id).cloned()),
            created_at: r.created_at,
        })
        .collect();
    Ok(RecordPage { rows, total, query })
}

pub async fn properties(
    db: &impl ConnectionTrait,
    caller: &Caller,
    query: &RecordQuery,
) -> Result<RecordPage<PropertyRow>, DbErr> {
    let mut condition = visible(
        caller,
        query.test,
        property::Column::AgencyId,
        property::Column::WorkspaceId,
        property::Column::Environment,
    );
    if !query.q.is_empty() {
        condition = condition.add(folded_contains(property::Column::SearchFolded, &query.q));
    }
    let Fetched {
        rows,
        total,
        query,
        workspaces,
        users,
    } = one_page(
        db,
        caller,
        query,
        property::Entity::find().filter(condition),
        |select| {
            select
                .order_by_desc(property::Column::UpdatedAt)
                .order_by_desc(property::Column::Id)
        },
        |r| r.acting_user_id,
    )
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| PropertyRow {
            id: r.id,
            external_id: r.external_id,
            title: r.title,
            address: r.address,
            city: r.city,
            price_cents: r.price_cents,
            bedrooms: r.bedrooms,
            status: r.status,
            workspace: workspaces.get(&r.workspace_id).cloned().unwrap_or_default(),
            source_key: source_key(r.source_key_id, r.source_key_name),
            acting_user: r.acting_user_id.and_then(|id| users.get(&id).cloned()),
            updated_at: r.updated_at,
        })
        .collect();
    Ok(RecordPage { rows, total, query })
}
