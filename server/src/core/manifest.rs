//! Building a screen's manifest: its loop (its own playlist or its building's first), approved
//! events only, each item with its schedule, the event card's fields and the file a screen of
//! its size gets. The device cache keeps what this builds until the content changes.

use crate::core::device_cache::{CachedManifest, DeviceCache};
use crate::core::places::buildings::find_building;
use crate::core::places::screens::find_screen;
use crate::db::DbConnection;
use crate::db::models::{
    EventRow, MediaAssetRow, PlaylistItemRow, ScreenRow, stored_id, stored_json,
};
use crate::db::schema::{events, media_assets, media_renditions, organisations, playlist_items};
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::settings::LookSettings;
use civicast_shared::api::device::{
    EventCard, Look, MANIFEST_SCHEMA_VERSION, Manifest, ManifestItem, MediaRef,
};
use civicast_shared::api::events::{EventCategory, EventStatus};
use civicast_shared::api::media::RenditionKind;
use civicast_shared::api::places::{Orientation, ScreenKind};
use civicast_shared::api::playlists::{Fit, PlaylistItemKind};
use civicast_shared::schedule::Schedule;
use diesel::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Seconds between a player's polls while the server answers.
pub const POLL_INTERVAL_S: u32 = 10;

/// The playlist a screen plays: its own (LED walls), else its building's first.
pub fn playlist_of(
    conn: &mut DbConnection,
    own: Option<&str>,
    building_id: &str,
) -> Result<Option<String>, AppError> {
    if let Some(own) = own {
        return Ok(Some(own.to_owned()));
    }
    crate::core::playlists::first_of_building(conn, building_id)
}

pub fn media_ref(row: &MediaAssetRow) -> MediaRef {
    MediaRef {
        sha256: row.sha256.clone(),
        size_bytes: u64::try_from(row.size_bytes).unwrap_or_default(),
        content_type: row.content_type.clone(),
        width: u32::try_from(row.width).unwrap_or_default(),
        height: u32::try_from(row.height).unwrap_or_default(),
        duration_ms: None,
    }
}

/// The renditions of the originals with these SHA-256 sums, of the kinds asked for, as a screen
/// fetches them: by (original's SHA-256, kind).
pub fn renditions_of(
    conn: &mut DbConnection,
    sources: &[&str],
    kinds: &[RenditionKind],
) -> Result<HashMap<(String, RenditionKind), MediaRef>, AppError> {
    let mut renditions = HashMap::new();
    if sources.is_empty() {
        return Ok(renditions);
    }
    let kinds: Vec<&str> = kinds.iter().map(|kind| kind.as_str()).collect();
    for (source, kind, sha256, size, content_type, width, height) in media_renditions::table
        .filter(media_renditions::source_sha256.eq_any(sources))
        .filter(media_renditions::kind.eq_any(kinds))
        .select((
            media_renditions::source_sha256,
            media_renditions::kind,
            media_renditions::sha256,
            media_renditions::size_bytes,
            media_renditions::content_type,
            media_renditions::width,
            media_renditions::height,
        ))
        .load::<(String, String, String, i64, String, i32, i32)>(conn)?
    {
        let Some(kind) = RenditionKind::parse(&kind) else {
            continue;
        };
        let media = MediaRef {
            sha256,
            size_bytes: u64::try_from(size).unwrap_or_default(),
            content_type,
            width: u32::try_from(width).unwrap_or_default(),
            height: u32::try_from(height).unwrap_or_default(),
            duration_ms: None,
        };
        renditions.insert((source, kind), media);
    }
    Ok(renditions)
}

/// The look a manifest carries: the settings, with the logo's file from the library (a logo
/// removed from the library is left out rather than failing every screen's manifest).
fn look(conn: &mut DbConnection, settings: &LookSettings) -> Result<Look, AppError> {
    let logo = match settings.logo_media_id {
        Some(id) => media_assets::table
            .find(id.to_string())
            .select(MediaAssetRow::as_select())
            .first(conn)
            .optional()?
            .filter(|row| row.content_type.starts_with("image/"))
            .map(|row| media_ref(&row)),
        None => None,
    };
    Ok(Look {
        city_name: settings.city_name.clone(),
        accent: settings.accent.clone(),
        ground: settings.ground.clone(),
        logo,
    })
}

