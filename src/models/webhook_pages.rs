//! What Developer Settings › Webhooks gets from the server: the endpoints
//! with their status in words, the create form's choices, one endpoint
//! with a page of its delivery log, and what a form post left for the page
//! it answers with (a secret shown once, a test event's result, how many
//! messages were recovered).
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::webhooks::{DeliveryAttempt, WebhookEndpoint};
use crate::domain::webhook_event::EventType;

/// The create form's flash.
pub const CREATE_FORM: &str = "webhook-create";
/// The edit form's flash.
pub const EDIT_FORM: &str = "webhook-edit";
/// The endpoint page's buttons (test, resend, enable, reveal…): one message
/// for the whole page.
pub const ACTION_FORM: &str = "webhook-action";
/// "Recover failed messages since…": its field's error and what was typed.
pub const RECOVER_FORM: &str = "webhook-recover";
/// Delete's confirmation.
pub const DELETE_FORM: &str = "webhook-delete";

/// One endpoint as the pages list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRow {
    pub endpoint: WebhookEndpoint,
    /// "Enabled", or why it is disabled ("Disabled: the receiver answered 410 Gone").
    pub status: String,
}

impl EndpointRow {
    /// The workspace's name, or "All workspaces".
    pub fn reach(&self) -> String {
        match (&self.endpoint.workspace_id, &self.endpoint.workspace_name) {
            (None, _) => "All workspaces".to_owned(),
            (Some(_), Some(name)) => name.clone(),
            (Some(id), None) => format!("Workspace {id}"),
        }
    }

    /// The description, else the URL: what names the endpoint in headings.
    pub fn title(&self) -> String {
        if self.endpoint.description.is_empty() {
            self.endpoint.url.clone()
        } else {
            self.endpoint.description.clone()
        }
    }
}

/// The endpoints the viewer manages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookList {
    pub endpoints: Vec<EndpointRow>,
}

/// Where a new endpoint may listen: all workspaces (super managers) and
/// the workspaces the viewer manages, by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookChoices {
    pub agency_wide: bool,
    pub workspaces: Vec<(i64, String)>,
    /// Drawn with the form (12 base62 characters), the endpoint's id to be:
    /// the same form sent twice (a reload) adds one endpoint.
    #[serde(default)]
    pub form_id: String,
}

/// Which attempts of the delivery log to show, as the URL's query holds it
/// (`?event_type=lead.created&outcome=failed&before=123`); anything
/// unknown is no filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    pub event_type: Option<EventType>,
    /// `Some(true)`: succeeded; `Some(false)`: failed.
    pub succeeded: Option<bool>,
    /// Attempts older than this attempt id.
    pub before: Option<i64>,
}

impl LogQuery {
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        LogQuery {
            event_type: get("event_type").and_then(|e| e.parse().ok()),
            succeeded: match get("outcome").as_deref() {
                Some("succeeded") => Some(true),
                Some("failed") => Some(false),
                _ => None,
            },
            before: get("before").and_then(|b| b.parse().ok()).filter(|b| *b > 0),
        }
    }

    pub fn outcome_param(&self) -> &'static str {
        match self.succeeded {
            Some(true) => "succeeded",
            Some(false) => "failed",
            None => "",
        }
    }

    pub fn is_filtered(&self) -> bool {
        self.event_type.is_some() || self.succeeded.is_some()
    }

    /// The query of the next page: these filters, before `id`.
    pub fn older_than(&self, id: i64) -> String {
        self.with_before(Some(id))
    }

    /// These filters from the newest attempt on.
    pub fn newest(&self) -> String {
        self.with_before(None)
    }

    fn with_before(&self, before: Option<i64>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(event) = self.event_type {
            query.append_pair("event_type", event.as_str());
        }
        if self.succeeded.is_some() {
            query.append_pair("outcome", self.outcome_param());
        }
        if let Some(before) = before {
            query.append_pair("before", &before.to_string());
        }
        query.finish()
    }
}

/// One endpoint's page: its details and a page of its delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointPage {
    pub row: EndpointRow,
    pub query: LogQuery,
    /// Newest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// The `before` of the next page, when there are older attempts.
    pub older: Option<i64>,
}

