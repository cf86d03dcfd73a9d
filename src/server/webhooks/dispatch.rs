//! Sending what the outbox holds. Any instance claims due deliveries in
//! one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite, whose
//! writers take turns, the same statement is atomic): a claim moves the
//! delivery's `next_attempt_at` one lease ahead and writes a fresh claim
//! number, so no other instance takes it meanwhile, and only that claim may
//! record the attempt. Requests are sent outside any transaction; a crash
//! between sending and recording lets the lease run out and the delivery be
//! sent again, with the same `webhook-id` (receivers deduplicate on it).
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::OsRng;
use rand::RngCore;
use reqwest::header::{HeaderValue, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
    TransactionTrait,
};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::guard::{Refusal, TargetGuard};
use super::schedule;
use super::secret::{SecretBox, SigningSecret};
use super::signature::sign;
use super::State;
use crate::domain::ip_allowlist::IpAllowlist;
use crate::domain::token::Pepper;
use crate::entities::{webhook_attempt, webhook_endpoint, webhook_message};

/// A receiver has this long to answer (headers and body): 15 s.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How long a claim keeps a delivery from other instances: the timeout and
/// a margin to record the result.
pub const LEASE: Duration = Duration::from_secs(30);
/// The bytes of a receiver's answer kept in the delivery log.
pub const KEPT_BODY: usize = 4096;
/// With no wake-up, how often an instance looks for due deliveries
/// (others' events, retries coming due).
const POLL: Duration = Duration::from_secs(1);
/// Deliveries claimed at once.
const CLAIM_BATCH: usize = 100;
/// Sent as `User-Agent`.
const AGENT: &str = concat!("keyward-webhooks/", env!("CARGO_PKG_VERSION"));

/// Where an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    pub latency_ms: i32,
    /// The first [`KEPT_BODY`] bytes of the answer, as text.
    pub body: String,
    /// `None` on success; else `timeout`, `connect`, `dns`,
    /// `refused_address`, `tls`, `redirect`, `gone`, `status` or
    /// `endpoint_disabled`.
    pub error_kind: Option<&'static str>,
    pub error: String,
    /// The receiver's `Retry-After`, on 429, 502, 503 and 504 only.
    pub retry_after: Option<Duration>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.error_kind.is_none()
    }

    fn failed(kind: &'static str, error: impl Into<String>, latency_ms: i32) -> Self {
        Self {
            status: None,
            latency_ms,
            body: String::new(),
            error_kind: Some(kind),
            error: error.into(),
            retry_after: None,
        }
    }
}

/// The webhook machinery of one instance: sealing, the guard, the HTTP
/// clients, and the dispatcher's wake-up.
pub struct Webhooks {
    pub secrets: SecretBox,
    pub guard: TargetGuard,
    https: reqwest::Client,
    http: reqwest::Client,
    wake: Notify,
    /// Requests this instance sends at once; 0: it sends none.
    pub concurrency: usize,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("guard", &self.guard)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

fn client(guard: &TargetGuard, plain_http: bool) -> reqwest::Client {
    reqwest::Client::builder()
        // A 3xx is an answer, and a failure: following it could lead anywhere.
        .redirect(reqwest::redirect::Policy::none())
        // Never through a proxy from the environment: the guard judges the
        // address actually connected to.
        .no_proxy()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .dns_resolver(guard.resolver(plain_http))
        .pool_max_idle_per_host(16)
        .build()
        .expect("the webhook HTTP client builds")
}

/// A delivery this instance claimed.
#[derive(Debug, Clone)]
struct Claimed {
    id: i64,
    endpoint_id: String,
    message_id: String,
    attempts: i32,
    claim: i64,
}

impl Webhooks {
    pub fn new(pepper: &Pepper, allowed: IpAllowlist, concurrency: usize) -> Self {
        let guard = TargetGuard::new(allowed);
        Self {
            secrets: SecretBox::new(pepper),
            https: client(&guard, false),
            http: client(&guard, true),
            guard,
            wake: Notify::new(),
            concurrency,
        }
    }

