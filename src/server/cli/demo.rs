//! `keyward demo`: fills an empty database with a realistic demo agency.
//!
//! Everything is written by the services the dashboard, the `/v1` API, the
//! usage recorder and the maintenance jobs use — with their `now` set in the
//! past where the demo needs history — so the demo holds exactly what the
//! product itself would have written, audit trail and notices included.
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use anyhow::{anyhow, Context};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use rand::distributions::Alphanumeric;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sea_orm::DatabaseConnection;

use super::Failure;
use crate::domain::crm::{LeadStatus, PropertyStatus};
use crate::domain::environment::Environment;
use crate::domain::fields::{DisplayName, Email, NewPassword};
use crate::domain::lifecycle::weekly_slot;
use crate::domain::role::Role;
use crate::domain::token::Pepper;
use crate::domain::validity::Validity;
use crate::models::crm::{NewLead, PropertyInput};
use crate::models::keys::NewKeyForm;
use crate::server::config::Config;
use crate::server::services::accounts::{self, AccountError, FirstRun, NewUser};
use crate::server::services::agency_settings::{self, AgencyChanges, AgencySettings};
use crate::server::services::directory;
use crate::server::services::keys::{self as key_service, Caller};
use crate::server::services::records::{Reach, Stamp};
use crate::server::services::{leads, properties};
use crate::server::usage::UsageRecorder;
use crate::server::{db, jobs, pepper};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

const AGENCY: &str = "Harbor & Pine Realty";

const REFUSAL: &str = "the database already has users: keyward demo fills only an empty database";

/// How far back usage, leads and listings go.
const HISTORY_DAYS: i64 = 60;

/// Active keys allowed per workspace and agency-wide: the default (3) is
/// too few for keys in every status.
const MAX_ACTIVE_KEYS: i32 = 10;

/// Where the demo users work from, as the audit log shows it.
const OFFICE_IP: &str = "198.51.100.24";

/// When the demo keys' clients send requests (UTC): a working day, with margins.
const BUSY_FROM_HOUR: i64 = 6;
const BUSY_HOURS: i64 = 16;

pub async fn run(config: Config, _args: DemoArgs) -> Result<(), Failure> {
    let db = db::connect(&config).await?;
    db::migrate(&db).await?;
    if accounts::has_users(&db).await? {
        return Err(Failure::Usage(REFUSAL.into()));
    }
    let pepper = pepper::load(&config)?;
    let password = generate_password();
    eprintln!("creating agency {AGENCY:?} with workspaces Downtown and Waterfront");
    let founder = create_founder(&db, &password).await?;
    // The services commit one change at a time: a failure leaves part of the demo behind.
    fill(&db, &pepper, founder, &password, Utc::now())
        .await
        .context("the demo stopped partway: run keyward demo again on an empty database")?;
    print_sign_in(&config, &password);
    Ok(())
}

/// The rest of the agency and what it did over the last [`HISTORY_DAYS`]
/// days, then what the maintenance jobs make of that at `now`.
async fn fill(
    db: &DatabaseConnection,
    pepper: &Pepper,
    founder: i64,
    password: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut rng = StdRng::from_entropy();
    let agency = add_staff(db, founder, password).await?;
    let settings = raise_key_limit(db, &agency, now).await?;
    let keys = issue_keys(db, pepper, &agency, now).await?;
    eprintln!("created {} API keys", keys.len());
    let requests = record_usage(db, &keys, now, &mut rng).await?;
    eprintln!("recorded {requests} API requests over the last {HISTORY_DAYS} days");
    let leads = import_leads(db, &agency, &keys, now, &mut rng).await?;
    let listings = sync_listings(db, &agency, &keys, now).await?;
    let test_records = write_test_records(db, &agency, &keys, settings, now).await?;
    eprintln!("imported {leads} leads and {listings} properties, and {test_records} test-mode records");
    let report = jobs::run(db, now).await?;
    eprintln!(
        "maintenance jobs: {} inactivity notices, {} expiry notices",
        report.inactivity_notices, report.expiry_notices
    );
    Ok(())
}

