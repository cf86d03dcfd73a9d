//! The credentials in the headers, and the key they prove.
use std::sync::Arc;

use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

use crate::api::error::ApiError;
use crate::domain::oauth::credential::{Credential, CredentialKind};
use crate::domain::session_token::{SessionToken, SESSION_PREFIX};
use crate::domain::token::{SecretHash, Token};
use crate::server::key_cache::{KeyRecord, Principal};
use crate::server::state::AppState;

/// What a request presents: an API key, an OAuth access token or a
/// session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    Key(Token),
    /// `Authorization: Bearer kw_oat_…` (RFC 6750 §2.1).
    Access(Credential),
    /// `Authorization: Bearer kw_sess_…`, and only so.
    Session(SessionToken),
}

impl Presented {
    /// The id the cache knows it by: a key's own id, borrowed, or
    /// `oat:{id}` / `sess:{id}` written inline (no allocation on the hot
    /// path; the same text as
    /// [`access_token_cache_id`](crate::server::key_cache::access_token_cache_id) and
    /// [`session_token_cache_id`](crate::server::key_cache::session_token_cache_id)).
    pub fn cache_id(&self) -> CacheId<'_> {
        let prefixed = |prefix: &str, id: &str| {
            let mut text = arrayvec::ArrayString::new();
            text.push_str(prefix);
            text.push_str(id);
            CacheId::Prefixed(text)
        };
        match self {
            Presented::Key(token) => CacheId::Key(token.id().as_str()),
            Presented::Access(token) => prefixed("oat:", token.id().as_str()),
            Presented::Session(token) => prefixed("sess:", token.id().as_str()),
        }
    }
}

/// A credential's id in the key cache (see [`Presented::cache_id`]).
pub enum CacheId<'a> {
    Key(&'a str),
    /// A prefix and a 12-character id.
    Prefixed(arrayvec::ArrayString<24>),
}

impl std::ops::Deref for CacheId<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            CacheId::Key(id) => id,
            CacheId::Prefixed(text) => text,
        }
    }
}

/// The credentials in the headers, parsed and checksummed; nothing else.
pub fn credentials(headers: &HeaderMap) -> Result<Presented, ApiError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let text = value.to_str().map_err(|_| ApiError::InvalidCredentials)?.trim();
        let (scheme, token) = text.split_once(' ').ok_or(ApiError::InvalidCredentials)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::InvalidCredentials);
        }
        let token = token.trim();
        if token.starts_with(SESSION_PREFIX) {
            return SessionToken::parse(token)
                .map(Presented::Session)
                .map_err(|_| ApiError::InvalidCredentials);
        }
        if token.starts_with(CredentialKind::AccessToken.prefix()) {
            return Credential::parse_as(CredentialKind::AccessToken, token)
                .map(Presented::Access)
                .map_err(|_| ApiError::InvalidCredentials);
        }
        return Token::parse(token)
            .map(Presented::Key)
            .map_err(|_| ApiError::InvalidCredentials);
    }
    let header = |name: &str| headers.get(name).map(|v| v.to_str().map(str::trim));
    match (header("x-api-key"), header("x-api-secret")) {
        (None, None) => Err(ApiError::MissingCredentials),
        (Some(Ok(key)), Some(Ok(secret))) => Token::from_pair(key, secret)
            .map(Presented::Key)
            .map_err(|_| ApiError::InvalidCredentials),
        _ => Err(ApiError::InvalidCredentials),
    }
}

/// The key or access token `presented` proves, usable at `now`, given what
/// the cache or the database holds for it.
pub(super) fn check_presented(
    state: &AppState,
    presented: &Presented,
    record: Option<Arc<KeyRecord>>,
    now: DateTime<Utc>,
) -> Result<Arc<KeyRecord>, ApiError> {
    match presented {
        Presented::Key(token) => check(state, token, record, now),
        Presented::Access(token) => {
            let hash = token.hash(&state.pepper);
            matched(
                state,
                &hash,
                record,
                |record| record.is_live(now) && matches!(record.principal, Principal::OAuth { .. }),
                now,
            )
        }
        Presented::Session(token) => {
            let hash = token.hash(&state.pepper);
            matched(
                state,
                &hash,
                record,
                |record| record.usable_as_session(token, now),
                now,
            )
        }
    }
}

