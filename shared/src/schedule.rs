//! When a playlist item may play: a date range, weekdays, daily time windows and an optional
//! cron expression, all in the building's local time. The player evaluates these offline, so the
//! rules live here and not in the server.

use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Timelike, Utc, Weekday};
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
    /// A cron expression (`sec min hour day-of-month month day-of-week [year]`, as the `cron`
    /// crate reads it) naming the local minutes in which the item plays, e.g.
    /// `0 * 7-9 * * Mon-Fri` for weekday mornings. Combined with the other rules.
    #[cfg_attr(feature = "openapi", schema(example = "0 * 7-9 * * Mon-Fri"))]
    pub cron: Option<String>,
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

    /// Whether the item may play at `instant` in a building in time zone `tz`.
    pub fn is_active_in<Z: TimeZone>(&self, instant: DateTime<Utc>, tz: Z) -> bool {
        let local = instant.with_timezone(&tz);
        if !self.is_active(instant, local.weekday(), local.time()) {
            return false;
        }
        let Some(expression) = &self.cron else {
            return true;
        };
        // An expression that no longer parses (it was checked when stored) plays nowhere
        // rather than everywhere.
        let Ok(cron) = cron::Schedule::from_str(expression) else {
            return false;
        };
        let Some(minute_start) = local.with_second(0).and_then(|t| t.with_nanosecond(0)) else {
            return false;
        };
        // Active when the expression fires within the current local minute. At the ends of
        // time (a clock gone badly wrong) there is no such minute, and nothing plays.
        let (Some(just_before), Some(minute_end)) = (
            minute_start
                .clone()
                .checked_sub_signed(chrono::Duration::nanoseconds(1)),
            minute_start
                .clone()
                .checked_add_signed(chrono::Duration::minutes(1)),
        ) else {
            return false;
        };
        cron.after(&just_before)
            .next()
            .is_some_and(|fire| fire < minute_end)
    }
}

impl Schedule {
    /// Whether the item plays at some moment of `[from, until)` in a building in time zone
    /// `tz`, by the same rules as [`Schedule::is_active_in`]: what a calendar shows for an hour.
    /// Without a cron expression the answer can only change where a rule starts or ends (a
    /// window's edges, the first valid instant, midnight for the weekday), so those moments are
    /// the only ones looked at; with one, each moment it fires within the span.
    pub fn plays_during<Z: TimeZone>(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        tz: Z,
    ) -> bool {
        if from >= until
            || self.valid_from.is_some_and(|f| f >= until)
            || self.valid_until.is_some_and(|u| u <= from)
        {
            return false;
        }
        let start = self.valid_from.map_or(from, |f| f.max(from));
        // Only a date range (an approved event's promotion window): it plays in the span.
        if self.cron.is_none() && self.weekdays.is_empty() && self.time_windows.is_empty() {
            return true;
        }
        let Some(expression) = &self.cron else {
            return self.change_points(start, until, &tz).into_iter().any(|at| {
                let local = at.with_timezone(&tz);
                self.is_active(at, local.weekday(), local.time())
            });
        };
        let Ok(cron) = cron::Schedule::from_str(expression) else {
            return false;
        };
        let Some(just_before) = start
            .with_timezone(&tz)
            .checked_sub_signed(chrono::Duration::nanoseconds(1))
        else {
            return false;
        };
        cron.after(&just_before)
            .map(|fire| fire.with_timezone(&Utc))
            .take_while(|fire| *fire < until)
            .any(|fire| {
                let local = fire.with_timezone(&tz);
                self.is_active(fire, local.weekday(), local.time())
            })
    }

