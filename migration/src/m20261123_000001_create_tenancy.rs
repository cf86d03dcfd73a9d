//! Agencies, their workspaces, users and workspace memberships.
use sea_orm_migration::{prelude::*, schema::*};

use crate::{big_pk_auto, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Agencies {
    Table,
    Id,
    Name,
    MaxActiveKeys,
    InactivityDays,
    SandboxResetDay,
    SandboxResetHour,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Workspaces {
    Table,
    Id,
    AgencyId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    AgencyId,
    Email,
    Name,
    Role,
    PasswordHash,
    CreatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    UserId,
    WorkspaceId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agencies::Table)
                    .col(big_pk_auto(Agencies::Id))
                    .col(string_len_uniq(Agencies::Name, 200))
                    .col(integer(Agencies::MaxActiveKeys).default(3))
                    .col(integer(Agencies::InactivityDays).default(90))
                    // 0 = Sunday … 6 = Saturday; NULL turns the weekly sandbox reset off.
                    .col(small_integer_null(Agencies::SandboxResetDay).default(0))
                    .col(small_integer(Agencies::SandboxResetHour).default(3))
                    .col(timestamp_with_time_zone(Agencies::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(big_pk_auto(Workspaces::Id))
                    .col(big_integer(Workspaces::AgencyId))
                    .col(string_len(Workspaces::Name, 200))
                    .col(timestamp_with_time_zone(Workspaces::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_workspaces_agency")
                            .from(Workspaces::Table, Workspaces::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "ux_workspaces_agency_name",
                    Workspaces::Table,
                    &["agency_id", "name"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(big_integer(Users::AgencyId))
                    // Stored lower-cased; one account per address across the instance.
                    .col(string_len_uniq(Users::Email, 254))
                    .col(string_len(Users::Name, 200))
                    .col(string_len(Users::Role, 20))
                    .col(string(Users::PasswordHash))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone_null(Users::LastLoginAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_agency")
                            .from(Users::Table, Users::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("ix_users_agency", Users::Table, &["agency_id", "name"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(big_integer(Memberships::UserId))
                    .col(big_integer(Memberships::WorkspaceId))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Memberships::UserId)
                            .col(Memberships::WorkspaceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_memberships_user")
                            .from(Memberships::Table, Memberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_memberships_workspace")
                            .from(Memberships::Table, Memberships::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_memberships_workspace",
                Memberships::Table,
                &["workspace_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Memberships::Table.into_iden(),
            Users::Table.into_iden(),
            Workspaces::Table.into_iden(),
            Agencies::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
