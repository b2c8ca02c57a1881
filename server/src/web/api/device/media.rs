//! Media files for players, by content hash: Range requests resume an interrupted download,
//! and the content never changes under its name, so caches may keep it for good. A screen gets
//! only the files its own manifest references and the image of the emergency message it shows,
//! never another library's upload whose hash it learnt elsewhere (one that was never approved).

use actix_files::NamedFile;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::device::is_sha256_hex;
use diesel::prelude::*;

use civicast_shared::api::emergency::EmergencyState;

use crate::core::manifest;
use crate::core::places::screens::find_screen;
use crate::db;
use crate::db::models::stored_id;
use crate::db::schema::{media_assets, media_renditions};
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

/// One media file by its SHA-256, with `Range`, `ETag` and long-lived cache headers.
#[utoipa::path(
    tag = "screen device",
    params(("sha256" = String, Path, description = "hex SHA-256 from the manifest")),
    responses(
        (status = 200, description = "the file", content_type = "image/*"),
        (status = 206, description = "the requested range"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/screen/media/{sha256}")]
pub(super) async fn get_media(
    state: web::Data<AppState>,
    screen: CurrentScreen,
    sha256: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let sha256 = sha256.into_inner();
    if !is_sha256_hex(&sha256) {
        return Err(AppError::NotFound(
            "media are named by the 64 lowercase hex digits of their SHA-256".into(),
        ));
    }
    if !is_for_screen(&state, &screen, &sha256).await? {
        return Err(AppError::NotFound(format!(
            "this screen's manifest references no media file with SHA-256 {sha256}"
        )));
    }
    let lookup = sha256.clone();
    let content_type = db::run(&state.pool, move |conn| {
        let original = media_assets::table
            .filter(media_assets::sha256.eq(&lookup))
            .select(media_assets::content_type)
            .first::<String>(conn)
            .optional()?;
        if original.is_some() {
            return Ok(original);
        }
        Ok(media_renditions::table
            .filter(media_renditions::sha256.eq(&lookup))
            .select(media_renditions::content_type)
            .first::<String>(conn)
            .optional()?)
    })
    .await?
    .ok_or_else(|| AppError::NotFound(format!("no media file with SHA-256 {sha256}")))?;
    let path = state.media.local_file(&sha256).await?;
    let file = web::block(move || NamedFile::open(path))
        .await?
        .map_err(|_| AppError::NotFound(format!("the media file {sha256} is not in the store")))?;
    let mime: mime::Mime = content_type
        .parse()
        .unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let mut response = file
        .set_content_type(mime)
        .use_last_modified(true)
        .use_etag(true)
        .disable_content_disposition()
        .into_response(&request);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// Whether the screen's manifest references the file, or it is the image of the emergency
/// message the screen shows now.
async fn is_for_screen(
    state: &AppState,
    screen: &CurrentScreen,
    sha256: &str,
) -> Result<bool, AppError> {
    let look = state.settings.look();
    let manifest = manifest::cached(&state.pool, &state.device_cache, screen.id, &look).await?;
    if manifest.media.contains(sha256) {
        return Ok(true);
    }
    let emergency_images = state.push.emergency().borrow().clone();
    if !emergency_images
        .iter()
        .any(|message| message.media.as_ref().is_some_and(|m| m.sha256 == sha256))
    {
        return Ok(false);
    }
    let id = screen.id.to_string();
    let building = db::run(&state.pool, move |conn| find_screen(conn, &id))
        .await?
        .building_id;
    let shown = EmergencyState::for_building(&emergency_images, stored_id(&building));
    Ok(shown
        .message
        .and_then(|message| message.media)
        .is_some_and(|media| media.sha256 == sha256))
}
