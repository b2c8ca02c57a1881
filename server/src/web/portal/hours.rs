//! A building's hours, for administrators: when its screens are on (display hours) and when it
//! is open to visitors (opening hours, per weekday), which decides when a silent screen raises
//! an alert. The same rules as `PUT /api/v1/buildings/{id}`.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{NaiveTime, Weekday};
use civicast_shared::api::places::{Building, BuildingInput};
use civicast_shared::schedule::{OpeningHours, TimeWindow};
use uuid::Uuid;

use super::events::{DoneQuery, notice};
use super::form::FormData;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Frame, render};
use crate::core::places::buildings::{change_building, find_building};
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/buildings/{id}/hours", web::get().to(page))
        .route("/buildings/{id}/hours", web::post().to(save));
}

const WEEK: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "Monday"),
    (Weekday::Tue, "tue", "Tuesday"),
    (Weekday::Wed, "wed", "Wednesday"),
    (Weekday::Thu, "thu", "Thursday"),
    (Weekday::Fri, "fri", "Friday"),
    (Weekday::Sat, "sat", "Saturday"),
    (Weekday::Sun, "sun", "Sunday"),
];

#[derive(Debug)]
struct DayLine {
    key: &'static str,
    label: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "hours.html")]
struct HoursPage {
    lang: Lang,
    frame: Frame,
    id: String,
    name: String,
    on_from: String,
    on_to: String,
    days: Vec<DayLine>,
    errors: Vec<String>,
}

fn hhmm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

/// The form's values for a building as stored.
fn page_of(lang: Lang, frame: Frame, building: &Building) -> HoursPage {
    let (on_from, on_to) = building
        .display_hours
        .map_or((String::new(), String::new()), |w| {
            (hhmm(w.start), hhmm(w.end))
        });
    let days = WEEK
        .iter()
        .map(|(day, key, label)| {
            let rule = building
                .opening_hours
                .iter()
                .find(|rule| rule.weekdays.contains(day));
            DayLine {
                key,
                label: lang.t(label),
                from: rule.map_or_else(String::new, |r| hhmm(r.start)),
                to: rule.map_or_else(String::new, |r| hhmm(r.end)),
            }
        })
        .collect();
    HoursPage {
        lang,
        frame,
        id: building.id.to_string(),
        name: building.name.clone(),
        on_from,
        on_to,
        days,
        errors: Vec::new(),
    }
}

async fn page(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    visitor.user()?.require_admin()?;
    let id = id.into_inner().to_string();
    let building = db::run(&state.pool, move |conn| {
        find_building(conn, &id).map(Building::from)
    })
    .await?;
    let frame = Frame::of(&visitor).with_notice(notice(visitor.lang, query.done.as_deref()));
    render(&visitor, &page_of(visitor.lang, frame, &building))
}

/// A typed time ("09:30"), blank for none.
fn time(lang: Lang, value: &str, what: &str, errors: &mut Vec<String>) -> Option<NaiveTime> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    NaiveTime::parse_from_str(value, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(value, "%H:%M:%S"))
        .map_err(|_| {
            errors.push(format!(
                "{what}: {} ({value})",
                lang.t("write a time as hours and minutes, e.g. 09:30")
            ));
        })
        .ok()
}

/// Both times or neither; one alone is a mistake.
fn window(
    lang: Lang,
    (from, to): (&str, &str),
    what: &str,
    errors: &mut Vec<String>,
) -> Option<TimeWindow> {
    match (time(lang, from, what, errors), time(lang, to, what, errors)) {
        (Some(start), Some(end)) => Some(TimeWindow { start, end }),
        (None, None) => None,
        _ => {
            if !from.trim().is_empty() || !to.trim().is_empty() {
                errors.push(format!(
                    "{what}: {}",
                    lang.t("give both a start and an end, or leave both empty")
                ));
            }
            None
        }
    }
}

async fn save(
    state: web::Data<AppState>,
    visitor: Visitor,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let form = FormData::posted(&visitor, payload).await?;
    let user = visitor.user()?.clone();
    user.require_admin()?;
    let lang = visitor.lang;
    let id = id.into_inner().to_string();
    let lookup = id.clone();
    let building = db::run(&state.pool, move |conn| {
        find_building(conn, &lookup).map(Building::from)
    })
    .await?;

    let mut errors = Vec::new();
    let on_from = form.text("on_from");
    let on_to = form.text("on_to");
    let display_hours = window(lang, (&on_from, &on_to), &lang.t("Screens on"), &mut errors);
    let mut opening_hours: Vec<OpeningHours> = Vec::new();
    let mut typed = Vec::new();
    for (day, key, label) in WEEK {
        let (from, to) = (
            form.text(&format!("{key}_from")),
            form.text(&format!("{key}_to")),
        );
        if let Some(hours) = window(lang, (&from, &to), &lang.t(label), &mut errors) {
            // Days with the same hours share one rule.
            match opening_hours
                .iter_mut()
                .find(|rule| rule.start == hours.start && rule.end == hours.end)
            {
                Some(rule) => rule.weekdays.push(day),
                None => opening_hours.push(OpeningHours {
                    weekdays: vec![day],
                    start: hours.start,
                    end: hours.end,
                }),
            }
        }
        typed.push((from, to));
    }
    let input = BuildingInput {
        name: building.name.clone(),
        address: building.address.clone(),
        time_zone: building.time_zone.clone(),
        venue_type: building.venue_type,
        display_hours,
        opening_hours,
    };
    if errors.is_empty() {
        let saved = db::run(&state.pool, move |conn| {
            crate::db::transaction(conn, |conn| change_building(conn, &user, &id, input))
        })
        .await;
        match saved {
            Ok(_) => {
                return Ok(
                    visitor.redirect(&format!("/buildings/{}/hours?done=hours", building.id))
                );
            }
            Err(AppError::Validation(refused)) => {
                errors.extend(refused.0.into_iter().map(|e| lang.message(&e.message)));
            }
            Err(other) => return Err(other),
        }
    }
    // Shown again as typed, with what to fix above.
    let mut again = page_of(lang, Frame::of(&visitor), &building);
    again.on_from = on_from;
    again.on_to = on_to;
    for (line, (from, to)) in again.days.iter_mut().zip(typed) {
        line.from = from;
        line.to = to;
    }
    again.errors = errors;
    render(&visitor, &again)
}
