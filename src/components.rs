//! Pieces of interface shared by pages.
pub mod breadcrumb;
pub mod copy_field;
pub mod dialog;
pub mod events;
pub mod field;
pub mod header;
pub mod island;
pub mod keys;
pub mod local_time;
pub mod notifications;
pub mod pager;
pub mod query;
