//! Hourly (per screen and item), daily and monthly (per building, daypart and day type) rollups,
//! added to in the same transaction that stores the new plays, so that they never disagree. The
//! monthly rows let a year's report read a dozen rows per building instead of 365.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::enrich::{Placement, ScreenContext};
use super::ledger::LedgerRow;
use crate::db::DbConnection;
use crate::db::schema::{play_days, play_hours, play_months};
use crate::error::AppError;
use crate::on_backend;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = play_hours)]
// Every column bound (None as NULL, not left out) keeps the INSERT one statement type, which
// diesel prepares once per connection instead of writing its SQL again for every row.
#[diesel(treat_none_as_default_value = false)]
pub struct HourRow {
    pub hour: NaiveDateTime,
    pub screen_id: String,
    pub item_key: String,
    pub profile_version: i32,
    pub building_id: String,
    pub kind: String,
    pub event_id: Option<String>,
    pub organisation_id: Option<String>,
    pub category: Option<String>,
    pub daypart: String,
    pub day_type: String,
    pub local_hour: i32,
    pub plays: i64,
    pub complete: i64,
    pub played_ms: i64,
    pub impressions: f64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = play_days)]
pub struct DayRow {
    pub day: NaiveDateTime,
    pub building_id: String,
    pub daypart: String,
    pub day_type: String,
    pub profile_version: i32,
    pub plays: i64,
    pub complete: i64,
    pub played_ms: i64,
    pub impressions: f64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = play_months)]
pub struct MonthRow {
    pub month: NaiveDateTime,
    pub building_id: String,
    pub daypart: String,
    pub day_type: String,
    pub profile_version: i32,
    pub plays: i64,
    pub complete: i64,
    pub played_ms: i64,
    pub impressions: f64,
}

/// The first instant of the UTC month `at` falls in, as `play_months` keys it.
pub fn month_of(at: NaiveDateTime) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(at.year(), at.month(), 1)
        .and_then(|first| first.and_hms_opt(0, 0, 0))
        .unwrap_or(at)
}

