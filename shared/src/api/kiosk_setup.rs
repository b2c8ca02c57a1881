//! What staff set up for kiosks through `/api/v1`: a kiosk's settings and its "you are here" map
//! page (`GET`/`PUT /screens/{id}/kiosk`), and the answer to a service list import
//! (`POST /services/import`). What a kiosk then carries is [`crate::api::kiosk::KioskContent`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::kiosk::{CityService, KIOSK_IDLE_MAX_S, KIOSK_IDLE_MIN_S, MapPoint};
use crate::validation::{Validate, ValidationErrors};

/// The smallest and largest kiosk diagonal staff may give: a 10-inch tablet to a 118-inch wall.
pub const KIOSK_DIAGONAL_MIN_MM: u32 = 250;
pub const KIOSK_DIAGONAL_MAX_MM: u32 = 3000;
/// At most this many places on one kiosk's map: more would not fit beside it on the screen.
pub const KIOSK_POINTS_MAX: usize = 20;
/// Longest name of a place on the map, and longest walking directions.
pub const KIOSK_POINT_NAME_MAX: usize = 80;
pub const KIOSK_DIRECTIONS_MAX: usize = 500;

/// A place marked on a kiosk's map, as staff set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KioskPoint {
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub name: String,
    pub at: MapPoint,
    /// Walking directions from the kiosk; may be empty.
    #[serde(default, deserialize_with = "crate::validation::clean_text")]
    pub directions: String,
    /// The Civicast building this place is: the kiosk shows its opening hours.
    #[serde(default)]
    pub building_id: Option<Uuid>,
}

/// A kiosk's settings as staff send them: every part is replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KioskSettingsInput {
    /// Seconds without a touch before the kiosk goes back to its loop (15 to 600).
    pub idle_timeout_s: u32,
    /// The screen's diagonal in millimetres (250 to 3000; 43 inches is 1092).
    pub diagonal_mm: u32,
    /// The map image, from the library; none: the kiosk has no map page.
    #[serde(default)]
    pub map_media_id: Option<Uuid>,
    /// Where the kiosk stands on the map, in thousandths of its width and height.
    pub here: MapPoint,
    /// The places on the map, in the order the kiosk lists them (the tourist office first).
    #[serde(default)]
    pub points: Vec<KioskPoint>,
}

impl Validate for KioskSettingsInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.range(
            "idle_timeout_s",
            i64::from(self.idle_timeout_s),
            i64::from(KIOSK_IDLE_MIN_S),
            i64::from(KIOSK_IDLE_MAX_S),
        );
        errors.range(
            "diagonal_mm",
            i64::from(self.diagonal_mm),
            i64::from(KIOSK_DIAGONAL_MIN_MM),
            i64::from(KIOSK_DIAGONAL_MAX_MM),
        );
        point_on_map(&mut errors, "here", self.here);
        if self.points.len() > KIOSK_POINTS_MAX {
            errors.add(
                "points",
                format!(
                    "at most {KIOSK_POINTS_MAX} places per map (there are {})",
                    self.points.len()
                ),
            );
        }
        if !self.points.is_empty() && self.map_media_id.is_none() {
            errors.add(
                "map_media_id",
                "choose a map image: the places are marked on it",
            );
        }
        for (index, point) in self.points.iter().enumerate() {
            errors.text(
                &format!("points[{index}].name"),
                &point.name,
                KIOSK_POINT_NAME_MAX,
            );
            errors.optional_text(
                &format!("points[{index}].directions"),
                &point.directions,
                KIOSK_DIRECTIONS_MAX,
            );
            point_on_map(&mut errors, &format!("points[{index}].at"), point.at);
        }
        errors.into_result()
    }
}

fn point_on_map(errors: &mut ValidationErrors, field: &str, point: MapPoint) {
    let max = i64::from(MapPoint::MAX);
    errors.range(&format!("{field}.x"), i64::from(point.x), 0, max);
    errors.range(&format!("{field}.y"), i64::from(point.y), 0, max);
}

/// A kiosk's settings as stored (the defaults until staff set them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskSettings {
    pub screen_id: Uuid,
    pub idle_timeout_s: u32,
    pub diagonal_mm: u32,
    pub map_media_id: Option<Uuid>,
    pub here: MapPoint,
    pub points: Vec<KioskPoint>,
    /// When staff last changed them; `None`: never set, these are the defaults.
    pub updated_at: Option<DateTime<Utc>>,
}

/// What a service list import did. The file is the whole list: a service it names (by name,
/// whatever the capitals) is updated in place, a new one added, and one it leaves out removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceImport {
    pub added: u32,
    pub updated: u32,
    pub removed: u32,
    /// The list as it is now, by name.
    pub services: Vec<CityService>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> KioskSettingsInput {
        KioskSettingsInput {
            idle_timeout_s: 60,
            diagonal_mm: 1092,
            map_media_id: Some(Uuid::nil()),
            here: MapPoint { x: 500, y: 500 },
            points: vec![KioskPoint {
                name: "Tourist office".into(),
                at: MapPoint { x: 100, y: 900 },
                directions: "Cross the square".into(),
                building_id: None,
            }],
        }
    }

    #[test]
    fn settings_within_bounds_pass_and_each_mistake_is_named() {
        assert!(input().validate().is_ok());
        let mut wrong = input();
        wrong.idle_timeout_s = 5;
        wrong.diagonal_mm = 5000;
        wrong.here.x = 1001;
        wrong.points[0].name = " ".into();
        wrong.map_media_id = None;
        let fields: Vec<String> = wrong
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "idle_timeout_s",
                "diagonal_mm",
                "here.x",
                "map_media_id",
                "points[0].name"
            ]
        );
    }
}
