//! Staff's building playlists: the items in loop order with their durations and schedules, what
//! plays now (the loop's length and each association's airtime in it), moving items up and
//! down, editing an item's duration and schedule, removing it, and adding announcements (text)
//! and city slides (an uploaded image) beside the approved events.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use civicast_shared::api::playlists::{Fit, PlaylistItem, PlaylistItemInput, PlaylistItemKind};
use civicast_shared::schedule::{Schedule, TimeWindow};
use civicast_shared::venue::VenueType;
use diesel::prelude::*;
use uuid::Uuid;

use super::events::{DoneQuery, notice, parse_local_time};
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Choice, Frame, render};
use crate::core::media::add_to_library;
use crate::core::playlists::{self as playlist_rules, ItemContent};
use crate::db::models::{BuildingRow, PlaylistItemRow};
use crate::db::schema::{buildings, playlist_items, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/buildings", web::get().to(list_buildings))
        .route("/buildings/{id}/playlist", web::get().to(show))
        .route(
            "/buildings/{id}/playlist/announcements",
            web::post().to(add_announcement),
        )
        .route("/buildings/{id}/playlist/slides", web::post().to(add_slide))
        .route(
            "/buildings/{id}/playlist/items/{item}/move",
            web::post().to(move_item),
        )
        .route(
            "/buildings/{id}/playlist/items/{item}/remove",
            web::post().to(remove_item),
        )
        .route(
            "/buildings/{id}/playlist/items/{item}/edit",
            web::get().to(edit_item_form),
        )
        .route(
            "/buildings/{id}/playlist/items/{item}/edit",
            web::post().to(edit_item),
        );
}

#[derive(Debug)]
struct BuildingLine {
    id: String,
    name: String,
    address: String,
    screens: i64,
}

#[derive(Template)]
#[template(path = "buildings.html")]
struct BuildingsPage {
    lang: Lang,
    frame: Frame,
    rows: Vec<BuildingLine>,
    venue_types: Vec<Choice>,
    time_zone: String,
}

async fn list_buildings(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let rows = db::run(&state.pool, |conn| {
        let all = buildings::table
            .order(buildings::name.asc())
            .select(BuildingRow::as_select())
            .load::<BuildingRow>(conn)?;
        let counts: Vec<(String, i64)> = screens::table
            .group_by(screens::building_id)
            .select((screens::building_id, diesel::dsl::count_star()))
            .load(conn)?;
        Ok(all
            .into_iter()
            .map(|b| BuildingLine {
                screens: counts
                    .iter()
                    .find(|(id, _)| *id == b.id)
                    .map_or(0, |(_, n)| *n),
                id: b.id,
                name: b.name,
                address: b.address,
            })
            .collect())
    })
    .await?;
    let lang = visitor.lang;
    render(
        &visitor,
        &BuildingsPage {
            lang,
            frame: Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref())),
            rows,
            venue_types: VenueType::ALL
                .iter()
                .map(|v| Choice {
                    value: v.as_str().to_owned(),
                    label: lang.venue(*v),
                    checked: false,
                })
                .collect(),
            time_zone: state.settings.city_time_zone.name().to_owned(),
        },
    )
}

/// The schedule fields of a form, as typed.
#[derive(Debug, Default)]
struct ScheduleView {
    valid_from: String,
    valid_until: String,
    weekdays: Vec<Choice>,
    window_start: String,
    window_end: String,
}

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "Mon"),
    (Weekday::Tue, "Tue"),
    (Weekday::Wed, "Wed"),
    (Weekday::Thu, "Thu"),
    (Weekday::Fri, "Fri"),
    (Weekday::Sat, "Sat"),
    (Weekday::Sun, "Sun"),
];

impl ScheduleView {
    fn of(schedule: &Schedule, lang: Lang, tz: Tz) -> ScheduleView {
        let local = |at: Option<chrono::DateTime<Utc>>| {
            at.map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
                .unwrap_or_default()
        };
        let window = schedule.time_windows.first();
        ScheduleView {
            valid_from: local(schedule.valid_from),
            valid_until: local(schedule.valid_until),
            weekdays: WEEKDAYS
                .iter()
                .map(|(day, name)| Choice {
                    value: (*name).to_owned(),
                    label: lang.t(name),
                    checked: schedule.weekdays.contains(day),
                })
                .collect(),
            window_start: window
                .map(|w| w.start.format("%H:%M").to_string())
                .unwrap_or_default(),
            window_end: window
                .map(|w| w.end.format("%H:%M").to_string())
                .unwrap_or_default(),
        }
    }
}

