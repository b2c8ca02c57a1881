//! The city's public agenda: its approved events that have not ended, soonest first, filtered
//! by day (in the city's time zone), category and place; one event's public page; its poster;
//! the feeds' texts (iCalendar, schema.org JSON-LD); and the visits of the public pages, counted
//! per event and UTC day without anything about the visitor.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use civicast_shared::api::events::{EventCategory, EventStatus};
use civicast_shared::api::media::RenditionKind;
use diesel::prelude::*;
use diesel::upsert::excluded;
use uuid::Uuid;

use crate::db::schema::{agenda_visits, events, media_assets, media_renditions, organisations};
use crate::db::{DbConnection, to_db_time};
use crate::error::AppError;
use crate::on_backend;

/// The most events one answer lists: a city's agenda, not an archive.
pub const AGENDA_LIMIT: i64 = 500;

/// Which days the visitor asks for, read in the city's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayFilter {
    Today,
    /// Saturday and Sunday of this week (today and tomorrow on a Saturday, today on a Sunday).
    Weekend,
    Date(NaiveDate),
}

impl DayFilter {
    /// The span of local days asked for, as UTC instants `[from, to)`.
    pub fn span(self, now: DateTime<Utc>, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let today = now.with_timezone(&tz).date_naive();
        let (first, days) = match self {
            DayFilter::Today => (today, 1),
            DayFilter::Date(day) => (day, 1),
            DayFilter::Weekend => match today.weekday() {
                Weekday::Sun => (today, 1),
                weekday => (
                    today + Duration::days(5 - i64::from(weekday.num_days_from_monday())),
                    2,
                ),
            },
        };
        (
            start_of_day(first, tz),
            start_of_day(first + Duration::days(days), tz),
        )
    }
}

/// Midnight (or the first moment, on a day that skips it) of `day` in `tz`.
fn start_of_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// What the agenda is filtered by; every part left empty matches everything.
#[derive(Debug, Clone, Default)]
pub struct AgendaFilter {
    pub day: Option<DayFilter>,
    pub category: Option<EventCategory>,
    /// An event's venue, exactly as its association wrote it.
    pub place: Option<String>,
}

/// One event as the public sees it: no moderation notes, no contact person.
#[derive(Debug, Clone)]
pub struct AgendaEvent {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub category: EventCategory,
    pub organiser: String,
    pub link: Option<String>,
    /// The poster's size in pixels, when it has one.
    pub poster: Option<(i32, i32)>,
    pub updated_at: DateTime<Utc>,
}

type EventTuple = (
    String,
    String,
    String,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
    String,
    String,
    String,
    Option<String>,
    Option<i32>,
    Option<i32>,
    chrono::NaiveDateTime,
);

/// The columns of an [`AgendaEvent`], events joined with their organisation and poster.
macro_rules! agenda_columns {
    () => {
        (
            events::id,
            events::title,
            events::description,
            events::starts_at,
            events::ends_at,
            events::venue,
            events::category,
            organisations::name,
            events::link,
            media_assets::width.nullable(),
            media_assets::height.nullable(),
            events::updated_at,
        )
    };
}

fn from_tuple(row: EventTuple) -> AgendaEvent {
    let (id, title, description, starts, ends, venue, category, organiser, link, w, h, updated) =
        row;
    AgendaEvent {
        id: crate::db::models::stored_id(&id),
        title,
        description,
        starts_at: starts.and_utc(),
        ends_at: ends.and_utc(),
        venue,
        category: EventCategory::parse(&category).unwrap_or(EventCategory::Other),
        organiser,
        link,
        poster: w.zip(h),
        updated_at: updated.and_utc(),
    }
}

