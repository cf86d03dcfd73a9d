//! tower-sessions records kept in keyward's own database (SQLite or
//! PostgreSQL), so a session survives a restart and is shared by instances.
//!
//! Rows are keyed by the SHA-256 of the session id: a copy of the table does
//! not hand out live sessions.
//!
//! Every save copies what Profile › Sessions lists out of the record (whose
//! user, signed in when, last seen when, from which address and browser)
//! into columns, so "sign out everywhere" is one `DELETE … WHERE user_id`.
//! A save updates a row and never inserts one: a request still in flight
//! when its session was ended elsewhere cannot bring it back.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use crate::entities::session;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// The record's entries that the store copies into columns.
pub mod entries {
    /// The signed-in user's id.
    pub const USER_ID: &str = "user_id";
    /// When the session signed in, in seconds since the epoch.
    pub const SIGNED_IN_AT: &str = "signed_in_at";
    /// When the session last made a request, in seconds since the epoch
    /// (refreshed at most once a minute).
    pub const SEEN_AT: &str = "seen_at";
    /// The client address at sign-in, as the allowlists see it.
    pub const IP: &str = "ip";
    /// The browser's `User-Agent` at sign-in, cut to 512 characters.
    pub const USER_AGENT: &str = "user_agent";
}

/// The longest `User-Agent` kept.
pub const MAX_USER_AGENT: usize = 512;

/// The row key of the session with this id: what Profile › Sessions names
/// a session by (it cannot be turned back into a cookie).
pub fn row_key(id: &Id) -> String {
    let digest = Sha256::digest(id.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn to_chrono(at: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(at.unix_timestamp(), at.nanosecond()).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn to_offset(at: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(at.timestamp()).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn seconds(record: &Record, entry: &str) -> Option<DateTime<Utc>> {
    record
        .data
        .get(entry)
        .and_then(serde_json::Value::as_i64)
        .and_then(|at| DateTime::from_timestamp(at, 0))
}

fn text(record: &Record, entry: &str, max: usize) -> Option<String> {
    record
        .data
        .get(entry)
        .and_then(serde_json::Value::as_str)
        .map(|value| value.chars().take(max).collect())
}

impl DbSessionStore {
    fn active_model(record: &Record) -> session_store::Result<session::ActiveModel> {
        Ok(session::ActiveModel {
            id: Set(row_key(&record.id)),
            data: Set(
                serde_json::to_vec(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?
            ),
            expires_at: Set(to_chrono(record.expiry_date)),
            user_id: Set(record
                .data
                .get(entries::USER_ID)
                .and_then(serde_json::Value::as_i64)),
            signed_in_at: Set(seconds(record, entries::SIGNED_IN_AT)),
            last_seen_at: Set(
                seconds(record, entries::SEEN_AT).or_else(|| seconds(record, entries::SIGNED_IN_AT))
            ),
            ip: Set(text(record, entries::IP, 64)),
            user_agent: Set(text(record, entries::USER_AGENT, MAX_USER_AGENT)),
        })
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh 128-bit id practically never collides; pick another if it does.
        loop {
            let inserted = session::Entity::insert(Self::active_model(record)?)
                .on_conflict(OnConflict::column(session::Column::Id).do_nothing().to_owned())
                .exec_without_returning(&self.db)
                .await
                .map_err(backend)?;
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    /// Updates the row; a session ended meanwhile (signed out elsewhere,
    /// its person disabled) stays ended.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let mut model = Self::active_model(record)?;
        model.id = sea_orm::ActiveValue::Unchanged(row_key(&record.id));
        session::Entity::update_many()
            .set(model)
            .filter(session::Column::Id.eq(row_key(&record.id)))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = session::Entity::find_by_id(row_key(id))
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        row.map(|row| {
            Ok(Record {
                id: *id,
                data: serde_json::from_slice(&row.data)
                    .map_err(|e| session_store::Error::Decode(e.to_string()))?,
                expiry_date: to_offset(row.expires_at),
            })
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(row_key(id))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(Utc::now()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_keyed_by_a_digest_not_the_id() {
        let id = Id::default();
        let key = row_key(&id);
        assert_eq!(key.len(), 64);
        assert!(!key.contains(&id.to_string()));
        assert_eq!(key, row_key(&id));
    }
}
