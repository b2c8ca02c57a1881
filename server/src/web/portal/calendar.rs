//! A building's calendar: what each of its screens plays at each hour of a day or a week, worked
//! out with the schedule rules the player follows (`civicast_shared::schedule`) in the
//! building's time zone; an hour with nothing scheduled shows the city's default slide, an
//! hour outside the building's display hours a dark screen. Screens that play the same
//! playlist share one table.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use civicast_shared::api::playlists::PlaylistItem;
use civicast_shared::schedule::Schedule;
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::i18n::Lang;
use super::playlists::content_of;
use super::session::Visitor;
use super::{Frame, render};
use crate::core::playlists as playlist_rules;
use crate::db;
use crate::db::models::PlaylistItemRow;
use crate::db::schema::{playlist_items, screens};
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/buildings/{id}/calendar", web::get().to(show));
}

#[derive(Debug, Deserialize)]
struct CalendarQuery {
    date: Option<String>,
    view: Option<String>,
}

/// What one screen shows in one hour.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    /// Outside the building's display hours: the screen is dark.
    off: bool,
    /// The items that may play, in loop order; none: the default slide.
    items: Vec<String>,
}

/// Consecutive hours in which every column shows the same, as one row: "07:00–09:00".
#[derive(Debug)]
struct HourRow {
    label: String,
    /// Each hour the row covers, "07:00 08:00", for finding an hour in the page.
    hours: String,
    slots: Vec<Slot>,
}

/// The screens that play one playlist, and its hours.
#[derive(Debug)]
struct Group {
    id: String,
    screens: String,
    rows: Vec<HourRow>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    lang: Lang,
    frame: Frame,
    building_id: String,
    building: String,
    week: bool,
    date: String,
    date_error: Option<String>,
    /// The days the columns show: one, or Monday to Sunday.
    days: Vec<String>,
    heading: String,
    previous: String,
    next: String,
    today: String,
    display_hours: Option<String>,
    groups: Vec<Group>,
}

/// One item of a playlist: what it shows, and when it may play.
struct Programmed {
    label: String,
    schedule: Schedule,
}