    /// `start` and every instant of `(start, until)` at which one of the rules without cron
    /// may change its answer: a time window's start or end, a local midnight.
    fn change_points<Z: TimeZone>(
        &self,
        start: DateTime<Utc>,
        until: DateTime<Utc>,
        tz: &Z,
    ) -> Vec<DateTime<Utc>> {
        let mut points = vec![start];
        let mut edges: Vec<NaiveTime> = self
            .time_windows
            .iter()
            .flat_map(|w| [w.start, w.end])
            .collect();
        edges.push(NaiveTime::MIN);
        let first_day = start.with_timezone(tz).date_naive();
        let last_day = until.with_timezone(tz).date_naive();
        let mut day = first_day;
        while day <= last_day {
            for edge in &edges {
                // A local time that does not exist (a clock change) is skipped: the rules
                // change at the next one looked at.
                if let Some(at) = tz.from_local_datetime(&day.and_time(*edge)).earliest() {
                    let at = at.with_timezone(&Utc);
                    if at > start && at < until {
                        points.push(at);
                    }
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        points
    }
}

impl Validate for Schedule {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(from) = self.valid_from {
            errors.date("schedule.valid_from", from);
        }
        if let Some(until) = self.valid_until {
            errors.date("schedule.valid_until", until);
        }
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
        if let Some(expression) = &self.cron {
            if expression.len() > 200 {
                errors.add("schedule.cron", "is at most 200 characters");
            } else if let Err(error) = cron::Schedule::from_str(expression) {
                errors.add(
                    "schedule.cron",
                    format!(
                        "is not a cron expression ({error}); write sec min hour day month weekday, e.g. 0 * 7-9 * * Mon-Fri"
                    ),
                );
            }
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

/// When a building is open to visitors: on each of `weekdays`, from `start` to `end` local time
/// (a window that wraps past midnight belongs to the day it starts on). A building has a list of
/// these, one per set of days with the same hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["Mon", "Tue", "Wed", "Thu", "Fri"])))]
    pub weekdays: Vec<Weekday>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00"))]
    pub start: NaiveTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "17:00"))]
    pub end: NaiveTime,
}

/// At most this many opening-hours rules per building (two a day is plenty).
pub const OPENING_HOURS_MAX: usize = 14;

impl OpeningHours {
    /// Whether a building with these rules is open at `instant`; with no rules, always.
    pub fn is_open_at<Z: TimeZone>(rules: &[OpeningHours], instant: DateTime<Utc>, tz: Z) -> bool {
        if rules.is_empty() {
            return true;
        }
        let local = instant.with_timezone(&tz);
        let (today, time) = (local.weekday(), local.time());
        rules.iter().any(|rule| {
            let window = TimeWindow {
                start: rule.start,
                end: rule.end,
            };
            if !window.contains(time) {
                return false;
            }
            // After midnight in a window that wraps, the window began yesterday.
            let began_today = rule.start <= rule.end || time >= rule.start;
            let day = if began_today { today } else { today.pred() };
            rule.weekdays.contains(&day)
        })
    }

    /// Checks a building's rules, naming the field of each mistake.
    pub fn check_all(rules: &[OpeningHours], field: &str, errors: &mut ValidationErrors) {
        if rules.len() > OPENING_HOURS_MAX {
            errors.add(
                field,
                format!(
                    "holds at most {OPENING_HOURS_MAX} rules; combine days with the same hours"
                ),
            );
        }
        for (index, rule) in rules.iter().enumerate() {
            if rule.weekdays.is_empty() {
                errors.add(
                    &format!("{field}[{index}].weekdays"),
                    "name at least one weekday (Mon, Tue, ...)",
                );
            }
            if rule.start == rule.end {
                errors.add(&format!("{field}[{index}]"), "start and end must differ");
            }
        }
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
    fn a_cron_rule_at_the_ends_of_time_plays_nowhere_instead_of_panicking() {
        // Found by the manifest fuzz target: a player clock at the limits of chrono's range.
        let schedule = Schedule {
            cron: Some("0 * 7-9 * * Mon-Wed".into()),
            ..Schedule::default()
        };
        for instant in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert!(!schedule.is_active_in(instant, chrono_tz::Europe::Brussels));
        }
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
            cron: None,
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
            cron: Some("every day at nine".into()),
        };
        let errors = schedule.validate().unwrap_err();
        assert_eq!(errors.0.len(), 3);
        assert!(errors.0[1].message.contains("0 * 7-9 * * Mon-Fri"));
    }

