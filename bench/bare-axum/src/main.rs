//! A bare axum server: `GET /healthz` answers `ok`, `GET /v1/me` answers a
//! JSON body of the same shape and size as keyward's for the bench key,
//! serialised per request, behind no layer at all. It prints
//! `listening on http://ADDR` and serves until killed.
//!
//! Usage: bare-axum [ADDR]   (default 127.0.0.1:0)
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

#[derive(Serialize)]
struct Me {
    id: &'static str,
    api_key: String,
    name: &'static str,
    environment: &'static str,
    scopes: Vec<&'static str>,
    workspace: Option<Named>,
    acting_as: Person,
    expires_at: Option<&'static str>,
}

#[derive(Serialize)]
struct Named {
    id: i64,
    name: &'static str,
}

#[derive(Serialize)]
struct Person {
    id: i64,
    name: &'static str,
    email: &'static str,
}

/// What keyward answers for scripts/bench_api.py's key (same field values'
/// lengths), built and serialised on every request as keyward does.
async fn me() -> Json<Me> {
    let id = "Ab3dE6gH9jK2";
    Json(Me {
        id,
        api_key: format!("kw_{}_{}", "live", id),
        name: "Load test",
        environment: "live",
        scopes: vec!["read:leads"],
        workspace: None,
        acting_as: Person { id: 1, name: "Bench", email: "bench@bench.test" },
        // keyward's key expires: an RFC 3339 time of the same length.
        expires_at: Some("2027-03-01T00:36:22.261801465Z"),
    })
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/me", get(me));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await
}
