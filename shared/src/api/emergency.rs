//! Emergency messages: staff put a message on every screen, or on one building's, at once, and
//! clear it the same way. Players receive it over a push channel (Server-Sent Events) and poll
//! when that breaks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::device::MediaRef;
use crate::validation::{Validate, ValidationErrors};

/// Longest emergency text: it must be read from across a hall.
pub const EMERGENCY_TEXT_MAX: usize = 280;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmergencyMessage {
    pub id: Uuid,
    pub text: String,
    /// The building whose screens show it; `None` for every screen.
    pub building_id: Option<Uuid>,
    /// An image shown with the text (from the city's library).
    pub media_id: Option<Uuid>,
    /// That image's file, for the player to fetch and verify.
    #[serde(default)]
    pub media: Option<MediaRef>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmergencyInput {
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub text: String,
    #[serde(default)]
    pub building_id: Option<Uuid>,
    #[serde(default)]
    pub media_id: Option<Uuid>,
}

impl Validate for EmergencyInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("text", &self.text, EMERGENCY_TEXT_MAX);
        errors.into_result()
    }
}

/// What a screen must show now: the newest active message for its building or for every
/// screen, or none. Sent on the push channel whenever it changes, and by the polling route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmergencyState {
    pub message: Option<EmergencyMessage>,
}

impl EmergencyState {
    /// The message a screen in `building_id` shows, out of the active ones.
    pub fn for_building(active: &[EmergencyMessage], building_id: Uuid) -> EmergencyState {
        EmergencyState {
            message: active
                .iter()
                .filter(|m| m.building_id.is_none_or(|b| b == building_id))
                .max_by_key(|m| (m.created_at, m.id))
                .cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn message(minute: u32, building: Option<Uuid>) -> EmergencyMessage {
        EmergencyMessage {
            id: Uuid::from_u128(u128::from(minute)),
            text: format!("message {minute}"),
            building_id: building,
            media_id: None,
            media: None,
            created_at: Utc.with_ymd_and_hms(2026, 11, 24, 10, minute, 0).unwrap(),
        }
    }

    #[test]
    fn a_screen_shows_the_newest_message_for_its_building_or_everyone() {
        let town_hall = Uuid::from_u128(100);
        let library = Uuid::from_u128(200);
        let active = [message(1, None), message(2, Some(library))];
        assert_eq!(
            EmergencyState::for_building(&active, town_hall).message,
            Some(message(1, None))
        );
        assert_eq!(
            EmergencyState::for_building(&active, library).message,
            Some(message(2, Some(library)))
        );
        assert_eq!(EmergencyState::for_building(&[], library).message, None);
    }
}
