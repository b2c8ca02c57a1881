//! The HTTP layer (actix-web): the JSON API under `/api/v1` (`api/`), the web portal
//! (`portal/`), the request extractors, health and metrics, the middleware and headers every
//! request passes through, and `error.rs`, the one place where errors become HTTP answers.
//! Handlers read the request, call the rules in `core`, and turn the result into an answer.

pub mod api;
pub mod body_pace;
pub mod error;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod portal;
pub mod state;

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, web};
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};

use self::api::ApiDoc;
use self::state::AppState;

/// Every documented route: `/healthz` and the API under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(metrics::livez)
        .service(metrics::scrape)
        .service(actix_web::Scope::new("/api/v1").configure(|scope_cfg| {
            let mut documented = utoipa_actix_web::service_config::ServiceConfig::new(scope_cfg);
            api::configure(&mut documented);
        }))
        .configure(portal::configure);
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
pub fn document_common_errors(document: &mut utoipa::openapi::OpenApi) {
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

/// Headers every answer carries, API and portal alike: no content-type sniffing, so that a
/// browser never runs an uploaded file or a JSON body as a script or page.
pub fn common_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// After a request that may have changed content, reads the content version again before
/// answering, so that the next poll of a screen on this instance sees the change (other instances
/// see it within `device_cache::REFRESH`). Screens' own calls change no manifest.
pub async fn see_own_writes(
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
pub async fn log_request(
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
