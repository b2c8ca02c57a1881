//! The JSON API under `/api/v1`, one module per resource. Each handler carries a
//! `#[utoipa::path]`, and routes are registered through `utoipa_actix_web`, so the OpenAPI
//! document at `/api/v1/openapi.json` lists exactly the routes that exist.

mod audience;
mod audit_log;
pub(crate) mod auth;
mod buildings;
mod device;
mod emergency;
mod events;
mod kiosks;
mod known_routes;
mod media;
pub(crate) mod notifications;
mod organisations;
mod playlists;
mod reports;
mod screens;
mod screenshots;
mod services;
mod users;

pub use known_routes::KnownRoutes;
pub(crate) use media::{send_poster, send_thumbnail};
pub(crate) use screenshots::screenshot_response;

pub(crate) use crate::core::paging::Paging;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::AppError;

pub fn configure(cfg: &mut ServiceConfig) {
    // Routes are tried in order, and a pattern with a `{segment}` costs a regex match: the
    // screens' routes, which carry nearly all the traffic, come first.
    device::configure(cfg);
    auth::configure(cfg);
    organisations::configure(cfg);
    users::configure(cfg);
    buildings::configure(cfg);
    screens::configure(cfg);
    screenshots::configure(cfg);
    playlists::configure(cfg);
    events::configure(cfg);
    media::configure(cfg);
    emergency::configure(cfg);
    audit_log::configure(cfg);
    audience::configure(cfg);
    reports::configure(cfg);
    notifications::configure(cfg);
    kiosks::configure(cfg);
    services::configure(cfg);
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Civicast API",
        description = "Digital signage for cities: buildings, screens, playlists, community events, \
                       media and proof of play. Authenticate with `Authorization: Bearer <token>` \
                       from `POST /api/v1/auth/token`; screens use their device token.",
    ),
    // Referred to from query parameters, which do not register their schemas themselves.
    components(schemas(civicast_shared::api::reports::ReportFormat)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Reads a request body of at most `limit` bytes, for routes whose bodies are larger than the
/// JSON limit (play batches) or are not JSON (CSV imports).
pub(crate) async fn read_body(
    mut payload: actix_web::web::Payload,
    limit: usize,
) -> Result<actix_web::web::BytesMut, AppError> {
    use futures_util::StreamExt;
    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| AppError::BadRequest(format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge(format!(
                "the body is larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
