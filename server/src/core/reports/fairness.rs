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
use crate::db::schema::organisations;
use crate::error::AppError;

pub const FAIRNESS_METHOD: &str = "Share of voice = an association's seconds on screen / all \
     associations' seconds on screen in the period. Entitled share = the loop time its approved \
     items hold in the playlists the screens play now (item length / loop length, summed over \
     screens) / the same for all associations. Delivered of entitled = share of voice / entitled \
     share. Jain's index over delivered of entitled: 1 when every association gets what it \
     booked, 1/n when one gets everything.";

/// Booked loop share per organisation, summed over the screens that play each playlist.
fn booked(conn: &mut DbConnection) -> Result<HashMap<String, f64>, AppError> {
    let mut booked: HashMap<String, f64> = HashMap::new();
    for booking in super::booking::current(conn)? {
        if let Some(organisation) = booking.organisation_id {
            #[allow(clippy::cast_precision_loss)]
            let screens = booking.screens.len() as f64;
            *booked.entry(organisation).or_default() += booking.share * screens;
        }
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
