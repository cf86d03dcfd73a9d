//! The key table: search, sort and paging in SQL, and what the page needs
//! to know about limits and choices.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LikeExpr, NullOrdering, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};

use super::keys::{count_active_by_bucket, Caller};
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::domain::scopes::ScopeSet;
use crate::domain::validity::{max_custom_date, min_custom_date};
use crate::entities::{agency, api_key, membership, user, workspace};
use crate::models::keys::{
    ActAsChoice, KeyPage, KeyQuery, KeyRow, KeySettings, KeyStatus, PageNumber, SortColumn, SortDir,
    WorkspaceChoice, PAGE_SIZE,
};

/// `LIKE` pattern matching `text` anywhere, with the wildcards in it escaped.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A `search_folded` column holds `text`, ignoring case the same way on
/// both engines and in every language: the column was folded by Rust when
/// the row was saved ([`migration::fold_for_search`]), the pattern is folded
/// the same way here, and a plain `LIKE` compares them (on PostgreSQL,
/// through the trigram index where there is one).
pub(crate) fn folded_contains(column: impl ColumnTrait, text: &str) -> SimpleExpr {
    Expr::col(column.as_column_ref()).like(LikeExpr::new(contains_pattern(text)).escape('\\'))
}

/// Up to this many matches, a search reads its matches and sorts them
/// itself; beyond, it walks the sort order (matches are then common enough
/// to fill a page early).
pub(crate) const SEARCH_MATCHES_FIRST: u64 = 2_000;

/// The search's first step (key table and Audit log): the ids of the rows
/// `select` matches, read in one pass over the search index (which also
/// counts them), when there are at most [`SEARCH_MATCHES_FIRST`]; `None`
/// when there are more, and the caller walks its sort order instead.
pub(crate) async fn matching_ids<E, V>(
    db: &impl ConnectionTrait,
    select: sea_orm::Select<E>,
    id: E::Column,
) -> Result<Option<Vec<V>>, DbErr>
where
    E: EntityTrait,
    V: sea_orm::TryGetable,
{
    let ids: Vec<V> = select
        .select_only()
        .column(id)
        .limit(SEARCH_MATCHES_FIRST + 1)
        .into_tuple()
        .all(db)
        .await?;
    Ok((ids.len() as u64 <= SEARCH_MATCHES_FIRST).then_some(ids))
}

/// Keys of the caller's agency they may see.
pub(crate) fn visible(caller: &Caller) -> Condition {
    let mut agency = Condition::all().add(api_key::Column::AgencyId.eq(caller.agency_id));
    if let Some(environment) = caller.environment {
        agency = agency.add(api_key::Column::Environment.eq(environment));
    }
    match &caller.actor {
        Some(actor) if actor.role != Role::SuperManager => agency.add(
            Condition::any()
                .add(api_key::Column::WorkspaceId.is_null())
                .add(api_key::Column::WorkspaceId.is_in(actor.workspaces.clone())),
        ),
        _ => agency,
    }
}

/// `select` in the order `query` asks, ties broken by id so pages are
/// stable.
fn ordered(
    select: sea_orm::Select<api_key::Entity>,
    query: &KeyQuery,
    now: DateTime<Utc>,
) -> sea_orm::Select<api_key::Entity> {
    let order = match query.dir {
        SortDir::Asc => Order::Asc,
        SortDir::Desc => Order::Desc,
    };
    let nulls_high = |order: &Order| match order {
        Order::Asc => NullOrdering::Last,
        _ => NullOrdering::First,
    };
    let select = match query.sort {
        SortColumn::Name => select.order_by(api_key::Column::Name, order.clone()),
        SortColumn::ApiKey => select
            .order_by(api_key::Column::Environment, order.clone())
            .order_by(api_key::Column::Id, order.clone()),
        SortColumn::Environment => select.order_by(api_key::Column::Environment, order.clone()),
        SortColumn::Scopes => select.order_by(api_key::Column::Scopes, order.clone()),
        SortColumn::Status => {
            let rank = Expr::case(api_key::Column::RevokedAt.is_not_null(), 2)
                .case(api_key::Column::ExpiresAt.lte(now), 1)
                .finally(0);
            select.order_by(SimpleExpr::Case(Box::new(rank)), order.clone())
        }
        SortColumn::Created => select.order_by(api_key::Column::CreatedAt, order.clone()),
        // Never expiring counts as the latest expiry.
        SortColumn::Expires => {
            let nulls = nulls_high(&order);
            select.order_by_with_nulls(api_key::Column::ExpiresAt, order.clone(), nulls)
        }
        // Never used counts as the oldest use.
        SortColumn::LastUsed => {
            let nulls = match nulls_high(&order) {
                NullOrdering::Last => NullOrdering::First,
                _ => NullOrdering::Last,
            };
            select.order_by_with_nulls(api_key::Column::LastUsedAt, order.clone(), nulls)
        }
        SortColumn::Usage => select.order_by(api_key::Column::UsageCount, order.clone()),
    };
    select.order_by(api_key::Column::Id, order)
}

pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    query: KeyQuery,
    now: DateTime<Utc>,
) -> Result<KeyPage, DbErr> {
    let mut filter = visible(caller);
    if !query.q.is_empty() {
        filter = filter.add(folded_contains(api_key::Column::SearchFolded, &query.q));
    }
    let select = ordered(api_key::Entity::find().filter(filter.clone()), &query, now);
    let last_page = |total: u64| total.div_ceil(PAGE_SIZE).max(1);
    // A search reads its matches' ids first, as the Audit log's does: one
    // pass over the search index (SQLite's `(agency_id, search_folded, id)`
    // covers it; PostgreSQL's trigrams), which also counts them; then only
    // those keys are read and sorted. Walking the sort order instead read
    // every key for a rare match on SQLite, and on PostgreSQL the planner
    // could walk a sort index hoping to meet matches early. A common match
    // stops the pass early and walks the order, which it fills fast.
    let matches: Option<Vec<String>> = if query.q.is_empty() {
        None
    } else {
        let matching = api_key::Entity::find().filter(filter.clone());
        matching_ids(db, matching, api_key::Column::Id).await?
    };
    let fetch = |page: u64| {
        let offset = (page - 1) * PAGE_SIZE;
        if query.sort == SortColumn::Status {
            // The rank is computed for every key, so rank them from the
            // narrow status index and read whole rows only for this page.
            let page_ids = ordered(api_key::Entity::find().filter(filter.clone()), &query, now)
                .select_only()
                .column(api_key::Column::Id)
                .offset(offset)
                .limit(PAGE_SIZE)
                .into_query();
            ordered(api_key::Entity::find(), &query, now)
                .filter(api_key::Column::Id.in_subquery(page_ids))
                .all(db)
        } else {
            select.clone().offset(offset).limit(PAGE_SIZE).all(db)
        }
    };
    let (keys, total, page) = match matches {
        Some(ids) => {
            let total = ids.len() as u64;
            let page = query.page.get().min(last_page(total));
            let keys = ordered(
                api_key::Entity::find().filter(api_key::Column::Id.is_in(ids)),
                &query,
                now,
            )
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
            .all(db)
            .await?;
            (keys, total, page)
        }
        None => {
            let keys = fetch(query.page.get()).await?;
            // A first page that is not full is the whole result: no count
            // needed.
            if query.page == PageNumber::FIRST && (keys.len() as u64) < PAGE_SIZE {
                let total = keys.len() as u64;
                (keys, total, 1)
            } else {
                let total = select.clone().count(db).await?;
                let page = query.page.get().min(last_page(total));
                if page == query.page.get() {
                    (keys, total, page)
                } else {
                    (fetch(page).await?, total, page)
                }
            }
        }
    };
    let query = KeyQuery {
        page: PageNumber::clamped(page),
        ..query
    };

    let user_ids: std::collections::BTreeSet<i64> = keys
        .iter()
        .flat_map(|k| [Some(k.act_as_user_id), k.created_by_user_id, k.revoked_by_user_id])
        .flatten()
        .collect();
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let workspaces = agency_workspaces(db, caller.agency_id).await?;
    let workspace_names: HashMap<i64, String> = workspaces.iter().map(|w| (w.id, w.name.clone())).collect();
    let ids: Vec<String> = keys.iter().map(|key| key.id.clone()).collect();
    let live = crate::server::services::session_tokens::live_counts(db, &ids, now).await?;
    let suspended = suspended(db, &keys, now).await?;
    let rows = keys
        .into_iter()
        .map(|key| {
            let mut row = to_row(key, caller, &names, &workspace_names, now);
            row.live_session_tokens = live.get(&row.id).copied().unwrap_or(0);
            row.suspended = suspended.get(&row.id).map(|why| (*why).to_owned());
            row
        })
        .collect();
    Ok(KeyPage {
        rows,
        total,
        query,
        show_workspace: workspaces.len() > 1,
    })
}

/// Why live keys among `keys` are refused although live, by key id:
/// "Acting user disabled" (their person is not active) or "Workspace
/// archived" (as `/v1` refuses them, `KeyRecord::suspension`).
pub(crate) async fn suspended(
    db: &impl ConnectionTrait,
    keys: &[api_key::Model],
    now: DateTime<Utc>,
) -> Result<HashMap<String, &'static str>, DbErr> {
    let live: Vec<&api_key::Model> = keys
        .iter()
        .filter(|k| KeyStatus::at(now, k.expires_at, k.revoked_at) == KeyStatus::Active)
        .collect();
    if live.is_empty() {
        return Ok(HashMap::new());
    }
    let inactive: std::collections::HashSet<i64> = user::Entity::find()
        .filter(user::Column::Id.is_in(live.iter().map(|k| k.act_as_user_id)))
        .filter(user::Column::Status.ne(crate::domain::person::Status::Active.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let archived: std::collections::HashSet<i64> = workspace::Entity::find()
        .filter(workspace::Column::Id.is_in(live.iter().filter_map(|k| k.workspace_id)))
        .filter(workspace::Column::ArchivedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|w| w.id)
        .collect();
    Ok(live
        .into_iter()
        .filter_map(|k| {
            let why = if inactive.contains(&k.act_as_user_id) {
                "Acting user disabled"
            } else if k.workspace_id.is_some_and(|ws| archived.contains(&ws)) {
                "Workspace archived"
            } else {
                return None;
            };
            Some((k.id.clone(), why))
        })
        .collect())
}

async fn agency_workspaces(
    db: &impl ConnectionTrait,
    agency_id: i64,
) -> Result<Vec<workspace::Model>, DbErr> {
    workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency_id))
        .order_by_asc(workspace::Column::Name)
        .all(db)
        .await
}

