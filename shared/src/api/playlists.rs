//! Playlists of buildings and LED walls, and the items that loop in them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schedule::Schedule;
use crate::validation::{Validate, ValidationErrors};

crate::wire_enum! {
    /// What an item shows: an approved event, a city slide (an image) or a text announcement.
    PlaylistItemKind {
        Event = "event",
        Slide = "slide",
        Announcement = "announcement",
    }
}

crate::wire_enum! {
    /// How an image meets a screen of another shape: `fill` crops, `fit` letterboxes.
    Fit {
        Fill = "fill",
        Fit = "fit",
    }
}

/// Shortest item: a play under one second is not a play (Geopath).
pub const ITEM_DURATION_MIN_MS: u32 = 1_000;
/// Longest item: ten minutes.
pub const ITEM_DURATION_MAX_MS: u32 = 600_000;
/// Length of an event's slot when staff do not choose one.
pub const DEFAULT_ITEM_DURATION_MS: u32 = 10_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Playlist {
    pub id: Uuid,
    pub building_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaylistInput {
    pub building_id: Uuid,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub name: String,
}

impl Validate for PlaylistInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("name", &self.name, 120);
        errors.into_result()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaylistItem {
    pub id: Uuid,
    pub playlist_id: Uuid,
    /// Place in the loop, from 0.
    pub position: u32,
    pub kind: PlaylistItemKind,
    pub event_id: Option<Uuid>,
    pub media_id: Option<Uuid>,
    pub text: Option<String>,
    pub duration_ms: u32,
    pub fit: Fit,
    pub schedule: Schedule,
    /// Whether a video plays with its sound (muted by default).
    #[serde(default)]
    pub sound: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Adds or replaces an item. `position` moves it in the loop (default: at the end).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlaylistItemInput {
    pub kind: PlaylistItemKind,
    #[serde(default)]
    pub event_id: Option<Uuid>,
    #[serde(default)]
    pub media_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub text: Option<String>,
    /// How long the item shows. Left out: a video's own length (a video slide, or an event
    /// whose poster is a video), kept within the allowed range; else the default.
    #[serde(default)]
    pub duration_ms: Option<u32>,
    #[serde(default = "default_fit")]
    pub fit: Fit,
    #[serde(default)]
    pub schedule: Schedule,
    #[serde(default)]
    pub position: Option<u32>,
    /// Play a video with its sound (default: muted).
    #[serde(default)]
    pub sound: bool,
}

/// How long an item whose input left the duration out shows: the video's own length when it
/// shows a video (kept within the allowed range), else the default.
pub fn item_duration(given: Option<u32>, video_ms: Option<u32>) -> u32 {
    match (given, video_ms) {
        (Some(given), _) => given,
        (None, Some(video)) => video.clamp(ITEM_DURATION_MIN_MS, ITEM_DURATION_MAX_MS),
        (None, None) => DEFAULT_ITEM_DURATION_MS,
    }
}

fn default_fit() -> Fit {
    Fit::Fit
}

impl Validate for PlaylistItemInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if let Some(duration_ms) = self.duration_ms {
            errors.range(
                "duration_ms",
                i64::from(duration_ms),
                i64::from(ITEM_DURATION_MIN_MS),
                i64::from(ITEM_DURATION_MAX_MS),
            );
        }
        let (needs_event, needs_media, needs_text) = match self.kind {
            PlaylistItemKind::Event => (true, false, false),
            PlaylistItemKind::Slide => (false, true, false),
            PlaylistItemKind::Announcement => (false, false, true),
        };
        let kind = self.kind.as_str();
        match (needs_event, self.event_id.is_some()) {
            (true, false) => errors.add("event_id", format!("is required for a {kind} item")),
            (false, true) => errors.add("event_id", format!("must be left out for a {kind} item")),
            _ => {}
        }
        match (needs_media, self.media_id.is_some()) {
            (true, false) => errors.add("media_id", format!("is required for a {kind} item")),
            (false, true) => errors.add("media_id", format!("must be left out for a {kind} item")),
            _ => {}
        }
        match (needs_text, &self.text) {
            (true, None) => errors.add("text", format!("is required for an {kind} item")),
            (true, Some(text)) => errors.text("text", text, 500),
            (false, Some(_)) => errors.add("text", format!("must be left out for a {kind} item")),
            (false, None) => {}
        }
        if let Err(schedule_errors) = self.schedule.validate() {
            errors.0.extend(schedule_errors.0);
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_lasts_what_staff_set_else_its_videos_length_within_bounds_else_the_default() {
        assert_eq!(item_duration(Some(5_000), Some(42_000)), 5_000);
        assert_eq!(item_duration(None, Some(42_000)), 42_000);
        assert_eq!(item_duration(None, Some(300)), ITEM_DURATION_MIN_MS);
        assert_eq!(item_duration(None, Some(3_600_000)), ITEM_DURATION_MAX_MS);
        assert_eq!(item_duration(None, None), DEFAULT_ITEM_DURATION_MS);
    }
}
