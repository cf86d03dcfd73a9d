//! The tower layer on every authenticated `/v1` route.
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::http::header::ORIGIN;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tower::{Layer, Service};

use super::calling_key::{CallingKey, ClientIp, Verified};
use super::credentials::{check_presented, credentials, Presented};
use crate::api::error::ApiError;
use crate::domain::ip_allowlist::client_of;
use crate::domain::refusal::RefusalReason;
use crate::domain::token::KeyId;
use crate::server::cors;
use crate::server::key_cache::{KeyRecord, Principal};
use crate::server::rate_limit::Decision;
use crate::server::services::oauth::tokens;
use crate::server::state::AppState;
use crate::server::usage::UsageRecorder;

/// The client's address, from the socket's peer (taken out of the request:
/// handlers get the resolved address in [`Verified`], and one extension
/// fewer keeps the request's extension map from growing on every request).
fn client_ip(state: &AppState, req: &mut Request) -> Option<IpAddr> {
    let peer = req.extensions_mut().remove::<ConnectInfo<SocketAddr>>()?.0.ip();
    client_of(peer, req.headers(), &state.config.trusted_proxies)
}

/// Why a verified key's request is refused.
enum Refusal {
    Error(ApiError),
    RateLimited(Decision),
}

impl Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Error(err) => err.into_response(),
            Refusal::RateLimited(decision) => refused(decision),
        }
    }
}

/// What the layer keeps of an admitted request to count it once the
/// handler has answered: a use, or a refusal the handler made.
pub struct Admitted {
    decision: Decision,
    /// Whose use it is (ids, not the key: the request holds that, and one
    /// reference count fewer moves between cores).
    subject: Subject,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
    /// Its CORS headers.
    cors: Cors,
}

/// What a use is counted on.
#[derive(Clone, Copy)]
enum Subject {
    Key(KeyId),
    /// An access token's use counts on its grant.
    OAuth {
        grant: KeyId,
    },
    /// A session token's use counts on it and on its key.
    Session {
        key: KeyId,
        token: KeyId,
    },
}

impl Subject {
    fn of(key: &KeyRecord) -> Option<Self> {
        match &key.principal {
            Principal::Key => KeyId::parse(&key.id).map(Subject::Key),
            Principal::OAuth { .. } => Some(Subject::OAuth {
                grant: KeyId::parse(&key.id)?,
            }),
            Principal::Session { token_id, .. } => Some(Subject::Session {
                key: KeyId::parse(&key.id)?,
                token: KeyId::parse(token_id)?,
            }),
        }
    }
}

impl Admitted {
    /// Adds the rate-limit headers and counts the request: a use, unless
    /// the handler refused the key (its answer carries the reason).
    fn finish(self, usage: &UsageRecorder, response: &mut Response) {
        self.decision.write_headers(response.headers_mut());
        self.cors.apply(response);
        match (self.subject, response.extensions().get::<RefusalReason>()) {
            (Subject::Key(id) | Subject::Session { key: id, .. }, Some(reason)) => {
                usage.refuse(id.as_str(), self.now, *reason);
            }
            (Subject::Session { key, token }, None) => {
                usage.record_session(key.as_str(), token.as_str(), self.now, self.ip);
            }
            (Subject::Key(id), None) => usage.record(id.as_str(), self.now, self.ip),
            // Refusals are counted per key only (a grant has no such table).
            (Subject::OAuth { .. }, Some(_)) => {}
            (Subject::OAuth { grant }, None) => usage.record_oauth(grant.as_str(), self.now),
        }
    }
}

/// What an answer gets for CORS.
#[derive(Clone)]
enum Cors {
    /// Nothing: an API key or an OAuth token (a browser page must not read
    /// what they fetch).
    None,
    /// A session token's answer that no page may read: `Vary: Origin` only
    /// (what it says depends on the origin, so no cache may share it).
    Vary,
    /// A session token's answer for one of its origins, echoed.
    Allow(HeaderValue),
}

impl Cors {
    fn refused_origin(&self) -> bool {
        matches!(self, Cors::Vary)
    }

    fn apply(self, response: &mut Response) {
        match self {
            Cors::None => {}
            Cors::Vary => cors::vary(response),
            Cors::Allow(origin) => cors::allow(response, origin),
        }
    }
}

