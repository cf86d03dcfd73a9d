//! API keys and their daily usage counts.
use sea_orm_migration::{prelude::*, schema::*};

use crate::index;
use crate::m20261123_000001_create_tenancy::{Agencies, Users, Workspaces};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum ApiKeys {
    Table,
    /// The public 12-character base62 id (`kw_live_{id}`).
    Id,
    AgencyId,
    /// NULL for an agency-level key.
    WorkspaceId,
    Name,
    Environment,
    /// Space-separated scope names.
    Scopes,
    /// HMAC-SHA256(server pepper, secret); never the secret itself.
    SecretHash,
    /// The last four characters of the token, for recognition.
    Last4,
    ActAsUserId,
    CreatedByUserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedByUserId,
    LastUsedAt,
    LastUsedIp,
    UsageCount,
    /// Requests per second; 0 = unlimited.
    RateLimit,
    /// Newline-separated addresses and CIDR ranges; empty = anywhere.
    IpAllowlist,
    /// After a roll, the old secret's hash keeps working until this time.
    PreviousSecretHash,
    PreviousSecretExpiresAt,
}

#[derive(DeriveIden)]
enum ApiKeyUsageDaily {
    Table,
    KeyId,
    Day,
    Requests,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(string_len(ApiKeys::Id, 12).primary_key())
                    .col(big_integer(ApiKeys::AgencyId))
                    .col(big_integer_null(ApiKeys::WorkspaceId))
                    .col(string_len(ApiKeys::Name, 64))
                    .col(string_len(ApiKeys::Environment, 4))
                    .col(string_len(ApiKeys::Scopes, 400))
                    .col(binary(ApiKeys::SecretHash))
                    .col(string_len(ApiKeys::Last4, 4))
                    .col(big_integer(ApiKeys::ActAsUserId))
                    .col(big_integer_null(ApiKeys::CreatedByUserId))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                    .col(big_integer_null(ApiKeys::RevokedByUserId))
                    .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                    .col(string_len_null(ApiKeys::LastUsedIp, 45))
                    .col(big_integer(ApiKeys::UsageCount).default(0))
                    .col(integer(ApiKeys::RateLimit).default(100))
                    .col(text(ApiKeys::IpAllowlist).default(""))
                    .col(binary_null(ApiKeys::PreviousSecretHash))
                    .col(timestamp_with_time_zone_null(ApiKeys::PreviousSecretExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_agency")
                            .from(ApiKeys::Table, ApiKeys::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_workspace")
                            .from(ApiKeys::Table, ApiKeys::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_act_as")
                            .from(ApiKeys::Table, ApiKeys::ActAsUserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The key table searches and sorts inside one agency (and one workspace).
        for (name, cols) in [
            ("ix_api_keys_agency_name", &["agency_id", "name"][..]),
            ("ix_api_keys_agency_created", &["agency_id", "created_at"]),
            ("ix_api_keys_agency_expires", &["agency_id", "expires_at"]),
            ("ix_api_keys_agency_last_used", &["agency_id", "last_used_at"]),
            ("ix_api_keys_agency_usage", &["agency_id", "usage_count"]),
            ("ix_api_keys_agency_environment", &["agency_id", "environment"]),
            ("ix_api_keys_workspace_name", &["workspace_id", "name"]),
            ("ix_api_keys_workspace_created", &["workspace_id", "created_at"]),
        ] {
            manager.create_index(index(name, ApiKeys::Table, cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ApiKeyUsageDaily::Table)
                    .col(string_len(ApiKeyUsageDaily::KeyId, 12))
                    .col(date(ApiKeyUsageDaily::Day))
                    .col(big_integer(ApiKeyUsageDaily::Requests).default(0))
                    .primary_key(
                        Index::create()
                            .col(ApiKeyUsageDaily::KeyId)
                            .col(ApiKeyUsageDaily::Day),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_usage_daily_key")
                            .from(ApiKeyUsageDaily::Table, ApiKeyUsageDaily::KeyId)
                            .to(ApiKeys::Table, ApiKeys::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiKeyUsageDaily::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApiKeys::Table).to_owned())
            .await
    }
}
