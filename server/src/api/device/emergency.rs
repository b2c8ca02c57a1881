//! The emergency channel of a player: a Server-Sent Events stream that sends what the screen
//! must show on connecting and whenever it changes, with a keep-alive comment every 15 s; and
//! the same as one answer, for a player whose stream broke to poll.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::emergency::EmergencyState;
use uuid::Uuid;

use crate::api::find_screen;
use crate::auth::CurrentScreen;
use crate::db;
use crate::db::models::stored_id;
use crate::error::AppError;
use crate::state::AppState;

/// Between keep-alive comments, so that proxies keep the stream open and a player notices a
/// dead one.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

async fn building_of(state: &AppState, screen: &CurrentScreen) -> Result<Uuid, AppError> {
    let id = screen.id.to_string();
    let screen = db::run(&state.pool, move |conn| find_screen(conn, &id)).await?;
    Ok(stored_id(&screen.building_id))
}

/// What the screen must show now (for polling while the stream is down).
#[utoipa::path(
    tag = "screen device",
    responses((status = 200, body = EmergencyState), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/screen/emergency")]
pub(super) async fn current(
    state: web::Data<AppState>,
    screen: CurrentScreen,
) -> Result<web::Json<EmergencyState>, AppError> {
    let building = building_of(&state, &screen).await?;
    let active = state.emergency.subscribe().borrow().clone();
    Ok(web::Json(EmergencyState::for_building(&active, building)))
}

fn event(state: &EmergencyState) -> Bytes {
    let data = serde_json::to_string(state).unwrap_or_else(|_| "{\"message\":null}".into());
    Bytes::from(format!("event: emergency\ndata: {data}\n\n"))
}

/// The push channel: `event: emergency` with an [`EmergencyState`] on connecting and on every
/// change for this screen's building.
#[utoipa::path(
    tag = "screen device",
    responses(
        (status = 200, description = "text/event-stream of `emergency` events", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/screen/emergency/stream")]
pub(super) async fn stream(
    state: web::Data<AppState>,
    screen: CurrentScreen,
) -> Result<HttpResponse, AppError> {
    let building = building_of(&state, &screen).await?;
    let mut feed = state.emergency.subscribe();
    let first = EmergencyState::for_building(&feed.borrow_and_update(), building);
    let opening = futures_util::stream::once(std::future::ready(Ok::<_, AppError>(event(&first))));
    let closing = state.emergency.closing();
    let changes = futures_util::stream::unfold(
        (feed, closing, first),
        move |(mut feed, mut closing, mut last)| async move {
            loop {
                if *closing.borrow_and_update() {
                    return None;
                }
                tokio::select! {
                    // The server is stopping: end the stream.
                    _ = closing.changed() => return None,
                    changed = tokio::time::timeout(KEEP_ALIVE, feed.changed()) => match changed {
                        Ok(Err(_)) => return None,
                        Err(_) => {
                            let alive = Bytes::from_static(b": keep-alive\n\n");
                            return Some((Ok(alive), (feed, closing, last)));
                        }
                        Ok(Ok(())) => {
                            let now =
                                EmergencyState::for_building(&feed.borrow_and_update(), building);
                            if now != last {
                                last = now;
                                return Some((Ok(event(&last)), (feed, closing, last)));
                            }
                        }
                    },
                }
            }
        },
    );
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::StreamExt::chain(opening, changes)))
}
