//! What a player and the server say to each other: pairing by a code on screen, the manifest of
//! what to play, and the status a player reports with each poll.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::events::EventCategory;
use crate::api::places::{Orientation, ScreenKind};
use crate::api::playlists::{Fit, PlaylistItemKind};
use crate::schedule::Schedule;
use crate::validation::{Validate, ValidationErrors};

/// Version of the manifest format; a player refuses a manifest newer than it understands.
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;

/// Letters of a pairing code: no 0/O or 1/I/L, so a code read off a screen is typed right.
pub const PAIRING_CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of a pairing code (31^6, about 887 million codes).
pub const PAIRING_CODE_LENGTH: usize = 6;
/// Length of the secret with which a player collects its token (hex).
pub const PAIRING_SECRET_LENGTH: usize = 64;

/// A player without a token asks for a pairing code (`POST /api/v1/pairing`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// Size of the player's output in pixels, which becomes the screen's resolution.
    pub width: u32,
    pub height: u32,
    pub player_version: String,
}

impl Validate for PairingRequest {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let (min, max) = (
            i64::from(crate::api::places::SCREEN_SIDE_MIN),
            i64::from(crate::api::places::SCREEN_SIDE_MAX),
        );
        errors.range("width", i64::from(self.width), min, max);
        errors.range("height", i64::from(self.height), min, max);
        errors.text("player_version", &self.player_version, 40);
        errors.into_result()
    }
}

/// The code to show on screen and the secret with which the player collects its token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingTicket {
    /// Shown full screen; staff type it into the CMS.
    pub code: String,
    /// Kept by the player only; `GET /api/v1/pairing/{secret}` answers with the token once paired.
    pub secret: String,
    pub expires_at: DateTime<Utc>,
}

crate::wire_enum! {
    PairingStatus {
        /// Staff have not entered the code yet.
        Pending = "pending",
        /// The screen token is in this answer, and only in this one.
        Paired = "paired",
    }
}

/// The answer to a player polling its pairing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingState {
    pub status: PairingStatus,
    pub screen_id: Option<Uuid>,
    pub token: Option<String>,
}

/// Staff enter the code shown on a screen (`POST /api/v1/pairing/claim`): either onto a screen
/// already registered, or as a new screen in a building (it takes the player's resolution).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PairingClaim {
    pub code: String,
    /// A registered screen to pair the player with (its earlier player loses its token).
    #[serde(default)]
    pub screen_id: Option<Uuid>,
    /// Or a building in which to register a new screen...
    #[serde(default)]
    pub building_id: Option<Uuid>,
    /// ...under this name.
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<ScreenKind>,
}

/// A code as staff may type it: case and spaces or dashes do not matter.
pub fn normalise_pairing_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

impl Validate for PairingClaim {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let code = normalise_pairing_code(&self.code);
        if code.len() != PAIRING_CODE_LENGTH
            || !code.bytes().all(|b| PAIRING_CODE_ALPHABET.contains(&b))
        {
            errors.add(
                "code",
                format!(
                    "type the {PAIRING_CODE_LENGTH} letters and digits shown on the screen, e.g. K7Q4MX"
                ),
            );
        }
        match (self.screen_id, self.building_id) {
            (Some(_), Some(_)) => errors.add(
                "building_id",
                "give either screen_id (an existing screen) or building_id (a new one), not both",
            ),
            (None, None) => errors.add(
                "screen_id",
                "give screen_id (an existing screen) or building_id and name (a new screen)",
            ),
            (None, Some(_)) => match &self.name {
                Some(name) => errors.text("name", name, 120),
                None => errors.add("name", "is required for a new screen"),
            },
            (Some(_), None) => {
                if self.name.is_some() || self.kind.is_some() {
                    errors.add(
                        "name",
                        "name and kind are only for a new screen; leave them out with screen_id",
                    );
                }
            }
        }
        errors.into_result()
    }
}

/// A media file the player must hold, verified by its hash, to play an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaRef {
    /// Hex SHA-256 of the content; also its name in `GET /api/v1/screen/media/{sha256}`.
    pub sha256: String,
    pub size_bytes: u64,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// A video's own length; `None` for an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u32>,
}

impl MediaRef {
    /// Whether the player plays this file as a video (decoded by GStreamer) rather than
    /// showing it as a still image.
    pub fn is_video(&self) -> bool {
        self.content_type.starts_with("video/")
    }
}

/// What an event card shows, laid out by the player for the screen's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventCard {
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub category: EventCategory,
    /// Shown as a QR code.
    pub link: Option<String>,
    /// Name of the association (or city department) behind the event.
    pub organiser: String,
}

