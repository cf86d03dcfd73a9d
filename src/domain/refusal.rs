//! Why a verified key's request was refused. Refused requests are not uses:
//! they raise no usage count, set no Last used and do not reset the
//! inactivity clock (the notices promise that a *successful* request keeps a
//! key); they are counted apart, per reason, for the key's page.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RefusalReason {
    /// 403 `FORBIDDEN`: the key lacks the endpoint's scope.
    Scope,
    /// 403 `FORBIDDEN` for another reason (a lead another key imported).
    Forbidden,
    /// 403 `IP_NOT_ALLOWED`: outside the key's IP allowlist.
    Ip,
    /// 429 `RATE_LIMITED`.
    RateLimit,
}

impl RefusalReason {
    pub const ALL: [RefusalReason; 4] = [
        RefusalReason::Scope,
        RefusalReason::Forbidden,
        RefusalReason::Ip,
        RefusalReason::RateLimit,
    ];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::Scope => "scope",
            RefusalReason::Forbidden => "forbidden",
            RefusalReason::Ip => "ip",
            RefusalReason::RateLimit => "rate_limit",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// How the key's page says it after a count: "12 missing scope".
    pub fn label(self) -> &'static str {
        match self {
            RefusalReason::Scope => "missing scope",
            RefusalReason::Forbidden => "not permitted",
            RefusalReason::Ip => "outside the IP allowlist",
            RefusalReason::RateLimit => "rate limited",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_through_their_stored_names() {
        for reason in RefusalReason::ALL {
            assert_eq!(RefusalReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(RefusalReason::parse("nope"), None);
    }
}
