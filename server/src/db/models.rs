//! Row types of each table and their conversion into the wire types of `civicast_shared::api`.
//!
//! Ids are stored as UUID text and lists as JSON text so that one schema serves both backends.

use chrono::NaiveDateTime;
use civicast_shared::api::accounts::{Language, Organisation, OrganisationKind, Role, User};
use civicast_shared::api::audit::AuditEntry;
use civicast_shared::api::events::{
    AudienceSegment, Decision, DecisionKind, Event, EventCategory, EventStatus,
};
use civicast_shared::api::media::MediaAsset;
use civicast_shared::api::places::{
    Building, ONLINE_WINDOW_S, Orientation, PlayerReport, Screen, ScreenKind,
};
use civicast_shared::api::playlists::{Fit, Playlist, PlaylistItem, PlaylistItemKind};
use civicast_shared::schedule::Schedule;
use civicast_shared::venue::VenueType;
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::*;

/// Parses a value Civicast itself stored. A failure means the database was edited by hand into
/// an inconsistent state, which no request can repair.
fn stored<T>(value: Option<T>, what: &str, raw: &str) -> T {
    value.unwrap_or_else(|| panic!("corrupt {what} '{raw}' in the database"))
}

pub fn stored_id(raw: &str) -> Uuid {
    stored(Uuid::parse_str(raw).ok(), "id", raw)
}

pub fn stored_opt_id(raw: Option<&str>) -> Option<Uuid> {
    raw.map(stored_id)
}

pub fn stored_json<T: serde::de::DeserializeOwned>(raw: &str) -> T {
    stored(serde_json::from_str(raw).ok(), "JSON value", raw)
}

pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("wire types always serialise")
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
pub struct OrganisationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub contact_name: String,
    pub contact_email: String,
    pub description: String,
    pub verified: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A new name a verified association asked for; its `name` stays until staff approve it.
    pub requested_name: Option<String>,
}

impl From<OrganisationRow> for Organisation {
    fn from(row: OrganisationRow) -> Organisation {
        Organisation {
            id: stored_id(&row.id),
            kind: stored(
                OrganisationKind::parse(&row.kind),
                "organisation kind",
                &row.kind,
            ),
            name: row.name,
            contact_name: row.contact_name,
            contact_email: row.contact_email,
            description: row.description,
            verified: row.verified,
            requested_name: row.requested_name,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub organisation_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub language: String,
    /// When an administrator disabled the account; `None` while it may sign in.
    pub disabled_at: Option<NaiveDateTime>,
}

impl UserRow {
    pub fn role(&self) -> Role {
        stored(Role::parse(&self.role), "role", &self.role)
    }
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: stored_id(&row.id),
            role: row.role(),
            organisation_id: stored_opt_id(row.organisation_id.as_deref()),
            language: Language::parse(&row.language).unwrap_or_default(),
            email: row.email,
            display_name: row.display_name,
            disabled: row.disabled_at.is_some(),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = auth_tokens)]
pub struct AuthTokenRow {
    pub token_hash: String,
    pub user_id: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = buildings, treat_none_as_null = true)]
pub struct BuildingRow {
    pub id: String,
    pub name: String,
    pub address: String,
    pub time_zone: String,
    pub venue_type: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// A JSON [`TimeWindow`], or empty for always on.
    pub display_hours: Option<String>,
    /// A JSON list of [`OpeningHours`], or empty for always open.
    pub opening_hours: Option<String>,
}

impl BuildingRow {
    pub fn display_hours(&self) -> Option<civicast_shared::schedule::TimeWindow> {
        self.display_hours.as_deref().map(stored_json)
    }

    pub fn opening_hours(&self) -> Vec<civicast_shared::schedule::OpeningHours> {
        self.opening_hours
            .as_deref()
            .map(stored_json)
            .unwrap_or_default()
    }
}

