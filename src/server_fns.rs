//! Server functions: the browser's way into the services.
pub mod keys;
pub mod session;