/// Reads the schedule fields of a form in the building's time zone. Rules the form does not
/// show (further time windows, a cron expression) are kept from `keep`.
fn read_schedule(form: &FormData, tz: Tz, keep: &Schedule) -> Result<Schedule, AppError> {
    let bound = |name: &str| -> Result<Option<chrono::DateTime<Utc>>, AppError> {
        let value = form.text(name);
        if value.trim().is_empty() {
            return Ok(None);
        }
        parse_local_time(&value, tz)
            .map(Some)
            .ok_or_else(|| AppError::invalid(name, "give a date and time such as 2026-12-20 19:30"))
    };
    let time = |name: &str| -> Result<Option<NaiveTime>, AppError> {
        let value = form.text(name);
        if value.trim().is_empty() {
            return Ok(None);
        }
        NaiveTime::parse_from_str(value.trim(), "%H:%M")
            .map(Some)
            .map_err(|_| AppError::invalid(name, "give a time such as 09:30"))
    };
    let chosen = form.all("weekdays");
    let mut time_windows: Vec<TimeWindow> = keep.time_windows.iter().skip(1).copied().collect();
    match (time("window_start")?, time("window_end")?) {
        (Some(start), Some(end)) => time_windows.insert(0, TimeWindow { start, end }),
        (None, None) => {}
        (None, Some(_)) => {
            return Err(AppError::invalid(
                "window_start",
                "give a time such as 09:30",
            ));
        }
        (Some(_), None) => {
            return Err(AppError::invalid("window_end", "give a time such as 09:30"));
        }
    }
    Ok(Schedule {
        valid_from: bound("valid_from")?,
        valid_until: bound("valid_until")?,
        weekdays: WEEKDAYS
            .iter()
            .filter(|(_, name)| chosen.iter().any(|c| c == name))
            .map(|(day, _)| *day)
            .collect(),
        time_windows,
        cron: keep.cron.clone(),
    })
}

/// The duration field in milliseconds; left empty, `None`: a video's own length, else the
/// default.
fn read_duration(form: &FormData) -> Result<Option<u32>, AppError> {
    let text = form.text("duration_s");
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|s| (1..=600).contains(s))
        .map(|s| Some(s * 1000))
        .ok_or_else(|| AppError::invalid("duration_s", "give a number of seconds from 1 to 600"))
}

/// "1 Dec 2026 – 20 Dec 2026 · Mon, Sat · 09:00-17:00", or "always".
fn describe(schedule: &Schedule, lang: Lang, tz: Tz) -> String {
    let mut parts = Vec::new();
    match (schedule.valid_from, schedule.valid_until) {
        (None, None) => {}
        (from, until) => parts.push(format!(
            "{} – {}",
            from.map(|t| lang.date(t, tz)).unwrap_or_default(),
            until.map(|t| lang.date(t, tz)).unwrap_or_default()
        )),
    }
    if !schedule.weekdays.is_empty() {
        let days: Vec<String> = WEEKDAYS
            .iter()
            .filter(|(day, _)| schedule.weekdays.contains(day))
            .map(|(_, name)| lang.t(name))
            .collect();
        parts.push(days.join(", "));
    }
    for window in &schedule.time_windows {
        parts.push(format!(
            "{}-{}",
            window.start.format("%H:%M"),
            window.end.format("%H:%M")
        ));
    }
    if let Some(cron) = &schedule.cron {
        parts.push(format!("cron {cron}"));
    }
    if parts.is_empty() {
        lang.t("always")
    } else {
        parts.join(" · ")
    }
}

#[derive(Debug)]
struct ItemLine {
    id: String,
    number: usize,
    kind: String,
    content: String,
    seconds: u32,
    schedule: String,
    active: bool,
    first: bool,
    last: bool,
    up: usize,
    down: usize,
}

#[derive(Debug)]
struct AirtimeLine {
    who: String,
    seconds: u32,
    share: String,
}

#[derive(Template)]
#[template(path = "playlist.html")]
struct PlaylistPage {
    lang: Lang,
    frame: Frame,
    building: String,
    building_id: String,
    base: String,
    loop_now: String,
    active_count: usize,
    items: Vec<ItemLine>,
    airtime: Vec<AirtimeLine>,
    schedule: ScheduleView,
}

