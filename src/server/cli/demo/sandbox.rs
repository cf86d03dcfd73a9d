//! The test-mode records the sandbox key wrote since the last weekly
//! sandbox reset.
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use super::keys::{key_named, Issued};
use super::listings::CITY;
use super::staff::Agency;
use crate::domain::lifecycle::weekly_slot;
use crate::models::crm::{NewLead, PropertyInput};
use crate::server::services::agency_settings::AgencySettings;
use crate::server::services::{leads, properties};
use crate::server::webhooks::group_commit::GroupCommit;

const SANDBOX_KEY: &str = "Staging sandbox";

/// Leads an integration test on staging sent: first name, last name, email.
const TEST_LEADS: [(&str, &str, &str); 3] = [
    ("Test", "Buyer", "qa+buyer@harborpine.test"),
    ("Test", "Seller", "qa+seller@harborpine.test"),
    ("Test", "Renter", "qa+renter@harborpine.test"),
];

const TEST_LISTINGS: [(&str, &str); 2] = [
    ("staging-1", "Sample listing: two-bed loft"),
    ("staging-2", "Sample listing: waterfront condo"),
];

/// What the test key wrote since the last weekly sandbox reset, so that the
/// jobs run next keep it. Returns the records written.
pub(super) async fn write_test_records(
    db: &DatabaseConnection,
    commits: &GroupCommit,
    agency: &Agency,
    keys: &[Issued],
    settings: AgencySettings,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let key = key_named(keys, SANDBOX_KEY)?;
    let Some((from, until)) = key.in_use(now) else {
        return Ok(0);
    };
    let reset = settings.sandbox_reset;
    let last_reset = reset.day.and_then(|day| weekly_slot(now, day, reset.hour));
    let since = last_reset.unwrap_or(now - TimeDelta::days(7)).max(from);
    if since >= until {
        return Ok(0);
    }
    let total = TEST_LEADS.len() + TEST_LISTINGS.len();
    // Spread evenly after `since`, never on it: the reset purges what is older than its hour.
    let span = (until - since).num_seconds();
    let moment = |n: usize| since + TimeDelta::seconds(span * (n as i64 + 1) / (total as i64 + 1));
    let reach = key.reach(agency);
    for (n, (first, last, email)) in TEST_LEADS.iter().enumerate() {
        let lead = NewLead {
            first_name: Some((*first).to_owned()),
            last_name: Some((*last).to_owned()),
            email: Some((*email).to_owned()),
            source: Some("Staging".to_owned()),
            ..NewLead::default()
        };
        let at = moment(n);
        leads::import(db, commits, &reach, key.stamp(at), &lead, at).await?;
    }
    for (n, (external_id, title)) in TEST_LISTINGS.iter().enumerate() {
        let at = moment(TEST_LEADS.len() + n);
        let input = PropertyInput {
            title: (*title).to_owned(),
            city: Some(CITY.to_owned()),
            ..PropertyInput::default()
        };
        properties::upsert(db, commits, &reach, key.stamp(at), external_id, &input, at).await?;
    }
    Ok(total)
}