/// The additions one batch makes to the rollups, in key order: every batch locks the rows it
/// adds to in that one order, so batches of one building written at once on PostgreSQL wait
/// for each other instead of deadlocking (the daily rows are the building's, shared by all its
/// screens).
#[derive(Debug, Default)]
pub struct Rollups {
    /// By hour, item and profile version (the batch's screen is the same for all).
    hours: BTreeMap<(NaiveDateTime, String, i32), HourRow>,
    /// By daypart, day type, profile version and day, as `play_days`' key after the building.
    days: BTreeMap<(String, &'static str, i32, NaiveDateTime), DayRow>,
    /// The same by month, as `play_months`' key after the building.
    months: BTreeMap<(String, &'static str, i32, NaiveDateTime), MonthRow>,
}

impl Rollups {
    /// Adds one new play.
    pub fn add(
        &mut self,
        screen: &ScreenContext,
        item: Option<&LedgerRow>,
        kind: &str,
        placement: &Placement,
        complete: bool,
        played_ms: u32,
    ) {
        let impressions = placement.multiplier.unwrap_or_default();
        let item_key = item.map(|row| row.item_id.clone()).unwrap_or_default();
        let hour = self
            .hours
            .entry((placement.hour, item_key.clone(), placement.profile_version))
            .or_insert_with(|| HourRow {
                hour: placement.hour,
                screen_id: screen.screen_id.clone(),
                item_key,
                profile_version: placement.profile_version,
                building_id: screen.building_id.clone(),
                kind: kind.to_owned(),
                event_id: item.and_then(|row| row.event_id.clone()),
                organisation_id: item.and_then(|row| row.organisation_id.clone()),
                category: item.and_then(|row| row.category.clone()),
                daypart: placement.daypart.clone(),
                day_type: placement.day_type.as_str().to_owned(),
                local_hour: placement.local_hour,
                plays: 0,
                complete: 0,
                played_ms: 0,
                impressions: 0.0,
            });
        hour.plays += 1;
        hour.complete += i64::from(complete);
        hour.played_ms += i64::from(played_ms);
        hour.impressions += impressions;
        let day = self
            .days
            .entry((
                placement.daypart.clone(),
                placement.day_type.as_str(),
                placement.profile_version,
                placement.day,
            ))
            .or_insert_with(|| DayRow {
                day: placement.day,
                building_id: screen.building_id.clone(),
                daypart: placement.daypart.clone(),
                day_type: placement.day_type.as_str().to_owned(),
                profile_version: placement.profile_version,
                plays: 0,
                complete: 0,
                played_ms: 0,
                impressions: 0.0,
            });
        day.plays += 1;
        day.complete += i64::from(complete);
        day.played_ms += i64::from(played_ms);
        day.impressions += impressions;
        let month_start = month_of(placement.day);
        let month = self
            .months
            .entry((
                placement.daypart.clone(),
                placement.day_type.as_str(),
                placement.profile_version,
                month_start,
            ))
            .or_insert_with(|| MonthRow {
                month: month_start,
                building_id: screen.building_id.clone(),
                daypart: placement.daypart.clone(),
                day_type: placement.day_type.as_str().to_owned(),
                profile_version: placement.profile_version,
                plays: 0,
                complete: 0,
                played_ms: 0,
                impressions: 0.0,
            });
        month.plays += 1;
        month.complete += i64::from(complete);
        month.played_ms += i64::from(played_ms);
        month.impressions += impressions;
    }

    /// Adds the batch's sums to the stored rollups, hours before days before months, each in
    /// key order.
    pub fn write(self, conn: &mut DbConnection) -> Result<(), AppError> {
        for row in self.hours.into_values() {
            on_backend!(conn, |c| diesel::insert_into(play_hours::table)
                .values(&row)
                .on_conflict((
                    play_hours::hour,
                    play_hours::screen_id,
                    play_hours::item_key,
                    play_hours::profile_version,
                ))
                .do_update()
                .set((
                    play_hours::plays.eq(play_hours::plays + excluded(play_hours::plays)),
                    play_hours::complete.eq(play_hours::complete + excluded(play_hours::complete)),
                    play_hours::played_ms
                        .eq(play_hours::played_ms + excluded(play_hours::played_ms)),
                    play_hours::impressions
                        .eq(play_hours::impressions + excluded(play_hours::impressions)),
                ))
                .execute(c))?;
        }
        for row in self.days.into_values() {
            on_backend!(conn, |c| diesel::insert_into(play_days::table)
                .values(&row)
                .on_conflict((
                    play_days::day,
                    play_days::building_id,
                    play_days::daypart,
                    play_days::day_type,
                    play_days::profile_version,
                ))
                .do_update()
                .set((
                    play_days::plays.eq(play_days::plays + excluded(play_days::plays)),
                    play_days::complete.eq(play_days::complete + excluded(play_days::complete)),
                    play_days::played_ms.eq(play_days::played_ms + excluded(play_days::played_ms)),
                    play_days::impressions
                        .eq(play_days::impressions + excluded(play_days::impressions)),
                ))
                .execute(c))?;
        }
        for row in self.months.into_values() {
            on_backend!(conn, |c| diesel::insert_into(play_months::table)
                .values(&row)
                .on_conflict((
                    play_months::building_id,
                    play_months::daypart,
                    play_months::day_type,
                    play_months::profile_version,
                    play_months::month,
                ))
                .do_update()
                .set((
                    play_months::plays.eq(play_months::plays + excluded(play_months::plays)),
                    play_months::complete
                        .eq(play_months::complete + excluded(play_months::complete)),
                    play_months::played_ms
                        .eq(play_months::played_ms + excluded(play_months::played_ms)),
                    play_months::impressions
                        .eq(play_months::impressions + excluded(play_months::impressions)),
                ))
                .execute(c))?;
        }
        Ok(())
    }
}
