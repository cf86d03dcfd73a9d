//! Agencies, workspaces and users: creating them (first-run setup and
//! `keyward user add`), signing in, and loading the signed-in user.
use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, SqlErr, TransactionTrait,
};

use crate::domain::fields::{DisplayName, Email, NewPassword};
use crate::domain::person::Status;
use crate::domain::role::Role;
use crate::entities::{agency, membership, user, workspace};
use crate::models::CurrentUser;
use crate::server::password;

/// The workspace a new agency starts with when none is named.
pub const DEFAULT_WORKSPACE: &str = "Main";

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user with the email {0} already exists")]
    EmailTaken(String),
    #[error("there is no agency yet: name one with --agency")]
    NoAgency,
    #[error("there are several agencies: name one with --agency")]
    SeveralAgencies,
    #[error("setup is closed: the first user already exists")]
    SetupClosed,
    #[error("--workspace: {0} is archived: restore it first (keyward workspace restore --name …)")]
    WorkspaceArchived(String),
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A user to create with `keyward user add`.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub name: DisplayName,
    pub role: Role,
    pub agency: Option<DisplayName>,
    pub workspace: Option<DisplayName>,
    pub password: NewPassword,
}

#[derive(Debug, Clone)]
pub struct AddedUser {
    pub id: i64,
    pub agency_name: String,
    pub workspace_name: Option<String>,
}

/// What the first-run setup page collects.
#[derive(Debug)]
pub struct FirstRun {
    pub agency: DisplayName,
    pub workspace: DisplayName,
    pub name: DisplayName,
    pub email: Email,
    pub password: NewPassword,
}

pub async fn has_users(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(user::Entity::find().count(db).await? > 0)
}

pub async fn add_user(db: &DatabaseConnection, new: NewUser) -> Result<AddedUser, AccountError> {
    let password_hash = password::hash(new.password.expose().to_owned()).await?;
    let txn = db.begin().await?;
    let first_workspace = new.workspace.as_ref().map_or(DEFAULT_WORKSPACE, |w| w.as_str());
    let agency = match &new.agency {
        Some(name) => find_or_create_agency(&txn, name.as_str(), first_workspace).await?,
        None => sole_agency(&txn).await?,
    };
    let workspace = match &new.workspace {
        Some(name) => Some(find_or_create_workspace(&txn, agency.id, name.as_str()).await?),
        None => None,
    };
    let user_id = insert_user(
        &txn,
        agency.id,
        &new.email,
        new.name.as_str(),
        new.role,
        password_hash,
    )
    .await?;
    if let Some(workspace) = &workspace {
        add_membership(&txn, user_id, workspace.id).await?;
    }
    txn.commit().await?;
    Ok(AddedUser {
        id: user_id,
        agency_name: agency.name,
        workspace_name: workspace.map(|w| w.name),
    })
}

/// Creates the agency, its first workspace and its first super manager, once.
pub async fn complete_setup(db: &DatabaseConnection, first: FirstRun) -> Result<i64, AccountError> {
    let password_hash = password::hash(first.password.expose().to_owned()).await?;
    let txn = db.begin().await?;
    if user::Entity::find().count(&txn).await? > 0 {
        return Err(AccountError::SetupClosed);
    }
    let agency = insert_agency(&txn, first.agency.as_str()).await?;
    let workspace = insert_workspace(&txn, agency.id, first.workspace.as_str()).await?;
    let user_id = insert_user(
        &txn,
        agency.id,
        &first.email,
        first.name.as_str(),
        Role::SuperManager,
        password_hash,
    )
    .await?;
    add_membership(&txn, user_id, workspace.id).await?;
    txn.commit().await?;
    Ok(user_id)
}

/// What a sign-in attempt proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// The email and password of an active person.
    Active(i64),
    /// The right password of a disabled person: told so, since whoever
    /// knows the password knows the account exists.
    Disabled,
    /// Anything else: unknown email, wrong password, invited (no password
    /// yet) or removed.
    Refused,
}