/// The building and its playlist (the first, where approved events go), made if it has none.
fn building_and_playlist(
    conn: &mut DbConnection,
    building_id: &str,
) -> Result<(BuildingRow, String), AppError> {
    let building = crate::core::places::buildings::find_building(conn, building_id)?;
    let playlist = playlist_rules::building_playlist(conn, building_id)?;
    Ok((building, playlist))
}

/// What an item shows, in words, and whose airtime it is.
pub(super) fn content_of(
    item: &PlaylistItem,
    content: ItemContent,
    lang: Lang,
) -> (String, String, String) {
    let city = || lang.t("The city");
    match item.kind {
        PlaylistItemKind::Event => {
            let organisation = content.organisation.unwrap_or_default();
            (
                lang.t("Event"),
                format!("{} ({organisation})", content.title),
                organisation,
            )
        }
        PlaylistItemKind::Slide => (lang.t("City slide"), content.title, city()),
        PlaylistItemKind::Announcement => (lang.t("Announcement"), content.title, city()),
    }
}

async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let lang = visitor.lang;
    let building_id = id.to_string();
    let (building, items) = db::run(&state.pool, move |conn| {
        let (building, playlist_id) = building_and_playlist(conn, &building_id)?;
        let rows = playlist_items::table
            .filter(playlist_items::playlist_id.eq(&playlist_id))
            .order((
                playlist_items::position.asc(),
                playlist_items::created_at.asc(),
            ))
            .select(PlaylistItemRow::as_select())
            .load::<PlaylistItemRow>(conn)?;
        let items: Vec<PlaylistItem> = rows.into_iter().map(PlaylistItem::from).collect();
        let contents = playlist_rules::describe(conn, &items)?;
        let mut lines = Vec::with_capacity(items.len());
        for (item, content) in items.into_iter().zip(contents) {
            let mut described = content_of(&item, content, lang);
            // A video slide says how its screen version is coming along: it is left out of
            // the screens' loop until that is ready.
            if let Some(media_id) = item.media_id
                && let Some(job) =
                    crate::core::media::video::job_of_entry(conn, &media_id.to_string())?
            {
                described.1 = format!(
                    "{} · {}",
                    described.1,
                    super::events::video_line(lang, &job)
                );
            }
            lines.push((item, described));
        }
        let items = lines;
        Ok((building, items))
    })
    .await?;
    let tz: Tz = building
        .time_zone
        .parse()
        .unwrap_or(state.settings.city_time_zone);
    let now = Utc::now();
    let count = items.len();
    let mut airtime: Vec<(String, u32)> = Vec::new();
    let lines: Vec<ItemLine> = items
        .into_iter()
        .enumerate()
        .map(|(index, (item, (kind, content, owner)))| {
            let active = item.schedule.is_active_in(now, tz);
            let seconds = item.duration_ms / 1000;
            if active {
                match airtime.iter_mut().find(|(who, _)| *who == owner) {
                    Some((_, total)) => *total += seconds,
                    None => airtime.push((owner, seconds)),
                }
            }
            ItemLine {
                id: item.id.to_string(),
                number: index + 1,
                kind,
                content,
                seconds,
                schedule: describe(&item.schedule, lang, tz),
                active,
                first: index == 0,
                last: index + 1 == count,
                up: index.saturating_sub(1),
                down: index + 1,
            }
        })
        .collect();
    let loop_seconds: u32 = airtime.iter().map(|(_, s)| s).sum();
    airtime.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let page = PlaylistPage {
        lang,
        frame: Frame::of(&visitor).with_notice(notice(lang, query.done.as_deref())),
        building: building.name,
        building_id: building.id.clone(),
        base: format!("/buildings/{}/playlist", building.id),
        loop_now: format!("{loop_seconds} s"),
        active_count: lines.iter().filter(|l| l.active).count(),
        items: lines,
        airtime: airtime
            .into_iter()
            .map(|(who, seconds)| AirtimeLine {
                share: format!(
                    "{:.0}%",
                    f64::from(seconds) * 100.0 / f64::from(loop_seconds.max(1))
                ),
                who,
                seconds,
            })
            .collect(),
        schedule: ScheduleView::of(&Schedule::default(), lang, tz),
    };
    render(&visitor, &page)
}

fn building_time_zone(building: &BuildingRow, fallback: Tz) -> Tz {
    building.time_zone.parse().unwrap_or(fallback)
}

