//! Outgoing webhooks (issue 15), signed per the Standard Webhooks
//! specification: events are written to an outbox in the same transaction
//! as the change ([`outbox`]), claimed and sent by any instance
//! ([`dispatch`]) on the retry [`schedule`], to targets the SSRF
//! [`guard`] permits, signed ([`signature`]) with secrets kept sealed
//! ([`secret`]).
pub mod dispatch;
pub mod events;
pub mod group_commit;
pub mod guard;
pub mod outbox;
pub mod schedule;
pub mod secret;
pub mod signature;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for an attempt (or under one).
    Pending,
    /// A 2xx arrived.
    Succeeded,
    /// Every attempt failed, or the endpoint was disabled first.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [State::Pending, State::Succeeded, State::Failed]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// Why an endpoint is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisabledReason {
    /// Someone disabled it.
    Manual,
    /// The receiver answered 410 Gone.
    Gone,
    /// Only failures for 5 days.
    Failing,
}

impl DisabledReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DisabledReason::Manual => "manual",
            DisabledReason::Gone => "gone",
            DisabledReason::Failing => "failing",
        }
    }

    /// What the dashboard says.
    pub fn describe(text: &str) -> &'static str {
        match text {
            "gone" => "Disabled: the receiver answered 410 Gone",
            "failing" => "Disabled: every delivery failed for 5 days",
            _ => "Disabled",
        }
    }
}
