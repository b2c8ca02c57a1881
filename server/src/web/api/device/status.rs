//! Status reports: with each poll a player says what it plays, its version, cache use, output
//! size and uptime; the CMS shows them beside the screen's online state.

use actix_web::{HttpResponse, post, web};
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::device::PlayerStatus;
use diesel::prelude::*;

use crate::db;
use crate::db::schema::screens;
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

/// The calling player's status; stored on its screen.
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
    status.validate()?;
    let id = screen.id.to_string();
    db::run(&state.pool, move |conn| {
        diesel::update(screens::table.find(&id))
            .set((
                screens::player_version.eq(Some(status.player_version.trim())),
                screens::now_playing_item_id.eq(status.now_playing.map(|id| id.to_string())),
                screens::manifest_etag.eq(status.manifest_etag),
                screens::cache_bytes
                    .eq(Some(i64::try_from(status.cache_bytes).unwrap_or(i64::MAX))),
                screens::cache_files
                    .eq(Some(i32::try_from(status.cache_files).unwrap_or(i32::MAX))),
                screens::output_width.eq(Some(i32::try_from(status.width).unwrap_or_default())),
                screens::output_height.eq(Some(i32::try_from(status.height).unwrap_or_default())),
                screens::uptime_s.eq(Some(i64::try_from(status.uptime_s).unwrap_or(i64::MAX))),
                screens::status_at.eq(Some(db::now())),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
