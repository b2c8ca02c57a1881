//! A player's screenshot upload: the JPEG it captured when staff asked for one.

use actix_web::{HttpResponse, put, web};
use civicast_shared::api::ErrorBody;

use crate::core::screenshots::{self, MAX_SCREENSHOT_BYTES};
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

/// Stores the calling screen's screenshot (a JPEG as the raw body), replacing the previous one.
#[utoipa::path(
    tag = "screen device",
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 204),
        (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/screen/screenshot")]
pub(super) async fn put_screenshot(
    state: web::Data<AppState>,
    screen: CurrentScreen,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = crate::web::api::read_body(payload, MAX_SCREENSHOT_BYTES).await?;
    let jpeg = body.to_vec();
    let size = screenshots::check_jpeg(&jpeg)?;
    let id = screen.id.to_string();
    let requested = db::run(&state.pool, move |conn| {
        screenshots::store(conn, &id, jpeg, size)?;
        screenshots::requested(conn)
    })
    .await?;
    state.push.publish_screenshots(requested);
    Ok(HttpResponse::NoContent().finish())
}
