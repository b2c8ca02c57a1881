//! Reading events: the one filtered, paged event list behind the API's `GET /events`, the
//! moderation queue and an association's own page.

use civicast_shared::api::events::EventStatus;
use diesel::prelude::*;

use crate::core::actor::Actor;
use crate::core::paging::Paging;
use crate::db::DbConnection;
use crate::db::models::EventRow;
use crate::db::schema::events;
use crate::error::AppError;

/// Which events to list; every part left empty matches everything.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only this organisation's events (staff only: a member always sees their own).
    pub organisation_id: Option<String>,
    pub status: Option<EventStatus>,
    /// Words of the title, as typed.
    pub title_contains: Option<String>,
    /// Latest start first (an association's own list) instead of soonest first (the queue).
    pub latest_first: bool,
}

/// The events `actor` may see that match `filter`: a page of them and how many match. An
/// association member only ever sees their own organisation's, whatever the filter asks.
pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    mut filter: EventFilter,
    paging: Paging,
) -> Result<(Vec<EventRow>, i64), AppError> {
    if !actor.is_staff() {
        filter.organisation_id = Some(
            actor
                .organisation_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
    }
    let search = filter
        .title_contains
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", s.replace(['%', '_'], "")));
    let filtered = || {
        let mut q = events::table.into_boxed();
        if let Some(organisation) = &filter.organisation_id {
            q = q.filter(events::organisation_id.eq(organisation.clone()));
        }
        if let Some(status) = filter.status {
            q = q.filter(events::status.eq(status.as_str()));
        }
        if let Some(pattern) = &search {
            q = q.filter(events::title.like(pattern.clone()));
        }
        q
    };
    let total = filtered().count().get_result::<i64>(conn)?;
    let ordered = if filter.latest_first {
        filtered().order((events::starts_at.desc(), events::id.asc()))
    } else {
        filtered().order((events::starts_at.asc(), events::id.asc()))
    };
    let rows = ordered
        .limit(paging.limit())
        .offset(paging.offset())
        .select(EventRow::as_select())
        .load::<EventRow>(conn)?;
    Ok((rows, total))
}
