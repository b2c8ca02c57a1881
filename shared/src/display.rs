//! What an event card says on screen, shared so that the portal's preview shows the same text as
//! the player: dates as the city writes them (Dutch, in the building's time zone), "za 12
//! december 2026, 19:30 – 22:30", with no-break spaces so that a day or a time range is never
//! split over two lines; the short form an LED wall shows; when an event is near ("vandaag",
//! "morgen", "dit weekend"); and category names.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};

use crate::api::accounts::Language;

/// Keeps the words around it on one line.
const NBSP: char = '\u{a0}';

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

const NL_SHORT_MONTHS: [&str; 12] = [
    "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.",
];
const EN_WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const EN_SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A day as the city writes it in the portal and in e-mails: "za 12 dec. 2026" or
/// "Sat 12 Dec 2026".
pub fn short_day<Z: TimeZone>(language: Language, at: DateTime<Utc>, tz: &Z) -> String {
    let local = in_local_range(at).with_timezone(tz);
    let weekday = local.weekday().num_days_from_monday() as usize;
    let month = local.month0() as usize;
    match language {
        Language::Nl => format!(
            "{} {} {} {}",
            WEEKDAYS[weekday],
            local.day(),
            NL_SHORT_MONTHS[month],
            local.year()
        ),
        Language::En => format!(
            "{} {} {} {}",
            EN_WEEKDAYS[weekday],
            local.day(),
            EN_SHORT_MONTHS[month],
            local.year()
        ),
    }
}

/// A moment as the city writes it: "za 12 dec. 2026 19:30" or "Sat 12 Dec 2026 19:30".
pub fn moment<Z: TimeZone>(language: Language, at: DateTime<Utc>, tz: &Z) -> String {
    let local = in_local_range(at).with_timezone(tz);
    format!(
        "{} {:02}:{:02}",
        short_day(language, at, tz),
        local.hour(),
        local.minute()
    )
}

/// `at`, moved in from the ends of chrono's range far enough that it has a local time in every
/// time zone and the week after it can be counted. Only an event stored before dates were
/// bounded (see `validation::FIRST_YEAR`), or a clock gone badly wrong, comes near them; a card
/// then shows a day a week off rather than failing.
fn in_local_range(at: DateTime<Utc>) -> DateTime<Utc> {
    let margin = Duration::days(8);
    let (first, last) = (
        DateTime::<Utc>::MIN_UTC + margin,
        DateTime::<Utc>::MAX_UTC - margin,
    );
    at.clamp(first, last)
}

fn day<Z: TimeZone>(at: &DateTime<Z>) -> String {
    format!(
        "{}{NBSP}{}{NBSP}{}{NBSP}{}",
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
    let (starts, ends) = (
        in_local_range(starts).with_timezone(tz),
        in_local_range(ends).with_timezone(tz),
    );
    if starts.date_naive() == ends.date_naive() {
        format!(
            "{}, {}{NBSP}–{NBSP}{}",
            day(&starts),
            starts.format("%H:%M"),
            ends.format("%H:%M")
        )
    } else {
        format!(
            "{}, {} – {}, {}",
            day(&starts),
            starts.format("%H:%M"),
            day(&ends),
            ends.format("%H:%M")
        )
    }
}

/// The few words an LED wall shows: "za 12 dec · 19:30".
pub fn event_when_short<Z: TimeZone>(starts: DateTime<Utc>, tz: &Z) -> String
where
    Z::Offset: std::fmt::Display,
{
    let starts = in_local_range(starts).with_timezone(tz);
    let month: String = MONTHS[starts.month0() as usize].chars().take(3).collect();
    format!(
        "{}{NBSP}{}{NBSP}{month} · {}",
        WEEKDAYS[starts.weekday().num_days_from_monday() as usize],
        starts.day(),
        starts.format("%H:%M")
    )
}

/// The date as a calendar leaf shows it: weekday, day of the month, month ("za", "12", "dec").
pub fn date_leaf<Z: TimeZone>(starts: DateTime<Utc>, tz: &Z) -> [String; 3] {
    let starts = in_local_range(starts).with_timezone(tz);
    [
        WEEKDAYS[starts.weekday().num_days_from_monday() as usize].to_owned(),
        starts.day().to_string(),
        MONTHS[starts.month0() as usize].chars().take(3).collect(),
    ]
}

/// How near an event is, in the building's time zone: "nu" while it runs, "vandaag",
/// "morgen", or "dit weekend" (from Monday to Friday, for a Saturday or Sunday this week);
/// `None` when it is further away or over.
pub fn near_label<Z: TimeZone>(
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: &Z,
) -> Option<&'static str> {
    if ends <= now {
        return None;
    }
    if starts <= now {
        return Some("nu");
    }
    let today: NaiveDate = in_local_range(now).with_timezone(tz).date_naive();
    let day = in_local_range(starts).with_timezone(tz).date_naive();
    let weekend_starts = today
        + Duration::days(i64::from(
            (7 + 5 - today.weekday().num_days_from_monday()) % 7,
        ));
    if day == today {
        Some("vandaag")
    } else if day == today + Duration::days(1) {
        Some("morgen")
    } else if !matches!(today.weekday(), Weekday::Sat | Weekday::Sun)
        && (day == weekend_starts || day == weekend_starts + Duration::days(1))
    {
        Some("dit weekend")
    } else {
        None
    }
}

