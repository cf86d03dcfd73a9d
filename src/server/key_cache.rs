//! What `/v1` verification needs of a key, kept in memory by id so a
//! verified request costs no query. Unknown ids are remembered too (as
//! `None`), so guessing ids cannot make every request reach the database.
//!
//! Freshness: this process forgets a key as soon as one of its own changes
//! commits (before the dashboard action returns). Changes made elsewhere (the
//! command line, a job, another instance) arrive through [`spawn_listener`]:
//! PostgreSQL's LISTEN/NOTIFY, or on SQLite the `key_changes` table polled
//! twice a second. Entries also expire after a minute, a last resort should
//! a notification ever be lost. While changes cannot be followed (the LISTEN
//! connection is down or reconnecting, or polling fails), the cache is not
//! trusted: every request reads the database until following resumes.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use tokio::task::JoinHandle;

use crate::domain::environment::Environment;
use crate::domain::ip_allowlist::IpAllowlist;
use crate::domain::person::Status;
use crate::domain::scopes::ScopeSet;
use crate::domain::token::{SecretHash, Token};
use crate::entities::{api_key, key_change, user, workspace};
use crate::server::rate_limit::Bucket;

/// The PostgreSQL channel key changes are announced on.
pub const CHANNEL: &str = "keyward_key_changes";
const CAPACITY: u64 = 100_000;
const TIME_TO_LIVE: Duration = Duration::from_secs(60);
const POLL_EVERY: Duration = Duration::from_millis(500);
/// How long SQLite keeps announcements: far longer than any poll takes.
const KEEP_CHANGES: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// A key as verification and `/v1/me` see it.
#[derive(Clone)]
pub struct KeyRecord {
    pub id: String,
    pub agency_id: i64,
    pub workspace: Option<(i64, String)>,
    pub name: String,
    pub environment: Environment,
    pub scopes: ScopeSet,
    secret_hash: Option<SecretHash>,
    previous_secret: Option<(SecretHash, DateTime<Utc>)>,
    pub acting_as: ActingAs,
    /// Its workspace is archived: refused (see [`KeyRecord::suspension`]).
    pub workspace_archived: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Requests per second; 0 is unlimited.
    pub rate_limit: u32,
    /// Where the key may be used from; empty is anywhere.
    pub allowlist: IpAllowlist,
    /// The key's rate-limit bucket, found on its first limited request
    /// (see [`crate::server::rate_limit::RateLimits::check`]).
    pub bucket: OnceLock<Arc<Bucket>>,
    /// The body of `/v1/me`, rendered on its first call (`crate::api::me`).
    pub me_body: OnceLock<Bytes>,
    /// What presented it: an API key, or an OAuth access token.
    pub principal: Principal,
    /// Set once the access token's first use is in the database, which the
    /// request waits for: the refresh grant's retry grace must see at once,
    /// on every instance, that a new pair was used. Always set for a key.
    pub first_use_stored: OnceLock<()>,
}

/// The credential behind a [`KeyRecord`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// An API key: the record's `id` is the key's.
    Key,
    /// An OAuth access token (`kw_oat_…`) acting for a person through an
    /// app: the record's `id` is the grant's (so the app's tokens for that
    /// person share one rate-limit bucket and one usage count), its `name`
    /// "OAuth app {app} for {person}", its scopes what the token was given
    /// and the person's role allows now.
    OAuth {
        token_id: String,
        family_id: String,
        /// The client id, `kw_app_…`.
        client_id: String,
    },
    /// A session token (`kw_sess_…`) a key minted for a browser page: the
    /// record's `id` is the key's (so it shares the key's rate-limit bucket
    /// and counts on its usage), its `name` "session token {label} of key
    /// {name}", its scopes the token's within the key's current ones, its
    /// end the soonest of the token's, the key's, and (for a token minted
    /// with a rolled key's old secret) the end of that secret's grace. The
    /// key's IP allowlist does not apply: the token's origins do.
    Session {
        token_id: String,
        /// The exact origins (`scheme://host[:port]`) a browser may send it from.
        origins: Vec<String>,
    },
}