/// The limit, the viewer's rights and the create dialog's choices.
pub async fn settings(
    db: &impl ConnectionTrait,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<KeySettings, DbErr> {
    let agency = agency::Entity::find_by_id(caller.agency_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("agency".into()))?;
    let max = agency.max_active_keys.max(0) as u64;
    let active = count_active_by_bucket(db, caller.agency_id, now).await?;
    let full = |bucket: Option<i64>| active.get(&bucket).copied().unwrap_or(0) >= max;
    let mut workspaces = Vec::new();
    for ws in agency_workspaces(db, caller.agency_id).await? {
        if ws.archived_at.is_none() && caller.may(Action::ManageKey(Some(ws.id))) {
            let full = full(Some(ws.id));
            workspaces.push(WorkspaceChoice {
                id: ws.id,
                name: ws.name,
                full,
            });
        }
    }
    let can_create_agency_wide = caller.may(Action::ManageKey(None));
    let agency_wide_full = full(None);

    let users = user::Entity::find()
        .filter(user::Column::AgencyId.eq(caller.agency_id))
        .filter(user::Column::Status.eq(crate::domain::person::Status::Active.as_str()))
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?;
    let mut memberships: HashMap<i64, Vec<i64>> = HashMap::new();
    for m in membership::Entity::find()
        .filter(membership::Column::UserId.is_in(users.iter().map(|u| u.id)))
        .all(db)
        .await?
    {
        memberships.entry(m.user_id).or_default().push(m.workspace_id);
    }
    let act_as = users
        .into_iter()
        .map(|u| ActAsChoice {
            everywhere: u.role == Role::SuperManager.as_str(),
            workspaces: memberships.remove(&u.id).unwrap_or_default(),
            user_id: u.id,
            name: u.name,
            email: u.email,
        })
        .collect();
    Ok(KeySettings {
        max_active_keys: agency.max_active_keys,
        inactivity_days: agency.inactivity_days,
        sandbox_reset_day: agency.sandbox_reset_day,
        sandbox_reset_hour: agency.sandbox_reset_hour,
        can_manage: can_create_agency_wide || !workspaces.is_empty(),
        can_change_limit: caller.may(Action::ChangeAgencySettings),
        can_create_agency_wide,
        agency_wide_full,
        workspaces,
        act_as,
        viewer_id: caller.who.user_id().unwrap_or_default(),
        min_custom_date: min_custom_date(now),
        max_custom_date: max_custom_date(now),
    })
}

/// A key as the table (and the key's page) shows it to `caller` at `now`.
pub(crate) fn to_row(
    key: api_key::Model,
    caller: &Caller,
    names: &HashMap<i64, String>,
    workspace_names: &HashMap<i64, String>,
    now: DateTime<Utc>,
) -> KeyRow {
    let name_of = |id: Option<i64>| id.and_then(|id| names.get(&id).cloned());
    KeyRow {
        status: KeyStatus::at(now, key.expires_at, key.revoked_at),
        environment: key.environment,
        scopes: ScopeSet::parse(&key.scopes)
            .map(|s| s.iter().collect())
            .unwrap_or_default(),
        workspace: key.workspace_id.and_then(|id| workspace_names.get(&id).cloned()),
        created_by: match (&key.created_by_key_id, name_of(key.created_by_user_id)) {
            (Some(parent), Some(user)) => {
                format!("{user} through API key {}", key.environment.public_key(parent))
            }
            (Some(parent), None) => format!("API key {}", key.environment.public_key(parent)),
            (None, Some(user)) => user,
            (None, None) => "command line".to_owned(),
        },
        acting_as: name_of(Some(key.act_as_user_id)).unwrap_or_default(),
        revoked_by: key
            .revoked_at
            .map(|_| name_of(key.revoked_by_user_id).unwrap_or_else(|| "command line".to_owned())),
        can_manage: caller.may(Action::ManageKey(key.workspace_id)),
        id: key.id,
        name: key.name,
        last4: key.last4,
        created_at: key.created_at,
        expires_at: key.expires_at,
        last_used_at: key.last_used_at,
        usage_count: key.usage_count,
        rate_limit: key.rate_limit,
        revoked_at: key.revoked_at,
        old_secret_until: key.previous_secret_expires_at.filter(|at| *at > now),
        ip_allowlist: key.ip_allowlist.lines().map(str::to_owned).collect(),
        // Filled in by the caller, for all the rows at once.
        live_session_tokens: 0,
        suspended: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("Zil"), "%zil%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
