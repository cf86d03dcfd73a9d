//! The agency's people, as `/v1/agents` lists them to integrations.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::records::Reach;
use crate::domain::role::Role;
use crate::entities::{membership, user};
use crate::models::crm::Agent;

/// Users in reach (not invited, not removed): everyone in the agency for an agency-wide reach; for a
/// workspace, its members and the super managers (who reach every workspace).
pub async fn list(db: &impl ConnectionTrait, reach: &Reach) -> Result<Vec<Agent>, DbErr> {
    let users = user::Entity::find()
        .filter(user::Column::AgencyId.eq(reach.agency_id))
        // Invited people have not joined yet; removed ones have left.
        .filter(user::Column::Status.is_not_in([
            crate::domain::person::Status::Invited.as_str(),
            crate::domain::person::Status::Removed.as_str(),
        ]))
        .order_by_asc(user::Column::Name)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    let mut memberships: HashMap<i64, Vec<i64>> = HashMap::new();
    for m in membership::Entity::find()
        .filter(Condition::all().add(membership::Column::UserId.is_in(ids)))
        .order_by_asc(membership::Column::WorkspaceId)
        .all(db)
        .await?
    {
        memberships.entry(m.user_id).or_default().push(m.workspace_id);
    }
    Ok(users
        .into_iter()
        .filter_map(|u| {
            let workspace_ids = memberships.remove(&u.id).unwrap_or_default();
            let in_reach = match reach.workspace_id {
                None => true,
                Some(ws) => u.role == Role::SuperManager.as_str() || workspace_ids.contains(&ws),
            };
            in_reach.then_some(Agent {
                id: u.id,
                name: u.name,
                email: u.email,
                role: u.role,
                workspace_ids,
            })
        })
        .collect())
}
