//! The credentials in the headers, and the key they prove.
use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use crate::api::error::ApiError;
use crate::domain::token::Token;
use crate::server::key_cache::KeyRecord;
use crate::server::state::AppState;

/// The credentials in the headers, parsed and checksummed; nothing else.
pub fn credentials(headers: &HeaderMap) -> Result<Token, ApiError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let text = value.to_str().map_err(|_| ApiError::InvalidCredentials)?.trim();
        let (scheme, token) = text.split_once(' ').ok_or(ApiError::InvalidCredentials)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::InvalidCredentials);
        }
        return Token::parse(token.trim()).map_err(|_| ApiError::InvalidCredentials);
    }
    let header = |name: &str| headers.get(name).map(|v| v.to_str().map(str::trim));
    match (header("x-api-key"), header("x-api-secret")) {
        (None, None) => Err(ApiError::MissingCredentials),
        (Some(Ok(key)), Some(Ok(secret))) => {
            Token::from_pair(key, secret).map_err(|_| ApiError::InvalidCredentials)
        }
        _ => Err(ApiError::InvalidCredentials),
    }
}

/// The key `token` proves, usable at `now`, given what the cache or the
/// database holds for its id. Unknown ids cost the same hashing and
/// comparing as known ones.
pub(super) fn check(
    state: &AppState,
    token: &Token,
    record: Option<Arc<KeyRecord>>,
    now: DateTime<Utc>,
) -> Result<Arc<KeyRecord>, ApiError> {
    let presented = state.pepper.hash(token);
    match record {
        Some(key) if key.secret_matches(&presented, now) && key.usable_by(token, now) => Ok(key),
        Some(_) => Err(ApiError::InvalidCredentials),
        None => {
            std::hint::black_box(state.pepper.dummy_hash().matches(&presented));
            Err(ApiError::InvalidCredentials)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::environment::Environment;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn bearer_or_the_pair_and_nothing_else() {
        let token = Token::generate(Environment::Live, &mut rand::rngs::OsRng);
        let text = token.expose();
        assert_eq!(
            credentials(&headers(&[("authorization", &format!("Bearer {text}"))])),
            Ok(token.clone())
        );
        assert_eq!(
            credentials(&headers(&[("authorization", &format!("bearer  {text} "))])),
            Ok(token.clone())
        );
        let pair = [
            ("x-api-key", token.api_key()),
            ("x-api-secret", token.expose_secret().to_owned()),
        ];
        let pair: Vec<(&'static str, &str)> = pair.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(credentials(&headers(&pair)), Ok(token.clone()));

        assert_eq!(credentials(&HeaderMap::new()), Err(ApiError::MissingCredentials));
        for bad in [
            format!("Basic {text}"),
            text.clone(),
            "Bearer".into(),
            format!("Bearer {}x", &text[..text.len() - 1]),
        ] {
            assert_eq!(
                credentials(&headers(&[("authorization", &bad)])),
                Err(ApiError::InvalidCredentials),
                "{bad}"
            );
        }
        assert_eq!(
            credentials(&headers(&pair[..1])),
            Err(ApiError::InvalidCredentials)
        );
    }
}
