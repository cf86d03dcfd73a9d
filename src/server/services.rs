//! The only place that runs queries: server functions, HTTP handlers and the
//! command line all call these.
pub mod accounts;
pub mod agency_settings;
pub mod agents;
pub mod audit;
pub mod audit_log;
pub mod directory;
pub mod error;
pub mod key_list;
pub mod keys;
pub mod lead_analytics;
pub mod leads;
pub mod lifecycle;
pub mod notifications;
pub mod oauth;
pub mod people;
pub mod properties;
pub mod record_pages;
pub mod records;
pub mod session_tokens;
pub mod sign_in_sessions;
pub mod webhook_pages;
pub mod webhooks;
pub mod workspaces;
