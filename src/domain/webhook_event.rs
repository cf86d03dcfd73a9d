//! The events a webhook endpoint can subscribe to (issue 15), named
//! `resource.action` as Stripe, GitHub and Svix users expect. Shared with the
//! dashboard, which lists them as checkboxes.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "lead.created")]
    LeadCreated,
    #[serde(rename = "lead.updated")]
    LeadUpdated,
    #[serde(rename = "property.created")]
    PropertyCreated,
    #[serde(rename = "property.updated")]
    PropertyUpdated,
    #[serde(rename = "property.deleted")]
    PropertyDeleted,
    #[serde(rename = "key.created")]
    KeyCreated,
    #[serde(rename = "key.revoked")]
    KeyRevoked,
    #[serde(rename = "key.expiring")]
    KeyExpiring,
    #[serde(rename = "key.inactive_warning")]
    KeyInactiveWarning,
    #[serde(rename = "key.auto_deleted")]
    KeyAutoDeleted,
    /// Sent on demand ("Send test event"), to one endpoint, whatever it subscribes to.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl EventType {
    /// In the order the dashboard lists them.
    pub const ALL: [EventType; 11] = [
        EventType::LeadCreated,
        EventType::LeadUpdated,
        EventType::PropertyCreated,
        EventType::PropertyUpdated,
        EventType::PropertyDeleted,
        EventType::KeyCreated,
        EventType::KeyRevoked,
        EventType::KeyExpiring,
        EventType::KeyInactiveWarning,
        EventType::KeyAutoDeleted,
        EventType::WebhookTest,
    ];

    /// The name on the wire (`type` of the payload) and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::LeadCreated => "lead.created",
            EventType::LeadUpdated => "lead.updated",
            EventType::PropertyCreated => "property.created",
            EventType::PropertyUpdated => "property.updated",
            EventType::PropertyDeleted => "property.deleted",
            EventType::KeyCreated => "key.created",
            EventType::KeyRevoked => "key.revoked",
            EventType::KeyExpiring => "key.expiring",
            EventType::KeyInactiveWarning => "key.inactive_warning",
            EventType::KeyAutoDeleted => "key.auto_deleted",
            EventType::WebhookTest => "webhook.test",
        }
    }

    /// One line for the dashboard's checkbox.
    pub fn description(self) -> &'static str {
        match self {
            EventType::LeadCreated => "A lead was imported",
            EventType::LeadUpdated => "A lead was changed",
            EventType::PropertyCreated => "A property was synced for the first time",
            EventType::PropertyUpdated => "A synced property changed",
            EventType::PropertyDeleted => "A property was deleted",
            EventType::KeyCreated => "An API key was created",
            EventType::KeyRevoked => "An API key was revoked",
            EventType::KeyExpiring => "An API key expires within 7 days",
            EventType::KeyInactiveWarning => "An unused API key will be deleted soon",
            EventType::KeyAutoDeleted => "An unused API key was deleted",
            EventType::WebhookTest => "Sent when you ask for a test event",
        }
    }

    /// Events about keys go to agency-wide endpoints and to the workspace of
    /// a workspace key; record events to the record's workspace.
    pub fn is_key_event(self) -> bool {
        matches!(
            self,
            EventType::KeyCreated
                | EventType::KeyRevoked
                | EventType::KeyExpiring
                | EventType::KeyInactiveWarning
                | EventType::KeyAutoDeleted
        )
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type {0:?}: one of lead.created, lead.updated, property.created, property.updated, property.deleted, key.created, key.revoked, key.expiring, key.inactive_warning, key.auto_deleted, webhook.test")]
pub struct UnknownEventType(pub String);

impl FromStr for EventType {
    type Err = UnknownEventType;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|event| event.as_str() == text)
            .ok_or_else(|| UnknownEventType(text.to_owned()))
    }
}

/// A set of event types, kept in [`EventType::ALL`]'s order, stored as
/// its names separated by spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventSet(u16);

impl EventSet {
    pub fn contains(self, event: EventType) -> bool {
        self.0 & Self::bit(event) != 0
    }

    pub fn insert(&mut self, event: EventType) {
        self.0 |= Self::bit(event);
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = EventType> {
        EventType::ALL.into_iter().filter(move |e| self.contains(*e))
    }

    fn bit(event: EventType) -> u16 {
        1 << EventType::ALL.iter().position(|e| *e == event).unwrap_or(0)
    }

    /// The stored spelling: names separated by single spaces.
    pub fn to_stored(self) -> String {
        self.iter().map(EventType::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Reads the stored spelling; unknown names (from a newer version) are skipped.
    pub fn from_stored(text: &str) -> Self {
        text.split_whitespace()
            .filter_map(|name| name.parse().ok())
            .collect()
    }
}

impl FromIterator<EventType> for EventSet {
    fn from_iter<I: IntoIterator<Item = EventType>>(iter: I) -> Self {
        let mut set = EventSet::default();
        for event in iter {
            set.insert(event);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for event in EventType::ALL {
            assert_eq!(event.as_str().parse::<EventType>(), Ok(event));
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(json, format!("\"{}\"", event.as_str()));
        }
        assert!("lead.deleted".parse::<EventType>().is_err());
    }

    #[test]
    fn a_set_is_stored_in_the_listed_order() {
        let set: EventSet = [EventType::KeyRevoked, EventType::LeadCreated]
            .into_iter()
            .collect();
        assert_eq!(set.to_stored(), "lead.created key.revoked");
        assert_eq!(
            EventSet::from_stored("key.revoked  lead.created future.thing"),
            set
        );
        assert!(!set.contains(EventType::PropertyUpdated));
    }
}
