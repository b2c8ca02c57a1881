//! Screens: finding one, adding one to a building, its manifest fields, its device token, its
//! player's status reports.

use super::buildings::find_building;
use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::auth::token;
use crate::core::device_cache::LAST_SEEN_RESOLUTION;
use crate::db::models::{PlaylistRow, ScreenChanges, ScreenRow};
use crate::db::schema::{playlists, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use civicast_shared::Validate;
use civicast_shared::api::device::PlayerStatus;
use civicast_shared::api::places::{Orientation, SCREEN_SIDE_MAX, SCREEN_SIDE_MIN, ScreenInput};
use diesel::prelude::*;
use serde_json::json;

pub fn find_screen(conn: &mut DbConnection, id: &str) -> Result<ScreenRow, AppError> {
    crate::find_by_id!(conn, screens::table, ScreenRow, id, "screen")
}

/// Checks the references of a screen: its building exists, and its own playlist (if any) belongs
/// to that building.
pub fn check_references(conn: &mut DbConnection, input: &ScreenInput) -> Result<(), AppError> {
    let building_id = input.building_id.to_string();
    find_building(conn, &building_id)
        .map_err(|_| AppError::invalid("building_id", "no building with this id"))?;
    if let Some(playlist_id) = input.playlist_id {
        let playlist = playlists::table
            .find(playlist_id.to_string())
            .select(PlaylistRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::invalid("playlist_id", "no playlist with this id"))?;
        if playlist.building_id != building_id {
            return Err(AppError::invalid(
                "playlist_id",
                "the playlist belongs to another building than the screen",
            ));
        }
    }
    Ok(())
}

pub fn changes(input: &ScreenInput) -> ScreenChanges {
    ScreenChanges {
        building_id: input.building_id.to_string(),
        playlist_id: input.playlist_id.map(|id| id.to_string()),
        name: input.name.trim().to_owned(),
        kind: input.kind.as_str().to_owned(),
        width: i32::try_from(input.width).unwrap_or(i32::MAX),
        height: i32::try_from(input.height).unwrap_or(i32::MAX),
        orientation: input.orientation.as_str().to_owned(),
        updated_at: db::now(),
    }
}

/// Registers a screen (its input already validated) and records it in the audit log.
pub fn insert_screen(
    conn: &mut DbConnection,
    user: &Actor,
    input: &ScreenInput,
) -> Result<ScreenRow, AppError> {
    check_references(conn, input)?;
    let fields = changes(input);
    let row = ScreenRow {
        id: db::new_id(),
        building_id: fields.building_id,
        playlist_id: fields.playlist_id,
        name: fields.name,
        kind: fields.kind,
        width: fields.width,
        height: fields.height,
        orientation: fields.orientation,
        token_hash: None,
        last_seen_at: None,
        created_at: fields.updated_at,
        updated_at: fields.updated_at,
        player_version: None,
        now_playing_item_id: None,
        manifest_etag: None,
        cache_bytes: None,
        cache_files: None,
        output_width: None,
        output_height: None,
        uptime_s: None,
        status_at: None,
        unplayable: None,
    };
    diesel::insert_into(screens::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "screen.create",
        "screen",
        &row.id,
        json!({ "name": row.name }),
    )?;
    Ok(row)
}

/// Gives the screen a new device token (revoking any earlier one) and returns it.
pub fn replace_device_token(conn: &mut DbConnection, screen_id: &str) -> Result<String, AppError> {
    let device_token = token::generate(token::SCREEN_PREFIX);
    diesel::update(screens::table.find(screen_id))
        .set((
            screens::token_hash.eq(Some(token::hash(&device_token))),
            screens::updated_at.eq(db::now()),
        ))
        .execute(conn)?;
    Ok(device_token)
}

/// The screen a hashed device token belongs to, if any; its `last_seen_at` is brought up to
/// date when older than the resolution the dashboard shows (so most polls write nothing).
/// The screen a device token belongs to and its building now, without marking it seen; `None`
/// once the token is revoked or the screen deleted.
pub fn screen_and_building_for_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(String, String)>, AppError> {
    Ok(screens::table
        .filter(screens::token_hash.eq(token_hash))
        .select((screens::id, screens::building_id))
        .first::<(String, String)>(conn)
        .optional()?)
}

pub fn screen_for_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(String, String)>, AppError> {
    let found = screens::table
        .filter(screens::token_hash.eq(token_hash))
        .select((screens::id, screens::building_id, screens::last_seen_at))
        .first::<(String, String, Option<chrono::NaiveDateTime>)>(conn)
        .optional()?;
    let Some((id, building_id, last_seen)) = found else {
        return Ok(None);
    };
    let now = db::now();
    if last_seen
        .is_none_or(|seen| (now - seen).to_std().unwrap_or_default() >= LAST_SEEN_RESOLUTION)
    {
        diesel::update(screens::table.find(&id))
            .set(screens::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((id, building_id)))
}

/// The orientation of an output of this size: portrait when it is taller than it is wide.
pub fn orientation_of(width: u32, height: u32) -> Orientation {
    if height > width {
        Orientation::Portrait
    } else {
        Orientation::Landscape
    }
}

/// Stores a player's status report on its screen. When the player's output size changed since
/// its previous report (another monitor, a rotated one, a window resized), the screen's
/// resolution and orientation follow it, recorded in the audit log; a resolution staff set by
/// hand stands until the output really changes.
pub fn record_player_status(
    conn: &mut DbConnection,
    screen_id: &str,
    status: &PlayerStatus,
) -> Result<(), AppError> {
    status.validate()?;
    db::transaction(conn, |conn| {
        let screen = find_screen(conn, screen_id)?;
        let valid = |width: u32, height: u32| {
            (SCREEN_SIDE_MIN..=SCREEN_SIDE_MAX).contains(&width)
                && (SCREEN_SIDE_MIN..=SCREEN_SIDE_MAX).contains(&height)
        };
        let previous = screen
            .output_width
            .zip(screen.output_height)
            .and_then(|(w, h)| Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?)))
            .filter(|&(w, h)| valid(w, h));
        let now = (status.width, status.height);
        let registered = (
            u32::try_from(screen.width).unwrap_or_default(),
            u32::try_from(screen.height).unwrap_or_default(),
        );
        if valid(now.0, now.1)
            && previous.is_some_and(|previous| previous != now)
            && registered != now
        {
            let orientation = orientation_of(now.0, now.1);
            diesel::update(screens::table.find(screen_id))
                .set((
                    screens::width.eq(i32::try_from(now.0).unwrap_or(i32::MAX)),
                    screens::height.eq(i32::try_from(now.1).unwrap_or(i32::MAX)),
                    screens::orientation.eq(orientation.as_str()),
                    screens::updated_at.eq(db::now()),
                ))
                .execute(conn)?;
            audit::record_as(
                conn,
                None,
                "player",
                "screen.output_changed",
                "screen",
                screen_id,
                json!({
                    "from": format!("{}x{}", registered.0, registered.1),
                    "to": format!("{}x{}", now.0, now.1),
                    "orientation": orientation.as_str(),
                }),
            )?;
        }
        diesel::update(screens::table.find(screen_id))
            .set((
                screens::player_version.eq(Some(status.player_version.trim())),
                screens::now_playing_item_id.eq(status.now_playing.map(|id| id.to_string())),
                screens::manifest_etag.eq(status.manifest_etag.as_deref()),
                screens::cache_bytes
                    .eq(Some(i64::try_from(status.cache_bytes).unwrap_or(i64::MAX))),
                screens::cache_files
                    .eq(Some(i32::try_from(status.cache_files).unwrap_or(i32::MAX))),
                screens::output_width.eq(Some(i32::try_from(status.width).unwrap_or_default())),
                screens::output_height.eq(Some(i32::try_from(status.height).unwrap_or_default())),
                screens::uptime_s.eq(Some(i64::try_from(status.uptime_s).unwrap_or(i64::MAX))),
                screens::status_at.eq(Some(db::now())),
                screens::unplayable.eq((!status.unplayable.is_empty())
                    .then(|| serde_json::to_string(&status.unplayable).unwrap_or_default())),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Administrators change a screen: its name, building, kind, size and orientation, its own
/// playlist. Moved to another building, it plays that building's playlist from its next poll.
pub fn update_screen(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    input: &ScreenInput,
) -> Result<ScreenRow, AppError> {
    user.require_admin()?;
    input.validate()?;
    find_screen(conn, id)?;
    check_references(conn, input)?;
    diesel::update(screens::table.find(id))
        .set(changes(input))
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "screen.update",
        "screen",
        id,
        json!({ "name": input.name, "building_id": input.building_id }),
    )?;
    find_screen(conn, id)
}

/// Administrators remove a screen; its player's token stops working at once.
pub fn delete_screen(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<(), AppError> {
    user.require_admin()?;
    let row = find_screen(conn, id)?;
    diesel::delete(screens::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        user,
        "screen.delete",
        "screen",
        id,
        json!({ "name": row.name }),
    )
}

/// Administrators issue a new device token for a screen, revoking the one its player has.
pub fn issue_token(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<String, AppError> {
    user.require_admin()?;
    find_screen(conn, id)?;
    let device_token = replace_device_token(conn, id)?;
    audit::record(conn, user, "screen.token", "screen", id, json!({}))?;
    Ok(device_token)
}
