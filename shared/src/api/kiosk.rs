//! Interactive kiosks: what a kiosk screen carries to work offline (the city's agenda, its map
//! page, the city's services) and the anonymous record of one visitor's session at it.
//!
//! A kiosk is a screen of kind [`crate::api::places::ScreenKind::Kiosk`]. Its manifest carries a
//! [`KioskContent`] beside the loop; its pictures (posters, the map) are [`MediaRef`]s that the
//! player caches and hash-checks like every other medium. Sessions travel with proof of play in
//! [`crate::api::plays::PlayBatch::kiosk_sessions`]: no personal data, only what was opened.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::device::MediaRef;
use crate::api::events::{AudienceSegment, EventCategory};
use crate::schedule::OpeningHours;
use crate::validation::{Validate, ValidationErrors};

crate::wire_enum! {
    /// The languages a visitor can switch the kiosk view to. Events stay in the language their
    /// association wrote them in.
    KioskLanguage {
        Dutch = "nl",
        French = "fr",
        English = "en",
        German = "de",
    }
}

crate::wire_enum! {
    /// The pages of the kiosk view, as counted in a session.
    KioskPage {
        WhatsOn = "whats_on",
        Event = "event",
        Map = "map",
        Services = "services",
        Service = "service",
    }
}

/// Idle time after which a kiosk goes back to its loop when nobody set one.
pub const KIOSK_IDLE_DEFAULT_S: u32 = 60;
/// The shortest and longest idle time staff may set.
pub const KIOSK_IDLE_MIN_S: u32 = 15;
pub const KIOSK_IDLE_MAX_S: u32 = 600;
/// A kiosk's diagonal when staff did not give one: 43 inches, the usual kiosk.
pub const KIOSK_DIAGONAL_DEFAULT_MM: u32 = 1092;
/// The smallest touch target, in millimetres on the glass (a fingertip, with room to miss).
pub const TOUCH_TARGET_MIN_MM: f32 = 9.0;

/// Pixels per millimetre on a screen of `width` x `height` pixels with this diagonal.
pub fn pixels_per_mm(width: u32, height: u32, diagonal_mm: u32) -> f32 {
    let diagonal_px = ((width as f32).powi(2) + (height as f32).powi(2)).sqrt();
    diagonal_px / diagonal_mm.max(1) as f32
}

/// At most this many pages are kept per session: a visitor who taps for an hour still sends a
/// small record.
pub const KIOSK_SESSION_PAGES_MAX: usize = 200;
/// A session's longest believable length; the idle timeout ends one long before.
pub const KIOSK_SESSION_MAX_S: i64 = 4 * 3600;

/// Everything a kiosk shows beside its loop, carried in its manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskContent {
    /// Seconds without a touch after which the kiosk goes back to its loop and forgets the visit.
    pub idle_timeout_s: u32,
    /// The screen's diagonal in millimetres, set by staff: the player makes every touch target
    /// at least [`TOUCH_TARGET_MIN_MM`] wide and high from it.
    pub diagonal_mm: u32,
    /// The city's approved events that have not ended, soonest first (every building's, not
    /// only this one's).
    pub events: Vec<KioskEvent>,
    /// The "you are here" page, when staff set one for this kiosk.
    #[serde(default)]
    pub map: Option<KioskMap>,
    /// The city's services, by name.
    #[serde(default)]
    pub services: Vec<CityService>,
}

/// One event as the kiosk lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskEvent {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub category: EventCategory,
    pub target_audiences: Vec<AudienceSegment>,
    /// The association (or city department) behind it.
    pub organiser: String,
    /// The poster's screen rendition.
    pub poster: Option<MediaRef>,
    /// The event's public page on the portal: the QR code a visitor takes along.
    pub public_url: String,
}

/// A point on the map image, in thousandths of its width and height from the top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapPoint {
    /// 0 (left edge) to 1000 (right edge).
    pub x: u16,
    /// 0 (top edge) to 1000 (bottom edge).
    pub y: u16,
}

impl MapPoint {
    pub const MAX: u16 = 1000;

    pub fn is_valid(&self) -> bool {
        self.x <= Self::MAX && self.y <= Self::MAX
    }
}

/// A kiosk's "you are here" page: a map of the area, the kiosk's position on it and the places
/// a visitor asks for, the tourist office first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskMap {
    /// The map image, from the library.
    pub image: MediaRef,
    pub here: MapPoint,
    /// In the order staff set; the tourist office first.
    pub points: Vec<PointOfInterest>,
}

