//! Programming building playlists: items (approved events, city slides, announcements) in
//! loop order with their durations and schedules. The JSON API and the portal's playlist page
//! both call these; callers run them inside a transaction.

use civicast_shared::Validate;
use civicast_shared::api::events::EventStatus;
use civicast_shared::api::playlists::{
    PlaylistItem, PlaylistItemInput, PlaylistItemKind, item_duration,
};
use diesel::prelude::*;
use serde_json::json;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::places::buildings::find_building;
use crate::core::proof::ledger;
use crate::db::models::{EventRow, PlaylistItemRow, PlaylistRow, to_json};
use crate::db::schema::{events, media_assets, playlist_items, playlists};
use crate::db::{self, DbConnection};
use crate::error::AppError;

pub fn find_playlist(conn: &mut DbConnection, id: &str) -> Result<PlaylistRow, AppError> {
    crate::find_by_id!(conn, playlists::table, PlaylistRow, id, "playlist")
}

pub fn find_item(
    conn: &mut DbConnection,
    playlist_id: &str,
    item_id: &str,
) -> Result<PlaylistItemRow, AppError> {
    playlist_items::table
        .find(item_id)
        .filter(playlist_items::playlist_id.eq(playlist_id))
        .select(PlaylistItemRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no item {item_id} in playlist {playlist_id}")))
}

fn load_order(conn: &mut DbConnection, playlist_id: &str) -> Result<Vec<(String, i32)>, AppError> {
    Ok(playlist_items::table
        .filter(playlist_items::playlist_id.eq(playlist_id))
        .order((
            playlist_items::position.asc(),
            playlist_items::created_at.asc(),
        ))
        .select((playlist_items::id, playlist_items::position))
        .load(conn)?)
}

/// Stores positions 0..n in the given order, touching only the rows that moved.
fn write_positions(conn: &mut DbConnection, order: &[(String, i32)]) -> Result<(), AppError> {
    for (index, (id, position)) in order.iter().enumerate() {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        if *position != index {
            diesel::update(playlist_items::table.find(id))
                .set(playlist_items::position.eq(index))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Puts `item_id` at `target` (clamped to the end) and renumbers the loop 0..n without gaps.
pub fn place_item(
    conn: &mut DbConnection,
    playlist_id: &str,
    item_id: &str,
    target: Option<u32>,
) -> Result<(), AppError> {
    let mut order = load_order(conn, playlist_id)?;
    let Some(current) = order.iter().position(|(id, _)| id == item_id) else {
        return Ok(());
    };
    let moved = order.remove(current);
    let target = target.map_or(order.len(), |t| (t as usize).min(order.len()));
    order.insert(target, moved);
    write_positions(conn, &order)
}

/// Closes the gaps that removed items leave in a loop.
pub fn renumber(conn: &mut DbConnection, playlist_id: &str) -> Result<(), AppError> {
    let order = load_order(conn, playlist_id)?;
    write_positions(conn, &order)
}

/// Checks that an item's event is approved and its media exists; returns the length of the
/// video it shows, if it shows one.
fn check_item_references(
    conn: &mut DbConnection,
    input: &PlaylistItemInput,
) -> Result<Option<u32>, AppError> {
    let mut video_ms = None;
    if let Some(event_id) = input.event_id {
        let event = events::table
            .find(event_id.to_string())
            .select(EventRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::invalid("event_id", "no event with this id"))?;
        if event.status() != EventStatus::Approved {
            return Err(AppError::invalid(
                "event_id",
                "only approved events can be put in a playlist",
            ));
        }
        if let Some(poster) = &event.poster_media_id {
            video_ms = video_length(conn, poster)?.flatten();
        }
    }
    if let Some(media_id) = input.media_id {
        video_ms = video_length(conn, &media_id.to_string())?
            .ok_or_else(|| AppError::invalid("media_id", "no media with this id"))?;
    }
    Ok(video_ms.and_then(|ms| u32::try_from(ms).ok()))
}

/// A library entry's video length: `None` when there is no such entry, `Some(None)` for an
/// image.
pub fn video_length(
    conn: &mut DbConnection,
    media_id: &str,
) -> Result<Option<Option<i32>>, AppError> {
    Ok(media_assets::table
        .find(media_id)
        .select(media_assets::duration_ms)
        .first::<Option<i32>>(conn)
        .optional()?)
}

fn item_fields(row: &mut PlaylistItemRow, input: &PlaylistItemInput, video_ms: Option<u32>) {
    row.kind = input.kind.as_str().to_owned();
    row.event_id = input.event_id.map(|id| id.to_string());
    row.media_id = input.media_id.map(|id| id.to_string());
    row.text = input.text.as_ref().map(|t| t.trim().to_owned());
    let duration = item_duration(input.duration_ms, video_ms);
    row.duration_ms = i32::try_from(duration).unwrap_or(i32::MAX);
    row.sound = input.sound;
    row.fit = input.fit.as_str().to_owned();
    row.schedule = to_json(&input.schedule);
    row.updated_at = db::now();
}

/// "The building's playlist": its first, which approved events go into and which its screens
/// without a playlist of their own play. `None` while the building has none.
pub fn first_of_building(
    conn: &mut DbConnection,
    building_id: &str,
) -> Result<Option<String>, AppError> {
    Ok(playlists::table
        .filter(playlists::building_id.eq(building_id))
        .order(playlists::created_at.asc())
        .select(playlists::id)
        .first::<String>(conn)
        .optional()?)
}

/// The playlist an approved event goes into: the building's first playlist, made if it has none.
pub fn building_playlist(conn: &mut DbConnection, building_id: &str) -> Result<String, AppError> {
    if let Some(id) = first_of_building(conn, building_id)? {
        return Ok(id);
    }
    let building = find_building(conn, building_id)?;
    let now = db::now();
    let row = PlaylistRow {
        id: db::new_id(),
        building_id: building_id.to_owned(),
        name: building.name,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(playlists::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.id)
}

/// Adds an item to a playlist, at `input.position` or at the end.
pub fn add_item(
    conn: &mut DbConnection,
    user: &Actor,
    playlist_id: &str,
    input: &PlaylistItemInput,
) -> Result<PlaylistItem, AppError> {
    user.require_staff()?;
    input.validate()?;
    find_playlist(conn, playlist_id)?;
    let video_ms = check_item_references(conn, input)?;
    let now = db::now();
    let mut row = PlaylistItemRow {
        id: db::new_id(),
        playlist_id: playlist_id.to_owned(),
        position: i32::MAX,
        kind: String::new(),
        event_id: None,
        media_id: None,
        text: None,
        duration_ms: 0,
        fit: String::new(),
        schedule: String::new(),
        created_at: now,
        updated_at: now,
        sound: false,
    };
    item_fields(&mut row, input, video_ms);
    diesel::insert_into(playlist_items::table)
        .values(&row)
        .execute(conn)?;
    ledger::record_item(conn, &row)?;
    place_item(conn, playlist_id, &row.id, input.position)?;
    if let Some(event_id) = &row.event_id {
        sync_event_buildings(conn, event_id)?;
    }
    audit::record(
        conn,
        user,
        "playlist.item.create",
        "playlist_item",
        &row.id,
        json!({ "playlist_id": playlist_id, "kind": row.kind }),
    )?;
    find_item(conn, playlist_id, &row.id).map(PlaylistItem::from)
}

/// Replaces an item; with `input.position` it also moves in the loop.
pub fn update_item(
    conn: &mut DbConnection,
    user: &Actor,
    playlist_id: &str,
    item_id: &str,
    input: &PlaylistItemInput,
) -> Result<PlaylistItem, AppError> {
    user.require_staff()?;
    input.validate()?;
    let mut row = find_item(conn, playlist_id, item_id)?;
    let video_ms = check_item_references(conn, input)?;
    let previous_event = row.event_id.clone();
    item_fields(&mut row, input, video_ms);
    diesel::update(playlist_items::table.find(item_id))
        .set(&row)
        .execute(conn)?;
    ledger::record_item(conn, &row)?;
    if input.position.is_some() {
        place_item(conn, playlist_id, item_id, input.position)?;
    }
    for event_id in [previous_event, row.event_id.clone()].into_iter().flatten() {
        sync_event_buildings(conn, &event_id)?;
    }
    audit::record(
        conn,
        user,
        "playlist.item.update",
        "playlist_item",
        item_id,
        json!({ "playlist_id": playlist_id }),
    )?;
    find_item(conn, playlist_id, item_id).map(PlaylistItem::from)
}

/// Moves an item to `position` in the loop (clamped to the end).
pub fn move_item(
    conn: &mut DbConnection,
    user: &Actor,
    playlist_id: &str,
    item_id: &str,
    position: u32,
) -> Result<(), AppError> {
    user.require_staff()?;
    find_item(conn, playlist_id, item_id)?;
    place_item(conn, playlist_id, item_id, Some(position))?;
    audit::record(
        conn,
        user,
        "playlist.item.move",
        "playlist_item",
        item_id,
        json!({ "playlist_id": playlist_id, "position": position }),
    )
}

/// Takes an item out of its playlist and closes the gap.
pub fn remove_item(
    conn: &mut DbConnection,
    user: &Actor,
    playlist_id: &str,
    item_id: &str,
) -> Result<(), AppError> {
    user.require_staff()?;
    let item = find_item(conn, playlist_id, item_id)?;
    diesel::delete(playlist_items::table.find(item_id)).execute(conn)?;
    renumber(conn, playlist_id)?;
    if let Some(event_id) = &item.event_id {
        sync_event_buildings(conn, event_id)?;
    }
    audit::record(
        conn,
        user,
        "playlist.item.delete",
        "playlist_item",
        item_id,
        json!({ "playlist_id": playlist_id }),
    )
}

/// Keeps where an approved event is approved true to where it plays: its
/// `approved_building_ids` become the buildings whose playlists hold it, those it was approved
/// for first in their order, then any it was added to since. What the association reads and
/// what the API answers follow the playlists.
pub fn sync_event_buildings(conn: &mut DbConnection, event_id: &str) -> Result<(), AppError> {
    let Some((status, stored)) = events::table
        .find(event_id)
        .select((events::status, events::approved_building_ids))
        .first::<(String, String)>(conn)
        .optional()?
    else {
        return Ok(());
    };
    if EventStatus::parse(&status) != Some(EventStatus::Approved) {
        return Ok(());
    }
    let mut holding: Vec<String> = playlist_items::table
        .inner_join(playlists::table)
        .filter(playlist_items::event_id.eq(event_id))
        .select(playlists::building_id)
        .distinct()
        .load(conn)?;
    holding.sort();
    let approved: Vec<uuid::Uuid> = crate::db::models::stored_json(&stored);
    let mut kept: Vec<uuid::Uuid> = approved
        .iter()
        .copied()
        .filter(|id| holding.contains(&id.to_string()))
        .collect();
    for building in &holding {
        let id = crate::db::models::stored_id(building);
        if !kept.contains(&id) {
            kept.push(id);
        }
    }
    if kept != approved {
        diesel::update(events::table.find(event_id))
            .set((
                events::approved_building_ids.eq(to_json(&kept)),
                events::updated_at.eq(db::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What a playlist item shows, for lists and dashboards: an event's title and its organiser, a
/// slide's file name, an announcement's text (the city's own content has no organisation).
#[derive(Debug, Clone, Default)]
pub struct ItemContent {
    pub title: String,
    pub organisation: Option<String>,
}

/// What each of `items` shows, in their order, read in two queries whatever their number.
pub fn describe(
    conn: &mut DbConnection,
    items: &[PlaylistItem],
) -> Result<Vec<ItemContent>, AppError> {
    use crate::db::schema::organisations;
    use std::collections::HashMap;
    let event_ids: Vec<String> = items
        .iter()
        .filter_map(|item| item.event_id.map(|id| id.to_string()))
        .collect();
    let media_ids: Vec<String> = items
        .iter()
        .filter_map(|item| item.media_id.map(|id| id.to_string()))
        .collect();
    let events: HashMap<String, (String, String)> = if event_ids.is_empty() {
        HashMap::new()
    } else {
        events::table
            .inner_join(organisations::table)
            .filter(events::id.eq_any(&event_ids))
            .select((events::id, (events::title, organisations::name)))
            .load::<(String, (String, String))>(conn)?
            .into_iter()
            .collect()
    };
    let slides: HashMap<String, String> = if media_ids.is_empty() {
        HashMap::new()
    } else {
        media_assets::table
            .filter(media_assets::id.eq_any(&media_ids))
            .select((media_assets::id, media_assets::original_name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect()
    };
    Ok(items
        .iter()
        .map(|item| match item.kind {
            PlaylistItemKind::Event => {
                let (title, organisation) = item
                    .event_id
                    .and_then(|id| events.get(&id.to_string()).cloned())
                    .unwrap_or_default();
                ItemContent {
                    title,
                    organisation: Some(organisation),
                }
            }
            PlaylistItemKind::Slide => ItemContent {
                title: item
                    .media_id
                    .and_then(|id| slides.get(&id.to_string()).cloned())
                    .unwrap_or_default(),
                organisation: None,
            },
            PlaylistItemKind::Announcement => ItemContent {
                title: item.text.clone().unwrap_or_default(),
                organisation: None,
            },
        })
        .collect())
}

/// The items with these ids, in no particular order (ids no longer in any playlist are absent).
pub fn items_by_id(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<PlaylistItemRow>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(playlist_items::table
        .filter(playlist_items::id.eq_any(ids))
        .select(PlaylistItemRow::as_select())
        .load(conn)?)
}