impl From<BuildingRow> for Building {
    fn from(row: BuildingRow) -> Building {
        let display_hours = row.display_hours();
        let opening_hours = row.opening_hours();
        let venue_type = stored(
            VenueType::parse(&row.venue_type),
            "venue type",
            &row.venue_type,
        );
        Building {
            id: stored_id(&row.id),
            name: row.name,
            address: row.address,
            time_zone: row.time_zone,
            venue_type,
            openooh_venue_id: venue_type.openooh_id(),
            display_hours,
            opening_hours,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = screens)]
pub struct ScreenRow {
    pub id: String,
    pub building_id: String,
    pub playlist_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub width: i32,
    pub height: i32,
    pub orientation: String,
    pub token_hash: Option<String>,
    pub last_seen_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub player_version: Option<String>,
    pub now_playing_item_id: Option<String>,
    pub manifest_etag: Option<String>,
    pub cache_bytes: Option<i64>,
    pub cache_files: Option<i32>,
    pub output_width: Option<i32>,
    pub output_height: Option<i32>,
    pub uptime_s: Option<i64>,
    pub status_at: Option<NaiveDateTime>,
    /// JSON list of the files the player said it could not decode.
    pub unplayable: Option<String>,
}

impl ScreenRow {
    /// The player's last report, if it ever sent one.
    fn player_report(&self) -> Option<PlayerReport> {
        Some(PlayerReport {
            reported_at: self.status_at?.and_utc(),
            player_version: self.player_version.clone().unwrap_or_default(),
            now_playing: stored_opt_id(self.now_playing_item_id.as_deref()),
            manifest_etag: self.manifest_etag.clone(),
            cache_bytes: self
                .cache_bytes
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or_default(),
            cache_files: self
                .cache_files
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or_default(),
            width: self
                .output_width
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or_default(),
            height: self
                .output_height
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or_default(),
            uptime_s: self
                .uptime_s
                .and_then(|v| u64::try_from(v).ok())
                .unwrap_or_default(),
            unplayable: self
                .unplayable
                .as_deref()
                .map(stored_json)
                .unwrap_or_default(),
        })
    }
}

/// The fields of a screen that its settings form replaces (the token and last-seen time stay).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = screens, treat_none_as_null = true)]
pub struct ScreenChanges {
    pub building_id: String,
    pub playlist_id: Option<String>,
    pub name: String,
    pub kind: String,
    pub width: i32,
    pub height: i32,
    pub orientation: String,
    pub updated_at: NaiveDateTime,
}

impl From<ScreenRow> for Screen {
    fn from(row: ScreenRow) -> Screen {
        let player = row.player_report();
        let last_seen_at = row.last_seen_at.map(|t| t.and_utc());
        Screen {
            online: last_seen_at.is_some_and(|seen| {
                chrono::Utc::now() - seen <= chrono::Duration::seconds(ONLINE_WINDOW_S)
            }),
            player,
            id: stored_id(&row.id),
            building_id: stored_id(&row.building_id),
            playlist_id: stored_opt_id(row.playlist_id.as_deref()),
            kind: stored(ScreenKind::parse(&row.kind), "screen kind", &row.kind),
            orientation: stored(
                Orientation::parse(&row.orientation),
                "orientation",
                &row.orientation,
            ),
            name: row.name,
            width: u32::try_from(row.width).unwrap_or_default(),
            height: u32::try_from(row.height).unwrap_or_default(),
            paired: row.token_hash.is_some(),
            last_seen_at,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

/// A player's request for a pairing code, until it collects its token or the code expires.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = pairing_requests)]
pub struct PairingRequestRow {
    pub code: String,
    pub secret_hash: String,
    pub width: i32,
    pub height: i32,
    pub player_version: String,
    pub screen_id: Option<String>,
    pub screen_token: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = playlists)]
pub struct PlaylistRow {
    pub id: String,
    pub building_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<PlaylistRow> for Playlist {
    fn from(row: PlaylistRow) -> Playlist {
        Playlist {
            id: stored_id(&row.id),
            building_id: stored_id(&row.building_id),
            name: row.name,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = playlist_items, treat_none_as_null = true)]
pub struct PlaylistItemRow {
    pub id: String,
    pub playlist_id: String,
    pub position: i32,
    pub kind: String,
    pub event_id: Option<String>,
    pub media_id: Option<String>,
    pub text: Option<String>,
    pub duration_ms: i32,
    pub fit: String,
    pub schedule: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sound: bool,
}

impl From<PlaylistItemRow> for PlaylistItem {
    fn from(row: PlaylistItemRow) -> PlaylistItem {
        PlaylistItem {
            id: stored_id(&row.id),
            playlist_id: stored_id(&row.playlist_id),
            position: u32::try_from(row.position).unwrap_or_default(),
            kind: stored(PlaylistItemKind::parse(&row.kind), "item kind", &row.kind),
            event_id: stored_opt_id(row.event_id.as_deref()),
            media_id: stored_opt_id(row.media_id.as_deref()),
            text: row.text,
            duration_ms: u32::try_from(row.duration_ms).unwrap_or_default(),
            fit: stored(Fit::parse(&row.fit), "fit", &row.fit),
            schedule: stored_json::<Schedule>(&row.schedule),
            sound: row.sound,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = media_assets)]
pub struct MediaAssetRow {
    pub id: String,
    pub sha256: String,
    pub organisation_id: Option<String>,
    pub uploaded_by: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: i32,
    pub height: i32,
    pub original_name: String,
    pub created_at: NaiveDateTime,
    pub duration_ms: Option<i32>,
    pub frame_rate: Option<f64>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
}

impl From<MediaAssetRow> for MediaAsset {
    fn from(row: MediaAssetRow) -> MediaAsset {
        MediaAsset {
            content_url: format!("/api/v1/media/{}/content", row.id),
            id: stored_id(&row.id),
            organisation_id: stored_opt_id(row.organisation_id.as_deref()),
            sha256: row.sha256,
            content_type: row.content_type,
            size_bytes: u64::try_from(row.size_bytes).unwrap_or_default(),
            width: u32::try_from(row.width).unwrap_or_default(),
            height: u32::try_from(row.height).unwrap_or_default(),
            original_name: row.original_name,
            created_at: row.created_at.and_utc(),
            renditions: Vec::new(),
            video: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = events, treat_none_as_null = true)]
pub struct EventRow {
    pub id: String,
    pub organisation_id: String,
    pub created_by: Option<String>,
    pub title: String,
    pub description: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub venue: String,
    pub category: String,
    pub target_audiences: String,
    pub link: Option<String>,
    pub poster_media_id: Option<String>,
    pub requested_building_ids: String,
    pub status: String,
    pub approved_building_ids: String,
    pub promotion_from: Option<NaiveDateTime>,
    pub promotion_until: Option<NaiveDateTime>,
    pub moderation_note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl EventRow {
    pub fn status(&self) -> EventStatus {
        stored(
            EventStatus::parse(&self.status),
            "event status",
            &self.status,
        )
    }
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Event {
        Event {
            id: stored_id(&row.id),
            organisation_id: stored_id(&row.organisation_id),
            status: row.status(),
            category: stored(
                EventCategory::parse(&row.category),
                "category",
                &row.category,
            ),
            target_audiences: stored_json::<Vec<AudienceSegment>>(&row.target_audiences),
            requested_building_ids: stored_json(&row.requested_building_ids),
            approved_building_ids: stored_json(&row.approved_building_ids),
            poster_media_id: stored_opt_id(row.poster_media_id.as_deref()),
            title: row.title,
            description: row.description,
            starts_at: row.starts_at.and_utc(),
            ends_at: row.ends_at.and_utc(),
            venue: row.venue,
            link: row.link,
            promotion_from: row.promotion_from.map(|t| t.and_utc()),
            promotion_until: row.promotion_until.map(|t| t.and_utc()),
            moderation_note: row.moderation_note,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = event_decisions)]
pub struct DecisionRow {
    pub id: String,
    pub event_id: String,
    pub decision: String,
    pub reason: Option<String>,
    pub building_ids: String,
    pub promotion_from: Option<NaiveDateTime>,
    pub promotion_until: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
    pub decided_at: NaiveDateTime,
}

impl From<DecisionRow> for Decision {
    fn from(row: DecisionRow) -> Decision {
        Decision {
            id: stored_id(&row.id),
            event_id: stored_id(&row.event_id),
            decision: stored(
                DecisionKind::parse(&row.decision),
                "decision",
                &row.decision,
            ),
            reason: row.reason,
            building_ids: stored_json(&row.building_ids),
            promotion_from: row.promotion_from.map(|t| t.and_utc()),
            promotion_until: row.promotion_until.map(|t| t.and_utc()),
            decided_by: stored_opt_id(row.decided_by.as_deref()),
            decided_at: row.decided_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub detail: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> AuditEntry {
        AuditEntry {
            id: stored_id(&row.id),
            at: row.at.and_utc(),
            actor_user_id: stored_opt_id(row.actor_user_id.as_deref()),
            actor: row.actor,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            detail: stored_json(&row.detail),
        }
    }
}