/// The CORS of a request presenting `presented`: for a session token, its
/// `Origin` echoed when `record` (verified or not: a page may read why its
/// token was refused, and mint another) names it.
fn session_cors(presented: &Presented, record: Option<&KeyRecord>, headers: &HeaderMap) -> Cors {
    if !matches!(presented, Presented::Session(_)) {
        return Cors::None;
    }
    match record.map(|r| &r.principal) {
        Some(Principal::Session { origins, .. }) => {
            cors::allowed_origin(headers, origins).map_or(Cors::Vary, Cors::Allow)
        }
        _ => Cors::Vary,
    }
}

/// `response`, with its CORS headers.
fn with_cors(mut response: Response, cors: Cors) -> Response {
    cors.apply(&mut response);
    response
}

/// After verification: a session token's origin, the key's IP allowlist
/// and rate limit (each refusal counted by its reason), then the handler
/// gets the key.
fn admit(
    state: &AppState,
    req: &mut Request,
    key: Arc<KeyRecord>,
    now: DateTime<Utc>,
    cors: Cors,
) -> Result<Admitted, Refusal> {
    let Some(subject) = Subject::of(&key) else {
        // A stored id this build cannot read: refused, never counted wrong.
        return Err(Refusal::Error(ApiError::InvalidCredentials));
    };
    let refused_origin = cors.refused_origin().then(|| req.headers().get(ORIGIN)).flatten();
    if let (Subject::Session { .. }, Some(origin)) = (subject, refused_origin) {
        // Sent by a browser page on an origin the token does not name.
        state.usage.refuse(&key.id, now, RefusalReason::Forbidden);
        return Err(Refusal::Error(ApiError::Forbidden(format!(
            "this session token may not be used from {}: name that origin in allowed_origins when minting",
            origin.to_str().unwrap_or("this origin")
        ))));
    }
    let ip = client_ip(state, req);
    if !key.allowlist.is_empty() && !ip.is_some_and(|ip| key.allowlist.allows(ip)) {
        state.usage.refuse(&key.id, now, RefusalReason::Ip);
        return Err(Refusal::Error(ApiError::IpNotAllowed(ip)));
    }
    let decision = state.limits.check_key(&key);
    if let Decision::Refused { .. } = decision {
        state.usage.refuse(&key.id, now, RefusalReason::RateLimit);
        return Err(Refusal::RateLimited(decision));
    }
    req.extensions_mut().insert(Verified {
        key: CallingKey(key),
        ip: ClientIp(ip),
    });
    Ok(Admitted {
        decision,
        subject,
        ip,
        now,
        cors,
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

/// Which requests need a key: the paths and methods of
/// [`KEYED_ROUTES`](crate::api::KEYED_ROUTES), matched as axum matches
/// them (`{id}` is one segment; `HEAD` goes with `GET`).
struct Keyed(matchit::Router<(Vec<Method>, &'static [&'static str])>);

impl Keyed {
    fn new() -> Self {
        let mut routes = matchit::Router::new();
        for (path, names) in crate::api::KEYED_ROUTES {
            let methods = names
                .iter()
                .map(|m| Method::from_bytes(m.as_bytes()).expect("a method name"))
                .collect();
            routes
                .insert(*path, (methods, *names))
                .expect("distinct, well-formed paths");
        }
        Self(routes)
    }

    /// The methods of the keyed route at `path`, as values and as names.
    fn methods(&self, path: &str) -> Option<&(Vec<Method>, &'static [&'static str])> {
        // Pages, assets and probes are decided without a lookup.
        if !path.starts_with("/v1/") {
            return None;
        }
        self.0.at(path).ok().map(|found| found.value)
    }

    fn needs_key(&self, method: &Method, path: &str) -> bool {
        self.methods(path)
            .is_some_and(|(methods, _)| allows(methods, method))
    }
}

/// Whether a route with `methods` serves `method` (`HEAD` goes with `GET`).
fn allows(methods: &[Method], method: &Method) -> bool {
    methods
        .iter()
        .any(|allowed| allowed == method || (allowed == Method::GET && method == Method::HEAD))
}

/// The answer to a CORS preflight for a keyed route with `methods`: allowed
/// for an origin some live session token names, asking for one of them.
async fn answer_preflight(
    state: AppState,
    origin: HeaderValue,
    asked: Method,
    methods: (Vec<Method>, &'static [&'static str]),
) -> Response {
    let (values, names) = methods;
    let text = origin.to_str().ok().filter(|text| {
        allows(&values, &asked)
            && crate::domain::session_token::Origin::parse(text).is_ok_and(|o| o.as_str() == *text)
    });
    let allowed = match text {
        Some(text) => match state.cors.in_use(&state.db, text, Utc::now()).await {
            Ok(found) => found,
            Err(err) => return ApiError::internal(err).into_response(),
        },
        None => false,
    };
    cors::preflight(allowed.then_some(origin), names)
}

