//! Session tokens (issue 14): short-lived tokens a key's backend mints for a
//! browser page, and the exact origins each may be used from. The secret is
//! kept as HMAC-SHA256(pepper, `kw_sess_` ‖ secret) only. A token goes with
//! its key (`ON DELETE CASCADE`), and remembers the hash of the key secret
//! that minted it, so rolling the key ends it when that secret stops.
use sea_orm_migration::{prelude::*, schema::*};

use crate::index;
use crate::m20261123_000002_create_api_keys::ApiKeys;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum SessionTokens {
    Table,
    /// 12 base62 characters (`kw_sess_live_{id}_…`).
    Id,
    KeyId,
    SecretHash,
    /// The key's secret hash when it minted the token (current or, during a
    /// roll's grace, previous).
    KeySecretHash,
    /// Space-separated scope names; never `admin` or `webhooks`.
    Scopes,
    Label,
    CreatedAt,
    /// At most 24 hours after `created_at`.
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
    UsageCount,
}

#[derive(DeriveIden)]
pub enum SessionTokenOrigins {
    Table,
    TokenId,
    /// `scheme://host[:port]`, as browsers send `Origin`.
    Origin,
}

const BY_KEY: &str = "ix_session_tokens_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SessionTokens::Table)
                    .col(string_len(SessionTokens::Id, 12).primary_key())
                    .col(string_len(SessionTokens::KeyId, 12))
                    .col(binary(SessionTokens::SecretHash))
                    .col(binary(SessionTokens::KeySecretHash))
                    .col(string_len(SessionTokens::Scopes, 400))
                    .col(string_len(SessionTokens::Label, 64).default(""))
                    .col(timestamp_with_time_zone(SessionTokens::CreatedAt))
                    .col(timestamp_with_time_zone(SessionTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SessionTokens::RevokedAt))
                    .col(timestamp_with_time_zone_null(SessionTokens::LastUsedAt))
                    .col(big_integer(SessionTokens::UsageCount).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_tokens_key")
                            .from(SessionTokens::Table, SessionTokens::KeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(BY_KEY, SessionTokens::Table, &["key_id", "expires_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SessionTokenOrigins::Table)
                    .col(string_len(SessionTokenOrigins::Origin, 300))
                    .col(string_len(SessionTokenOrigins::TokenId, 12))
                    // A preflight asks "is there a live token for this origin?"
                    .primary_key(
                        Index::create()
                            .col(SessionTokenOrigins::Origin)
                            .col(SessionTokenOrigins::TokenId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_session_token_origins_token")
                            .from(SessionTokenOrigins::Table, SessionTokenOrigins::TokenId)
                            .to(SessionTokens::Table, SessionTokens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_session_token_origins_token",
                SessionTokenOrigins::Table,
                &["token_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SessionTokenOrigins::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SessionTokens::Table).to_owned())
            .await
    }
}
