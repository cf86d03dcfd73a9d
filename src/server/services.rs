//! The only place that runs queries: server functions, HTTP handlers and the
//! command line all call these.
pub mod accounts;
pub mod audit;
pub mod key_list;
pub mod keys;
