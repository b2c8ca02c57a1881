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

/// Every visit of the event's public page so far (one row per day, added up here: a sum in
/// SQL is a NUMERIC on PostgreSQL).
pub fn visits(conn: &mut DbConnection, event_id: &str) -> Result<i64, AppError> {
    let days: Vec<i64> = agenda_visits::table
        .filter(agenda_visits::event_id.eq(event_id))
        .select(agenda_visits::visits)
        .load(conn)?;
    Ok(days.iter().sum())
}
