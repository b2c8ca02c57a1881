//! Builds the application: state, routes, middleware and the HTTP server on its listener.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};

use crate::accounts;
use crate::api::{self, ApiDoc};
use crate::config::Settings;
use crate::db;
use crate::error;
use crate::health;
use crate::media::MediaStore;
use crate::metrics;
use crate::state::AppState;

/// A server bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Opens the database (running migrations), prepares the data directory, creates the first
    /// administrator of an empty database, and binds the listener.
    pub fn build(settings: Settings) -> anyhow::Result<Application> {
        std::fs::create_dir_all(&settings.data_dir)?;
        let database = settings.database().map_err(anyhow::Error::msg)?;
        let pool = db::open(&database)?;
        if let Some(password) = accounts::ensure_first_admin(&pool, &settings)? {
            tracing::warn!(
                email = %settings.initial_admin_email,
                password = %password,
                file = %settings.initial_password_file().display(),
                "created the first administrator; sign in and change this password"
            );
        }
        let media = MediaStore::open(
            &settings.data_dir,
            settings.max_upload_bytes(),
            settings.max_image_megapixels,
        )?;
        let state = AppState {
            pool,
            backend: database.backend_name(),
            media,
            settings: Arc::new(settings.clone()),
            sqlite_writer: Arc::default(),
            login_throttle: Arc::default(),
            metrics: Arc::default(),
            device_cache: Arc::default(),
            push: Default::default(),
        };
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let openapi = Arc::new(openapi_json());
        let known_routes = web::Data::new(api::KnownRoutes::from_openapi(&openapi));
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            let openapi = openapi.clone();
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(known_routes.clone())
                .configure(error::configure_extractors)
                .wrap(from_fn(see_own_writes))
                .wrap(from_fn(log_request))
                .route(
                    "/api/v1/openapi.json",
                    web::get().to(move || {
                        let body = openapi.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(body.to_string())
                        }
                    }),
                )
                .configure(routes)
                .default_service(web::to(error::not_found))
        })
        .listen(listener)?
        // Signals are handled in run_until_stopped, which ends the push streams first.
        .disable_signals()
        .shutdown_timeout(30);
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        tracing::info!(
            port,
            backend = database.backend_name(),
            "Civicast server listening"
        );
        Ok(Application {
            port,
            server: server.run(),
            state: app_state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully (requests in flight finish first).
    pub fn handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
            push: self.state.push.clone(),
        }
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let stopper = self.handle();
        let signals = tokio::spawn(async move {
            stop_on_signal().await;
            stopper.stop(true).await;
        });
        let jobs = crate::jobs::Jobs::from_settings(&self.state.settings)
            .map_err(std::io::Error::other)?;
        let housekeeping = tokio::spawn(crate::jobs::run_forever(jobs, self.state.pool.clone()));
        let hot_folder = tokio::spawn(crate::media::inbox::watch(
            self.state.settings.inbox_dir(),
            self.state.pool.clone(),
            self.state.media.clone(),
        ));
        let (pool, media) = (self.state.pool.clone(), self.state.media.clone());
        // Not awaited or aborted: it ends by itself, and a stop mid-way leaves only whole,
        // unreferenced files that the next start makes again.
        drop(tokio::task::spawn_blocking(move || {
            if let Err(error) = crate::media::backfill::make_missing(&pool, &media) {
                tracing::warn!(%error, "renditions of earlier uploads were not made");
            }
        }));
        let push = tokio::spawn(self.state.push.clone().follow(self.state.pool.clone()));
        let device_cache = tokio::spawn(
            self.state
                .device_cache
                .clone()
                .follow(self.state.pool.clone()),
        );
        let result = self.server.await;
        housekeeping.abort();
        hot_folder.abort();
        push.abort();
        device_cache.abort();
        signals.abort();
        result
    }
}

/// Stops the server: ends the players' push streams (they reconnect to another instance
/// or after the restart), then stops gracefully or not.
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
    push: crate::push::PushFeed,
}

impl StopHandle {
    pub async fn stop(&self, graceful: bool) {
        self.push.close();
        self.server.stop(graceful).await;
    }
}

/// Waits for SIGTERM (systemd) or SIGINT (Ctrl-C).
async fn stop_on_signal() {
    use actix_web::rt::signal;
    match signal::unix::signal(signal::unix::SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = signal::ctrl_c() => {}
            }
        }
        Err(_) => {
            let _ = signal::ctrl_c().await;
        }
    }
    tracing::info!("stopping: answering the requests in flight first");
}

/// Every documented route: `/healthz` and the API under `/api/v1`.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::livez)
        .service(metrics::scrape)
        .service(actix_web::Scope::new("/api/v1").configure(|scope_cfg| {
            let mut documented = utoipa_actix_web::service_config::ServiceConfig::new(scope_cfg);
            api::configure(&mut documented);
        }))
        .configure(crate::portal::configure);
}

/// The OpenAPI document, collected from the same registrations that serve the routes.
pub fn openapi_json() -> String {
    let (_, mut document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(health::healthz)
        .service(health::readyz)
        .service(metrics::livez)
        .service(metrics::scrape)
        .service(scope::scope("/api/v1").configure(api::configure))
        .split_for_parts();
    document.info.version = env!("CARGO_PKG_VERSION").into();
    document_common_errors(&mut document);
    document.to_json().expect("the OpenAPI document serialises")
}

/// The answers every route of a kind may give, documented once here rather than on each route:
/// 401 and 403 where a token is needed (none, expired or revoked; or the wrong role or kind of
/// token), 400 where the request carries parameters or a body that may not parse, and 413, 415
/// and 507 (disk full) where it carries a body.
fn document_common_errors(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    for item in document.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = operation.request_body.is_some();
            let has_parameters = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |status: &str, description: &str| {
                operation
                    .responses
                    .responses
                    .entry(status.into())
                    .or_insert_with(|| error(description));
            };
            if secured {
                add(
                    "401",
                    "no valid token: sign in with POST /api/v1/auth/token (screens: pair)",
                );
                add("403", "this token's role or kind may not do this");
            }
            if has_body || has_parameters {
                add(
                    "400",
                    "the request does not parse: the message says what to fix",
                );
            }
            if has_body {
                add("413", "the body is larger than this route accepts");
                add("415", "the body is not of the type this route reads");
                add(
                    "507",
                    "the server's disk is full: nothing was stored; try again once space is freed",
                );
            }
        }
    }
}

/// After a request that may have changed content, reads the content version again before
/// answering, so that the next poll of a screen on this instance sees the change (other instances
/// see it within `device_cache::REFRESH`). Screens' own calls change no manifest.
async fn see_own_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let may_change = !req.method().is_safe() && !req.path().starts_with("/api/v1/screen/");
    let state = if may_change {
        req.app_data::<web::Data<AppState>>().cloned()
    } else {
        None
    };
    let response = next.call(req).await?;
    if let Some(state) = state {
        state.device_cache.refresh(&state.pool).await;
    }
    Ok(response)
}

/// One log line per request (method, path, status and time taken), and the same in `/metrics`
/// by route pattern.
async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    if let Some(state) = state {
        let route = response.request().match_pattern();
        state.metrics.observe_request(
            method.as_str(),
            route.as_deref().unwrap_or("(no route)"),
            status,
            elapsed,
        );
    }
    tracing::info!(
        %method,
        %path,
        status,
        elapsed_ms = elapsed * 1000.0,
        "request"
    );
    Ok(response)
}
