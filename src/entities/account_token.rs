//! `account_tokens`: invitation and password reset links, single use;
//! never the secret, only its HMAC.
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub agency_id: i64,
    pub user_id: i64,
    /// `invitation` or `password_reset` ([`crate::domain::account_token::Purpose`]).
    pub purpose: String,
    pub secret_hash: Vec<u8>,
    pub created_by_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountToken")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("purpose", &self.purpose)
            .field("secret_hash", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
