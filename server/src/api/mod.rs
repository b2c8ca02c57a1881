//! The JSON API under `/api/v1`, one module per resource. Each handler carries a
//! `#[utoipa::path]`, and routes are registered through `utoipa_actix_web`, so the OpenAPI
//! document at `/api/v1/openapi.json` lists exactly the routes that exist.

mod audience;
mod audit_log;
mod auth;
mod buildings;
mod device;
mod emergency;
mod events;
mod known_routes;
mod media;
mod organisations;
mod playlists;
mod reports;
mod screens;
mod screenshots;
mod users;

pub(crate) use buildings::{add_building, change_building, find_building};
pub(crate) use device::{claim_code, media_ref};
pub(crate) use emergency::publish_now as publish_emergencies;
pub use known_routes::KnownRoutes;
pub(crate) use media::send_content as send_media;
pub(crate) use organisations::find_organisation;
pub(crate) use reports::{confine, period, plays_report_for};
pub(crate) use screens::find_screen;
pub(crate) use screenshots::{ask_for_screenshot, screenshot_response};
pub(crate) use users::{add_user, check_membership};

use civicast_shared::api::{Page, PageQuery};
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

/// A validated page request turned into LIMIT and OFFSET.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    page: u32,
    per_page: u32,
}

impl Paging {
    pub fn from_query(query: PageQuery) -> Result<Paging, AppError> {
        let (page, per_page) = query.resolve().map_err(AppError::BadRequest)?;
        Ok(Paging { page, per_page })
    }

    /// For list routes whose query adds filters to `page` and `per_page`.
    pub fn from_parts(page: Option<u32>, per_page: Option<u32>) -> Result<Paging, AppError> {
        Paging::from_query(PageQuery { page, per_page })
    }

    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn page<T, R: Into<T>>(self, rows: Vec<R>, total: i64) -> Page<T> {
        Page {
            items: rows.into_iter().map(Into::into).collect(),
            page: self.page,
            per_page: self.per_page,
            total: u64::try_from(total).unwrap_or_default(),
        }
    }
}