/// The approved events that have not ended at `now` and match `filter`, soonest first.
pub fn upcoming(
    conn: &mut DbConnection,
    filter: &AgendaFilter,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Vec<AgendaEvent>, AppError> {
    let mut query = events::table
        .inner_join(organisations::table)
        .left_join(media_assets::table.on(events::poster_media_id.eq(media_assets::id.nullable())))
        .filter(events::status.eq(EventStatus::Approved.as_str()))
        .filter(events::ends_at.gt(to_db_time(now)))
        .into_boxed();
    if let Some(day) = filter.day {
        let (from, to) = day.span(now, tz);
        query = query
            .filter(events::starts_at.lt(to_db_time(to)))
            .filter(events::ends_at.gt(to_db_time(from)));
    }
    if let Some(category) = filter.category {
        query = query.filter(events::category.eq(category.as_str()));
    }
    if let Some(place) = &filter.place {
        query = query.filter(events::venue.eq(place.clone()));
    }
    let rows = query
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(AGENDA_LIMIT)
        .select(agenda_columns!())
        .load::<EventTuple>(conn)?;
    Ok(rows.into_iter().map(from_tuple).collect())
}

/// The places of the events that have not ended, for the place filter, by name.
pub fn places(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    let mut places: Vec<String> = events::table
        .filter(events::status.eq(EventStatus::Approved.as_str()))
        .filter(events::ends_at.gt(to_db_time(now)))
        .select(events::venue)
        .distinct()
        .load(conn)?;
    places.sort_by_key(|place| place.to_lowercase());
    Ok(places)
}

/// An approved event, as its public page shows it; any other event is not found, so that
/// what is pending, rejected or withdrawn does not leak.
pub fn public_event(conn: &mut DbConnection, id: Uuid) -> Result<AgendaEvent, AppError> {
    events::table
        .inner_join(organisations::table)
        .left_join(media_assets::table.on(events::poster_media_id.eq(media_assets::id.nullable())))
        .filter(events::id.eq(id.to_string()))
        .filter(events::status.eq(EventStatus::Approved.as_str()))
        .select(agenda_columns!())
        .first::<EventTuple>(conn)
        .optional()?
        .map(from_tuple)
        .ok_or_else(|| AppError::NotFound("no such event in the agenda".into()))
}

/// Which picture of a poster is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosterSize {
    /// Fits in 320 x 320: the agenda's list.
    Thumbnail,
    /// Fits in 1920 x 1080: the event's page.
    Large,
}

/// The stored file (SHA-256, content type) of an approved event's poster in `size`: an image's
/// rendition, or the image itself when it is small enough to have none; a video's still frame.
pub fn poster_file(
    conn: &mut DbConnection,
    id: Uuid,
    size: PosterSize,
) -> Result<(String, String), AppError> {
    let (sha256, content_type, duration) = events::table
        .inner_join(media_assets::table.on(events::poster_media_id.eq(media_assets::id.nullable())))
        .filter(events::id.eq(id.to_string()))
        .filter(events::status.eq(EventStatus::Approved.as_str()))
        .select((
            media_assets::sha256,
            media_assets::content_type,
            media_assets::duration_ms,
        ))
        .first::<(String, String, Option<i32>)>(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound("this event has no poster in the agenda".into()))?;
    let kinds: &[RenditionKind] = match (size, duration.is_some()) {
        (PosterSize::Thumbnail, _) => &[RenditionKind::Thumbnail, RenditionKind::PosterFrame],
        (PosterSize::Large, false) => &[RenditionKind::Screen1080p],
        (PosterSize::Large, true) => &[RenditionKind::PosterFrame],
    };
    for kind in kinds {
        if let Some(found) = media_renditions::table
            .find((&sha256, kind.as_str()))
            .select((media_renditions::sha256, media_renditions::content_type))
            .first::<(String, String)>(conn)
            .optional()?
        {
            return Ok(found);
        }
    }
    if duration.is_some() {
        return Err(AppError::NotFound("this video has no still yet".into()));
    }
    Ok((sha256, content_type))
}

/// Adds one visit of the event's public page on the UTC day of `now`.
pub fn count_visit(
    conn: &mut DbConnection,
    event_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let day = now.date_naive().and_hms_opt(0, 0, 0).unwrap_or_default();
    let row = (
        agenda_visits::event_id.eq(event_id.to_string()),
        agenda_visits::day.eq(day),
        agenda_visits::visits.eq(1i64),
    );
    on_backend!(conn, |c| diesel::insert_into(agenda_visits::table)
        .values(row)
        .on_conflict((agenda_visits::event_id, agenda_visits::day))
        .do_update()
        .set(agenda_visits::visits.eq(agenda_visits::visits + excluded(agenda_visits::visits)))
        .execute(c))?;
    Ok(())
}

