//! The site (wasm, js, css, public files) embedded in the binary, and the
//! fallback that serves it or renders the "not found" page.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use rust_embed::RustEmbed;

use crate::app::shell;
use crate::server::state::AppState;

/// The site as cargo-leptos built it. Release builds embed `target/embed`,
/// the copy `scripts/build.sh` keeps of `target/site` where a file is
/// rewritten only when its bytes change (so a build with nothing to do
/// recompiles nothing); the `embed` feature refuses to build without it.
/// Debug builds read `target/site` from disk, and may run (tests) without it.
#[derive(RustEmbed)]
#[cfg_attr(feature = "embed", folder = "target/embed")]
#[cfg_attr(not(feature = "embed"), folder = "target/site")]
#[cfg_attr(not(feature = "embed"), allow_missing = true)]
struct Site;

/// True when the embedded site holds the hydration bundle.
pub fn has_site() -> bool {
    Site::iter().any(|path| path.ends_with(".wasm"))
}

fn embedded(req: &Request) -> Option<Response> {
    let path = req.uri().path().trim_start_matches('/');
    let file = Site::get(path)?;
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str());
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(file.data.into_owned()))
    };
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    // File names carry no hash, so browsers revalidate (cheap, thanks to the ETag).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(response)
}

pub async fn file_or_not_found(State(state): State<AppState>, req: Request) -> Response {
    if let Some(response) = embedded(&req) {
        return response;
    }
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(
        move || provide_context(state.clone()),
        move || shell(options.clone()),
    );
    let mut response = render(req).await;
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}
