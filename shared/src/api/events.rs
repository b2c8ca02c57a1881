//! Events that associations submit, and the moderation decisions staff take on them.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{Validate, ValidationErrors};

crate::wire_enum! {
    EventStatus {
        Pending = "pending",
        Approved = "approved",
        ChangesRequested = "changes_requested",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        Expired = "expired",
    }
}

crate::wire_enum! {
    EventCategory {
        Sports = "sports",
        Culture = "culture",
        Music = "music",
        Youth = "youth",
        Family = "family",
        Seniors = "seniors",
        Education = "education",
        Community = "community",
        Charity = "charity",
        City = "city",
        Other = "other",
    }
}

crate::wire_enum! {
    /// Groups of citizens an event wants to reach; audiences are modelled per building, never per person.
    AudienceSegment {
        Youth = "youth",
        Families = "families",
        Seniors = "seniors",
        Students = "students",
        Sports = "sports",
        Culture = "culture",
        Newcomers = "newcomers",
        Tourists = "tourists",
    }
}

crate::wire_enum! {
    DecisionKind {
        Approved = "approved",
        Rejected = "rejected",
        ChangesRequested = "changes_requested",
        Withdrawn = "withdrawn",
        Expired = "expired",
        /// The association sent the event again after changes were asked for or it was
        /// rejected; not a decision of staff, but a step of its history.
        Resubmitted = "resubmitted",
    }
}

/// Promotion starts this long before the event unless staff choose otherwise.
pub const DEFAULT_PROMOTION_LEAD: Duration = Duration::days(14);
/// Longest event Civicast accepts.
pub const MAX_EVENT_LENGTH: Duration = Duration::days(366);
pub const MAX_REQUESTED_BUILDINGS: usize = 200;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: String,
    pub category: EventCategory,
    pub target_audiences: Vec<AudienceSegment>,
    pub link: Option<String>,
    pub poster_media_id: Option<Uuid>,
    pub requested_building_ids: Vec<Uuid>,
    pub status: EventStatus,
    /// Where it was approved to play (empty unless approved).
    pub approved_building_ids: Vec<Uuid>,
    pub promotion_from: Option<DateTime<Utc>>,
    pub promotion_until: Option<DateTime<Utc>>,
    /// The reason of the last rejection or request for changes.
    pub moderation_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Submits or edits an event. Association members leave `organisation_id` out (their own is used);
/// staff name the organisation they submit for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    #[serde(default)]
    pub organisation_id: Option<Uuid>,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub title: String,
    #[serde(default, deserialize_with = "crate::validation::clean_text")]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub venue: String,
    pub category: EventCategory,
    #[serde(default)]
    pub target_audiences: Vec<AudienceSegment>,
    #[serde(default, deserialize_with = "crate::validation::clean_optional_text")]
    pub link: Option<String>,
    #[serde(default)]
    pub poster_media_id: Option<Uuid>,
    #[serde(default)]
    pub requested_building_ids: Vec<Uuid>,
}

impl Validate for EventInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("title", &self.title, 120);
        errors.optional_text("description", &self.description, 1000);
        errors.text("venue", &self.venue, 200);
        errors.date("starts_at", self.starts_at);
        errors.date("ends_at", self.ends_at);
        if self.ends_at <= self.starts_at {
            errors.add("ends_at", "must be after starts_at");
        } else if self.ends_at - self.starts_at > MAX_EVENT_LENGTH {
            errors.add("ends_at", "an event lasts at most 366 days");
        }
        if let Some(link) = &self.link {
            errors.link("link", link);
        }
        if self.requested_building_ids.len() > MAX_REQUESTED_BUILDINGS {
            errors.add(
                "requested_building_ids",
                format!("lists at most {MAX_REQUESTED_BUILDINGS} buildings"),
            );
        }
        errors.into_result()
    }
}

/// Staff approve an event into the playlists of the chosen buildings for a promotion window
/// (default: 14 days before the start until the end).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {
    pub building_ids: Vec<Uuid>,
    #[serde(default)]
    pub promotion_from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub promotion_until: Option<DateTime<Utc>>,
    /// Length of the event's slot in each loop (default 10 s).
    #[serde(default)]
    pub duration_ms: Option<u32>,
}

impl Validate for ApproveRequest {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if self.building_ids.is_empty() {
            errors.add("building_ids", "choose at least one building");
        } else if self.building_ids.len() > MAX_REQUESTED_BUILDINGS {
            errors.add(
                "building_ids",
                format!("lists at most {MAX_REQUESTED_BUILDINGS} buildings"),
            );
        }
        if let Some(from) = self.promotion_from {
            errors.date("promotion_from", from);
        }
        if let Some(until) = self.promotion_until {
            errors.date("promotion_until", until);
        }
        if let (Some(from), Some(until)) = (self.promotion_from, self.promotion_until)
            && until <= from
        {
            errors.add("promotion_until", "must be after promotion_from");
        }
        if let Some(duration) = self.duration_ms {
            errors.range(
                "duration_ms",
                i64::from(duration),
                i64::from(super::playlists::ITEM_DURATION_MIN_MS),
                i64::from(super::playlists::ITEM_DURATION_MAX_MS),
            );
        }
        errors.into_result()
    }
}

