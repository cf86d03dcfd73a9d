//! Webhooks (issue 15): endpoints, the outbox of messages and their
//! deliveries, and every attempt made. A message and its deliveries are
//! written in the same transaction as the change they announce; a
//! delivery is due while `next_attempt_at` is set, and the instance that
//! claims it writes its own `claim` number there first, so two instances
//! never make the same attempt. Signing secrets are kept sealed
//! (XChaCha20-Poly1305 under a key derived from the pepper), never plain.
use sea_orm_migration::{prelude::*, schema::*};

use crate::index;
use crate::m20261123_000001_create_tenancy::{Agencies, Workspaces};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum WebhookEndpoints {
    Table,
    /// 12 base62 characters.
    Id,
    AgencyId,
    /// `NULL`: every workspace of the agency.
    WorkspaceId,
    Environment,
    Url,
    Description,
    /// Space-separated event type names.
    EventTypes,
    Enabled,
    /// `manual`, `gone` (the receiver answered 410) or `failing` (5 days of failures).
    DisabledReason,
    DisabledAt,
    /// The first failure since the last success; `NULL` while it succeeds.
    FailingSince,
    /// nonce ‖ ciphertext ‖ tag of the signing secret.
    Secret,
    /// The secret before the last rotation, signing beside the new one until
    /// `previous_secret_until`.
    PreviousSecret,
    PreviousSecretUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum WebhookMessages {
    Table,
    /// `msg_` + 24 base62 characters: the `webhook-id` of every attempt.
    Id,
    AgencyId,
    WorkspaceId,
    Environment,
    EventType,
    /// The JSON body sent, byte for byte.
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    MessageId,
    /// `pending`, `succeeded` or `failed`.
    State,
    Attempts,
    /// Set while the delivery waits for an attempt (or a claim's lease).
    NextAttemptAt,
    /// The number of the claim that may record the attempt under way.
    Claim,
    LastAttemptAt,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    EndpointId,
    MessageId,
    EventType,
    AttemptedAt,
    Succeeded,
    /// The receiver's HTTP status, when it answered.
    StatusCode,
    LatencyMs,
    /// The first 4 kB of the receiver's answer.
    ResponseBody,
    /// `timeout`, `connect`, `dns`, `refused_address`, `tls`, `redirect`,
    /// `status`, `endpoint_disabled`; `NULL` on success.
    ErrorKind,
    Error,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(string_len(WebhookEndpoints::Id, 12).primary_key())
                    .col(big_integer(WebhookEndpoints::AgencyId))
                    .col(big_integer_null(WebhookEndpoints::WorkspaceId))
                    .col(string_len(WebhookEndpoints::Environment, 4))
                    .col(string_len(WebhookEndpoints::Url, 2048))
                    .col(string_len(WebhookEndpoints::Description, 200).default(""))
                    .col(string_len(WebhookEndpoints::EventTypes, 400))
                    .col(boolean(WebhookEndpoints::Enabled).default(true))
                    .col(string_len_null(WebhookEndpoints::DisabledReason, 12))
                    .col(timestamp_with_time_zone_null(WebhookEndpoints::DisabledAt))
                    .col(timestamp_with_time_zone_null(WebhookEndpoints::FailingSince))
                    .col(binary(WebhookEndpoints::Secret))
                    .col(binary_null(WebhookEndpoints::PreviousSecret))
                    .col(timestamp_with_time_zone_null(
                        WebhookEndpoints::PreviousSecretUntil,
                    ))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_endpoints_agency")
                            .from(WebhookEndpoints::Table, WebhookEndpoints::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_endpoints_workspace")
                            .from(WebhookEndpoints::Table, WebhookEndpoints::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Every write that may announce an event looks up its agency's endpoints.
        manager
            .create_index(index(
                "ix_webhook_endpoints_agency",
                WebhookEndpoints::Table,
                &["agency_id", "environment"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookMessages::Table)
                    .col(string_len(WebhookMessages::Id, 32).primary_key())
                    .col(big_integer(WebhookMessages::AgencyId))
                    .col(big_integer_null(WebhookMessages::WorkspaceId))
                    .col(string_len(WebhookMessages::Environment, 4))
                    .col(string_len(WebhookMessages::EventType, 40))
                    .col(text(WebhookMessages::Payload))
                    .col(timestamp_with_time_zone(WebhookMessages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_messages_agency")
                            .from(WebhookMessages::Table, WebhookMessages::AgencyId)
                            .to(Agencies::Table, Agencies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_webhook_messages_created",
                WebhookMessages::Table,
                &["created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(crate::big_pk_auto(WebhookDeliveries::Id))
                    .col(string_len(WebhookDeliveries::EndpointId, 12))
                    .col(string_len(WebhookDeliveries::MessageId, 32))
                    .col(string_len(WebhookDeliveries::State, 10))
                    .col(integer(WebhookDeliveries::Attempts).default(0))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::NextAttemptAt))
                    .col(big_integer_null(WebhookDeliveries::Claim))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::LastAttemptAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                            .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_message")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::MessageId)
                            .to(WebhookMessages::Table, WebhookMessages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The dispatcher's question: what is due now?
        manager
            .create_index(index(
                "ix_webhook_deliveries_due",
                WebhookDeliveries::Table,
                &["next_attempt_at"],
            ))
            .await?;
        manager
            .create_index(
                index(
                    "ux_webhook_deliveries_endpoint_message",
                    WebhookDeliveries::Table,
                    &["endpoint_id", "message_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_webhook_deliveries_endpoint_state",
                WebhookDeliveries::Table,
                &["endpoint_id", "state", "created_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(crate::big_pk_auto(WebhookAttempts::Id))
                    .col(big_integer(WebhookAttempts::DeliveryId))
                    .col(string_len(WebhookAttempts::EndpointId, 12))
                    .col(string_len(WebhookAttempts::MessageId, 32))
                    .col(string_len(WebhookAttempts::EventType, 40))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .col(boolean(WebhookAttempts::Succeeded))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(integer(WebhookAttempts::LatencyMs))
                    .col(text(WebhookAttempts::ResponseBody).default(""))
                    .col(string_len_null(WebhookAttempts::ErrorKind, 24))
                    .col(string_len(WebhookAttempts::Error, 300).default(""))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_delivery")
                            .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                            .to(WebhookDeliveries::Table, WebhookDeliveries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_webhook_attempts_endpoint",
                WebhookAttempts::Table,
                &["endpoint_id", "attempted_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "ix_webhook_attempts_delivery",
                WebhookAttempts::Table,
                &["delivery_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookMessages::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