/// Wrapped around the whole app, before routing: for the keyed routes it
/// verifies, applies the key's rate limit, counts the request, and hands
/// the key to the handler; everything else passes untouched. Before
/// routing rather than a `route_layer`, which axum applies per route by
/// boxing the route once more on every request (5% of `/v1/me`'s
/// throughput, BENCHMARKS.md). A plain tower service rather than
/// `middleware::from_fn`: a key found in the cache (nearly every request)
/// is admitted without boxing or moving the request's future; only a cache
/// miss, which reads the database, takes the boxed path.
#[derive(Clone)]
pub struct Authenticate {
    state: AppState,
    keyed: Arc<Keyed>,
}

impl Authenticate {
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            keyed: Arc::new(Keyed::new()),
        }
    }
}

impl<S> Layer<S> for Authenticate {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            state: self.state.clone(),
            keyed: self.keyed.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    state: AppState,
    keyed: Arc<Keyed>,
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
        if let Some(asked) = cors::preflight_method(req.method(), req.headers()) {
            if let Some(methods) = self.keyed.methods(req.uri().path()) {
                let origin = req
                    .headers()
                    .get(ORIGIN)
                    .cloned()
                    .expect("a preflight has an origin");
                return AuthFuture::Slow {
                    future: Box::pin(answer_preflight(
                        self.state.clone(),
                        origin,
                        asked,
                        methods.clone(),
                    )),
                };
            }
        }
        if !self.keyed.needs_key(req.method(), req.uri().path()) {
            return AuthFuture::Pass {
                future: self.inner.call(req),
            };
        }
        let now = Utc::now();
        let presented = match credentials(req.headers()) {
            Ok(presented) => presented,
            Err(err) => return AuthFuture::ready(err.into_response()),
        };
        let cache_id = presented.cache_id();
        let mut cached = self.state.keys.cached(&cache_id);
        // An access token's first use is stored before it is answered: that
        // request takes the slow path (with what memory held).
        let first_use = cached
            .as_ref()
            .is_some_and(|r| r.as_ref().is_some_and(|k| k.first_use_pending()));
        if let Some(record) = cached.take_if(|_| !first_use) {
            let cors = session_cors(&presented, record.as_deref(), req.headers());
            return match check_presented(&self.state, &presented, record, now) {
                Err(err) => AuthFuture::ready(with_cors(err.into_response(), cors)),
                Ok(key) => match admit(&self.state, &mut req, key, now, cors.clone()) {
                    Err(refusal) => AuthFuture::ready(with_cors(refusal.into_response(), cors)),
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
                let record = match (cached, &presented) {
                    (Some(record), _) => Ok(record),
                    (None, Presented::Key(token)) => state.keys.get(&state.db, token.id().as_str()).await,
                    (None, Presented::Access(token)) => {
                        state.keys.get_access(&state.db, token.id().as_str()).await
                    }
                    (None, Presented::Session(token)) => {
                        state.keys.get_session(&state.db, token.id().as_str()).await
                    }
                };
                let record = match record {
                    Ok(record) => record,
                    Err(err) => return ApiError::internal(err).into_response(),
                };
                let cors = session_cors(&presented, record.as_deref(), req.headers());
                let key = match check_presented(&state, &presented, record, now) {
                    Ok(key) => key,
                    Err(err) => return with_cors(err.into_response(), cors),
                };
                let stored = match &key.principal {
                    Principal::OAuth { token_id, .. } if key.first_use_pending() => {
                        Some((key.clone(), token_id.clone()))
                    }
                    _ => None,
                };
                let admitted = match admit(&state, &mut req, key, now, cors.clone()) {
                    Ok(admitted) => admitted,
                    Err(refusal) => return with_cors(refusal.into_response(), cors),
                };
                if let Some((key, token_id)) = stored {
                    match tokens::store_first_use(&state.db, &token_id, now).await {
                        Ok(()) => {
                            let _ = key.first_use_stored.set(());
                        }
                        Err(err) => return ApiError::internal(err).into_response(),
                    }
                }
                let Ok(mut response) = inner.call(req).await;
                admitted.finish(&state.usage, &mut response);
                response
            }),
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of [`AuthService`]: the app's for a request that needs
    /// no key, at once (refused), the handler's with the rate-limit headers
    /// added, or the boxed cache-miss path.
    #[project = AuthProjection]
    pub enum AuthFuture<F> {
        Pass { #[pin] future: F },
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
            AuthProjection::Pass { future } => future.poll(cx),
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
