//! Buildings: finding one, adding one, changing its details, removing one with what it takes
//! along (said first, by `building_contents`); names are unique.

use crate::core::actor::Actor;
use crate::core::audit;
use crate::db::models::{BuildingRow, to_json};
use crate::db::schema::{buildings, playlist_items, playlists, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use civicast_shared::Validate;
use civicast_shared::api::places::{Building, BuildingInput};
use diesel::prelude::*;
use serde_json::json;

pub fn find_building(conn: &mut DbConnection, id: &str) -> Result<BuildingRow, AppError> {
    crate::find_by_id!(conn, buildings::table, BuildingRow, id, "building")
}

pub fn ensure_unique_name(
    conn: &mut DbConnection,
    name: &str,
    except_id: &str,
) -> Result<(), AppError> {
    crate::ensure_unique_name!(conn, buildings, name, except_id, "a building named")
}

/// Replaces a building's details (administrators), as the API and the portal's hours page do.
pub fn change_building(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
    input: BuildingInput,
) -> Result<Building, AppError> {
    user.require_admin()?;
    input.validate()?;
    let mut row = find_building(conn, id)?;
    row.name = input.name.trim().to_owned();
    ensure_unique_name(conn, &row.name, id)?;
    row.address = input.address.trim().to_owned();
    row.display_hours = input.display_hours.as_ref().map(to_json);
    row.opening_hours = stored_opening_hours(&input);
    row.time_zone = input.time_zone;
    row.venue_type = input.venue_type.as_str().to_owned();
    row.updated_at = db::now();
    diesel::update(buildings::table.find(id))
        .set(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "building.update",
        "building",
        id,
        json!({ "name": row.name }),
    )?;
    Ok(Building::from(row))
}

/// Admins add a building; its name is unique.
pub fn add_building(
    conn: &mut DbConnection,
    user: &Actor,
    input: &BuildingInput,
) -> Result<Building, AppError> {
    user.require_admin()?;
    input.validate()?;
    let name = input.name.trim().to_owned();
    ensure_unique_name(conn, &name, "")?;
    let now = db::now();
    let row = BuildingRow {
        id: db::new_id(),
        name,
        address: input.address.trim().to_owned(),
        time_zone: input.time_zone.clone(),
        venue_type: input.venue_type.as_str().to_owned(),
        created_at: now,
        updated_at: now,
        display_hours: input.display_hours.as_ref().map(to_json),
        opening_hours: stored_opening_hours(input),
    };
    diesel::insert_into(buildings::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "building.create",
        "building",
        &row.id,
        json!({ "name": row.name }),
    )?;
    Ok(Building::from(row))
}

/// Opening hours as stored: none for "always open".
pub fn stored_opening_hours(input: &BuildingInput) -> Option<String> {
    (!input.opening_hours.is_empty()).then(|| to_json(&input.opening_hours))
}

/// Every building's id and name, by name: for showing where things play.
pub fn names(conn: &mut DbConnection) -> Result<Vec<(String, String)>, AppError> {
    Ok(buildings::table
        .order(buildings::name.asc())
        .select((buildings::id, buildings::name))
        .load(conn)?)
}

/// What removing a building takes along with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildingContents {
    /// The names of its screens.
    pub screens: Vec<String>,
    pub playlists: i64,
    pub playlist_items: i64,
}

pub fn building_contents(conn: &mut DbConnection, id: &str) -> Result<BuildingContents, AppError> {
    let playlist_ids = playlists::table
        .filter(playlists::building_id.eq(id))
        .select(playlists::id);
    Ok(BuildingContents {
        screens: screens::table
            .filter(screens::building_id.eq(id))
            .order(screens::name.asc())
            .select(screens::name)
            .load(conn)?,
        playlists: playlists::table
            .filter(playlists::building_id.eq(id))
            .count()
            .get_result(conn)?,
        playlist_items: playlist_items::table
            .filter(playlist_items::playlist_id.eq_any(playlist_ids))
            .count()
            .get_result(conn)?,
    })
}

/// Administrators remove a building with its screens (their players lose their tokens and ask
/// to be paired again), its playlists and their items. Its proof of play stays in the reports.
pub fn delete_building(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
) -> Result<BuildingContents, AppError> {
    user.require_admin()?;
    let row = find_building(conn, id)?;
    let contents = building_contents(conn, id)?;
    diesel::delete(screens::table.filter(screens::building_id.eq(id))).execute(conn)?;
    let playlist_ids: Vec<String> = playlists::table
        .filter(playlists::building_id.eq(id))
        .select(playlists::id)
        .load(conn)?;
    let shown_events: Vec<String> = playlist_items::table
        .filter(playlist_items::playlist_id.eq_any(&playlist_ids))
        .filter(playlist_items::event_id.is_not_null())
        .select(playlist_items::event_id.assume_not_null())
        .distinct()
        .load(conn)?;
    diesel::delete(playlist_items::table.filter(playlist_items::playlist_id.eq_any(&playlist_ids)))
        .execute(conn)?;
    diesel::delete(playlists::table.filter(playlists::building_id.eq(id))).execute(conn)?;
    diesel::delete(buildings::table.find(id)).execute(conn)?;
    // The events it showed are no longer approved into it.
    for event_id in &shown_events {
        crate::core::playlists::sync_event_buildings(conn, event_id)?;
    }
    audit::record(
        conn,
        user,
        "building.delete",
        "building",
        id,
        json!({
            "name": row.name,
            "screens": contents.screens,
            "playlist_items": contents.playlist_items,
        }),
    )?;
    Ok(contents)
}
