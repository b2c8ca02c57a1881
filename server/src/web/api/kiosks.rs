//! A kiosk's settings and "you are here" map page (staff): its idle time, its diagonal, the map
//! image from the library, where it stands and the places marked on it.

use actix_web::{get, put, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::kiosk_setup::{KioskSettings, KioskSettingsInput};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::kiosks::settings;
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_kiosk).service(put_kiosk);
}

/// The kiosk's settings (staff); the defaults until they are set. 422 when the screen is not
/// a kiosk.
#[utoipa::path(
    tag = "kiosks",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = KioskSettings),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/screens/{id}/kiosk")]
async fn get_kiosk(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<KioskSettings>, AppError> {
    user.require_staff()?;
    let id = id.into_inner().to_string();
    let found = db::run(&state.pool, move |conn| settings::settings(conn, &id)).await?;
    Ok(web::Json(found))
}

/// Replaces the kiosk's settings, map and places (staff). The map must be an image in the
/// library; a place may name the Civicast building it is, whose opening hours the kiosk shows.
#[utoipa::path(
    tag = "kiosks",
    params(("id" = Uuid, Path)),
    request_body = KioskSettingsInput,
    responses(
        (status = 200, body = KioskSettings),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/screens/{id}/kiosk")]
async fn put_kiosk(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<KioskSettingsInput>,
) -> Result<web::Json<KioskSettings>, AppError> {
    user.require_staff()?;
    let input = body.into_inner();
    let id = id.into_inner().to_string();
    let stored = db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            settings::set_settings(conn, &user, &id, &input)
        })
    })
    .await?;
    Ok(web::Json(stored))
}
