//! The error type of every server function.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// One refused field and why, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldIssue {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 401: no signed-in user.
    #[error("Please sign in again")]
    Unauthenticated,
    /// 403: signed in, but the role does not allow it.
    #[error("You do not have permission to do that")]
    Forbidden,
    /// 404: absent, or another agency's.
    #[error("Not found")]
    NotFound,
    /// 409: the change conflicts with the current state (a limit, a race).
    #[error("{0}")]
    Conflict(String),
    /// 422: fields were refused; each message is meant for the person.
    #[error("{}", .0.first().map(|issue| issue.message.as_str()).unwrap_or("Check the form"))]
    Invalid(Vec<FieldIssue>),
    /// 500: logged on the server with its detail, shown without it.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request itself failed (network, decoding).
    #[error("{0}")]
    Transport(String),
}

impl AppError {
    /// A single refused field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldIssue {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// The message for `field`, if it was refused.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(issues) => issues
                .iter()
                .find(|issue| issue.field == field)
                .map(|issue| issue.message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
