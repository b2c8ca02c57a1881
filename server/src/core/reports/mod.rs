//! Reports on proof of play: delivery, estimated audiences, share of voice and fairness, with
//! small cells suppressed before anything leaves the server, and CSV / SVG renderings.

pub mod booking;
pub mod delivery;
pub mod fairness;
pub mod kiosks;
pub mod plays;
pub mod query;
pub mod render;
pub mod targeting;
pub mod timeline;

use std::collections::BTreeMap;

use civicast_shared::api::audience::IMPRESSION_METHOD;
use civicast_shared::api::events::AudienceSegment;
use civicast_shared::api::reports::{
    Cell, ProfileVersion, Report, ReportDimension, ReportRow, SUPPRESSION_RULE, suppress_column,
};

use query::Sums;

/// Turns grouped sums into report rows, hiding small cells column by column.
pub fn build(
    by: ReportDimension,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    groups: Vec<(String, String, Sums)>,
) -> Report {
    let mut groups = groups;
    match by {
        ReportDimension::Hour => groups.sort_by_key(|(key, _, _)| key.parse::<u32>().unwrap_or(99)),
        ReportDimension::Daypart | ReportDimension::DayType => {
            groups.sort_by(|a, b| a.0.cmp(&b.0));
        }
        _ => groups.sort_by(|a, b| b.2.plays.cmp(&a.2.plays).then(a.1.cmp(&b.1))),
    }
    let mut total = Sums::default();
    for (_, _, sums) in &groups {
        total.add(sums);
    }
    let profile_versions = total
        .profiles
        .iter()
        .map(|(building_id, version)| ProfileVersion {
            building_id: crate::db::models::stored_id(building_id),
            version: *version,
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let plays: Vec<f64> = groups.iter().map(|(_, _, s)| s.plays as f64).collect();
    let hide_plays = suppress_column(&plays);
    let impressions: Vec<f64> = groups.iter().map(|(_, _, s)| s.impressions).collect();
    let hide_impressions = suppress_column(&impressions);
    let segments_present: Vec<AudienceSegment> = AudienceSegment::ALL
        .iter()
        .copied()
        .filter(|segment| total.segments.contains_key(segment))
        .collect();
    let hide_segments: BTreeMap<AudienceSegment, Vec<bool>> = segments_present
        .iter()
        .map(|segment| {
            let column: Vec<f64> = groups
                .iter()
                .map(|(_, _, s)| s.segments.get(segment).copied().unwrap_or_default())
                .collect();
            (*segment, suppress_column(&column))
        })
        .collect();

    let rows = groups
        .iter()
        .enumerate()
        .map(|(index, (key, label, sums))| {
            let segments = segments_present
                .iter()
                .map(|segment| {
                    let value = sums.segments.get(segment).copied().unwrap_or_default();
                    (
                        *segment,
                        hide_segments[segment][index] || hide_plays[index],
                        value,
                    )
                })
                .collect();
            row(
                key,
                label,
                sums,
                hide_plays[index],
                hide_impressions[index] || hide_plays[index],
                segments,
            )
        })
        .collect();
    let small = |value: f64| value > 0.0 && value < civicast_shared::api::reports::SUPPRESS_BELOW;
    let total_segments = segments_present
        .iter()
        .map(|segment| {
            let value = total.segments[segment];
            (*segment, small(value), value)
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let total_row = row(
        "total",
        "Total",
        &total,
        small(total.plays as f64),
        small(total.impressions) || small(total.plays as f64),
        total_segments,
    );
    #[allow(clippy::cast_precision_loss)]
    let without_profile = total.plays_without_profile as f64;
    Report {
        by,
        from,
        to,
        rows,
        total: total_row,
        method: IMPRESSION_METHOD.to_owned(),
        suppression: SUPPRESSION_RULE.to_owned(),
        profile_versions,
        plays_without_profile: if small(without_profile) {
            Cell::suppressed()
        } else {
            Cell::Value(without_profile)
        },
    }
}

#[allow(clippy::cast_precision_loss)]
fn row(
    key: &str,
    label: &str,
    sums: &Sums,
    hide_plays: bool,
    hide_impressions: bool,
    segments: Vec<(AudienceSegment, bool, f64)>,
) -> ReportRow {
    let shown = |hide: bool, value: f64| {
        if hide {
            Cell::suppressed()
        } else {
            Cell::Value(value)
        }
    };
    let completion = if sums.plays > 0 {
        (sums.complete as f64 / sums.plays as f64 * 1000.0).round() / 10.0
    } else {
        0.0
    };
    ReportRow {
        key: key.to_owned(),
        label: label.to_owned(),
        plays: shown(hide_plays, sums.plays as f64),
        completion_pct: shown(hide_plays, completion),
        on_screen_s: shown(hide_plays, (sums.played_ms as f64 / 1000.0).round()),
        impressions_est: shown(hide_impressions, (sums.impressions * 10.0).round() / 10.0),
        segment_impressions_est: segments
            .into_iter()
            .map(|(segment, hide, value)| {
                (
                    segment.as_str().to_owned(),
                    shown(hide, (value * 10.0).round() / 10.0),
                )
            })
            .collect(),
    }
}
