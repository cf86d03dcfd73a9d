//! What every request handler can reach. One allocation shared by all:
//! cloning the state (which axum does for every request that extracts it)
//! is a single reference count.
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use super::config::Config;
use super::key_cache::KeyCache;
use super::setup_token::SetupToken;
use super::sign_in_throttle::SignInThrottle;
use super::usage::UsageRecorder;
use crate::domain::token::Pepper;
use crate::server::rate_limit::RateLimits;

#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
pub struct Shared {
    pub db: DatabaseConnection,
    pub config: Config,
    pub setup: SetupToken,
    pub pepper: Pepper,
    /// Keys as `/v1` verifies them.
    pub keys: Arc<KeyCache>,
    /// `/v1` requests counted and not yet written.
    pub usage: Arc<UsageRecorder>,
    pub limits: RateLimits,
    /// Which origins live session tokens name, for CORS preflights.
    pub cors: crate::server::cors::CorsOrigins,
    /// Changes that announce an event, committed in groups with it.
    pub commits: crate::server::webhooks::group_commit::GroupCommit,
    /// Webhook sealing, the SSRF guard, the delivery clients and dispatcher.
    pub webhooks: Arc<crate::server::webhooks::dispatch::Webhooks>,
    /// Failed sign-ins, per account and address.
    pub sign_ins: SignInThrottle,
    pub leptos_options: LeptosOptions,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(db: DatabaseConnection, config: Config, pepper: Pepper) -> Self {
        let webhooks = Arc::new(crate::server::webhooks::dispatch::Webhooks::new(
            &pepper,
            config.webhook_allow_nets.clone(),
            config.webhook_concurrency,
        ));
        Self(Arc::new(Shared {
            webhooks,
            commits: crate::server::webhooks::group_commit::GroupCommit::start(db.clone()),
            db,
            config,
            setup: SetupToken::default(),
            pepper,
            keys: Arc::default(),
            usage: Arc::default(),
            limits: RateLimits::default(),
            cors: Default::default(),
            sign_ins: SignInThrottle::default(),
            leptos_options: LeptosOptions::builder().output_name("keyward").build(),
        }))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
