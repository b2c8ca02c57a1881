//! Report figures from the rollups: sums per group, with the segment impressions that each
//! group's building, daypart, day type and profile version give. Long city-wide periods by
//! building, daypart or day type read whole days from `play_days` and only the ragged edges
//! from `play_hours`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};
use civicast_shared::api::audience::{AudienceProfile, DayType};
use civicast_shared::api::events::AudienceSegment;
use civicast_shared::api::reports::ReportDimension;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text, Timestamp};

use crate::core::proof::profiles;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::on_backend;

/// Which plays a report covers. Times are whole hours (the rollups' grain).
#[derive(Debug, Clone)]
pub struct Filters {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub event_id: Option<String>,
    pub organisation_id: Option<String>,
    pub building_id: Option<String>,
}

impl Filters {
    /// The whole hours that cover `from` to `to`.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Filters {
        let hour = |t: DateTime<Utc>| t.duration_trunc(TimeDelta::hours(1)).unwrap_or(t);
        let end = hour(to);
        let end = if end < to {
            end + TimeDelta::hours(1)
        } else {
            end
        };
        Filters {
            from: hour(from).naive_utc(),
            to: end.naive_utc(),
            event_id: None,
            organisation_id: None,
            building_id: None,
        }
    }
}

/// Sums of one report row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub plays: i64,
    pub complete: i64,
    pub played_ms: i64,
    pub impressions: f64,
    pub segments: BTreeMap<AudienceSegment, f64>,
    pub plays_without_profile: i64,
    /// (building id, profile version) of every profile that estimated these plays.
    pub profiles: BTreeSet<(String, i32)>,
}

impl Sums {
    pub fn add(&mut self, other: &Sums) {
        self.plays += other.plays;
        self.complete += other.complete;
        self.played_ms += other.played_ms;
        self.impressions += other.impressions;
        self.plays_without_profile += other.plays_without_profile;
        self.profiles.extend(other.profiles.iter().cloned());
        for (segment, value) in &other.segments {
            *self.segments.entry(*segment).or_default() += value;
        }
    }
}

#[derive(Debug, QueryableByName)]
struct Fragment {
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = Text)]
    building_id: String,
    #[diesel(sql_type = Text)]
    daypart: String,
    #[diesel(sql_type = Text)]
    day_type: String,
    #[diesel(sql_type = Integer)]
    profile_version: i32,
    #[diesel(sql_type = BigInt)]
    plays: i64,
    #[diesel(sql_type = BigInt)]
    complete: i64,
    #[diesel(sql_type = BigInt)]
    played_ms: i64,
    #[diesel(sql_type = Double)]
    impressions: f64,
}

/// The column a dimension adds to the grouping, or `None` for those that every fragment
/// carries anyway (building, daypart, day type), whose keys are made from the fragment: grouping
/// by an expression would make SQLite sort the whole year instead of reading it in order.
fn key_column(by: ReportDimension) -> Option<&'static str> {
    match by {
        ReportDimension::Event => Some("event_id"),
        ReportDimension::Organisation => Some("organisation_id"),
        ReportDimension::Screen => Some("screen_id"),
        ReportDimension::Hour => Some("CAST(local_hour AS TEXT)"),
        ReportDimension::Category => Some("category"),
        ReportDimension::Building
        | ReportDimension::BuildingDaypart
        | ReportDimension::Daypart
        | ReportDimension::DayType => None,
    }
}

fn key_of(by: ReportDimension, part: &Fragment) -> Option<String> {
    match by {
        ReportDimension::Building => Some(part.building_id.clone()),
        ReportDimension::BuildingDaypart => Some(format!("{}|{}", part.building_id, part.daypart)),
        ReportDimension::Daypart => Some(part.daypart.clone()),
        ReportDimension::DayType => Some(part.day_type.clone()),
        _ => part.key.clone(),
    }
}

/// One grouped query over a rollup table between two instants.
fn fragments(
    conn: &mut DbConnection,
    table: &str,
    time_column: &str,
    key: Option<&str>,
    from: NaiveDateTime,
    to: NaiveDateTime,
    filters: &Filters,
) -> Result<Vec<Fragment>, AppError> {
    let select = format!(
        "{} AS key, building_id, daypart, day_type, profile_version, \
         CAST(SUM(plays) AS BIGINT) AS plays, CAST(SUM(complete) AS BIGINT) AS complete, \
         CAST(SUM(played_ms) AS BIGINT) AS played_ms, SUM(impressions) AS impressions",
        key.unwrap_or("CAST(NULL AS TEXT)")
    );
    let mut group_by = "building_id, daypart, day_type, profile_version".to_owned();
    if key.is_some() {
        group_by.push_str(", 1");
    }
    sums_between(
        conn,
        &select,
        table,
        time_column,
        (from, to),
        filters,
        &group_by,
    )
}

