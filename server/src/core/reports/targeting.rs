//! Targeting help: which buildings an event's target audiences frequent most, by composition
//! index (their share of visitors there / their share city-wide x 100).

use civicast_shared::api::audience::{
    AudienceProfile, AudienceSuggestions, BuildingSuggestion, IMPRESSION_METHOD,
};
use civicast_shared::api::events::AudienceSegment;
use uuid::Uuid;

use crate::core::places::buildings::names as building_names;
use crate::core::proof::profiles;
use crate::db::DbConnection;
use crate::db::models::stored_id;
use crate::error::AppError;

/// The buildings ranked for `segments`, read in two queries (names, latest profiles).
pub fn suggest_for(
    conn: &mut DbConnection,
    segments: &[AudienceSegment],
) -> Result<AudienceSuggestions, AppError> {
    let names = building_names(conn)?;
    let profiles: Vec<(AudienceProfile, String)> = profiles::all_latest(conn)?
        .into_iter()
        .map(|profile| {
            let id = profile.building_id.to_string();
            let name = names
                .iter()
                .find(|(building, _)| *building == id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default();
            (profile, name)
        })
        .collect();
    let all: Vec<Uuid> = names.iter().map(|(id, _)| stored_id(id)).collect();
    Ok(suggest(segments, &profiles, &all))
}

/// Ranks buildings with a profile for `segments`, highest composition index first.
pub fn suggest(
    segments: &[AudienceSegment],
    profiles: &[(AudienceProfile, String)],
    all_buildings: &[Uuid],
) -> AudienceSuggestions {
    let mixes: Vec<(f64, f64)> = profiles
        .iter()
        .map(|(profile, _)| profile.weekly_mix(segments))
        .collect();
    let city_visitors: f64 = mixes.iter().map(|(visitors, _)| visitors).sum();
    let city_in_segments: f64 = mixes.iter().map(|(_, in_segments)| in_segments).sum();
    let city_share = if city_visitors > 0.0 {
        city_in_segments / city_visitors
    } else {
        0.0
    };
    let mut buildings: Vec<BuildingSuggestion> = profiles
        .iter()
        .zip(&mixes)
        .map(|((profile, name), (visitors, in_segments))| {
            let share = if *visitors > 0.0 {
                in_segments / visitors
            } else {
                0.0
            };
            BuildingSuggestion {
                building_id: profile.building_id,
                building_name: name.clone(),
                segment_share: share,
                composition_index: if city_share > 0.0 {
                    share / city_share * 100.0
                } else {
                    0.0
                },
                weekly_segment_visitors: *in_segments,
                profile_version: profile.version,
                peak: profile.peak(segments),
            }
        })
        .collect();
    buildings.sort_by(|a, b| {
        b.composition_index.total_cmp(&a.composition_index).then(
            b.weekly_segment_visitors
                .total_cmp(&a.weekly_segment_visitors),
        )
    });
    let without_profile = all_buildings
        .iter()
        .filter(|id| {
            !profiles
                .iter()
                .any(|(profile, _)| profile.building_id == **id)
        })
        .copied()
        .collect();
    AudienceSuggestions {
        segments: segments.to_vec(),
        city_segment_share: city_share,
        buildings,
        without_profile,
        estimated: true,
        method: format!(
            "{IMPRESSION_METHOD} Composition index = the segments' share of a building's weekly \
             visitors / their share of all profiled buildings' weekly visitors x 100."
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::Utc;
    use civicast_shared::api::audience::{AudienceRow, DayType, default_dayparts};

    use super::*;

    fn profile(youth: f64, visitors: f64) -> AudienceProfile {
        let rows = default_dayparts()
            .into_iter()
            .map(|part| AudienceRow {
                daypart: part.name,
                day_type: DayType::Weekday,
                visitors_per_hour: visitors,
                dwell_s: 30.0,
                visibility: 0.8,
                segments: BTreeMap::from([("youth".to_owned(), youth)]),
            })
            .collect();
        AudienceProfile {
            building_id: Uuid::now_v7(),
            version: 1,
            source: "test".into(),
            dayparts: default_dayparts(),
            rows,
            created_at: Utc::now(),
            created_by: "staff".into(),
            method: String::new(),
        }
    }

    #[test]
    fn the_youth_centre_ranks_first_for_youth() {
        let library = profile(0.1, 100.0);
        let youth_centre = profile(0.6, 50.0);
        let (library_id, centre_id) = (library.building_id, youth_centre.building_id);
        let bare = Uuid::now_v7();
        let suggestions = suggest(
            &[AudienceSegment::Youth],
            &[
                (library, "Library".into()),
                (youth_centre, "Youth centre".into()),
            ],
            &[library_id, centre_id, bare],
        );
        assert_eq!(suggestions.buildings[0].building_id, centre_id);
        // City share: (100 x 0.1 + 50 x 0.6) / 150 = 0.2667; centre 0.6 / 0.2667 = 225.
        assert!((suggestions.buildings[0].composition_index - 225.0).abs() < 0.01);
        assert!(suggestions.buildings[1].composition_index < 100.0);
        assert_eq!(suggestions.without_profile, vec![bare]);
        let peak = suggestions.buildings[0].peak.as_ref().unwrap();
        assert!((peak.segment_share - 0.6).abs() < 1e-9);
    }
}
