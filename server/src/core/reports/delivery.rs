//! Booked versus delivered per approved event: the seconds its loop share gives it in the hours
//! its screens were playing (within its promotion window and the period), beside the seconds
//! its plays were on screen.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use civicast_shared::api::events::EventStatus;
use civicast_shared::api::reports::{
    Cell, DeliveryReport, DeliveryRow, ReportDimension, SUPPRESSION_RULE, suppress_column,
};
use diesel::prelude::*;

use super::query::{self, Filters};
use crate::db::DbConnection;
use crate::db::models::stored_id;
use crate::db::schema::{events, play_hours};
use crate::error::AppError;

pub const DELIVERY_METHOD: &str = "Booked = for each screen that plays the event's playlist: \
     item length / loop length x 3600 s for every hour in which the screen played anything, \
     within the promotion window and the period. Delivered = seconds its plays were on screen. \
     Bookings are read from the playlists as they are now.";

pub fn delivery(conn: &mut DbConnection, filters: &Filters) -> Result<DeliveryReport, AppError> {
    let mut approved = events::table
        .filter(events::status.eq(EventStatus::Approved.as_str()))
        .select((
            events::id,
            events::title,
            events::organisation_id,
            events::promotion_from,
            events::promotion_until,
        ))
        .into_boxed();
    if let Some(organisation) = &filters.organisation_id {
        approved = approved.filter(events::organisation_id.eq(organisation.clone()));
    }
    if let Some(event) = &filters.event_id {
        approved = approved.filter(events::id.eq(event.clone()));
    }
    type EventWindow = (
        String,
        String,
        String,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let approved: Vec<EventWindow> = approved.load(conn)?;

    let mut bookings: HashMap<String, Vec<super::booking::Booking>> = HashMap::new();
    for booking in super::booking::current(conn)? {
        if let Some(event) = booking.event_id.clone() {
            bookings.entry(event).or_default().push(booking);
        }
    }
    let mut active_hours: HashMap<String, Vec<NaiveDateTime>> = HashMap::new();
    let hours: Vec<(String, NaiveDateTime)> = play_hours::table
        .filter(play_hours::hour.ge(filters.from))
        .filter(play_hours::hour.lt(filters.to))
        .select((play_hours::screen_id, play_hours::hour))
        .distinct()
        .load(conn)?;
    for (screen, hour) in hours {
        active_hours.entry(screen).or_default().push(hour);
    }
    let delivered: HashMap<String, query::Sums> =
        query::grouped(conn, ReportDimension::Event, filters)?
            .into_iter()
            .filter_map(|(event, sums)| Some((event?, sums)))
            .collect();

    let visits = crate::core::agenda::visits_between(conn, filters.from, filters.to)?;
    let mut rows: Vec<(DeliveryRow, i64, f64)> = Vec::new();
    for (event, title, organisation, promotion_from, promotion_until) in approved {
        let start = promotion_from.map_or(filters.from, |from| from.max(filters.from));
        let end = promotion_until.map_or(filters.to, |until| until.min(filters.to));
        let mut booked_s = 0.0;
        for booking in bookings.get(&event).into_iter().flatten() {
            for screen in &booking.screens {
                #[allow(clippy::cast_precision_loss)]
                let hours = active_hours.get(screen).map_or(0, |hours| {
                    hours.iter().filter(|h| **h >= start && **h < end).count()
                }) as f64;
                booked_s += booking.share * hours * 3600.0;
            }
        }
        let sums = delivered.get(&event).cloned().unwrap_or_default();
        #[allow(clippy::cast_precision_loss)]
        let delivered_s = (sums.played_ms as f64 / 1000.0).round();
        rows.push((
            DeliveryRow {
                event_id: stored_id(&event),
                title,
                organisation_id: stored_id(&organisation),
                booked_s: booked_s.round(),
                plays: Cell::Value(0.0),
                delivered_s: Cell::Value(0.0),
                delivered_pct: Cell::Value(0.0),
                public_page_visits: visits
                    .get(&event)
                    .map_or(0, |n| u64::try_from(*n).unwrap_or_default()),
            },
            sums.plays,
            delivered_s,
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let plays: Vec<f64> = rows.iter().map(|(_, plays, _)| *plays as f64).collect();
    let hidden = suppress_column(&plays);
    let rows = rows
        .into_iter()
        .zip(hidden)
        .map(|((mut row, plays, delivered_s), hide)| {
            let shown = |value: f64| {
                if hide {
                    Cell::suppressed()
                } else {
                    Cell::Value(value)
                }
            };
            #[allow(clippy::cast_precision_loss)]
            {
                row.plays = shown(plays as f64);
            }
            row.delivered_s = shown(delivered_s);
            row.delivered_pct = shown(if row.booked_s > 0.0 {
                (delivered_s / row.booked_s * 1000.0).round() / 10.0
            } else {
                0.0
            });
            row
        })
        .collect();
    Ok(DeliveryReport {
        from: filters.from.and_utc(),
        to: filters.to.and_utc(),
        rows,
        method: DELIVERY_METHOD.to_owned(),
        suppression: SUPPRESSION_RULE.to_owned(),
    })
}
