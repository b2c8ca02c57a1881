//! Raw plays are kept for a configurable number of days and then purged; the rollups stay.
//!
//! On PostgreSQL raw plays are partitioned by the UTC day they started (migration
//! `plays_by_day`): the purge drops whole days past the retention and makes the coming days'
//! partitions. On SQLite it deletes in batches, so that no transaction holds the one writer
//! for long while players upload.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text, Timestamp};

use crate::db::DbConnection;
use crate::error::AppError;

/// Raw plays must outlive the window in which a late record is still accepted, so that every
/// record that can arrive can still be recognised as a duplicate.
pub const MIN_RETENTION_DAYS: i64 = civicast_shared::api::plays::MAX_LATE.num_days() + 1;

/// Rows deleted per transaction (SQLite; PostgreSQL's default partition).
const PURGE_BATCH: i64 = 10_000;

/// Days ahead whose partitions the purge makes, so plays never wait for one to be made.
const PARTITION_DAYS_AHEAD: i32 = 7;

/// Deletes raw plays that started more than `days` before `now` (on PostgreSQL: the whole UTC
/// days before that, so a play may stay up to a day longer); safe to run twice or on several
/// instances at once. Returns how many went.
pub fn purge_raw_plays(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    days: i64,
) -> Result<usize, AppError> {
    let cutoff = now - Duration::days(days.max(MIN_RETENTION_DAYS));
    match conn {
        DbConnection::Sqlite(_) => purge_in_batches(conn, cutoff),
        DbConnection::Postgres(pg) => {
            make_partitions_ahead(pg, now.date())?;
            drop_old_partitions(pg, cutoff)
        }
    }
}

fn purge_in_batches(conn: &mut DbConnection, cutoff: NaiveDateTime) -> Result<usize, AppError> {
    let mut purged = 0;
    loop {
        let deleted = crate::db::transaction(conn, |conn| {
            diesel::sql_query(
                "DELETE FROM plays WHERE id IN \
                 (SELECT id FROM plays WHERE started_at < ? LIMIT ?)",
            )
            .bind::<Timestamp, _>(cutoff)
            .bind::<BigInt, _>(PURGE_BATCH)
            .execute(conn)
        })?;
        purged += deleted;
        if deleted < PURGE_BATCH as usize {
            return Ok(purged);
        }
    }
}

fn make_partitions_ahead(pg: &mut diesel::PgConnection, today: NaiveDate) -> Result<(), AppError> {
    diesel::sql_query(
        "SELECT civicast_play_partition($1 + ahead) FROM generate_series(0, $2) AS ahead",
    )
    .bind::<Date, _>(today)
    .bind::<diesel::sql_types::Integer, _>(PARTITION_DAYS_AHEAD)
    .execute(pg)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Partition {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Drops the day partitions that end by `cutoff`, each in its own short transaction, and
/// deletes the default partition's plays before `cutoff` in batches.
fn drop_old_partitions(
    pg: &mut diesel::PgConnection,
    cutoff: NaiveDateTime,
) -> Result<usize, AppError> {
    let partitions: Vec<Partition> = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'plays'::regclass ORDER BY 1",
    )
    .load(pg)?;
    let mut purged = 0usize;
    for Partition { name } in partitions {
        let Some(day) = name
            .strip_prefix("plays_p")
            .and_then(|digits| NaiveDate::parse_from_str(digits, "%Y%m%d").ok())
        else {
            continue;
        };
        let day_end = (day + Duration::days(1)).and_time(chrono::NaiveTime::MIN);
        if day_end > cutoff {
            continue;
        }
        // The name was read from the catalogue and matched plays_pYYYYMMDD above.
        let rows = diesel::sql_query(format!("SELECT count(*) AS count FROM {name}"))
            .get_result::<Count>(pg)?
            .count;
        pg.transaction(|pg| {
            // Dropping a partition locks the whole table for a moment: rather than queue
            // uploads behind a long reader, give up and try again at the next run.
            diesel::sql_query("SET LOCAL lock_timeout = '10s'").execute(pg)?;
            diesel::sql_query(format!("DROP TABLE IF EXISTS {name}")).execute(pg)
        })?;
        tracing::info!(partition = %name, rows, "raw plays of a day past retention dropped");
        purged += usize::try_from(rows).unwrap_or_default();
    }
    loop {
        let deleted = diesel::sql_query(
            "DELETE FROM plays_default WHERE ctid IN \
             (SELECT ctid FROM plays_default WHERE started_at < $1 LIMIT $2)",
        )
        .bind::<Timestamp, _>(cutoff)
        .bind::<BigInt, _>(PURGE_BATCH)
        .execute(pg)?;
        purged += deleted;
        if deleted < PURGE_BATCH as usize {
            return Ok(purged);
        }
    }
}
