//! What the Webhooks pages and `/v1/webhooks` show of endpoints and their
//! delivery log (issue 15). Never a signing secret: that is revealed
//! through its own answer, on demand.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::environment::Environment;
use crate::domain::webhook_event::EventType;

/// One endpoint as its managers see it.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// 12 base62 characters.
    pub id: String,
    pub url: String,
    pub description: String,
    /// `null`: every workspace of the agency.
    pub workspace_id: Option<i64>,
    /// The workspace's name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace_name: Option<String>,
    /// Live endpoints hear live events only; test endpoints test events only.
    pub environment: Environment,
    pub event_types: Vec<EventType>,
    pub enabled: bool,
    /// `manual`, `gone` (the receiver answered 410) or `failing` (5 days of
    /// failures); `null` while enabled.
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The first failure since the last success; `null` while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret before the last rotation still signs (a second
    /// `v1,` signature); `null` when no rotation is under way.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One attempt of the delivery log.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub id: i64,
    /// The `webhook-id` sent: the same on every attempt of the message.
    pub message_id: String,
    pub event_type: String,
    pub attempted_at: DateTime<Utc>,
    pub succeeded: bool,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// Milliseconds from sending to the end of the answer (or the failure).
    pub latency_ms: i32,
    /// The first 4 kB of the receiver's answer.
    pub response_body: String,
    /// `timeout`, `connect`, `dns`, `refused_address`, `tls`, `redirect`,
    /// `gone`, `status` or `endpoint_disabled`; `null` on success.
    pub error_kind: Option<String>,
    pub error: String,
    /// Where the message stands now: `pending` (another attempt is coming),
    /// `succeeded` or `failed`.
    pub delivery_state: String,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
}
