//! The team behind the keys (DESIGN.md, "People"): who is in it, inviting
//! people, their role and workspaces, disabling, enabling and removing them
//! (and what becomes of the keys acting as them), and their passwords.
//! Only super managers manage people (and the command line, which an
//! operator runs with the server's rights); the dashboard, the command line
//! and the tests all come through here, with the same rules and audit.
//!
//! Rules every change keeps:
//! - the last active super manager of an agency is never demoted, disabled
//!   or removed;
//! - a key never silently keeps acting as someone who is not active: the
//!   change that disables or removes a person says, for each live key
//!   acting as them, whom it acts as instead or that it is revoked;
//! - a person who is not active has no session, and their OAuth grants go.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::domain::person::Status;
use crate::domain::policy::Action;
use crate::domain::role::Role;
use crate::entities::{account_token, api_key, membership, user, workspace};
use crate::models::people::{ActingKey, PersonDetail, TeamPage, TeamRow, TeamSort, WorkspaceChoice};
use crate::server::services::error::ServiceError;
use crate::server::services::keys::{active_at, may_act_in, Caller};

mod access;
mod invitations;
mod passwords;

pub use access::{change_access, disable, enable, reassign_key, remove, KeyDecision, KeyDecisions};
pub use invitations::{
    accept_invitation, invitation, invite, reissue_invitation, revoke_invitation, Invitee, PendingInvitation,
};
pub use passwords::{change_password, issue_reset, reset_link_person, reset_password, WRONG_PASSWORD};

/// Text as the Team search compares it (any case, any language).
fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// Why someone other than a super manager is refused (403).
pub const ONLY_SUPER_MANAGERS: &str = "only super managers manage the team";

/// The caller may manage people, else 403.
fn require(caller: &Caller) -> Result<(), ServiceError> {
    if caller.may(Action::ManagePeople) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(ONLY_SUPER_MANAGERS.into()))
    }
}

fn status_of(person: &user::Model) -> Status {
    person.status.parse().unwrap_or(Status::Disabled)
}

fn role_of(person: &user::Model) -> Result<Role, ServiceError> {
    person
        .role
        .parse()
        .map_err(|_| ServiceError::Corrupt(format!("user {} has the role {:?}", person.id, person.role)))
}

