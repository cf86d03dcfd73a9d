//! Issuing the demo keys through the dashboard's key service and making
//! their later changes, in the order they happened. The demo serves no
//! requests: a fresh key cache stands in for a server's.
use anyhow::{anyhow, Context};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use super::key_table::{DemoKey, Later, DEMO_KEYS};
use super::staff::Agency;
use super::HISTORY_DAYS;
use crate::domain::token::Pepper;
use crate::domain::validity::Validity;
use crate::models::keys::NewKeyForm;
use crate::server::key_cache::KeyCache;
use crate::server::services::agency_settings::{self, AgencyChanges, AgencySettings};
use crate::server::services::keys::{self as key_service, Caller, KeyRequest};
use crate::server::services::records::{Reach, Stamp};

/// Active keys allowed per workspace and agency-wide: the default (3) is
/// too few for keys in every status.
const MAX_ACTIVE_KEYS: i32 = 10;

/// Raised by an operator on the command line before the first key, as the
/// audit log will show.
pub(super) async fn raise_key_limit(
    db: &DatabaseConnection,
    agency: &Agency,
    now: DateTime<Utc>,
) -> anyhow::Result<AgencySettings> {
    let changes = AgencyChanges {
        max_active_keys: Some(MAX_ACTIVE_KEYS),
        ..AgencyChanges::default()
    };
    let before_any_key =
        now - TimeDelta::days(DEMO_KEYS.iter().map(|k| k.created_days_ago).max().unwrap_or(0) + 1);
    Ok(agency_settings::change(db, &Caller::command_line(agency.id), changes, before_any_key).await?)
}

/// A demo key once created.
pub(super) struct Issued {
    pub(super) spec: &'static DemoKey,
    pub(super) id: String,
    workspace_id: Option<i64>,
    acting_user_id: i64,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    renamed_at: Option<DateTime<Utc>>,
}

impl Issued {
    /// The part of the history in which its client could use it; `None`
    /// when it could not at all.
    pub(super) fn in_use(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let from = self.created_at.max(now - TimeDelta::days(HISTORY_DAYS));
        let until = [self.expires_at, self.revoked_at]
            .into_iter()
            .flatten()
            .fold(now, DateTime::min);
        (from < until).then_some((from, until))
    }

    /// The name its writes were stamped with at `at`.
    fn name_at(&self, at: DateTime<Utc>) -> &'static str {
        match self.renamed_at {
            Some(renamed) if at < renamed => self.spec.first_name(),
            _ => self.spec.name,
        }
    }

    pub(super) fn reach(&self, agency: &Agency) -> Reach {
        Reach {
            agency_id: agency.id,
            workspace_id: self.workspace_id,
            environment: self.spec.environment,
        }
    }

    pub(super) fn stamp(&self, at: DateTime<Utc>) -> Stamp<'_> {
        Stamp {
            key_id: &self.id,
            key_name: self.name_at(at),
            acting_user_id: self.acting_user_id,
        }
    }
}

pub(super) fn key_named<'k>(keys: &'k [Issued], name: &str) -> anyhow::Result<&'k Issued> {
    keys.iter()
        .find(|k| k.spec.name == name)
        .ok_or_else(|| anyhow!("the demo has no key {name:?}"))
}

/// Creates the keys and makes their later changes in the order they
/// happened, so the audit log reads as a history.
pub(super) async fn issue_keys(
    db: &DatabaseConnection,
    pepper: &Pepper,
    agency: &Agency,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Issued>> {
    enum Step {
        Create,
        Change,
    }
    let mut timeline = Vec::new();
    for spec in &DEMO_KEYS {
        timeline.push((now - TimeDelta::days(spec.created_days_ago), spec, Step::Create));
        if let Some(at) = spec.later.at(now) {
            timeline.push((at, spec, Step::Change));
        }
    }
    timeline.sort_by_key(|(at, _, _)| *at);
    let mut issued: Vec<Issued> = Vec::new();
    for (at, spec, step) in timeline {
        match step {
            Step::Create => issued.push(create_key(db, pepper, agency, spec, at).await?),
            Step::Change => {
                let key = issued
                    .iter_mut()
                    .find(|k| k.spec.name == spec.name)
                    .ok_or_else(|| anyhow!("{:?} changes before it exists", spec.name))?;
                change_key(db, agency, key, at).await?;
            }
        }
    }
    Ok(issued)
}

/// Creates a key as its creator would in the dashboard. The token is
/// dropped: no demo client exists to hold it.
async fn create_key(
    db: &DatabaseConnection,
    pepper: &Pepper,
    agency: &Agency,
    spec: &'static DemoKey,
    at: DateTime<Utc>,
) -> anyhow::Result<Issued> {
    let workspace_id = spec.workspace.map(|w| agency.workspace_id(w));
    let acting_user_id = agency.user_id(spec.acts_as)?;
    let form = NewKeyForm {
        name: spec.first_name().to_owned(),
        workspace: workspace_id.map(|id| id.to_string()).unwrap_or_default(),
        act_as: acting_user_id.to_string(),
        validity: spec.validity.to_owned(),
        custom_date: String::new(),
        environment: spec.environment.as_str().to_owned(),
        scopes: spec.scopes.iter().map(|s| (*s).to_owned()).collect(),
    };
    let caller = agency.caller(db, spec.created_by).await?;
    let request = KeyRequest::from_form(&form, Some(spec.rate_limit), at)
        .map_err(|issues| anyhow!("the demo key {:?} is refused: {issues:?}", spec.name))?;
    let created = key_service::create(db, &KeyCache::default(), pepper, &caller, request, at)
        .await
        .with_context(|| format!("creating the key {:?}", spec.name))?;
    Ok(Issued {
        spec,
        id: created.id,
        workspace_id,
        acting_user_id,
        created_at: at,
        expires_at: Validity::parse(spec.validity, "", at)?.expires_at(at)?,
        revoked_at: None,
        renamed_at: None,
    })
}

/// The key's later change, made by its creator.
async fn change_key(
    db: &DatabaseConnection,
    agency: &Agency,
    key: &mut Issued,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let caller = agency.caller(db, key.spec.created_by).await?;
    let name = key.spec.name;
    let context = || format!("changing the key {name:?}");
    match key.spec.later {
        Later::Nothing => {}
        Later::Revoked { .. } => {
            key_service::revoke(db, &KeyCache::default(), &caller, &key.id, at)
                .await
                .with_context(context)?;
            key.revoked_at = Some(at);
        }
        Later::Renamed { .. } => {
            key_service::rename(db, &KeyCache::default(), &caller, &key.id, name, at)
                .await
                .with_context(context)?;
            key.renamed_at = Some(at);
        }
        Later::RateLimitChanged { per_second, .. } => {
            key_service::set_rate_limit(db, &KeyCache::default(), &caller, &key.id, per_second, at)
                .await
                .with_context(context)?;
        }
    }
    Ok(())
}
