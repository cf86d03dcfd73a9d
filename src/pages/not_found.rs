//! Any path without a page: a 404 with a way back.
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::request::set_status(axum::http::StatusCode::NOT_FOUND);
    view! {
        <Title text="Page not found"/>
        <main id="main" class="auth-page">
            <section class="auth-card">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a class="button primary" href="/admin/profile/developer-settings">"Go to Developer Settings"</a>
            </section>
        </main>
    }
}
