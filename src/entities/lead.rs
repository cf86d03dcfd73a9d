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
    pub environment: crate::domain::environment::Environment,
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
    pub status: crate::domain::crm::LeadStatus,
    pub notes: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Name, email, phone and source folded for search.
    pub search_folded: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(mut self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        let parts = [
            &self.first_name,
            &self.last_name,
            &self.email,
            &self.phone,
            &self.source,
        ]
        .map(super::value);
        if let [Some(first), Some(last), Some(email), Some(phone), Some(source)] = parts {
            let name = format!("{first} {last}");
            self.search_folded =
                sea_orm::ActiveValue::Set(migration::fold_for_search(&[&name, email, phone, source]));
        }
        Ok(self)
    }
}
