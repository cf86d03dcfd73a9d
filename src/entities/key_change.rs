//! `key_changes`: on SQLite, every key change announced to the other
//! processes on the same database file, polled by each server (PostgreSQL
//! uses LISTEN/NOTIFY instead).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub key_id: String,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
