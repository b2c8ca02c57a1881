//! Starting and stopping Civicast: builds the state, binds the HTTP server with the web layer's
//! routes and middleware, and runs the background work (scheduled jobs, the hot folder, the
//! push feed, the device cache, the mail worker, the video renditions) until a signal stops it.

pub mod jobs;
pub mod mail;
pub mod telemetry;
pub mod videos;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};

use crate::core::accounts;
use crate::core::media::MediaStore;
use crate::db;
use crate::settings::Settings;
use crate::web::api;
use crate::web::extract::TrustedProxies;
use crate::web::state::AppState;
use crate::web::{self as http, error};

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
        let pool = db::open_sized(&database, settings.db_pool_size)?;
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
            settings.decode_memory_mb,
        )?
        .with_video_limit(settings.video_max_bytes())
        .with_object_storage(crate::core::media::objects::ObjectStorage::from_settings(
            &settings,
        )?);
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
        let openapi = Arc::new(http::openapi_json());
        let known_routes = web::Data::new(api::KnownRoutes::from_openapi(&openapi));
        let trusted_proxies = web::Data::new(
            TrustedProxies::parse(&settings.trusted_proxies)
                .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?,
        );
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            let openapi = openapi.clone();
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(known_routes.clone())
                .app_data(trusted_proxies.clone())
                .configure(error::configure_extractors)
                .wrap(from_fn(http::body_pace::keep_bodies_moving))
                .wrap(from_fn(http::see_own_writes))
                .wrap(from_fn(http::log_request))
                .wrap(http::common_headers())
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
                .configure(http::routes)
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
        let jobs = crate::app::jobs::Jobs::from_settings(&self.state.settings)
            .map_err(std::io::Error::other)?;
        let housekeeping =
            tokio::spawn(crate::app::jobs::run_forever(jobs, self.state.pool.clone()));
        let hot_folder = tokio::spawn(crate::core::media::inbox::watch(
            self.state.settings.inbox_dir(),
            self.state.pool.clone(),
            self.state.media.clone(),
        ));
        let videos = tokio::spawn(crate::app::videos::run_forever(
            self.state.pool.clone(),
            self.state.media.clone(),
            self.state.settings.video_jobs,
        ));
        let (pool, media) = (self.state.pool.clone(), self.state.media.clone());
        // Not awaited or aborted: it ends by itself, and a stop mid-way leaves only whole,
        // unreferenced files that the next start makes again.
        drop(tokio::task::spawn_blocking(move || {
            if let Err(error) = crate::core::media::backfill::make_missing(&pool, &media) {
                tracing::warn!(%error, "renditions of earlier uploads were not made");
            }
        }));
        let mailer = crate::app::mail::Mailer::from_settings(&self.state.settings)
            .map_err(std::io::Error::other)?
            .map(|mailer| {
                tokio::spawn(
                    mailer.run_forever(self.state.pool.clone(), self.state.metrics.clone()),
                )
            });
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
        videos.abort();
        if let Some(mailer) = mailer {
            mailer.abort();
        }
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
    push: crate::core::push::PushFeed,
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
