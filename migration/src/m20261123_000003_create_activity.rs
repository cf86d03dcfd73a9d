//! In-app notifications and the audit log.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenancy::{Agencies, Users};
use crate::{big_pk_auto, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    AgencyId,
    UserId,
    /// No foreign key: a notice outlives the key it was about.
    KeyId,
    Kind,
    Title,
    Body,
    Link,
    /// Unique: a job that runs twice (or on two instances) notifies once.
    DedupeKey,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    AgencyId,
    ActorUserId,
    ActorKeyId,
    /// The actor's name at the time, kept when the actor is gone.
    ActorLabel,
    Action,
    KeyId,
    KeyName,
    /// JSON object with the event's details.
    Details,
    Ip,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(big_pk_auto(Notifications::Id))
                    .col(big_integer(Notifications::AgencyId))
                    .col(big_integer(Notifications::UserId))
                    .col(string_len_null(Notifications::KeyId, 12))
                    .col(string_len(Notifications::Kind, 40))
                    .col(string_len(Notifications::Title, 200))
                    .col(text(Notifications::Body))
                    .col(string_len_null(Notifications::Link, 400))
                    .col(string_len_null(Notifications::DedupeKey, 200).unique_key())
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_agency")
                            .from(Notifications::Table, Notifications::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_user")
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_notifications_user_created",
                Notifications::Table,
                &["user_id", "created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(big_integer(AuditEvents::AgencyId))
                    .col(big_integer_null(AuditEvents::ActorUserId))
                    .col(string_len_null(AuditEvents::ActorKeyId, 12))
                    .col(string_len(AuditEvents::ActorLabel, 200))
                    .col(string_len(AuditEvents::Action, 40))
                    .col(string_len_null(AuditEvents::KeyId, 12))
                    .col(string_len_null(AuditEvents::KeyName, 64))
                    .col(text(AuditEvents::Details).default("{}"))
                    .col(string_len_null(AuditEvents::Ip, 45))
                    .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_agency")
                            .from(AuditEvents::Table, AuditEvents::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_audit_events_agency_created",
                AuditEvents::Table,
                &["agency_id", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_audit_events_key_created",
                AuditEvents::Table,
                &["key_id", "created_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
