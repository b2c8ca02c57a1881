//! The media library as people see it: each file with who uploaded it and where it is used
//! (events' posters, playlist items, emergency messages, kiosks' maps), and removing a file
//! nobody uses.
//! Staff see every library; an association member sees their organisation's.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::json;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::db::DbConnection;
use crate::db::models::{MediaAssetRow, stored_opt_id};
use crate::db::schema::{
    buildings, emergency_messages, events, kiosk_settings, media_assets, media_renditions,
    organisations, playlist_items, playlists, screens, users,
};
use crate::error::AppError;

/// Most files one library page lists, newest first.
pub const LIBRARY_PAGE: i64 = 200;

/// One file of a library and where it is used.
#[derive(Debug, Clone)]
pub struct LibraryEntry {
    pub row: MediaAssetRow,
    /// The uploader's name, if their account still exists (the hot folder uploads as nobody).
    pub uploaded_by: Option<String>,
    /// The organisation whose library it is; `None` for the city's own.
    pub organisation: Option<String>,
    /// (event id, title) of the events that have it as their poster.
    pub events: Vec<(String, String)>,
    /// The name of the building of each playlist item that shows it.
    pub items: Vec<String>,
    /// Emergency messages (shown or past) with it as their image.
    pub emergency_messages: i64,
    /// The names of the kiosks that show it as their "you are here" map.
    pub kiosk_maps: Vec<String>,
    pub has_thumbnail: bool,
}

impl LibraryEntry {
    pub fn is_used(&self) -> bool {
        !self.events.is_empty()
            || !self.items.is_empty()
            || self.emergency_messages > 0
            || !self.kiosk_maps.is_empty()
    }
}

/// A library entry `user` may see; others' look absent.
pub fn find_visible(
    conn: &mut DbConnection,
    user: &Actor,
    id: &str,
) -> Result<MediaAssetRow, AppError> {
    let not_found = || AppError::NotFound(format!("no media with id {id}"));
    let row = media_assets::table
        .find(id)
        .select(MediaAssetRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    if !user.can_access_organisation(stored_opt_id(row.organisation_id.as_deref())) {
        return Err(not_found());
    }
    Ok(row)
}

/// The files `user` may see, newest first, with where each is used, in a fixed number of
/// queries whatever their number.
pub fn list(conn: &mut DbConnection, user: &Actor) -> Result<Vec<LibraryEntry>, AppError> {
    let mut visible = media_assets::table.into_boxed();
    if !user.is_staff() {
        let own = user
            .organisation_id
            .map(|id| id.to_string())
            .unwrap_or_default();
        visible = visible.filter(media_assets::organisation_id.eq(own));
    }
    let rows: Vec<MediaAssetRow> = visible
        .order(media_assets::created_at.desc())
        .limit(LIBRARY_PAGE)
        .select(MediaAssetRow::as_select())
        .load(conn)?;
    describe(conn, rows)
}

/// Where each of `rows` is used, who uploaded it and whose it is.
pub fn describe(
    conn: &mut DbConnection,
    rows: Vec<MediaAssetRow>,
) -> Result<Vec<LibraryEntry>, AppError> {
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let shas: Vec<&str> = rows.iter().map(|row| row.sha256.as_str()).collect();
    let uploader_ids: Vec<&str> = rows
        .iter()
        .filter_map(|row| row.uploaded_by.as_deref())
        .collect();
    let organisation_ids: Vec<&str> = rows
        .iter()
        .filter_map(|row| row.organisation_id.as_deref())
        .collect();
    let uploaders: HashMap<String, String> = users::table
        .filter(users::id.eq_any(&uploader_ids))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let owners: HashMap<String, String> = organisations::table
        .filter(organisations::id.eq_any(&organisation_ids))
        .select((organisations::id, organisations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut posters: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (media, id, title) in events::table
        .filter(events::poster_media_id.eq_any(&ids))
        .order(events::starts_at.asc())
        .select((
            events::poster_media_id.assume_not_null(),
            events::id,
            events::title,
        ))
        .load::<(String, String, String)>(conn)?
    {
        posters.entry(media).or_default().push((id, title));
    }
    let mut shown: HashMap<String, Vec<String>> = HashMap::new();
    for (media, building) in playlist_items::table
        .inner_join(playlists::table.inner_join(buildings::table))
        .filter(playlist_items::media_id.eq_any(&ids))
        .order(buildings::name.asc())
        .select((playlist_items::media_id.assume_not_null(), buildings::name))
        .load::<(String, String)>(conn)?
    {
        shown.entry(media).or_default().push(building);
    }
    let mut alarms: HashMap<String, i64> = HashMap::new();
    for media in emergency_messages::table
        .filter(emergency_messages::media_id.eq_any(&ids))
        .select(emergency_messages::media_id.assume_not_null())
        .load::<String>(conn)?
    {
        *alarms.entry(media).or_default() += 1;
    }
    let mut maps: HashMap<String, Vec<String>> = HashMap::new();
    for (media, kiosk) in kiosk_settings::table
        .inner_join(screens::table)
        .filter(kiosk_settings::map_media_id.eq_any(&ids))
        .order(screens::name.asc())
        .select((
            kiosk_settings::map_media_id.assume_not_null(),
            screens::name,
        ))
        .load::<(String, String)>(conn)?
    {
        maps.entry(media).or_default().push(kiosk);
    }
    let with_thumbnail: Vec<String> = media_renditions::table
        .filter(media_renditions::source_sha256.eq_any(&shas))
        .filter(media_renditions::kind.eq("thumbnail"))
        .select(media_renditions::source_sha256)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| LibraryEntry {
            uploaded_by: row
                .uploaded_by
                .as_ref()
                .and_then(|id| uploaders.get(id).cloned()),
            organisation: row
                .organisation_id
                .as_ref()
                .and_then(|id| owners.get(id).cloned()),
            events: posters.remove(&row.id).unwrap_or_default(),
            items: shown.remove(&row.id).unwrap_or_default(),
            emergency_messages: alarms.remove(&row.id).unwrap_or_default(),
            kiosk_maps: maps.remove(&row.id).unwrap_or_default(),
            has_thumbnail: with_thumbnail.contains(&row.sha256),
            row,
        })
        .collect())
}

/// Removes a library entry that no event, playlist item, emergency message or kiosk uses; the content
/// itself stays in the store while another library holds it.
pub fn delete_unused(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<(), AppError> {
    let row = find_visible(conn, user, id)?;
    let entry = describe(conn, vec![row])?.remove(0);
    if entry.is_used() {
        return Err(AppError::Conflict(format!(
            "'{}' is used by {} event(s), {} playlist item(s), {} emergency message(s) and {} \
             kiosk map(s)",
            entry.row.original_name,
            entry.events.len(),
            entry.items.len(),
            entry.emergency_messages,
            entry.kiosk_maps.len()
        )));
    }
    diesel::delete(media_assets::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        user,
        "media.delete",
        "media",
        id,
        json!({ "sha256": entry.row.sha256, "name": entry.row.original_name }),
    )
}
