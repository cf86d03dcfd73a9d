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
    pub environment: crate::domain::environment::Environment,
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
    pub status: crate::domain::crm::PropertyStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Title, address, city and external id folded for search.
    pub search_folded: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(mut self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        let parts = [&self.title, &self.address, &self.city, &self.external_id].map(super::value);
        if let [Some(title), Some(address), Some(city), Some(external_id)] = parts {
            self.search_folded =
                sea_orm::ActiveValue::Set(migration::fold_for_search(&[title, address, city, external_id]));
        }
        Ok(self)
    }
}
