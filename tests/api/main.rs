//! Integration tests: the real server on port 0 over real HTTP, a fresh
//! database per test, each scenario on SQLite and on PostgreSQL.
mod helpers;

mod auth;
mod cli;
mod concurrent_writes;
mod cross_site;
mod demo;
mod health;
mod jobs;
mod key_lifecycle;
mod keys;
mod keys_cli;
mod oauth_cli;
mod oauth_flow;
mod oauth_pages;
mod oauth_tokens;
mod oauth_v1;
mod operations;
mod people;
mod people_cli;
mod pepper;
mod record_pages;
mod schema;
mod search;
mod session_tokens;
mod setup;
mod v1_auth;
mod v1_docs;
mod v1_keys;
mod v1_records;
mod webhook_pages;
mod webhooks;
