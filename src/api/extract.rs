//! Extractors whose every refusal is a `/v1` JSON error: the query string
//! (422 naming the parameter), numeric record ids (404 when not a number,
//! as no such record exists) and external ids in the path.
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::domain::crm;

/// The query string as `T`; unknown parameters are refused by `T` itself.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|err| {
                let path = err.path().to_string();
                let field = if path == "." { "query".to_owned() } else { path };
                ApiError::field(&field, err.into_inner().to_string())
            })
    }
}

/// A numeric id in the last path segment; anything else is 404.
pub struct RecordId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for RecordId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound)?;
        match text.parse::<i64>() {
            Ok(id) if id > 0 => Ok(RecordId(id)),
            _ => Err(ApiError::NotFound),
        }
    }
}

/// A client's own id in the path, percent-decoded and checked (422).
pub struct ExternalId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ExternalId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::field("external_id", "The external id must be UTF-8 text"))?;
        crm::external_id(&text)
            .map(ExternalId)
            .map_err(|e| ApiError::field("external_id", e.to_string()))
    }
}
