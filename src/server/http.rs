//! The HTTP server: routes, layers, start and graceful stop.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::{shell, App};
use crate::server::config::Config;
use crate::server::session_store::DbSessionStore;
use crate::server::state::AppState;
use crate::server::{
    assets, auth, cross_site, db, edges, jobs, key_cache, password, security_headers, services, usage,
};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "keyward_session";
/// Form posts are small; anything larger is refused with 413.
const FORM_BODY_LIMIT: usize = 64 * 1024;

/// The app's routes, generated once per process. Generating them runs the
/// whole app with resource loading suppressed by a process-wide flag in
/// leptos_server (leptos-rs/leptos#4773): a page another server in the
/// same process rendered at that moment would wait forever on its
/// resources. So the list is made before the first server exists, and
/// never again.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The form posts of the people pages (`crate::server::people_forms`).
fn people_forms() -> Router<AppState> {
    use crate::server::people_forms as forms;
    Router::new()
        .route("/invitation", post(forms::accept_invitation))
        .route("/reset-password", post(forms::reset_password))
        .route("/admin/team/invite", post(forms::invite))
        .route("/admin/team/{id}/access", post(forms::change_access))
        .route("/admin/team/{id}/disable", post(forms::disable))
        .route("/admin/team/{id}/remove", post(forms::remove))
        .route("/admin/team/{id}/enable", post(forms::enable))
        .route("/admin/team/{id}/reset-link", post(forms::reset_link))
        .route(
            "/admin/team/{id}/invitation/reissue",
            post(forms::reissue_invitation),
        )
        .route(
            "/admin/team/{id}/revoke-invitation",
            post(forms::revoke_invitation),
        )
        .route("/admin/team/{id}/keys/{key}/reassign", post(forms::reassign_key))
        .route("/admin/workspaces", post(forms::create_workspace))
        .route("/admin/workspaces/{id}", post(forms::change_workspace))
        .route("/admin/profile/password", post(forms::change_password))
        .route("/admin/profile/sessions/sign-out", post(forms::sign_out_sessions))
}

pub fn router(state: AppState) -> App {
    let routes = route_list();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.cookie_secure)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(7)));
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let app_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    // The form pages, rendered again after a refused post (SsrMode::Async,
    // as every route). The renderer is Send but not Sync: a clone per call.
    let render = std::sync::Mutex::new(leptos_axum::render_app_async_with_context(
        context.clone(),
        app_shell.clone(),
    ));
    let renderer = auth::PageRenderer(std::sync::Arc::new(move |req| {
        let render = render.lock().unwrap_or_else(|e| e.into_inner()).clone();
        render(req)
    }));
    let forms = Router::new()
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/admin/notifications/{id}/open", get(auth::open_notification))
        .route("/setup", post(auth::setup))
        .route(
            "/oauth/authorize",
            get(crate::oauth::authorize::authorize_get).post(crate::oauth::authorize::authorize_post),
        )
        .route(
            "/admin/profile/developer-settings/oauth-apps/new",
            post(crate::oauth::dashboard::register),
        )
        .route(
            "/admin/profile/developer-settings/oauth-apps/{client_id}",
            post(crate::oauth::dashboard::roll),
        )
        .route(
            "/admin/profile/developer-settings/oauth-apps/{client_id}/delete",
            post(crate::oauth::dashboard::delete),
        )
        .route(
            "/admin/profile/authorized-apps/{grant_id}/revoke",
            post(crate::oauth::dashboard::revoke_grant),
        )
        .route(
            "/admin/profile/developer-settings/keys/{id}/session-tokens/revoke",
            post(crate::server::session_token_forms::revoke_all),
        )
        .route(
            "/admin/profile/developer-settings/keys/{id}/session-tokens/{token}/revoke",
            post(crate::server::session_token_forms::revoke_one),
        )
        .route(
            "/admin/profile/developer-settings/webhooks/new",
            post(crate::server::webhook_forms::create),
        )
        .route(
            "/admin/profile/developer-settings/webhooks/{id}",
            post(crate::server::webhook_forms::act),
        )
        .route(
            "/admin/profile/developer-settings/webhooks/{id}/edit",
            post(crate::server::webhook_forms::edit),
        )
        .route(
            "/admin/profile/developer-settings/webhooks/{id}/delete",
            post(crate::server::webhook_forms::delete),
        )
        .merge(people_forms())
        .layer(axum::Extension(renderer))
        .layer(DefaultBodyLimit::max(FORM_BODY_LIMIT));
    let dashboard = Router::new()
        .merge(forms)
        .leptos_routes_with_context(&state, routes, context, app_shell)
        .fallback(assets::file_or_not_found)
        .layer(middleware::from_fn(undecodable_calls_are_bad_requests))
        .layer(middleware::from_fn_with_state(state.clone(), auth::identify))
        .layer(sessions)
        // Before sessions: a cross-site request touches no session.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            cross_site::refuse_cross_site,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers::add_security_headers,
        ))
        .layer(CompressionLayer::new());
    // Health checks and `/v1` skip sessions and compression: they carry no
    // cookie, and their answers are small.
    let authenticate = crate::api::auth::Authenticate::new(state.clone());
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(crate::api::router())
        .merge(crate::oauth::router())
        .merge(dashboard)
        .with_state(state);
    edges::Edges.layer(authenticate.layer(app))
}

