//! Batch ingestion: every record is checked (a bad one is refused with its reason, the good ones
//! are kept), attributed from the ledger, placed in time and audience, stored once by its id and
//! added to the rollups, all in one transaction that commits before the receipt is sent.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use civicast_shared::api::plays::{
    PlayBatch, PlayKind, PlayOutcome, PlayReceipt, PlayRecord, RefusedPlay,
};
use diesel::prelude::*;

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
    batch: PlayBatch,
    now: DateTime<Utc>,
) -> Result<Prepared, AppError> {
    let screen = screen_context(conn, screen_id)?;
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
        Ok(PlayReceipt {
            accepted: u32::try_from(inserted).unwrap_or(u32::MAX),
            duplicates,
            refused,
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

/// Rows in one multi-row INSERT on PostgreSQL: 22 parameters each, well under its limit.
const INSERT_CHUNK: usize = 500;

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
/// On PostgreSQL, where each statement is a round trip and several instances may take the
/// same retried batch at once, multi-row `ON CONFLICT DO NOTHING RETURNING` names the rows
/// this transaction really added.
fn store_new(
    conn: &mut DbConnection,
    rows: Vec<PlayRow>,
    then: impl FnOnce(&mut DbConnection, &[bool]) -> Result<(), AppError>,
) -> Result<usize, AppError> {
    if rows.is_empty() {
        return Ok(0);
    }
    crate::db::transaction(conn, |conn| {
        let is_new: Vec<bool> = match conn {
            DbConnection::Sqlite(sqlite) => {
                let mut is_new = Vec::with_capacity(rows.len());
                let mut chunks = rows.chunks_exact(SQLITE_CHUNK);
                for chunk in &mut chunks {
                    let chunk: &[PlayRow; SQLITE_CHUNK] = chunk.try_into().expect("exact chunk");
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
            DbConnection::Postgres(pg) => {
                let mut added: HashSet<String> = HashSet::with_capacity(rows.len());
                for chunk in rows.chunks(INSERT_CHUNK) {
                    added.extend(
                        diesel::insert_into(plays::table)
                            .values(chunk)
                            .on_conflict_do_nothing()
                            .returning(plays::id)
                            .get_results::<String>(pg)?,
                    );
                }
                rows.iter().map(|row| added.contains(&row.id)).collect()
            }
        };
        then(conn, &is_new)?;
        Ok(is_new.iter().filter(|new| **new).count())
    })
}
