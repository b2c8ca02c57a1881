//! Screen alerts: a paired screen that has not called the server for a while, at a moment its
//! building is open to visitors, raises an alert that staff see on the screens page (and in
//! `/metrics`), and are told of as they chose (in the portal only, unless they ask for e-mail). The alert is resolved once the screen calls again. The `watch_screens` job runs
//! [`watch_screens`]; time is an argument, so tests drive it.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use civicast_shared::api::places::ScreenAlert;
use civicast_shared::schedule::OpeningHours;
use diesel::prelude::*;

use crate::core::notify::{self, Notice};
use crate::db::models::{BuildingRow, stored_id};
use crate::db::schema::{buildings, screen_alerts, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// What one watch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Watched {
    pub raised: usize,
    pub resolved: usize,
}

/// Resolves the alerts of screens that called again, and raises one for each paired screen that
/// has been quiet for `quiet_for` at `now` while its building is open.
pub fn watch_screens(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    quiet_for: Duration,
) -> Result<Watched, AppError> {
    crate::db::transaction(conn, |conn| {
        let mut watched = Watched::default();
        type OpenAlert = (
            String,
            String,
            NaiveDateTime,
            Option<NaiveDateTime>,
            String,
            String,
        );
        let open: Vec<OpenAlert> = screen_alerts::table
            .inner_join(screens::table.inner_join(buildings::table))
            .filter(screen_alerts::resolved_at.is_null())
            .select((
                screen_alerts::id,
                screen_alerts::screen_id,
                screen_alerts::offline_since,
                screens::last_seen_at,
                screens::name,
                buildings::name,
            ))
            .load(conn)?;
        let mut still_open = Vec::new();
        for (id, screen_id, offline_since, last_seen, screen, building) in open {
            if last_seen.is_some_and(|seen| seen > offline_since) {
                diesel::update(screen_alerts::table.find(&id))
                    .set(screen_alerts::resolved_at.eq(Some(now.naive_utc())))
                    .execute(conn)?;
                notify::tell_staff(
                    conn,
                    &Notice::ScreenBack {
                        screen_id,
                        screen,
                        building,
                        since: offline_since.and_utc(),
                    },
                )?;
                watched.resolved += 1;
            } else {
                still_open.push(screen_id);
            }
        }
        let quiet_since = (now - quiet_for).naive_utc();
        // Paired screens only: one never paired has no player to miss. A paired screen that
        // never called counts from its pairing.
        let quiet: Vec<(
            String,
            String,
            Option<NaiveDateTime>,
            NaiveDateTime,
            BuildingRow,
        )> = screens::table
            .inner_join(buildings::table)
            .filter(screens::token_hash.is_not_null())
            .filter(
                screens::last_seen_at
                    .lt(quiet_since)
                    .or(screens::last_seen_at
                        .is_null()
                        .and(screens::updated_at.lt(quiet_since))),
            )
            .select((
                screens::id,
                screens::name,
                screens::last_seen_at,
                screens::updated_at,
                BuildingRow::as_select(),
            ))
            .load(conn)?;
        for (screen_id, screen, last_seen, paired, building) in quiet {
            if still_open.contains(&screen_id) {
                continue;
            }
            let tz = building
                .time_zone
                .parse::<chrono_tz::Tz>()
                .unwrap_or(chrono_tz::UTC);
            if !OpeningHours::is_open_at(&building.opening_hours(), now, tz) {
                continue;
            }
            diesel::insert_into(screen_alerts::table)
                .values((
                    screen_alerts::id.eq(db::new_id()),
                    screen_alerts::screen_id.eq(&screen_id),
                    screen_alerts::offline_since.eq(last_seen.unwrap_or(paired)),
                    screen_alerts::raised_at.eq(now.naive_utc()),
                ))
                .execute(conn)?;
            notify::tell_staff(
                conn,
                &Notice::ScreenOffline {
                    screen_id,
                    screen,
                    building: building.name.clone(),
                    since: last_seen.unwrap_or(paired).and_utc(),
                },
            )?;
            watched.raised += 1;
        }
        Ok(watched)
    })
}

/// The alerts not resolved yet, longest offline first.
pub fn open_alerts(conn: &mut DbConnection) -> Result<Vec<ScreenAlert>, AppError> {
    let rows: Vec<(
        String,
        String,
        String,
        String,
        String,
        NaiveDateTime,
        NaiveDateTime,
    )> = screen_alerts::table
        .inner_join(screens::table.inner_join(buildings::table))
        .filter(screen_alerts::resolved_at.is_null())
        .order(screen_alerts::offline_since.asc())
        .select((
            screen_alerts::id,
            screens::id,
            screens::name,
            buildings::id,
            buildings::name,
            screen_alerts::offline_since,
            screen_alerts::raised_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, screen_id, screen_name, building_id, building_name, since, raised)| ScreenAlert {
                id: stored_id(&id),
                screen_id: stored_id(&screen_id),
                screen_name,
                building_id: stored_id(&building_id),
                building_name,
                offline_since: since.and_utc(),
                raised_at: raised.and_utc(),
            },
        )
        .collect())
}