/// One slot of the loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManifestItem {
    /// The playlist item's id, reported with each play.
    pub id: Uuid,
    pub kind: PlaylistItemKind,
    pub duration_ms: u32,
    pub fit: Fit,
    pub schedule: Schedule,
    /// The image of a slide, or an event's poster.
    pub media: Option<MediaRef>,
    /// The text of an announcement.
    pub text: Option<String>,
    pub event: Option<EventCard>,
    /// Whether a video item plays its sound; videos are muted otherwise.
    #[serde(default)]
    pub sound: bool,
}

/// Everything a screen needs to play on its own, offline, until the next manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Manifest {
    pub schema_version: u32,
    pub screen_id: Uuid,
    pub screen_name: String,
    pub kind: ScreenKind,
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
    pub building_name: String,
    /// IANA time zone in which the schedules are read.
    pub time_zone: String,
    /// Seconds between polls while the server answers.
    pub poll_interval_s: u32,
    /// When the screen is on, in local time; outside it the player blanks it and records no
    /// plays. `None`: always on.
    #[serde(default)]
    pub display_hours: Option<crate::schedule::TimeWindow>,
    /// The loop in order; items outside their schedule are skipped.
    pub items: Vec<ManifestItem>,
    /// The city's own look on its screens.
    #[serde(default)]
    pub look: Look,
    /// What a kiosk shows when touched; `None` for every other kind of screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosk: Option<crate::api::kiosk::KioskContent>,
}

/// The city's own look on its screens: its name, colours and logo (all optional; the screens'
/// defaults otherwise). The player keeps every text readable whatever colours are chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Look {
    /// The city's name, on the building's quiet slide.
    #[serde(default)]
    pub city_name: Option<String>,
    /// `#rrggbb`: badges ("morgen") and date leaves.
    #[serde(default)]
    pub accent: Option<String>,
    /// `#rrggbb`: the ground of waiting screens, announcements and the quiet slide.
    #[serde(default)]
    pub ground: Option<String>,
    /// The city's logo, on the quiet slide.
    #[serde(default)]
    pub logo: Option<MediaRef>,
}

impl Manifest {
    /// Every media file the manifest needs, each once: the loop's, the logo, and a kiosk's
    /// posters and map.
    pub fn media(&self) -> Vec<&MediaRef> {
        let mut seen = std::collections::HashSet::new();
        self.items
            .iter()
            .filter_map(|item| item.media.as_ref())
            .chain(self.look.logo.as_ref())
            .chain(self.kiosk.iter().flat_map(|kiosk| {
                kiosk
                    .events
                    .iter()
                    .filter_map(|event| event.poster.as_ref())
                    .chain(kiosk.map.as_ref().map(|map| &map.image))
            }))
            .filter(|media| seen.insert(media.sha256.as_str()))
            .collect()
    }

    /// The building's time zone; a zone the player does not know falls back to UTC.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// Index of the first item after `after` (wrapping round) that may play at `instant`;
    /// `None` when nothing may play, and the city's default slide shows.
    pub fn next_playable(&self, after: Option<usize>, instant: DateTime<Utc>) -> Option<usize> {
        let count = self.items.len();
        if count == 0 {
            return None;
        }
        let tz = self.tz();
        let start = after.map_or(0, |index| index + 1);
        (0..count)
            .map(|offset| (start + offset) % count)
            .find(|&index| self.items[index].schedule.is_active_in(instant, tz))
    }
}

/// What a player reports with each poll (`POST /api/v1/screen/status`).
/// Sent on the push channel (`event: screenshot`) when staff ask the screen for a screenshot;
/// the player captures what it shows and uploads it to `PUT /screen/screenshot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScreenshotRequest {
    pub requested_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlayerStatus {
    pub player_version: String,
    /// The item on screen now; `None` while the default slide shows.
    pub now_playing: Option<Uuid>,
    /// The ETag of the manifest the player plays from.
    pub manifest_etag: Option<String>,
    pub cache_bytes: u64,
    pub cache_files: u32,
    /// Size of the player's output in pixels.
    pub width: u32,
    pub height: u32,
    pub uptime_s: u64,
    /// Media files the player could not decode, skipped in the loop until the next manifest.
    #[serde(default)]
    pub unplayable: Vec<UnplayableMedia>,
}

/// A file the player skipped because it could not decode it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnplayableMedia {
    pub sha256: String,
    /// What the decoder said, in its own words.
    pub reason: String,
}

/// At most this many unplayable files are reported with one status.
pub const UNPLAYABLE_REPORTED_MAX: usize = 20;

