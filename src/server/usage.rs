//! Key usage: counted in memory on every `/v1` request a key was allowed to
//! make (no request waits on a write), refusals apart by reason, and both
//! written in batches — every second, and once more
//! when the server stops. Writes are additive (`usage_count + n`), so
//! several instances on one database never overwrite each other's counts,
//! and a batch that fails is kept for the next try: no count is lost.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait,
};
use tokio::task::JoinHandle;

use crate::domain::refusal::RefusalReason;
use crate::entities::api_key;

pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq)]
struct Pending {
    requests: u64,
    last_used_at: DateTime<Utc>,
    last_used_ip: Option<IpAddr>,
    /// Requests per UTC day (almost always one day; two around midnight).
    days: Vec<(NaiveDate, u64)>,
}

impl Pending {
    fn add(&mut self, requests: u64, at: DateTime<Utc>, ip: Option<IpAddr>, days: &[(NaiveDate, u64)]) {
        self.requests += requests;
        if at >= self.last_used_at {
            self.last_used_at = at;
            self.last_used_ip = ip.or(self.last_used_ip);
        }
        for (day, n) in days {
            match self.days.iter_mut().find(|(d, _)| d == day) {
                Some((_, count)) => *count += n,
                None => self.days.push((*day, *n)),
            }
        }
    }
}

/// Refused requests not yet written, by key, UTC day and reason.
type Refusals = HashMap<(String, NaiveDate, RefusalReason), u64>;

/// Counts not yet written: uses by key id, and refusals; OAuth uses by
/// grant id, and each access token's first use.
#[derive(Debug, Default)]
struct Batch {
    uses: HashMap<String, Pending>,
    refusals: Refusals,
    /// Requests and the latest use, by grant id.
    grant_uses: HashMap<String, (u64, DateTime<Utc>)>,
    /// Requests and the latest use, by session token id (each also a use
    /// of its key, in `uses`).
    session_uses: HashMap<String, (u64, DateTime<Utc>)>,
}

/// Adds one use of key `key_id` at `at`, from `ip`, to `uses`.
fn add_key_use(uses: &mut HashMap<String, Pending>, key_id: &str, at: DateTime<Utc>, ip: Option<IpAddr>) {
    let day = [(at.date_naive(), 1)];
    match uses.get_mut(key_id) {
        Some(p) => p.add(1, at, ip, &day),
        None => {
            uses.insert(
                key_id.to_owned(),
                Pending {
                    requests: 1,
                    last_used_at: at,
                    last_used_ip: ip,
                    days: day.to_vec(),
                },
            );
        }
    }
}

/// Adds `requests` uses, the latest at `at`, to `id`'s count in `uses`.
fn add_use(uses: &mut HashMap<String, (u64, DateTime<Utc>)>, id: &str, requests: u64, at: DateTime<Utc>) {
    match uses.get_mut(id) {
        Some((n, last)) => {
            *n += requests;
            *last = (*last).max(at);
        }
        None => {
            uses.insert(id.to_owned(), (requests, at));
        }
    }
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.uses.is_empty()
            && self.refusals.is_empty()
            && self.grant_uses.is_empty()
            && self.session_uses.is_empty()
    }

    /// Puts `older` (a batch that failed to write) back under what came since.
    fn merge(&mut self, older: Batch) {
        for (id, p) in older.uses {
            match self.uses.get_mut(&id) {
                Some(newer) => newer.add(p.requests, p.last_used_at, p.last_used_ip, &p.days),
                None => {
                    self.uses.insert(id, p);
                }
            }
        }
        for (at, n) in older.refusals {
            *self.refusals.entry(at).or_default() += n;
        }
        for (grant, (n, at)) in older.grant_uses {
            add_use(&mut self.grant_uses, &grant, n, at);
        }
        for (token, (n, at)) in older.session_uses {
            add_use(&mut self.session_uses, &token, n, at);
        }
    }
}

/// Counts not yet written, in shards: each thread counts in its own (a
/// lock nobody else takes but the flusher, once a second), so the request
/// threads never wait on each other nor pass the counts' memory between
/// their caches. With one shared lock, a verified `/v1/me` under load made
/// a futex call every thirtieth request (issue 12).
#[derive(Debug)]
pub struct UsageRecorder {
    shards: Box<[Shard]>,
}

/// One shard, on a cache line of its own.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard(Mutex<Batch>);

impl Shard {
    fn lock(&self) -> std::sync::MutexGuard<'_, Batch> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for UsageRecorder {
    /// Twice as many shards as cores (at least 8): threads are spread over
    /// them in the order they first count.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            shards: (0..(2 * cores).max(8)).map(|_| Shard::default()).collect(),
        }
    }
}

