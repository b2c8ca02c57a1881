//! The landing page after sign-in. Staff see the work waiting: submissions pending (the most
//! urgent first, those sent again flagged), screens offline, an emergency message on the
//! screens, and this week's plays. An association sees its events: how many wait, are on the
//! screens or need changes, and each one's status and reach.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Duration, TimeZone, Utc};
use civicast_shared::api::events::{Event, EventStatus};
use civicast_shared::api::places::ONLINE_WINDOW_S;
use civicast_shared::api::reports::{Cell, Report, ReportDimension};
use diesel::prelude::*;

use super::events::placement;
use super::i18n::Lang;
use super::session::Visitor;
use super::{Frame, render};
use crate::core::actor::Actor;
use crate::core::events::{self as event_list, EventFilter};
use crate::core::moderation;
use crate::core::paging::Paging;
use crate::core::places::buildings::names as building_names;
use crate::core::reports::plays::{confine, period, plays_report_for};
use crate::db::schema::{buildings, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::state::AppState;

/// How many of the most urgent submissions, offline screens and events the page lists.
const LISTED: u32 = 8;

#[derive(Debug)]
struct Urgent {
    id: String,
    title: String,
    when: String,
    organisation: String,
    resubmitted: bool,
}

#[derive(Debug)]
struct Offline {
    screen: String,
    building: String,
    last_seen: String,
}

#[derive(Debug)]
struct Alert {
    text: String,
    where_: String,
    since: String,
}

#[derive(Debug)]
struct Busiest {
    building: String,
    plays: String,
}

#[derive(Debug)]
struct OwnEvent {
    id: String,
    title: String,
    when: String,
    status: String,
    status_code: &'static str,
    placement: String,
    note: Option<String>,
    plays: String,
    impressions: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct StaffPage {
    lang: Lang,
    frame: Frame,
    pending: i64,
    urgent: Vec<Urgent>,
    offline_count: i64,
    offline: Vec<Offline>,
    screens_total: i64,
    emergencies: Vec<Alert>,
    week: String,
    week_plays: String,
    week_impressions: String,
    busiest: Vec<Busiest>,
}

#[derive(Template)]
#[template(path = "dashboard_association.html")]
struct AssociationPage {
    lang: Lang,
    frame: Frame,
    counts: Vec<(String, &'static str, usize)>,
    events: Vec<OwnEvent>,
    total: i64,
    reach_from: String,
    total_plays: String,
    total_impressions: String,
}

fn figure(cell: &Cell) -> String {
    match cell {
        Cell::Value(value) => format!("{}", value.round()),
        Cell::Suppressed(shown) => shown.clone(),
    }
}

/// This week's start (Monday 00:00 in the city) to now, as a report period.
fn this_week(tz: chrono_tz::Tz) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let start = tz
        .from_local_datetime(&monday.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now - Duration::days(7), |t| t.with_timezone(&Utc));
    (start, now.max(start + Duration::hours(1)))
}

/// The staff's figures, in a fixed number of queries whatever the events and screens.
struct StaffFigures {
    pending: i64,
    urgent: Vec<(Event, String, bool)>,
    offline: Vec<(String, String, Option<chrono::NaiveDateTime>)>,
    offline_count: i64,
    screens_total: i64,
    emergencies: Vec<civicast_shared::api::emergency::EmergencyMessage>,
    names: Vec<(String, String)>,
    week: Report,
}

fn staff_figures(
    conn: &mut DbConnection,
    user: &Actor,
    week: (chrono::DateTime<Utc>, chrono::DateTime<Utc>),
) -> Result<StaffFigures, AppError> {
    let filter = EventFilter {
        status: Some(EventStatus::Pending),
        ..EventFilter::default()
    };
    let (rows, pending) = event_list::list(
        conn,
        user,
        filter,
        Paging::from_parts(Some(1), Some(LISTED))?,
    )?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let resubmitted = moderation::resubmitted_among(conn, &ids)?;
    let organisations: HashMap<String, String> = crate::core::accounts::organisation_names(conn)?
        .into_iter()
        .collect();
    let urgent = rows
        .into_iter()
        .map(|row| {
            let flagged = resubmitted.contains(&row.id);
            let organisation = organisations
                .get(&row.organisation_id)
                .cloned()
                .unwrap_or_default();
            (Event::from(row), organisation, flagged)
        })
        .collect();
    // Paired screens (they hold a token) that have not called within the online window: how
    // many, and the longest silent first.
    let seen_since = db::now() - Duration::seconds(ONLINE_WINDOW_S);
    let screens_total: i64 = screens::table
        .filter(screens::token_hash.is_not_null())
        .count()
        .get_result(conn)?;
    let silent = || {
        screens::table
            .filter(screens::token_hash.is_not_null())
            .filter(
                screens::last_seen_at
                    .is_null()
                    .or(screens::last_seen_at.lt(seen_since)),
            )
    };
    let offline_count: i64 = silent().count().get_result(conn)?;
    let offline = silent()
        .inner_join(buildings::table)
        .order((screens::last_seen_at.asc(), screens::name.asc()))
        .limit(i64::from(LISTED))
        .select((screens::name, buildings::name, screens::last_seen_at))
        .load(conn)?;
    let emergencies = crate::core::emergency::active(conn)?;
    let names = building_names(conn)?;
    let filters = period(Some(week.0), Some(week.1))?;
    let week = plays_report_for(conn, user, ReportDimension::Building, filters, None)?;
    Ok(StaffFigures {
        pending,
        urgent,
        offline,
        offline_count,
        screens_total,
        emergencies,
        names,
        week,
    })
}

/// The dashboard, answered at `/` to a signed-in user.
pub async fn show(state: web::Data<AppState>, visitor: Visitor) -> Result<HttpResponse, AppError> {
    let user = visitor.user()?.clone();
    if user.is_staff() {
        staff_page(&state, &visitor, user.0.clone()).await
    } else {
        association_page(&state, &visitor, user.0.clone()).await
    }
}

async fn staff_page(
    state: &AppState,
    visitor: &Visitor,
    user: Actor,
) -> Result<HttpResponse, AppError> {
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let week = this_week(tz);
    let figures = db::run(&state.pool, move |conn| staff_figures(conn, &user, week)).await?;
    let names: HashMap<String, String> = figures.names.into_iter().collect();
    let offline: Vec<Offline> = figures
        .offline
        .iter()
        .map(|(screen, building, seen)| Offline {
            screen: screen.clone(),
            building: building.clone(),
            last_seen: seen
                .map_or_else(|| lang.t("never"), |seen| lang.datetime(seen.and_utc(), tz)),
        })
        .collect();
    let mut busiest: Vec<(String, f64, String)> = figures
        .week
        .rows
        .iter()
        .filter_map(|row| Some((row.label.clone(), row.plays.value()?, figure(&row.plays))))
        .collect();
    busiest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let page = StaffPage {
        lang,
        frame: Frame::of(visitor),
        pending: figures.pending,
        urgent: figures
            .urgent
            .into_iter()
            .map(|(event, organisation, resubmitted)| Urgent {
                id: event.id.to_string(),
                title: event.title.clone(),
                when: lang.datetime(event.starts_at, tz),
                organisation,
                resubmitted,
            })
            .collect(),
        offline_count: figures.offline_count,
        offline,
        screens_total: figures.screens_total,
        emergencies: figures
            .emergencies
            .into_iter()
            .map(|message| Alert {
                where_: message.building_id.map_or_else(
                    || lang.t("every screen"),
                    |b| names.get(&b.to_string()).cloned().unwrap_or_default(),
                ),
                since: lang.datetime(message.created_at, tz),
                text: message.text,
            })
            .collect(),
        week: format!("{} – {}", lang.date(week.0, tz), lang.date(week.1, tz)),
        week_plays: figure(&figures.week.total.plays),
        week_impressions: figure(&figures.week.total.impressions_est),
        busiest: busiest
            .into_iter()
            .take(5)
            .map(|(building, _, plays)| Busiest { building, plays })
            .collect(),
    };
    render(visitor, &page)
}

/// How far back an association's reach is counted at most: its events' promotion windows
/// start within it.
const REACH_DAYS: i64 = 365;

async fn association_page(
    state: &AppState,
    visitor: &Visitor,
    user: Actor,
) -> Result<HttpResponse, AppError> {
    let (lang, tz) = (visitor.lang, state.settings.city_time_zone);
    let now = Utc::now();
    let (events, total, counts, names, reach, from) = db::run(&state.pool, move |conn| {
        let filter = EventFilter {
            latest_first: true,
            ..EventFilter::default()
        };
        let (rows, total) = event_list::list(
            conn,
            &user,
            filter,
            Paging::from_parts(Some(1), Some(LISTED * 2))?,
        )?;
        let own = confine(&user, None)?;
        let counts: Vec<(String, i64)> = {
            use crate::db::schema::events;
            events::table
                .filter(events::organisation_id.eq(own.clone().unwrap_or_default()))
                .group_by(events::status)
                .select((events::status, diesel::dsl::count_star()))
                .load(conn)?
        };
        let names = building_names(conn)?;
        let events: Vec<Event> = rows.into_iter().map(Event::from).collect();
        // The plays of the events listed can only be in their promotion windows: the hourly
        // figures are read from the earliest of those on, not for a whole year.
        let earliest = events
            .iter()
            .filter_map(|e| e.promotion_from)
            .min()
            .unwrap_or(now - Duration::hours(1));
        let from = earliest.clamp(now - Duration::days(REACH_DAYS), now - Duration::hours(1));
        let mut filters = period(Some(from), Some(now))?;
        filters.organisation_id = own;
        let reach = plays_report_for(conn, &user, ReportDimension::Event, filters, None)?;
        Ok((events, total, counts, names, reach, from))
    })
    .await?;
    let by_event: HashMap<&str, &civicast_shared::api::reports::ReportRow> =
        reach.rows.iter().map(|r| (r.key.as_str(), r)).collect();
    let count_of = |status: EventStatus| {
        counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| usize::try_from(*n).unwrap_or(0))
    };
    let shown = [
        EventStatus::Pending,
        EventStatus::Approved,
        EventStatus::ChangesRequested,
        EventStatus::Rejected,
    ];
    let page = AssociationPage {
        lang,
        frame: Frame::of(visitor),
        counts: shown
            .iter()
            .map(|s| (lang.status(*s), s.as_str(), count_of(*s)))
            .collect(),
        events: events
            .iter()
            .map(|event| {
                let id = event.id.to_string();
                let row = by_event.get(id.as_str());
                OwnEvent {
                    title: event.title.clone(),
                    when: lang.datetime(event.starts_at, tz),
                    status: lang.status(event.status),
                    status_code: event.status.as_str(),
                    placement: placement(event, &names, lang, tz),
                    note: match event.status {
                        EventStatus::Rejected | EventStatus::ChangesRequested => event
                            .moderation_note
                            .as_deref()
                            .map(|note| lang.message(note)),
                        _ => None,
                    },
                    plays: row.map_or_else(|| "0".to_owned(), |r| figure(&r.plays)),
                    impressions: row.map_or_else(|| "0".to_owned(), |r| figure(&r.impressions_est)),
                    id,
                }
            })
            .collect(),
        total,
        reach_from: lang.date(from, tz),
        total_plays: figure(&reach.total.plays),
        total_impressions: figure(&reach.total.impressions_est),
    };
    render(visitor, &page)
}
