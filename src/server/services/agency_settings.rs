//! An agency's settings: the key limit, the inactivity window and the weekly
//! sandbox reset. Changed from the dashboard (super managers) and with
//! `keyward agency set`.
use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait};
use serde_json::json;

use super::keys::{begin_for_agency, Caller, ServiceError};
use crate::domain::audit_action::AuditAction;
use crate::domain::lifecycle::describe_weekly;
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
    pub sandbox_reset: Option<SandboxReset>,
}

/// When test-mode data is purged: a weekday (0 = Sunday … 6 = Saturday)
/// and an hour (UTC), or never (`day: None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxReset {
    pub day: Option<i16>,
    pub hour: i16,
}

impl std::fmt::Display for SandboxReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&describe_weekly(self.day, self.hour))
    }
}

/// The settings after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgencySettings {
    pub max_active_keys: i32,
    pub inactivity_days: i32,
    pub sandbox_reset: SandboxReset,
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
) -> Result<AgencySettings, ServiceError> {
    if !caller.may(Action::ChangeAgencySettings) {
        return Err(ServiceError::Forbidden(
            "only super managers change agency settings".into(),
        ));
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
    if let Some(reset) = changes.sandbox_reset {
        if reset.day.is_some_and(|d| !(0..=6).contains(&d)) {
            issues.push(FieldIssue {
                field: "sandbox_reset_day".into(),
                message: "Choose a day of the week, or Off".into(),
            });
        }
        if !(0..=23).contains(&reset.hour) {
            issues.push(FieldIssue {
                field: "sandbox_reset_hour".into(),
                message: "Choose an hour from 00:00 to 23:00".into(),
            });
        }
    }
    if !issues.is_empty() {
        return Err(ServiceError::Invalid(issues));
    }

    let txn = begin_for_agency(db, caller.agency_id).await?;
    let agency = agency::Entity::find_by_id(caller.agency_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let before = settings_of(&agency);
    let after = AgencySettings {
        max_active_keys: changes.max_active_keys.unwrap_or(before.max_active_keys),
        inactivity_days: changes.inactivity_days.unwrap_or(before.inactivity_days),
        sandbox_reset: changes.sandbox_reset.unwrap_or(before.sandbox_reset),
    };
    if after != before {
        let mut active: agency::ActiveModel = agency.into();
        active.max_active_keys = Set(after.max_active_keys);
        active.inactivity_days = Set(after.inactivity_days);
        active.sandbox_reset_day = Set(after.sandbox_reset.day);
        active.sandbox_reset_hour = Set(after.sandbox_reset.hour);
        active.update(&txn).await?;
    }
    if after.sandbox_reset != before.sandbox_reset {
        let (from, to) = (before.sandbox_reset.to_string(), after.sandbox_reset.to_string());
        caller
            .audit(
                &txn,
                AuditAction::SandboxResetChanged,
                None,
                json!({ "from": from, "to": to }),
                now,
            )
            .await?;
    }
    let changed = [
        (
            AuditAction::KeyLimitChanged,
            before.max_active_keys,
            after.max_active_keys,
        ),
        (
            AuditAction::InactivityChanged,
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

/// An agency's settings as stored.
pub fn settings_of(agency: &agency::Model) -> AgencySettings {
    AgencySettings {
        max_active_keys: agency.max_active_keys,
        inactivity_days: agency.inactivity_days,
        sandbox_reset: SandboxReset {
            day: agency.sandbox_reset_day,
            hour: agency.sandbox_reset_hour,
        },
    }
}
