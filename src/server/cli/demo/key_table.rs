//! The demo keys: one in each status and situation the dashboard and the
//! jobs know, and what happens to each after it is created.
use chrono::{DateTime, TimeDelta, Utc};

use super::staff::Workspace;
use crate::domain::environment::Environment;

/// What happens to a key after it is created.
pub(super) enum Later {
    Nothing,
    Revoked {
        days_ago: i64,
    },
    /// Created as `from`, renamed to the key's name.
    Renamed {
        days_ago: i64,
        from: &'static str,
    },
    RateLimitChanged {
        days_ago: i64,
        per_second: u32,
    },
}

impl Later {
    pub(super) fn at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Later::Nothing => None,
            Later::Revoked { days_ago }
            | Later::Renamed { days_ago, .. }
            | Later::RateLimitChanged { days_ago, .. } => Some(now - TimeDelta::days(*days_ago)),
        }
    }
}

/// A demo key: where it works, who made it, and how its client uses it.
pub(super) struct DemoKey {
    /// Its name today.
    pub(super) name: &'static str,
    /// `None`: agency-wide.
    pub(super) workspace: Option<Workspace>,
    /// Email of the user who creates it in the dashboard, and later changes it.
    pub(super) created_by: &'static str,
    /// Email of the user it acts as.
    pub(super) acts_as: &'static str,
    pub(super) environment: Environment,
    pub(super) scopes: &'static [&'static str],
    /// A preset of the Validity field.
    pub(super) validity: &'static str,
    pub(super) rate_limit: u32,
    pub(super) created_days_ago: i64,
    /// Requests its client sends on a weekday (a third at weekends); 0: never used.
    pub(super) weekday_requests: u32,
    /// Where its client's requests come from.
    pub(super) ips: &'static [&'static str],
    pub(super) later: Later,
}

impl DemoKey {
    pub(super) fn first_name(&self) -> &'static str {
        match self.later {
            Later::Renamed { from, .. } => from,
            _ => self.name,
        }
    }
}

/// One key in each status and situation the dashboard and the jobs know.
pub(super) static DEMO_KEYS: [DemoKey; 8] = [
    DemoKey {
        name: "Zillow lead feed",
        workspace: Some(Workspace::Downtown),
        created_by: "marcus@harborpine.test",
        acts_as: "marcus@harborpine.test",
        environment: Environment::Live,
        scopes: &["read:leads", "write:leads"],
        validity: "1y",
        rate_limit: 100,
        created_days_ago: 75,
        weekday_requests: 220,
        ips: &["203.0.113.41", "203.0.113.42"],
        later: Later::Nothing,
    },
    DemoKey {
        name: "MLS listing sync",
        workspace: None,
        created_by: "dana@harborpine.test",
        acts_as: "dana@harborpine.test",
        environment: Environment::Live,
        scopes: &["read:properties", "write:properties"],
        validity: "never",
        rate_limit: 100,
        created_days_ago: 70,
        weekday_requests: 300,
        ips: &["198.51.100.20"],
        later: Later::RateLimitChanged {
            days_ago: 20,
            per_second: 250,
        },
    },
    DemoKey {
        name: "Website contact form",
        workspace: Some(Workspace::Waterfront),
        created_by: "priya@harborpine.test",
        acts_as: "priya@harborpine.test",
        environment: Environment::Live,
        scopes: &["write:leads"],
        validity: "1y",
        rate_limit: 100,
        created_days_ago: 62,
        weekday_requests: 60,
        ips: &["203.0.113.80"],
        later: Later::Renamed {
            days_ago: 30,
            from: "Web form",
        },
    },
    DemoKey {
        name: "Staging sandbox",
        workspace: Some(Workspace::Downtown),
        created_by: "marcus@harborpine.test",
        acts_as: "marcus@harborpine.test",
        environment: Environment::Test,
        scopes: &["read:leads", "write:leads", "read:properties", "write:properties"],
        validity: "3m",
        rate_limit: 20,
        created_days_ago: 40,
        weekday_requests: 45,
        ips: &["192.0.2.44"],
        later: Later::Nothing,
    },
    // Valid for a month from 60 days ago: expired about a month ago.
    DemoKey {
        name: "Realtor.com import",
        workspace: Some(Workspace::Waterfront),
        created_by: "priya@harborpine.test",
        acts_as: "priya@harborpine.test",
        environment: Environment::Live,
        scopes: &["read:leads", "write:leads"],
        validity: "1m",
        rate_limit: 100,
        created_days_ago: 60,
        weekday_requests: 120,
        ips: &["203.0.113.15"],
        later: Later::Nothing,
    },
    DemoKey {
        name: "Legacy CRM bridge",
        workspace: Some(Workspace::Downtown),
        created_by: "dana@harborpine.test",
        acts_as: "marcus@harborpine.test",
        environment: Environment::Live,
        scopes: &["read:leads", "read:properties"],
        validity: "1y",
        rate_limit: 100,
        created_days_ago: 58,
        weekday_requests: 90,
        ips: &["198.51.100.7"],
        later: Later::Revoked { days_ago: 21 },
    },
    // Never used in 80 days: the 90-day inactivity window sends its first notice.
    DemoKey {
        name: "Open house kiosk",
        workspace: Some(Workspace::Waterfront),
        created_by: "priya@harborpine.test",
        acts_as: "priya@harborpine.test",
        environment: Environment::Live,
        scopes: &["write:leads"],
        validity: "never",
        rate_limit: 100,
        created_days_ago: 80,
        weekday_requests: 0,
        ips: &[],
        later: Later::Nothing,
    },
    // Valid for a month from 25 days ago: expires within the week, and is warned about.
    DemoKey {
        name: "Referral partner portal",
        workspace: Some(Workspace::Downtown),
        created_by: "marcus@harborpine.test",
        acts_as: "marcus@harborpine.test",
        environment: Environment::Live,
        scopes: &["write:leads"],
        validity: "1m",
        rate_limit: 100,
        created_days_ago: 25,
        weekday_requests: 35,
        ips: &["203.0.113.201"],
        later: Later::Nothing,
    },
];
