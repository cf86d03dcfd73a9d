//! OAuth 2.0 (issue 13): registered apps (clients), the grants people gave
//! them (consent), authorization codes, refresh-token families and the
//! tokens themselves. Secrets are kept as HMAC-SHA256(pepper, prefix ‖
//! secret) only, as for keys.
use sea_orm_migration::{prelude::*, schema::*};

use crate::index;
use crate::m20261123_000001_create_tenancy::{Agencies, Users, Workspaces};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum OauthApps {
    Table,
    /// The client id's 12 base62 characters (`kw_app_{id}`).
    Id,
    AgencyId,
    Name,
    Homepage,
    Description,
    /// `confidential` or `public` (RFC 6749 §2.1).
    ClientType,
    Environment,
    /// Space-separated scope names the app may ask for.
    Scopes,
    /// Newline-separated redirect URIs, each matched exactly.
    RedirectUris,
    /// Confidential apps only.
    SecretHash,
    SecretLast4,
    /// After a roll, the old secret keeps working until this time.
    PreviousSecretHash,
    PreviousSecretExpiresAt,
    /// Whether a confidential app must use PKCE too (public ones always do).
    RequirePkce,
    /// Requests per second for each person's tokens; 0 = unlimited.
    RateLimit,
    CreatedByUserId,
    CreatedAt,
    /// The name folded for search (`fold_for_search`).
    SearchFolded,
}

#[derive(DeriveIden)]
pub enum OauthGrants {
    Table,
    Id,
    AppId,
    UserId,
    AgencyId,
    /// What the tokens reach: NULL for the whole agency, else one workspace.
    WorkspaceId,
    Scopes,
    CreatedAt,
    UpdatedAt,
    LastUsedAt,
    UsageCount,
}

#[derive(DeriveIden)]
pub enum OauthCodes {
    Table,
    Id,
    GrantId,
    SecretHash,
    RedirectUri,
    Scopes,
    /// The S256 challenge; NULL when a confidential app sent none.
    CodeChallenge,
    CreatedAt,
    ExpiresAt,
    RedeemedAt,
    /// The refresh family its redemption started (revoked on a replay).
    FamilyId,
}

#[derive(DeriveIden)]
pub enum OauthFamilies {
    Table,
    Id,
    GrantId,
    Scopes,
    CreatedAt,
    /// At most 365 days after the code was redeemed; then consent again.
    ExpiresAt,
    RevokedAt,
    /// Why: `revoked`, `refresh_replay`, `code_replay`, `grant_revoked`.
    RevokedReason,
}

