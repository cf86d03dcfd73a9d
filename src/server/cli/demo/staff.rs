//! The demo agency's people: who they are, where they work, their shared
//! password, and creating them as first-run setup and `keyward user add` do.
use std::collections::HashMap;

use anyhow::{anyhow, Context};
use rand::distributions::Alphanumeric;
use rand::Rng;
use sea_orm::DatabaseConnection;

use super::{AGENCY, REFUSAL};
use crate::domain::fields::{DisplayName, Email, NewPassword};
use crate::domain::role::Role;
use crate::server::cli::Failure;
use crate::server::services::accounts::{self, AccountError, FirstRun, NewUser};
use crate::server::services::directory;
use crate::server::services::keys::{self as key_service, Caller};

/// Where the demo users work from, as the audit log shows it.
const OFFICE_IP: &str = "198.51.100.24";

/// One password for every demo user, generated as `keyward user add` does.
pub(super) fn generate_password() -> String {
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Workspace {
    Downtown,
    Waterfront,
}

impl Workspace {
    pub(super) fn name(self) -> &'static str {
        match self {
            Workspace::Downtown => "Downtown",
            Workspace::Waterfront => "Waterfront",
        }
    }
}

/// A demo user: a member of one workspace.
pub(super) struct Person {
    name: &'static str,
    pub(super) email: &'static str,
    pub(super) role: Role,
    pub(super) workspace: Workspace,
}

/// The agency's first super manager, created as the first-run setup page does.
pub(super) static FOUNDER: Person = Person {
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

pub(super) fn people() -> impl Iterator<Item = &'static Person> {
    std::iter::once(&FOUNDER).chain(&STAFF)
}

/// The demo agency once its people exist.
pub(super) struct Agency {
    pub(super) id: i64,
    downtown: i64,
    waterfront: i64,
    /// User ids by email.
    users: HashMap<&'static str, i64>,
}

impl Agency {
    pub(super) fn workspace_id(&self, workspace: Workspace) -> i64 {
        match workspace {
            Workspace::Downtown => self.downtown,
            Workspace::Waterfront => self.waterfront,
        }
    }

    pub(super) fn user_id(&self, email: &str) -> anyhow::Result<i64> {
        self.users
            .get(email)
            .copied()
            .ok_or_else(|| anyhow!("the demo has no user {email}"))
    }

    /// A demo user as the key service sees them when they use the dashboard.
    pub(super) async fn caller(&self, db: &DatabaseConnection, email: &str) -> anyhow::Result<Caller> {
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
pub(super) async fn create_founder(db: &DatabaseConnection, password: &str) -> Result<i64, Failure> {
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
pub(super) async fn add_staff(
    db: &DatabaseConnection,
    founder: i64,
    password: &str,
) -> anyhow::Result<Agency> {
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