/// Checks an email and password. Unknown emails, and people with no
/// password yet, cost the same argon2 work as known ones.
pub async fn authenticate(db: &DatabaseConnection, email: &str, password: String) -> Result<SignIn, DbErr> {
    // An address that cannot exist is not looked up (PostgreSQL refuses NUL
    // bytes outright), but still costs a full verification.
    let found = match Email::parse(email) {
        Ok(email) => {
            user::Entity::find()
                .filter(user::Column::Email.eq(email.as_str()))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let found = found.filter(|u| !u.password_hash.is_empty());
    let stored = found.as_ref().map(|u| u.password_hash.clone());
    if !password::verify(password, stored).await {
        return Ok(SignIn::Refused);
    }
    let Some(found) = found else {
        return Ok(SignIn::Refused);
    };
    match found.status.parse::<Status>() {
        Ok(Status::Active) => {}
        Ok(Status::Disabled) => return Ok(SignIn::Disabled),
        _ => return Ok(SignIn::Refused),
    }
    let id = found.id;
    user::Entity::update_many()
        .col_expr(
            user::Column::LastLoginAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(user::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(SignIn::Active(id))
}

/// The signed-in person, while they are active: `None` ends the session.
pub async fn current_user(db: &DatabaseConnection, user_id: i64) -> Result<Option<CurrentUser>, DbErr> {
    let found = user::Entity::find_by_id(user_id)
        .filter(user::Column::Status.eq(Status::Active.as_str()))
        .find_also_related(agency::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(user, agency)| {
        let agency = agency?;
        Some(CurrentUser {
            id: user.id,
            role: user.role.parse().ok()?,
            name: user.name,
            email: user.email,
            agency_id: agency.id,
            agency_name: agency.name,
        })
    }))
}

pub(crate) async fn sole_agency(db: &impl ConnectionTrait) -> Result<agency::Model, AccountError> {
    let mut agencies = agency::Entity::find().paginate(db, 2).fetch_page(0).await?;
    match agencies.len() {
        0 => Err(AccountError::NoAgency),
        1 => Ok(agencies.remove(0)),
        _ => Err(AccountError::SeveralAgencies),
    }
}

/// The agency named so, or a new one with its first workspace.
async fn find_or_create_agency(
    db: &impl ConnectionTrait,
    name: &str,
    first_workspace: &str,
) -> Result<agency::Model, AccountError> {
    if let Some(found) = agency::Entity::find()
        .filter(agency::Column::Name.eq(name))
        .one(db)
        .await?
    {
        return Ok(found);
    }
    let created = insert_agency(db, name).await?;
    insert_workspace(db, created.id, first_workspace).await?;
    Ok(created)
}

async fn find_or_create_workspace(
    db: &impl ConnectionTrait,
    agency_id: i64,
    name: &str,
) -> Result<workspace::Model, AccountError> {
    let found = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency_id))
        .filter(workspace::Column::Name.eq(name))
        .one(db)
        .await?;
    match found {
        // An archived workspace takes no new members.
        Some(found) if found.archived_at.is_some() => Err(AccountError::WorkspaceArchived(found.name)),
        Some(found) => Ok(found),
        None => insert_workspace(db, agency_id, name).await,
    }
}

async fn insert_agency(db: &impl ConnectionTrait, name: &str) -> Result<agency::Model, AccountError> {
    let created = agency::ActiveModel {
        name: Set(name.to_owned()),
        max_active_keys: Set(3),
        inactivity_days: Set(90),
        sandbox_reset_day: Set(Some(0)),
        sandbox_reset_hour: Set(3),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    Ok(created.insert(db).await?)
}

async fn insert_workspace(
    db: &impl ConnectionTrait,
    agency_id: i64,
    name: &str,
) -> Result<workspace::Model, AccountError> {
    let created = workspace::ActiveModel {
        agency_id: Set(agency_id),
        name: Set(name.to_owned()),
        created_at: Set(Utc::now()),
        archived_at: Set(None),
        ..Default::default()
    };
    Ok(created.insert(db).await?)
}

async fn insert_user(
    db: &impl ConnectionTrait,
    agency_id: i64,
    email: &Email,
    name: &str,
    role: Role,
    password_hash: String,
) -> Result<i64, AccountError> {
    let created = user::ActiveModel {
        agency_id: Set(agency_id),
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        password_hash: Set(password_hash),
        created_at: Set(Utc::now()),
        last_login_at: Set(None),
        status: Set(Status::Active.as_str().to_owned()),
        status_changed_at: Set(None),
        ..Default::default()
    };
    match created.insert(db).await {
        Ok(user) => Ok(user.id),
        // `users.email` is the table's only unique column besides the key.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(AccountError::EmailTaken(email.to_string()))
        }
        Err(err) => Err(err.into()),
    }
}

async fn add_membership(
    db: &impl ConnectionTrait,
    user_id: i64,
    workspace_id: i64,
) -> Result<(), AccountError> {
    membership::ActiveModel {
        user_id: Set(user_id),
        workspace_id: Set(workspace_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}
