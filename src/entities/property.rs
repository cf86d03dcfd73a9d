//! `properties`: listings kept in sync by API keys, one per external id
//! per workspace and environment.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "properties")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    pub workspace_id: i64,
    pub environment: String,
    pub external_id: String,
    /// The key that wrote it last.
    pub source_key_id: Option<String>,
    pub source_key_name: Option<String>,
    pub acting_user_id: Option<i64>,
    pub title: String,
    pub address: String,
    pub city: String,
    pub price_cents: Option<i64>,
    pub bedrooms: Option<i32>,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
