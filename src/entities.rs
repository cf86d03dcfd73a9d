//! sea-orm entities, one per table (server only; DTOs in `models` cross the wire).
pub mod account_token;
pub mod agency;
pub mod api_key;
pub mod audit_event;
pub mod job_run;
pub mod key_change;
pub mod lead;
pub mod membership;
pub mod notification;
pub mod oauth_app;
pub mod oauth_code;
pub mod oauth_family;
pub mod oauth_grant;
pub mod oauth_token;
pub mod property;
pub mod session;
pub mod session_token;
pub mod session_token_origin;
pub mod user;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod webhook_message;
pub mod workspace;

/// What an active model's column holds, set or unchanged; `None` when it
/// was not loaded (a partial update).
pub(crate) fn value<V: Into<sea_orm::Value>>(column: &sea_orm::ActiveValue<V>) -> Option<&V> {
    match column {
        sea_orm::ActiveValue::Set(value) | sea_orm::ActiveValue::Unchanged(value) => Some(value),
        sea_orm::ActiveValue::NotSet => None,
    }
}
