//! When a playlist item may play: a date range, weekdays and daily time windows in the building's
//! local time. The player evaluates these offline, so the rules live here and not in the server.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::validation::{Validate, ValidationErrors};

/// A daily window in local time; `end` before `start` wraps past midnight (e.g. 22:00-02:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimeWindow {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00"))]
    pub start: NaiveTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "17:30"))]
    pub end: NaiveTime,
}

impl TimeWindow {
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

/// Schedule rules of one playlist item. Every part is optional; an empty schedule always plays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Schedule {
    /// First instant (UTC) the item may play.
    pub valid_from: Option<DateTime<Utc>>,
    /// Instant (UTC) from which the item no longer plays.
    pub valid_until: Option<DateTime<Utc>>,
    /// Weekdays in local time on which it plays; empty means every day.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["Mon", "Tue"])))]
    pub weekdays: Vec<Weekday>,
    /// Local time windows in which it plays; empty means all day.
    pub time_windows: Vec<TimeWindow>,
}

impl Schedule {
    /// Whether the item may play at `instant`, given the local weekday and time at that instant.
    pub fn is_active(
        &self,
        instant: DateTime<Utc>,
        local_weekday: Weekday,
        local_time: NaiveTime,
    ) -> bool {
        if self.valid_from.is_some_and(|from| instant < from) {
            return false;
        }
        if self.valid_until.is_some_and(|until| instant >= until) {
            return false;
        }
        if !self.weekdays.is_empty() && !self.weekdays.contains(&local_weekday) {
            return false;
        }
        self.time_windows.is_empty() || self.time_windows.iter().any(|w| w.contains(local_time))
    }
}

impl Validate for Schedule {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until <= from
        {
            errors.add("schedule.valid_until", "must be after schedule.valid_from");
        }
        if self.weekdays.len() > 7 {
            errors.add("schedule.weekdays", "lists at most the seven weekdays");
        }
        if self.time_windows.len() > 24 {
            errors.add("schedule.time_windows", "may hold at most 24 windows");
        }
        for (index, window) in self.time_windows.iter().enumerate() {
            if window.start == window.end {
                errors.add(
                    &format!("schedule.time_windows[{index}]"),
                    "start and end must differ",
                );
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn windows_weekdays_and_dates_limit_playing() {
        let schedule = Schedule {
            valid_from: Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()),
            valid_until: Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()),
            weekdays: vec![Weekday::Mon, Weekday::Sat],
            time_windows: vec![TimeWindow {
                start: t(22, 0),
                end: t(2, 0),
            }],
        };
        let inside = Utc.with_ymd_and_hms(2026, 11, 23, 23, 0, 0).unwrap();
        assert!(schedule.is_active(inside, Weekday::Mon, t(23, 30)));
        assert!(schedule.is_active(inside, Weekday::Mon, t(1, 59)));
        assert!(!schedule.is_active(inside, Weekday::Mon, t(2, 0)));
        assert!(!schedule.is_active(inside, Weekday::Tue, t(23, 30)));
        let after = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert!(!schedule.is_active(after, Weekday::Mon, t(23, 30)));
        assert!(Schedule::default().is_active(after, Weekday::Sun, t(12, 0)));
    }

    #[test]
    fn reversed_dates_and_empty_windows_are_refused() {
        let schedule = Schedule {
            valid_from: Some(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()),
            valid_until: Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()),
            weekdays: vec![],
            time_windows: vec![TimeWindow {
                start: t(9, 0),
                end: t(9, 0),
            }],
        };
        let errors = schedule.validate().unwrap_err();
        assert_eq!(errors.0.len(), 2);
    }
}
