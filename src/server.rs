//! Everything that runs only on the server: configuration, database,
//! sessions, services, HTTP and the command line.
pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod cors;
pub mod cross_site;
pub mod db;
pub mod edges;
pub mod http;
pub mod jobs;
pub mod key_cache;
pub mod logging;
pub mod password;
pub mod pepper;
pub mod public_url;
pub mod rate_limit;
pub mod request;
pub mod security_headers;
pub mod services;
pub mod session_store;
pub mod session_token_forms;
pub mod setup_token;
pub mod sign_in_throttle;
pub mod state;
pub mod usage;
pub mod webhooks;
