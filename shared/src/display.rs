//! What an event card says on screen, shared so that the portal's preview shows the same text as
//! the player: dates as the city writes them (Dutch, in the building's time zone), "za 12 december
//! 2026, 19:30 - 22:30" (the player's default font has no en dash), and category names.

use chrono::{DateTime, Datelike, TimeZone, Utc};

const WEEKDAYS: [&str; 7] = ["ma", "di", "wo", "do", "vr", "za", "zo"];
const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

fn day<Z: TimeZone>(at: &DateTime<Z>) -> String {
    format!(
        "{} {} {} {}",
        WEEKDAYS[at.weekday().num_days_from_monday() as usize],
        at.day(),
        MONTHS[at.month0() as usize],
        at.year()
    )
}

/// When an event takes place, in local time; one day is written once.
pub fn event_when<Z: TimeZone>(starts: DateTime<Utc>, ends: DateTime<Utc>, tz: &Z) -> String
where
    Z::Offset: std::fmt::Display,
{
    let (starts, ends) = (starts.with_timezone(tz), ends.with_timezone(tz));
    if starts.date_naive() == ends.date_naive() {
        format!(
            "{}, {} - {}",
            day(&starts),
            starts.format("%H:%M"),
            ends.format("%H:%M")
        )
    } else {
        format!(
            "{}, {} - {}, {}",
            day(&starts),
            starts.format("%H:%M"),
            day(&ends),
            ends.format("%H:%M")
        )
    }
}

/// The Dutch name of an event category, as shown on screen.
pub fn category_label(category: crate::api::events::EventCategory) -> &'static str {
    use crate::api::events::EventCategory as C;
    match category {
        C::Sports => "sport",
        C::Culture => "cultuur",
        C::Music => "muziek",
        C::Youth => "jeugd",
        C::Family => "gezin",
        C::Seniors => "senioren",
        C::Education => "vorming",
        C::Community => "buurt",
        C::Charity => "goed doel",
        C::City => "stad",
        C::Other => "activiteit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_are_written_in_dutch_in_the_building_time_zone() {
        let brussels = chrono_tz::Europe::Brussels;
        let starts = Utc.with_ymd_and_hms(2026, 12, 12, 18, 30, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2026, 12, 12, 21, 30, 0).unwrap();
        assert_eq!(
            event_when(starts, ends, &brussels),
            "za 12 december 2026, 19:30 - 22:30"
        );
        let next_day = Utc.with_ymd_and_hms(2026, 12, 13, 9, 0, 0).unwrap();
        assert_eq!(
            event_when(starts, next_day, &brussels),
            "za 12 december 2026, 19:30 - zo 13 december 2026, 10:00"
        );
    }
}
