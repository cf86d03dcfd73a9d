//! Rolling a key: a new secret for the same key, the old one kept for a grace.
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection};
use serde_json::json;

use super::{begin_for_agency, managed_key, Caller, ServiceError};
use crate::domain::audit_action::AuditAction;
use crate::domain::token::{KeyId, Pepper, Token};
use crate::entities::api_key;
use crate::models::keys::RevealedKey;
use crate::server::key_cache::{commit_change, KeyCache};

/// How long a rolled key's old secret keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grace {
    Now,
    OneHour,
    OneDay,
    SevenDays,
}

impl Grace {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "now" => Some(Grace::Now),
            "1h" => Some(Grace::OneHour),
            "24h" => Some(Grace::OneDay),
            "7d" => Some(Grace::SevenDays),
            _ => None,
        }
    }

    pub fn duration(self) -> chrono::TimeDelta {
        match self {
            Grace::Now => chrono::TimeDelta::zero(),
            Grace::OneHour => chrono::TimeDelta::hours(1),
            Grace::OneDay => chrono::TimeDelta::hours(24),
            Grace::SevenDays => chrono::TimeDelta::days(7),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Grace::Now => "none",
            Grace::OneHour => "1 hour",
            Grace::OneDay => "24 hours",
            Grace::SevenDays => "7 days",
        }
    }
}

/// Issues a new secret for the same key: same id, name, scopes and
/// settings. The old secret keeps working for `grace` (not at all for
/// [`Grace::Now`]); a secret still in the grace of an earlier roll stops
/// now. Returns the new token, the only time it exists outside the caller's hands.
pub async fn roll(
    db: &DatabaseConnection,
    cache: &KeyCache,
    pepper: &Pepper,
    caller: &Caller,
    id: &str,
    grace: Grace,
    now: DateTime<Utc>,
) -> Result<RevealedKey, ServiceError> {
    let txn = begin_for_agency(db, caller.agency_id).await?;
    let key = managed_key(&txn, caller, id).await?;
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(ServiceError::Conflict(
            "Only an active key can be rolled: this one is revoked or expired".into(),
        ));
    }
    let environment = key.environment;
    let key_id =
        KeyId::parse(&key.id).ok_or_else(|| ServiceError::Corrupt(format!("key id {:?}", key.id)))?;
    let token = Token::with_id(environment, key_id, &mut rand::rngs::OsRng);
    let old_until = (grace != Grace::Now).then(|| now + grace.duration());
    let name = key.name.clone();
    let mut active: api_key::ActiveModel = key.clone().into();
    active.previous_secret_hash = Set(old_until.map(|_| key.secret_hash.clone()));
    active.previous_secret_expires_at = Set(old_until);
    active.secret_hash = Set(pepper.hash(&token).as_bytes().to_vec());
    active.last4 = Set(token.last4());
    active.update(&txn).await?;
    caller
        .audit(
            &txn,
            AuditAction::Rolled,
            Some((id, &name)),
            json!({ "grace": grace.label(), "old_secret_valid_until": old_until }),
            now,
        )
        .await?;
    commit_change(txn, cache, id, now).await?;
    tracing::info!(
        key = id,
        agency = caller.agency_id,
        grace = grace.label(),
        "key rolled"
    );
    Ok(RevealedKey {
        id: id.to_owned(),
        name,
        api_key: token.api_key(),
        secret: token.expose_secret().to_owned(),
        token: token.expose(),
    })
}
