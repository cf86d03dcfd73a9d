//! What a key may do: scope names and sets of them.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "read:properties")]
    ReadProperties,
    #[serde(rename = "write:properties")]
    WriteProperties,
    #[serde(rename = "read:leads")]
    ReadLeads,
    #[serde(rename = "write:leads")]
    WriteLeads,
    #[serde(rename = "read:agents")]
    ReadAgents,
    #[serde(rename = "write:agents")]
    WriteAgents,
    #[serde(rename = "read:analytics")]
    ReadAnalytics,
    #[serde(rename = "webhooks")]
    Webhooks,
    /// Everything, key management included.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// In the order the interface lists them.
    pub const ALL: [Scope; 9] = [
        Scope::ReadProperties,
        Scope::WriteProperties,
        Scope::ReadLeads,
        Scope::WriteLeads,
        Scope::ReadAgents,
        Scope::WriteAgents,
        Scope::ReadAnalytics,
        Scope::Webhooks,
        Scope::Admin,
    ];

    /// Whether new keys may be given this scope: `write:agents` unlocks no
    /// endpoint yet, so the dialogs and the CLI do not offer it (keys that
    /// have it keep it).
    pub fn is_offered(self) -> bool {
        !matches!(self, Scope::WriteAgents)
    }

    /// Whether a session token may carry this scope: never `admin` (key
    /// management) nor `webhooks` (issue 14).
    pub fn fits_session(self) -> bool {
        !matches!(self, Scope::Admin | Scope::Webhooks)
    }

    /// The scopes new keys may have, in the interface's order.
    pub fn offered() -> impl Iterator<Item = Scope> {
        Self::ALL.into_iter().filter(|scope| scope.is_offered())
    }

    /// `Err` naming the first scope of `set` that is not offered.
    pub fn check_offered(set: ScopeSet) -> Result<(), String> {
        match set.iter().find(|scope| !scope.is_offered()) {
            Some(scope) => Err(format!(
                "{scope} does not unlock anything yet: choose from {}",
                Self::offered().map(Scope::as_str).collect::<Vec<_>>().join(", ")
            )),
            None => Ok(()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadProperties => "read:properties",
            Scope::WriteProperties => "write:properties",
            Scope::ReadLeads => "read:leads",
            Scope::WriteLeads => "write:leads",
            Scope::ReadAgents => "read:agents",
            Scope::WriteAgents => "write:agents",
            Scope::ReadAnalytics => "read:analytics",
            Scope::Webhooks => "webhooks",
            Scope::Admin => "admin",
        }
    }

    /// One line on what the scope allows, shown beside its checkbox.
    pub fn description(self) -> &'static str {
        match self {
            Scope::ReadProperties => "List and read properties",
            Scope::WriteProperties => "Create, update and delete properties",
            Scope::ReadLeads => "List and read leads",
            Scope::WriteLeads => "Import and update leads",
            Scope::ReadAgents => "List agents",
            Scope::WriteAgents => "Change agents",
            Scope::ReadAnalytics => "Read lead analytics",
            Scope::Webhooks => "Manage webhooks",
            Scope::Admin => "Everything above, and managing API keys",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("unknown scope {0:?}")]
    Unknown(String),
    #[error("Choose at least one scope")]
    Empty,
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| ScopeError::Unknown(s.to_owned()))
    }
}

/// A non-empty set of scopes. `admin` implies every other scope.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScopeSet(u16);