    #[test]
    fn schedule_dates_outside_the_calendar_are_refused() {
        let schedule = Schedule {
            valid_from: Some(DateTime::<Utc>::MIN_UTC),
            valid_until: Some(DateTime::<Utc>::MAX_UTC),
            ..Schedule::default()
        };
        let errors = schedule.validate().unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["schedule.valid_from", "schedule.valid_until"]);
    }

    #[test]
    fn cron_expressions_name_the_local_minutes_an_item_plays() {
        let schedule = Schedule {
            cron: Some("0 * 7-9 * * Mon-Fri".into()),
            ..Schedule::default()
        };
        let brussels = chrono_tz::Europe::Brussels;
        // 06:30 UTC on Monday 23 November 2026 is 07:30 in Brussels.
        let monday_morning = Utc.with_ymd_and_hms(2026, 11, 23, 6, 30, 25).unwrap();
        assert!(schedule.is_active_in(monday_morning, brussels));
        // 09:30 UTC is 10:30 in Brussels: outside 7-9.
        let monday_late = Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap();
        assert!(!schedule.is_active_in(monday_late, brussels));
        // In UTC the same instant is 06:30: outside 7-9, so the time zone matters.
        assert!(!schedule.is_active_in(monday_morning, Utc));
        let saturday = Utc.with_ymd_and_hms(2026, 11, 28, 7, 30, 0).unwrap();
        assert!(!schedule.is_active_in(saturday, brussels));
    }

    #[test]
    fn an_hour_plays_an_item_when_any_moment_of_it_does() {
        let brussels = chrono_tz::Europe::Brussels;
        let at = |d: u32, h: u32, m: u32| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        let hour = |d: u32, h: u32| (at(d, h, 0), at(d, h, 0) + chrono::Duration::hours(1));
        // 09:30-10:15 Brussels on Mondays, from Monday 23 November 2026 08:45 UTC.
        let schedule = Schedule {
            valid_from: Some(at(23, 8, 45)),
            valid_until: Some(at(30, 0, 0)),
            weekdays: vec![Weekday::Mon],
            time_windows: vec![TimeWindow {
                start: t(9, 30),
                end: t(10, 15),
            }],
            cron: None,
        };
        // 08:00-09:00 UTC is 09:00-10:00 in Brussels: the window opens at 09:30.
        let (from, until) = hour(23, 8);
        assert!(schedule.plays_during(from, until, brussels));
        // 09:00-10:00 UTC (10:00-11:00 there): until 10:15.
        let (from, until) = hour(23, 9);
        assert!(schedule.plays_during(from, until, brussels));
        let (from, until) = hour(23, 10);
        assert!(!schedule.plays_during(from, until, brussels));
        // Before it is valid, and on Tuesday: never.
        let (from, until) = hour(23, 7);
        assert!(!schedule.plays_during(from, until, brussels));
        let (from, until) = hour(24, 8);
        assert!(!schedule.plays_during(from, until, brussels));
        // A whole week in one span: it plays somewhere in it.
        assert!(schedule.plays_during(at(22, 0, 0), at(29, 0, 0), brussels));
        // An empty schedule plays every hour; a cron rule only in the minutes it names.
        assert!(Schedule::default().plays_during(from, until, brussels));
        let cron = Schedule {
            cron: Some("0 * 7-9 * * Mon-Fri".into()),
            ..Schedule::default()
        };
        let (from, until) = hour(23, 6);
        assert!(cron.plays_during(from, until, brussels));
        let (from, until) = hour(23, 9);
        assert!(!cron.plays_during(from, until, brussels));
    }

    #[test]
    fn opening_hours_follow_the_weekday_and_local_time() {
        let brussels = chrono_tz::Europe::Brussels;
        let rules = vec![
            OpeningHours {
                weekdays: vec![
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                ],
                start: t(9, 0),
                end: t(17, 0),
            },
            OpeningHours {
                weekdays: vec![Weekday::Sat],
                start: t(22, 0),
                end: t(2, 0),
            },
        ];
        // Monday 23 November 2026, 08:30 UTC is 09:30 in Brussels: open.
        let monday = Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 0).unwrap();
        assert!(OpeningHours::is_open_at(&rules, monday, brussels));
        // 07:30 UTC is 08:30 there: not yet.
        let early = Utc.with_ymd_and_hms(2026, 11, 23, 7, 30, 0).unwrap();
        assert!(!OpeningHours::is_open_at(&rules, early, brussels));
        // Sunday 00:30 in Brussels belongs to Saturday night's window; Monday 00:30 does not.
        let sunday_night = Utc.with_ymd_and_hms(2026, 11, 28, 23, 30, 0).unwrap();
        assert!(OpeningHours::is_open_at(&rules, sunday_night, brussels));
        let monday_night = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        assert!(!OpeningHours::is_open_at(&rules, monday_night, brussels));
        // Sunday afternoon: closed. No rules at all: always open.
        let sunday = Utc.with_ymd_and_hms(2026, 11, 29, 13, 0, 0).unwrap();
        assert!(!OpeningHours::is_open_at(&rules, sunday, brussels));
        assert!(OpeningHours::is_open_at(&[], sunday, brussels));
    }

    #[test]
    fn opening_hours_without_days_or_length_are_refused() {
        let rules = vec![OpeningHours {
            weekdays: vec![],
            start: t(9, 0),
            end: t(9, 0),
        }];
        let mut errors = ValidationErrors::default();
        OpeningHours::check_all(&rules, "opening_hours", &mut errors);
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["opening_hours[0].weekdays", "opening_hours[0]"]);
    }
}
