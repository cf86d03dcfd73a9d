//! One module per page.
pub mod admin;
pub mod api_reference;
pub mod audit_log;
pub mod authorized_apps;
pub mod consent;
pub mod developer_settings;
pub mod key_detail;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod oauth_apps;
pub mod records;
pub mod session_tokens;
pub mod setup;
pub mod webhook_changes;
pub mod webhook_endpoint;
pub mod webhooks;
