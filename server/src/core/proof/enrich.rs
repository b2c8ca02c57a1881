//! Where a play falls for reporting: its hour and day, the building's daypart and day type in
//! the building's time zone, and the estimated audience from the building's profile.

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use std::sync::LazyLock;

use civicast_shared::api::audience::{
    AudienceProfile, DayType, Daypart, daypart_of, default_dayparts,
};

/// The city's dayparts, made once rather than for every play of a building without a profile.
static DEFAULT_DAYPARTS: LazyLock<Vec<Daypart>> = LazyLock::new(default_dayparts);

/// What the server knows about the screen a batch came from.
#[derive(Debug, Clone)]
pub struct ScreenContext {
    pub screen_id: String,
    pub building_id: String,
    pub time_zone: Tz,
    pub profile: Option<AudienceProfile>,
}

/// A play placed in time and audience.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Start of the UTC hour the play started in.
    pub hour: NaiveDateTime,
    /// Start of the UTC day the play started in.
    pub day: NaiveDateTime,
    pub local_hour: i32,
    pub daypart: String,
    pub day_type: DayType,
    /// Estimated people with an opportunity to see this play; `None` without a profile.
    pub multiplier: Option<f64>,
    /// 0 when the building has no profile.
    pub profile_version: i32,
}

impl ScreenContext {
    pub fn place(&self, started: DateTime<Utc>, played_ms: u32) -> Placement {
        let local = started.with_timezone(&self.time_zone);
        let day_type = DayType::of(local.date_naive());
        let local_hour = local.hour();
        let dayparts = self
            .profile
            .as_ref()
            .map_or(DEFAULT_DAYPARTS.as_slice(), |profile| &profile.dayparts);
        let daypart = daypart_of(dayparts, local_hour).to_owned();
        let multiplier = self.profile.as_ref().map(|profile| {
            profile
                .row(&daypart, day_type)
                .map_or(0.0, |row| row.multiplier(played_ms))
        });
        Placement {
            hour: started
                .duration_trunc(TimeDelta::hours(1))
                .unwrap_or(started)
                .naive_utc(),
            day: started
                .duration_trunc(TimeDelta::days(1))
                .unwrap_or(started)
                .naive_utc(),
            local_hour: i32::try_from(local_hour).unwrap_or_default(),
            daypart,
            day_type,
            multiplier,
            profile_version: self.profile.as_ref().map_or(0, |profile| profile.version),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;
    use civicast_shared::api::audience::AudienceRow;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn dayparts_and_day_types_are_read_in_the_building_time_zone() {
        let profile = AudienceProfile {
            building_id: Uuid::now_v7(),
            version: 3,
            source: "gate counts".into(),
            dayparts: default_dayparts(),
            rows: vec![AudienceRow {
                daypart: "22-07".into(),
                day_type: DayType::Weekend,
                visitors_per_hour: 36.0,
                dwell_s: 90.0,
                visibility: 1.0,
                segments: BTreeMap::new(),
            }],
            created_at: Utc::now(),
            created_by: "staff".into(),
            method: String::new(),
        };
        let context = ScreenContext {
            screen_id: "s".into(),
            building_id: "b".into(),
            time_zone: chrono_tz::Europe::Amsterdam,
            profile: Some(profile),
        };
        // Friday 23:30 UTC is Saturday 00:30 in Amsterdam (winter time).
        let started = Utc.with_ymd_and_hms(2026, 11, 27, 23, 30, 0).unwrap();
        let placed = context.place(started, 10_000);
        assert_eq!(placed.local_hour, 0);
        assert_eq!(placed.daypart, "22-07");
        assert_eq!(placed.day_type, DayType::Weekend);
        assert_eq!(placed.profile_version, 3);
        // 36/h x (90 + 10) s / 3600 = 1 person.
        assert!((placed.multiplier.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(
            placed.hour,
            Utc.with_ymd_and_hms(2026, 11, 27, 23, 0, 0)
                .unwrap()
                .naive_utc()
        );
        // A daypart the profile has no row for estimates nobody, rather than guessing.
        let placed = context.place(
            Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap(),
            10_000,
        );
        assert_eq!(placed.multiplier, Some(0.0));
    }
}