/// `SELECT select FROM table` for the rows of `[from, to)` that `filters` keep, grouped by
/// `group_by`, with the period and the filters' values bound (the reports' and the timeline's
/// one way to read a rollup table).
pub(super) fn sums_between<T>(
    conn: &mut DbConnection,
    select: &str,
    table: &str,
    time_column: &str,
    (from, to): (NaiveDateTime, NaiveDateTime),
    filters: &Filters,
    group_by: &str,
) -> Result<Vec<T>, AppError>
where
    T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    if from >= to {
        return Ok(Vec::new());
    }
    let postgres = matches!(conn, DbConnection::Postgres(_));
    let mut next = 0;
    let mut placeholder = || {
        next += 1;
        if postgres {
            format!("${next}")
        } else {
            "?".to_owned()
        }
    };
    let mut sql = format!(
        "SELECT {select} FROM {table} WHERE {time_column} >= {} AND {time_column} < {}",
        placeholder(),
        placeholder()
    );
    let mut texts = Vec::new();
    for (column, value) in [
        ("event_id", &filters.event_id),
        ("organisation_id", &filters.organisation_id),
        ("building_id", &filters.building_id),
    ] {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = {}", placeholder()));
            texts.push(value.clone());
        }
    }
    sql.push_str(&format!(" GROUP BY {group_by}"));
    on_backend!(conn, |c| {
        let mut query = diesel::sql_query(sql.as_str())
            .bind::<Timestamp, _>(from)
            .bind::<Timestamp, _>(to)
            .into_boxed();
        for text in &texts {
            query = query.bind::<Text, _>(text.clone());
        }
        Ok(query.load::<T>(c)?)
    })
}

/// One rollup table and its time column, and the span of a period read from it.
pub type RollupRange = (&'static str, &'static str, NaiveDateTime, NaiveDateTime);

/// Where each part of `[from, to)` is read: whole UTC months from `play_months` (when
/// `months`), the other whole UTC days from `play_days`, the edges from `play_hours`; all of it
/// from `play_hours` when `days` is false (a figure the daily rows do not keep, such as an
/// event's).
pub fn rollup_ranges(
    from: NaiveDateTime,
    to: NaiveDateTime,
    days: bool,
    months: bool,
) -> Vec<RollupRange> {
    let day = |t: NaiveDateTime| {
        t.and_utc()
            .duration_trunc(TimeDelta::days(1))
            .unwrap_or(t.and_utc())
            .naive_utc()
    };
    let first_day = if day(from) < from {
        day(from) + TimeDelta::days(1)
    } else {
        day(from)
    };
    let last_day = day(to);
    if !days || first_day >= last_day {
        return vec![("play_hours", "hour", from, to)];
    }
    let mut ranges = vec![
        ("play_hours", "hour", from, first_day),
        ("play_hours", "hour", last_day, to),
    ];
    let month = crate::core::proof::rollup::month_of;
    let first_month = if month(first_day) < first_day {
        month(month(first_day) + TimeDelta::days(32))
    } else {
        first_day
    };
    let last_month = month(last_day);
    if months && first_month < last_month {
        ranges.push(("play_months", "month", first_month, last_month));
        ranges.push(("play_days", "day", first_day, first_month));
        ranges.push(("play_days", "day", last_month, last_day));
    } else {
        ranges.push(("play_days", "day", first_day, last_day));
    }
    ranges
}

