//! Pure rules with no I/O: roles, text fields, passwords, safe redirects.
pub mod fields;
pub mod next_url;
pub mod role;
