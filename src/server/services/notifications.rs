//! In-app notifications: sent by the maintenance jobs (each at most once,
//! by its dedupe key), read and marked read by the user they are for.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entities::notification;
use crate::models::notifications::{NotificationItem, NotificationPage, NOTIFICATIONS_PER_PAGE};
use crate::models::CurrentUser;

/// One notice for one user.
#[derive(Debug, Clone)]
pub struct Notice {
    pub agency_id: i64,
    pub user_id: i64,
    pub key_id: Option<String>,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    /// Unique across all notices: the same notice sent again (a second run,
    /// another instance) is dropped by the database.
    pub dedupe: String,
    pub at: DateTime<Utc>,
}

/// Sends the notice unless one with its dedupe key exists; true if sent.
pub async fn send(db: &impl ConnectionTrait, notice: Notice) -> Result<bool, DbErr> {
    let row = notification::ActiveModel {
        id: NotSet,
        agency_id: Set(notice.agency_id),
        user_id: Set(notice.user_id),
        key_id: Set(notice.key_id),
        kind: Set(notice.kind.to_owned()),
        title: Set(notice.title),
        body: Set(notice.body),
        link: Set(notice.link),
        dedupe_key: Set(Some(notice.dedupe)),
        created_at: Set(notice.at),
        read_at: Set(None),
    };
    let inserted = notification::Entity::insert(row)
        .on_conflict(
            OnConflict::column(notification::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

fn mine(user: &CurrentUser) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(notification::Column::UserId.eq(user.id))
        .add(notification::Column::AgencyId.eq(user.agency_id))
}

pub async fn unread_count(db: &impl ConnectionTrait, user: &CurrentUser) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(mine(user))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await
}

/// One page of the user's notices, newest first; a page past the end is the last.
pub async fn page(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    page: u64,
) -> Result<NotificationPage, DbErr> {
    let total = notification::Entity::find().filter(mine(user)).count(db).await?;
    let unread = unread_count(db, user).await?;
    let pages = total.div_ceil(NOTIFICATIONS_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let items = notification::Entity::find()
        .filter(mine(user))
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id)
        .offset((page - 1) * NOTIFICATIONS_PER_PAGE)
        .limit(NOTIFICATIONS_PER_PAGE)
        .all(db)
        .await?
        .into_iter()
        .map(|n| NotificationItem {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read: n.read_at.is_some(),
        })
        .collect();
    Ok(NotificationPage {
        items,
        page,
        pages,
        total,
        unread,
    })
}

/// Marks one of the user's notices read; false if it is not theirs (or gone).
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(open(db, user, id, now).await?.is_some())
}

/// Following a notice: marks it read and answers where it leads —
/// `None` if it is not the user's (or gone), `Some(None)` if it has no link.
pub async fn open(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<Option<String>>, DbErr> {
    let Some(link) = notification::Entity::find_by_id(id)
        .filter(mine(user))
        .select_only()
        .column(notification::Column::Link)
        .into_tuple::<Option<String>>()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, now.into())
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(Some(link))
}

/// Marks every unread notice of the user read; returns how many.
pub async fn mark_all_read(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let done = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, now.into())
        .filter(mine(user))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