    /// Tells this instance's dispatcher that deliveries were written.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The secrets that sign at `now`: the current one, and the previous one
    /// within 24 hours of a rotation.
    pub fn signing_secrets(
        &self,
        endpoint: &webhook_endpoint::Model,
        now: DateTime<Utc>,
    ) -> Result<Vec<SigningSecret>, super::secret::Unopenable> {
        let mut secrets = vec![self.secrets.open(&endpoint.id, &endpoint.secret)?];
        if let (Some(previous), Some(until)) = (&endpoint.previous_secret, endpoint.previous_secret_until) {
            if until > now {
                secrets.push(self.secrets.open(&endpoint.id, previous)?);
            }
        }
        Ok(secrets)
    }

    /// One signed request, sent and answered (or failed): never records.
    pub async fn send(
        &self,
        endpoint: &webhook_endpoint::Model,
        message: &webhook_message::Model,
        now: DateTime<Utc>,
    ) -> Outcome {
        let url = match self.guard.parse(&endpoint.url) {
            Ok(url) => url,
            Err(refusal) => return Outcome::failed("refused_address", refusal.to_string(), 0),
        };
        let secrets = match self.signing_secrets(endpoint, now) {
            Ok(secrets) => secrets,
            Err(err) => return Outcome::failed("secret", err.to_string(), 0),
        };
        let timestamp = Utc::now().timestamp();
        let signature = sign(&message.id, timestamp, message.payload.as_bytes(), &secrets);
        let client = if url.scheme() == "http" {
            &self.http
        } else {
            &self.https
        };
        let started = Instant::now();
        let elapsed = |started: Instant| i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let sent = client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static(AGENT))
            .header("webhook-id", &message.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(message.payload.clone())
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(err) => {
                let (kind, text) = classify(&err);
                return Outcome::failed(kind, text, elapsed(started));
            }
        };
        let status = response.status();
        let retry_after = matches!(status.as_u16(), 429 | 502 | 503 | 504)
            .then(|| response.headers().get(RETRY_AFTER))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| schedule::parse_retry_after(v, Utc::now()));
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(200).collect::<String>());
        let mut body = Vec::new();
        let mut read_error = None;
        while body.len() < KEPT_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(err) => {
                    read_error = Some(err);
                    break;
                }
            }
        }
        body.truncate(KEPT_BODY);
        let latency_ms = elapsed(started);
        let body = String::from_utf8_lossy(&body).into_owned();
        let (error_kind, error) = if let Some(err) = read_error.filter(|_| !status.is_success()) {
            let (kind, text) = classify(&err);
            (Some(kind), text)
        } else if status.is_success() {
            (None, String::new())
        } else if status.is_redirection() {
            (
                Some("redirect"),
                format!(
                    "answered {status} to {}: redirects are not followed; give the final URL",
                    location.as_deref().unwrap_or("(no Location)")
                ),
            )
        } else if status.as_u16() == 410 {
            (
                Some("gone"),
                "answered 410 Gone: the endpoint is disabled".to_owned(),
            )
        } else {
            (Some("status"), format!("answered {status}"))
        };
        Outcome {
            status: Some(status.as_u16()),
            latency_ms,
            body,
            error_kind,
            error,
            retry_after,
        }
    }

    /// Claims up to `limit` deliveries due at `now` for this instance.
    async fn claim(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Claimed>, DbErr> {
        claim_where(db, now, Which::Due(i64::try_from(limit).unwrap_or(i64::MAX))).await
    }

    /// Whether anything is due at `now` (a read, so an idle instance takes
    /// no write lock).
    async fn any_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<bool, DbErr> {
        use sea_orm::{PaginatorTrait, QuerySelect};
        let due = crate::entities::webhook_delivery::Entity::find()
            .select_only()
            .column(crate::entities::webhook_delivery::Column::Id)
            .filter(crate::entities::webhook_delivery::Column::NextAttemptAt.lte(now))
            .limit(1)
            .count(db)
            .await?;
        Ok(due > 0)
    }

    /// Claims, sends and records every delivery due at `now`, batch after
    /// batch, and returns how many attempts were made. The dispatcher's
    /// step; tests call it with a `now` of their choosing (time travel).
    pub async fn run_due(
        self: &Arc<Self>,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
    ) -> Result<usize, DbErr> {
        let mut made = 0;
        loop {
            if !Self::any_due(db, now).await? {
                return Ok(made);
            }
            let claimed = self.claim(db, now, CLAIM_BATCH).await?;
            if claimed.is_empty() {
                return Ok(made);
            }
            made += claimed.len();
            let tasks = self.start(db, claimed, Vec::new(), now).await?;
            for task in tasks {
                let _ = task.await;
            }
        }
    }

    /// Starts an attempt for each claimed delivery; each records itself.
    async fn start(
        self: &Arc<Self>,
        db: &DatabaseConnection,
        claimed: Vec<Claimed>,
        mut permits: Vec<OwnedSemaphorePermit>,
        now: DateTime<Utc>,
    ) -> Result<Vec<JoinHandle<()>>, DbErr> {
        let endpoint_ids: Vec<&str> = claimed.iter().map(|c| c.endpoint_id.as_str()).collect();
        let message_ids: Vec<&str> = claimed.iter().map(|c| c.message_id.as_str()).collect();
        let endpoints: HashMap<String, Arc<webhook_endpoint::Model>> = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(endpoint_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id.clone(), Arc::new(e)))
            .collect();
        let messages: HashMap<String, Arc<webhook_message::Model>> = webhook_message::Entity::find()
            .filter(webhook_message::Column::Id.is_in(message_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), Arc::new(m)))
            .collect();
        let mut tasks = Vec::with_capacity(claimed.len());
        for delivery in claimed {
            // Deleted meanwhile: the delivery went with it.
            let (Some(endpoint), Some(message)) = (
                endpoints.get(&delivery.endpoint_id).cloned(),
                messages.get(&delivery.message_id).cloned(),
            ) else {
                continue;
            };
            let this = Arc::clone(self);
            let db = db.clone();
            // Room for one more request once this one ends.
            let permit = permits.pop();
            tasks.push(tokio::spawn(async move {
                let _permit = permit;
                let outcome = if endpoint.enabled {
                    this.send(&endpoint, &message, now).await
                } else {
                    Outcome::failed("endpoint_disabled", "the endpoint is disabled", 0)
                };
                // The attempt's own moment: `now` may be a test's future.
                let at = now.max(Utc::now());
                if let Err(err) = record(&db, &delivery, &endpoint, &message, &outcome, at).await {
                    tracing::warn!(delivery = delivery.id, error = %err, "recording a webhook attempt failed");
                }
            }));
        }
        Ok(tasks)
    }

    /// Claims one delivery whatever its schedule, sends it at once and
    /// records it: "Send test event" and "Resend" show the outcome there and
    /// then. `None` when another instance holds it right now.
    pub async fn attempt_now(
        self: &Arc<Self>,
        db: &DatabaseConnection,
        delivery_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Outcome>, DbErr> {
        let Some(delivery) = claim_where(db, now, Which::One(delivery_id)).await?.pop() else {
            return Ok(None);
        };
        let endpoint = webhook_endpoint::Entity::find_by_id(delivery.endpoint_id.clone())
            .one(db)
            .await?;
        let message = webhook_message::Entity::find_by_id(delivery.message_id.clone())
            .one(db)
            .await?;
        let (Some(endpoint), Some(message)) = (endpoint, message) else {
            return Ok(None);
        };
        let outcome = if endpoint.enabled {
            self.send(&endpoint, &message, now).await
        } else {
            Outcome::failed("endpoint_disabled", "the endpoint is disabled", 0)
        };
        record(db, &delivery, &endpoint, &message, &outcome, now.max(Utc::now())).await?;
        Ok(Some(outcome))
    }
}

