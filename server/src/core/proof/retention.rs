//! Raw plays are kept for a configurable number of days and then purged; the rollups stay.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::plays;
use crate::error::AppError;

/// Raw plays must outlive the window in which a late record is still accepted, so that every
/// record that can arrive can still be recognised as a duplicate.
pub const MIN_RETENTION_DAYS: i64 = civicast_shared::api::plays::MAX_LATE.num_days() + 1;

/// Deletes raw plays that started more than `days` before `now`; safe to run twice or on
/// several instances at once. Returns how many went.
pub fn purge_raw_plays(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    days: i64,
) -> Result<usize, AppError> {
    let cutoff = now - Duration::days(days.max(MIN_RETENTION_DAYS));
    Ok(diesel::delete(plays::table.filter(plays::started_at.lt(cutoff))).execute(conn)?)
}