/// A person of the caller's agency who is still in the team (not removed),
/// else 404 (another agency's people do not exist for the caller).
async fn person_in(db: &impl ConnectionTrait, caller: &Caller, id: i64) -> Result<user::Model, ServiceError> {
    user::Entity::find_by_id(id)
        .filter(user::Column::AgencyId.eq(caller.agency_id))
        .filter(user::Column::Status.ne(Status::Removed.as_str()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A link just made for `person`, to show once.
fn issued(
    person: user::Model,
    token: &crate::domain::account_token::AccountToken,
    origin: &str,
    expires_at: DateTime<Utc>,
) -> crate::models::people::IssuedLink {
    crate::models::people::IssuedLink {
        person: person.name,
        email: person.email,
        link: token.link(origin),
        expires_at,
    }
}

/// The agency's active super managers.
async fn active_super_managers(db: &impl ConnectionTrait, agency_id: i64) -> Result<u64, ServiceError> {
    Ok(user::Entity::find()
        .filter(user::Column::AgencyId.eq(agency_id))
        .filter(user::Column::Role.eq(Role::SuperManager.as_str()))
        .filter(user::Column::Status.eq(Status::Active.as_str()))
        .count(db)
        .await?)
}

/// Whether `person` is the agency's only active super manager.
async fn is_last_super_manager(
    db: &impl ConnectionTrait,
    person: &user::Model,
) -> Result<bool, ServiceError> {
    Ok(person.role == Role::SuperManager.as_str()
        && status_of(person) == Status::Active
        && active_super_managers(db, person.agency_id).await? <= 1)
}

/// The refusal for changing the last super manager: "{name} is the only
/// super manager: make someone else a super manager first".
fn last_super_manager(person: &user::Model, doing: &str) -> ServiceError {
    ServiceError::Conflict(format!(
        "{} is the only active super manager of the agency and cannot be {doing}: make someone else a super manager first",
        person.name
    ))
}

/// How the audit log's details name a person.
fn person_json(person: &user::Model) -> serde_json::Value {
    json!({ "id": person.id, "name": person.name, "email": person.email })
}

/// The workspaces of the caller's agency with these ids, not archived, in
/// id order; `Err` names the field `workspaces`.
async fn workspaces_in(
    db: &impl ConnectionTrait,
    agency_id: i64,
    ids: &[i64],
) -> Result<Vec<workspace::Model>, ServiceError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency_id))
        .filter(workspace::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(workspace::Column::Id)
        .all(db)
        .await?;
    let mut wanted: Vec<i64> = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    if found.len() != wanted.len() {
        return Err(ServiceError::field(
            "workspaces",
            "Choose workspaces of this agency",
        ));
    }
    if let Some(archived) = found.iter().find(|w| w.archived_at.is_some()) {
        return Err(ServiceError::field(
            "workspaces",
            format!("{} is archived: choose a workspace in use", archived.name),
        ));
    }
    Ok(found)
}

/// A manager or an agent works in at least one workspace.
fn check_reach(role: Role, workspaces: &[workspace::Model]) -> Result<(), ServiceError> {
    if role != Role::SuperManager && workspaces.is_empty() {
        return Err(ServiceError::field(
            "workspaces",
            "Choose at least one workspace: managers and agents work in the workspaces they are given",
        ));
    }
    Ok(())
}

/// The workspace ids of each person, by person.
async fn memberships_of(
    db: &impl ConnectionTrait,
    people: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, ServiceError> {
    let mut by_person: HashMap<i64, Vec<i64>> = HashMap::new();
    if people.is_empty() {
        return Ok(by_person);
    }
    for row in membership::Entity::find()
        .filter(membership::Column::UserId.is_in(people.iter().copied()))
        .all(db)
        .await?
    {
        by_person.entry(row.user_id).or_default().push(row.workspace_id);
    }
    Ok(by_person)
}

/// Live keys acting as each person, by person: one grouped count.
async fn keys_acting_counts(
    db: &impl ConnectionTrait,
    agency_id: i64,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, u64>, ServiceError> {
    #[derive(sea_orm::FromQueryResult)]
    struct Count {
        act_as_user_id: i64,
        n: i64,
    }
    Ok(api_key::Entity::find()
        .select_only()
        .column(api_key::Column::ActAsUserId)
        .column_as(Expr::col(sea_orm::sea_query::Asterisk).count(), "n")
        .filter(api_key::Column::AgencyId.eq(agency_id))
        .filter(active_at(now))
        .group_by(api_key::Column::ActAsUserId)
        .into_model::<Count>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.act_as_user_id, c.n.max(0) as u64))
        .collect())
}

/// When each invited person's newest live link expires.
async fn invitation_ends(
    db: &impl ConnectionTrait,
    people: &[i64],
) -> Result<HashMap<i64, DateTime<Utc>>, ServiceError> {
    let mut ends = HashMap::new();
    if people.is_empty() {
        return Ok(ends);
    }
    for token in account_token::Entity::find()
        .filter(account_token::Column::UserId.is_in(people.iter().copied()))
        .filter(account_token::Column::Purpose.eq(crate::domain::account_token::Purpose::Invitation.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::RevokedAt.is_null())
        .all(db)
        .await?
    {
        let end = ends.entry(token.user_id).or_insert(token.expires_at);
        *end = (*end).max(token.expires_at);
    }
    Ok(ends)
}

/// Admin › Team: the agency's people (removed people are not listed),
/// matching `q` (name or email, any case), sorted by `sort` (ties by name).
pub async fn team(
    db: &impl ConnectionTrait,
    caller: &Caller,
    q: &str,
    sort: TeamSort,
    descending: bool,
    now: DateTime<Utc>,
) -> Result<TeamPage, ServiceError> {
    require(caller)?;
    let people = user::Entity::find()
        .filter(user::Column::AgencyId.eq(caller.agency_id))
        .filter(user::Column::Status.ne(Status::Removed.as_str()))
        .all(db)
        .await?;
    let total = people.len() as u64;
    let rows = rows_of(db, caller.agency_id, people, now).await?;
    let needle = fold(q.trim());
    let mut rows: Vec<TeamRow> = rows
        .into_iter()
        .filter(|row| needle.is_empty() || fold(&row.name).contains(&needle) || row.email.contains(&needle))
        .collect();
    rows.sort_by(|a, b| {
        let by_name = fold(&a.name).cmp(&fold(&b.name)).then(a.id.cmp(&b.id));
        let order = match sort {
            TeamSort::Name => std::cmp::Ordering::Equal,
            TeamSort::Email => a.email.cmp(&b.email),
            TeamSort::Role => role_rank(a.role).cmp(&role_rank(b.role)),
            TeamSort::Status => a.status.label().cmp(b.status.label()),
            TeamSort::LastSignIn => a.last_sign_in.cmp(&b.last_sign_in),
            TeamSort::Keys => a.keys_acting.cmp(&b.keys_acting),
        };
        let order = if descending { order.reverse() } else { order };
        if sort == TeamSort::Name && descending {
            by_name.reverse()
        } else {
            order.then(by_name)
        }
    });
    Ok(TeamPage { rows, total })
}

fn role_rank(role: Role) -> u8 {
    match role {
        Role::SuperManager => 0,
        Role::Manager => 1,
        Role::Agent => 2,
    }
}

async fn rows_of(
    db: &impl ConnectionTrait,
    agency_id: i64,
    people: Vec<user::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<TeamRow>, ServiceError> {
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let names: BTreeMap<i64, String> = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency_id))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let memberships = memberships_of(db, &ids).await?;
    let keys = keys_acting_counts(db, agency_id, now).await?;
    let invitations = invitation_ends(db, &ids).await?;
    people
        .into_iter()
        .map(|person| {
            let mut workspaces: Vec<String> = memberships
                .get(&person.id)
                .map(|ids| ids.iter().filter_map(|id| names.get(id).cloned()).collect())
                .unwrap_or_default();
            workspaces.sort_by_key(|name| fold(name));
            Ok(TeamRow {
                role: role_of(&person)?,
                status: status_of(&person),
                keys_acting: keys.get(&person.id).copied().unwrap_or(0),
                invitation_expires_at: invitations.get(&person.id).copied(),
                id: person.id,
                name: person.name,
                email: person.email,
                workspaces,
                last_sign_in: person.last_login_at,
            })
        })
        .collect()
}

/// A person's page: their row, workspaces, the live keys acting as them
/// (each with whom it could act as instead), and what the rules allow.
pub async fn person(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: i64,
    now: DateTime<Utc>,
) -> Result<PersonDetail, ServiceError> {
    require(caller)?;
    let person = person_in(db, caller, id).await?;
    let is_last_super_manager = is_last_super_manager(db, &person).await?;
    let workspace_ids = memberships_of(db, &[id]).await?.remove(&id).unwrap_or_default();
    let keys = acting_keys(db, caller.agency_id, &person, now).await?;
    let workspace_choices = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(caller.agency_id))
        .filter(workspace::Column::ArchivedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|w| WorkspaceChoice {
            id: w.id,
            name: w.name,
        })
        .collect::<Vec<_>>();
    let mut workspace_choices = workspace_choices;
    workspace_choices.sort_by_key(|w| fold(&w.name));
    let row = rows_of(db, caller.agency_id, vec![person], now)
        .await?
        .pop()
        .ok_or(ServiceError::NotFound)?;
    Ok(PersonDetail {
        is_self: caller.who.user_id() == Some(row.id),
        row,
        workspace_ids,
        keys,
        is_last_super_manager,
        workspace_choices,
    })
}

