//! Batch ingestion: every record is checked (a bad one is refused with its reason, the good ones
//! are kept), attributed from the ledger, placed in time and audience, stored once by its id and
//! added to the rollups, all in one transaction that commits before the receipt is sent.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use civicast_shared::api::plays::{
    PlayBatch, PlayKind, PlayOutcome, PlayReceipt, PlayRecord, RefusedPlay,
};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Double, Integer, Nullable, Text, Timestamp};

use super::enrich::{Placement, ScreenContext};
use super::ledger::{self, LedgerRow};
use super::profiles;
use super::rollup::Rollups;
use crate::core::places::buildings::find_building;
use crate::core::places::screens::find_screen;
use crate::db::schema::plays;
use crate::db::timestamp::DbTimestamp;
use crate::db::{DbConnection, to_db_time};
use crate::error::AppError;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = plays)]
// Every column bound (None as NULL, not left out) keeps the INSERT one statement type, which
// diesel prepares once per connection instead of writing its SQL again for every row.
#[diesel(treat_none_as_default_value = false)]
struct PlayRow {
    id: String,
    schema_version: i32,
    screen_id: String,
    seq: i64,
    item_id: Option<String>,
    content_hash: Option<String>,
    owner: Option<String>,
    kind: String,
    started_at: DbTimestamp,
    ended_at: DbTimestamp,
    planned_ms: i64,
    played_ms: i64,
    clock_offset_ms: i64,
    outcome: String,
    display_on: Option<bool>,
    player_version: String,
    received_at: DbTimestamp,
    building_id: Option<String>,
    daypart: Option<String>,
    multiplier: Option<f64>,
    multiplier_version: Option<i32>,
    impressions_est: Option<f64>,
}

/// The screen's building, time zone and current audience profile.
pub fn screen_context(conn: &mut DbConnection, screen_id: &str) -> Result<ScreenContext, AppError> {
    let screen = find_screen(conn, screen_id)?;
    let building = find_building(conn, &screen.building_id)?;
    let time_zone = building.time_zone.parse().map_err(|_| {
        AppError::Unexpected(anyhow::anyhow!(
            "building {} has an unknown time zone {}",
            building.id,
            building.time_zone
        ))
    })?;
    Ok(ScreenContext {
        screen_id: screen.id,
        profile: profiles::latest(conn, &building.id)?,
        building_id: building.id,
        time_zone,
    })
}

/// Why the ledger refuses a record's item, if it does.
fn item_refusal(
    record: &PlayRecord,
    item: Option<&LedgerRow>,
    screen: &ScreenContext,
) -> Option<String> {
    let item_id = record.item_id?;
    let Some(item) = item else {
        return Some(format!(
            "item_id {item_id} is not a playlist item Civicast made"
        ));
    };
    if item.building_id != screen.building_id {
        return Some(format!(
            "item_id {item_id} belongs to another building's playlist"
        ));
    }
    None
}

/// Stores a batch from `screen_id` (the screen of the token) and says what became of each record.
pub fn ingest(
    conn: &mut DbConnection,
    screen_id: &str,
    batch: PlayBatch,
    now: DateTime<Utc>,
) -> Result<PlayReceipt, AppError> {
    prepare(conn, screen_id, batch, now)?.store(conn)
}

/// Ingests a batch as [`ingest`] does, for many batches at once: checking and enriching only
/// read, so batches do that side by side; on SQLite, storing then takes `sqlite_writer`, one
/// batch at a time in process, rather than many writers sleeping in SQLite's busy handler,
/// which waits in steps of milliseconds.
pub fn ingest_beside_others(
    conn: &mut DbConnection,
    sqlite_writer: &std::sync::Mutex<()>,
    screen_id: &str,
    batch: PlayBatch,
    now: DateTime<Utc>,
) -> Result<PlayReceipt, AppError> {
    let prepared = prepare(conn, screen_id, batch, now)?;
    let _one_writer = match conn {
        DbConnection::Sqlite(_) => Some(sqlite_writer.lock().unwrap_or_else(|e| e.into_inner())),
        DbConnection::Postgres(_) => None,
    };
    prepared.store(conn)
}