impl Validate for PlayerStatus {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("player_version", &self.player_version, 40);
        if let Some(etag) = &self.manifest_etag
            && etag.len() > 100
        {
            errors.add("manifest_etag", "is at most 100 characters");
        }
        let max = i64::from(crate::api::places::SCREEN_SIDE_MAX);
        errors.range("width", i64::from(self.width), 0, max);
        errors.range("height", i64::from(self.height), 0, max);
        if i64::try_from(self.cache_bytes).is_err() {
            errors.add("cache_bytes", "is too large");
        }
        if i64::try_from(self.uptime_s).is_err() {
            errors.add("uptime_s", "is too large");
        }
        if self.unplayable.len() > UNPLAYABLE_REPORTED_MAX {
            errors.add(
                "unplayable",
                format!("lists at most {UNPLAYABLE_REPORTED_MAX} files"),
            );
        }
        for file in &self.unplayable {
            if !is_sha256_hex(&file.sha256) {
                errors.add("unplayable", "names each file by its hex SHA-256");
            }
            errors.text("unplayable", &file.reason, 300);
        }
        errors.into_result()
    }
}

/// Whether `value` is a hex SHA-256 as media names are written (64 lowercase hex digits).
pub fn is_sha256_hex(value: &str) -> bool {
    value.len() == 64
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::TimeWindow;
    use chrono::{NaiveTime, TimeZone, Weekday};

    fn item(hours: Option<(u32, u32)>, weekdays: Vec<Weekday>) -> ManifestItem {
        ManifestItem {
            id: Uuid::now_v7(),
            kind: PlaylistItemKind::Announcement,
            duration_ms: 5_000,
            fit: Fit::Fit,
            schedule: Schedule {
                weekdays,
                time_windows: hours
                    .map(|(start, end)| TimeWindow {
                        start: NaiveTime::from_hms_opt(start, 0, 0).unwrap(),
                        end: NaiveTime::from_hms_opt(end, 0, 0).unwrap(),
                    })
                    .into_iter()
                    .collect(),
                ..Schedule::default()
            },
            media: None,
            text: Some("x".into()),
            event: None,
            sound: false,
        }
    }

    fn manifest(items: Vec<ManifestItem>) -> Manifest {
        Manifest {
            schema_version: MANIFEST_SCHEMA_VERSION,
            screen_id: Uuid::now_v7(),
            screen_name: "Hall".into(),
            kind: ScreenKind::InformationScreen,
            width: 1920,
            height: 1080,
            orientation: Orientation::Landscape,
            building_name: "Library".into(),
            time_zone: "Europe/Brussels".into(),
            poll_interval_s: 10,
            display_hours: None,
            items,
            look: Default::default(),
            kiosk: None,
        }
    }

    #[test]
    fn the_loop_skips_items_outside_their_schedule_in_the_building_time_zone() {
        // 08:30 UTC on Monday 23 November 2026 is 09:30 in Brussels.
        let monday_0930 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 0).unwrap();
        let plan = manifest(vec![
            item(None, vec![]),
            item(Some((9, 10)), vec![]),
            item(Some((8, 9)), vec![]),
            item(None, vec![Weekday::Sun]),
        ]);
        assert_eq!(plan.next_playable(None, monday_0930), Some(0));
        assert_eq!(plan.next_playable(Some(0), monday_0930), Some(1));
        // Items 2 (wrong hour, in Brussels time) and 3 (Sunday only) are skipped, and the loop wraps.
        assert_eq!(plan.next_playable(Some(1), monday_0930), Some(0));
        let nothing = manifest(vec![item(Some((8, 9)), vec![])]);
        assert_eq!(nothing.next_playable(None, monday_0930), None);
        assert_eq!(manifest(vec![]).next_playable(None, monday_0930), None);
    }

    #[test]
    fn media_are_listed_once() {
        let media = MediaRef {
            sha256: "a".repeat(64),
            size_bytes: 10,
            content_type: "image/png".into(),
            width: 10,
            height: 10,
            duration_ms: None,
        };
        let mut first = item(None, vec![]);
        first.media = Some(media.clone());
        let mut second = item(None, vec![]);
        second.media = Some(media);
        assert_eq!(manifest(vec![first, second]).media().len(), 1);
    }

    #[test]
    fn pairing_codes_are_forgiving_to_type_but_checked() {
        assert_eq!(normalise_pairing_code(" k7q-4mx "), "K7Q4MX");
        let claim = |code: &str| PairingClaim {
            code: code.into(),
            screen_id: Some(Uuid::now_v7()),
            building_id: None,
            name: None,
            kind: None,
        };
        assert!(claim("k7q-4mx").validate().is_ok());
        let errors = claim("K7Q0MX").validate().unwrap_err();
        assert_eq!(errors.0[0].field, "code");
        assert!(claim("K7Q4M").validate().is_err());
    }

    #[test]
    fn hashes_are_lowercase_hex_of_the_right_length() {
        assert!(is_sha256_hex(&"ab".repeat(32)));
        assert!(!is_sha256_hex(&"AB".repeat(32)));
        assert!(!is_sha256_hex("../etc/passwd"));
    }
}
