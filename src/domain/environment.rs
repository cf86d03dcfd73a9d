//! Live and test: the two worlds a key can live in.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A live key reads and writes live data only; a test key test data only.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
// Stored as its spelling; a row holding anything else fails to load (a 500),
// never silently becomes one or the other.
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum Environment {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "live"))]
    Live,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "test"))]
    Test,
}

impl Environment {
    pub const ALL: [Environment; 2] = [Environment::Live, Environment::Test];

    /// The stored spelling, also the token prefix (`kw_live_…`).
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Live => "live",
            Environment::Test => "test",
        }
    }

    /// A key's public half, `kw_{env}_{id}` (`kw_live_3hG8…`): what the key
    /// table, the logs and the audit log name a key by. The one place it is
    /// spelled; the token parser reads the same shape.
    pub fn public_key(self, id: &str) -> String {
        format!("kw_{}_{id}", self.as_str())
    }

    pub fn label(self) -> &'static str {
        match self {
            Environment::Live => "Live",
            Environment::Test => "Test",
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown environment {0:?}: expected live or test")]
pub struct UnknownEnvironment(pub String);

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "live" => Ok(Environment::Live),
            "test" => Ok(Environment::Test),
            other => Err(UnknownEnvironment(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_round_trips() {
        for env in Environment::ALL {
            assert_eq!(env.as_str().parse::<Environment>(), Ok(env));
        }
        assert_eq!(
            "Live".parse::<Environment>(),
            Err(UnknownEnvironment("Live".into()))
        );
        assert_eq!(Environment::Test.label(), "Test");
    }

    #[test]
    fn a_public_key_names_its_environment_and_id() {
        assert_eq!(
            Environment::Live.public_key("3hG8aZ0qLm2x"),
            "kw_live_3hG8aZ0qLm2x"
        );
        assert_eq!(
            Environment::Test.public_key("3hG8aZ0qLm2x"),
            "kw_test_3hG8aZ0qLm2x"
        );
    }
}
