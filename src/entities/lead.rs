//! `leads`: people interested in a property, imported by API keys.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub agency_id: i64,
    pub workspace_id: i64,
    /// `live` or `test`.
    pub environment: String,
    /// The key that imported it; only that key may update it.
    pub source_key_id: Option<String>,
    pub source_key_name: Option<String>,
    pub acting_user_id: Option<i64>,
    pub external_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub source: String,
    pub status: String,
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
