//! What the playlists book now: each item's share of its loop and the screens that play it.
//! Fairness and booked-versus-delivered both start from here.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{events, playlist_items, playlists, screens};
use crate::error::AppError;

/// One item in the loop of one playlist.
#[derive(Debug, Clone)]
pub struct Booking {
    pub event_id: Option<String>,
    pub organisation_id: Option<String>,
    /// Item length / loop length.
    pub share: f64,
    /// Screens that play this playlist (their own, or their building's first).
    pub screens: Vec<String>,
}

pub fn current(conn: &mut DbConnection) -> Result<Vec<Booking>, AppError> {
    let screen_rows: Vec<(String, String, Option<String>)> = screens::table
        .select((screens::id, screens::building_id, screens::playlist_id))
        .load(conn)?;
    let first_playlists: Vec<(String, String)> = playlists::table
        .order(playlists::created_at.asc())
        .select((playlists::building_id, playlists::id))
        .load(conn)?;
    let mut building_playlist: HashMap<String, String> = HashMap::new();
    for (building, playlist) in first_playlists {
        building_playlist.entry(building).or_insert(playlist);
    }
    let mut screens_of: HashMap<String, Vec<String>> = HashMap::new();
    for (screen, building, own) in screen_rows {
        if let Some(playlist) = own.or_else(|| building_playlist.get(&building).cloned()) {
            screens_of.entry(playlist).or_default().push(screen);
        }
    }
    let items: Vec<(String, i32, Option<String>, Option<String>)> = playlist_items::table
        .left_join(events::table)
        .select((
            playlist_items::playlist_id,
            playlist_items::duration_ms,
            playlist_items::event_id,
            events::organisation_id.nullable(),
        ))
        .load(conn)?;
    let mut loop_ms: HashMap<&str, f64> = HashMap::new();
    for (playlist, duration, _, _) in &items {
        *loop_ms.entry(playlist.as_str()).or_default() += f64::from(*duration);
    }
    Ok(items
        .iter()
        .map(|(playlist, duration, event_id, organisation_id)| Booking {
            event_id: event_id.clone(),
            organisation_id: organisation_id.clone(),
            share: f64::from(*duration) / loop_ms[playlist.as_str()].max(1.0),
            screens: screens_of.get(playlist).cloned().unwrap_or_default(),
        })
        .collect())
}
