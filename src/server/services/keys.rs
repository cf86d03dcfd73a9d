//! API keys: who may do what to them (the caller, the errors), the limit
//! and the lookups every change shares. Creating, changing and rolling keys
//! live in the submodules; the dashboard, the CLI and the API all call them.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Asterisk, Expr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use crate::domain::policy::Action;
use crate::entities::{agency, api_key};
use crate::models::FieldIssue;

mod caller;
mod change;
mod create;
mod request;
mod roll;

pub use caller::{caller_for, caller_for_key, Caller};
pub(crate) use change::revoke_within;
pub use change::{
    parse_rate_limit, remove, rename, revoke, set_allowlist, set_rate_limit, set_scopes, MAX_RATE_LIMIT,
};
pub use create::{create, may_act_in, DEFAULT_RATE_LIMIT};
pub use request::{offered_scopes, Issues, KeyRequest};
pub use roll::{roll, Grace};

pub use super::error::ServiceError;

/// Why a caller may not manage keys in a place (403).
pub const MAY_NOT_MANAGE: &str = "the user this key acts as may not manage keys there";

/// Active keys in one bucket: a workspace, or the agency-wide keys.
pub async fn count_active(
    db: &impl ConnectionTrait,
    agency_id: i64,
    workspace_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let bucket = match workspace_id {
        Some(id) => api_key::Column::WorkspaceId.eq(id),
        None => api_key::Column::WorkspaceId.is_null(),
    };
    api_key::Entity::find()
        .filter(api_key::Column::AgencyId.eq(agency_id))
        .filter(bucket)
        .filter(active_at(now))
        .count(db)
        .await
}

/// Active keys in every bucket of the agency at once (`None`: agency-wide);
/// a bucket without active keys is absent.
pub async fn count_active_by_bucket(
    db: &impl ConnectionTrait,
    agency_id: i64,
    now: DateTime<Utc>,
) -> Result<HashMap<Option<i64>, u64>, DbErr> {
    #[derive(FromQueryResult)]
    struct Bucket {
        workspace_id: Option<i64>,
        active: i64,
    }
    let buckets = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::WorkspaceId)
        .column_as(Expr::col(Asterisk).count(), "active")
        .filter(api_key::Column::AgencyId.eq(agency_id))
        .filter(active_at(now))
        .group_by(api_key::Column::WorkspaceId)
        .into_model::<Bucket>()
        .all(db)
        .await?;
    Ok(buckets
        .into_iter()
        .map(|b| (b.workspace_id, b.active.max(0) as u64))
        .collect())
}

/// Not revoked and not expired at `now`.
pub fn active_at(now: DateTime<Utc>) -> Condition {
    Condition::all().add(api_key::Column::RevokedAt.is_null()).add(
        Condition::any()
            .add(api_key::Column::ExpiresAt.is_null())
            .add(api_key::Column::ExpiresAt.gt(now)),
    )
}

/// Starts a transaction that changes an agency's keys, settings, OAuth apps,
/// grants or session tokens, with a write first: on SQLite it takes the write lock before anything is read
/// (a read that later writes would fail with "database is locked" when
/// another writer got in between); on PostgreSQL it locks the agency row
/// until commit, so changes to one agency's keys happen one at a time.
pub async fn begin_for_agency(
    db: &impl TransactionTrait,
    agency_id: i64,
) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    agency::Entity::update_many()
        .col_expr(
            agency::Column::MaxActiveKeys,
            Expr::col(agency::Column::MaxActiveKeys).into(),
        )
        .filter(agency::Column::Id.eq(agency_id))
        .exec(&txn)
        .await?;
    Ok(txn)
}

/// A key of the caller's agency that the caller may see, else not found.
pub(crate) async fn visible_key(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
) -> Result<api_key::Model, ServiceError> {
    let mut find =
        api_key::Entity::find_by_id(id.to_owned()).filter(api_key::Column::AgencyId.eq(caller.agency_id));
    if let Some(environment) = caller.environment {
        find = find.filter(api_key::Column::Environment.eq(environment));
    }
    let key = find.one(db).await?.ok_or(ServiceError::NotFound)?;
    if !caller.may(Action::ViewKey(key.workspace_id)) {
        return Err(ServiceError::NotFound);
    }
    Ok(key)
}

/// A key the caller may change: not found if they cannot see it, forbidden if they only can see it.
pub(crate) async fn managed_key(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: &str,
) -> Result<api_key::Model, ServiceError> {
    let key = visible_key(db, caller, id).await?;
    if !caller.may(Action::ManageKey(key.workspace_id)) {
        return Err(ServiceError::Forbidden(MAY_NOT_MANAGE.into()));
    }
    Ok(key)
}

/// One field refused, as the dialogs show it.
fn invalid(field: &str, message: String) -> ServiceError {
    ServiceError::Invalid(vec![FieldIssue {
        field: field.into(),
        message,
    }])
}
