//! Buildings and the screens in them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schedule::{OpeningHours, TimeWindow};
use crate::validation::{Validate, ValidationErrors};
use crate::venue::VenueType;

crate::wire_enum! {
    /// Information screens stand in buildings; LED walls and kiosks stand at the city's entrances.
    ScreenKind {
        InformationScreen = "information_screen",
        LedWall = "led_wall",
        /// A touch screen at a city entrance: plays its loop until touched, then lets a visitor
        /// browse what's on, the way to the tourist office and the city's services.
        Kiosk = "kiosk",
    }
}

crate::wire_enum! {
    Orientation {
        Landscape = "landscape",
        Portrait = "portrait",
    }
}

/// Smallest and largest screen side in pixels that Civicast accepts.
pub const SCREEN_SIDE_MIN: u32 = 64;
pub const SCREEN_SIDE_MAX: u32 = 16_384;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Building {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    /// IANA time zone in which the building's schedules are read, e.g. `Europe/Brussels`.
    pub time_zone: String,
    pub venue_type: VenueType,
    /// The OpenOOH v1.2.1 venue id that `venue_type` maps to.
    pub openooh_venue_id: u32,
    /// When the screens are on, in local time; outside it they are blank and record no plays.
    /// `None`: always on.
    pub display_hours: Option<TimeWindow>,
    /// When the building is open to visitors; a screen offline inside them raises an alert.
    /// Empty: the building counts as always open.
    pub opening_hours: Vec<OpeningHours>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BuildingInput {
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub name: String,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub address: String,
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    pub venue_type: VenueType,
    /// When the screens are on, in local time (e.g. 07:00 to 22:00; it may wrap past midnight).
    #[serde(default)]
    pub display_hours: Option<TimeWindow>,
    /// When the building is open to visitors, e.g. `[{"weekdays": ["Mon", "Tue", "Wed", "Thu",
    /// "Fri"], "start": "09:00:00", "end": "17:00:00"}]`; empty for always.
    #[serde(default)]
    pub opening_hours: Vec<OpeningHours>,
}

fn default_time_zone() -> String {
    "Europe/Brussels".into()
}

impl Validate for BuildingInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("name", &self.name, 120);
        errors.text("address", &self.address, 300);
        if let Some(hours) = &self.display_hours
            && hours.start == hours.end
        {
            errors.add(
                "display_hours",
                "the screens must be on for some of the day: give a start and an end that differ",
            );
        }
        OpeningHours::check_all(&self.opening_hours, "opening_hours", &mut errors);
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            errors.add(
                "time_zone",
                format!(
                    "'{}' is not an IANA time zone such as Europe/Brussels",
                    self.time_zone
                ),
            );
        }
        errors.into_result()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Screen {
    pub id: Uuid,
    pub building_id: Uuid,
    /// The screen's own playlist (LED walls); without one it plays its building's playlist.
    pub playlist_id: Option<Uuid>,
    pub name: String,
    pub kind: ScreenKind,
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
    /// Whether a device token has been issued to a player for this screen.
    pub paired: bool,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Whether its player called the server within the last [`ONLINE_WINDOW_S`] seconds.
    pub online: bool,
    /// What its player said about itself the last time it polled.
    pub player: Option<PlayerReport>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A screen counts as online while its player called within this many seconds (players poll
/// every 10 s, and back off to at most 60 s while the server does not answer).
pub const ONLINE_WINDOW_S: i64 = 90;

/// A player's last status report, as the CMS shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlayerReport {
    pub reported_at: DateTime<Utc>,
    pub player_version: String,
    /// The playlist item on screen; `None` while the city's default slide shows.
    pub now_playing: Option<Uuid>,
    pub manifest_etag: Option<String>,
    pub cache_bytes: u64,
    pub cache_files: u32,
    pub width: u32,
    pub height: u32,
    pub uptime_s: u64,
    /// Files the player could not decode and skips until its next manifest.
    #[serde(default)]
    pub unplayable: Vec<crate::api::device::UnplayableMedia>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScreenInput {
    pub building_id: Uuid,
    #[serde(default)]
    pub playlist_id: Option<Uuid>,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub name: String,
    pub kind: ScreenKind,
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
}

impl Validate for ScreenInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("name", &self.name, 120);
        let (min, max) = (i64::from(SCREEN_SIDE_MIN), i64::from(SCREEN_SIDE_MAX));
        errors.range("width", i64::from(self.width), min, max);
        errors.range("height", i64::from(self.height), min, max);
        match self.orientation {
            Orientation::Landscape if self.height > self.width => errors.add(
                "orientation",
                "a landscape screen is at least as wide as it is tall: use portrait or swap width and height",
            ),
            Orientation::Portrait if self.width > self.height => errors.add(
                "orientation",
                "a portrait screen is at least as tall as it is wide: use landscape or swap width and height",
            ),
            _ => {}
        }
        errors.into_result()
    }
}

/// A screen's device token, shown once when issued; the player sends it as a bearer token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreenToken {
    pub screen_id: Uuid,
    pub token: String,
}

/// What a screen learns about itself with its device token (`GET /api/v1/screen/self`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreenIdentity {
    pub screen: Screen,
    pub building_name: String,
    pub time_zone: String,
}

/// A screen's latest screenshot, and whether a new one is awaited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreenshotInfo {
    pub screen_id: Uuid,
    /// When staff last asked for one that has not arrived yet.
    pub requested_at: Option<DateTime<Utc>>,
    /// The latest one the player uploaded (its image is at `.../screenshot.jpg`).
    pub taken_at: Option<DateTime<Utc>>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// A screen that stopped calling the server while its building was open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreenAlert {
    pub id: Uuid,
    pub screen_id: Uuid,
    pub screen_name: String,
    pub building_id: Uuid,
    pub building_name: String,
    /// When the screen last called before it went quiet.
    pub offline_since: DateTime<Utc>,
    pub raised_at: DateTime<Utc>,
}