/// The visits of every event's public page on the UTC days that `from` to `to` touch, by event.
pub fn visits_between(
    conn: &mut DbConnection,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> Result<std::collections::HashMap<String, i64>, AppError> {
    let first_day = from.date().and_hms_opt(0, 0, 0).unwrap_or(from);
    let days: Vec<(String, i64)> = agenda_visits::table
        .filter(agenda_visits::day.ge(first_day))
        .filter(agenda_visits::day.lt(to))
        .select((agenda_visits::event_id, agenda_visits::visits))
        .load(conn)?;
    let mut by_event = std::collections::HashMap::new();
    for (event, visits) in days {
        *by_event.entry(event).or_insert(0) += visits;
    }
    Ok(by_event)
}

/// Every visit of the event's public page so far (one row per day, added up here: a sum in
/// SQL is a NUMERIC on PostgreSQL).
pub fn visits(conn: &mut DbConnection, event_id: &str) -> Result<i64, AppError> {
    let days: Vec<i64> = agenda_visits::table
        .filter(agenda_visits::event_id.eq(event_id))
        .select(agenda_visits::visits)
        .load(conn)?;
    Ok(days.iter().sum())
}

/// The agenda as an iCalendar file (RFC 5545): one VEVENT per event, times in UTC, texts
/// escaped, lines folded at 75 octets and ended by CRLF. `page_of` gives an event's public page.
pub fn icalendar(
    events: &[AgendaEvent],
    calendar_name: &str,
    host: &str,
    page_of: impl Fn(Uuid) -> String,
) -> String {
    let mut out = String::new();
    let mut line = |text: String| fold_line(&mut out, &text);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Civicast//Agenda//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", ical_text(calendar_name)));
    for event in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}@{}", event.id, ical_text(host)));
        line(format!("DTSTAMP:{}", ical_time(event.updated_at)));
        line(format!("LAST-MODIFIED:{}", ical_time(event.updated_at)));
        line(format!("DTSTART:{}", ical_time(event.starts_at)));
        line(format!("DTEND:{}", ical_time(event.ends_at)));
        line(format!("SUMMARY:{}", ical_text(&event.title)));
        if !event.description.is_empty() {
            line(format!("DESCRIPTION:{}", ical_text(&event.description)));
        }
        line(format!("LOCATION:{}", ical_text(&event.venue)));
        line(format!("CATEGORIES:{}", ical_text(event.category.as_str())));
        line(format!("URL:{}", page_of(event.id)));
        line("STATUS:CONFIRMED".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

/// A UTC time as iCalendar writes it: 20261212T183000Z.
fn ical_time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11).
pub fn ical_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                escaped.push_str("\\n");
            }
            '\n' => escaped.push_str("\\n"),
            // Other control characters are not allowed in a TEXT value.
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Appends `line` folded into lines of at most 75 octets, each continuation starting with a
/// space, never splitting a character (RFC 5545 3.1).
pub fn fold_line(out: &mut String, line: &str) {
    let mut room = 75;
    for c in line.chars() {
        if c.len_utf8() > room {
            out.push_str("\r\n ");
            room = 74;
        }
        out.push(c);
        room -= c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The agenda as schema.org `Event`s in JSON-LD. `page_of` gives an event's public page and
/// `poster_of` its poster's address.
pub fn json_ld(
    events: &[AgendaEvent],
    tz: Tz,
    page_of: impl Fn(Uuid) -> String,
    poster_of: impl Fn(Uuid) -> String,
) -> serde_json::Value {
    let list = events
        .iter()
        .map(|event| {
            let mut item = serde_json::json!({
                "@context": "https://schema.org",
                "@type": "Event",
                "@id": page_of(event.id),
                "name": event.title,
                "description": event.description,
                "startDate": event.starts_at.with_timezone(&tz).to_rfc3339(),
                "endDate": event.ends_at.with_timezone(&tz).to_rfc3339(),
                "eventStatus": "https://schema.org/EventScheduled",
                "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
                "location": { "@type": "Place", "name": event.venue, "address": event.venue },
                "organizer": { "@type": "Organization", "name": event.organiser },
                "url": page_of(event.id),
                "keywords": event.category.as_str(),
            });
            if event.poster.is_some() {
                item["image"] = poster_of(event.id).into();
            }
            if let Some(link) = &event.link {
                item["sameAs"] = link.clone().into();
            }
            item
        })
        .collect();
    serde_json::Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_escaped_and_long_lines_folded_without_splitting_a_character() {
        assert_eq!(
            ical_text("Quiz; bring pens, paper\\ and\r\nfriends\n"),
            "Quiz\\; bring pens\\, paper\\\\ and\\nfriends\\n"
        );
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(100));
        fold_line(&mut out, &long);
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 2);
        for (index, line) in lines.iter().enumerate() {
            assert!(line.len() <= 75, "line {index} has {} octets", line.len());
            if index > 0 {
                assert!(line.starts_with(' '));
            }
        }
        let unfolded: String = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{long}\r\n"));
    }

    #[test]
    fn the_weekend_is_the_coming_saturday_and_sunday_in_the_city() {
        let tz = chrono_tz::Europe::Brussels;
        // Wednesday 2 December 2026, noon in Brussels.
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 11, 0, 0).unwrap();
        let (from, to) = DayFilter::Weekend.span(now, tz);
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 12, 4, 23, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 12, 6, 23, 0, 0).unwrap());
        // On the Sunday itself, only that day is left.
        let sunday = Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap();
        let (from, to) = DayFilter::Weekend.span(sunday, tz);
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 12, 5, 23, 0, 0).unwrap());
        assert_eq!(to, Utc.with_ymd_and_hms(2026, 12, 6, 23, 0, 0).unwrap());
        // Just after midnight in Brussels is already the next day there.
        let late = Utc.with_ymd_and_hms(2026, 12, 2, 23, 30, 0).unwrap();
        let (from, _) = DayFilter::Today.span(late, tz);
        assert_eq!(from, Utc.with_ymd_and_hms(2026, 12, 2, 23, 0, 0).unwrap());
    }
}