/// One password for every demo user, generated as `keyward user add` does.
fn generate_password() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// How to sign in: the only output on stdout.
fn print_sign_in(config: &Config, password: &str) {
    println!("Demo agency \"{AGENCY}\" is ready.");
    for person in people() {
        let role = person.role.label().to_lowercase();
        let place = match person.role {
            Role::SuperManager => String::new(),
            _ => format!(" ({})", person.workspace.name()),
        };
        println!("  {role:<15}{}{place}", person.email);
    }
    println!("Password for every demo user: {password}");
    // A server listening on every interface is reached on this machine as localhost.
    let host = if config.addr.ip().is_unspecified() {
        format!("localhost:{}", config.addr.port())
    } else {
        config.addr.to_string()
    };
    println!("Start the server (keyward serve) and sign in at http://{host}/login");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workspace {
    Downtown,
    Waterfront,
}

impl Workspace {
    fn name(self) -> &'static str {
        match self {
            Workspace::Downtown => "Downtown",
            Workspace::Waterfront => "Waterfront",
        }
    }
}

/// A demo user: a member of one workspace.
struct Person {
    name: &'static str,
    email: &'static str,
    role: Role,
    workspace: Workspace,
}

/// The agency's first super manager, created as the first-run setup page does.
static FOUNDER: Person = Person {
    name: "Dana Whitfield",
    email: "dana@harborpine.test",
    role: Role::SuperManager,
    workspace: Workspace::Downtown,
};

static STAFF: [Person; 3] = [
    Person {
        name: "Marcus Reyes",
        email: "marcus@harborpine.test",
        role: Role::Manager,
        workspace: Workspace::Downtown,
    },
    Person {
        name: "Priya Natarajan",
        email: "priya@harborpine.test",
        role: Role::Manager,
        workspace: Workspace::Waterfront,
    },
    Person {
        name: "Sam Okafor",
        email: "sam@harborpine.test",
        role: Role::Agent,
        workspace: Workspace::Waterfront,
    },
];

fn people() -> impl Iterator<Item = &'static Person> {
    std::iter::once(&FOUNDER).chain(&STAFF)
}

/// The demo agency once its people exist.
struct Agency {
    id: i64,
    downtown: i64,
    waterfront: i64,
    /// User ids by email.
    users: HashMap<&'static str, i64>,
}

impl Agency {
    fn workspace_id(&self, workspace: Workspace) -> i64 {
        match workspace {
            Workspace::Downtown => self.downtown,
            Workspace::Waterfront => self.waterfront,
        }
    }

    fn user_id(&self, email: &str) -> anyhow::Result<i64> {
        self.users
            .get(email)
            .copied()
            .ok_or_else(|| anyhow!("the demo has no user {email}"))
    }

    /// A demo user as the key service sees them when they use the dashboard.
    async fn caller(&self, db: &DatabaseConnection, email: &str) -> anyhow::Result<Caller> {
        let user = accounts::current_user(db, self.user_id(email)?)
            .await?
            .ok_or_else(|| anyhow!("the demo user {email} is gone"))?;
        Ok(key_service::caller_for(db, &user, Some(OFFICE_IP.to_owned())).await?)
    }
}

fn display_name(text: &str) -> anyhow::Result<DisplayName> {
    Ok(DisplayName::parse("The name", text)?)
}

/// The agency, its first workspace and its first super manager, through
/// first-run setup: it refuses a database that gained a user meanwhile.
async fn create_founder(db: &DatabaseConnection, password: &str) -> Result<i64, Failure> {
    let first_run = FirstRun {
        agency: display_name(AGENCY)?,
        workspace: display_name(FOUNDER.workspace.name())?,
        name: display_name(FOUNDER.name)?,
        email: Email::parse(FOUNDER.email)?,
        password: NewPassword::parse(password)?,
    };
    accounts::complete_setup(db, first_run)
        .await
        .map_err(|err| match err {
            AccountError::SetupClosed => Failure::Usage(REFUSAL.into()),
            other => Failure::Runtime(other.into()),
        })
}

