//! Screens: finding one, adding one to a building, its manifest fields, its device token.

use super::buildings::find_building;
use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::auth::token;
use crate::core::device_cache::LAST_SEEN_RESOLUTION;
use crate::db::models::{PlaylistRow, ScreenChanges, ScreenRow};
use crate::db::schema::{playlists, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use civicast_shared::api::places::ScreenInput;
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
pub fn screen_for_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<String>, AppError> {
    let found = screens::table
        .filter(screens::token_hash.eq(token_hash))
        .select((screens::id, screens::last_seen_at))
        .first::<(String, Option<chrono::NaiveDateTime>)>(conn)
        .optional()?;
    let Some((id, last_seen)) = found else {
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
    Ok(Some(id))
}