/// The live keys acting as `person`, each with the active people (not
/// them) who may act in its workspace.
pub(crate) async fn acting_keys(
    db: &impl ConnectionTrait,
    agency_id: i64,
    person: &user::Model,
    now: DateTime<Utc>,
) -> Result<Vec<ActingKey>, ServiceError> {
    let keys = api_key::Entity::find()
        .filter(api_key::Column::AgencyId.eq(agency_id))
        .filter(api_key::Column::ActAsUserId.eq(person.id))
        .filter(active_at(now))
        .order_by_asc(api_key::Column::Name)
        .all(db)
        .await?;
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let workspaces: HashMap<i64, String> = workspace::Entity::find()
        .filter(workspace::Column::AgencyId.eq(agency_id))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.name))
        .collect();
    let others = user::Entity::find()
        .filter(user::Column::AgencyId.eq(agency_id))
        .filter(user::Column::Status.eq(Status::Active.as_str()))
        .filter(user::Column::Id.ne(person.id))
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?;
    let memberships = memberships_of(db, &others.iter().map(|o| o.id).collect::<Vec<_>>()).await?;
    Ok(keys
        .into_iter()
        .map(|key| {
            let candidates = others
                .iter()
                .filter(|other| {
                    other.role == Role::SuperManager.as_str()
                        || key
                            .workspace_id
                            .is_some_and(|ws| memberships.get(&other.id).is_some_and(|ids| ids.contains(&ws)))
                })
                .map(|other| (other.id, other.name.clone()))
                .collect();
            ActingKey {
                workspace: key.workspace_id.and_then(|ws| workspaces.get(&ws).cloned()),
                id: key.id,
                name: key.name,
                environment: key.environment,
                candidates,
            }
        })
        .collect())
}

/// Whether `to` may act for a key in `workspace`: active, of the agency, and
/// a super manager or a member there.
async fn may_take_over(
    db: &impl ConnectionTrait,
    agency_id: i64,
    to: i64,
    workspace: Option<i64>,
) -> Result<Option<user::Model>, ServiceError> {
    let Some(person) = user::Entity::find_by_id(to)
        .filter(user::Column::AgencyId.eq(agency_id))
        .filter(user::Column::Status.eq(Status::Active.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(may_act_in(db, &person, workspace).await?.then_some(person))
}

/// An update of people that sets their status, changed now.
fn set_status(status: Status, now: DateTime<Utc>) -> sea_orm::UpdateMany<user::Entity> {
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(status.as_str()))
        .col_expr(user::Column::StatusChangedAt, Expr::value(now))
}