/// A batch checked, attributed and placed, with nothing written yet: the part of ingestion
/// that only reads, so that SQLite's one writer at a time waits only for [`Prepared::store`].
#[derive(Debug)]
pub struct Prepared {
    screen: ScreenContext,
    items: HashMap<uuid::Uuid, LedgerRow>,
    rows: Vec<PlayRow>,
    /// Beside each row: what its rollups need.
    facts: Vec<RollupFact>,
    refused: Vec<RefusedPlay>,
    /// Records that repeat an id earlier in the same batch.
    duplicates: u32,
    /// A kiosk's visitor sessions, sent with the plays.
    sessions: super::kiosk_sessions::PreparedSessions,
}

#[derive(Debug)]
struct RollupFact {
    item_id: Option<uuid::Uuid>,
    kind: &'static str,
    placement: Placement,
    complete: bool,
    played_ms: u32,
}

/// Checks every record of a batch from `screen_id` and builds the rows to store.
pub fn prepare(
    conn: &mut DbConnection,
    screen_id: &str,
    mut batch: PlayBatch,
    now: DateTime<Utc>,
) -> Result<Prepared, AppError> {
    let screen = screen_context(conn, screen_id)?;
    let sessions = super::kiosk_sessions::prepare(
        conn,
        &screen,
        std::mem::take(&mut batch.kiosk_sessions),
        now,
    )?;
    let screen_uuid = crate::db::models::stored_id(screen_id);
    let item_ids: Vec<uuid::Uuid> = batch
        .plays
        .iter()
        .filter_map(|record| record.item_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let items = ledger::lookup(conn, &item_ids)?;

    let received_at: DbTimestamp = to_db_time(now).into();
    let mut refused = Vec::new();
    let mut duplicates = 0u32;
    let mut seen = HashSet::with_capacity(batch.plays.len());
    let mut rows = Vec::with_capacity(batch.plays.len());
    let mut facts = Vec::with_capacity(batch.plays.len());
    for (index, record) in batch.plays.into_iter().enumerate() {
        let item = record.item_id.and_then(|id| items.get(&id));
        let refusal = record
            .refusal(screen_uuid, now)
            .or_else(|| item_refusal(&record, item, &screen));
        if let Some(reason) = refusal {
            refused.push(RefusedPlay {
                index,
                id: record.id,
                reason,
            });
            continue;
        }
        if !seen.insert(record.id) {
            duplicates += 1;
            continue;
        }
        let (started, ended) = record.corrected_times();
        let placement = screen.place(started, record.played_ms);
        // The ledger says what the item is; the player's word is only used without an item.
        let kind = item
            .and_then(|row| PlayKind::parse(&row.kind))
            .unwrap_or(record.kind)
            .as_str();
        rows.push(PlayRow {
            id: record.id.to_string(),
            schema_version: i32::try_from(record.schema_version).unwrap_or_default(),
            screen_id: screen.screen_id.clone(),
            seq: i64::try_from(record.seq).unwrap_or(i64::MAX),
            item_id: record.item_id.map(|id| id.to_string()),
            content_hash: Some(record.content_hash),
            owner: item.and_then(|row| row.organisation_id.clone()),
            kind: kind.to_owned(),
            started_at: to_db_time(started).into(),
            ended_at: to_db_time(ended).into(),
            planned_ms: i64::from(record.planned_ms),
            played_ms: i64::from(record.played_ms),
            clock_offset_ms: record.clock_offset_ms,
            outcome: record.outcome.as_str().to_owned(),
            display_on: record.display_on,
            player_version: record.player_version.trim().to_owned(),
            received_at,
            building_id: Some(screen.building_id.clone()),
            daypart: Some(placement.daypart.clone()),
            multiplier: placement.multiplier,
            multiplier_version: (placement.profile_version > 0)
                .then_some(placement.profile_version),
            impressions_est: placement.multiplier,
        });
        facts.push(RollupFact {
            item_id: item.and(record.item_id),
            kind,
            placement,
            complete: record.outcome == PlayOutcome::Complete,
            played_ms: record.played_ms,
        });
    }
    Ok(Prepared {
        screen,
        items,
        rows,
        facts,
        refused,
        duplicates,
        sessions,
    })
}

impl Prepared {
    /// Stores the rows not stored before and adds them to the rollups, in one transaction
    /// that commits before this returns.
    pub fn store(self, conn: &mut DbConnection) -> Result<PlayReceipt, AppError> {
        let Self {
            screen,
            items,
            rows,
            facts,
            refused,
            mut duplicates,
            sessions,
        } = self;
        let total = rows.len();
        let inserted = store_new(conn, rows, |conn, is_new| {
            let mut rollups = Rollups::default();
            for (fact, new) in facts.iter().zip(is_new) {
                if *new {
                    let item = fact.item_id.and_then(|id| items.get(&id));
                    rollups.add(
                        &screen,
                        item,
                        fact.kind,
                        &fact.placement,
                        fact.complete,
                        fact.played_ms,
                    );
                }
            }
            rollups.write(conn)
        })?;
        duplicates += u32::try_from(total - inserted).unwrap_or(u32::MAX);
        // After the plays, in a transaction of their own: a failure answers an error, and the
        // player sends the whole batch again (its plays then count as duplicates).
        let (kiosk_sessions_settled, refused_sessions) = sessions.store(conn)?;
        Ok(PlayReceipt {
            accepted: u32::try_from(inserted).unwrap_or(u32::MAX),
            duplicates,
            refused,
            kiosk_sessions_settled,
            refused_sessions,
        })
    }
}

/// Rows in one multi-row INSERT on SQLite (a fixed count, so diesel prepares it once).
const SQLITE_CHUNK: usize = 50;

/// Inserts each row unless its id is stored; says which were new.
fn insert_each(
    sqlite: &mut diesel::SqliteConnection,
    rows: &[PlayRow],
) -> Result<Vec<bool>, diesel::result::Error> {
    rows.iter()
        .map(|row| {
            diesel::insert_or_ignore_into(plays::table)
                .values(row)
                .execute(sqlite)
                .map(|changed| changed == 1)
        })
        .collect()
}

/// Inserts the rows that are not stored yet and hands `then` which ones were new, all in one
/// transaction; returns how many were new.
///
/// On SQLite the transaction holds the write lock from its start (`db::transaction` begins
/// IMMEDIATE), and the primary key's own lookup is the duplicate check. Rows go in 50 at a
/// time through one plain multi-row INSERT: when none of them is stored yet (a fresh batch,
/// the usual case) that is all. If one is, SQLite undoes just that statement and those 50 go
/// in one by one through `INSERT OR IGNORE`, whose changed-row count says whether each was
/// new; so do the last rows of a batch. Both statements have a fixed shape, so diesel keeps
/// them prepared by type; an `ON CONFLICT` clause, or a multi-row INSERT as long as the batch,
/// would be written out as SQL again every time.
///
/// On PostgreSQL, where each statement is a round trip and several instances may take the
/// same retried batch at once, the whole batch goes in as one statement of one array per
/// column (`INSERT ... SELECT FROM unnest ... ON CONFLICT DO NOTHING RETURNING id`), which
/// names the rows this transaction really added. The days' partitions are made first, outside
/// the transaction. Batches written at once lock rows in one order (ids and rollup keys
/// sorted); should PostgreSQL still pick this transaction as a deadlock's victim or fail it
/// for serialisation, the whole transaction runs again after a short random wait, so a player
/// is not answered 500 for meeting another batch.
fn store_new(
    conn: &mut DbConnection,
    rows: Vec<PlayRow>,
    then: impl Fn(&mut DbConnection, &[bool]) -> Result<(), AppError>,
) -> Result<usize, AppError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let columns = match conn {
        DbConnection::Postgres(pg) => {
            make_day_partitions(pg, &rows)?;
            Some(PlayColumns::sorted_by_id(&rows))
        }
        DbConnection::Sqlite(_) => None,
    };
    let mut attempt = 1;
    loop {
        let stored = crate::db::transaction(conn, |conn| {
            let is_new: Vec<bool> = match (&mut *conn, &columns) {
                (DbConnection::Sqlite(sqlite), _) => {
                    let mut is_new = Vec::with_capacity(rows.len());
                    let mut chunks = rows.chunks_exact(SQLITE_CHUNK);
                    for chunk in &mut chunks {
                        let chunk: &[PlayRow; SQLITE_CHUNK] =
                            chunk.try_into().expect("exact chunk");
                        match diesel::insert_into(plays::table)
                            .values(chunk)
                            .execute(sqlite)
                        {
                            Ok(_) => is_new.extend([true; SQLITE_CHUNK]),
                            Err(diesel::result::Error::DatabaseError(
                                diesel::result::DatabaseErrorKind::UniqueViolation,
                                _,
                            )) => is_new.extend(insert_each(sqlite, chunk)?),
                            Err(other) => return Err(other.into()),
                        }
                    }
                    is_new.extend(insert_each(sqlite, chunks.remainder())?);
                    is_new
                }
                (DbConnection::Postgres(pg), Some(columns)) => {
                    let added = columns.insert_new(pg)?;
                    rows.iter().map(|row| added.contains(&row.id)).collect()
                }
                (DbConnection::Postgres(_), None) => {
                    unreachable!("columns are built on PostgreSQL")
                }
            };
            then(conn, &is_new)?;
            Ok(is_new.iter().filter(|new| **new).count())
        });
        match stored {
            Err(error) if attempt < STORE_ATTEMPTS && is_transient_conflict(&error) => {
                tracing::info!(attempt, %error, "a play batch met another one; storing it again");
                std::thread::sleep(retry_wait(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// How often a batch is stored before a conflict with other batches is given up on.
const STORE_ATTEMPTS: u32 = 5;

/// PostgreSQL's deadlock (40P01, which diesel has no kind for, so its message is read) and
/// serialisation failure (40001): the transaction was undone for meeting another, and running
/// it again succeeds.
fn is_transient_conflict(error: &AppError) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    let AppError::Unexpected(error) = error else {
        return false;
    };
    match error.downcast_ref::<Error>() {
        Some(Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
        Some(Error::DatabaseError(_, info)) => info.message().contains("deadlock detected"),
        _ => false,
    }
}

/// 10, 20, 40, ... ms plus as much again at random, so batches that met do not meet again.
fn retry_wait(attempt: u32) -> std::time::Duration {
    use rand::Rng;
    let base_ms = 10u64 << attempt.min(6).saturating_sub(1);
    std::time::Duration::from_millis(base_ms + rand::thread_rng().gen_range(0..=base_ms))
}

/// Makes the partitions of the UTC days the rows started on, where missing (one round trip
/// when they exist). Outside the ingestion transaction: making one locks the plays table
/// briefly, which must not wait inside a transaction that holds rollup rows.
fn make_day_partitions(
    pg: &mut diesel::PgConnection,
    rows: &[PlayRow],
) -> Result<(), diesel::result::Error> {
    let days: Vec<chrono::NaiveDate> = rows
        .iter()
        .map(|row| row.started_at.0.date())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    diesel::sql_query("SELECT civicast_play_partition(day) FROM unnest($1) AS day")
        .bind::<Array<Date>, _>(days)
        .execute(pg)?;
    Ok(())
}

/// A batch's rows as one array per column, sorted by id, for PostgreSQL.
#[derive(Debug, Default)]
struct PlayColumns {
    id: Vec<String>,
    schema_version: Vec<i32>,
    screen_id: Vec<String>,
    seq: Vec<i64>,
    item_id: Vec<Option<String>>,
    content_hash: Vec<Option<String>>,
    owner: Vec<Option<String>>,
    kind: Vec<String>,
    started_at: Vec<chrono::NaiveDateTime>,
    ended_at: Vec<chrono::NaiveDateTime>,
    planned_ms: Vec<i64>,
    played_ms: Vec<i64>,
    clock_offset_ms: Vec<i64>,
    outcome: Vec<String>,
    display_on: Vec<Option<bool>>,
    player_version: Vec<String>,
    received_at: Vec<chrono::NaiveDateTime>,
    building_id: Vec<Option<String>>,
    daypart: Vec<Option<String>>,
    multiplier: Vec<Option<f64>>,
    multiplier_version: Vec<Option<i32>>,
    impressions_est: Vec<Option<f64>>,
}

#[derive(QueryableByName)]
struct AddedPlay {
    #[diesel(sql_type = Text)]
    id: String,
}

impl PlayColumns {
    /// In id order, so that two instances storing one retried batch at once take its keys in
    /// the same order.
    fn sorted_by_id(rows: &[PlayRow]) -> PlayColumns {
        let mut sorted: Vec<&PlayRow> = rows.iter().collect();
        sorted.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let mut columns = PlayColumns::default();
        for row in sorted {
            columns.id.push(row.id.clone());
            columns.schema_version.push(row.schema_version);
            columns.screen_id.push(row.screen_id.clone());
            columns.seq.push(row.seq);
            columns.item_id.push(row.item_id.clone());
            columns.content_hash.push(row.content_hash.clone());
            columns.owner.push(row.owner.clone());
            columns.kind.push(row.kind.clone());
            columns.started_at.push(row.started_at.0);
            columns.ended_at.push(row.ended_at.0);
            columns.planned_ms.push(row.planned_ms);
            columns.played_ms.push(row.played_ms);
            columns.clock_offset_ms.push(row.clock_offset_ms);
            columns.outcome.push(row.outcome.clone());
            columns.display_on.push(row.display_on);
            columns.player_version.push(row.player_version.clone());
            columns.received_at.push(row.received_at.0);
            columns.building_id.push(row.building_id.clone());
            columns.daypart.push(row.daypart.clone());
            columns.multiplier.push(row.multiplier);
            columns.multiplier_version.push(row.multiplier_version);
            columns.impressions_est.push(row.impressions_est);
        }
        columns
    }

    /// Inserts every row whose (id, start) is not stored yet; returns the ids it added.
    fn insert_new(
        &self,
        pg: &mut diesel::PgConnection,
    ) -> Result<HashSet<String>, diesel::result::Error> {
        let added = diesel::sql_query(
            "INSERT INTO plays (id, schema_version, screen_id, seq, item_id, content_hash, owner, \
             kind, started_at, ended_at, planned_ms, played_ms, clock_offset_ms, outcome, \
             display_on, player_version, received_at, building_id, daypart, multiplier, \
             multiplier_version, impressions_est) \
             SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind::<Array<Text>, _>(&self.id)
        .bind::<Array<Integer>, _>(&self.schema_version)
        .bind::<Array<Text>, _>(&self.screen_id)
        .bind::<Array<BigInt>, _>(&self.seq)
        .bind::<Array<Nullable<Text>>, _>(&self.item_id)
        .bind::<Array<Nullable<Text>>, _>(&self.content_hash)
        .bind::<Array<Nullable<Text>>, _>(&self.owner)
        .bind::<Array<Text>, _>(&self.kind)
        .bind::<Array<Timestamp>, _>(&self.started_at)
        .bind::<Array<Timestamp>, _>(&self.ended_at)
        .bind::<Array<BigInt>, _>(&self.planned_ms)
        .bind::<Array<BigInt>, _>(&self.played_ms)
        .bind::<Array<BigInt>, _>(&self.clock_offset_ms)
        .bind::<Array<Text>, _>(&self.outcome)
        .bind::<Array<Nullable<Bool>>, _>(&self.display_on)
        .bind::<Array<Text>, _>(&self.player_version)
        .bind::<Array<Timestamp>, _>(&self.received_at)
        .bind::<Array<Nullable<Text>>, _>(&self.building_id)
        .bind::<Array<Nullable<Text>>, _>(&self.daypart)
        .bind::<Array<Nullable<Double>>, _>(&self.multiplier)
        .bind::<Array<Nullable<Integer>>, _>(&self.multiplier_version)
        .bind::<Array<Nullable<Double>>, _>(&self.impressions_est)
        .load::<AddedPlay>(pg)?;
        Ok(added.into_iter().map(|row| row.id).collect())
    }
}