/// The cache's id for a session token: `sess:{token id}`, announced under
/// that name when the token alone changes (a change to its key reaches it
/// through [`KeyCache::forget`]'s dependents).
pub fn session_token_cache_id(token_id: &str) -> String {
    format!("sess:{token_id}")
}

/// The cache's id for an OAuth access token: `oat:{token id}`, apart from
/// key ids (the same 12 characters) and announced under that name.
pub fn access_token_cache_id(token_id: &str) -> String {
    format!("oat:{token_id}")
}

#[derive(Clone, Debug)]
pub struct ActingAs {
    pub id: i64,
    pub name: String,
    pub email: String,
    /// Anything but active (disabled, removed, or a row this build cannot
    /// read) refuses the credential (see [`KeyRecord::suspension`]).
    pub status: Status,
}

impl ActingAs {
    fn of(person: user::Model) -> Self {
        Self {
            status: person.status.parse().unwrap_or(Status::Disabled),
            id: person.id,
            name: person.name,
            email: person.email,
        }
    }
}

/// Why a credential whose secret matched is refused all the same: 401
/// with a message that says so (only ever told to whoever holds the secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suspension {
    /// The person it acts as is disabled or removed (DESIGN.md, "People").
    ActingUserDisabled,
    /// Its workspace is archived.
    WorkspaceArchived,
}

impl std::fmt::Debug for KeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRecord")
            .field("id", &self.id)
            .field("environment", &self.environment)
            .field("secret_hash", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl KeyRecord {
    /// The presented secret is this key's, or its previous one still within
    /// its grace period. Both comparisons always run, in constant time.
    pub fn secret_matches(&self, presented: &SecretHash, now: DateTime<Utc>) -> bool {
        let current = self.secret_hash.as_ref().is_some_and(|h| h.matches(presented));
        let previous = self
            .previous_secret
            .as_ref()
            .is_some_and(|(h, until)| h.matches(presented) & (*until > now));
        current | previous
    }

    /// Usable at `now` by this token: not revoked, not expired, and of the
    /// token's environment (the stored column decides, never the prefix alone).
    pub fn usable_by(&self, token: &Token, now: DateTime<Utc>) -> bool {
        self.principal == Principal::Key && self.is_live(now) && self.environment == token.environment()
    }

    /// When a secret hashing to `hash` stops working for this key: `Some(None)`
    /// for its current secret (with the key), `Some(Some(t))` for the
    /// previous one still in a roll's grace, `None` for neither.
    pub fn secret_ends(&self, hash: &SecretHash) -> Option<Option<DateTime<Utc>>> {
        if self.secret_hash.as_ref().is_some_and(|h| h.matches(hash)) {
            return Some(None);
        }
        match &self.previous_secret {
            Some((previous, until)) if previous.matches(hash) => Some(Some(*until)),
            _ => None,
        }
    }

    /// Usable at `now` as the session token `token` (see [`Principal::Session`]).
    pub fn usable_as_session(
        &self,
        token: &crate::domain::session_token::SessionToken,
        now: DateTime<Utc>,
    ) -> bool {
        matches!(self.principal, Principal::Session { .. })
            && self.is_live(now)
            && self.environment == token.environment()
    }

    /// The session token's id, for a session token's record.
    pub fn session_token_id(&self) -> Option<&str> {
        match &self.principal {
            Principal::Session { token_id, .. } => Some(token_id),
            _ => None,
        }
    }

    /// An OAuth access token whose first use is not in the database yet.
    pub fn first_use_pending(&self) -> bool {
        self.first_use_stored.get().is_none()
    }

    /// Why it is refused although live and proven, if it is: its acting
    /// person is not active, or its workspace is archived.
    pub fn suspension(&self) -> Option<Suspension> {
        if self.acting_as.status != Status::Active {
            Some(Suspension::ActingUserDisabled)
        } else if self.workspace_archived {
            Some(Suspension::WorkspaceArchived)
        } else {
            None
        }
    }

    /// Not revoked and not expired at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

/// The cache itself; one per process, shared through `AppState`.
pub struct KeyCache {
    entries: moka::sync::Cache<String, Option<Arc<KeyRecord>>>,
    /// Bumped by every forget, under this lock, which a load also holds
    /// while it compares and inserts: a load that began before a forget can
    /// never put what it read (possibly stale) back after the forget.
    guarded: Mutex<Guarded>,
    /// Whether changes made elsewhere are being followed; when not, the
    /// cache is neither read nor filled.
    following: AtomicBool,
    /// Database reads so far (tests check that malformed tokens cause none).
    loads: AtomicU64,
}

/// What [`KeyCache`] changes under its lock.
#[derive(Default)]
struct Guarded {
    generation: u64,
    /// The session tokens held here, by the key they were minted from:
    /// forgetting a key forgets them too, so a key's revocation, removal,
    /// roll or new scopes reach its tokens with no announcement of their own.
    dependents: std::collections::HashMap<String, Vec<String>>,
}

/// Past this many keys with session tokens in memory, entries whose tokens
/// have left the cache are dropped from [`Guarded::dependents`].
const DEPENDENTS_PRUNE_AT: usize = 10_000;

impl Default for KeyCache {
    fn default() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TIME_TO_LIVE)
                .build(),
            guarded: Mutex::new(Guarded::default()),
            following: AtomicBool::new(true),
            loads: AtomicU64::new(0),
        }
    }
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

