//! A kiosk's settings: its idle time, its diagonal (for touch targets of at least 9 mm), and its
//! map page: an image from the library, where the kiosk stands on it and the places marked on it.
//! Only a screen of kind kiosk has them; until staff set them, the defaults apply.

use chrono::NaiveDateTime;
use civicast_shared::Validate;
use civicast_shared::api::kiosk::{KIOSK_DIAGONAL_DEFAULT_MM, KIOSK_IDLE_DEFAULT_S, MapPoint};
use civicast_shared::api::kiosk_setup::{KioskPoint, KioskSettings, KioskSettingsInput};
use civicast_shared::api::places::ScreenKind;
use diesel::prelude::*;
use serde_json::json;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::places::screens::find_screen;
use crate::db::models::{ScreenRow, stored_id, stored_opt_id};
use crate::db::schema::{buildings, kiosk_points, kiosk_settings, media_assets};
use crate::db::{self, DbConnection};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = kiosk_settings, treat_none_as_null = true)]
pub struct KioskSettingsRow {
    pub screen_id: String,
    pub idle_timeout_s: i32,
    pub diagonal_mm: i32,
    pub map_media_id: Option<String>,
    pub here_x: i32,
    pub here_y: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = kiosk_points)]
pub struct KioskPointRow {
    pub id: String,
    pub screen_id: String,
    pub position: i32,
    pub name: String,
    pub x: i32,
    pub y: i32,
    pub directions: String,
    pub building_id: Option<String>,
}

impl KioskPointRow {
    pub fn at(&self) -> MapPoint {
        map_point(self.x, self.y)
    }
}

pub fn map_point(x: i32, y: i32) -> MapPoint {
    let coordinate =
        |value: i32| u16::try_from(value.clamp(0, i32::from(MapPoint::MAX))).unwrap_or(0);
    MapPoint {
        x: coordinate(x),
        y: coordinate(y),
    }
}

/// Refuses a screen that is not a kiosk, saying how to make it one.
pub fn require_kiosk(screen: &ScreenRow) -> Result<(), AppError> {
    if screen.kind == ScreenKind::Kiosk.as_str() {
        Ok(())
    } else {
        Err(AppError::invalid(
            "kind",
            format!(
                "'{}' is not a kiosk (it is a {}): change its kind to kiosk first",
                screen.name,
                screen.kind.replace('_', " ")
            ),
        ))
    }
}

/// A kiosk's stored settings row and its points in order, as the manifest reads them.
pub fn stored(
    conn: &mut DbConnection,
    screen_id: &str,
) -> Result<(Option<KioskSettingsRow>, Vec<KioskPointRow>), AppError> {
    let row = kiosk_settings::table
        .find(screen_id)
        .select(KioskSettingsRow::as_select())
        .first(conn)
        .optional()?;
    let points = kiosk_points::table
        .filter(kiosk_points::screen_id.eq(screen_id))
        .order(kiosk_points::position.asc())
        .select(KioskPointRow::as_select())
        .load(conn)?;
    Ok((row, points))
}

/// The settings of kiosk `screen_id` (staff): the defaults until staff set them.
pub fn settings(conn: &mut DbConnection, screen_id: &str) -> Result<KioskSettings, AppError> {
    let screen = find_screen(conn, screen_id)?;
    require_kiosk(&screen)?;
    let (row, points) = stored(conn, screen_id)?;
    let points = points
        .into_iter()
        .map(|point| KioskPoint {
            at: point.at(),
            name: point.name,
            directions: point.directions,
            building_id: stored_opt_id(point.building_id.as_deref()),
        })
        .collect();
    Ok(match row {
        Some(row) => KioskSettings {
            screen_id: stored_id(&row.screen_id),
            idle_timeout_s: u32::try_from(row.idle_timeout_s).unwrap_or(KIOSK_IDLE_DEFAULT_S),
            diagonal_mm: u32::try_from(row.diagonal_mm).unwrap_or(KIOSK_DIAGONAL_DEFAULT_MM),
            map_media_id: stored_opt_id(row.map_media_id.as_deref()),
            here: map_point(row.here_x, row.here_y),
            points,
            updated_at: Some(row.updated_at.and_utc()),
        },
        None => KioskSettings {
            screen_id: stored_id(&screen.id),
            idle_timeout_s: KIOSK_IDLE_DEFAULT_S,
            diagonal_mm: KIOSK_DIAGONAL_DEFAULT_MM,
            map_media_id: None,
            here: MapPoint { x: 500, y: 500 },
            points,
            updated_at: None,
        },
    })
}

