//! Leads and properties: what API keys import and sync.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::{Agencies, Workspaces};
use crate::{big_pk_auto, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Leads {
    Table,
    Id,
    AgencyId,
    WorkspaceId,
    /// `live` or `test`: test keys see only test data.
    Environment,
    /// The key that imported the lead; only it may update the lead.
    SourceKeyId,
    SourceKeyName,
    ActingUserId,
    ExternalId,
    FirstName,
    LastName,
    Email,
    Phone,
    Source,
    Status,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Properties {
    Table,
    Id,
    AgencyId,
    WorkspaceId,
    Environment,
    ExternalId,
    SourceKeyId,
    SourceKeyName,
    ActingUserId,
    Title,
    Address,
    City,
    PriceCents,
    Bedrooms,
    Status,
    CreatedAt,
    UpdatedAt,
}

fn belongs_to_workspace(
    table: impl Iden + Copy + 'static,
    agency: impl Iden + 'static,
    workspace: impl Iden + 'static,
    prefix: &str,
) -> Vec<ForeignKeyCreateStatement> {
    vec![
        ForeignKey::create()
            .name(format!("fk_{prefix}_agency"))
            .from(table, agency)
            .to(Agencies::Table, Agencies::Id)
            .on_delete(ForeignKeyAction::Cascade)
            .to_owned(),
        ForeignKey::create()
            .name(format!("fk_{prefix}_workspace"))
            .from(table, workspace)
            .to(Workspaces::Table, Workspaces::Id)
            .on_delete(ForeignKeyAction::Cascade)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut leads = Table::create();
        leads
            .table(Leads::Table)
            .col(big_pk_auto(Leads::Id))
            .col(big_integer(Leads::AgencyId))
            .col(big_integer(Leads::WorkspaceId))
            .col(string_len(Leads::Environment, 4))
            .col(string_len_null(Leads::SourceKeyId, 12))
            .col(string_len_null(Leads::SourceKeyName, 64))
            .col(big_integer_null(Leads::ActingUserId))
            .col(string_len_null(Leads::ExternalId, 200))
            .col(string_len(Leads::FirstName, 200).default(""))
            .col(string_len(Leads::LastName, 200).default(""))
            .col(string_len(Leads::Email, 254).default(""))
            .col(string_len(Leads::Phone, 40).default(""))
            .col(string_len(Leads::Source, 200).default(""))
            .col(string_len(Leads::Status, 40).default("new"))
            .col(text(Leads::Notes).default(""))
            .col(timestamp_with_time_zone(Leads::CreatedAt))
            .col(timestamp_with_time_zone(Leads::UpdatedAt));
        for mut fk in belongs_to_workspace(Leads::Table, Leads::AgencyId, Leads::WorkspaceId, "leads") {
            leads.foreign_key(&mut fk);
        }
        manager.create_table(leads.to_owned()).await?;
        manager
            .create_index(
                index(
                    "ux_leads_source_external",
                    Leads::Table,
                    &["source_key_id", "environment", "external_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_leads_workspace_env_created",
                Leads::Table,
                &["workspace_id", "environment", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_leads_agency_env_created",
                Leads::Table,
                &["agency_id", "environment", "created_at"],
            ))
            .await?;

        let mut properties = Table::create();
        properties
            .table(Properties::Table)
            .col(big_pk_auto(Properties::Id))
            .col(big_integer(Properties::AgencyId))
            .col(big_integer(Properties::WorkspaceId))
            .col(string_len(Properties::Environment, 4))
            .col(string_len(Properties::ExternalId, 200))
            .col(string_len_null(Properties::SourceKeyId, 12))
            .col(string_len_null(Properties::SourceKeyName, 64))
            .col(big_integer_null(Properties::ActingUserId))
            .col(string_len(Properties::Title, 300).default(""))
            .col(string_len(Properties::Address, 300).default(""))
            .col(string_len(Properties::City, 200).default(""))
            .col(big_integer_null(Properties::PriceCents))
            .col(integer_null(Properties::Bedrooms))
            .col(string_len(Properties::Status, 40).default("active"))
            .col(timestamp_with_time_zone(Properties::CreatedAt))
            .col(timestamp_with_time_zone(Properties::UpdatedAt));
        for mut fk in belongs_to_workspace(
            Properties::Table,
            Properties::AgencyId,
            Properties::WorkspaceId,
            "properties",
        ) {
            properties.foreign_key(&mut fk);
        }
        manager.create_table(properties.to_owned()).await?;
        manager
            .create_index(
                index(
                    "ux_properties_workspace_external",
                    Properties::Table,
                    &["workspace_id", "environment", "external_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_properties_agency_env_updated",
                Properties::Table,
                &["agency_id", "environment", "updated_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Properties::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Leads::Table).to_owned())
            .await
    }
}
