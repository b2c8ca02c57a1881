//! The audit log: who did what, when, and why.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    /// The actor's e-mail address at the time, or `system`.
    pub actor: String,
    /// E.g. `event.approve`, `building.create`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub detail: serde_json::Value,
}

/// Filters for `GET /api/v1/audit`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    /// Only entries about this entity id.
    pub entity_id: Option<String>,
    /// Only entries whose action starts with this, e.g. `event.`.
    pub action: Option<String>,
}
