//! Staff's screen health dashboard: every screen, online or not, when it was last seen, what it
//! plays now, its cache, player version and uptime, as its player last reported them. Offline
//! screens come first, since they are the ones to act on, and say what they last reported as
//! such, with its age; an emergency message on the screens is said above them all. Each screen's
//! own page (rename, move, kind, size, a new device token, delete) and pairing a player by its
//! code, a wrong or used code shown beside the field with what was typed kept.

use actix_web::{HttpResponse, web};
use askama::Template;
use civicast_shared::api::device::PairingClaim;
use civicast_shared::api::places::{Orientation, Screen, ScreenInput, ScreenKind};
use civicast_shared::api::playlists::PlaylistItem;
use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::admin::{SelectView, done_notice, field_message, place_selects, refused};
use super::confirm::{self, Confirmation};
use super::events::DoneQuery;
use super::form::FormData;
use super::i18n::Lang;
use super::playlists::content_of;
use super::session::Visitor;
use super::{Choice, FieldErrors, FieldView, Frame, render};
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
        .route("/screens/pair", web::get().to(pair_page))
        .route("/screens/pair", web::post().to(pair_screen))
        .route("/screens/{id:[0-9a-fA-F-]{36}}", web::get().to(screen_page))
        .route(
            "/screens/{id:[0-9a-fA-F-]{36}}",
            web::post().to(save_screen),
        )
        .route("/screens/{id}/token", web::post().to(new_token))
        .route("/screens/{id}/delete", web::post().to(delete_screen))
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
    /// How long ago an offline screen's player last reported, "3 h 12 min".
    report_age: Option<String>,
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
    /// Emergency messages on the screens now: (text, where).
    emergencies: Vec<(String, String)>,
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

