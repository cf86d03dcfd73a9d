//! Confidential and public clients (RFC 6749 §2.1).
use serde::{Deserialize, Serialize};

/// Whether an app can keep a secret: a server-side app (confidential) gets
/// a client secret; a native or single-page app (public) cannot hide one
/// and proves itself with PKCE alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "Text"))]
pub enum ClientType {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "confidential"))]
    Confidential,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "public"))]
    Public,
}

impl ClientType {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientType::Confidential => "confidential",
            ClientType::Public => "public",
        }
    }

    /// How the interface names it.
    pub fn label(self) -> &'static str {
        match self {
            ClientType::Confidential => "Confidential (a server keeps the secret)",
            ClientType::Public => "Public (native or browser app, PKCE only)",
        }
    }
}
