//! Staff's screen health dashboard: every screen, online or not, when it was last seen, what it
//! plays now, its cache, player version and uptime, as its player last reported them. Offline
//! screens come first, since they are the ones to act on.

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::places::Screen;
use civicast_shared::api::playlists::PlaylistItem;
use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::form::FormData;
use super::i18n::Lang;
use super::playlists::content_of;
use super::session::Visitor;
use super::{Frame, render};
use crate::core::places::screens::find_screen;
use crate::core::playlists as playlist_rules;
use crate::core::screenshots;
use crate::db;
use crate::db::models::ScreenRow;
use crate::db::schema::{buildings, screens};
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/screens", web::get().to(dashboard))
        .route("/screens/{id}/screenshot", web::get().to(screenshot_page))
        .route(
            "/screens/{id}/screenshot",
            web::post().to(ask_for_screenshot),
        )
        .route(
            "/screens/{id}/screenshot.jpg",
            web::get().to(screenshot_image),
        );
}

#[derive(Debug)]
struct ScreenLine {
    id: String,
    name: String,
    building: String,
    resolution: String,
    online: bool,
    last_seen: String,
    now_playing: String,
    cache: String,
    version: String,
    uptime: String,
    /// "clip.mp4: the reason", for each file the player could not decode.
    unplayable: Vec<String>,
}

#[derive(Template)]
#[template(path = "screens.html")]
struct DashboardPage {
    lang: Lang,
    frame: Frame,
    /// Screens offline in their building's opening hours: "Entrance (Library)", since when.
    alerts: Vec<(String, String)>,
    online: usize,
    offline: usize,
    rows: Vec<ScreenLine>,
}

/// "3 d 4 h", "5 h 12 min" or "7 min".
fn duration(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} min")
    } else {
        format!("{minutes} min")
    }
}

async fn dashboard(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let (mut rows, alerts, names) = db::run(&state.pool, move |conn| {
        let found: Vec<(ScreenRow, String)> = screens::table
            .inner_join(buildings::table)
            .order((buildings::name.asc(), screens::name.asc()))
            .select((ScreenRow::as_select(), buildings::name))
            .load(conn)?;
        let screens: Vec<(Screen, String)> = found
            .into_iter()
            .map(|(row, building)| (Screen::from(row), building))
            .collect();
        // What each screen plays now, in a fixed number of queries whatever the screens.
        let playing_ids: Vec<String> = screens
            .iter()
            .filter_map(|(screen, _)| screen.player.as_ref()?.now_playing)
            .map(|id| id.to_string())
            .collect();
        let items: Vec<PlaylistItem> = playlist_rules::items_by_id(conn, &playing_ids)?
            .into_iter()
            .map(PlaylistItem::from)
            .collect();
        let contents = playlist_rules::describe(conn, &items)?;
        let described: HashMap<String, String> = items
            .iter()
            .zip(contents)
            .map(|(item, content)| (item.id.to_string(), content_of(item, content, lang).1))
            .collect();
        let rows: Vec<(Screen, String, String)> = screens
            .into_iter()
            .map(|(screen, building)| {
                let playing = match screen.player.as_ref().and_then(|p| p.now_playing) {
                    Some(item_id) => described
                        .get(&item_id.to_string())
                        .cloned()
                        .unwrap_or_default(),
                    None if screen.player.is_some() => lang.t("the city's default slide"),
                    None => String::new(),
                };
                (screen, building, playing)
            })
            .collect();
        let unplayable: Vec<&str> = rows
            .iter()
            .filter_map(|(screen, _, _)| screen.player.as_ref())
            .flat_map(|player| player.unplayable.iter().map(|file| file.sha256.as_str()))
            .collect();
        let names = crate::core::media::names_by_screen_sha(conn, &unplayable)?;
        Ok((rows, crate::core::alerts::open_alerts(conn)?, names))
    })
    .await?;
    let alerts = alerts
        .into_iter()
        .map(|a| {
            (
                format!("{} ({})", a.screen_name, a.building_name),
                lang.datetime(a.offline_since, tz),
            )
        })
        .collect();
    // Offline first, then by building and name as loaded.
    rows.sort_by_key(|(screen, _, _)| screen.online);
    let online = rows.iter().filter(|(s, _, _)| s.online).count();
    let lines = rows
        .into_iter()
        .map(|(screen, building, now_playing)| {
            let player = screen.player.as_ref();
            ScreenLine {
                resolution: format!("{} × {}", screen.width, screen.height),
                online: screen.online,
                last_seen: screen
                    .last_seen_at
                    .map_or_else(|| lang.t("never"), |t| lang.datetime(t, tz)),
                now_playing,
                cache: player.map_or_else(String::new, |p| {
                    format!(
                        "{:.1} MB · {}",
                        p.cache_bytes as f64 / 1_000_000.0,
                        p.cache_files
                    )
                }),
                version: player.map_or_else(String::new, |p| p.player_version.clone()),
                uptime: player.map_or_else(String::new, |p| duration(p.uptime_s)),
                unplayable: player
                    .map(|p| p.unplayable.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|file| {
                        let name = names
                            .get(&file.sha256)
                            .cloned()
                            .unwrap_or_else(|| file.sha256.chars().take(12).collect());
                        format!("{name}: {}", file.reason)
                    })
                    .collect(),
                id: screen.id.to_string(),
                name: screen.name,
                building,
            }
        })
        .collect::<Vec<_>>();
    render(
        &visitor,
        &DashboardPage {
            lang,
            frame: Frame::of(&visitor),
            alerts,
            online,
            offline: lines.len() - online,
            rows: lines,
        },
    )
}

#[derive(Template)]
#[template(path = "screenshot.html")]
struct ScreenshotPage {
    lang: Lang,
    frame: Frame,
    screen_id: String,
    screen: String,
    building: String,
    online: bool,
    /// Set while a requested screenshot has not arrived: the page reloads itself until it does.
    waiting_since: Option<String>,
    taken: Option<String>,
    size: String,
}

/// One screen's latest screenshot, and the button that asks for a new one.
async fn screenshot_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let id = id.into_inner().to_string();
    let (screen, building, info) = db::run(&state.pool, move |conn| {
        let screen = Screen::from(find_screen(conn, &id)?);
        let building = buildings::table
            .find(screen.building_id.to_string())
            .select(buildings::name)
            .first::<String>(conn)?;
        Ok((screen, building, screenshots::info(conn, &id)?))
    })
    .await?;
    render(
        &visitor,
        &ScreenshotPage {
            lang,
            frame: Frame::of(&visitor),
            screen_id: screen.id.to_string(),
            screen: screen.name,
            building,
            online: screen.online,
            waiting_since: info.requested_at.map(|t| lang.datetime(t, tz)),
            taken: info.taken_at.map(|t| lang.datetime(t, tz)),
            size: match (info.width, info.height) {
                (Some(w), Some(h)) => format!("{w} × {h}"),
                _ => String::new(),
            },
        },
    )
}

async fn ask_for_screenshot(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let id = id.into_inner();
    crate::core::screenshots::request_now(&state.pool, &state.push, &user, id).await?;
    Ok(visitor.redirect(&format!("/screens/{id}/screenshot")))
}

async fn screenshot_image(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    crate::web::api::screenshot_response(&state, id.into_inner()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptimes_read_at_a_glance() {
        assert_eq!(duration(420), "7 min");
        assert_eq!(duration(5 * 3600 + 12 * 60), "5 h 12 min");
        assert_eq!(duration(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
    }
}