/// The instant a local hour of `day` starts in `tz`; an hour a clock change skips has none.
fn local_hour(day: NaiveDate, hour: u32, tz: Tz) -> Option<DateTime<Utc>> {
    let time = NaiveTime::from_hms_opt(hour, 0, 0)?;
    tz.from_local_datetime(&day.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// What plays in `[from, until)`: the items whose schedule lets them, or a dark screen.
fn slot(
    items: &[Programmed],
    display: Option<&Schedule>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    tz: Tz,
) -> Slot {
    if display.is_some_and(|hours| !hours.plays_during(from, until, tz)) {
        return Slot {
            off: true,
            items: Vec::new(),
        };
    }
    Slot {
        off: false,
        items: items
            .iter()
            .filter(|item| item.schedule.plays_during(from, until, tz))
            .map(|item| item.label.clone())
            .collect(),
    }
}

/// The hour rows of `days` for one playlist's items.
fn hours_of(
    items: &[Programmed],
    display: Option<&Schedule>,
    days: &[NaiveDate],
    tz: Tz,
) -> Vec<HourRow> {
    // An item that plays nowhere in the days shown is left out of every hour at once.
    let (Some(first), Some(last)) = (
        days.first().and_then(|d| local_hour(*d, 0, tz)),
        days.last()
            .and_then(|d| d.succ_opt())
            .and_then(|d| local_hour(d, 0, tz)),
    ) else {
        return Vec::new();
    };
    let shown: Vec<Programmed> = items
        .iter()
        .filter(|item| item.schedule.plays_during(first, last, tz))
        .map(|item| Programmed {
            label: item.label.clone(),
            schedule: item.schedule.clone(),
        })
        .collect();
    let hourly = (0..24u32).map(|hour| {
        (
            hour,
            days.iter()
                .map(|day| {
                    let Some(from) = local_hour(*day, hour, tz) else {
                        // The hour a clock change skips: nothing plays in it.
                        return Slot {
                            off: true,
                            items: Vec::new(),
                        };
                    };
                    let until = from + Duration::hours(1);
                    slot(&shown, display, from, until, tz)
                })
                .collect::<Vec<_>>(),
        )
    });
    let mut rows: Vec<(u32, u32, Vec<Slot>)> = Vec::new();
    for (hour, slots) in hourly {
        match rows.last_mut() {
            Some((_, last, same)) if *same == slots => *last = hour,
            _ => rows.push((hour, hour, slots)),
        }
    }
    rows.into_iter()
        .map(|(first, last, slots)| HourRow {
            label: if first == last {
                format!("{first:02}:00")
            } else {
                format!("{first:02}:00–{:02}:00", last + 1)
            },
            hours: (first..=last)
                .map(|h| format!("{h:02}:00"))
                .collect::<Vec<_>>()
                .join(" "),
            slots,
        })
        .collect()
}

async fn show(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<CalendarQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.staff()?;
    let lang = visitor.lang;
    let building_id = id.into_inner().to_string();
    let (building, playlists) = db::run(&state.pool, move |conn| {
        let building = crate::core::places::buildings::find_building(conn, &building_id)?;
        let first = playlist_rules::first_of_building(conn, &building_id)?;
        let found: Vec<(String, Option<String>)> = screens::table
            .filter(screens::building_id.eq(&building_id))
            .order(screens::name.asc())
            .select((screens::name, screens::playlist_id))
            .load(conn)?;
        // Each playlist played, with the screens that play it: a screen's own (an LED wall),
        // else the building's first, as the manifest chooses.
        let mut groups: Vec<(Option<String>, Vec<String>)> = Vec::new();
        if found.is_empty() {
            groups.push((first.clone(), Vec::new()));
        }
        for (name, own) in found {
            let playlist = own.or_else(|| first.clone());
            match groups.iter_mut().find(|(p, _)| *p == playlist) {
                Some((_, names)) => names.push(name),
                None => groups.push((playlist, vec![name])),
            }
        }
        let ids: Vec<String> = groups.iter().filter_map(|(p, _)| p.clone()).collect();
        let rows: Vec<PlaylistItemRow> = playlist_items::table
            .filter(playlist_items::playlist_id.eq_any(&ids))
            .order((
                playlist_items::playlist_id.asc(),
                playlist_items::position.asc(),
                playlist_items::created_at.asc(),
            ))
            .select(PlaylistItemRow::as_select())
            .load(conn)?;
        let items: Vec<PlaylistItem> = rows.into_iter().map(PlaylistItem::from).collect();
        let contents = playlist_rules::describe(conn, &items)?;
        let described: Vec<(String, PlaylistItem, String)> = items
            .into_iter()
            .zip(contents)
            .map(|(item, content)| {
                let (kind, what, _) = content_of(&item, content, lang);
                (
                    item.playlist_id.to_string(),
                    item,
                    format!("{kind}: {what}"),
                )
            })
            .collect();
        let playlists = groups
            .into_iter()
            .map(|(playlist, names)| {
                let items: Vec<Programmed> = described
                    .iter()
                    .filter(|(p, _, _)| Some(p) == playlist.as_ref())
                    .map(|(_, item, label)| Programmed {
                        label: label.clone(),
                        schedule: item.schedule.clone(),
                    })
                    .collect();
                (playlist.unwrap_or_default(), names, items)
            })
            .collect::<Vec<_>>();
        Ok((building, playlists))
    })
    .await?;
    let tz: Tz = building
        .time_zone
        .parse()
        .unwrap_or(state.settings.city_time_zone);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let typed = query.date.clone().unwrap_or_default();
    let (date, date_error) = if typed.trim().is_empty() {
        (today, None)
    } else {
        match NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d") {
            Ok(date) if (1970..=9999).contains(&date.year()) => (date, None),
            _ => (today, Some(lang.t("give a date such as 2026-12-20"))),
        }
    };
    let week = query.view.as_deref() == Some("week");
    let days: Vec<NaiveDate> = if week {
        let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
        (0..7).map(|n| monday + Duration::days(n)).collect()
    } else {
        vec![date]
    };
    let display_window = building.display_hours();
    let display = display_window.map(|window| Schedule {
        time_windows: vec![window],
        ..Schedule::default()
    });
    let day_name = |day: NaiveDate| {
        local_hour(day, 12, tz)
            .map(|noon| lang.date(noon, tz))
            .unwrap_or_else(|| day.to_string())
    };
    let groups = playlists
        .into_iter()
        .map(|(playlist, names, items)| Group {
            id: playlist,
            screens: if names.is_empty() {
                lang.t("The building's playlist (no screens yet)")
            } else {
                names.join(", ")
            },
            rows: hours_of(&items, display.as_ref(), &days, tz),
        })
        .collect();
    let step = if week { 7 } else { 1 };
    let base = format!("/buildings/{}/calendar", building.id);
    let view = if week { "week" } else { "day" };
    let at = |day: NaiveDate| format!("{base}?view={view}&date={}", day.format("%Y-%m-%d"));
    let heading = match (days.first(), days.last()) {
        (Some(first), Some(last)) if week => format!("{} – {}", day_name(*first), day_name(*last)),
        (Some(first), _) => day_name(*first),
        _ => String::new(),
    };
    let page = CalendarPage {
        lang,
        frame: Frame::of(&visitor),
        building_id: building.id.clone(),
        building: building.name.clone(),
        week,
        date: if date_error.is_some() {
            typed
        } else {
            date.format("%Y-%m-%d").to_string()
        },
        date_error,
        days: days.iter().map(|d| day_name(*d)).collect(),
        heading,
        previous: at(date - Duration::days(step)),
        next: at(date + Duration::days(step)),
        today: at(today),
        display_hours: display_window.map(|w| {
            format!(
                "{} {} {} {}",
                lang.t("Screens on from"),
                w.start.format("%H:%M"),
                lang.t("to"),
                w.end.format("%H:%M")
            )
        }),
        groups,
    };
    let mut response = render(&visitor, &page)?;
    if page.date_error.is_some() {
        *response.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicast_shared::schedule::TimeWindow;

    fn t(h: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, 0, 0).unwrap()
    }

    #[test]
    fn each_hour_shows_what_its_schedule_lets_play_the_default_slide_or_a_dark_screen() {
        let brussels = chrono_tz::Europe::Brussels;
        let morning = Programmed {
            label: "Morning".into(),
            schedule: Schedule {
                time_windows: vec![TimeWindow {
                    start: t(9),
                    end: t(12),
                }],
                ..Schedule::default()
            },
        };
        let display = Schedule {
            time_windows: vec![TimeWindow {
                start: t(7),
                end: t(22),
            }],
            ..Schedule::default()
        };
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let rows = hours_of(&[morning], Some(&display), &[day], brussels);
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "00:00–07:00",
                "07:00–09:00",
                "09:00–12:00",
                "12:00–22:00",
                "22:00–24:00"
            ]
        );
        let at = |h: u32| {
            let hour = format!("{h:02}:00");
            &rows
                .iter()
                .find(|r| r.hours.split(' ').any(|x| x == hour))
                .unwrap()
                .slots[0]
        };
        assert!(at(6).off, "before the display hours the screen is dark");
        assert_eq!(at(8).items, Vec::<String>::new(), "the default slide");
        assert!(!at(8).off);
        assert_eq!(at(9).items, vec!["Morning".to_owned()]);
        assert_eq!(at(11).items, vec!["Morning".to_owned()]);
        assert!(at(12).items.is_empty());
        assert!(at(22).off);
    }
}
