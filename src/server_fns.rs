//! Server functions: the browser's way into the services.
pub mod audit;
#[cfg(feature = "ssr")]
mod backend;
pub mod keys;
pub mod notifications;
pub mod oauth;
pub mod people;
pub mod records;
pub mod session;
pub mod webhooks;
