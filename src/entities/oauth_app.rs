//! `oauth_apps`: registered OAuth clients; never the secret, only its HMAC.
use sea_orm::entity::prelude::*;

use crate::domain::environment::Environment;
use crate::domain::oauth::client_type::ClientType;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_apps")]
pub struct Model {
    /// The client id without its `kw_app_` prefix.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub agency_id: i64,
    pub name: String,
    pub homepage: String,
    pub description: String,
    pub client_type: ClientType,
    pub environment: Environment,
    pub scopes: String,
    /// Newline-separated, each as registered.
    pub redirect_uris: String,
    pub secret_hash: Option<Vec<u8>>,
    pub secret_last4: Option<String>,
    pub previous_secret_hash: Option<Vec<u8>>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    pub require_pkce: bool,
    pub rate_limit: i32,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub search_folded: String,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OauthApp")
            .field("id", &self.id)
            .field("agency_id", &self.agency_id)
            .field("name", &self.name)
            .field("client_type", &self.client_type)
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