/// Replaces the settings of kiosk `screen_id` (staff), checked whole: the map must be an image
/// in the library and each place's building must exist. Call it inside a transaction.
pub fn set_settings(
    conn: &mut DbConnection,
    actor: &Actor,
    screen_id: &str,
    input: &KioskSettingsInput,
) -> Result<KioskSettings, AppError> {
    actor.require_staff()?;
    let screen = find_screen(conn, screen_id)?;
    require_kiosk(&screen)?;
    input.validate()?;
    let mut errors = civicast_shared::ValidationErrors::default();
    if let Some(map) = input.map_media_id {
        let content_type: Option<(String, Option<i32>)> = media_assets::table
            .find(map.to_string())
            .select((media_assets::content_type, media_assets::duration_ms))
            .first(conn)
            .optional()?;
        match content_type {
            None => errors.add("map_media_id", "no file with this id in the library"),
            Some((content_type, duration))
                if !content_type.starts_with("image/") || duration.is_some() =>
            {
                errors.add(
                    "map_media_id",
                    "the map must be an image (PNG, JPEG or WebP), not a video",
                )
            }
            Some(_) => {}
        }
    }
    for (index, point) in input.points.iter().enumerate() {
        if let Some(building) = point.building_id {
            let known: i64 = buildings::table
                .filter(buildings::id.eq(building.to_string()))
                .count()
                .get_result(conn)?;
            if known == 0 {
                errors.add(
                    &format!("points[{index}].building_id"),
                    "no building with this id",
                );
            }
        }
    }
    errors.into_result()?;

    let row = KioskSettingsRow {
        screen_id: screen.id.clone(),
        idle_timeout_s: i32::try_from(input.idle_timeout_s).unwrap_or(i32::MAX),
        diagonal_mm: i32::try_from(input.diagonal_mm).unwrap_or(i32::MAX),
        map_media_id: input.map_media_id.map(|id| id.to_string()),
        here_x: i32::from(input.here.x),
        here_y: i32::from(input.here.y),
        updated_at: db::now(),
    };
    let updated = diesel::update(kiosk_settings::table.find(&screen.id))
        .set(&row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(kiosk_settings::table)
            .values(&row)
            .execute(conn)?;
    }
    diesel::delete(kiosk_points::table.filter(kiosk_points::screen_id.eq(&screen.id)))
        .execute(conn)?;
    let points: Vec<KioskPointRow> = input
        .points
        .iter()
        .enumerate()
        .map(|(position, point)| KioskPointRow {
            id: db::new_id(),
            screen_id: screen.id.clone(),
            position: i32::try_from(position).unwrap_or(i32::MAX),
            name: point.name.clone(),
            x: i32::from(point.at.x),
            y: i32::from(point.at.y),
            directions: point.directions.clone(),
            building_id: point.building_id.map(|id| id.to_string()),
        })
        .collect();
    for point in &points {
        diesel::insert_into(kiosk_points::table)
            .values(point)
            .execute(conn)?;
    }
    audit::record(
        conn,
        actor,
        "kiosk.settings.set",
        "screen",
        &screen.id,
        json!({
            "idle_timeout_s": input.idle_timeout_s,
            "diagonal_mm": input.diagonal_mm,
            "map_media_id": input.map_media_id,
            "points": input.points.len(),
        }),
    )?;
    settings(conn, screen_id)
}
