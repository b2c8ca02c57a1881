//! What a kiosk's manifest carries beside its loop: its settings, the city's approved events
//! that have not ended (every building's, soonest first), its map page with the opening hours of
//! the places that are Civicast buildings, and the city's services. Each picture is the file a
//! screen of the kiosk's size gets, so the kiosk downloads and hash-checks it like its loop.

use std::collections::HashMap;

use civicast_shared::api::device::MediaRef;
use civicast_shared::api::events::{AudienceSegment, EventCategory, EventStatus};
use civicast_shared::api::kiosk::{
    KIOSK_DIAGONAL_DEFAULT_MM, KIOSK_IDLE_DEFAULT_S, KioskContent, KioskEvent, KioskMap,
    PointOfInterest,
};
use civicast_shared::api::media::RenditionKind;
use diesel::prelude::*;

use crate::core::kiosks::services;
use crate::core::kiosks::settings::{self, map_point};
use crate::core::manifest::{media_ref, renditions_of};
use crate::db::models::{BuildingRow, EventRow, MediaAssetRow, ScreenRow, stored_id, stored_json};
use crate::db::schema::{buildings, events, media_assets, organisations};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// At most this many events travel to a kiosk: months of a city's agenda.
pub const KIOSK_EVENTS_MAX: i64 = 200;

/// The kiosk content of `screen` (a kiosk), its event pages linking under `public_url`.
pub fn kiosk_content(
    conn: &mut DbConnection,
    screen: &ScreenRow,
    public_url: &str,
) -> Result<KioskContent, AppError> {
    let (stored, points) = settings::stored(conn, &screen.id)?;
    let event_rows: Vec<(EventRow, String)> = events::table
        .inner_join(organisations::table)
        .filter(events::status.eq(EventStatus::Approved.as_str()))
        .filter(events::ends_at.gt(db::now()))
        .order((events::starts_at.asc(), events::id.asc()))
        .limit(KIOSK_EVENTS_MAX)
        .select((EventRow::as_select(), organisations::name))
        .load(conn)?;
    let map_id = stored.as_ref().and_then(|row| row.map_media_id.clone());
    let media_ids: Vec<&str> = event_rows
        .iter()
        .filter_map(|(event, _)| event.poster_media_id.as_deref())
        .chain(map_id.as_deref())
        .collect();
    let pictures = pictures(conn, &media_ids, screen.width.max(screen.height) <= 1920)?;

    let building_ids: Vec<&str> = points
        .iter()
        .filter_map(|point| point.building_id.as_deref())
        .collect();
    let hours: HashMap<String, BuildingRow> = buildings::table
        .filter(buildings::id.eq_any(&building_ids))
        .select(BuildingRow::as_select())
        .load::<BuildingRow>(conn)?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    let base = public_url.trim_end_matches('/');
    let events = event_rows
        .into_iter()
        .map(|(event, organiser)| KioskEvent {
            id: stored_id(&event.id),
            poster: event
                .poster_media_id
                .as_ref()
                .and_then(|id| pictures.get(id))
                .cloned(),
            public_url: format!("{base}/agenda/{}", event.id),
            category: EventCategory::parse(&event.category).unwrap_or(EventCategory::Other),
            target_audiences: stored_json::<Vec<AudienceSegment>>(&event.target_audiences),
            title: event.title,
            description: event.description,
            starts_at: event.starts_at.and_utc(),
            ends_at: event.ends_at.and_utc(),
            venue: event.venue,
            organiser,
        })
        .collect();
    let map = match (&stored, map_id.as_ref().and_then(|id| pictures.get(id))) {
        (Some(row), Some(image)) => Some(KioskMap {
            image: image.clone(),
            here: map_point(row.here_x, row.here_y),
            points: points
                .iter()
                .map(|point| PointOfInterest {
                    name: point.name.clone(),
                    at: point.at(),
                    directions: point.directions.clone(),
                    opening_hours: point
                        .building_id
                        .as_ref()
                        .and_then(|id| hours.get(id))
                        .map(BuildingRow::opening_hours)
                        .unwrap_or_default(),
                })
                .collect(),
        }),
        // No map chosen, or its image was removed from the library: no map page.
        _ => None,
    };
    Ok(KioskContent {
        idle_timeout_s: stored
            .as_ref()
            .and_then(|row| u32::try_from(row.idle_timeout_s).ok())
            .unwrap_or(KIOSK_IDLE_DEFAULT_S),
        diagonal_mm: stored
            .as_ref()
            .and_then(|row| u32::try_from(row.diagonal_mm).ok())
            .unwrap_or(KIOSK_DIAGONAL_DEFAULT_MM),
        events,
        map,
        services: services::list(conn)?,
    })
}

/// The picture a kiosk shows of each library file: an image's 1080p rendition on a screen up to
/// 1080p (the original otherwise), a video's still frame (left out until it is made).
fn pictures(
    conn: &mut DbConnection,
    ids: &[&str],
    small_screen: bool,
) -> Result<HashMap<String, MediaRef>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<MediaAssetRow> = media_assets::table
        .filter(media_assets::id.eq_any(ids))
        .select(MediaAssetRow::as_select())
        .load(conn)?;
    let sources: Vec<&str> = rows.iter().map(|row| row.sha256.as_str()).collect();
    let renditions = renditions_of(
        conn,
        &sources,
        &[RenditionKind::Screen1080p, RenditionKind::PosterFrame],
    )?;
    let rendition = |row: &MediaAssetRow, kind: RenditionKind| {
        renditions.get(&(row.sha256.clone(), kind)).cloned()
    };
    Ok(rows
        .iter()
        .filter_map(|row| {
            let picture = if row.duration_ms.is_some() {
                rendition(row, RenditionKind::PosterFrame)?
            } else if small_screen {
                rendition(row, RenditionKind::Screen1080p).unwrap_or_else(|| media_ref(row))
            } else {
                media_ref(row)
            };
            Some((row.id.clone(), picture))
        })
        .collect())
}
