//! Server functions: the pages' only way to the server's services.
pub mod session;
