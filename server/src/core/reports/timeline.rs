//! Plays and estimated impressions over time, for the reports' chart: summed per day, week or
//! month of the city's calendar (chosen so that a chart has at most about 60 bars), from the
//! daily rollups where the whole city is asked for and the hourly ones otherwise, with small
//! cells suppressed as in every other report.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use civicast_shared::api::reports::{Cell, suppress_column};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Timestamp};

use super::query::Filters;
use crate::db::DbConnection;
use crate::error::AppError;

/// How long each bar of a timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Day,
    /// Monday to Sunday.
    Week,
    Month,
}

impl Step {
    /// The step that gives a period of `days` at most about 60 bars.
    pub fn for_days(days: i64) -> Step {
        if days <= 62 {
            Step::Day
        } else if days <= 62 * 7 {
            Step::Week
        } else {
            Step::Month
        }
    }

    /// The first day of the bar that `day` falls in.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Step::Day => day,
            Step::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Step::Month => day.with_day(1).unwrap_or(day),
        }
    }

    fn next(self, day: NaiveDate) -> NaiveDate {
        match self {
            Step::Day => day + Duration::days(1),
            Step::Week => day + Duration::days(7),
            Step::Month => day
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(day + Duration::days(31)),
        }
    }
}

/// One bar: the first day it covers, its plays and estimated impressions.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub start: NaiveDate,
    pub plays: Cell,
    pub impressions: Cell,
}

#[derive(Debug, Clone)]
pub struct Timeline {
    pub step: Step,
    pub points: Vec<Point>,
}

#[derive(Debug, QueryableByName)]
struct Bucket {
    #[diesel(sql_type = Timestamp)]
    at: NaiveDateTime,
    #[diesel(sql_type = BigInt)]
    plays: i64,
    #[diesel(sql_type = Double)]
    impressions: f64,
}

/// Sums per rollup row start (`table` is `play_months`, `play_days` or `play_hours`) between two
/// instants.
fn buckets(
    conn: &mut DbConnection,
    table: &str,
    time_column: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    filters: &Filters,
) -> Result<Vec<Bucket>, AppError> {
    let select = format!(
        "{time_column} AS at, CAST(SUM(plays) AS BIGINT) AS plays, \
         CAST(SUM(impressions) AS DOUBLE PRECISION) AS impressions"
    );
    super::query::sums_between(
        conn,
        &select,
        table,
        time_column,
        (from, to),
        filters,
        time_column,
    )
}

/// Plays and estimated impressions of `filters` per bar, in `tz`'s calendar, every bar from the
/// first day of the period to the last present (empty ones as 0).
pub fn timeline(
    conn: &mut DbConnection,
    filters: &Filters,
    tz: Tz,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> Result<Timeline, AppError> {
    let step = Step::for_days((last_day - first_day).num_days() + 1);
    let city_wide = filters.event_id.is_none()
        && filters.organisation_id.is_none()
        && filters.building_id.is_none();
    // Whole UTC days from the daily rollups where they may serve (and whole months from the
    // monthly ones when the bars are months: a UTC month's days are the same dates in the
    // city's calendar), the edges from the hourly ones.
    let ranges =
        super::query::rollup_ranges(filters.from, filters.to, city_wide, step == Step::Month);
    let mut sums: BTreeMap<NaiveDate, (i64, f64)> = BTreeMap::new();
    let mut bar = step.start_of(first_day);
    while bar <= last_day {
        sums.insert(bar, (0, 0.0));
        bar = step.next(bar);
    }
    for (table, column, from, to) in ranges {
        for bucket in buckets(conn, table, column, from, to, filters)? {
            // A daily row starts at midnight UTC, inside the same day in the city's calendar.
            let local = bucket.at.and_utc().with_timezone(&tz).date_naive();
            let entry = sums.entry(step.start_of(local)).or_default();
            entry.0 += bucket.plays;
            entry.1 += bucket.impressions;
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let plays: Vec<f64> = sums.values().map(|(plays, _)| *plays as f64).collect();
    let impressions: Vec<f64> = sums.values().map(|(_, impressions)| *impressions).collect();
    let hide_plays = suppress_nonzero(&plays);
    let hide_impressions = suppress_nonzero(&impressions);
    let points = sums
        .keys()
        .enumerate()
        .map(|(index, start)| {
            let shown = |hide: bool, value: f64| {
                if hide || hide_plays[index] {
                    Cell::suppressed()
                } else {
                    Cell::Value((value * 10.0).round() / 10.0)
                }
            };
            Point {
                start: *start,
                plays: shown(false, plays[index]),
                impressions: shown(hide_impressions[index], impressions[index]),
            }
        })
        .collect();
    Ok(Timeline { step, points })
}

/// [`suppress_column`] over the bars that have anything: an empty bar hides nothing, so it
/// must not be the "next smallest" that protects a small one.
fn suppress_nonzero(values: &[f64]) -> Vec<bool> {
    let present: Vec<(usize, f64)> = values
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, value)| *value > 0.0)
        .collect();
    let hidden = suppress_column(&present.iter().map(|(_, v)| *v).collect::<Vec<_>>());
    let mut all = vec![false; values.len()];
    for ((index, _), hide) in present.iter().zip(hidden) {
        all[*index] = hide;
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_at_most_about_sixty_bars() {
        assert_eq!(Step::for_days(30), Step::Day);
        assert_eq!(Step::for_days(365), Step::Week);
        assert_eq!(Step::for_days(3 * 365), Step::Month);
        let sunday = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(
            Step::Week.start_of(sunday),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        assert_eq!(
            Step::Month.start_of(sunday),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
        );
    }

    #[test]
    fn empty_bars_do_not_stand_in_for_a_small_one() {
        assert_eq!(
            suppress_nonzero(&[0.0, 4.0, 0.0, 30.0, 55.0]),
            vec![false, true, false, true, false]
        );
    }
}