/// What a claim takes.
#[derive(Debug, Clone, Copy)]
enum Which {
    /// Up to this many due deliveries, the longest due first.
    Due(i64),
    /// This one delivery, if it is not under another claim.
    One(i64),
}

/// Claims deliveries in one statement: moves their `next_attempt_at` a
/// lease ahead and writes a fresh claim number, which alone may record
/// their attempts. PostgreSQL skips rows another claim has locked.
async fn claim_where(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    which: Which,
) -> Result<Vec<Claimed>, DbErr> {
    let backend = db.get_database_backend();
    let lease_end = now + TimeDelta::from_std(LEASE).unwrap_or(TimeDelta::MAX);
    let claim = i64::from_ne_bytes(OsRng.next_u64().to_ne_bytes());
    let postgres = backend == DbBackend::Postgres;
    let [p1, p2, p3, p4] = if postgres {
        ["$1", "$2", "$3", "$4"]
    } else {
        ["?"; 4]
    };
    let (target, value) = match which {
        Which::Due(limit) => (
            format!(
                "id IN (SELECT id FROM webhook_deliveries WHERE next_attempt_at <= {p3} \
                 ORDER BY next_attempt_at LIMIT {p4}{})",
                if postgres { " FOR UPDATE SKIP LOCKED" } else { "" }
            ),
            limit,
        ),
        Which::One(id) => (format!("next_attempt_at <= {p3} AND id = {p4}"), id),
    };
    let sql = format!(
        "UPDATE webhook_deliveries SET next_attempt_at = {p1}, claim = {p2} WHERE {target} \
         RETURNING id, endpoint_id, message_id, attempts"
    );
    let rows = db
        .query_all(Statement::from_sql_and_values(
            backend,
            sql,
            [lease_end.into(), claim.into(), now.into(), value.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Claimed {
                id: row.try_get("", "id")?,
                endpoint_id: row.try_get("", "endpoint_id")?,
                message_id: row.try_get("", "message_id")?,
                attempts: row.try_get("", "attempts")?,
                claim,
            })
        })
        .collect()
}

