//! Who is calling: the key behind `Authorization: Bearer <token>` or the
//! pair `X-API-Key` + `X-API-Secret`, verified in DESIGN.md's order —
//! parse and checksum (no I/O), the cache or the database by id, the HMAC
//! compared in constant time, then status, expiry and environment. Unknown
//! ids cost the same hashing and comparing as known ones.
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::error::ApiError;
use crate::domain::scopes::Scope;
use crate::domain::token::Token;
use crate::server::key_cache::KeyRecord;
use crate::server::state::AppState;

/// The verified key of this request, for handlers.
#[derive(Clone, Debug)]
pub struct CallingKey(pub Arc<KeyRecord>);

impl CallingKey {
    /// 403 naming `scope` unless the key has it (`admin` has all).
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.0.scopes.allows(scope) {
            Ok(())
        } else {
            Err(ApiError::MissingScope(scope))
        }
    }
}

/// Handlers take the key the middleware verified.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CallingKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<CallingKey>()
            .cloned()
            .ok_or(ApiError::InvalidCredentials)
    }
}

/// A scope an endpoint needs, as a type, so the check runs as an extractor:
/// before the body is read, a key without the scope gets its 403 whatever it sent.
pub trait Needs: Send + Sync {
    const SCOPE: Scope;
}

/// The calling key, holding the scope `N`.
pub struct Authorized<N>(pub CallingKey, std::marker::PhantomData<N>);

impl<S: Send + Sync, N: Needs> axum::extract::FromRequestParts<S> for Authorized<N> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        let key = CallingKey::from_request_parts(parts, state).await?;
        key.require(N::SCOPE)?;
        Ok(Authorized(key, std::marker::PhantomData))
    }
}

impl<N> std::ops::Deref for Authorized<N> {
    type Target = KeyRecord;
    fn deref(&self) -> &KeyRecord {
        &self.0
    }
}

/// The scopes as types, for [`Authorized`].
pub mod scope {
    use super::{Needs, Scope};

    macro_rules! needs {
        ($($name:ident),+) => {$(
            pub struct $name;
            impl Needs for $name {
                const SCOPE: Scope = Scope::$name;
            }
        )+};
    }

    needs!(
        ReadLeads,
        WriteLeads,
        ReadProperties,
        WriteProperties,
        ReadAgents,
        ReadAnalytics,
        Admin
    );
}

impl std::ops::Deref for CallingKey {
    type Target = KeyRecord;
    fn deref(&self) -> &KeyRecord {
        &self.0
    }
}

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

/// The key these headers prove, usable at `now`.
pub async fn verify(
    state: &AppState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Arc<KeyRecord>, ApiError> {
    let token = credentials(headers)?;
    let record = state
        .keys
        .get(&state.db, token.id().as_str())
        .await
        .map_err(ApiError::internal)?;
    let presented = state.pepper.hash(&token);
    match record {
        Some(key) if key.secret_matches(&presented, now) && key.usable_by(&token, now) => Ok(key),
        Some(_) => Err(ApiError::InvalidCredentials),
        None => {
            // The same comparison a known id costs.
            std::hint::black_box(state.pepper.dummy_hash().matches(&presented));
            Err(ApiError::InvalidCredentials)
        }
    }
}

/// Middleware on every authenticated `/v1` route: verifies, applies the
/// key's rate limit, counts the request, and hands the key to the handler.
pub async fn authenticate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let now = Utc::now();
    let key = match verify(&state, req.headers(), now).await {
        Ok(key) => key,
        Err(err) => return err.into_response(),
    };
    let decision = state.limits.check(&key.id, key.rate_limit);
    if let super::rate_limit::Decision::Refused { retry_after_secs, .. } = decision {
        let mut response = ApiError::RateLimited { retry_after_secs }.into_response();
        decision.write_headers(response.headers_mut());
        return response;
    }
    state.usage.record(&key.id, now, Some(client_ip(peer)));
    req.extensions_mut().insert(CallingKey(key));
    let mut response = next.run(req).await;
    decision.write_headers(response.headers_mut());
    response
}

fn client_ip(peer: SocketAddr) -> IpAddr {
    peer.ip().to_canonical()
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
