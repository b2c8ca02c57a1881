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
use tokio::sync::watch;
use uuid::Uuid;

use crate::core::places::screens::{find_screen, screen_and_building_for_token_hash};
use crate::core::push::{Active, ScreenshotRequests};
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

/// What one stream follows and has sent, to send only changes.
struct Follow {
    state: web::Data<AppState>,
    screen: CurrentScreen,
    building: Uuid,
    /// The content version at which the token and the building were last checked.
    checked_at_version: i64,
    emergencies: watch::Receiver<Active>,
    screenshots: watch::Receiver<ScreenshotRequests>,
    closing: watch::Receiver<bool>,
    recheck: tokio::time::Interval,
    keep_alive_at: tokio::time::Instant,
    emergency: EmergencyState,
    screenshot: Option<DateTime<Utc>>,
}

/// How often a stream looks whether the content version moved, which every change to a screen's
/// token, building or existence raises; only then does it ask the database.
const RECHECK: Duration = Duration::from_secs(1);

impl Follow {
    /// The next event to send, `None` when the stream ends: the server stops, or the screen's
    /// token was revoked (a new one issued, or the screen deleted) since the stream opened.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if *self.closing.borrow_and_update() {
                return None;
            }
            let next = tokio::select! {
                _ = self.closing.changed() => return None,
                changed = self.emergencies.changed() => {
                    changed.ok()?;
                    self.emergency_news()
                }
                changed = self.screenshots.changed() => {
                    changed.ok()?;
                    let now = self.screenshots.borrow_and_update().get(&self.screen.id).copied();
                    let news = now.is_some() && now != self.screenshot;
                    self.screenshot = now;
                    news.then(|| screenshot_event(ScreenshotRequest {
                        requested_at: now.unwrap_or_default(),
                    }))
                }
                _ = self.recheck.tick() => {
                    if !self.still_valid().await {
                        return None;
                    }
                    self.emergency_news()
                }
                () = tokio::time::sleep_until(self.keep_alive_at) => {
                    Some(Bytes::from_static(b": keep-alive\n\n"))
                }
            };
            if next.is_some() {
                // Nothing goes out on a token revoked since the last look (a new token issued
                // on this instance raises the version before its answer is sent).
                if !self.still_valid().await {
                    return None;
                }
                self.keep_alive_at = tokio::time::Instant::now() + KEEP_ALIVE;
                return next;
            }
        }
    }

    /// Whether the token still belongs to this screen, asking the database only when the
    /// content version moved since the last look; follows the screen to another building.
    async fn still_valid(&mut self) -> bool {
        let version = self.state.device_cache.version();
        if version == self.checked_at_version {
            return true;
        }
        let token_hash = self.screen.token_hash.clone();
        let found = db::run(&self.state.pool, move |conn| {
            screen_and_building_for_token_hash(conn, &token_hash)
        })
        .await;
        match found {
            Ok(Some((screen, building))) if stored_id(&screen) == self.screen.id => {
                self.checked_at_version = version;
                self.building = stored_id(&building);
                true
            }
            Ok(_) => false,
            // The database is away for a moment: look again next time.
            Err(_) => true,
        }
    }

    /// The emergency event, when what this screen must show changed.
    fn emergency_news(&mut self) -> Option<Bytes> {
        let now =
            EmergencyState::for_building(&self.emergencies.borrow_and_update(), self.building);
        (now != self.emergency).then(|| {
            self.emergency = now;
            event(&self.emergency)
        })
    }
}

/// The push channel: `event: emergency` with an [`EmergencyState`] on connecting and on every
/// change for this screen's building, and `event: screenshot` with a [`ScreenshotRequest`]
/// when staff ask this screen for a screenshot (or on connecting, if one is awaited). It ends
/// when the screen's token is revoked.
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
    // Read before the building, so that a change in between is looked at again.
    let checked_at_version = state.device_cache.version();
    let building = building_of(&state, &screen).await?;
    let mut emergencies = state.push.emergency();
    let mut screenshots = state.push.screenshots();
    let emergency = EmergencyState::for_building(&emergencies.borrow_and_update(), building);
    let screenshot = screenshots.borrow_and_update().get(&screen.id).copied();
    let mut opening = vec![Ok::<_, AppError>(event(&emergency))];
    if let Some(requested_at) = screenshot {
        opening.push(Ok(screenshot_event(ScreenshotRequest { requested_at })));
    }
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let follow = Follow {
        closing: state.push.closing(),
        state,
        screen,
        building,
        checked_at_version,
        emergencies,
        screenshots,
        recheck,
        keep_alive_at: tokio::time::Instant::now() + KEEP_ALIVE,
        emergency,
        screenshot,
    };
    let changes = futures_util::stream::unfold(follow, |mut follow| async move {
        let bytes = follow.next().await?;
        Some((Ok(bytes), follow))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::StreamExt::chain(
            futures_util::stream::iter(opening),
            futures_util::StreamExt::fuse(changes),
        )))
}