impl UsageRecorder {
    /// The calling thread's shard.
    fn shard(&self) -> &Shard {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static THREAD: usize = NEXT.fetch_add(1, Ordering::Relaxed);
        }
        &self.shards[THREAD.with(|n| *n) % self.shards.len()]
    }

    /// Everything counted so far, taken out of every shard.
    fn take(&self) -> Batch {
        let mut all = Batch::default();
        for shard in &self.shards {
            all.merge(std::mem::take(&mut *shard.lock()));
        }
        all
    }

    /// One request the key was allowed to make (a use): a few tens of
    /// nanoseconds under the thread's own lock.
    pub fn record(&self, key_id: &str, at: DateTime<Utc>, ip: Option<IpAddr>) {
        add_key_use(&mut self.shard().lock().uses, key_id, at, ip);
    }

    /// One request an OAuth access token was allowed to make: a use of its
    /// grant. (The token's first use is stored before that request is
    /// answered: [`crate::server::services::oauth::tokens::store_first_use`].)
    pub fn record_oauth(&self, grant_id: &str, at: DateTime<Utc>) {
        add_use(&mut self.shard().lock().grant_uses, grant_id, 1, at);
    }

    /// One request a session token was allowed to make: a use of the
    /// token and of the key that minted it (its usage and last use).
    pub fn record_session(&self, key_id: &str, token_id: &str, at: DateTime<Utc>, ip: Option<IpAddr>) {
        let mut shard = self.shard().lock();
        add_key_use(&mut shard.uses, key_id, at, ip);
        add_use(&mut shard.session_uses, token_id, 1, at);
    }

    /// One request of a verified key that was refused (not a use).
    pub fn refuse(&self, key_id: &str, at: DateTime<Utc>, reason: RefusalReason) {
        *self
            .shard()
            .lock()
            .refusals
            .entry((key_id.to_owned(), at.date_naive(), reason))
            .or_default() += 1;
    }

    /// Uses counted and not yet written.
    pub fn unwritten(&self) -> u64 {
        self.shards
            .iter()
            .map(|shard| shard.lock().uses.values().map(|p| p.requests).sum::<u64>())
            .sum()
    }

    /// Writes everything counted so far in one transaction; on failure the
    /// counts go back to wait for the next flush. Returns the requests written.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<u64, DbErr> {
        let batch = self.take();
        if batch.is_empty() {
            return Ok(0);
        }
        match write(db, &batch).await {
            Ok(()) => Ok(batch.uses.values().map(|p| p.requests).sum()),
            Err(err) => {
                self.shard().lock().merge(batch);
                Err(err)
            }
        }
    }
}

async fn write(db: &DatabaseConnection, batch: &Batch) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let daily = Alias::new("api_key_usage_daily");
    for (id, p) in &batch.uses {
        // A key removed meanwhile updates nothing, and gets no daily row.
        let later = Expr::col(api_key::Column::LastUsedAt)
            .is_null()
            .or(Expr::col(api_key::Column::LastUsedAt).lt(p.last_used_at));
        let mut update = api_key::Entity::update_many()
            .col_expr(
                api_key::Column::UsageCount,
                Expr::col(api_key::Column::UsageCount).add(p.requests as i64),
            )
            .col_expr(
                api_key::Column::LastUsedAt,
                Expr::case(later.clone(), p.last_used_at)
                    .finally(Expr::col(api_key::Column::LastUsedAt))
                    .into(),
            );
        if let Some(ip) = p.last_used_ip {
            update = update.col_expr(
                api_key::Column::LastUsedIp,
                Expr::case(later, ip.to_string())
                    .finally(Expr::col(api_key::Column::LastUsedIp))
                    .into(),
            );
        }
        let updated = update
            .filter(api_key::Column::Id.eq(id.as_str()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            continue;
        }
        for (day, requests) in &p.days {
            let insert = Query::insert()
                .into_table(daily.clone())
                .columns([Alias::new("key_id"), Alias::new("day"), Alias::new("requests")])
                .values_panic([id.as_str().into(), (*day).into(), (*requests as i64).into()])
                .on_conflict(
                    OnConflict::columns([Alias::new("key_id"), Alias::new("day")])
                        .value(
                            Alias::new("requests"),
                            Expr::col((daily.clone(), Alias::new("requests")))
                                .add(Expr::col((Alias::new("excluded"), Alias::new("requests")))),
                        )
                        .to_owned(),
                )
                .to_owned();
            txn.execute(txn.get_database_backend().build(&insert)).await?;
        }
    }
    write_refusals(&txn, &batch.refusals).await?;
    write_oauth(&txn, batch).await?;
    write_sessions(&txn, batch).await?;
    txn.commit().await
}

