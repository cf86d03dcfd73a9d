//! Finding an agency, a workspace or a user by the names an operator types
//! on the command line.
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::role::Role;
use crate::entities::{agency, user, workspace};

#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("{}", no_agency(.0))]
    NoAgency(String),
    #[error("agency {agency:?} has no workspace named {workspace:?}")]
    NoWorkspace { agency: String, workspace: String },
    #[error("agency {agency:?} has no user with the email {email:?}")]
    NoUser { agency: String, email: String },
    #[error("there are several agencies: name one with --agency")]
    SeveralAgencies,
    #[error("agency {0:?} has no super manager to act as: name a user with --act-as")]
    NoSuperManager(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

fn no_agency(name: &str) -> String {
    if name.is_empty() {
        "there is no agency yet".to_owned()
    } else {
        format!("there is no agency named {name:?}")
    }
}

/// The agency with this name; letter case matters only to tell apart two
/// agencies whose names differ in nothing else.
pub async fn agency_named(db: &impl ConnectionTrait, name: &str) -> Result<agency::Model, LookupError> {
    let all = agency::Entity::find()
        .order_by_asc(agency::Column::Id)
        .all(db)
        .await?;
    best_match(all, name, |a| &a.name).ok_or_else(|| LookupError::NoAgency(name.trim().to_owned()))
}

fn best_match<T>(all: Vec<T>, name: &str, name_of: impl Fn(&T) -> &str) -> Option<T> {
    let name = name.trim();
    let (exact, alike): (Vec<T>, Vec<T>) = all
        .into_iter()
        .filter(|item| name_of(item).eq_ignore_ascii_case(name))
        .partition(|item| name_of(item) == name);
    match (exact.into_iter().next(), alike.len()) {
        (Some(item), _) => Some(item),
        (None, 1) => alike.into_iter().next(),
        (None, _) => None,
    }
}

pub async fn workspace_named(
    db: &impl ConnectionTrait,
    agency: &agency::Model,
    name: &str,
) -> Result<workspace::Model, LookupError> {
    let all = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency.id))
        .order_by_asc(workspace::Column::Id)
        .all(db)
        .await?;
    best_match(all, name, |w| &w.name).ok_or_else(|| LookupError::NoWorkspace {
        agency: agency.name.clone(),
        workspace: name.trim().to_owned(),
    })
}

/// A user of the agency by email (stored lower-case).
pub async fn user_with_email(
    db: &impl ConnectionTrait,
    agency: &agency::Model,
    email: &str,
) -> Result<user::Model, LookupError> {
    user::Entity::find()
        .filter(user::Column::AgencyId.eq(agency.id))
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?
        .ok_or_else(|| LookupError::NoUser {
            agency: agency.name.clone(),
            email: email.trim().to_owned(),
        })
}

/// The agency named `name`, or the only one there is when none is named.
pub async fn agency_or_sole(
    db: &impl ConnectionTrait,
    name: Option<&str>,
) -> Result<agency::Model, LookupError> {
    if let Some(name) = name {
        return agency_named(db, name).await;
    }
    let mut all = agency::Entity::find()
        .order_by_asc(agency::Column::Id)
        .all(db)
        .await?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => Err(LookupError::NoAgency(String::new())),
        _ => Err(LookupError::SeveralAgencies),
    }
}

/// The agency's first super manager: whom a key made on the command line
/// acts as unless told otherwise.
pub async fn first_super_manager(
    db: &impl ConnectionTrait,
    agency: &agency::Model,
) -> Result<user::Model, LookupError> {
    user::Entity::find()
        .filter(user::Column::AgencyId.eq(agency.id))
        .filter(user::Column::Role.eq(Role::SuperManager.as_str()))
        .filter(user::Column::Status.eq(crate::domain::person::Status::Active.as_str()))
        .order_by_asc(user::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| LookupError::NoSuperManager(agency.name.clone()))
}