/// The kind of a request that got no answer, and a line for the log.
fn classify(err: &reqwest::Error) -> (&'static str, String) {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut chain = Vec::new();
    while let Some(cause) = source {
        if let Some(refusal) = cause.downcast_ref::<Refusal>() {
            return ("refused_address", refusal.to_string());
        }
        chain.push(cause.to_string());
        source = cause.source();
    }
    let text = chain.last().cloned().unwrap_or_else(|| err.to_string());
    let text: String = text.chars().take(300).collect();
    let lower = chain.join(" ").to_lowercase();
    let kind = if err.is_timeout() {
        "timeout"
    } else if lower.contains("dns") || lower.contains("failed to lookup") || lower.contains("name or service")
    {
        "dns"
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        "tls"
    } else {
        "connect"
    };
    let text = if kind == "timeout" {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else {
        text
    };
    (kind, text)
}

/// Writes the attempt, then moves the delivery on (if this claim still
/// holds it), the endpoint's failure clock, and disables the endpoint on a
/// 410 or after 5 days of failures — all in one transaction.
async fn record(
    db: &DatabaseConnection,
    delivery: &Claimed,
    endpoint: &webhook_endpoint::Model,
    message: &webhook_message::Model,
    outcome: &Outcome,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    use crate::server::services::webhooks::{disable_in, FAILING_DISABLES_AFTER};
    use sea_orm::sea_query::Expr;
    use sea_orm::ActiveValue::{NotSet, Set};

    let txn = db.begin().await?;
    webhook_attempt::Entity::insert(webhook_attempt::ActiveModel {
        id: NotSet,
        delivery_id: Set(delivery.id),
        endpoint_id: Set(endpoint.id.clone()),
        message_id: Set(message.id.clone()),
        event_type: Set(message.event_type.clone()),
        attempted_at: Set(at),
        succeeded: Set(outcome.succeeded()),
        status_code: Set(outcome.status.map(i32::from)),
        latency_ms: Set(outcome.latency_ms),
        response_body: Set(outcome.body.clone()),
        error_kind: Set(outcome.error_kind.map(str::to_owned)),
        error: Set(outcome.error.chars().take(300).collect()),
    })
    .exec_without_returning(&txn)
    .await?;

    let attempts = delivery.attempts.saturating_add(1);
    let (state, next) = match outcome.error_kind {
        None => (State::Succeeded, None),
        Some("gone" | "endpoint_disabled") => (State::Failed, None),
        Some(_) => {
            let next = schedule::next_attempt(
                u32::try_from(attempts).unwrap_or(u32::MAX),
                at,
                outcome.retry_after,
                &mut OsRng,
            );
            (
                if next.is_some() {
                    State::Pending
                } else {
                    State::Failed
                },
                next,
            )
        }
    };
    use crate::entities::webhook_delivery as delivery_entity;
    delivery_entity::Entity::update_many()
        .col_expr(delivery_entity::Column::State, Expr::value(state.as_str()))
        .col_expr(delivery_entity::Column::Attempts, Expr::value(attempts))
        .col_expr(delivery_entity::Column::NextAttemptAt, Expr::value(next))
        .col_expr(delivery_entity::Column::Claim, Expr::value(Option::<i64>::None))
        .col_expr(delivery_entity::Column::LastAttemptAt, Expr::value(Some(at)))
        .filter(delivery_entity::Column::Id.eq(delivery.id))
        .filter(delivery_entity::Column::Claim.eq(delivery.claim))
        .exec(&txn)
        .await?;

    match outcome.error_kind {
        None => {
            webhook_endpoint::Entity::update_many()
                .col_expr(
                    webhook_endpoint::Column::FailingSince,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(webhook_endpoint::Column::Id.eq(&endpoint.id))
                .filter(webhook_endpoint::Column::FailingSince.is_not_null())
                .exec(&txn)
                .await?;
        }
        Some("endpoint_disabled") => {}
        Some("gone") => {
            disable_in(&txn, endpoint, super::DisabledReason::Gone, at).await?;
        }
        Some(_) => {
            webhook_endpoint::Entity::update_many()
                .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(Some(at)))
                .filter(webhook_endpoint::Column::Id.eq(&endpoint.id))
                .filter(webhook_endpoint::Column::FailingSince.is_null())
                .exec(&txn)
                .await?;
            let current = webhook_endpoint::Entity::find_by_id(endpoint.id.clone())
                .one(&txn)
                .await?;
            if let Some(current) = current {
                if current.enabled
                    && current
                        .failing_since
                        .is_some_and(|since| at - since >= FAILING_DISABLES_AFTER)
                {
                    disable_in(&txn, &current, super::DisabledReason::Failing, at).await?;
                }
            }
        }
    }
    txn.commit().await
}

/// The dispatcher of one instance: waits for a wake-up or the poll, then
/// claims what is due while it has room for requests.
pub fn spawn(db: DatabaseConnection, webhooks: Arc<Webhooks>) -> Option<JoinHandle<()>> {
    if webhooks.concurrency == 0 {
        return None;
    }
    Some(tokio::spawn(async move {
        let room = Arc::new(Semaphore::new(webhooks.concurrency));
        loop {
            let free = room.available_permits().min(CLAIM_BATCH);
            let now = Utc::now();
            let claimed = if free == 0 {
                Vec::new()
            } else {
                match Webhooks::any_due(&db, now).await {
                    Ok(true) => webhooks.claim(&db, now, free).await.unwrap_or_else(|err| {
                        tracing::warn!(error = %err, "claiming webhook deliveries failed; will retry");
                        Vec::new()
                    }),
                    Ok(false) => Vec::new(),
                    Err(err) => {
                        tracing::warn!(error = %err, "looking for due webhook deliveries failed; will retry");
                        Vec::new()
                    }
                }
            };
            let full = claimed.len() == free && free > 0;
            if !claimed.is_empty() {
                let permits = (0..claimed.len())
                    .filter_map(|_| Arc::clone(&room).try_acquire_owned().ok())
                    .collect();
                if let Err(err) = webhooks.start(&db, claimed, permits, now).await {
                    tracing::warn!(error = %err, "loading claimed webhook deliveries failed");
                }
            }
            if full {
                // More may be due.
                continue;
            }
            if free == 0 {
                // Every request slot is busy: look again in a moment.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            tokio::select! {
                _ = webhooks.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }))
}
