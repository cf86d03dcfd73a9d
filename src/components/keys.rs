//! The Developer Settings key table, its dialogs (islands) and their paths.
pub mod create;
pub mod lifecycle;
pub mod manage;
pub mod reveal;
pub mod table;
pub mod tooltip;

/// The page this all lives on.
pub const PAGE_PATH: &str = "/admin/profile/developer-settings";
/// The element holding the table and its pager: search as you type
/// replaces it with the server's rendering for the new query.
pub const RESULTS_ID: &str = "key-results";
/// The Audit log page.
pub const AUDIT_LOG_PATH: &str = "/admin/profile/developer-settings/audit-log";

/// A key's own page.
pub fn key_path(id: &str) -> String {
    format!("{PAGE_PATH}/keys/{id}")
}