/// A proven, live credential, unless its person or workspace suspends it.
fn proven(record: Arc<KeyRecord>) -> Result<Arc<KeyRecord>, ApiError> {
    match record.suspension() {
        Some(why) => Err(ApiError::Suspended(why)),
        None => Ok(record),
    }
}

/// `record` when `hash` is its secret's and `usable` holds; unknown ids
/// cost the same comparing as known ones.
fn matched(
    state: &AppState,
    hash: &SecretHash,
    record: Option<Arc<KeyRecord>>,
    usable: impl FnOnce(&KeyRecord) -> bool,
    now: DateTime<Utc>,
) -> Result<Arc<KeyRecord>, ApiError> {
    match record {
        Some(record) if record.secret_matches(hash, now) && usable(&record) => proven(record),
        Some(_) => Err(ApiError::InvalidCredentials),
        None => {
            std::hint::black_box(state.pepper.dummy_hash().matches(hash));
            Err(ApiError::InvalidCredentials)
        }
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
        Some(key) if key.secret_matches(&presented, now) && key.usable_by(token, now) => proven(key),
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
    use crate::server::key_cache::{access_token_cache_id, session_token_cache_id};
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn cache_ids_are_the_ones_the_cache_loads_under() {
        let key = Token::generate(Environment::Live, &mut rand::rngs::OsRng);
        assert_eq!(&*Presented::Key(key.clone()).cache_id(), key.id().as_str());
        let access = Credential::generate(CredentialKind::AccessToken, &mut rand::rngs::OsRng);
        assert_eq!(
            &*Presented::Access(access.clone()).cache_id(),
            access_token_cache_id(access.id().as_str())
        );
        let session = SessionToken::generate(Environment::Live, &mut rand::rngs::OsRng);
        assert_eq!(
            &*Presented::Session(session.clone()).cache_id(),
            session_token_cache_id(session.id().as_str())
        );
    }

    #[test]
    fn bearer_or_the_pair_and_nothing_else() {
        let token = Token::generate(Environment::Live, &mut rand::rngs::OsRng);
        let text = token.expose();
        assert_eq!(
            credentials(&headers(&[("authorization", &format!("Bearer {text}"))])),
            Ok(Presented::Key(token.clone()))
        );
        assert_eq!(
            credentials(&headers(&[("authorization", &format!("bearer  {text} "))])),
            Ok(Presented::Key(token.clone()))
        );
        let access = Credential::generate(CredentialKind::AccessToken, &mut rand::rngs::OsRng);
        assert_eq!(
            credentials(&headers(&[(
                "authorization",
                &format!("Bearer {}", access.expose())
            )])),
            Ok(Presented::Access(access.clone()))
        );
        let session = SessionToken::generate(Environment::Test, &mut rand::rngs::OsRng);
        assert_eq!(
            credentials(&headers(&[(
                "authorization",
                &format!("Bearer {}", session.expose())
            )])),
            Ok(Presented::Session(session.clone()))
        );
        let session_text = session.expose();
        let (id_part, secret_part) = session_text.rsplit_once('_').unwrap();
        assert_eq!(
            credentials(&headers(&[("x-api-key", id_part), ("x-api-secret", secret_part)])),
            Err(ApiError::InvalidCredentials),
            "a session token is sent as Bearer only"
        );
        for other in [
            CredentialKind::RefreshToken,
            CredentialKind::ClientSecret,
            CredentialKind::AuthorizationCode,
        ] {
            let text = Credential::generate(other, &mut rand::rngs::OsRng).expose();
            assert_eq!(
                credentials(&headers(&[("authorization", &format!("Bearer {text}"))])),
                Err(ApiError::InvalidCredentials),
                "{other:?} is no way into /v1"
            );
        }
        let pair = [
            ("x-api-key", token.api_key()),
            ("x-api-secret", token.expose_secret().to_owned()),
        ];
        let pair: Vec<(&'static str, &str)> = pair.iter().map(|(n, v)| (*n, v.as_str())).collect();
        assert_eq!(credentials(&headers(&pair)), Ok(Presented::Key(token.clone())));

        assert_eq!(credentials(&HeaderMap::new()), Err(ApiError::MissingCredentials));
        for bad in [
            format!("Basic {text}"),
            text.clone(),
            "Bearer".into(),
            // The last character changed (to another one: a token ending
            // in `x` made this case valid once in 62 runs).
            format!(
                "Bearer {}{}",
                &text[..text.len() - 1],
                if text.ends_with('x') { 'y' } else { 'x' }
            ),
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
