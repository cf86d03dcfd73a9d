//! Group commit for changes that announce an event (the database term:
//! several transactions' work made durable by one commit).
//!
//! A lead import with subscribers costs a transaction of its own: `BEGIN`,
//! the insert, the message, its deliveries, `COMMIT` — five round trips
//! where the same import without subscribers takes one. Under load the
//! changes waiting here are run by a few writers, each taking every change
//! queued (up to [`MAX_BATCH`]) into **one** transaction: each change's own
//! statements, then one insert for all their messages and one for all
//! their deliveries, then one commit. Every change still commits together
//! with its event, or neither does (the outbox's promise); alone, a change
//! costs what it did before.
//!
//! When any change of a batch fails (a unique external id lost to a race,
//! say), the batch is rolled back and each change runs again in a
//! transaction of its own, so one change's failure is only its own. A
//! change may therefore run twice: it must be a closure that can (owned,
//! cloned data; no effects outside the transaction).
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    TransactionTrait,
};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::outbox::{Fanout, Pending};

/// The most changes one transaction takes: bounds a transaction's length
/// (and its statement's parameters) while the queue is long.
pub const MAX_BATCH: usize = 64;

/// Changes that may wait for a writer before a new one waits to be queued.
const QUEUE: usize = 1024;

/// What a change's closure returns: a future borrowing the transaction.
pub type ChangeFuture<'t, T> = Pin<Box<dyn Future<Output = Result<Option<T>, DbErr>> + Send + 't>>;

type Run = Box<
    dyn for<'t> Fn(
            &'t DatabaseTransaction,
        ) -> Pin<Box<dyn Future<Output = Result<Option<Pending>, DbErr>> + Send + 't>>
        + Send
        + Sync,
>;

struct Item {
    run: Run,
    reply: oneshot::Sender<Result<(), DbErr>>,
}

/// The queue of changes waiting to commit with their events; cheap to clone.
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Item>,
    /// The writers' own pool.
    own: DatabaseConnection,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts the writers on `db`: one on SQLite, which has one writer at
    /// a time anyway; four on PostgreSQL, so batches overlap their round
    /// trips. They run on a thread of their own with connections of their
    /// own (a pool of as many as there are writers, with `db`'s options):
    /// every statement is a round trip, and a writer woken on the runtime
    /// that serves requests, or waiting for one of their pooled
    /// connections, would queue behind them at each one (measured on
    /// SQLite: 0.65 of the throughput without subscribers that way, 1.04
    /// this way; BENCHMARKS.md). They stop when the last clone of the
    /// returned handle is dropped; [`GroupCommit::close`] closes their
    /// connections.
    pub fn start(db: DatabaseConnection) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let waiting = Arc::new(tokio::sync::Mutex::new(waiting));
        let writers = match db.get_database_backend() {
            DatabaseBackend::Sqlite => 1,
            _ => 4,
        };
        let own = own_pool(&db, writers);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let started = runtime.and_then(|runtime| {
            let waiting = Arc::clone(&waiting);
            let own = own.clone();
            std::thread::Builder::new()
                .name("keyward-group-commit".into())
                .spawn(move || {
                    runtime.block_on(async move {
                        let running: Vec<_> = (0..writers)
                            .map(|_| tokio::spawn(writer(own.clone(), Arc::clone(&waiting))))
                            .collect();
                        for writer in running {
                            let _ = writer.await;
                        }
                    });
                })
        });
        if let Err(err) = started {
            tracing::warn!(error = %err, "no thread for the group commit writers: they run on the shared runtime");
            for _ in 0..writers {
                tokio::spawn(writer(own.clone(), Arc::clone(&waiting)));
            }
        }
        Self { queue, own }
    }

    /// Closes the writers' connections (at shutdown, after the last
    /// request): a change queued after this fails.
    pub async fn close(&self) {
        let _ = self.own.clone().close().await;
    }

    /// Runs `change` in a transaction and, when it returns `Some(data)`,
    /// writes `fanout`'s message with `data` (as of `now`) and its
    /// deliveries in the same transaction. Returns what the change
    /// returned, once committed; `None` means the change found nothing to
    /// do (no event written). Errors: the change's own (after it ran
    /// alone), or the commit's.
    pub async fn commit<T, F>(
        &self,
        fanout: Fanout,
        now: DateTime<Utc>,
        change: F,
    ) -> Result<Option<T>, DbErr>
    where
        T: Serialize + Send + 'static,
        F: for<'t> Fn(&'t DatabaseTransaction) -> ChangeFuture<'t, T> + Send + Sync + 'static,
    {
        let slot: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
        let kept = Arc::clone(&slot);
        let fanout = Arc::new(fanout);
        let run: Run = Box::new(move |txn| {
            let changed = change(txn);
            let slot = Arc::clone(&kept);
            let fanout = Arc::clone(&fanout);
            Box::pin(async move {
                let Some(data) = changed.await? else {
                    *slot.lock().expect("slot lock") = None;
                    return Ok(None);
                };
                let pending = fanout.pending(&data, now);
                *slot.lock().expect("slot lock") = Some(data);
                Ok(pending)
            })
        });
        let (reply, answer) = oneshot::channel();
        let stopped = || DbErr::Custom("the group commit writers have stopped".into());
        self.queue
            .send(Item { run, reply })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())??;
        let data = slot.lock().expect("slot lock").take();
        Ok(data)
    }
}

