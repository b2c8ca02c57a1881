//! Notices that come from the passing of time rather than from someone's action, run by
//! scheduled jobs (claimed once across instances): the daily reminder of events that start soon
//! and still wait for a decision, an event's first play, and its reach once it is over.

use chrono::{DateTime, Duration, Utc};
use civicast_shared::api::events::EventStatus;
use civicast_shared::api::reports::SUPPRESS_BELOW;
use diesel::prelude::*;

use super::{NamedEvent, Notice, tell_members, tell_staff};
use crate::db::schema::{buildings, event_notices, events, play_hours};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Tells staff of the events that start within 7 days of `now` and still wait for a decision.
/// Answers how many there were (none: nobody is told).
pub fn remind_pending(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let rows: Vec<(String, String, chrono::NaiveDateTime)> = events::table
        .filter(events::status.eq(EventStatus::Pending.as_str()))
        .filter(events::starts_at.ge(now.naive_utc()))
        .filter(events::starts_at.lt((now + Duration::days(7)).naive_utc()))
        .order(events::starts_at.asc())
        .select((events::id, events::title, events::starts_at))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(0);
    }
    let events: Vec<NamedEvent> = rows
        .into_iter()
        .map(|(event_id, title, starts_at)| NamedEvent {
            event_id,
            title,
            starts_at: starts_at.and_utc(),
        })
        .collect();
    let count = events.len();
    db::transaction(conn, |conn| {
        tell_staff(conn, &Notice::PendingSoon { events })
    })?;
    Ok(count)
}

/// What [`notice_events`] told.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Noticed {
    pub on_screens: usize,
    pub reach: usize,
}

/// Tells each association of its events' first play, and of their reach once they ended: each
/// once, marked in `event_notices` in the same transaction.
pub fn notice_events(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Noticed, AppError> {
    let mut noticed = Noticed::default();
    let first_plays: Vec<(String, String, String, Option<String>)> = events::table
        .filter(events::status.eq_any([
            EventStatus::Approved.as_str(),
            EventStatus::Expired.as_str(),
        ]))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            event_notices::table
                .filter(event_notices::event_id.eq(events::id))
                .filter(event_notices::notice.eq("on_screens")),
        )))
        .filter(diesel::dsl::exists(
            play_hours::table.filter(play_hours::event_id.eq(events::id.nullable())),
        ))
        .select((
            events::id,
            events::title,
            events::organisation_id,
            play_hours::table
                .inner_join(buildings::table.on(buildings::id.eq(play_hours::building_id)))
                .filter(play_hours::event_id.eq(events::id.nullable()))
                .order(play_hours::hour.asc())
                .select(buildings::name)
                .limit(1)
                .single_value(),
        ))
        .load(conn)?;
    for (event_id, title, organisation_id, building) in first_plays {
        db::transaction(conn, |conn| {
            if !mark(conn, &event_id, "on_screens")? {
                return Ok::<(), AppError>(());
            }
            tell_members(
                conn,
                &organisation_id,
                &Notice::EventOnScreens {
                    event_id: event_id.clone(),
                    title: title.clone(),
                    building: building.clone().unwrap_or_default(),
                },
            )
        })?;
        noticed.on_screens += 1;
    }
    let ended: Vec<(String, String, String)> = events::table
        .filter(events::ends_at.lt(now.naive_utc()))
        .filter(diesel::dsl::exists(
            event_notices::table
                .filter(event_notices::event_id.eq(events::id))
                .filter(event_notices::notice.eq("on_screens")),
        ))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            event_notices::table
                .filter(event_notices::event_id.eq(events::id))
                .filter(event_notices::notice.eq("reach")),
        )))
        .select((events::id, events::title, events::organisation_id))
        .load(conn)?;
    for (event_id, title, organisation_id) in ended {
        // An event's hours on its screens: few enough rows to add up here, the same way on both
        // backends.
        let hours: Vec<(String, i64, f64)> = play_hours::table
            .filter(play_hours::event_id.eq(&event_id))
            .select((
                play_hours::screen_id,
                play_hours::plays,
                play_hours::impressions,
            ))
            .load(conn)?;
        let plays: i64 = hours.iter().map(|(_, plays, _)| plays).sum();
        let impressions: f64 = hours.iter().map(|(_, _, impressions)| impressions).sum();
        let screens = hours
            .iter()
            .map(|(screen, _, _)| screen)
            .collect::<std::collections::HashSet<_>>()
            .len() as i64;
        let shown = |value: f64| (value >= SUPPRESS_BELOW).then_some(value.round() as i64);
        let notice = Notice::EventReach {
            event_id: event_id.clone(),
            title,
            plays: shown(plays as f64),
            screens,
            audience: shown(impressions),
        };
        db::transaction(conn, |conn| {
            if !mark(conn, &event_id, "reach")? {
                return Ok::<(), AppError>(());
            }
            tell_members(conn, &organisation_id, &notice)
        })?;
        noticed.reach += 1;
    }
    Ok(noticed)
}

/// Marks `notice` as sent for `event_id`; false when it already was.
fn mark(conn: &mut DbConnection, event_id: &str, notice: &str) -> Result<bool, AppError> {
    let inserted = crate::on_backend!(conn, |c| diesel::insert_into(event_notices::table)
        .values((
            event_notices::event_id.eq(event_id),
            event_notices::notice.eq(notice),
            event_notices::sent_at.eq(db::now()),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}