/// The staff, as `keyward user add` adds them (creating their workspaces).
async fn add_staff(db: &DatabaseConnection, founder: i64, password: &str) -> anyhow::Result<Agency> {
    let mut users = HashMap::from([(FOUNDER.email, founder)]);
    for person in &STAFF {
        let new = NewUser {
            email: Email::parse(person.email)?,
            name: display_name(person.name)?,
            role: person.role,
            agency: Some(display_name(AGENCY)?),
            workspace: Some(display_name(person.workspace.name())?),
            password: NewPassword::parse(password)?,
        };
        let added = accounts::add_user(db, new)
            .await
            .with_context(|| format!("adding {}", person.email))?;
        users.insert(person.email, added.id);
    }
    let agency = directory::agency_named(db, AGENCY).await?;
    let downtown = directory::workspace_named(db, &agency, Workspace::Downtown.name()).await?;
    let waterfront = directory::workspace_named(db, &agency, Workspace::Waterfront.name()).await?;
    Ok(Agency {
        id: agency.id,
        downtown: downtown.id,
        waterfront: waterfront.id,
        users,
    })
}

/// Raised by an operator on the command line before the first key, as the
/// audit log will show.
async fn raise_key_limit(
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

/// What happens to a key after it is created.
enum Later {
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
    fn at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Later::Nothing => None,
            Later::Revoked { days_ago }
            | Later::Renamed { days_ago, .. }
            | Later::RateLimitChanged { days_ago, .. } => Some(now - TimeDelta::days(*days_ago)),
        }
    }
}

/// A demo key: where it works, who made it, and how its client uses it.
struct DemoKey {
    /// Its name today.
    name: &'static str,
    /// `None`: agency-wide.
    workspace: Option<Workspace>,
    /// Email of the user who creates it in the dashboard, and later changes it.
    created_by: &'static str,
    /// Email of the user it acts as.
    acts_as: &'static str,
    environment: Environment,
    scopes: &'static [&'static str],
    /// A preset of the Validity field.
    validity: &'static str,
    rate_limit: u32,
    created_days_ago: i64,
    /// Requests its client sends on a weekday (a third at weekends); 0: never used.
    weekday_requests: u32,
    /// Where its client's requests come from.
    ips: &'static [&'static str],
    later: Later,
}

impl DemoKey {
    fn first_name(&self) -> &'static str {
        match self.later {
            Later::Renamed { from, .. } => from,
            _ => self.name,
        }
    }
}

/// One key in each status and situation the dashboard and the jobs know.
static DEMO_KEYS: [DemoKey; 8] = [
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

/// A demo key once created.
struct Issued {
    spec: &'static DemoKey,
    id: String,
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
    fn in_use(&self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
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

    fn reach(&self, agency: &Agency) -> Reach {
        Reach {
            agency_id: agency.id,
            workspace_id: self.workspace_id,
            environment: self.spec.environment,
        }
    }

    fn stamp(&self, at: DateTime<Utc>) -> Stamp<'_> {
        Stamp {
            key_id: &self.id,
            key_name: self.name_at(at),
            acting_user_id: self.acting_user_id,
        }
    }
}

fn key_named<'k>(keys: &'k [Issued], name: &str) -> anyhow::Result<&'k Issued> {
    keys.iter()
        .find(|k| k.spec.name == name)
        .ok_or_else(|| anyhow!("the demo has no key {name:?}"))
}

/// Creates the keys and makes their later changes in the order they
/// happened, so the audit log reads as a history.
async fn issue_keys(
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
    let rate_limit = i32::try_from(spec.rate_limit)?;
    let created = key_service::create(db, pepper, &caller, &form, Some(rate_limit), at)
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
            key_service::revoke(db, &caller, &key.id, at)
                .await
                .with_context(context)?;
            key.revoked_at = Some(at);
        }
        Later::Renamed { .. } => {
            key_service::rename(db, &caller, &key.id, name, at)
                .await
                .with_context(context)?;
            key.renamed_at = Some(at);
        }
        Later::RateLimitChanged { per_second, .. } => {
            key_service::set_rate_limit(db, &caller, &key.id, per_second, at)
                .await
                .with_context(context)?;
        }
    }
    Ok(())
}