/// A pool of `size` connections to `db`'s database, with its options.
fn own_pool(db: &DatabaseConnection, size: u32) -> DatabaseConnection {
    use sea_orm::sqlx::pool::PoolOptions;
    let timeout = std::time::Duration::from_secs(5);
    match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let options = db.get_sqlite_connection_pool().connect_options();
            let pool = PoolOptions::new()
                .max_connections(size)
                .min_connections(0)
                .acquire_timeout(timeout)
                .connect_lazy_with((*options).clone());
            sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
        }
        DatabaseBackend::Postgres => {
            let options = db.get_postgres_connection_pool().connect_options();
            let pool = PoolOptions::new()
                .max_connections(size)
                .min_connections(0)
                .acquire_timeout(timeout)
                .connect_lazy_with((*options).clone());
            sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
        }
        _ => db.clone(),
    }
}

async fn writer(db: DatabaseConnection, waiting: Arc<tokio::sync::Mutex<mpsc::Receiver<Item>>>) {
    loop {
        let batch = {
            let mut waiting = waiting.lock().await;
            let Some(first) = waiting.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match waiting.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            batch
        };
        // Its own task: a change that panics loses its batch's answers
        // (their callers see an error), not the writer.
        if let Err(err) = tokio::spawn(run(db.clone(), batch)).await {
            tracing::error!(error = %err, "a group commit batch panicked");
        }
    }
}

async fn run(db: DatabaseConnection, batch: Vec<Item>) {
    tracing::trace!(changes = batch.len(), "group commit");
    if batch.len() > 1 {
        match together(&db, &batch).await {
            Ok(()) => {
                for item in batch {
                    let _ = item.reply.send(Ok(()));
                }
                return;
            }
            Err(Failed::Commit(err)) => {
                let message = err.to_string();
                for item in batch {
                    let _ = item.reply.send(Err(DbErr::Custom(message.clone())));
                }
                return;
            }
            // Some change failed: each runs alone, to learn whose it was.
            Err(Failed::Before(err)) => {
                tracing::debug!(error = %err, changes = batch.len(), "a grouped change failed; each runs alone");
            }
        }
    }
    for item in batch {
        let result = alone(&db, &item).await;
        let _ = item.reply.send(result);
    }
}

enum Failed {
    /// Before the commit: rolled back, nothing written.
    Before(DbErr),
    /// The commit itself.
    Commit(DbErr),
}

async fn together(db: &DatabaseConnection, batch: &[Item]) -> Result<(), Failed> {
    let txn = db.begin().await.map_err(Failed::Before)?;
    let mut pending = Vec::with_capacity(batch.len());
    for item in batch {
        match (item.run)(&txn).await {
            Ok(found) => pending.extend(found),
            Err(err) => {
                let _ = txn.rollback().await;
                return Err(Failed::Before(err));
            }
        }
    }
    if let Err(err) = write(&txn, &pending).await {
        let _ = txn.rollback().await;
        return Err(Failed::Before(err));
    }
    txn.commit().await.map_err(Failed::Commit)
}

async fn alone(db: &DatabaseConnection, item: &Item) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let pending = match (item.run)(&txn).await {
        Ok(pending) => pending,
        Err(err) => {
            txn.rollback().await?;
            return Err(err);
        }
    };
    write(&txn, pending.as_slice()).await?;
    txn.commit().await
}

/// Writes `pending`'s messages (one statement) and their deliveries to the
/// endpoints still enabled (one statement).
async fn write(db: &impl ConnectionTrait, pending: &[Pending]) -> Result<(), DbErr> {
    use crate::entities::{webhook_delivery, webhook_endpoint, webhook_message};
    use sea_orm::sea_query::{Alias, Expr, Query};
    if pending.is_empty() {
        return Ok(());
    }
    webhook_message::Entity::insert_many(pending.iter().map(|p| p.message.clone()))
        .exec_without_returning(db)
        .await?;
    let pairs: Vec<(String, String, DateTime<Utc>)> = pending
        .iter()
        .flat_map(|p| {
            p.endpoints
                .iter()
                .map(|endpoint| (endpoint.clone(), p.id.clone(), p.at))
        })
        .collect();
    if pairs.is_empty() {
        return Ok(());
    }
    // `(VALUES …) AS wanted` names its columns column1, column2, column3
    // on SQLite and PostgreSQL alike.
    let wanted = Alias::new("wanted");
    let column = |name: &str| Expr::col((wanted.clone(), Alias::new(name)));
    let select = Query::select()
        .column((webhook_endpoint::Entity, webhook_endpoint::Column::Id))
        .expr(column("column2"))
        .expr(Expr::value(super::State::Pending.as_str()))
        .expr(Expr::value(0))
        .expr(column("column3"))
        .expr(column("column3"))
        .from_values(pairs, wanted.clone())
        .from(webhook_endpoint::Entity)
        .and_where(
            Expr::col((webhook_endpoint::Entity, webhook_endpoint::Column::Id))
                .equals((wanted.clone(), Alias::new("column1"))),
        )
        .and_where(Expr::col((webhook_endpoint::Entity, webhook_endpoint::Column::Enabled)).eq(true))
        .to_owned();
    let insert = Query::insert()
        .into_table(webhook_delivery::Entity)
        .columns([
            webhook_delivery::Column::EndpointId,
            webhook_delivery::Column::MessageId,
            webhook_delivery::Column::State,
            webhook_delivery::Column::Attempts,
            webhook_delivery::Column::NextAttemptAt,
            webhook_delivery::Column::CreatedAt,
        ])
        .select_from(select)
        .map_err(|err| DbErr::Custom(err.to_string()))?
        .to_owned();
    db.execute(db.get_database_backend().build(&insert)).await?;
    Ok(())
}
