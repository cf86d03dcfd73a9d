//! Who may do what to keys: `can(actor, action)`, the one policy table.
//!
//! Agency boundaries are not decided here: a service only ever loads objects
//! of the actor's own agency, so another agency's key is "not found" before
//! the policy is asked.
use super::role::Role;
use serde::{Deserialize, Serialize};

/// The signed-in person, as the policy needs to see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i64,
    pub agency_id: i64,
    pub role: Role,
    /// The workspaces they are a member of.
    pub workspaces: Vec<i64>,
}

/// Where a key lives (its home, not its scopes: what it may do): `None` is
/// agency-level (every workspace), `Some(id)` one workspace.
pub type KeyHome = Option<i64>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See a key in the table.
    ViewKey(KeyHome),
    /// Create, rename, revoke or remove a key there.
    ManageKey(KeyHome),
    /// Change the agency's settings (key limit, inactivity window).
    ChangeAgencySettings,
    /// Register, change, roll the secret of or delete the agency's OAuth
    /// apps, and see or revoke every grant people gave them.
    ManageOAuthApps,
    /// See, create, change and delete webhook endpoints of this home
    /// (`None`: agency-wide), read their delivery logs, reveal and rotate
    /// their secrets.
    ManageWebhooks(KeyHome),
    /// See the Team, invite people, change their role and workspaces,
    /// disable, enable and remove them, issue password reset links.
    ManagePeople,
    /// Create, rename and archive workspaces.
    ManageWorkspaces,
}

impl Actor {
    fn is_member_of(&self, workspace: i64) -> bool {
        self.workspaces.contains(&workspace)
    }
}

pub fn can(actor: &Actor, action: Action) -> bool {
    match (actor.role, action) {
        (Role::SuperManager, _) => true,
        (_, Action::ViewKey(None)) => true,
        (_, Action::ViewKey(Some(workspace))) => actor.is_member_of(workspace),
        (Role::Manager, Action::ManageKey(Some(workspace))) => actor.is_member_of(workspace),
        (Role::Manager, Action::ManageKey(None)) => false,
        (Role::Agent, Action::ManageKey(_)) => false,
        (_, Action::ChangeAgencySettings) => false,
        (_, Action::ManageOAuthApps) => false,
        (Role::Manager, Action::ManageWebhooks(Some(workspace))) => actor.is_member_of(workspace),
        (_, Action::ManageWebhooks(_)) => false,
        (_, Action::ManagePeople | Action::ManageWorkspaces) => false,
    }
}

/// Whether the actor may manage any key at all (shows the action controls).
pub fn can_manage_some_key(actor: &Actor) -> bool {
    match actor.role {
        Role::SuperManager => true,
        Role::Manager => !actor.workspaces.is_empty(),
        Role::Agent => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: 1,
            agency_id: 1,
            role,
            workspaces: vec![10],
        }
    }

    /// The whole table: role × action × (member workspace, other workspace, agency-level).
    #[test]
    fn the_policy_table() {
        use Action::*;
        let cases = [
            (Role::SuperManager, ViewKey(Some(10)), true),
            (Role::SuperManager, ViewKey(Some(20)), true),
            (Role::SuperManager, ViewKey(None), true),
            (Role::SuperManager, ManageKey(Some(10)), true),
            (Role::SuperManager, ManageKey(Some(20)), true),
            (Role::SuperManager, ManageKey(None), true),
            (Role::SuperManager, ChangeAgencySettings, true),
            (Role::SuperManager, ManageOAuthApps, true),
            (Role::Manager, ManageOAuthApps, false),
            (Role::SuperManager, ManagePeople, true),
            (Role::Manager, ManagePeople, false),
            (Role::Agent, ManagePeople, false),
            (Role::SuperManager, ManageWorkspaces, true),
            (Role::Manager, ManageWorkspaces, false),
            (Role::Agent, ManageWorkspaces, false),
            (Role::Agent, ManageOAuthApps, false),
            (Role::SuperManager, ManageWebhooks(None), true),
            (Role::SuperManager, ManageWebhooks(Some(20)), true),
            (Role::Manager, ManageWebhooks(Some(10)), true),
            (Role::Manager, ManageWebhooks(Some(20)), false),
            (Role::Manager, ManageWebhooks(None), false),
            (Role::Agent, ManageWebhooks(Some(10)), false),
            (Role::Agent, ManageWebhooks(None), false),
            (Role::Manager, ViewKey(Some(10)), true),
            (Role::Manager, ViewKey(Some(20)), false),
            (Role::Manager, ViewKey(None), true),
            (Role::Manager, ManageKey(Some(10)), true),
            (Role::Manager, ManageKey(Some(20)), false),
            (Role::Manager, ManageKey(None), false),
            (Role::Manager, ChangeAgencySettings, false),
            (Role::Agent, ViewKey(Some(10)), true),
            (Role::Agent, ViewKey(Some(20)), false),
            (Role::Agent, ViewKey(None), true),
            (Role::Agent, ManageKey(Some(10)), false),
            (Role::Agent, ManageKey(Some(20)), false),
            (Role::Agent, ManageKey(None), false),
            (Role::Agent, ChangeAgencySettings, false),
        ];
        for (role, action, allowed) in cases {
            assert_eq!(can(&actor(role), action), allowed, "{role:?} {action:?}");
        }
    }

    #[test]
    fn who_sees_action_controls() {
        assert!(can_manage_some_key(&actor(Role::SuperManager)));
        assert!(can_manage_some_key(&actor(Role::Manager)));
        assert!(!can_manage_some_key(&Actor {
            workspaces: vec![],
            ..actor(Role::Manager)
        }));
        assert!(!can_manage_some_key(&actor(Role::Agent)));
    }
}