/// A rejection or a request for changes; the reason reaches the association.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub reason: String,
}

impl Validate for ReasonRequest {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("reason", &self.reason, 1000);
        errors.into_result()
    }
}

/// One entry of an event's moderation history.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub id: Uuid,
    pub event_id: Uuid,
    pub decision: DecisionKind,
    pub reason: Option<String>,
    pub building_ids: Vec<Uuid>,
    pub promotion_from: Option<DateTime<Utc>>,
    pub promotion_until: Option<DateTime<Utc>>,
    /// Who decided; empty for decisions the system took (expiry).
    pub decided_by: Option<Uuid>,
    pub decided_at: DateTime<Utc>,
}

/// An event the association sent again after changes were asked for (or it was rejected):
/// what it was when staff sent it back, what it is now, and which fields differ.
/// `GET /api/v1/events/{id}/resubmission`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resubmission {
    pub resubmitted_at: DateTime<Utc>,
    /// What staff asked for when they sent it back.
    pub reason: Option<String>,
    pub previous: EventInput,
    pub current: EventInput,
    /// The names of the fields of `EventInput` that differ, in the form's order.
    pub changed_fields: Vec<String>,
}

impl Resubmission {
    /// The fields of `EventInput` (but the organisation) in which `previous` and `current`
    /// differ, in the form's order.
    pub fn changed(previous: &EventInput, current: &EventInput) -> Vec<String> {
        let fields = [
            ("title", previous.title != current.title),
            ("description", previous.description != current.description),
            ("starts_at", previous.starts_at != current.starts_at),
            ("ends_at", previous.ends_at != current.ends_at),
            ("venue", previous.venue != current.venue),
            ("category", previous.category != current.category),
            (
                "target_audiences",
                previous.target_audiences != current.target_audiences,
            ),
            ("link", previous.link != current.link),
            (
                "poster_media_id",
                previous.poster_media_id != current.poster_media_id,
            ),
            (
                "requested_building_ids",
                previous.requested_building_ids != current.requested_building_ids,
            ),
        ];
        fields
            .iter()
            .filter(|(_, differs)| *differs)
            .map(|(name, _)| (*name).to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn input() -> EventInput {
        EventInput {
            organisation_id: None,
            title: "Choir concert".into(),
            description: String::new(),
            starts_at: Utc.with_ymd_and_hms(2026, 12, 20, 19, 0, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 20, 21, 0, 0).unwrap(),
            venue: "Culture centre".into(),
            category: EventCategory::Music,
            target_audiences: vec![AudienceSegment::Seniors],
            link: Some("https://choir.example/concert".into()),
            poster_media_id: None,
            requested_building_ids: vec![],
        }
    }

    #[test]
    fn an_event_that_ends_before_it_starts_is_refused() {
        assert!(input().validate().is_ok());
        let mut reversed = input();
        reversed.ends_at = reversed.starts_at - Duration::hours(1);
        let errors = reversed.validate().unwrap_err();
        assert_eq!(errors.0[0].field, "ends_at");
    }

    #[test]
    fn dates_outside_the_calendar_are_refused_before_any_arithmetic() {
        let mut far = input();
        far.ends_at = DateTime::<Utc>::MAX_UTC;
        let errors = far.validate().unwrap_err();
        assert_eq!(errors.0[0].field, "ends_at");
        assert_eq!(errors.0[0].message, crate::validation::CALENDAR_MESSAGE);
        let approve = ApproveRequest {
            building_ids: vec![Uuid::nil()],
            promotion_from: Some(DateTime::<Utc>::MIN_UTC),
            promotion_until: None,
            duration_ms: None,
        };
        assert_eq!(approve.validate().unwrap_err().0[0].field, "promotion_from");
    }

    #[test]
    fn texts_are_cleaned_as_they_are_read() {
        let json = serde_json::json!({
            "title": "\u{202e}Choir\u{202c}", "starts_at": "2026-12-20T19:00:00Z",
            "ends_at": "2026-12-20T21:00:00Z", "venue": "Hall\u{200b}", "category": "music",
            "link": "https://choir.example/\u{2066}x",
        });
        let input: EventInput = serde_json::from_value(json).unwrap();
        assert_eq!(input.title, "Choir");
        assert_eq!(input.venue, "Hall");
        assert_eq!(input.link.as_deref(), Some("https://choir.example/x"));
        let blank: EventInput = serde_json::from_value(serde_json::json!({
            "title": "\u{200b}\u{200d}", "starts_at": "2026-12-20T19:00:00Z",
            "ends_at": "2026-12-20T21:00:00Z", "venue": "Hall", "category": "music",
        }))
        .unwrap();
        assert_eq!(blank.validate().unwrap_err().0[0].field, "title");
    }
}
