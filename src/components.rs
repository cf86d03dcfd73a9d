//! Pieces of interface shared by pages.
pub mod breadcrumb;
pub mod field;
pub mod header;