/// How one attempt sent from the page went (Send test event, Resend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptSummary {
    pub message_id: String,
    pub succeeded: bool,
    pub status_code: Option<u16>,
    pub latency_ms: i32,
    pub error_kind: Option<String>,
    pub error: String,
}

impl AttemptSummary {
    /// "HTTP 200 in 12 ms", "HTTP 500 in 3 ms: …", "connect after 2 ms: …".
    pub fn text(&self) -> String {
        let mut text = match self.status_code {
            Some(code) => format!("HTTP {code} in {} ms", self.latency_ms),
            None => format!("No answer after {} ms", self.latency_ms),
        };
        if !self.succeeded {
            let kind = self.error_kind.as_deref().unwrap_or("failed");
            text.push_str(&format!(" ({kind})"));
            if !self.error.is_empty() {
                text.push_str(&format!(": {}", self.error));
            }
        }
        text
    }
}

/// What a post on an endpoint's page did, shown at once on the page it
/// answers with (never stored: a secret must not wait anywhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebhookOutcome {
    /// Just created: the signing secret, this once.
    Created { endpoint_id: String, secret: String },
    /// Rotated: the new secret, this once; the previous one signs beside it until `until`.
    Rotated { secret: String, until: DateTime<Utc> },
    /// Reveal secret: the current secret (audited).
    Revealed { secret: String },
    /// Send test event.
    Tested(AttemptSummary),
    /// Resend.
    Resent(AttemptSummary),
    /// Recover failed messages since…: how many were queued again.
    Recovered(u64),
}

/// A fixed notice after a redirect, named by `?done=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookNotice {
    Deleted,
    Enabled,
    Disabled,
    Saved,
}

impl WebhookNotice {
    const ALL: [WebhookNotice; 4] = [
        WebhookNotice::Deleted,
        WebhookNotice::Enabled,
        WebhookNotice::Disabled,
        WebhookNotice::Saved,
    ];

    pub fn param(self) -> &'static str {
        match self {
            WebhookNotice::Deleted => "deleted",
            WebhookNotice::Enabled => "enabled",
            WebhookNotice::Disabled => "disabled",
            WebhookNotice::Saved => "saved",
        }
    }

    pub fn from_param(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.param() == text)
    }

    pub fn text(self) -> &'static str {
        match self {
            WebhookNotice::Deleted => "Endpoint deleted, with its delivery log.",
            WebhookNotice::Enabled => {
                "Endpoint enabled. New events reach it again; recover what it missed below."
            }
            WebhookNotice::Disabled => {
                "Endpoint disabled. Nothing is sent to it, and messages waiting for it failed."
            }
            WebhookNotice::Saved => "Changes saved.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_query_reads_known_values_only_and_keeps_filters_on_the_next_page() {
        let params = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let query = LogQuery::from_params(params(&[
            ("event_type", "lead.created"),
            ("outcome", "failed"),
            ("before", "40"),
        ]));
        assert_eq!(query.event_type, Some(EventType::LeadCreated));
        assert_eq!(query.succeeded, Some(false));
        assert_eq!(query.before, Some(40));
        assert_eq!(
            query.older_than(12),
            "event_type=lead.created&outcome=failed&before=12"
        );
        let odd = LogQuery::from_params(params(&[
            ("event_type", "lead.gone"),
            ("outcome", "maybe"),
            ("before", "-3"),
        ]));
        assert_eq!(odd, LogQuery::default());
        assert!(!odd.is_filtered());
        assert_eq!(odd.older_than(7), "before=7");
        assert_eq!(odd.newest(), "");
        assert_eq!(query.newest(), "event_type=lead.created&outcome=failed");
    }

    #[test]
    fn an_attempt_reads_as_a_sentence() {
        let mut summary = AttemptSummary {
            message_id: "msg_1".into(),
            succeeded: true,
            status_code: Some(200),
            latency_ms: 12,
            error_kind: None,
            error: String::new(),
        };
        assert_eq!(summary.text(), "HTTP 200 in 12 ms");
        summary.succeeded = false;
        summary.status_code = None;
        summary.error_kind = Some("connect".into());
        summary.error = "connection refused".into();
        assert_eq!(
            summary.text(),
            "No answer after 12 ms (connect): connection refused"
        );
        for notice in WebhookNotice::ALL {
            assert_eq!(WebhookNotice::from_param(notice.param()), Some(notice));
        }
    }
}
