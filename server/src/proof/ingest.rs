//! Batch ingestion: every record is checked (a bad one is refused with its reason, the good ones
//! are kept), attributed from the ledger, placed in time and audience, stored once by its id and
//! added to the rollups, all in one transaction that commits before the receipt is sent.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use civicast_shared::api::plays::{PlayBatch, PlayOutcome, PlayReceipt, PlayRecord, RefusedPlay};
use diesel::prelude::*;

use super::enrich::ScreenContext;
use super::ledger::{self, LedgerRow};
use super::profiles;
use super::rollup::Rollups;
use crate::api::{find_building, find_screen};
use crate::db::schema::plays;
use crate::db::{DbConnection, to_db_time};
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
    let Some(item_id) = record.item_id else {
        return None;
    };
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
    let item_ids: Vec<String> = batch
        .plays
        .iter()
        .filter_map(|record| record.item_id.map(|id| id.to_string()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let items = ledger::lookup(conn, &item_ids)?;

    let received_at = to_db_time(now);
    let mut refused = Vec::new();
    let mut duplicates = 0u32;
    let mut seen = HashSet::with_capacity(batch.plays.len());
    let mut rows = Vec::with_capacity(batch.plays.len());
    let mut rollups_of: HashMap<String, (Option<LedgerRow>, String, PlayOutcome, u32)> =
        HashMap::new();
    let mut placements = HashMap::new();
    for (index, record) in batch.plays.into_iter().enumerate() {
        let item = record.item_id.and_then(|id| items.get(&id.to_string()));
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
        let id = record.id.to_string();
        rows.push(PlayRow {
            id: id.clone(),
            schema_version: i32::try_from(record.schema_version).unwrap_or_default(),
            screen_id: screen.screen_id.clone(),
            seq: i64::try_from(record.seq).unwrap_or(i64::MAX),
            item_id: record.item_id.map(|id| id.to_string()),
            content_hash: Some(record.content_hash),
            owner: item.and_then(|row| row.organisation_id.clone()),
            // The ledger says what the item is; the player's word is only used without an item.
            kind: item
                .map_or(record.kind.as_str(), |row| row.kind.as_str())
                .to_owned(),
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
        let kind = rows.last().map(|row| row.kind.clone()).unwrap_or_default();
        rollups_of.insert(
            id.clone(),
            (item.cloned(), kind, record.outcome, record.played_ms),
        );
        placements.insert(id, placement);
    }

    let total = rows.len();
    let inserted = store_new(conn, &rows, |conn, new_ids| {
        let mut rollups = Rollups::default();
        for id in new_ids {
            let (item, kind, outcome, played_ms) = &rollups_of[id];
            rollups.add(
                &screen,
                item.as_ref(),
                kind,
                &placements[id],
                *outcome == PlayOutcome::Complete,
                *played_ms,
            );
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

/// Inserts the rows that are not stored yet and hands their ids to `then`, all in one
/// transaction. Its first statement writes, so on SQLite it takes the write lock up front (and
/// waits for it) and two uploads of the same batch cannot both count it; on PostgreSQL
/// `ON CONFLICT DO NOTHING RETURNING` names the rows this transaction really added. Returns how
/// many were new.
fn store_new(
    conn: &mut DbConnection,
    rows: &[PlayRow],
    then: impl FnOnce(&mut DbConnection, &[String]) -> Result<(), AppError>,
) -> Result<usize, AppError> {
    if rows.is_empty() {
        return Ok(0);
    }
    conn.transaction(|conn| {
        let new_ids = match conn {
            DbConnection::Sqlite(sqlite) => {
                let mut new_ids = Vec::with_capacity(rows.len());
                for row in rows {
                    let inserted = diesel::insert_into(plays::table)
                        .values(row)
                        .on_conflict_do_nothing()
                        .execute(sqlite)?;
                    if inserted == 1 {
                        new_ids.push(row.id.clone());
                    }
                }
                new_ids
            }
            DbConnection::Postgres(pg) => {
                let mut new_ids: Vec<String> = Vec::with_capacity(rows.len());
                // 22 parameters a row; PostgreSQL takes at most 65535 in one statement.
                for chunk in rows.chunks(1000) {
                    new_ids.extend(
                        diesel::insert_into(plays::table)
                            .values(chunk)
                            .on_conflict_do_nothing()
                            .returning(plays::id)
                            .get_results::<String>(pg)?,
                    );
                }
                new_ids
            }
        };
        then(conn, &new_ids)?;
        Ok(new_ids.len())
    })
}