/// Counts every key's requests through the recorder `/v1` counts with, then
/// writes them as the server's flusher does. Returns the requests written.
async fn record_usage(
    db: &DatabaseConnection,
    keys: &[Issued],
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> anyhow::Result<u64> {
    let usage = UsageRecorder::default();
    for key in keys {
        let Some((from, until)) = key.in_use(now) else {
            continue;
        };
        let ips = key
            .spec
            .ips
            .iter()
            .map(|ip| ip.parse())
            .collect::<Result<Vec<IpAddr>, _>>()?;
        for at in request_times(key.spec.weekday_requests, from, until, rng) {
            usage.record(&key.id, at, ips.choose(rng).copied());
        }
    }
    Ok(usage.flush(db).await?)
}

/// When a client sent its requests between `from` and `until`: each day in
/// working hours, a third as many at weekends, give or take a quarter.
fn request_times(
    weekday_requests: u32,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Vec<DateTime<Utc>> {
    let busy = TimeDelta::hours(BUSY_HOURS);
    let mut times = Vec::new();
    for day in from
        .date_naive()
        .iter_days()
        .take_while(|d| *d <= until.date_naive())
    {
        let opens = day.and_time(NaiveTime::MIN).and_utc() + TimeDelta::hours(BUSY_FROM_HOUR);
        let (start, end) = (opens.max(from), (opens + busy).min(until));
        if start >= end {
            continue;
        }
        // A day cut short (the key's first or last) gets its share of the day's requests.
        let share = (end - start).num_seconds() as f64 / busy.num_seconds() as f64;
        let count = (requests_on(day, weekday_requests, rng) * share).round() as u32;
        times.extend((0..count).map(|_| moment_between(start, end, rng)));
    }
    times
}

fn requests_on(day: NaiveDate, weekday_requests: u32, rng: &mut impl Rng) -> f64 {
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let usual = f64::from(weekday_requests) / if weekend { 3.0 } else { 1.0 };
    usual * rng.gen_range(0.75..1.25)
}

/// A moment in `[from, until)`, to the second.
fn moment_between(from: DateTime<Utc>, until: DateTime<Utc>, rng: &mut impl Rng) -> DateTime<Utc> {
    let span = (until - from).num_seconds().max(1);
    from + TimeDelta::seconds(rng.gen_range(0..span))
}

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
async fn import_leads(
    db: &DatabaseConnection,
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
        leads::import(db, &key.reach(agency), key.stamp(*at), lead, *at)
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

/// A listing the MLS sync keeps up to date.
struct Listing {
    external_id: &'static str,
    title: &'static str,
    address: &'static str,
    workspace: Workspace,
    price_dollars: i64,
    bedrooms: i32,
    listed_days_ago: i64,
    /// Where it is now; anything but active was reached halfway since listing.
    status: PropertyStatus,
}

const LISTING_KEY: &str = "MLS listing sync";
const CITY: &str = "Portland";

static LISTINGS: [Listing; 12] = [
    Listing {
        external_id: "mls-1041",
        title: "Sunny two-bed condo near Monument Square",
        address: "122 Congress St, Unit 4B",
        workspace: Workspace::Downtown,
        price_dollars: 489_000,
        bedrooms: 2,
        listed_days_ago: 55,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-1057",
        title: "Renovated brick loft in the Old Port",
        address: "38 Exchange St, Unit 3",
        workspace: Workspace::Downtown,
        price_dollars: 615_000,
        bedrooms: 1,
        listed_days_ago: 51,
        status: PropertyStatus::UnderOffer,
    },
    Listing {
        external_id: "mls-1063",
        title: "Victorian three-bed on Spring Street",
        address: "247 Spring St",
        workspace: Workspace::Downtown,
        price_dollars: 829_000,
        bedrooms: 3,
        listed_days_ago: 48,
        status: PropertyStatus::Sold,
    },
    Listing {
        external_id: "mls-1088",
        title: "Studio with a rooftop deck",
        address: "510 Congress St, Unit 7",
        workspace: Workspace::Downtown,
        price_dollars: 329_000,
        bedrooms: 0,
        listed_days_ago: 40,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-1102",
        title: "Family home near Deering Oaks",
        address: "61 Deering Ave",
        workspace: Workspace::Downtown,
        price_dollars: 745_000,
        bedrooms: 4,
        listed_days_ago: 33,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-1119",
        title: "Arts District live/work space",
        address: "19 Forest Ave",
        workspace: Workspace::Downtown,
        price_dollars: 560_000,
        bedrooms: 1,
        listed_days_ago: 27,
        status: PropertyStatus::Withdrawn,
    },
    Listing {
        external_id: "mls-2004",
        title: "Harbor-view penthouse",
        address: "2 Commercial St, PH1",
        workspace: Workspace::Waterfront,
        price_dollars: 1_650_000,
        bedrooms: 3,
        listed_days_ago: 58,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-2016",
        title: "Wharf-side two-bed with a boat slip",
        address: "88 Commercial St, Unit 12",
        workspace: Workspace::Waterfront,
        price_dollars: 975_000,
        bedrooms: 2,
        listed_days_ago: 44,
        status: PropertyStatus::UnderOffer,
    },
    Listing {
        external_id: "mls-2031",
        title: "Eastern Promenade townhouse",
        address: "301 Eastern Promenade",
        workspace: Workspace::Waterfront,
        price_dollars: 1_190_000,
        bedrooms: 3,
        listed_days_ago: 37,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-2045",
        title: "Munjoy Hill cottage",
        address: "14 Willis St",
        workspace: Workspace::Waterfront,
        price_dollars: 689_000,
        bedrooms: 2,
        listed_days_ago: 30,
        status: PropertyStatus::Sold,
    },
    Listing {
        external_id: "mls-2052",
        title: "Fore Street one-bed with water views",
        address: "434 Fore St, Unit 5",
        workspace: Workspace::Waterfront,
        price_dollars: 545_000,
        bedrooms: 1,
        listed_days_ago: 16,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-2067",
        title: "Ferry-landing condo",
        address: "56 Thames St, Unit 2C",
        workspace: Workspace::Waterfront,
        price_dollars: 720_000,
        bedrooms: 2,
        listed_days_ago: 6,
        status: PropertyStatus::Active,
    },
];

/// Upserts the listings as the MLS sync sent them: listed as active, then
/// once more when their status changed. Returns the listings written.
async fn sync_listings(
    db: &DatabaseConnection,
    agency: &Agency,
    keys: &[Issued],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let key = key_named(keys, LISTING_KEY)?;
    let Some((from, until)) = key.in_use(now) else {
        return Ok(0);
    };
    let mut updates = Vec::new();
    for listing in &LISTINGS {
        let listed = now - TimeDelta::days(listing.listed_days_ago);
        updates.push((listed, listing, PropertyStatus::Active));
        if listing.status != PropertyStatus::Active {
            updates.push((listed + (now - listed) / 2, listing, listing.status));
        }
    }
    updates.retain(|(at, _, _)| (from..until).contains(at));
    updates.sort_by_key(|(at, _, _)| *at);
    let mut written = HashSet::new();
    for (at, listing, status) in updates {
        let input = PropertyInput {
            workspace_id: Some(agency.workspace_id(listing.workspace)),
            title: listing.title.to_owned(),
            address: Some(listing.address.to_owned()),
            city: Some(CITY.to_owned()),
            price_cents: Some(listing.price_dollars * 100),
            bedrooms: Some(listing.bedrooms),
            status: Some(status),
        };
        properties::upsert(
            db,
            &key.reach(agency),
            key.stamp(at),
            listing.external_id,
            &input,
            at,
        )
        .await
        .with_context(|| format!("syncing the listing {}", listing.external_id))?;
        written.insert(listing.external_id);
    }
    Ok(written.len())
}

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
async fn write_test_records(
    db: &DatabaseConnection,
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
        leads::import(db, &reach, key.stamp(at), &lead, at).await?;
    }
    for (n, (external_id, title)) in TEST_LISTINGS.iter().enumerate() {
        let at = moment(TEST_LEADS.len() + n);
        let input = PropertyInput {
            title: (*title).to_owned(),
            city: Some(CITY.to_owned()),
            ..PropertyInput::default()
        };
        properties::upsert(db, &reach, key.stamp(at), external_id, &input, at).await?;
    }
    Ok(total)
}
