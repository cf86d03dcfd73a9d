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
