//! The live leads: where they come from, who they are, how far they got,
//! and importing them through the keys that sent them.
use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use rand::seq::SliceRandom;
use rand::Rng;
use sea_orm::DatabaseConnection;

use super::keys::{key_named, Issued};
use super::staff::Agency;
use super::usage::moment_between;
use crate::domain::crm::LeadStatus;
use crate::models::crm::NewLead;
use crate::server::services::leads;
use crate::server::webhooks::group_commit::GroupCommit;

/// Where leads come from: the source they carry and the key that imports them.
struct Channel {
    source: &'static str,
    key: &'static str,
    /// Starts the lead's id in the sending system.
    prefix: &'static str,
}

const ZILLOW: Channel = Channel {
    source: "Zillow",
    key: "Zillow lead feed",
    prefix: "zillow",
};
const REALTOR: Channel = Channel {
    source: "Realtor.com",
    key: "Realtor.com import",
    prefix: "rdc",
};
const WEBSITE: Channel = Channel {
    source: "Website",
    key: "Website contact form",
    prefix: "web",
};
const REFERRAL: Channel = Channel {
    source: "Referral",
    key: "Referral partner portal",
    prefix: "ref",
};

/// The channel of each lead in turn: Zillow brings the most, referrals the fewest.
static CHANNEL_MIX: [&Channel; 10] = [
    &ZILLOW, &WEBSITE, &ZILLOW, &REALTOR, &ZILLOW, &REFERRAL, &WEBSITE, &ZILLOW, &REALTOR, &WEBSITE,
];

const LEAD_COUNT: usize = 40;

const FIRST_NAMES: [&str; 20] = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Ethan",
    "Sophia",
    "Mason",
    "Isabella",
    "Lucas",
    "Mia",
    "James",
    "Charlotte",
    "Benjamin",
    "Amelia",
    "Elijah",
    "Harper",
    "Mateo",
    "Evelyn",
    "Henry",
];

const LAST_NAMES: [&str; 20] = [
    "Garcia",
    "Thompson",
    "Nguyen",
    "Patel",
    "Kowalski",
    "O'Brien",
    "Haddad",
    "Johansson",
    "Martinez",
    "Kim",
    "Fischer",
    "Okonkwo",
    "Rossi",
    "Dubois",
    "Chen",
    "Walsh",
    "Moreau",
    "Silva",
    "Novak",
    "Bennett",
];

const LEAD_NOTES: [&str; 7] = [
    "Pre-approved for a mortgage up to $650k",
    "Wants a viewing this weekend",
    "Relocating for work in the spring; needs three bedrooms",
    "First-time buyer, asked about closing costs",
    "Wants parking and a short walk to the ferry",
    "Selling their current home first",
    "Prefers a call after 5pm",
];

/// Imports the live leads, oldest first (lists show the newest first, by id).
pub(super) async fn import_leads(
    db: &DatabaseConnection,
    commits: &GroupCommit,
    agency: &Agency,
    keys: &[Issued],
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> anyhow::Result<usize> {
    let mut planned = Vec::new();
    for i in 0..LEAD_COUNT {
        let channel = CHANNEL_MIX[i % CHANNEL_MIX.len()];
        let key = key_named(keys, channel.key)?;
        let Some((from, until)) = key.in_use(now) else {
            continue;
        };
        let at = moment_between(from, until, rng);
        planned.push((at, key, demo_lead(i, channel, lead_status(now - at, rng))));
    }
    planned.sort_by_key(|(at, _, _)| *at);
    for (at, key, lead) in &planned {
        leads::import(db, commits, &key.reach(agency), key.stamp(*at), lead, *at)
            .await
            .with_context(|| format!("importing the lead {:?}", lead.external_id))?;
    }
    Ok(planned.len())
}

/// Lead `i`: every pair of names differs, and the contact details follow
/// from them (555-01xx numbers are reserved for fiction).
fn demo_lead(i: usize, channel: &Channel, status: LeadStatus) -> NewLead {
    let first = FIRST_NAMES[i % FIRST_NAMES.len()];
    let last = LAST_NAMES[(i * 3 + i / LAST_NAMES.len()) % LAST_NAMES.len()];
    let local: String = format!("{first}.{last}")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    NewLead {
        workspace_id: None,
        external_id: Some(format!("{}-{}", channel.prefix, 48_000 + i * 137)),
        first_name: Some(first.to_owned()),
        last_name: Some(last.to_owned()),
        email: Some(format!("{}@example.com", local.to_lowercase())),
        phone: Some(format!("(207) 555-{:04}", 100 + i)),
        source: Some(channel.source.to_owned()),
        status: Some(status),
        notes: i
            .is_multiple_of(3)
            .then(|| LEAD_NOTES[(i / 3) % LEAD_NOTES.len()].to_owned()),
    }
}

/// How far a lead got: the newest untouched, older ones worked on, the oldest decided.
fn lead_status(age: TimeDelta, rng: &mut impl Rng) -> LeadStatus {
    use LeadStatus::*;
    let likely: &[LeadStatus] = match age.num_days() {
        ..=2 => &[New],
        3..=14 => &[New, Contacted, Contacted, Qualified],
        _ => &[Contacted, Contacted, Qualified, Qualified, Won, Lost],
    };
    likely.choose(rng).copied().unwrap_or_default()
}