impl KeyCache {
    /// The key with this id, from memory or else from the database.
    pub async fn get(&self, db: &DatabaseConnection, id: &str) -> Result<Option<Arc<KeyRecord>>, DbErr> {
        self.get_or_load(id.to_owned(), || load(db, id)).await
    }

    /// The access token with this id (its cache id is
    /// [`access_token_cache_id`]), from memory or else from the database.
    pub async fn get_access(
        &self,
        db: &DatabaseConnection,
        token_id: &str,
    ) -> Result<Option<Arc<KeyRecord>>, DbErr> {
        self.get_or_load(access_token_cache_id(token_id), || load_access(db, token_id))
            .await
    }

    /// The session token with this id (its cache id is
    /// [`session_token_cache_id`]), from memory or else from the database.
    pub async fn get_session(
        &self,
        db: &DatabaseConnection,
        token_id: &str,
    ) -> Result<Option<Arc<KeyRecord>>, DbErr> {
        self.get_or_load(session_token_cache_id(token_id), || load_session(db, token_id))
            .await
    }

    /// What memory holds under `cache_id`, else what `load` reads, kept
    /// unless a forget came in between.
    async fn get_or_load<F, Fut>(&self, cache_id: String, load: F) -> Result<Option<Arc<KeyRecord>>, DbErr>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Option<KeyRecord>, DbErr>>,
    {
        if let Some(hit) = self.cached(&cache_id) {
            return Ok(hit);
        }
        let generation = self.lock().generation;
        self.loads.fetch_add(1, Ordering::Relaxed);
        let loaded = load().await?.map(Arc::new);
        let mut current = self.lock();
        if current.generation == generation && self.is_following() {
            if let Some(record) = loaded
                .as_ref()
                .filter(|r| matches!(r.principal, Principal::Session { .. }))
            {
                self.depends(&mut current, &record.id, &cache_id);
            }
            self.entries.insert(cache_id, loaded.clone());
        }
        drop(current);
        Ok(loaded)
    }