/// Adds OAuth uses to their grants (a grant revoked meanwhile gets
/// nothing).
async fn write_oauth(txn: &impl ConnectionTrait, batch: &Batch) -> Result<(), DbErr> {
    use crate::entities::oauth_grant;
    for (grant, (requests, last)) in &batch.grant_uses {
        let later = Expr::col(oauth_grant::Column::LastUsedAt)
            .is_null()
            .or(Expr::col(oauth_grant::Column::LastUsedAt).lt(*last));
        oauth_grant::Entity::update_many()
            .col_expr(
                oauth_grant::Column::UsageCount,
                Expr::col(oauth_grant::Column::UsageCount).add(*requests as i64),
            )
            .col_expr(
                oauth_grant::Column::LastUsedAt,
                Expr::case(later, *last)
                    .finally(Expr::col(oauth_grant::Column::LastUsedAt))
                    .into(),
            )
            .filter(oauth_grant::Column::Id.eq(grant.as_str()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Adds session token uses to their tokens (one removed meanwhile, with
/// its key, gets nothing).
async fn write_sessions(txn: &impl ConnectionTrait, batch: &Batch) -> Result<(), DbErr> {
    use crate::entities::session_token;
    for (token, (requests, last)) in &batch.session_uses {
        let later = Expr::col(session_token::Column::LastUsedAt)
            .is_null()
            .or(Expr::col(session_token::Column::LastUsedAt).lt(*last));
        session_token::Entity::update_many()
            .col_expr(
                session_token::Column::UsageCount,
                Expr::col(session_token::Column::UsageCount).add(*requests as i64),
            )
            .col_expr(
                session_token::Column::LastUsedAt,
                Expr::case(later, *last)
                    .finally(Expr::col(session_token::Column::LastUsedAt))
                    .into(),
            )
            .filter(session_token::Column::Id.eq(token.as_str()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Adds refusals to their daily rows; a key removed meanwhile gets none.
async fn write_refusals(txn: &impl ConnectionTrait, refusals: &Refusals) -> Result<(), DbErr> {
    let table = Alias::new("api_key_refusals_daily");
    let requests = Alias::new("requests");
    for ((id, day, reason), n) in refusals {
        let key_exists = Query::select()
            .expr(Expr::val(1))
            .from(api_key::Entity)
            .and_where(api_key::Column::Id.eq(id.as_str()))
            .to_owned();
        let row = Query::select()
            .exprs([
                Expr::val(id.as_str()),
                Expr::val(*day),
                Expr::val(reason.as_str()),
                Expr::val(*n as i64),
            ])
            .and_where(Expr::exists(key_exists))
            .to_owned();
        let insert = Query::insert()
            .into_table(table.clone())
            .columns([
                Alias::new("key_id"),
                Alias::new("day"),
                Alias::new("reason"),
                requests.clone(),
            ])
            .select_from(row)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .on_conflict(
                OnConflict::columns([Alias::new("key_id"), Alias::new("day"), Alias::new("reason")])
                    .value(
                        requests.clone(),
                        Expr::col((table.clone(), requests.clone()))
                            .add(Expr::col((Alias::new("excluded"), requests.clone()))),
                    )
                    .to_owned(),
            )
            .to_owned();
        txn.execute(txn.get_database_backend().build(&insert)).await?;
    }
    Ok(())
}

/// Flushes every second until `stop` fires (never in the middle of a
/// write); the server then flushes once more itself, after the last
/// request has finished.
pub fn spawn_flusher(
    db: DatabaseConnection,
    usage: Arc<UsageRecorder>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(FLUSH_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = &mut stop => return,
            }
            if let Err(err) = usage.flush(&db).await {
                tracing::warn!(error = %err, unwritten = usage.unwritten(), "writing key usage failed; will retry");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_the_latest_use_wins() {
        let usage = UsageRecorder::default();
        let t0 = DateTime::parse_from_rfc3339("2026-11-23T23:59:59Z")
            .unwrap()
            .to_utc();
        let t1 = t0 + chrono::TimeDelta::seconds(2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        usage.record("a", t1, Some(ip));
        usage.record("a", t0, None);
        usage.record("b", t0, None);
        assert_eq!(usage.unwritten(), 3);
        let pending = usage.take();
        let a = &pending.uses["a"];
        assert_eq!((a.requests, a.last_used_at, a.last_used_ip), (2, t1, Some(ip)));
        assert_eq!(a.days, [(t1.date_naive(), 1), (t0.date_naive(), 1)]);
    }

    #[test]
    fn counts_from_every_thread_reach_one_batch() {
        let usage = UsageRecorder::default();
        let at = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let threads = usage.shards.len() + 3;
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..100 {
                        usage.record("a", at, None);
                    }
                    usage.refuse("a", at, RefusalReason::RateLimit);
                });
            }
        });
        let total = 100 * threads as u64;
        assert_eq!(usage.unwritten(), total);
        let batch = usage.take();
        assert_eq!(batch.uses["a"].requests, total);
        assert_eq!(batch.uses["a"].days, [(at.date_naive(), total)]);
        assert_eq!(
            batch.refusals[&("a".to_owned(), at.date_naive(), RefusalReason::RateLimit)],
            threads as u64
        );
        assert!(usage.take().is_empty(), "taking empties every shard");
    }
}
