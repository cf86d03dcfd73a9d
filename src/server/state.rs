//! What every request handler can reach.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::config::Config;
use super::setup_token::SetupToken;
use crate::domain::token::Pepper;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub setup: Arc<SetupToken>,
    pub pepper: Arc<Pepper>,
    pub leptos_options: LeptosOptions,
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config, pepper: Pepper) -> Self {
        Self {
            db,
            config: Arc::new(config),
            setup: Arc::new(SetupToken::default()),
            pepper: Arc::new(pepper),
            leptos_options: LeptosOptions::builder().output_name("keyward").build(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
