//! The team behind the keys (issue 16): people have a status, workspaces
//! can be archived, signed-in sessions say whose they are and where they
//! came from, and invitations and password resets are one-time links.
//!
//! - `users.status`: `active`, `invited` (has not set a password yet),
//!   `disabled` (cannot sign in; keys acting as them are refused) or
//!   `removed` (gone from the team; the row stays so their name stays on
//!   what they created and did). `status_changed_at` is when it last changed.
//! - `workspaces.archived_at`: no new keys there, its keys refused, data kept.
//! - `sessions.user_id` (indexed: "sign out everywhere" deletes by it),
//!   `signed_in_at`, `last_seen_at`, `ip` and `user_agent`, copied from the
//!   session's record on every save. No foreign key: SQLite cannot add one
//!   to an existing table, and a session outliving its user is refused by
//!   the user lookup anyway.
//! - `account_tokens`: invitation (7 days) and password reset (24 hours)
//!   links, single use; the secret is kept as HMAC-SHA256(pepper, prefix ‖
//!   secret) only, like every other credential.
use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Status,
    StatusChangedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    UserId,
    SignedInAt,
    LastSeenAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum Agencies {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum AccountTokens {
    Table,
    /// 12 base62 characters (`kw_inv_{id}_…`, `kw_pwr_{id}_…`).
    Id,
    AgencyId,
    UserId,
    /// `invitation` or `password_reset`.
    Purpose,
    SecretHash,
    CreatedByUserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    column: ColumnDef,
) -> Result<(), DbErr> {
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    let mut column = column;
    manager
        .alter_table(Table::alter().table(table).add_column(&mut column).to_owned())
        .await
}

async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

/// Copies whose each existing session is (and when it signed in) into the
/// new columns, so "sign out everywhere" reaches sessions from before.
async fn backfill_sessions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let rows = db
        .query_all(Statement::from_string(backend, "SELECT id, data FROM sessions"))
        .await?;
    for row in rows {
        let id: String = row.try_get("", "id")?;
        let data: Vec<u8> = row.try_get("", "data")?;
        let Ok(serde_json::Value::Object(entries)) = serde_json::from_slice::<serde_json::Value>(&data)
        else {
            continue;
        };
        let Some(user_id) = entries.get("user_id").and_then(serde_json::Value::as_i64) else {
            continue;
        };
        let mut update = Query::update();
        update
            .table(Sessions::Table)
            .value(Sessions::UserId, user_id)
            .and_where(Expr::col(Alias::new("id")).eq(id));
        db.execute(backend.build(&update)).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(
            manager,
            Users::Table,
            string_len(Users::Status, 20).default("active").take(),
        )
        .await?;
        add(
            manager,
            Users::Table,
            timestamp_with_time_zone_null(Users::StatusChangedAt),
        )
        .await?;
        add(
            manager,
            Workspaces::Table,
            timestamp_with_time_zone_null(Workspaces::ArchivedAt),
        )
        .await?;
        add(manager, Sessions::Table, big_integer_null(Sessions::UserId)).await?;
        add(
            manager,
            Sessions::Table,
            timestamp_with_time_zone_null(Sessions::SignedInAt),
        )
        .await?;
        add(
            manager,
            Sessions::Table,
            timestamp_with_time_zone_null(Sessions::LastSeenAt),
        )
        .await?;
        add(manager, Sessions::Table, string_len_null(Sessions::Ip, 64)).await?;
        add(
            manager,
            Sessions::Table,
            string_len_null(Sessions::UserAgent, 512),
        )
        .await?;
        manager
            .create_index(index("ix_sessions_user", Sessions::Table, &["user_id"]))
            .await?;
        backfill_sessions(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountTokens::Table)
                    .col(string_len(AccountTokens::Id, 12).primary_key())
                    .col(big_integer(AccountTokens::AgencyId))
                    .col(big_integer(AccountTokens::UserId))
                    .col(string_len(AccountTokens::Purpose, 20))
                    .col(binary(AccountTokens::SecretHash))
                    .col(big_integer_null(AccountTokens::CreatedByUserId))
                    .col(timestamp_with_time_zone(AccountTokens::CreatedAt))
                    .col(timestamp_with_time_zone(AccountTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccountTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(AccountTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_tokens_agency")
                            .from(AccountTokens::Table, AccountTokens::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_tokens_user")
                            .from(AccountTokens::Table, AccountTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_account_tokens_user",
                AccountTokens::Table,
                &["user_id", "purpose"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountTokens::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_sessions_user")
                    .table(Sessions::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Sessions::UserAgent,
            Sessions::Ip,
            Sessions::LastSeenAt,
            Sessions::SignedInAt,
            Sessions::UserId,
        ] {
            drop_column(manager, Sessions::Table, column).await?;
        }
        drop_column(manager, Workspaces::Table, Workspaces::ArchivedAt).await?;
        drop_column(manager, Users::Table, Users::StatusChangedAt).await?;
        drop_column(manager, Users::Table, Users::Status).await
    }
}
