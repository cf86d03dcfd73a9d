//! `audit_events`: who did what to which key, from where, and when.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    pub actor_user_id: Option<i64>,
    pub actor_key_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    pub details: String,
    pub ip: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