/// The whole app as one service, outermost first: the edges, then `/v1`
/// authentication for the keyed routes, then the router.
pub type App = edges::EdgesService<crate::api::auth::AuthService<Router>>;

/// What every request passes through, outermost first: the request id,
/// the span and log line that carry it, and the guard that turns a panic
/// into a 500 naming it ([`edges`](crate::server::edges)). Around the
/// router, not a `Router::layer` (which axum applies to every route, boxed
/// once more on each request).
pub fn with_edges(router: Router) -> edges::EdgesService<Router> {
    edges::Edges.layer(router)
}

async fn readyz(State(state): State<AppState>) -> Response {
    if db::is_ready(&state.db, &state.config).await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// A server function call whose arguments cannot be decoded is the client's
/// mistake: 400, not the 500 that leptos answers with. Our own functions
/// never fail with `Transport`, so that variant in a 500 marks exactly these.
async fn undecodable_calls_are_bad_requests(req: Request, next: Next) -> Response {
    let is_call = req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    if !is_call || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if bytes.starts_with(br#"{"Transport""#) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A server that is listening, as `keyward serve` or a test runs it.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The one-time first-run link, while the database has no user.
    pub setup_link: Option<String>,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    background: Vec<JoinHandle<()>>,
    flusher: (oneshot::Sender<()>, JoinHandle<()>),
}

impl Server {
    /// Connects, migrates, binds and starts serving in the background.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        let db = db::connect(&config).await?;
        db::migrate(&db).await?;
        let pepper = super::pepper::load(&config, &db).await?;
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(db, config, pepper);
        let setup_link = if services::accounts::has_users(&state.db).await? {
            None
        } else {
            let host = if addr.ip().is_unspecified() {
                "localhost".to_owned()
            } else {
                addr.ip().to_string()
            };
            let host = if addr.is_ipv6() && host != "localhost" {
                format!("[{host}]")
            } else {
                host
            };
            Some(format!(
                "http://{host}:{}/setup?token={}",
                addr.port(),
                state.setup.issue()
            ))
        };
        password::warm_up().await;
        let mut background = vec![
            spawn_session_cleanup(state.clone()),
            key_cache::spawn_listener(
                state.db.clone(),
                state.keys.clone(),
                state.config.listen_database_url.clone(),
            ),
        ];
        // Serve once key changes are followed (at once, normally); a LISTEN
        // that cannot connect only means reading through the cache meanwhile.
        let following_by = Instant::now() + Duration::from_secs(3);
        while !state.keys.is_following() && Instant::now() < following_by {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        background.extend(crate::server::webhooks::dispatch::spawn(
            state.db.clone(),
            state.webhooks.clone(),
        ));
        if let Some(every) = state.config.jobs_every {
            background.push(jobs::spawn_scheduler(state.clone(), every));
        }
        let (stop_flusher, flusher_stops) = oneshot::channel();
        let flusher = (
            stop_flusher,
            usage::spawn_flusher(state.db.clone(), state.usage.clone(), flusher_stops),
        );

        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(router(
            state.clone(),
        ));
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Server {
            addr,
            state,
            setup_link,
            shutdown,
            task,
            background,
            flusher,
        })
    }

    /// Stops accepting connections, lets requests in flight finish for at
    /// most `KEYWARD_STOP_TIMEOUT` (then cuts them), writes the last usage
    /// counts, and closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        let mut task = self.task;
        match tokio::time::timeout(self.state.config.stop_timeout, &mut task).await {
            Ok(served) => served??,
            Err(_) => {
                tracing::warn!(
                    timeout = ?self.state.config.stop_timeout,
                    "requests still in flight at the stop deadline are cut"
                );
                task.abort();
                let _ = task.await;
            }
        }
        for task in &self.background {
            task.abort();
        }
        for task in self.background {
            let _ = task.await;
        }
        let (stop_flusher, flusher) = self.flusher;
        let _ = stop_flusher.send(());
        let _ = flusher.await;
        // The last requests' usage, counted after the final timed flush.
        let written = self.state.usage.flush(&self.state.db).await?;
        tracing::debug!(requests = written, "usage written at stop");
        self.state.commits.close().await;
        self.state.db.clone().close().await?; // the pool is shared: this closes it
        Ok(())
    }
}

fn spawn_session_cleanup(state: AppState) -> JoinHandle<()> {
    use tower_sessions::ExpiredDeletion;
    let store = DbSessionStore::new(state.db.clone());
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            // Sign-in throttling forgets accounts and addresses whose
            // allowance is whole again.
            state.sign_ins.prune();
            if let Err(err) = store.delete_expired().await {
                tracing::warn!(error = %err, "deleting expired sessions failed");
            }
            let now = chrono::Utc::now();
            if let Err(err) = crate::server::services::session_tokens::prune(&state.db, now).await {
                tracing::warn!(error = %err, "deleting ended session tokens failed");
            }
            if let Err(err) = crate::server::services::webhooks::prune(&state.db, now).await {
                tracing::warn!(error = %err, "deleting webhook messages past 30 days failed");
            }
        }
    })
}
