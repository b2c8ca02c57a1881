//! The plays report: a period checked, the figures confined to what the actor may see, rows
//! grouped by one dimension and named. Both the API and the portal's reports page read it.

use crate::core::actor::Actor;
use crate::core::moderation::find_visible as find_visible_event;
use crate::core::reports::query::{self, Filters};
use crate::core::reports::{self as report};
use crate::db::DbConnection;
use crate::db::schema::{buildings, events, organisations, screens};
use crate::error::AppError;
use chrono::{Duration, Utc};
use civicast_shared::ValidationErrors;
use civicast_shared::api::reports::{Report, ReportDimension};
use diesel::prelude::*;
use std::collections::HashMap;

/// Longest period one report covers.
pub const MAX_PERIOD: Duration = Duration::days(3 * 366);

/// The period a report asks for: `to` defaults to now and `from` to 30 days before it. Both
/// must lie in the shared calendar, so that nothing done with them afterwards can overflow.
pub fn period(
    from: Option<chrono::DateTime<Utc>>,
    to: Option<chrono::DateTime<Utc>>,
) -> Result<Filters, AppError> {
    let mut errors = ValidationErrors::default();
    for (field, value) in [("from", from), ("to", to)] {
        if let Some(value) = value {
            errors.date(field, value);
        }
    }
    errors.into_result()?;
    let to = to.unwrap_or_else(Utc::now);
    let from = from.unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(AppError::invalid("from", "must be before to"));
    }
    if to - from > MAX_PERIOD {
        return Err(AppError::invalid(
            "to",
            "a report covers at most three years",
        ));
    }
    Ok(Filters::new(from, to))
}

/// The organisation whose figures a report may show: the one staff ask for (or all), and
/// always the member's own for an association. Another organisation looks absent.
pub fn confine(user: &Actor, asked: Option<uuid::Uuid>) -> Result<Option<String>, AppError> {
    if user.is_staff() {
        return Ok(asked.map(|id| id.to_string()));
    }
    let own = user
        .organisation_id
        .ok_or_else(|| AppError::Forbidden("your account belongs to no organisation".into()))?;
    if asked.is_some_and(|id| id != own) {
        return Err(AppError::NotFound("no such organisation".into()));
    }
    Ok(Some(own.to_string()))
}

/// Names for the keys of a report's rows.
pub fn labels(
    conn: &mut DbConnection,
    by: ReportDimension,
    keys: Vec<String>,
) -> Result<HashMap<String, String>, AppError> {
    let named: Vec<(String, String)> = match by {
        ReportDimension::Event => events::table
            .filter(events::id.eq_any(&keys))
            .select((events::id, events::title))
            .load(conn)?,
        ReportDimension::Organisation => organisations::table
            .filter(organisations::id.eq_any(&keys))
            .select((organisations::id, organisations::name))
            .load(conn)?,
        ReportDimension::Building => buildings::table
            .filter(buildings::id.eq_any(&keys))
            .select((buildings::id, buildings::name))
            .load(conn)?,
        ReportDimension::BuildingDaypart => {
            let ids: Vec<String> = keys
                .iter()
                .filter_map(|key| key.split('|').next().map(str::to_owned))
                .collect();
            let names: HashMap<String, String> = buildings::table
                .filter(buildings::id.eq_any(&ids))
                .select((buildings::id, buildings::name))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();
            keys.iter()
                .map(|key| {
                    let (building, daypart) = key.split_once('|').unwrap_or((key, ""));
                    let name = names.get(building).map_or(building, String::as_str);
                    (key.clone(), format!("{name} · {daypart}"))
                })
                .collect()
        }
        ReportDimension::Screen => screens::table
            .filter(screens::id.eq_any(&keys))
            .select((screens::id, screens::name))
            .load(conn)?,
        ReportDimension::Hour => keys
            .iter()
            .map(|k| (k.clone(), format!("{k:0>2}:00")))
            .collect(),
        _ => keys.iter().map(|k| (k.clone(), k.clone())).collect(),
    };
    Ok(named.into_iter().collect())
}

/// The plays report the user may see: `filters` already confined to what the user may see, and
/// `event_id` (when given) one of the user's visible events.
pub fn plays_report_for(
    conn: &mut DbConnection,
    user: &Actor,
    by: ReportDimension,
    mut filters: Filters,
    event_id: Option<String>,
) -> Result<Report, AppError> {
    if let Some(event_id) = &event_id {
        find_visible_event(conn, user, event_id)?;
        filters.event_id = Some(event_id.clone());
    }
    let groups = query::grouped(conn, by, &filters)?;
    let keys = groups.iter().filter_map(|(key, _)| key.clone()).collect();
    let names = labels(conn, by, keys)?;
    let rows = groups
        .into_iter()
        .map(|(key, sums)| {
            let key = key.unwrap_or_default();
            let label = if key.is_empty() {
                "(city content)".to_owned()
            } else {
                names.get(&key).cloned().unwrap_or_else(|| key.clone())
            };
            (key, label, sums)
        })
        .collect();
    Ok(report::build(
        by,
        filters.from.and_utc(),
        filters.to.and_utc(),
        rows,
    ))
}
