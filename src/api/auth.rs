//! Who is calling: the key behind `Authorization: Bearer <token>` or the
//! pair `X-API-Key` + `X-API-Secret`, verified in docs/architecture.md's order —
//! parse and checksum (no I/O), the cache or the database by id, the HMAC
//! compared in constant time, then status, expiry and environment. Unknown
//! ids cost the same hashing and comparing as known ones.
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tower::{Layer, Service};

use super::error::ApiError;
use crate::domain::ip_allowlist::client_of;
use crate::domain::refusal::RefusalReason;
use crate::domain::scopes::Scope;
use crate::domain::token::Token;
use crate::server::key_cache::KeyRecord;
use crate::server::rate_limit::Decision;
use crate::server::state::AppState;
use crate::server::usage::UsageRecorder;

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

/// The key `token` proves, usable at `now`, given what the cache or the
/// database holds for its id. Unknown ids cost the same hashing and
/// comparing as known ones.
fn check(
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
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(None)))
    }
}

impl ClientIp {
    pub fn text(&self) -> Option<String> {
        self.0.map(|ip| ip.to_string())
    }
}

fn client_ip(state: &AppState, req: &Request) -> Option<IpAddr> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    client_of(peer, req.headers(), &state.config.trusted_proxies)
}

/// Why a verified key's request is refused.
enum Refusal {
    Address(ApiError),
    RateLimited(Decision),
}

impl Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Address(err) => err.into_response(),
            Refusal::RateLimited(decision) => refused(decision),
        }
    }
}

/// What the layer keeps of an admitted request to count it once the
/// handler has answered: a use, or a refusal the handler made.
pub struct Admitted {
    decision: Decision,
    key: Arc<KeyRecord>,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
}

impl Admitted {
    /// Adds the rate-limit headers and counts the request: a use, unless
    /// the handler refused the key (its answer carries the reason).
    fn finish(self, usage: &UsageRecorder, response: &mut Response) {
        self.decision.write_headers(response.headers_mut());
        match response.extensions().get::<RefusalReason>() {
            Some(reason) => usage.refuse(&self.key.id, self.now, *reason),
            None => usage.record(&self.key.id, self.now, self.ip),
        }
    }
}

/// After verification: the key's IP allowlist and rate limit (each refusal
/// counted by its reason), then the handler gets the key.
fn admit(
    state: &AppState,
    req: &mut Request,
    key: Arc<KeyRecord>,
    now: DateTime<Utc>,
) -> Result<Admitted, Refusal> {
    let ip = client_ip(state, req);
    if !key.allowlist.is_empty() && !ip.is_some_and(|ip| key.allowlist.allows(ip)) {
        state.usage.refuse(&key.id, now, RefusalReason::Ip);
        return Err(Refusal::Address(ApiError::IpNotAllowed(ip)));
    }
    let decision = state.limits.check(&key.id, key.rate_limit);
    if let Decision::Refused { .. } = decision {
        state.usage.refuse(&key.id, now, RefusalReason::RateLimit);
        return Err(Refusal::RateLimited(decision));
    }
    req.extensions_mut().insert(ClientIp(ip));
    req.extensions_mut().insert(CallingKey(key.clone()));
    Ok(Admitted {
        decision,
        key,
        ip,
        now,
    })
}

/// 429 with `Retry-After` and the rate-limit headers.
fn refused(decision: Decision) -> Response {
    let retry_after_secs = match decision {
        Decision::Refused { retry_after_secs, .. } => retry_after_secs,
        _ => 1,
    };
    let mut response = ApiError::RateLimited { retry_after_secs }.into_response();
    decision.write_headers(response.headers_mut());
    response
}

/// The layer on every authenticated `/v1` route: verifies, applies the
/// key's rate limit, counts the request, and hands the key to the handler.
/// Written as a plain tower service rather than `middleware::from_fn`: a
/// key found in the cache (nearly every request) is admitted without
/// boxing or moving the request's future; only a cache miss, which reads
/// the database, takes the boxed path.
#[derive(Clone)]
pub struct Authenticate(AppState);

impl Authenticate {
    pub fn new(state: AppState) -> Self {
        Self(state)
    }
}

impl<S> Layer<S> for Authenticate {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            state: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    state: AppState,
    inner: S,
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AuthFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let now = Utc::now();
        let token = match credentials(req.headers()) {
            Ok(token) => token,
            Err(err) => return AuthFuture::ready(err.into_response()),
        };
        if let Some(record) = self.state.keys.cached(token.id().as_str()) {
            return match check(&self.state, &token, record, now) {
                Err(err) => AuthFuture::ready(err.into_response()),
                Ok(key) => match admit(&self.state, &mut req, key, now) {
                    Err(refusal) => AuthFuture::ready(refusal.into_response()),
                    Ok(admitted) => AuthFuture::Inner {
                        future: self.inner.call(req),
                        admitted: Some(admitted),
                        usage: self.state.usage.clone(),
                    },
                },
            };
        }
        // Not in memory: read the database, then the same steps. The inner
        // service made ready goes with the request; a clone stays here.
        let state = self.state.clone();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        AuthFuture::Slow {
            future: Box::pin(async move {
                let record = match state.keys.get(&state.db, token.id().as_str()).await {
                    Ok(record) => record,
                    Err(err) => return ApiError::internal(err).into_response(),
                };
                let key = match check(&state, &token, record, now) {
                    Ok(key) => key,
                    Err(err) => return err.into_response(),
                };
                let admitted = match admit(&state, &mut req, key, now) {
                    Ok(admitted) => admitted,
                    Err(refusal) => return refusal.into_response(),
                };
                let Ok(mut response) = inner.call(req).await;
                admitted.finish(&state.usage, &mut response);
                response
            }),
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of [`AuthService`]: at once (refused), the handler's
    /// with the rate-limit headers added, or the boxed cache-miss path.
    #[project = AuthProjection]
    pub enum AuthFuture<F> {
        Ready { response: Option<Response> },
        Inner { #[pin] future: F, admitted: Option<Admitted>, usage: Arc<UsageRecorder> },
        Slow { future: Pin<Box<dyn Future<Output = Response> + Send>> },
    }
}

impl<F> AuthFuture<F> {
    fn ready(response: Response) -> Self {
        AuthFuture::Ready {
            response: Some(response),
        }
    }
}

impl<F> Future for AuthFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthProjection::Ready { response } => Poll::Ready(Ok(response
                .take()
                .expect("an AuthFuture is not polled after it is done"))),
            AuthProjection::Inner {
                future,
                admitted,
                usage,
            } => {
                let Ok(mut response) = std::task::ready!(future.poll(cx));
                if let Some(admitted) = admitted.take() {
                    admitted.finish(usage, &mut response);
                }
                Poll::Ready(Ok(response))
            }
            AuthProjection::Slow { future } => future.as_mut().poll(cx).map(Ok),
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
