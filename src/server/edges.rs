//! The outermost layer of every request, in one tower service:
//!
//! 1. the request id (`x-request-id`): a client's own is kept when it is
//!    sane (exactly one header of 1–64 letters, digits, `-`, `_`, `.`;
//!    anything else could forge log lines), else a fresh UUID v4; the
//!    client gets it back on the response;
//! 2. a `request` span carrying the id, so every line logged while serving
//!    the request names it;
//! 3. a panic anywhere below (while routing or in a handler) becomes a 500
//!    naming the id (JSON `INTERNAL` under `/v1`, a plain page elsewhere)
//!    instead of a dropped connection, logged at `error`;
//! 4. one `info` line per request on target `keyward::http`: method, path
//!    (never the query: it may hold a token), status, latency in
//!    milliseconds.
//!
//! It is a hand-written service, not four `from_fn` and tower-http layers
//! as before: on the `/v1` hot path each of those boxed the inner service or
//! the body on every request (issue 12's measurement in BENCHMARKS.md).
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use arrayvec::ArrayString;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tracing::Span;

/// The header that carries the request id, both ways.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The layer: `router.layer(Edges)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Edges;

impl<S> tower::Layer<S> for Edges {
    type Service = EdgesService<S>;

    fn layer(&self, inner: S) -> EdgesService<S> {
        EdgesService { inner }
    }
}

/// [`Edges`] around a service `S` (the router).
#[derive(Debug, Clone)]
pub struct EdgesService<S> {
    inner: S,
}

impl<S> tower::Service<Request> for EdgesService<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EdgesFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let started = Instant::now();
        let id = client_request_id(&req).unwrap_or_else(fresh_request_id);
        let method = req.method().clone();
        let path = LoggedPath::of(req.uri().path());
        let span = tracing::info_span!("request", id = %IdText(&id));
        let inner = {
            let _entered = span.enter();
            std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(req))).ok()
        };
        EdgesFuture {
            inner,
            done: Done {
                started,
                method,
                path,
                id,
                span,
            },
        }
    }
}

pin_project! {
    /// The router's future, and what the last line needs.
    pub struct EdgesFuture<F> {
        // `None` when routing itself panicked.
        #[pin]
        inner: Option<F>,
        done: Done,
    }
}

struct Done {
    started: Instant,
    method: Method,
    path: LoggedPath,
    id: HeaderValue,
    span: Span,
}

impl<F> Future for EdgesFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let done = this.done;
        let _entered = done.span.enter();
        let polled = match this.inner.as_pin_mut() {
            Some(inner) => std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))).ok(),
            None => None,
        };
        let mut response = match polled {
            Some(Poll::Pending) => return Poll::Pending,
            Some(Poll::Ready(Ok(response))) => response,
            None => {
                tracing::error!(
                    target: "keyward::http",
                    method = %done.method,
                    path = done.path.as_str(),
                    "the request panicked"
                );
                panic_answer(done.path.as_str(), IdText(&done.id).as_str())
            }
        };
        // The id moves to the response: nothing reads it after this line.
        let id = std::mem::replace(&mut done.id, HeaderValue::from_static(""));
        response.headers_mut().insert(X_REQUEST_ID.clone(), id);
        let micros = done.started.elapsed().as_micros() as f64;
        tracing::info!(
            target: "keyward::http",
            method = %done.method,
            path = done.path.as_str(),
            status = response.status().as_u16(),
            latency_ms = (micros / 10.0).round() / 100.0,
            "request"
        );
        Poll::Ready(Ok(response))
    }
}

/// The request's path, copied out of the request for its log line. Not a
/// clone of the `Uri`: that shares hyper's read buffer, and kept until the
/// response is written it stops hyper from reusing the buffer for the
/// connection's next request, so every request allocated a fresh 8 KiB
/// buffer (freed later, often on the other worker thread, where glibc's
/// arena lock made the threads wait on each other: a futex call every
/// seventh request). Paths up to 64 bytes stay inline; longer ones, rare,
/// are copied to the heap.
enum LoggedPath {
    Inline(ArrayString<64>),
    Long(Box<str>),
}

impl LoggedPath {
    fn of(path: &str) -> Self {
        ArrayString::from(path).map_or_else(|_| LoggedPath::Long(path.into()), LoggedPath::Inline)
    }

    fn as_str(&self) -> &str {
        match self {
            LoggedPath::Inline(path) => path,
            LoggedPath::Long(path) => path,
        }
    }
}

/// The client's `x-request-id` when there is exactly one and it is sane,
/// copied (not sharing the request's buffer, as [`LoggedPath`] says why).
fn client_request_id(req: &Request) -> Option<HeaderValue> {
    let mut ids = req.headers().get_all(&X_REQUEST_ID).iter();
    let id = ids.next()?;
    let sane = ids.next().is_none()
        && (1..=64).contains(&id.len())
        && id
            .as_bytes()
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b));
    sane.then(|| HeaderValue::from_bytes(id.as_bytes()).expect("checked above: visible ASCII"))
}

/// A fresh UUID v4, as text, without a heap string in between.
fn fresh_request_id() -> HeaderValue {
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut text);
    HeaderValue::from_str(text).expect("a UUID is a valid header value")
}

/// A request id as text: every id here is ASCII (checked, or made so).
struct IdText<'a>(&'a HeaderValue);

impl IdText<'_> {
    fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

impl std::fmt::Display for IdText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to a request that panicked: the body says the request id,
/// which the error log line carries too (its span).
fn panic_answer(path: &str, request_id: &str) -> Response {
    if path.starts_with("/v1/") || path == "/v1" {
        let mut response = crate::api::error::ApiError::Internal.into_response();
        let body = serde_json::json!({"error": {
            "code": "INTERNAL",
            "message": format!("Something went wrong on our side; it has been logged with request id {request_id}"),
            "request_id": request_id,
        }});
        *response.body_mut() = axum::body::Body::from(body.to_string());
        response
    } else {
        let page = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Something went wrong · keyward</title>\
             <link rel=\"stylesheet\" href=\"/pkg/keyward.css\"></head><body><main id=\"main\" class=\"auth-page\">\
             <section class=\"auth-card\"><h1>Something went wrong</h1><p>It has been logged. If it keeps happening, \
             tell your administrator the request id <code>{request_id}</code>.</p><p><a href=\"/admin\">Back to keyward</a></p>\
             </section></main></body></html>"
        );
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response()
    }
}