async fn dashboard(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let (mut rows, alerts, names, emergencies) = db::run(&state.pool, move |conn| {
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
        let building_names: HashMap<String, String> = crate::core::places::buildings::names(conn)?
            .into_iter()
            .collect();
        let emergencies = crate::core::emergency::active(conn)?
            .into_iter()
            .map(|message| {
                let place = match message.building_id {
                    Some(id) => building_names
                        .get(&id.to_string())
                        .cloned()
                        .unwrap_or_default(),
                    None => lang.t("every screen"),
                };
                (message.text, place)
            })
            .collect::<Vec<_>>();
        Ok((
            rows,
            crate::core::alerts::open_alerts(conn)?,
            names,
            emergencies,
        ))
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
    let now = chrono::Utc::now();
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
                report_age: player.filter(|_| !screen.online).map(|p| {
                    duration(u64::try_from((now - p.reported_at).num_seconds()).unwrap_or_default())
                }),
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
            frame: Frame::of(&visitor).with_notice(done_notice(lang, query.done.as_deref())),
            alerts,
            online,
            offline: lines.len() - online,
            rows: lines,
            emergencies,
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

// ---- Pairing ----

#[derive(Template)]
#[template(path = "screen_pair.html")]
struct PairPage {
    lang: Lang,
    frame: Frame,
    fields: Vec<FieldView>,
    selects: Vec<SelectView>,
    has_errors: bool,
}

fn kind_choices(lang: Lang, chosen: &str) -> Vec<Choice> {
    [
        (ScreenKind::InformationScreen, "Information screen"),
        (ScreenKind::LedWall, "LED wall"),
        (ScreenKind::Kiosk, "Interactive kiosk"),
    ]
    .into_iter()
    .map(|(kind, label)| Choice {
        value: kind.as_str().to_owned(),
        label: lang.t(label),
        checked: kind.as_str() == chosen,
    })
    .collect()
}

async fn building_choices(state: &AppState, chosen: String) -> Result<Vec<Choice>, AppError> {
    let rows = db::run(&state.pool, crate::core::places::buildings::names).await?;
    Ok(Choice::from_rows(rows, |id| id == chosen))
}

async fn show_pairing(
    state: &AppState,
    visitor: &Visitor,
    form: &FormData,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let lang = visitor.lang;
    let mut fields = vec![
        FieldView::new("code", lang.t("Pairing code"), "text", form.text("code"))
            .required()
            .autocomplete("off")
            .hint(lang.t("The code the new player shows, such as K7Q4MX.")),
        FieldView::new(
            "name",
            lang.t("Name of the screen"),
            "text",
            form.text("name"),
        )
        .required()
        .max(120),
    ];
    errors.place(&mut fields);
    let kind = form
        .get("kind")
        .unwrap_or(ScreenKind::InformationScreen.as_str());
    let mut selects = vec![
        SelectView::new(
            "building_id",
            lang.t("Building"),
            building_choices(state, form.text("building_id")).await?,
        ),
        SelectView::new("kind", lang.t("Kind of screen"), kind_choices(lang, kind)),
    ];
    place_selects(&errors, &mut selects);
    render(
        visitor,
        &PairPage {
            lang,
            frame: Frame::of(visitor),
            fields,
            selects,
            has_errors: !errors.is_empty(),
        },
    )
}

async fn pair_page(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    show_pairing(
        &state,
        &visitor,
        &FormData::default(),
        FieldErrors::default(),
    )
    .await
}

async fn pair_screen(
    state: web::Data<AppState>,
    visitor: Visitor,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.0.clone();
    let lang = visitor.lang;
    let building_id = Uuid::parse_str(form.text("building_id").trim()).ok();
    let claim = PairingClaim {
        code: form.text("code"),
        screen_id: None,
        building_id,
        name: Some(form.text("name")),
        kind: Some(ScreenKind::parse(&form.text("kind")).unwrap_or(ScreenKind::InformationScreen)),
    };
    let result = if building_id.is_none() {
        Err(AppError::invalid("building_id", "choose a building"))
    } else {
        db::run(&state.pool, move |conn| {
            crate::db::transaction(conn, |conn| {
                crate::core::places::pairing::claim_code(conn, &user, &claim)
            })
        })
        .await
    };
    let mut errors = FieldErrors::default();
    match result {
        Ok(_) => return Ok(visitor.redirect("/buildings?done=paired")),
        Err(AppError::NotFound(_)) => errors.add(
            "code",
            lang.t("No screen shows this code: check it, or restart the player for a new one."),
        ),
        Err(AppError::Conflict(_)) => errors.add(
            "code",
            lang.t("This code was already entered: its screen is paired."),
        ),
        Err(AppError::Validation(found)) => {
            for e in found.0 {
                errors.add(&e.field, field_message(lang, &e.message));
            }
        }
        Err(other) => return Err(other),
    }
    refused(show_pairing(&state, &visitor, &form, errors).await)
}

// ---- One screen ----

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    lang: Lang,
    frame: Frame,
    id: String,
    name: String,
    building_id: String,
    building: String,
    online: bool,
    paired: bool,
    last_seen: String,
    fields: Vec<FieldView>,
    selects: Vec<SelectView>,
    has_errors: bool,
    /// A new device token, shown once, right after it was issued.
    token: Option<String>,
    /// A kiosk links to its map page and settings.
    kiosk: bool,
}

async fn show_screen(
    state: &AppState,
    visitor: &Visitor,
    id: Uuid,
    form: Option<&FormData>,
    errors: FieldErrors,
    done: Option<&str>,
    token: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let key = id.to_string();
    let (screen, building) = db::run(&state.pool, move |conn| {
        let screen = Screen::from(find_screen(conn, &key)?);
        let building = buildings::table
            .find(screen.building_id.to_string())
            .select(buildings::name)
            .first::<String>(conn)?;
        Ok((screen, building))
    })
    .await?;
    let typed = |name: &str, stored: String| form.map_or(stored, |f| f.text(name));
    let mut fields = vec![
        FieldView::new(
            "name",
            lang.t("Name of the screen"),
            "text",
            typed("name", screen.name.clone()),
        )
        .required()
        .max(120),
        FieldView::new(
            "width",
            lang.t("Width in pixels"),
            "number",
            typed("width", screen.width.to_string()),
        )
        .required(),
        FieldView::new(
            "height",
            lang.t("Height in pixels"),
            "number",
            typed("height", screen.height.to_string()),
        )
        .required(),
    ];
    errors.place(&mut fields);
    let orientation = typed("orientation", screen.orientation.as_str().to_owned());
    let mut selects = vec![
        SelectView::new(
            "building_id",
            lang.t("Building"),
            building_choices(state, typed("building_id", screen.building_id.to_string())).await?,
        ),
        SelectView::new(
            "kind",
            lang.t("Kind of screen"),
            kind_choices(lang, &typed("kind", screen.kind.as_str().to_owned())),
        ),
        SelectView::new(
            "orientation",
            lang.t("Orientation"),
            [
                (Orientation::Landscape, "Landscape"),
                (Orientation::Portrait, "Portrait"),
            ]
            .into_iter()
            .map(|(o, label)| Choice {
                value: o.as_str().to_owned(),
                label: lang.t(label),
                checked: o.as_str() == orientation,
            })
            .collect(),
        ),
    ];
    place_selects(&errors, &mut selects);
    render(
        visitor,
        &ScreenPage {
            lang,
            frame: Frame::of(visitor).with_notice(done_notice(lang, done)),
            id: screen.id.to_string(),
            name: screen.name,
            building_id: screen.building_id.to_string(),
            building,
            online: screen.online,
            paired: screen.paired,
            last_seen: screen
                .last_seen_at
                .map_or_else(|| lang.t("never"), |t| lang.datetime(t, tz)),
            fields,
            selects,
            has_errors: !errors.is_empty(),
            token,
            kiosk: screen.kind == ScreenKind::Kiosk,
        },
    )
}

async fn screen_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    show_screen(
        &state,
        &visitor,
        id.into_inner(),
        None,
        FieldErrors::default(),
        query.done.as_deref(),
        None,
    )
    .await
}

async fn save_screen(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    let number = |name: &str| form.text(name).trim().parse::<u32>().ok();
    let mut errors = FieldErrors::default();
    for name in ["width", "height"] {
        if number(name).is_none() {
            errors.add(name, lang.t("must be between 64 and 16384 pixels"));
        }
    }
    let building_id = Uuid::parse_str(form.text("building_id").trim()).ok();
    if building_id.is_none() {
        errors.add("building_id", lang.message("choose a building"));
    }
    if errors.is_empty() {
        let key = id.to_string();
        let (name, kind, orientation) = (
            form.text("name"),
            ScreenKind::parse(&form.text("kind")).unwrap_or(ScreenKind::InformationScreen),
            Orientation::parse(&form.text("orientation")).unwrap_or(Orientation::Landscape),
        );
        let (width, height) = (number("width").unwrap_or(0), number("height").unwrap_or(0));
        let result = db::run(&state.pool, move |conn| {
            crate::db::transaction(conn, |conn| {
                let stored = find_screen(conn, &key)?;
                let building_id = building_id.unwrap_or_default();
                // An own playlist belongs to the building: it goes when the screen moves.
                let playlist_id = stored
                    .playlist_id
                    .filter(|_| stored.building_id == building_id.to_string())
                    .and_then(|p| Uuid::parse_str(&p).ok());
                let input = ScreenInput {
                    building_id,
                    playlist_id,
                    name,
                    kind,
                    width,
                    height,
                    orientation,
                };
                crate::core::places::screens::update_screen(conn, &user, &key, &input)
            })
        })
        .await;
        match result {
            Ok(_) => return Ok(visitor.redirect(&format!("/screens/{id}?done=screen_saved"))),
            Err(AppError::Validation(found)) => {
                for e in found.0 {
                    errors.add(&e.field, field_message(lang, &e.message));
                }
            }
            Err(other) => return Err(other),
        }
    }
    refused(show_screen(&state, &visitor, id, Some(&form), errors, None, None).await)
}

async fn screen_name(state: &AppState, id: Uuid) -> Result<String, AppError> {
    let key = id.to_string();
    db::run(&state.pool, move |conn| Ok(find_screen(conn, &key)?.name)).await
}

async fn new_token(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    if !confirm::is_confirmed(&form) {
        let name = screen_name(&state, id).await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {name}?", lang.t("A new device token for")),
                consequences: vec![
                    lang.t("The token its player has now stops working at once."),
                    lang.t("The new token is shown once: give it to the player's computer."),
                ],
                action: format!("/screens/{id}/token"),
                fields: form.fields(),
                button: lang.t("Issue a new token"),
                back: format!("/screens/{id}"),
            },
        );
    }
    let key = id.to_string();
    let token = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::screens::issue_token(conn, &user, &key)
        })
    })
    .await?;
    let mut response = show_screen(
        &state,
        &visitor,
        id,
        None,
        FieldErrors::default(),
        None,
        Some(token),
    )
    .await?;
    // The token is shown this once: never kept by a cache.
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn delete_screen(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.0.clone();
    user.require_admin()?;
    let (id, lang) = (id.into_inner(), visitor.lang);
    if !confirm::is_confirmed(&form) {
        let name = screen_name(&state, id).await?;
        return confirm::ask(
            &visitor,
            Confirmation {
                title: format!("{} {name}?", lang.t("Delete the screen")),
                consequences: vec![
                    lang.t("Its player's token stops working: the player asks to be paired again."),
                    lang.t("Its own playlist, if any, stays with the building."),
                    lang.t("Its plays stay in the reports."),
                ],
                action: format!("/screens/{id}/delete"),
                fields: form.fields(),
                button: lang.t("Delete the screen"),
                back: format!("/screens/{id}"),
            },
        );
    }
    let key = id.to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::screens::delete_screen(conn, &user, &key)
        })
    })
    .await?;
    Ok(visitor.redirect("/screens?done=screen_deleted"))
}