#[derive(DeriveIden)]
pub enum OauthTokens {
    Table,
    Id,
    FamilyId,
    /// `access` or `refresh`.
    Kind,
    SecretHash,
    Scopes,
    CreatedAt,
    ExpiresAt,
    /// Refresh: when it was exchanged (rotated). Access: its first use.
    UsedAt,
    RevokedAt,
    /// Refresh: the refresh token it replaced. Access: the refresh token
    /// issued beside it.
    ParentId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthApps::Table)
                    .col(string_len(OauthApps::Id, 12).primary_key())
                    .col(big_integer(OauthApps::AgencyId))
                    .col(string_len(OauthApps::Name, 64))
                    .col(string_len(OauthApps::Homepage, 2000).default(""))
                    .col(string_len(OauthApps::Description, 500).default(""))
                    .col(string_len(OauthApps::ClientType, 12))
                    .col(string_len(OauthApps::Environment, 4))
                    .col(string_len(OauthApps::Scopes, 400))
                    .col(text(OauthApps::RedirectUris))
                    .col(binary_null(OauthApps::SecretHash))
                    .col(string_len_null(OauthApps::SecretLast4, 4))
                    .col(binary_null(OauthApps::PreviousSecretHash))
                    .col(timestamp_with_time_zone_null(OauthApps::PreviousSecretExpiresAt))
                    .col(boolean(OauthApps::RequirePkce).default(true))
                    .col(integer(OauthApps::RateLimit).default(100))
                    .col(big_integer_null(OauthApps::CreatedByUserId))
                    .col(timestamp_with_time_zone(OauthApps::CreatedAt))
                    .col(string_len(OauthApps::SearchFolded, 64).default(""))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_apps_agency")
                            .from(OauthApps::Table, OauthApps::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_oauth_apps_agency_name",
                OauthApps::Table,
                &["agency_id", "name"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthGrants::Table)
                    .col(string_len(OauthGrants::Id, 12).primary_key())
                    .col(string_len(OauthGrants::AppId, 12))
                    .col(big_integer(OauthGrants::UserId))
                    .col(big_integer(OauthGrants::AgencyId))
                    .col(big_integer_null(OauthGrants::WorkspaceId))
                    .col(string_len(OauthGrants::Scopes, 400))
                    .col(timestamp_with_time_zone(OauthGrants::CreatedAt))
                    .col(timestamp_with_time_zone(OauthGrants::UpdatedAt))
                    .col(timestamp_with_time_zone_null(OauthGrants::LastUsedAt))
                    .col(big_integer(OauthGrants::UsageCount).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_grants_app")
                            .from(OauthGrants::Table, OauthGrants::AppId)
                            .to(OauthApps::Table, OauthApps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_grants_user")
                            .from(OauthGrants::Table, OauthGrants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_grants_workspace")
                            .from(OauthGrants::Table, OauthGrants::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One grant per app and person: consenting again updates it.
        manager
            .create_index(
                index(
                    "ux_oauth_grants_app_user",
                    OauthGrants::Table,
                    &["app_id", "user_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_oauth_grants_agency",
                OauthGrants::Table,
                &["agency_id", "created_at"],
            ))
            .await?;
        manager
            .create_index(index("ix_oauth_grants_user", OauthGrants::Table, &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthFamilies::Table)
                    .col(string_len(OauthFamilies::Id, 12).primary_key())
                    .col(string_len(OauthFamilies::GrantId, 12))
                    .col(string_len(OauthFamilies::Scopes, 400))
                    .col(timestamp_with_time_zone(OauthFamilies::CreatedAt))
                    .col(timestamp_with_time_zone(OauthFamilies::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthFamilies::RevokedAt))
                    .col(string_len_null(OauthFamilies::RevokedReason, 24))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_families_grant")
                            .from(OauthFamilies::Table, OauthFamilies::GrantId)
                            .to(OauthGrants::Table, OauthGrants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_oauth_families_grant",
                OauthFamilies::Table,
                &["grant_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthCodes::Table)
                    .col(string_len(OauthCodes::Id, 12).primary_key())
                    .col(string_len(OauthCodes::GrantId, 12))
                    .col(binary(OauthCodes::SecretHash))
                    .col(string_len(OauthCodes::RedirectUri, 2000))
                    .col(string_len(OauthCodes::Scopes, 400))
                    .col(string_len_null(OauthCodes::CodeChallenge, 43))
                    .col(timestamp_with_time_zone(OauthCodes::CreatedAt))
                    .col(timestamp_with_time_zone(OauthCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthCodes::RedeemedAt))
                    .col(string_len_null(OauthCodes::FamilyId, 12))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_codes_grant")
                            .from(OauthCodes::Table, OauthCodes::GrantId)
                            .to(OauthGrants::Table, OauthGrants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_oauth_codes_expires",
                OauthCodes::Table,
                &["expires_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthTokens::Table)
                    .col(string_len(OauthTokens::Id, 12).primary_key())
                    .col(string_len(OauthTokens::FamilyId, 12))
                    .col(string_len(OauthTokens::Kind, 7))
                    .col(binary(OauthTokens::SecretHash))
                    .col(string_len(OauthTokens::Scopes, 400))
                    .col(timestamp_with_time_zone(OauthTokens::CreatedAt))
                    .col(timestamp_with_time_zone(OauthTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(OauthTokens::RevokedAt))
                    .col(string_len_null(OauthTokens::ParentId, 12))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oauth_tokens_family")
                            .from(OauthTokens::Table, OauthTokens::FamilyId)
                            .to(OauthFamilies::Table, OauthFamilies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_oauth_tokens_family",
                OauthTokens::Table,
                &["family_id", "kind"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_oauth_tokens_expires",
                OauthTokens::Table,
                &["expires_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OauthTokens::Table.into_iden(),
            OauthCodes::Table.into_iden(),
            OauthFamilies::Table.into_iden(),
            OauthGrants::Table.into_iden(),
            OauthApps::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
