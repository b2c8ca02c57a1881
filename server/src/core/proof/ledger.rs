//! The item ledger: every playlist item ever made, with its building, kind, event and owner.
//! Items leave playlists (an event ends, is edited or withdrawn), but their plays may arrive
//! weeks later; the ledger keeps them attributable, by the server and never by the player.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::upsert::excluded;

use uuid::Uuid;

use crate::db::DbConnection;
use crate::db::models::PlaylistItemRow;
use crate::db::models::stored_id;
use crate::db::schema::{events, item_ledger, media_assets, playlists};
use crate::error::AppError;
use crate::on_backend;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = item_ledger)]
pub struct LedgerRow {
    pub item_id: String,
    pub building_id: String,
    pub kind: String,
    pub event_id: Option<String>,
    pub organisation_id: Option<String>,
    pub category: Option<String>,
    pub created_at: chrono::NaiveDateTime,
}

/// Records (or brings up to date) the ledger entry of a playlist item; call it in the same
/// transaction that writes the item.
pub fn record_item(conn: &mut DbConnection, item: &PlaylistItemRow) -> Result<(), AppError> {
    let building_id: String = playlists::table
        .find(&item.playlist_id)
        .select(playlists::building_id)
        .first(conn)?;
    let (organisation_id, category) = match &item.event_id {
        Some(event_id) => events::table
            .find(event_id)
            .select((
                events::organisation_id.nullable(),
                events::category.nullable(),
            ))
            .first::<(Option<String>, Option<String>)>(conn)?,
        None => match &item.media_id {
            Some(media_id) => (
                media_assets::table
                    .find(media_id)
                    .select(media_assets::organisation_id)
                    .first::<Option<String>>(conn)?,
                None,
            ),
            None => (None, None),
        },
    };
    let row = LedgerRow {
        item_id: item.id.clone(),
        building_id,
        kind: item.kind.clone(),
        event_id: item.event_id.clone(),
        organisation_id,
        category,
        created_at: item.created_at,
    };
    on_backend!(conn, |c| diesel::insert_into(item_ledger::table)
        .values(&row)
        .on_conflict(item_ledger::item_id)
        .do_update()
        .set((
            item_ledger::building_id.eq(excluded(item_ledger::building_id)),
            item_ledger::kind.eq(excluded(item_ledger::kind)),
            item_ledger::event_id.eq(excluded(item_ledger::event_id)),
            item_ledger::organisation_id.eq(excluded(item_ledger::organisation_id)),
            item_ledger::category.eq(excluded(item_ledger::category)),
        ))
        .execute(c))?;
    Ok(())
}

/// The ledger entries of `item_ids`, by item id.
pub fn lookup(
    conn: &mut DbConnection,
    item_ids: &[Uuid],
) -> Result<HashMap<Uuid, LedgerRow>, AppError> {
    let ids: Vec<String> = item_ids.iter().map(Uuid::to_string).collect();
    let rows = item_ledger::table
        .filter(item_ledger::item_id.eq_any(&ids))
        .select(LedgerRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| (stored_id(&row.item_id), row))
        .collect())
}