/// A place marked on a kiosk's map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PointOfInterest {
    pub name: String,
    pub at: MapPoint,
    /// Walking directions from the kiosk, as text ("Cross the square, second street left").
    pub directions: String,
    /// The opening hours of the Civicast building this place is, when it is one.
    #[serde(default)]
    pub opening_hours: Vec<OpeningHours>,
}

/// One of the city's services: what it is for, and where, when and how it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CityService {
    pub id: Uuid,
    pub name: String,
    /// A standard identifier where the city uses one (e.g. the Local Government Service List's,
    /// or the Flemish IPDC product number).
    pub identifier: Option<String>,
    /// What the service is for.
    pub purpose: String,
    /// Where it is delivered: a building's name or an address.
    pub place: String,
    /// The desk or room in that place.
    pub desk: Option<String>,
    /// When, as the city writes it ("Mon-Fri 9:00-12:00, Wed 14:00-19:00").
    pub hours: Option<String>,
    pub phone: Option<String>,
    pub web_url: Option<String>,
}

/// A city service as staff create or replace it (the portal and `PUT /api/v1/services`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CityServiceInput {
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub name: String,
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub identifier: Option<String>,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub purpose: String,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub place: String,
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub desk: Option<String>,
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub hours: Option<String>,
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub web_url: Option<String>,
}

/// Longest name of a service, and longest of its other texts.
pub const SERVICE_NAME_MAX: usize = 120;
pub const SERVICE_TEXT_MAX: usize = 1000;

impl Validate for CityServiceInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("name", &self.name, SERVICE_NAME_MAX);
        errors.text("purpose", &self.purpose, SERVICE_TEXT_MAX);
        errors.text("place", &self.place, SERVICE_NAME_MAX * 2);
        for (field, value, max) in [
            ("identifier", &self.identifier, 64),
            ("desk", &self.desk, SERVICE_NAME_MAX),
            ("hours", &self.hours, SERVICE_NAME_MAX * 2),
            ("phone", &self.phone, 40),
        ] {
            if let Some(value) = value {
                errors.text(field, value, max);
            }
        }
        if let Some(url) = &self.web_url {
            errors.link("web_url", url);
        }
        errors.into_result()
    }
}

/// One visitor's use of a kiosk, from the first touch to the idle timeout: what was opened, never
/// who. Made by the player, uploaded with proof of play, stored once by `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KioskSession {
    /// UUID v7 made by the player: a retried upload stores it once.
    pub id: Uuid,
    pub screen_id: Uuid,
    /// On the player's clock, like plays; the server adds `clock_offset_ms`.
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    /// Server clock minus player clock, as last measured by the player (as in a play record).
    /// A batch may carry sessions and no plays, so each session says it itself.
    #[serde(default)]
    pub clock_offset_ms: i64,
    /// The language the visit ended in.
    pub language: KioskLanguage,
    /// The pages opened, in order.
    pub pages: Vec<KioskPage>,
    /// The events whose page was opened, each once.
    pub events_viewed: Vec<Uuid>,
    /// How many times a QR code was opened large.
    pub qr_shown: u32,
    /// How many service searches were made.
    pub searches: u32,
}

impl KioskSession {
    /// The start and end on the server's clock (left uncorrected past chrono's range or an
    /// implausible offset, which the server refuses anyway).
    pub fn corrected_times(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let offset = chrono::TimeDelta::try_milliseconds(self.clock_offset_ms).unwrap_or_default();
        let correct = |t: DateTime<Utc>| t.checked_add_signed(offset).unwrap_or(t);
        (correct(self.started_at), correct(self.ended_at))
    }

    /// Why the server refuses this record for good, if it does.
    pub fn refusal(&self) -> Option<String> {
        let length = self.ended_at - self.started_at;
        if length < chrono::TimeDelta::zero() {
            return Some("ended_at is before started_at".into());
        }
        if length > chrono::TimeDelta::seconds(KIOSK_SESSION_MAX_S) {
            return Some(format!(
                "a session lasts at most {} hours",
                KIOSK_SESSION_MAX_S / 3600
            ));
        }
        if self.pages.len() > KIOSK_SESSION_PAGES_MAX
            || self.events_viewed.len() > KIOSK_SESSION_PAGES_MAX
        {
            return Some(format!(
                "at most {KIOSK_SESSION_PAGES_MAX} pages and events per session"
            ));
        }
        None
    }
}
