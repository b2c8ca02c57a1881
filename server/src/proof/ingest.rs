//! Batch ingestion: every record is checked (a bad one is refused with its reason, the good ones
//! are kept), attributed from the ledger, placed in time and audience, stored once by its id and
//! added to the rollups, all in one transaction that commits before the receipt is sent.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use civicast_shared::api::plays::{
    PlayBatch, PlayKind, PlayOutcome, PlayReceipt, PlayRecord, RefusedPlay,
};
use diesel::prelude::*;

use super::enrich::{Placement, ScreenContext};
use super::ledger::{self, LedgerRow};
use super::profiles;
use super::rollup::Rollups;
use crate::api::{find_building, find_screen};
use crate::db::schema::{plays, screens};
use crate::db::{self, DbConnection, to_db_time};
use crate::error::AppError;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = plays)]
struct PlayRow {
    id: String,
    schema_version: i32,
    screen_id: String,
    seq: i64,
    item_id: Option<String>,
    content_hash: Option<String>,
    owner: Option<String>,
    kind: String,
    started_at: NaiveDateTime,
    ended_at: NaiveDateTime,
    planned_ms: i64,
    played_ms: i64,
    clock_offset_ms: i64,
    outcome: String,
    display_on: Option<bool>,
    player_version: String,
    received_at: NaiveDateTime,
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

    let received_at = to_db_time(now);
    let mut refused = Vec::new();
    let mut duplicates = 0u32;
    let mut seen = HashSet::with_capacity(batch.plays.len());
    let mut rows = Vec::with_capacity(batch.plays.len());
    // Beside each row: what its rollups need.
    let mut facts: Vec<(Option<&LedgerRow>, &'static str, Placement, bool, u32)> =
        Vec::with_capacity(batch.plays.len());
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
            started_at: to_db_time(started),
            ended_at: to_db_time(ended),
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
        facts.push((
            item,
            kind,
            placement,
            record.outcome == PlayOutcome::Complete,
            record.played_ms,
        ));
    }

    let total = rows.len();
    let inserted = store_new(conn, &screen.screen_id, rows, |conn, is_new| {
        let mut rollups = Rollups::default();
        for ((item, kind, placement, complete, played_ms), new) in facts.iter().zip(is_new) {
            if *new {
                rollups.add(&screen, *item, kind, placement, *complete, *played_ms);
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

/// Rows in one multi-row INSERT: 22 parameters each, well under both backends' limits.
const INSERT_CHUNK: usize = 500;

/// Inserts the rows that are not stored yet and hands `then` which ones were new, all in one
/// transaction; returns how many were new.
///
/// On SQLite the transaction opens with a write that is due anyway (the screen's `last_seen`),
/// so it holds the write lock before it looks: the ids it finds absent stay absent until it
/// commits, and the new rows go in with a few multi-row statements. On PostgreSQL, where
/// several instances may take the same retried batch at once, `ON CONFLICT DO NOTHING
/// RETURNING` names the rows this transaction really added.
fn store_new(
    conn: &mut DbConnection,
    screen_id: &str,
    rows: Vec<PlayRow>,
    then: impl FnOnce(&mut DbConnection, &[bool]) -> Result<(), AppError>,
) -> Result<usize, AppError> {
    if rows.is_empty() {
        return Ok(0);
    }
    crate::db::transaction(conn, |conn| {
        let is_new: Vec<bool> = match conn {
            DbConnection::Sqlite(sqlite) => {
                diesel::update(screens::table.find(screen_id))
                    .set(screens::last_seen_at.eq(db::now()))
                    .execute(sqlite)?;
                let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
                let mut stored: HashSet<String> = HashSet::new();
                for chunk in ids.chunks(INSERT_CHUNK) {
                    stored.extend(
                        plays::table
                            .filter(plays::id.eq_any(chunk))
                            .select(plays::id)
                            .load::<String>(sqlite)?,
                    );
                }
                let is_new: Vec<bool> = rows.iter().map(|row| !stored.contains(&row.id)).collect();
                let fresh: Vec<&PlayRow> = rows
                    .iter()
                    .zip(&is_new)
                    .filter(|(_, new)| **new)
                    .map(|(row, _)| row)
                    .collect();
                for chunk in fresh.chunks(INSERT_CHUNK) {
                    diesel::insert_into(plays::table)
                        .values(chunk.to_vec())
                        .execute(sqlite)?;
                }
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
