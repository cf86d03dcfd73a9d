//! An agency's settings: the key limit and the inactivity window. Changed
//! from the dashboard (super managers) and with `keyward agency set`.
use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait};
use serde_json::json;

use super::keys::{begin_for_agency, Caller, KeyError};
use crate::domain::policy::Action;
use crate::entities::agency;
use crate::models::FieldIssue;

/// Active keys allowed per workspace, and agency-wide.
pub const MAX_ACTIVE_KEYS: RangeInclusive<i32> = 1..=1000;
/// Days a key may go unused before it is deleted. The first notice comes
/// 15 days before, so a shorter window would warn on the day of creation.
pub const INACTIVITY_DAYS: RangeInclusive<i32> = 30..=3650;

/// What to change; `None` leaves a setting as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgencyChanges {
    pub max_active_keys: Option<i32>,
    pub inactivity_days: Option<i32>,
}

/// The settings after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgencySettings {
    pub max_active_keys: i32,
    pub inactivity_days: i32,
}

fn check(field: &str, value: Option<i32>, range: &RangeInclusive<i32>, issues: &mut Vec<FieldIssue>) {
    if value.is_some_and(|v| !range.contains(&v)) {
        issues.push(FieldIssue {
            field: field.into(),
            message: format!("Enter a number from {} to {}", range.start(), range.end()),
        });
    }
}

/// Applies the changes, writing one audit event per setting that changed.
pub async fn change(
    db: &DatabaseConnection,
    caller: &Caller,
    changes: AgencyChanges,
    now: DateTime<Utc>,
) -> Result<AgencySettings, KeyError> {
    if !caller.may(Action::ChangeAgencySettings) {
        return Err(KeyError::Forbidden);
    }
    let mut issues = Vec::new();
    check(
        "max_active_keys",
        changes.max_active_keys,
        &MAX_ACTIVE_KEYS,
        &mut issues,
    );
    check(
        "inactivity_days",
        changes.inactivity_days,
        &INACTIVITY_DAYS,
        &mut issues,
    );
    if !issues.is_empty() {
        return Err(KeyError::Invalid(issues));
    }

    let txn = begin_for_agency(db, caller.agency_id).await?;
    let agency = agency::Entity::find_by_id(caller.agency_id)
        .one(&txn)
        .await?
        .ok_or(KeyError::NotFound)?;
    let before = AgencySettings {
        max_active_keys: agency.max_active_keys,
        inactivity_days: agency.inactivity_days,
    };
    let after = AgencySettings {
        max_active_keys: changes.max_active_keys.unwrap_or(before.max_active_keys),
        inactivity_days: changes.inactivity_days.unwrap_or(before.inactivity_days),
    };
    if after != before {
        let mut active: agency::ActiveModel = agency.into();
        active.max_active_keys = Set(after.max_active_keys);
        active.inactivity_days = Set(after.inactivity_days);
        active.update(&txn).await?;
    }
    let changed = [
        ("limit_changed", before.max_active_keys, after.max_active_keys),
        (
            "inactivity_changed",
            before.inactivity_days,
            after.inactivity_days,
        ),
    ];
    for (action, from, to) in changed {
        if from != to {
            caller
                .audit(&txn, action, None, json!({ "from": from, "to": to }), now)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(after)
}