/// Figures per group key (`None`: plays without one, e.g. city slides by event).
pub fn grouped(
    conn: &mut DbConnection,
    by: ReportDimension,
    filters: &Filters,
) -> Result<Vec<(Option<String>, Sums)>, AppError> {
    let key = key_column(by);
    let city_wide = filters.event_id.is_none() && filters.organisation_id.is_none();
    let by_place_and_time = matches!(
        by,
        ReportDimension::Building
            | ReportDimension::BuildingDaypart
            | ReportDimension::Daypart
            | ReportDimension::DayType
    );
    // Whole months and days from the monthly and daily rollups where they may serve, the rest
    // from the hourly ones.
    let ranges = rollup_ranges(
        filters.from,
        filters.to,
        city_wide && by_place_and_time,
        true,
    );
    let mut parts = Vec::new();
    for (table, time_column, from, to) in ranges {
        parts.extend(fragments(conn, table, time_column, key, from, to, filters)?);
    }

    let wanted: BTreeSet<(String, i32)> = parts
        .iter()
        .filter(|part| part.profile_version > 0)
        .map(|part| (part.building_id.clone(), part.profile_version))
        .collect();
    let profiles_seen: HashMap<(String, i32), AudienceProfile> = profiles::versions(conn, &wanted)?;
    let mut groups: BTreeMap<Option<String>, Sums> = BTreeMap::new();
    for part in parts {
        let mut sums = Sums {
            plays: part.plays,
            complete: part.complete,
            played_ms: part.played_ms,
            impressions: part.impressions,
            segments: BTreeMap::new(),
            plays_without_profile: if part.profile_version == 0 {
                part.plays
            } else {
                0
            },
            profiles: BTreeSet::new(),
        };
        if part.profile_version > 0 {
            sums.profiles
                .insert((part.building_id.clone(), part.profile_version));
            let profile = profiles_seen.get(&(part.building_id.clone(), part.profile_version));
            let day_type = DayType::parse(&part.day_type).unwrap_or(DayType::Weekday);
            if let Some(row) = profile.and_then(|p| p.row(&part.daypart, day_type)) {
                for segment in AudienceSegment::ALL {
                    let share = row.segment_share(*segment);
                    if share > 0.0 {
                        sums.segments.insert(*segment, part.impressions * share);
                    }
                }
            }
        }
        groups.entry(key_of(by, &part)).or_default().add(&sums);
    }
    Ok(groups.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn a_year_is_read_in_months_with_days_and_hours_at_its_edges() {
        let ranges = rollup_ranges(at("2025-11-29 09:30"), at("2026-11-29 10:00"), true, true);
        assert_eq!(
            ranges,
            vec![
                (
                    "play_hours",
                    "hour",
                    at("2025-11-29 09:30"),
                    at("2025-11-30 00:00")
                ),
                (
                    "play_hours",
                    "hour",
                    at("2026-11-29 00:00"),
                    at("2026-11-29 10:00")
                ),
                (
                    "play_months",
                    "month",
                    at("2025-12-01 00:00"),
                    at("2026-11-01 00:00")
                ),
                (
                    "play_days",
                    "day",
                    at("2025-11-30 00:00"),
                    at("2025-12-01 00:00")
                ),
                (
                    "play_days",
                    "day",
                    at("2026-11-01 00:00"),
                    at("2026-11-29 00:00")
                ),
            ]
        );
        // Every instant of the period is read once.
        let mut spans: Vec<_> = ranges
            .iter()
            .map(|r| (r.2, r.3))
            .filter(|(a, b)| a < b)
            .collect();
        spans.sort();
        assert!(spans.windows(2).all(|w| w[0].1 == w[1].0));
        assert_eq!(
            (spans[0].0, spans.last().unwrap().1),
            (at("2025-11-29 09:30"), at("2026-11-29 10:00"))
        );
    }

    #[test]
    fn a_period_without_a_whole_month_or_day_is_read_finer() {
        let march = rollup_ranges(at("2026-03-01 00:00"), at("2026-03-20 00:00"), true, true);
        assert!(march.iter().all(|r| r.0 != "play_months"));
        assert!(march.contains(&(
            "play_days",
            "day",
            at("2026-03-01 00:00"),
            at("2026-03-20 00:00")
        )));
        let whole = rollup_ranges(at("2026-03-01 00:00"), at("2026-05-01 00:00"), true, true);
        assert!(whole.contains(&(
            "play_months",
            "month",
            at("2026-03-01 00:00"),
            at("2026-05-01 00:00")
        )));
        let by_event = rollup_ranges(at("2026-03-01 00:00"), at("2026-05-01 00:00"), false, true);
        assert_eq!(
            by_event,
            vec![(
                "play_hours",
                "hour",
                at("2026-03-01 00:00"),
                at("2026-05-01 00:00")
            )]
        );
        let weeks = rollup_ranges(at("2026-03-01 00:00"), at("2026-05-01 00:00"), true, false);
        assert!(weeks.iter().all(|r| r.0 != "play_months"));
    }
}