impl ScopeSet {
    /// At least one scope; duplicates collapse.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Result<Self, ScopeError> {
        let bits = scopes.into_iter().fold(0, |bits, scope| bits | scope.bit());
        if bits == 0 {
            Err(ScopeError::Empty)
        } else {
            Ok(Self(bits))
        }
    }

    /// Scope names separated by spaces or commas (the stored and CLI forms).
    /// From scope names as a form sends them (`["read:leads", …]`).
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, ScopeError> {
        let scopes = names
            .iter()
            .map(|name| name.as_ref().parse::<Scope>())
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(scopes)
    }

    pub fn parse(text: &str) -> Result<Self, ScopeError> {
        let scopes = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Scope>, _>>()?;
        Self::new(scopes)
    }

    /// Whether a key with these scopes may do what `scope` guards.
    pub fn allows(self, scope: Scope) -> bool {
        self.0 & (Scope::Admin.bit() | scope.bit()) != 0
    }

    pub fn is_admin(self) -> bool {
        self.0 & Scope::Admin.bit() != 0
    }

    /// Whether everything `other` allows, this set allows too (`admin`
    /// covers every set).
    pub fn covers(self, other: ScopeSet) -> bool {
        self.is_admin() || other.0 & !self.0 == 0
    }

    /// What either set allows.
    pub fn union(self, other: ScopeSet) -> ScopeSet {
        Self(self.0 | other.0)
    }

    /// What both sets allow, `None` when nothing (`admin` on one side
    /// leaves the other side whole).
    pub fn intersect(self, other: ScopeSet) -> Option<ScopeSet> {
        let bits = match (self.is_admin(), other.is_admin()) {
            (true, _) => other.0,
            (false, true) => self.0,
            (false, false) => self.0 & other.0,
        };
        (bits != 0).then_some(Self(bits))
    }

    /// What a session token minted from a key with these scopes may carry:
    /// everything they allow (`admin` spelled out as every offered scope)
    /// but `admin` and `webhooks`; `None` when that is nothing.
    pub fn for_session(self) -> Option<ScopeSet> {
        let allowed = if self.is_admin() {
            Scope::offered().fold(0, |bits, scope| bits | scope.bit())
        } else {
            self.0
        };
        let bits = allowed & !(Scope::Admin.bit() | Scope::Webhooks.bit());
        (bits != 0).then_some(Self(bits))
    }

    /// The scopes as chosen, in canonical order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL
            .into_iter()
            .filter(move |scope| self.0 & scope.bit() != 0)
    }

    /// The stored form: names in canonical order, separated by spaces.
    pub fn to_text(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScopeSet({})", self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_token_never_carries_admin_or_webhooks() {
        let admin = ScopeSet::parse("admin").unwrap().for_session().unwrap();
        assert_eq!(
            admin.to_text(),
            "read:properties write:properties read:leads write:leads read:agents read:analytics"
        );
        let some = ScopeSet::parse("read:leads webhooks")
            .unwrap()
            .for_session()
            .unwrap();
        assert_eq!(some.to_text(), "read:leads");
        assert_eq!(ScopeSet::parse("webhooks").unwrap().for_session(), None);
        assert!(!Scope::Admin.fits_session() && !Scope::Webhooks.fits_session());
        assert!(Scope::ReadLeads.fits_session());
    }

    #[test]
    fn names_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
            assert!(!scope.description().is_empty());
        }
        assert_eq!("leads".parse::<Scope>(), Err(ScopeError::Unknown("leads".into())));
        assert_eq!(
            ScopeSet::from_names(&["write:leads", "read:leads"]).map(ScopeSet::to_text),
            ScopeSet::parse("read:leads write:leads").map(ScopeSet::to_text)
        );
        assert_eq!(ScopeSet::from_names::<&str>(&[]), Err(ScopeError::Empty));
        assert_eq!(
            ScopeSet::from_names(&["read:leads", "leads"]),
            Err(ScopeError::Unknown("leads".into()))
        );
    }

    #[test]
    fn a_set_is_canonical_and_never_empty() {
        let set = ScopeSet::parse("write:leads, read:leads read:leads").unwrap();
        assert_eq!(set.to_text(), "read:leads write:leads");
        assert_eq!(ScopeSet::parse(" , "), Err(ScopeError::Empty));
        assert_eq!(ScopeSet::new([]), Err(ScopeError::Empty));
        assert_eq!(
            ScopeSet::parse("read:leads bogus"),
            Err(ScopeError::Unknown("bogus".into()))
        );
        assert_eq!(ScopeSet::parse(&set.to_text()), Ok(set));
    }

    #[test]
    fn a_set_allows_only_its_scopes() {
        let set = ScopeSet::parse("read:leads").unwrap();
        assert!(set.allows(Scope::ReadLeads));
        assert!(!set.allows(Scope::WriteLeads));
        assert!(!set.allows(Scope::Admin));
        assert!(!set.is_admin());
    }

    #[test]
    fn covering_and_intersecting_treat_admin_as_everything() {
        let set = |text| ScopeSet::parse(text).unwrap();
        assert!(set("read:leads write:leads").covers(set("read:leads")));
        assert!(!set("read:leads").covers(set("read:leads write:leads")));
        assert!(set("admin").covers(set("read:leads webhooks")));
        assert!(!set("read:leads").covers(set("admin")));
        assert_eq!(
            set("read:leads write:leads").intersect(set("write:leads read:agents")),
            Some(set("write:leads"))
        );
        assert_eq!(set("read:leads").intersect(set("read:agents")), None);
        assert_eq!(
            set("admin").intersect(set("read:agents")),
            Some(set("read:agents"))
        );
        assert_eq!(
            set("read:agents").intersect(set("admin")),
            Some(set("read:agents"))
        );
        assert_eq!(set("admin").intersect(set("admin")), Some(set("admin")));
        assert_eq!(
            set("read:leads").union(set("read:agents")),
            set("read:leads read:agents")
        );
    }

    #[test]
    fn admin_implies_every_scope() {
        let set = ScopeSet::parse("admin").unwrap();
        assert!(set.is_admin());
        for scope in Scope::ALL {
            assert!(set.allows(scope), "{scope}");
        }
    }

    #[test]
    fn scopes_serialise_by_name() {
        let json = serde_json::to_string(&Scope::ReadLeads).unwrap();
        assert_eq!(json, "\"read:leads\"");
    }
}
