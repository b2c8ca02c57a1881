//! The manifest: everything a screen needs to play on its own (items in loop order, schedules,
//! event card fields, the SHA-256 of every media file), answered with an ETag so that a poll
//! when nothing changed costs a 304 and no body. Built manifests are kept in the
//! [`crate::core::device_cache`] until the content changes.

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{HttpRequest, HttpResponse, get, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::device::Manifest;

use crate::core::manifest;
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

/// What the calling screen plays. Send `If-None-Match` with the last ETag: an unchanged
/// manifest answers 304 with no body.
#[utoipa::path(
    tag = "screen device",
    responses(
        (status = 200, body = Manifest, headers(("ETag" = String))),
        (status = 304, description = "unchanged since the ETag in If-None-Match"),
        (status = 401, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/screen/manifest")]
pub(super) async fn get_manifest(
    state: web::Data<AppState>,
    screen: CurrentScreen,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let look = state.settings.look();
    let manifest = manifest::cached(&state.pool, &state.device_cache, screen.id, &look).await?;
    let etag = EntityTag::new_strong(manifest.etag.clone());
    let unchanged = match request.headers().get(header::IF_NONE_MATCH) {
        None => false,
        Some(_) => match header::Header::parse(&request) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(&etag)),
            Err(_) => false,
        },
    };
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if unchanged {
        Ok(response.finish())
    } else {
        Ok(response
            .content_type("application/json")
            .body(manifest.body.clone()))
    }
}
