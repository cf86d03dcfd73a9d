//! `keyward demo --extra-keys N`: the key table at scale. N more keys in
//! Downtown, named "Listing sync 00001" onwards, created over the demo's
//! history by its founder, none of them active any more (half revoked, half
//! expired: the agency's key limit still holds). Unlike the rest of the demo
//! they are written in bulk, without a trail of their own: ten thousand
//! keys through the key service would take minutes.
use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};

use super::staff::{Agency, Workspace, FOUNDER};
use super::HISTORY_DAYS;
use crate::domain::environment::Environment;
use crate::domain::token::{Pepper, Token};
use crate::entities::api_key;

/// The most extra keys `--extra-keys` takes.
pub(super) const MAX_EXTRA_KEYS: u32 = 100_000;

/// Rows per insert statement (SQLite binds at most 32,766 values).
const CHUNK: usize = 500;

/// Writes `count` extra keys in one transaction; returns how many.
pub(super) async fn issue_extra_keys(
    db: &DatabaseConnection,
    pepper: &Pepper,
    agency: &Agency,
    count: u32,
    now: DateTime<Utc>,
    rng: &mut StdRng,
) -> anyhow::Result<u32> {
    let founder = agency.user_id(FOUNDER.email)?;
    let workspace = agency.workspace_id(Workspace::Downtown);
    let history = TimeDelta::days(HISTORY_DAYS).num_minutes();
    let txn = db.begin().await?;
    let mut rows = Vec::with_capacity(CHUNK);
    for i in 1..=count {
        let environment = if i % 4 == 0 {
            Environment::Test
        } else {
            Environment::Live
        };
        let token = Token::generate(environment, &mut rand::rngs::OsRng);
        let name = format!("Listing sync {i:05}");
        let created_at = now - TimeDelta::minutes(rng.gen_range(60..history));
        let ended = created_at + (now - created_at) / 2;
        let used = (i % 3 != 0).then(|| created_at + (ended - created_at) / 3);
        let revoked = i % 2 == 0;
        rows.push(api_key::ActiveModel {
            id: Set(token.id().as_str().to_owned()),
            agency_id: Set(agency.id),
            workspace_id: Set(Some(workspace)),
            search_folded: Set(migration::fold_for_search(&[&name])),
            name: Set(name),
            environment: Set(environment),
            scopes: Set("read:leads write:leads".to_owned()),
            secret_hash: Set(pepper.hash(&token).as_bytes().to_vec()),
            last4: Set(token.last4()),
            act_as_user_id: Set(founder),
            created_by_user_id: Set(Some(founder)),
            created_at: Set(created_at),
            expires_at: Set(Some(if revoked {
                created_at + TimeDelta::days(365)
            } else {
                ended
            })),
            revoked_at: Set(revoked.then_some(ended)),
            revoked_by_user_id: Set(revoked.then_some(founder)),
            last_used_at: Set(used),
            last_used_ip: Set(used.map(|_| "203.0.113.7".to_owned())),
            usage_count: Set(if used.is_some() {
                i64::from(i % 997) * 13
            } else {
                0
            }),
            rate_limit: Set(100),
            ip_allowlist: Set(String::new()),
            previous_secret_hash: Set(None),
            previous_secret_expires_at: Set(None),
            created_by_key_id: Set(None),
        });
        if rows.len() == CHUNK || i == count {
            api_key::Entity::insert_many(std::mem::take(&mut rows))
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(count)
}
