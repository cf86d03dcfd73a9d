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
    pub action: crate::domain::audit_action::AuditAction,
    pub key_id: Option<String>,
    pub key_name: Option<String>,
    pub details: String,
    pub ip: Option<String>,
    pub created_at: DateTimeUtc,
    /// Key name, actor, action and details folded for search.
    pub search_folded: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(mut self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        let key_name = super::value(&self.key_name).map(|name| name.clone().unwrap_or_default());
        // The action as people name it ("IP allowlist changed"): what they search for.
        let action = super::value(&self.action).map(|action| action.label());
        let parts = [&self.actor_label, &self.details].map(super::value);
        if let (Some(key_name), Some(action), [Some(actor), Some(details)]) = (key_name, action, parts) {
            self.search_folded =
                sea_orm::ActiveValue::Set(migration::fold_for_search(&[&key_name, actor, action, details]));
        }
        Ok(self)
    }
}
