//! keyward: API key management for lead and property CRMs.
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod domain;
pub mod models;
pub mod pages;
pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod api;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod oauth;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Islands only: the page is the server's; each `#[island]` hydrates on its own.
    leptos::mount::hydrate_islands();
}
