//! Liveness, readiness, not-found pages and request logging.
use crate::helpers::{plain_client, spawn_app};
use crate::on_both_engines;

on_both_engines! {
    async fn healthz_and_readyz_answer_while_the_database_is_there(engine) {
        let app = spawn_app(engine).await;
        let client = plain_client();

        let health = client.get(app.url("/healthz")).send().await.unwrap();
        let ready = client.get(app.url("/readyz")).send().await.unwrap();

        assert_eq!(health.status(), 200);
        assert_eq!(ready.status(), 200);
    }

    async fn readyz_fails_when_the_database_is_gone(engine) {
        let app = spawn_app(engine).await;
        let client = plain_client();

        app.db.destroy().await;

        let ready = client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 503);
        let health = client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200, "the process itself is alive");
    }

    async fn an_unknown_page_is_a_404_page(engine) {
        let app = spawn_app(engine).await;

        let page = plain_client().get(app.url("/no/such/page")).send().await.unwrap();

        assert_eq!(page.status(), 404);
        assert!(page.text().await.unwrap().contains("Page not found"));
    }
}

/// A router behind the server's own edges whose routes panic.
async fn panicking_server() -> std::net::SocketAddr {
    use axum::routing::get;
    let routes = axum::Router::new()
        .route("/v1/leads", get(|| async { panic!("a bug") as &str }))
        .route("/admin/boom", get(|| async { panic!("a bug") as &str }))
        .route("/ok", get(|| async { "fine" }))
        // A service that panics while called, before any future exists.
        .route_service(
            "/v1/sync-panic",
            tower::service_fn(|_: axum::extract::Request| -> std::future::Ready<Result<axum::response::Response, std::convert::Infallible>> {
                panic!("a bug in call")
            }),
        );
    let app = keyward::server::http::with_edges(routes);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::ServiceExt::<axum::extract::Request>::into_make_service(app);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn a_panic_answers_500_with_the_request_id_never_a_dropped_connection() {
    let addr = panicking_server().await;
    let client = plain_client();

    let api = client
        .get(format!("http://{addr}/v1/leads"))
        .send()
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(api.status(), 500);
    let id = api.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "INTERNAL");
    assert_eq!(body["error"]["request_id"], id.as_str());
    assert!(
        !body.to_string().contains("a bug"),
        "the panic message stays in the log"
    );

    let page = client
        .get(format!("http://{addr}/admin/boom"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 500);
    let id = page.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(page.text().await.unwrap().contains(&id));

    // Every answer carries an id; a sane one from the client is kept, an odd one replaced.
    let ok = client
        .get(format!("http://{addr}/ok"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.headers()["x-request-id"], "trace-42");
    let odd = client
        .get(format!("http://{addr}/ok"))
        .header("x-request-id", "a b\tc")
        .send()
        .await
        .unwrap();
    assert_ne!(odd.headers()["x-request-id"], "a b\tc");
    assert_eq!(odd.headers()["x-request-id"].len(), 36);
    let two = client
        .get(format!("http://{addr}/ok"))
        .header("x-request-id", "first")
        .header("x-request-id", "second")
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = two.headers().get_all("x-request-id").iter().collect();
    assert_eq!(ids.len(), 1, "one id answered: {ids:?}");
    assert_eq!(ids[0].len(), 36, "two ids from the client: neither is kept");

    // A panic while the route is called, before any future exists.
    let sync = client
        .get(format!("http://{addr}/v1/sync-panic"))
        .send()
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(sync.status(), 500);
    let id = sync.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = sync.json().await.unwrap();
    assert_eq!(body["error"]["request_id"], id.as_str());
}

/// Starting a server generates the route list, which (in leptos_server)
/// suppresses resource loading process-wide while it runs: a page another
/// server of the same process rendered then waited forever on its
/// resources (leptos-rs/leptos#4773; seen as rare hung tests). The list is
/// now made once per process: pages keep answering while routers are built.
#[tokio::test]
async fn pages_answer_while_another_server_in_the_process_starts() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    crate::helpers::bounded(async {
        let app = spawn_app(crate::helpers::Engine::Sqlite).await;
        let state = app.server().state.clone();
        let done = Arc::new(AtomicBool::new(false));
        let building = {
            let done = done.clone();
            tokio::task::spawn_blocking(move || {
                let mut built = 0;
                while !done.load(Ordering::Relaxed) {
                    drop(keyward::server::http::router(state.clone()));
                    built += 1;
                }
                built
            })
        };
        let client = plain_client();
        for _ in 0..30 {
            let answer = async {
                let page = client.get(app.url("/login")).send().await.unwrap();
                (page.status(), page.text().await.unwrap())
            };
            let (status, body) = tokio::time::timeout(Duration::from_secs(5), answer)
                .await
                .expect("the sign-in page answered within 5 s while routers were built");
            assert_eq!(status, 200);
            assert!(body.contains("Sign in to keyward"));
        }
        done.store(true, Ordering::Relaxed);
        assert!(building.await.unwrap() > 0, "routers were built meanwhile");
    })
    .await;
}
