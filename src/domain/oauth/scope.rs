//! The `scope` parameter (RFC 6749 §3.3) and which scopes an app may hold.
use crate::domain::role::Role;
use crate::domain::scopes::{Scope, ScopeSet};

/// Whether an OAuth app may be registered with (and so be granted) `scope`.
/// Not `admin`: an app holding it could issue API keys, which would outlive
/// the grant and so escape its revocation. Not the scopes that unlock
/// nothing yet ([`Scope::is_offered`]).
pub fn may_be_granted(scope: Scope) -> bool {
    scope != Scope::Admin && scope.is_offered()
}

/// The scopes an app may be registered with, in the interface's order.
pub fn grantable() -> impl Iterator<Item = Scope> {
    Scope::ALL.into_iter().filter(|scope| may_be_granted(*scope))
}

/// `Err` with a message naming the first scope of `set` an app may not hold.
pub fn check_grantable(set: ScopeSet) -> Result<(), String> {
    match set.iter().find(|scope| !may_be_granted(*scope)) {
        Some(scope) => Err(format!(
            "{scope} cannot be granted to an OAuth app: choose from {}",
            grantable().map(Scope::as_str).collect::<Vec<_>>().join(", ")
        )),
        None => Ok(()),
    }
}

/// What a person's role lets an app do in their name, whatever they
/// granted: agents are read-only, so their tokens carry the `read:` scopes
/// only; managers and super managers every grantable scope. Checked on every
/// request, so a demoted person's tokens lose scopes at once.
pub fn allowed_for(role: Role) -> ScopeSet {
    let read_only = |scope: &Scope| scope.as_str().starts_with("read:");
    let scopes = grantable().filter(|scope| role != Role::Agent || read_only(scope));
    ScopeSet::new(scopes).expect("every role may read")
}

/// Why a requested `scope` was refused: an `invalid_scope` error
/// (RFC 6749 §4.1.2.1, §5.2) with this text as its description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeRequestError {
    #[error("unknown scope {0:?}")]
    Unknown(String),
    #[error("scope lists no scope")]
    Empty,
    #[error("this app may not ask for {0}")]
    NotRegistered(Scope),
}

/// Reads an authorization request's `scope`: scope names separated by
/// spaces, case-sensitive (RFC 6749 §3.3). When it is absent the app's
/// registered scopes are asked for (§3.3 lets the server choose a default;
/// the consent page shows what that is). Every scope asked for must be
/// among `registered`.
pub fn requested(text: Option<&str>, registered: ScopeSet) -> Result<ScopeSet, ScopeRequestError> {
    let Some(text) = text else {
        return Ok(registered);
    };
    let mut scopes = Vec::new();
    for name in text.split(' ').filter(|name| !name.is_empty()) {
        let scope = name
            .parse::<Scope>()
            .map_err(|_| ScopeRequestError::Unknown(name.chars().take(64).collect()))?;
        if !registered.covers(ScopeSet::new([scope]).expect("one scope")) || scope == Scope::Admin {
            return Err(ScopeRequestError::NotRegistered(scope));
        }
        scopes.push(scope);
    }
    ScopeSet::new(scopes).map_err(|_| ScopeRequestError::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> ScopeSet {
        ScopeSet::parse(text).unwrap()
    }

    #[test]
    fn admin_and_what_unlocks_nothing_cannot_be_granted() {
        assert!(!may_be_granted(Scope::Admin));
        assert!(!may_be_granted(Scope::WriteAgents));
        assert!(may_be_granted(Scope::ReadLeads));
        assert!(check_grantable(set("read:leads write:properties")).is_ok());
        let refused = check_grantable(set("read:leads admin")).unwrap_err();
        assert!(refused.starts_with("admin cannot be granted"), "{refused}");
        assert!(!grantable().any(|scope| scope == Scope::Admin));
    }

    #[test]
    fn agents_lend_read_scopes_only() {
        assert_eq!(
            allowed_for(Role::Agent),
            set("read:properties read:leads read:agents read:analytics")
        );
        for role in [Role::Manager, Role::SuperManager] {
            assert_eq!(allowed_for(role), ScopeSet::new(grantable()).unwrap());
            assert!(!allowed_for(role).is_admin());
        }
    }

    #[test]
    fn a_request_asks_for_registered_scopes_only() {
        let registered = set("read:leads write:leads read:properties");
        assert_eq!(requested(None, registered), Ok(registered));
        assert_eq!(requested(Some("read:leads"), registered), Ok(set("read:leads")));
        assert_eq!(
            requested(Some("write:leads  read:leads"), registered),
            Ok(set("read:leads write:leads")),
            "order and repeated spaces do not matter"
        );
        assert_eq!(
            requested(Some("read:agents"), registered),
            Err(ScopeRequestError::NotRegistered(Scope::ReadAgents))
        );
        assert_eq!(
            requested(Some("READ:LEADS"), registered),
            Err(ScopeRequestError::Unknown("READ:LEADS".into())),
            "scope names are case-sensitive"
        );
        assert_eq!(
            requested(Some("read:leads,write:leads"), registered),
            Err(ScopeRequestError::Unknown("read:leads,write:leads".into())),
            "commas do not separate scopes in OAuth"
        );
        assert_eq!(requested(Some(""), registered), Err(ScopeRequestError::Empty));
        assert_eq!(requested(Some("   "), registered), Err(ScopeRequestError::Empty));
        assert_eq!(
            requested(Some("admin"), set("admin")),
            Err(ScopeRequestError::NotRegistered(Scope::Admin)),
            "never admin, whatever was stored"
        );
    }
}
