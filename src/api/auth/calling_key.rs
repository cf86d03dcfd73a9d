//! What handlers take from the authentication layer: the calling key
//! (with a scope checked before the body is read) and the client's address.
use std::net::IpAddr;
use std::sync::Arc;

use crate::api::error::ApiError;
use crate::domain::scopes::Scope;
use crate::server::key_cache::KeyRecord;

/// What the layer found, in one extension of the request: the key and the
/// client's address (one insert rather than two on every request).
#[derive(Clone, Debug)]
pub struct Verified {
    pub key: CallingKey,
    pub ip: ClientIp,
}

/// The verified key of this request, for handlers.
#[derive(Clone, Debug)]
pub struct CallingKey(pub Arc<KeyRecord>);

impl CallingKey {
    /// 403 naming `scope` unless the key has it (`admin` has all); a
    /// session token is told it never manages keys or webhooks.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if !scope.fits_session() && self.0.session_token_id().is_some() {
            Err(ApiError::Forbidden(format!(
                "a session token never has {scope}: it cannot manage keys or webhooks; call from your backend with the API key"
            )))
        } else if self.0.scopes.allows(scope) {
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
            .get::<Verified>()
            .map(|verified| verified.key.clone())
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
        Webhooks,
        Admin
    );
}

impl std::ops::Deref for CallingKey {
    type Target = KeyRecord;
    fn deref(&self) -> &KeyRecord {
        &self.0
    }
}

/// The address the request came from (see [`client_of`]), for the
/// allowlist, the key's last-used IP and the audit log.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Verified>()
            .map_or(ClientIp(None), |verified| verified.ip))
    }
}

impl ClientIp {
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}
