//! One module per page.
pub mod admin;
pub mod api_reference;
pub mod developer_settings;
pub mod login;
pub mod not_found;
pub mod notifications;
pub mod records;
pub mod setup;
