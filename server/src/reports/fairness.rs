//! Share of voice and fairness between associations: delivered airtime (from the rollups)
//! against booked airtime (the loop time their approved items hold in the playlists that the
//! screens play now, weighted by the number of screens).

use std::collections::{BTreeMap, HashMap};

use civicast_shared::api::accounts::OrganisationKind;
use civicast_shared::api::reports::{
    Cell, FairnessReport, FairnessRow, ReportDimension, SUPPRESSION_RULE, suppress_column,
};
use diesel::prelude::*;

use super::query::Filters;
use crate::db::DbConnection;
use crate::db::models::stored_id;
use crate::db::schema::{events, organisations, playlist_items, playlists, screens};
use crate::error::AppError;

pub const FAIRNESS_METHOD: &str = "Share of voice = an association's seconds on screen / all \
     associations' seconds on screen in the period. Entitled share = the loop time its approved \
     items hold in the playlists the screens play now (item length / loop length, summed over \
     screens) / the same for all associations. Delivered of entitled = share of voice / entitled \
     share. Jain's index over delivered of entitled: 1 when every association gets what it \
     booked, 1/n when one gets everything.";

/// Booked loop share per organisation, summed over the screens that play each playlist.
fn booked(conn: &mut DbConnection) -> Result<HashMap<String, f64>, AppError> {
    let screen_rows: Vec<(String, Option<String>)> = screens::table
        .select((screens::building_id, screens::playlist_id))
        .load(conn)?;
    let first_playlists: Vec<(String, String)> = playlists::table
        .order(playlists::created_at.asc())
        .select((playlists::building_id, playlists::id))
        .load(conn)?;
    let mut building_playlist: HashMap<String, String> = HashMap::new();
    for (building, playlist) in first_playlists {
        building_playlist.entry(building).or_insert(playlist);
    }
    let mut screens_per_playlist: HashMap<String, f64> = HashMap::new();
    for (building, own) in screen_rows {
        if let Some(playlist) = own.or_else(|| building_playlist.get(&building).cloned()) {
            *screens_per_playlist.entry(playlist).or_default() += 1.0;
        }
    }
    let items: Vec<(String, i32, Option<String>)> = playlist_items::table
        .left_join(events::table)
        .select((
            playlist_items::playlist_id,
            playlist_items::duration_ms,
            events::organisation_id.nullable(),
        ))
        .load(conn)?;
    let mut loop_ms: HashMap<&str, f64> = HashMap::new();
    for (playlist, duration, _) in &items {
        *loop_ms.entry(playlist.as_str()).or_default() += f64::from(*duration);
    }
    let mut booked: HashMap<String, f64> = HashMap::new();
    for (playlist, duration, organisation) in &items {
        let (Some(organisation), Some(screens)) =
            (organisation, screens_per_playlist.get(playlist))
        else {
            continue;
        };
        let share = f64::from(*duration) / loop_ms[playlist.as_str()].max(1.0);
        *booked.entry(organisation.clone()).or_default() += share * screens;
    }
    Ok(booked)
}

pub fn fairness(conn: &mut DbConnection, filters: &Filters) -> Result<FairnessReport, AppError> {
    let associations: Vec<(String, String)> = organisations::table
        .filter(organisations::kind.eq(OrganisationKind::Association.as_str()))
        .select((organisations::id, organisations::name))
        .load(conn)?;
    let delivered: HashMap<String, (i64, i64)> =
        super::query::grouped(conn, ReportDimension::Organisation, filters)?
            .into_iter()
            .filter_map(|(organisation, sums)| Some((organisation?, (sums.plays, sums.played_ms))))
            .collect();
    let booked = booked(conn)?;

    let names: BTreeMap<String, String> = associations.into_iter().collect();
    let in_play: Vec<&String> = names
        .keys()
        .filter(|id| delivered.contains_key(*id) || booked.contains_key(*id))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let all_ms: f64 = in_play
        .iter()
        .map(|id| delivered.get(*id).map_or(0, |d| d.1) as f64)
        .sum();
    let all_booked: f64 = in_play
        .iter()
        .map(|id| booked.get(*id).copied().unwrap_or(0.0))
        .sum();
    #[allow(clippy::cast_precision_loss)]
    let plays: Vec<f64> = in_play
        .iter()
        .map(|id| delivered.get(*id).map_or(0, |d| d.0) as f64)
        .collect();
    let hidden = suppress_column(&plays);
    let mut ratios = Vec::new();
    let rows = in_play
        .iter()
        .enumerate()
        .map(|(index, id)| {
            let (count, ms) = delivered.get(*id).copied().unwrap_or((0, 0));
            #[allow(clippy::cast_precision_loss)]
            let share = if all_ms > 0.0 {
                ms as f64 / all_ms * 100.0
            } else {
                0.0
            };
            let entitled = if all_booked > 0.0 {
                booked.get(*id).copied().unwrap_or(0.0) / all_booked * 100.0
            } else {
                0.0
            };
            let ratio = (entitled > 0.0).then(|| share / entitled * 100.0);
            if let Some(ratio) = ratio {
                ratios.push(ratio / 100.0);
            }
            let shown = |value: f64| {
                if hidden[index] {
                    Cell::suppressed()
                } else {
                    Cell::Value((value * 10.0).round() / 10.0)
                }
            };
            #[allow(clippy::cast_precision_loss)]
            FairnessRow {
                organisation_id: stored_id(id),
                name: names[*id].clone(),
                plays: shown(count as f64),
                on_screen_s: shown((ms as f64 / 1000.0).round()),
                share_of_voice_pct: shown(share),
                entitled_pct: (entitled * 10.0).round() / 10.0,
                delivered_of_entitled_pct: shown(ratio.unwrap_or(0.0)),
                below_80_pct: ratio.is_some_and(|ratio| ratio < 80.0),
            }
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let jain_index = (!ratios.is_empty()).then(|| {
        let sum: f64 = ratios.iter().sum();
        let squares: f64 = ratios.iter().map(|x| x * x).sum();
        if squares > 0.0 {
            sum * sum / (ratios.len() as f64 * squares)
        } else {
            0.0
        }
    });
    Ok(FairnessReport {
        from: filters.from.and_utc(),
        to: filters.to.and_utc(),
        rows,
        jain_index,
        method: FAIRNESS_METHOD.to_owned(),
        suppression: SUPPRESSION_RULE.to_owned(),
    })
}
