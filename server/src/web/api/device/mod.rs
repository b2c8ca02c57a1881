//! Routes of the player side: pairing by a code on screen (before a player has a token), and the
//! routes a player calls with its screen's device token (never with a user token): who am I, the
//! manifest, media files and status reports.

mod emergency;
mod manifest;
mod media;
mod pairing;
mod plays;
mod screenshot;
mod status;

use actix_web::{get, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::places::ScreenIdentity;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::core::places::buildings::find_building;
use crate::core::places::screens::find_screen;
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(screen_self)
        .service(manifest::get_manifest)
        .service(media::get_media)
        .service(status::post_status)
        .service(plays::post_plays)
        .service(emergency::current)
        .service(emergency::stream)
        .service(screenshot::put_screenshot)
        .service(pairing::request_pairing)
        .service(pairing::poll_pairing)
        .service(pairing::claim_pairing);
}

/// The calling screen, its building and time zone. Also marks the screen as seen.
#[utoipa::path(
    tag = "screen device",
    responses(
        (status = 200, body = ScreenIdentity),
        (status = 401, body = ErrorBody),
        (status = 403, description = "called with a user token", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/screen/self")]
async fn screen_self(
    state: web::Data<AppState>,
    screen: CurrentScreen,
) -> Result<web::Json<ScreenIdentity>, AppError> {
    let id = screen.id.to_string();
    let identity = db::run(&state.pool, move |conn| {
        let screen = find_screen(conn, &id)?;
        let building = find_building(conn, &screen.building_id)?;
        Ok(ScreenIdentity {
            screen: screen.into(),
            building_name: building.name,
            time_zone: building.time_zone,
        })
    })
    .await?;
    Ok(web::Json(identity))
}
