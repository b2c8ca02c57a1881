//! The push channel of a player: a Server-Sent Events stream that sends the emergency message
//! the screen must show on connecting and whenever it changes, and the screenshot requests for
//! it, with a keep-alive comment every 15 s; and the emergency state as one answer, for a player
//! whose stream broke to poll.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::device::ScreenshotRequest;
use civicast_shared::api::emergency::EmergencyState;
use uuid::Uuid;

use crate::core::places::screens::find_screen;
use crate::db;
use crate::db::models::stored_id;
use crate::error::AppError;
use crate::web::extract::CurrentScreen;
use crate::web::state::AppState;

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
    let active = state.push.emergency().borrow().clone();
    Ok(web::Json(EmergencyState::for_building(&active, building)))
}

fn event(state: &EmergencyState) -> Bytes {
    let data = serde_json::to_string(state).unwrap_or_else(|_| "{\"message\":null}".into());
    Bytes::from(format!("event: emergency\ndata: {data}\n\n"))
}

fn screenshot_event(request: ScreenshotRequest) -> Bytes {
    let data = serde_json::to_string(&request).unwrap_or_default();
    Bytes::from(format!("event: screenshot\ndata: {data}\n\n"))
}

/// What one stream has sent, to send only changes.
struct Sent {
    emergency: EmergencyState,
    screenshot: Option<DateTime<Utc>>,
}

/// The push channel: `event: emergency` with an [`EmergencyState`] on connecting and on every
/// change for this screen's building, and `event: screenshot` with a [`ScreenshotRequest`]
/// when staff ask this screen for a screenshot (or on connecting, if one is awaited).
#[utoipa::path(
    tag = "screen device",
    responses(
        (status = 200, description = "text/event-stream of `emergency` and `screenshot` events", content_type = "text/event-stream"),
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
    let screen_id = screen.id;
    let mut emergencies = state.push.emergency();
    let mut screenshots = state.push.screenshots();
    let sent = Sent {
        emergency: EmergencyState::for_building(&emergencies.borrow_and_update(), building),
        screenshot: screenshots.borrow_and_update().get(&screen_id).copied(),
    };
    let mut opening = vec![Ok::<_, AppError>(event(&sent.emergency))];
    if let Some(requested_at) = sent.screenshot {
        opening.push(Ok(screenshot_event(ScreenshotRequest { requested_at })));
    }
    let opening = futures_util::stream::iter(opening);
    let closing = state.push.closing();
    let changes = futures_util::stream::unfold(
        (emergencies, screenshots, closing, sent),
        move |(mut emergencies, mut screenshots, mut closing, mut sent)| async move {
            loop {
                if *closing.borrow_and_update() {
                    return None;
                }
                let next = tokio::select! {
                    // The server is stopping: end the stream.
                    _ = closing.changed() => return None,
                    changed = emergencies.changed() => {
                        changed.ok()?;
                        let now =
                            EmergencyState::for_building(&emergencies.borrow_and_update(), building);
                        (now != sent.emergency).then(|| {
                            sent.emergency = now;
                            event(&sent.emergency)
                        })
                    }
                    changed = screenshots.changed() => {
                        changed.ok()?;
                        let now = screenshots.borrow_and_update().get(&screen_id).copied();
                        let news = now.is_some() && now != sent.screenshot;
                        sent.screenshot = now;
                        news.then(|| screenshot_event(ScreenshotRequest {
                            requested_at: now.unwrap_or_default(),
                        }))
                    }
                    () = tokio::time::sleep(KEEP_ALIVE) => Some(Bytes::from_static(b": keep-alive\n\n")),
                };
                if let Some(bytes) = next {
                    return Some((Ok(bytes), (emergencies, screenshots, closing, sent)));
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
