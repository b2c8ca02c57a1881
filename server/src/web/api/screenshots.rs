//! Screenshots on request, for staff: ask a screen for one, see whether it arrived, fetch it.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::places::ScreenshotInfo;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::screenshots;
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(request_screenshot)
        .service(screenshot_info)
        .service(screenshot_image);
}

/// Asks the screen's player for a screenshot. An online player sends it within seconds; an
/// offline one when it is back. Follow `GET .../screenshot` until `taken_at` passes
/// `requested_at`.
#[utoipa::path(
    tag = "screens",
    params(("id" = Uuid, Path)),
    responses(
        (status = 202, body = ScreenshotInfo),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/screens/{id}/screenshot")]
async fn request_screenshot(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let info = screenshots::request_now(&state.pool, &state.push, &user, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(info))
}

/// When the latest screenshot was taken, and whether a new one is awaited.
#[utoipa::path(
    tag = "screens",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ScreenshotInfo),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/screens/{id}/screenshot")]
async fn screenshot_info(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<ScreenshotInfo>, AppError> {
    user.require_staff()?;
    let id = id.into_inner().to_string();
    Ok(web::Json(
        db::run(&state.pool, move |conn| screenshots::info(conn, &id)).await?,
    ))
}

/// The latest screenshot, as the JPEG the player sent.
#[utoipa::path(
    tag = "screens",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, content_type = "image/jpeg", body = Vec<u8>),
        (status = 403, body = ErrorBody),
        (status = 404, description = "no such screen, or no screenshot yet", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/screens/{id}/screenshot.jpg")]
async fn screenshot_image(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    screenshot_response(&state, id.into_inner()).await
}

/// The JPEG with its time; never cached, since the next one replaces it.
pub(crate) async fn screenshot_response(
    state: &AppState,
    screen_id: Uuid,
) -> Result<HttpResponse, AppError> {
    let id = screen_id.to_string();
    let (taken_at, jpeg) =
        db::run(&state.pool, move |conn| screenshots::latest_jpeg(conn, &id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::LAST_MODIFIED,
            header::HttpDate::from(std::time::SystemTime::from(taken_at)).to_string(),
        ))
        .body(jpeg))
}
