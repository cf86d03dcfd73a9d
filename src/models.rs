//! Data transfer objects: what crosses the wire between server and browser.
pub mod audit;
pub mod crm;
mod error;
mod flash;
pub mod keys;
pub mod notifications;
pub mod oauth;
pub mod people;
pub mod query;
pub mod records;
pub mod reference;
mod user;
pub mod webhook_pages;
pub mod webhooks;

pub use error::{AppError, FieldIssue};
pub use flash::FormFlash;
pub use user::CurrentUser;
