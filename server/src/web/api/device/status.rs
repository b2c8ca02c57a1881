//! Status reports: with each poll a player says what it plays, its version, cache use, output
//! size and uptime; the CMS shows them beside the screen's online state.

use actix_web::{HttpResponse, post, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::device::PlayerStatus;

use crate::core::places::screens;
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

/// The calling player's status; stored on its screen. A changed output size becomes the
/// screen's resolution and orientation.
#[utoipa::path(
    tag = "screen device",
    request_body = PlayerStatus,
    responses(
        (status = 204),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/screen/status")]
pub(super) async fn post_status(
    state: web::Data<AppState>,
    screen: CurrentScreen,
    body: web::Json<PlayerStatus>,
) -> Result<HttpResponse, AppError> {
    let status = body.into_inner();
    let id = screen.id.to_string();
    db::run(&state.pool, move |conn| {
        screens::record_player_status(conn, &id, &status)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
