//! `api_keys`: one row per key; never the secret, only its HMAC.
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub agency_id: i64,
    pub workspace_id: Option<i64>,
    pub name: String,
    pub environment: crate::domain::environment::Environment,
    pub scopes: String,
    pub secret_hash: Vec<u8>,
    pub last4: String,
    pub act_as_user_id: i64,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_by_user_id: Option<i64>,
    pub last_used_at: Option<DateTimeUtc>,
    pub last_used_ip: Option<String>,
    pub usage_count: i64,
    pub rate_limit: i32,
    pub ip_allowlist: String,
    pub previous_secret_hash: Option<Vec<u8>>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    /// The key that created this one through `/v1/keys`.
    pub created_by_key_id: Option<String>,
    /// The name folded for search ([`migration::fold_for_search`]).
    pub search_folded: String,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("agency_id", &self.agency_id)
            .field("workspace_id", &self.workspace_id)
            .field("name", &self.name)
            .field("environment", &self.environment)
            .field("secret_hash", &"[redacted]")
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn before_save<C: ConnectionTrait>(mut self, _: &C, _insert: bool) -> Result<Self, DbErr> {
        if let Some(name) = super::value(&self.name) {
            self.search_folded = sea_orm::ActiveValue::Set(migration::fold_for_search(&[name]));
        }
        Ok(self)
    }
}