/// Adds the item `make` builds (in the building's time zone) to a building's playlist.
async fn add_to_playlist(
    state: &AppState,
    user: CurrentUser,
    building_id: Uuid,
    make: impl FnOnce(&mut DbConnection, Tz) -> Result<PlaylistItemInput, AppError> + Send + 'static,
) -> Result<(), AppError> {
    let fallback = state.settings.city_time_zone;
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let (building, playlist_id) = building_and_playlist(conn, &building_id.to_string())?;
            let input = make(conn, building_time_zone(&building, fallback))?;
            playlist_rules::add_item(conn, &user, &playlist_id, &input)
        })
    })
    .await?;
    Ok(())
}

async fn add_announcement(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    add_to_playlist(&state, user, *id, move |_, tz| {
        Ok(PlaylistItemInput {
            kind: PlaylistItemKind::Announcement,
            event_id: None,
            media_id: None,
            text: Some(form.text("text")),
            duration_ms: read_duration(&form)?,
            fit: Fit::Fit,
            schedule: read_schedule(&form, tz, &Schedule::default())?,
            position: None,
            sound: false,
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/buildings/{id}/playlist?done=playlist")))
}

async fn add_slide(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let user = visitor.staff()?.clone();
    let mut form = FormData::from_multipart(&visitor, multipart, &state.media, "image").await?;
    // A file that is not an acceptable image says why, not that none was chosen.
    if let Some(refused) = form.file_error.take() {
        return Err(refused);
    }
    let (stored, name) = form
        .file
        .take()
        .ok_or_else(|| AppError::invalid("image", "choose an image or a video"))?;
    let sound = form.text("sound") == "on";
    let uploader = user.clone();
    add_to_playlist(&state, user, *id, move |conn, tz| {
        let schedule = read_schedule(&form, tz, &Schedule::default())?;
        let duration_ms = read_duration(&form)?;
        // City slides belong to the city's own library (no organisation).
        let (asset, _) = add_to_library(conn, Some(&uploader), None, stored, name)?;
        Ok(PlaylistItemInput {
            kind: PlaylistItemKind::Slide,
            event_id: None,
            media_id: Some(crate::db::models::stored_id(&asset.id)),
            text: None,
            duration_ms,
            fit: Fit::Fit,
            schedule,
            position: None,
            sound,
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/buildings/{id}/playlist?done=playlist")))
}

async fn move_item(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(Uuid, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let to = form
        .text("to")
        .parse::<u32>()
        .map_err(|_| AppError::invalid("to", "is not a position"))?;
    let (building_id, item_id) = path.into_inner();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let (_, playlist_id) = building_and_playlist(conn, &building_id.to_string())?;
            playlist_rules::move_item(conn, &user, &playlist_id, &item_id.to_string(), to)
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/buildings/{building_id}/playlist?done=playlist")))
}

/// Takes an item out of the building's loop, after saying what that does: an event's item
/// also takes the building out of where the event is approved.
async fn remove_item(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(Uuid, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let (building_id, item_id) = path.into_inner();
    if !super::confirm::is_confirmed(&form) {
        let lang = visitor.lang;
        let fallback = state.settings.city_time_zone;
        let (building, item, content) = db::run(&state.pool, move |conn| {
            let (building, _) = building_and_playlist(conn, &building_id.to_string())?;
            let (_, item, _) = find_building_item(
                conn,
                &building_id.to_string(),
                &item_id.to_string(),
                fallback,
            )?;
            let described = playlist_rules::describe(conn, std::slice::from_ref(&item))?;
            let content = described.into_iter().next().unwrap_or_default();
            Ok((building.name, item, content))
        })
        .await?;
        let (_, content, organisation) = content_of(&item, content, lang);
        let mut consequences = vec![format!(
            "{content} {} {building}.",
            lang.t("leaves the loop of the screens of")
        )];
        if item.kind == PlaylistItemKind::Event {
            consequences.push(format!(
                "{} {building}; {organisation} {}",
                lang.t("The event is no longer approved for"),
                lang.t("sees this on its event's page.")
            ));
        }
        let back = format!("/buildings/{building_id}/playlist");
        return super::confirm::ask(
            &visitor,
            super::confirm::Confirmation {
                title: format!("{}: {content}?", lang.t("Remove from the playlist")),
                consequences,
                action: format!("{back}/items/{item_id}/remove"),
                fields: Vec::new(),
                button: lang.t("Remove from the playlist"),
                back,
            },
        );
    }
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let (_, playlist_id) = building_and_playlist(conn, &building_id.to_string())?;
            playlist_rules::remove_item(conn, &user, &playlist_id, &item_id.to_string())
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/buildings/{building_id}/playlist?done=playlist")))
}

#[derive(Template)]
#[template(path = "playlist_item.html")]
struct ItemPage {
    lang: Lang,
    frame: Frame,
    content: String,
    action: String,
    back: String,
    text: Option<String>,
    seconds: u32,
    /// For a slide: whether it plays a video's sound.
    sound: Option<bool>,
    schedule: ScheduleView,
}

/// The item of a building's playlist, with the building's time zone.
fn find_building_item(
    conn: &mut DbConnection,
    building_id: &str,
    item_id: &str,
    fallback: Tz,
) -> Result<(String, PlaylistItem, Tz), AppError> {
    let (building, playlist_id) = building_and_playlist(conn, building_id)?;
    let item = PlaylistItem::from(playlist_rules::find_item(conn, &playlist_id, item_id)?);
    Ok((playlist_id, item, building_time_zone(&building, fallback)))
}

async fn edit_item_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let lang = visitor.lang;
    let (building_id, item_id) = path.into_inner();
    let fallback = state.settings.city_time_zone;
    let (item, tz, content) = db::run(&state.pool, move |conn| {
        let (_, item, tz) = find_building_item(
            conn,
            &building_id.to_string(),
            &item_id.to_string(),
            fallback,
        )?;
        let described = playlist_rules::describe(conn, std::slice::from_ref(&item))?;
        let content = described.into_iter().next().unwrap_or_default();
        let (_, content, _) = content_of(&item, content, lang);
        Ok((item, tz, content))
    })
    .await?;
    let base = format!("/buildings/{building_id}/playlist");
    render(
        &visitor,
        &ItemPage {
            lang,
            frame: Frame::of(&visitor),
            content,
            action: format!("{base}/items/{item_id}/edit"),
            back: base,
            text: item.text.clone(),
            seconds: item.duration_ms / 1000,
            sound: (item.kind == PlaylistItemKind::Slide).then_some(item.sound),
            schedule: ScheduleView::of(&item.schedule, lang, tz),
        },
    )
}

async fn edit_item(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(Uuid, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.staff()?.clone();
    let (building_id, item_id) = path.into_inner();
    let fallback = state.settings.city_time_zone;
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let (playlist_id, item, tz) = find_building_item(
                conn,
                &building_id.to_string(),
                &item_id.to_string(),
                fallback,
            )?;
            let input = PlaylistItemInput {
                kind: item.kind,
                event_id: item.event_id,
                media_id: item.media_id,
                text: item.text.as_ref().map(|_| form.text("text")),
                duration_ms: read_duration(&form)?,
                fit: item.fit,
                schedule: read_schedule(&form, tz, &item.schedule)?,
                position: None,
                sound: item.kind == PlaylistItemKind::Slide && form.text("sound") == "on",
            };
            playlist_rules::update_item(conn, &user, &playlist_id, &item_id.to_string(), &input)
        })
    })
    .await?;
    Ok(visitor.redirect(&format!("/buildings/{building_id}/playlist?done=playlist")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_is_read_in_the_building_time_zone_and_described() {
        let form = FormData::from_urlencoded(
            b"valid_from=2026-12-01T00%3A00&valid_until=&weekdays=Mon&weekdays=Sat&window_start=09%3A00&window_end=17%3A30",
        )
        .unwrap();
        let brussels = chrono_tz::Europe::Brussels;
        let schedule = read_schedule(&form, brussels, &Schedule::default()).unwrap();
        assert_eq!(
            schedule.valid_from.unwrap().to_rfc3339(),
            "2026-11-30T23:00:00+00:00"
        );
        assert_eq!(schedule.weekdays, vec![Weekday::Mon, Weekday::Sat]);
        assert_eq!(
            describe(&schedule, Lang::En, brussels),
            "Tue 1 Dec 2026 –  · Mon, Sat · 09:00-17:30"
        );
        let half = FormData::from_urlencoded(b"window_start=09%3A00").unwrap();
        assert!(read_schedule(&half, brussels, &Schedule::default()).is_err());
    }
}