/// The words of a card that follow from its times, in the building's time zone, at `now`:
/// what the player and the portal's preview both put on a card.
#[derive(Debug, Clone)]
pub struct CardDates {
    pub when: String,
    pub when_short: String,
    pub leaf: [String; 3],
    pub near: Option<&'static str>,
}

impl CardDates {
    pub fn of<Z: TimeZone>(
        starts: DateTime<Utc>,
        ends: DateTime<Utc>,
        now: DateTime<Utc>,
        tz: &Z,
    ) -> CardDates
    where
        Z::Offset: std::fmt::Display,
    {
        CardDates {
            when: event_when(starts, ends, tz),
            when_short: event_when_short(starts, tz),
            leaf: date_leaf(starts, tz),
            near: near_label(starts, ends, now, tz),
        }
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
    fn a_card_at_the_ends_of_time_has_words_instead_of_a_panic() {
        let brussels = chrono_tz::Europe::Brussels;
        for (starts, ends, now) in [
            (
                DateTime::<Utc>::MAX_UTC,
                DateTime::<Utc>::MAX_UTC,
                Utc::now(),
            ),
            (
                DateTime::<Utc>::MIN_UTC,
                DateTime::<Utc>::MAX_UTC,
                DateTime::<Utc>::MIN_UTC,
            ),
            (
                Utc::now(),
                DateTime::<Utc>::MAX_UTC,
                DateTime::<Utc>::MAX_UTC,
            ),
        ] {
            let dates = CardDates::of(starts, ends, now, &brussels);
            assert!(!dates.when.is_empty());
        }
    }

    #[test]
    fn event_times_are_written_in_dutch_in_the_building_time_zone() {
        let brussels = chrono_tz::Europe::Brussels;
        let starts = Utc.with_ymd_and_hms(2026, 12, 12, 18, 30, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2026, 12, 12, 21, 30, 0).unwrap();
        let readable = |text: String| text.replace(NBSP, " ");
        assert_eq!(
            readable(event_when(starts, ends, &brussels)),
            "za 12 december 2026, 19:30 – 22:30"
        );
        // The day and the time range each stay on one line; only the comma may break.
        assert_eq!(
            event_when(starts, ends, &brussels).split(' ').count(),
            2,
            "{:?}",
            event_when(starts, ends, &brussels)
        );
        let next_day = Utc.with_ymd_and_hms(2026, 12, 13, 9, 0, 0).unwrap();
        assert_eq!(
            readable(event_when(starts, next_day, &brussels)),
            "za 12 december 2026, 19:30 – zo 13 december 2026, 10:00"
        );
        assert_eq!(
            readable(event_when_short(starts, &brussels)),
            "za 12 dec · 19:30"
        );
        assert_eq!(
            date_leaf(starts, &brussels),
            ["za", "12", "dec"].map(String::from)
        );
    }

    #[test]
    fn near_events_are_labelled_in_the_buildings_time_zone() {
        let brussels = chrono_tz::Europe::Brussels;
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap();
        let hours = Duration::hours(2);
        // Wednesday 25 November 2026, 10:00 in Brussels.
        let now = at(25, 9, 0);
        let near = |starts: DateTime<Utc>| near_label(starts, starts + hours, now, &brussels);
        assert_eq!(near(at(25, 18, 0)), Some("vandaag"));
        // 23:30 UTC on Wednesday is already Thursday in Brussels.
        assert_eq!(near(at(25, 23, 30)), Some("morgen"));
        assert_eq!(near(at(28, 14, 0)), Some("dit weekend"));
        assert_eq!(near(at(29, 14, 0)), Some("dit weekend"));
        assert_eq!(near(at(30, 14, 0)), None);
        assert_eq!(
            near_label(at(25, 8, 0), at(25, 10, 0), now, &brussels),
            Some("nu")
        );
        assert_eq!(
            near_label(at(24, 8, 0), at(24, 10, 0), now, &brussels),
            None
        );
        // On a Saturday, Sunday is "morgen", and the next weekend is not "dit weekend".
        let saturday = at(28, 9, 0);
        let sunday = at(29, 14, 0);
        assert_eq!(
            near_label(sunday, sunday + hours, saturday, &brussels),
            Some("morgen")
        );
        let next_saturday = at(28, 9, 0) + Duration::days(7);
        assert_eq!(
            near_label(next_saturday, next_saturday + hours, saturday, &brussels),
            None
        );
    }
}
