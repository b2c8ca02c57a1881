//! The JSON wire format of `/api/v1`: what clients send (`*Input`, `*Request`) and what the
//! server answers. Inputs reject unknown fields so that a typo is an error, not a silent no-op.

pub mod accounts;
pub mod audience;
pub mod audit;
pub mod device;
pub mod emergency;
pub mod events;
pub mod kiosk;
pub mod kiosk_setup;
pub mod media;
pub mod notifications;
pub mod places;
pub mod playlists;
pub mod plays;
pub mod reports;

use serde::{Deserialize, Serialize};

use crate::validation::FieldError;

/// Largest page a list route returns.
pub const MAX_PER_PAGE: u32 = 200;
/// Page size when the client does not ask for one.
pub const DEFAULT_PER_PAGE: u32 = 50;

/// One page of a list, with the total so that clients can page through everything.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

/// `?page=1&per_page=50` on every list route; pages count from 1.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page number, from 1.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1_000_000))]
    pub page: Option<u32>,
    /// Items per page, 1 to 200 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<u32>,
}

/// The highest page number asked for: beyond it, every list is empty in any case.
pub const MAX_PAGE: u32 = 1_000_000;

impl PageQuery {
    /// The page and page size to use, or a message saying what is wrong with the query.
    pub fn resolve(self) -> Result<(u32, u32), String> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 || page > MAX_PAGE {
            return Err(format!("page counts from 1 to {MAX_PAGE}"));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(format!("per_page must be between 1 and {MAX_PER_PAGE}"));
        }
        Ok((page, per_page))
    }
}

/// Every error the API returns: a stable machine code, a message for people, and for validation
/// errors the fields to fix.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Machine-readable code, e.g. `validation_failed`, `not_found`, `forbidden`.
    pub error: String,
    /// What went wrong and what to do about it.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// `GET /healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: String,
    /// `ok` when the database answered, else why not.
    pub database: String,
    /// `sqlite` or `postgresql`.
    pub backend: String,
    pub version: String,
}
