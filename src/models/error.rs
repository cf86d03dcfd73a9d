//! The error type of every server function.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

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
    /// 422: a field was refused; the message is meant for the person.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// 500: logged on the server with its detail, shown without it.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request itself failed (network, decoding).
    #[error("{0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