    /// Notes that `cache_id` (a session token) goes when key `key_id` does.
    fn depends(&self, guarded: &mut Guarded, key_id: &str, cache_id: &str) {
        if guarded.dependents.len() >= DEPENDENTS_PRUNE_AT {
            guarded.dependents.retain(|_, ids| {
                ids.retain(|id| self.entries.contains_key(id));
                !ids.is_empty()
            });
        }
        let ids = guarded.dependents.entry(key_id.to_owned()).or_default();
        if !ids.iter().any(|id| id == cache_id) {
            ids.push(cache_id.to_owned());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Guarded> {
        self.guarded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What memory holds for this id, without reading the database:
    /// `Some(None)` is an id known not to exist, `None` means not in memory
    /// (or memory is not trusted now).
    pub fn cached(&self, id: &str) -> Option<Option<Arc<KeyRecord>>> {
        if self.is_following() {
            self.entries.get(id)
        } else {
            None
        }
    }

    /// Whether changes made elsewhere reach this cache now.
    pub fn is_following(&self) -> bool {
        self.following.load(Ordering::Acquire)
    }

    /// Marks whether changes are followed; when they start being followed
    /// again, whatever was missed meanwhile is unknown, so everything goes.
    fn set_following(&self, following: bool) {
        let was = self.following.swap(following, Ordering::AcqRel);
        if following != was {
            self.forget_all();
            if following {
                tracing::info!("following key changes again: the key cache is trusted");
            } else {
                tracing::warn!("key changes are not followed: every request reads the database");
            }
        }
    }

    /// How many times a key was read from the database.
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// Drops one key (and the session tokens it minted) or one token: the
    /// next request reads it again.
    pub fn forget(&self, id: &str) {
        let mut guarded = self.lock();
        guarded.generation += 1;
        self.entries.invalidate(id);
        for token in guarded.dependents.remove(id).unwrap_or_default() {
            self.entries.invalidate(&token);
        }
    }

    pub fn forget_all(&self) {
        let mut guarded = self.lock();
        guarded.generation += 1;
        guarded.dependents.clear();
        self.entries.invalidate_all();
    }
}

async fn load(db: &DatabaseConnection, id: &str) -> Result<Option<KeyRecord>, DbErr> {
    let Some(key) = api_key::Entity::find_by_id(id.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let acting_as = user::Entity::find_by_id(key.act_as_user_id)
        .one(db)
        .await?
        .map(ActingAs::of)
        .unwrap_or(ActingAs {
            id: key.act_as_user_id,
            name: String::new(),
            email: String::new(),
            status: Status::Removed,
        });
    let (workspace, workspace_archived) = workspace_of(db, key.workspace_id).await?;
    // A stored value this build cannot read makes the key unusable, not the server.
    let environment = Some(key.environment);
    let scopes = ScopeSet::parse(&key.scopes).ok();
    let allowlist = IpAllowlist::parse(&key.ip_allowlist).ok();
    let (Some(environment), Some(scopes), Some(allowlist)) = (environment, scopes, allowlist) else {
        tracing::error!(key = %key.id, "stored scopes or IP allowlist unreadable: key refused");
        return Ok(None);
    };
    Ok(Some(KeyRecord {
        secret_hash: SecretHash::from_bytes(&key.secret_hash),
        previous_secret: key
            .previous_secret_hash
            .as_deref()
            .and_then(SecretHash::from_bytes)
            .zip(key.previous_secret_expires_at),
        id: key.id,
        agency_id: key.agency_id,
        workspace,
        name: key.name,
        environment,
        scopes,
        acting_as,
        workspace_archived,
        expires_at: key.expires_at,
        revoked_at: key.revoked_at,
        rate_limit: key.rate_limit.max(0) as u32,
        allowlist,
        bucket: OnceLock::new(),
        me_body: OnceLock::new(),
        principal: Principal::Key,
        first_use_stored: stored(true),
    }))
}

/// A credential's workspace (`None`: agency-wide) and whether it is archived.
async fn workspace_of(
    db: &DatabaseConnection,
    workspace_id: Option<i64>,
) -> Result<(Option<(i64, String)>, bool), DbErr> {
    let Some(id) = workspace_id else {
        return Ok((None, false));
    };
    Ok(match workspace::Entity::find_by_id(id).one(db).await? {
        Some(found) => (Some((found.id, found.name)), found.archived_at.is_some()),
        None => (None, true),
    })
}

/// A [`KeyRecord::first_use_stored`], set when `stored`.
fn stored(stored: bool) -> OnceLock<()> {
    let once = OnceLock::new();
    if stored {
        let _ = once.set(());
    }
    once
}

/// An OAuth access token as verification sees it (see [`Principal::OAuth`]):
/// dead with its family, its grant, its app or its person; its scopes cut
/// to what the person's role allows now. `None` when it does not exist or
/// is not an access token.
async fn load_access(db: &DatabaseConnection, token_id: &str) -> Result<Option<KeyRecord>, DbErr> {
    use crate::domain::oauth::scope::allowed_for;
    use crate::entities::oauth_app;
    use crate::entities::oauth_token::TokenKind;
    let Some((token, family, grant)) =
        crate::server::services::oauth::tokens::token_chain(db, token_id).await?
    else {
        return Ok(None);
    };
    if token.kind != TokenKind::Access {
        return Ok(None);
    }
    let Some(app) = oauth_app::Entity::find_by_id(grant.app_id.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(person) = user::Entity::find_by_id(grant.user_id).one(db).await? else {
        return Ok(None);
    };
    let (workspace, workspace_archived) = workspace_of(db, grant.workspace_id).await?;
    let role = person.role.parse::<crate::domain::role::Role>().ok();
    let scopes = ScopeSet::parse(&token.scopes).ok();
    let (Some(role), Some(scopes)) = (role, scopes) else {
        tracing::error!(token = %token.id, "stored role or scopes unreadable: access token refused");
        return Ok(None);
    };
    // Nothing left the person's role allows: the token can do nothing.
    let Some(scopes) = scopes.intersect(allowed_for(role)) else {
        return Ok(None);
    };
    Ok(Some(KeyRecord {
        secret_hash: SecretHash::from_bytes(&token.secret_hash),
        previous_secret: None,
        id: grant.id,
        agency_id: grant.agency_id,
        workspace,
        environment: app.environment,
        scopes,
        name: format!("OAuth app {} for {}", app.name, person.name),
        acting_as: ActingAs::of(person),
        workspace_archived,
        expires_at: Some(token.expires_at.min(family.expires_at)),
        revoked_at: token.revoked_at.or(family.revoked_at),
        rate_limit: app.rate_limit.max(0) as u32,
        allowlist: IpAllowlist::default(),
        bucket: OnceLock::new(),
        me_body: OnceLock::new(),
        first_use_stored: stored(token.used_at.is_some()),
        principal: Principal::OAuth {
            token_id: token.id,
            family_id: family.id,
            client_id: format!("kw_app_{}", app.id),
        },
    }))
}

/// A session token as verification sees it (see [`Principal::Session`]):
/// its key's record, narrowed. `None` when it or its key does not exist,
/// or the key's secret that minted it no longer works.
async fn load_session(db: &DatabaseConnection, token_id: &str) -> Result<Option<KeyRecord>, DbErr> {
    use crate::entities::{session_token, session_token_origin};
    let Some(token) = session_token::Entity::find_by_id(token_id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(key) = load(db, &token.key_id).await? else {
        return Ok(None);
    };
    // Minted with the key's current secret: lives with the key; with the
    // previous one (during a roll's grace): ends with that grace; with
    // neither (rolled since): dead.
    let Some(secret_ends) = SecretHash::from_bytes(&token.key_secret_hash).and_then(|h| key.secret_ends(&h))
    else {
        return Ok(None);
    };
    let scopes = ScopeSet::parse(&token.scopes)
        .ok()
        .and_then(|scopes| scopes.intersect(key.scopes))
        .and_then(ScopeSet::for_session);
    let Some(scopes) = scopes else {
        return Ok(None);
    };
    let origins = session_token_origin::Entity::find()
        .filter(session_token_origin::Column::TokenId.eq(token_id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.origin)
        .collect();
    let label = if token.label.is_empty() {
        token.id.as_str()
    } else {
        token.label.as_str()
    };
    let expires_at = [Some(token.expires_at), key.expires_at, secret_ends]
        .into_iter()
        .flatten()
        .min();
    Ok(Some(KeyRecord {
        secret_hash: SecretHash::from_bytes(&token.secret_hash),
        previous_secret: None,
        name: format!("session token {label} of key {}", key.name),
        scopes,
        expires_at,
        revoked_at: token.revoked_at.or(key.revoked_at),
        allowlist: IpAllowlist::default(),
        bucket: OnceLock::new(),
        me_body: OnceLock::new(),
        first_use_stored: stored(true),
        principal: Principal::Session {
            token_id: token.id,
            origins,
        },
        ..key
    }))
}

/// Tells every server that a key changed, inside the transaction that
/// changes it (so the news leaves only if the change commits).
pub async fn announce(db: &impl ConnectionTrait, id: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), id.into()],
            ))
            .await?;
        }
        _ => {
            key_change::Entity::insert(key_change::ActiveModel {
                key_id: sea_orm::Set(id.to_owned()),
                changed_at: sea_orm::Set(now),
                ..Default::default()
            })
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

/// Ends a transaction that changed key `id`: announces the change to every
/// server inside it (so the news leaves only if the change commits),
/// commits, and only then forgets the key in `cache`, this process's: the
/// very next request here reads it anew. (Forgetting before the commit
/// would let a request in between cache the old row again.) Every key
/// service ends its change with this, so no caller has to remember it.
pub async fn commit_change(
    txn: sea_orm::DatabaseTransaction,
    cache: &KeyCache,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    announce(&txn, id, now).await?;
    txn.commit().await?;
    cache.forget(id);
    Ok(())
}

/// Follows changes announced by other processes for as long as the server
/// runs. On PostgreSQL the LISTEN connection comes from `listen_url` when
/// given (`KEYWARD_LISTEN_DATABASE_URL`: a transaction-pooling PgBouncer
/// does not pass LISTEN through), else from the pool.
pub fn spawn_listener(
    db: DatabaseConnection,
    cache: Arc<KeyCache>,
    listen_url: Option<String>,
) -> JoinHandle<()> {
    // Not following until the first LISTEN (or poll) succeeds.
    cache.set_following(false);
    tokio::spawn(async move {
        match db.get_database_backend() {
            DbBackend::Postgres => listen(db, cache, listen_url).await,
            _ => poll(db, cache).await,
        }
    })
}

async fn listen(db: DatabaseConnection, cache: Arc<KeyCache>, listen_url: Option<String>) {
    use sea_orm::sqlx::postgres::PgListener;
    let pool = db.get_postgres_connection_pool().clone();
    loop {
        let connected = match &listen_url {
            Some(url) => PgListener::connect(url).await,
            None => PgListener::connect_with(&pool).await,
        };
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(err) => {
                cache.set_following(false);
                tracing::warn!(error = %err, "key change listener could not connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        // A lost connection is reported at once (Ok(None)); reconnecting is
        // ours to do, so the cache knows when it is trusted again.
        listener.eager_reconnect(false);
        if let Err(err) = listener.listen(CHANNEL).await {
            cache.set_following(false);
            tracing::warn!(error = %err, "LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        cache.set_following(true);
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => cache.forget(notification.payload()),
                // The connection dropped; notifications may have been lost.
                Ok(None) => {
                    cache.set_following(false);
                    break;
                }
                Err(err) => {
                    cache.set_following(false);
                    tracing::warn!(error = %err, "key change listener failed; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn poll(db: DatabaseConnection, cache: Arc<KeyCache>) {
    let mut seen = match latest_change(&db).await {
        Ok(seq) => {
            cache.set_following(true);
            seq
        }
        Err(err) => {
            tracing::warn!(error = %err, "reading key changes failed");
            0
        }
    };
    let mut ticker = tokio::time::interval(POLL_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks: u64 = 0;
    loop {
        ticker.tick().await;
        ticks += 1;
        match changes_since(&db, seen).await {
            Ok(changes) => {
                for change in &changes {
                    cache.forget(&change.key_id);
                }
                if let Some(last) = changes.last() {
                    seen = last.seq;
                }
                cache.set_following(true);
            }
            Err(err) => {
                cache.set_following(false);
                tracing::warn!(error = %err, "reading key changes failed");
            }
        }
        if ticks.is_multiple_of(120) {
            let old = Utc::now() - KEEP_CHANGES;
            if let Err(err) = key_change::Entity::delete_many()
                .filter(key_change::Column::ChangedAt.lt(old))
                .exec(&db)
                .await
            {
                tracing::warn!(error = %err, "pruning key changes failed");
            }
        }
    }
}

async fn latest_change(db: &DatabaseConnection) -> Result<i64, DbErr> {
    Ok(key_change::Entity::find()
        .order_by_desc(key_change::Column::Seq)
        .one(db)
        .await?
        .map_or(0, |c| c.seq))
}

async fn changes_since(db: &DatabaseConnection, seq: i64) -> Result<Vec<key_change::Model>, DbErr> {
    key_change::Entity::find()
        .filter(key_change::Column::Seq.gt(seq))
        .order_by_asc(key_change::Column::Seq)
        .limit(10_000)
        .all(db)
        .await
}