/// Builds the manifest of a screen (as read from the database) from the database.
pub fn build_manifest(
    conn: &mut DbConnection,
    screen: ScreenRow,
    look_settings: &LookSettings,
) -> Result<Manifest, AppError> {
    let building = find_building(conn, &screen.building_id)?;
    let playlist_id = playlist_of(conn, screen.playlist_id.as_deref(), &screen.building_id)?;
    let rows: Vec<PlaylistItemRow> = match &playlist_id {
        Some(playlist_id) => playlist_items::table
            .filter(playlist_items::playlist_id.eq(playlist_id))
            .order((
                playlist_items::position.asc(),
                playlist_items::created_at.asc(),
            ))
            .select(PlaylistItemRow::as_select())
            .load(conn)?,
        None => Vec::new(),
    };
    let event_ids: Vec<&str> = rows.iter().filter_map(|r| r.event_id.as_deref()).collect();
    let event_rows: Vec<(EventRow, String)> = events::table
        .inner_join(organisations::table)
        .filter(events::id.eq_any(&event_ids))
        .select((EventRow::as_select(), organisations::name))
        .load(conn)?;
    let events_by_id: HashMap<String, (EventRow, String)> = event_rows
        .into_iter()
        .map(|(event, organiser)| (event.id.clone(), (event, organiser)))
        .collect();
    let media_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.media_id.as_deref())
        .chain(
            events_by_id
                .values()
                .filter_map(|(event, _)| event.poster_media_id.as_deref()),
        )
        .collect();
    let media_by_id: HashMap<String, MediaAssetRow> = media_assets::table
        .filter(media_assets::id.eq_any(&media_ids))
        .select(MediaAssetRow::as_select())
        .load::<MediaAssetRow>(conn)?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();

    // A screen up to 1080p gets each image's 1080p rendition where it has one: a fraction of
    // the bytes to download and of the memory to decode, for the same picture. Every screen
    // gets a video as its H.264 rendition (the original is never sent), or, as an event's
    // poster, its still frame until that rendition is ready.
    let small_screen = screen.width.max(screen.height) <= 1920;
    let sources: Vec<&str> = media_by_id.values().map(|m| m.sha256.as_str()).collect();
    let renditions = renditions_of(
        conn,
        &sources,
        &[
            RenditionKind::Screen1080p,
            RenditionKind::Screen1080pSound,
            RenditionKind::PosterFrame,
        ],
    )?;
    let rendition = |row: &MediaAssetRow, kind: RenditionKind| {
        renditions.get(&(row.sha256.clone(), kind)).cloned()
    };
    // What a screen shows of a library file, and whether it carries sound: `None` for a video
    // whose rendition is not ready (an event poster then shows the still frame).
    let screen_media =
        |row: &MediaAssetRow, sound: bool, as_poster: bool| -> Option<(MediaRef, bool)> {
            let Some(duration_ms) = row.duration_ms else {
                let image = rendition(row, RenditionKind::Screen1080p)
                    .filter(|_| small_screen)
                    .unwrap_or_else(|| media_ref(row));
                return Some((image, false));
            };
            let with_sound = rendition(row, RenditionKind::Screen1080pSound).filter(|_| sound);
            let played = with_sound
                .clone()
                .or_else(|| rendition(row, RenditionKind::Screen1080p));
            match played {
                Some(mut video) => {
                    video.duration_ms = u32::try_from(duration_ms).ok();
                    Some((video, with_sound.is_some()))
                }
                None if as_poster => {
                    rendition(row, RenditionKind::PosterFrame).map(|still| (still, false))
                }
                None => None,
            }
        };

    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let kind = PlaylistItemKind::parse(&row.kind).unwrap_or(PlaylistItemKind::Announcement);
        let mut media = row
            .media_id
            .as_ref()
            .and_then(|id| media_by_id.get(id))
            .and_then(|m| screen_media(m, row.sound, false));
        let mut event = None;
        if let Some(event_id) = &row.event_id {
            // Only approved events reach a screen, whatever a playlist still holds.
            let Some((event_row, organiser)) = events_by_id.get(event_id) else {
                continue;
            };
            if event_row.status() != EventStatus::Approved {
                continue;
            }
            media = event_row
                .poster_media_id
                .as_ref()
                .and_then(|id| media_by_id.get(id))
                .and_then(|m| screen_media(m, row.sound, true));
            event = Some(EventCard {
                title: event_row.title.clone(),
                description: event_row.description.clone(),
                starts_at: event_row.starts_at.and_utc(),
                ends_at: event_row.ends_at.and_utc(),
                venue: event_row.venue.clone(),
                category: EventCategory::parse(&event_row.category).unwrap_or(EventCategory::Other),
                link: event_row.link.clone(),
                organiser: organiser.clone(),
            });
        }
        if kind == PlaylistItemKind::Slide && media.is_none() {
            continue; // its image was removed from the library, or its video is not ready
        }
        let (media, sound) = match media {
            Some((media, sound)) => (Some(media), sound),
            None => (None, false),
        };
        items.push(ManifestItem {
            id: stored_id(&row.id),
            kind,
            duration_ms: u32::try_from(row.duration_ms).unwrap_or_default(),
            fit: Fit::parse(&row.fit).unwrap_or(Fit::Fit),
            schedule: stored_json::<Schedule>(&row.schedule),
            media,
            text: row.text,
            event,
            sound,
        });
    }
    let display_hours = building.display_hours();
    let kind = ScreenKind::parse(&screen.kind).unwrap_or(ScreenKind::InformationScreen);
    let kiosk = match kind {
        ScreenKind::Kiosk => Some(crate::core::kiosks::content::kiosk_content(
            conn,
            &screen,
            &look_settings.public_url,
        )?),
        _ => None,
    };
    Ok(Manifest {
        schema_version: MANIFEST_SCHEMA_VERSION,
        screen_id: stored_id(&screen.id),
        screen_name: screen.name,
        kind,
        width: u32::try_from(screen.width).unwrap_or_default(),
        height: u32::try_from(screen.height).unwrap_or_default(),
        orientation: Orientation::parse(&screen.orientation).unwrap_or(Orientation::Landscape),
        building_name: building.name,
        display_hours,
        time_zone: building.time_zone,
        poll_interval_s: POLL_INTERVAL_S,
        items,
        look: look(conn, look_settings)?,
        kiosk,
    })
}

/// The manifest of `screen_id` as sent: from this instance's cache while the content version
/// is unchanged, else built, serialised and kept.
pub async fn cached(
    pool: &DbPool,
    cache: &DeviceCache,
    screen_id: Uuid,
    look: &LookSettings,
) -> Result<Arc<CachedManifest>, AppError> {
    if let Some(cached) = cache.manifest(screen_id) {
        return Ok(cached);
    }
    let ticket = cache.ticket();
    let id = screen_id.to_string();
    let look = look.clone();
    let (manifest, building_id) = db::run(pool, move |conn| {
        let screen = find_screen(conn, &id)?;
        let building_id = screen.building_id.clone();
        Ok((build_manifest(conn, screen, &look)?, building_id))
    })
    .await?;
    let body = serde_json::to_vec(&manifest)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("manifest serialisation: {e}")))?;
    let media = manifest
        .media()
        .into_iter()
        .map(|media| media.sha256.clone())
        .collect();
    let mut cached = CachedManifest::of(body, media);
    cached.kiosk = manifest.kiosk.is_some();
    let cached = Arc::new(cached);
    cache.remember_manifest(ticket, screen_id, building_id, cached.clone());
    Ok(cached)
}
