//! The media library: posters and slides, stored once per content hash.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An uploaded file. The content lives once on disk under its SHA-256; each upload by an
/// organisation is its own library entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaAsset {
    pub id: Uuid,
    /// Hex SHA-256 of the content, which players verify after download.
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub width: u32,
    pub height: u32,
    pub original_name: String,
    pub organisation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Where to download the content.
    pub content_url: String,
}
