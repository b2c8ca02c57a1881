//! Audience profiles: for each building, who is there when. Staff set them in the CMS or import
//! them from CSV, always with their source; every change is a new version, and each play
//! records the version that estimated its audience. Audiences are aggregates per building,
//! daypart and day type, never people.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::events::AudienceSegment;
use crate::validation::{Validate, ValidationErrors};

/// How an impression estimate is made, shown beside every audience figure.
pub const IMPRESSION_METHOD: &str = "Estimated, not counted. For each play: impressions = \
     visitors per hour x (dwell seconds + seconds played) / 3600 x visibility, with the visitors, \
     dwell and visibility that the building's audience profile gives for the daypart and day type \
     of the play (the profile version is stored with every play). Segment impressions = \
     impressions x the segment's share of visitors. Opportunity to see, not people reached: \
     nobody is identified or counted individually.";

crate::wire_enum! {
    DayType {
        Weekday = "weekday",
        Weekend = "weekend",
    }
}

impl DayType {
    pub fn of(date: impl Datelike) -> DayType {
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayType::Weekend,
            _ => DayType::Weekday,
        }
    }

    /// Days of this type in a week, to weigh daily figures into a weekly mix.
    pub fn days_per_week(self) -> f64 {
        match self {
            DayType::Weekday => 5.0,
            DayType::Weekend => 2.0,
        }
    }
}

/// A part of the day in local time: `start_hour` until `end_hour` (exclusive), wrapping past
/// midnight when `end_hour <= start_hour`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Daypart {
    pub name: String,
    pub start_hour: u8,
    pub end_hour: u8,
}

impl Daypart {
    pub fn contains(&self, hour: u32) -> bool {
        let (start, end) = (u32::from(self.start_hour), u32::from(self.end_hour));
        if start < end {
            start <= hour && hour < end
        } else {
            hour >= start || hour < end
        }
    }

    pub fn hours(&self) -> u32 {
        (u32::from(self.end_hour) + 24 - u32::from(self.start_hour) - 1) % 24 + 1
    }
}

/// The brief's proposal: 07-09, 09-12, 12-14, 14-17, 17-19, 19-22, 22-07.
pub fn default_dayparts() -> Vec<Daypart> {
    [
        (7, 9),
        (9, 12),
        (12, 14),
        (14, 17),
        (17, 19),
        (19, 22),
        (22, 7),
    ]
    .into_iter()
    .map(|(start_hour, end_hour)| Daypart {
        name: format!("{start_hour:02}-{end_hour:02}"),
        start_hour,
        end_hour,
    })
    .collect()
}

/// The daypart a local hour falls in (dayparts are validated to cover every hour once).
pub fn daypart_of(dayparts: &[Daypart], hour: u32) -> &str {
    dayparts
        .iter()
        .find(|part| part.contains(hour))
        .map_or("", |part| part.name.as_str())
}

/// Who is in a building during one daypart on one type of day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AudienceRow {
    pub daypart: String,
    pub day_type: DayType,
    /// Visitors per hour who pass the screens (footfall, gate counts, bookings or an estimate).
    pub visitors_per_hour: f64,
    /// Seconds a visitor spends within sight of a screen.
    pub dwell_s: f64,
    /// Share of those present who can see a screen, 0 to 1.
    pub visibility: f64,
    /// Share of visitors in each audience segment, 0 to 1 (segments overlap: a student may
    /// also be a newcomer, so shares need not add up to 1).
    #[serde(default)]
    pub segments: BTreeMap<String, f64>,
}

impl AudienceRow {
    /// Estimated people with an opportunity to see one play of `played_ms`.
    pub fn multiplier(&self, played_ms: u32) -> f64 {
        self.visitors_per_hour * (self.dwell_s + f64::from(played_ms) / 1000.0) / 3600.0
            * self.visibility
    }

    pub fn segment_share(&self, segment: AudienceSegment) -> f64 {
        self.segments
            .get(segment.as_str())
            .copied()
            .unwrap_or_default()
    }
}

/// A building's profile as staff set it (a new version each time).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AudienceProfileInput {
    /// Where the figures come from, e.g. "gate counts 2025" or "staff estimate".
    #[serde(deserialize_with = "crate::validation::clean_text")]
    pub source: String,
    /// The building's dayparts (default: the city's seven).
    #[serde(default)]
    pub dayparts: Option<Vec<Daypart>>,
    pub rows: Vec<AudienceRow>,
}

pub const MAX_VISITORS_PER_HOUR: f64 = 100_000.0;

impl Validate for AudienceProfileInput {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        errors.text("source", &self.source, 200);
        let dayparts = self.dayparts.clone().unwrap_or_else(default_dayparts);
        validate_dayparts(&mut errors, &dayparts);
        if self.rows.is_empty() {
            errors.add("rows", "give at least one daypart and day type");
        }
        let mut seen = std::collections::HashSet::new();
        for (index, row) in self.rows.iter().enumerate() {
            let field = |name: &str| format!("rows[{index}].{name}");
            if !dayparts.iter().any(|part| part.name == row.daypart) {
                errors.add(
                    &field("daypart"),
                    format!(
                        "'{}' is not one of the building's dayparts ({})",
                        row.daypart,
                        dayparts
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            if !seen.insert((row.daypart.clone(), row.day_type)) {
                errors.add(
                    &field("daypart"),
                    format!("{} on a {} is given twice", row.daypart, row.day_type),
                );
            }
            number(
                &mut errors,
                &field("visitors_per_hour"),
                row.visitors_per_hour,
                MAX_VISITORS_PER_HOUR,
            );
            number(&mut errors, &field("dwell_s"), row.dwell_s, 86_400.0);
            number(&mut errors, &field("visibility"), row.visibility, 1.0);
            for (segment, share) in &row.segments {
                if AudienceSegment::parse(segment).is_none() {
                    errors.add(
                        &field("segments"),
                        format!(
                            "'{segment}' is not a segment; use {}",
                            AudienceSegment::ALL
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
                number(
                    &mut errors,
                    &field(&format!("segments.{segment}")),
                    *share,
                    1.0,
                );
            }
        }
        errors.into_result()
    }
}

fn number(errors: &mut ValidationErrors, field: &str, value: f64, max: f64) {
    if !value.is_finite() || !(0.0..=max).contains(&value) {
        errors.add(field, format!("must be a number from 0 to {max}"));
    }
}

fn validate_dayparts(errors: &mut ValidationErrors, dayparts: &[Daypart]) {
    for part in dayparts {
        if part.start_hour > 23 || part.end_hour > 23 {
            errors.add("dayparts", format!("{}: hours run from 0 to 23", part.name));
            return;
        }
        if part.name.trim().is_empty() || part.name.chars().count() > 40 {
            errors.add(
                "dayparts",
                "each daypart needs a name of 1 to 40 characters",
            );
            return;
        }
    }
    for hour in 0..24 {
        let covering = dayparts.iter().filter(|p| p.contains(hour)).count();
        if covering != 1 {
            errors.add(
                "dayparts",
                format!("every hour must be in exactly one daypart; {hour:02}:00 is in {covering}"),
            );
            return;
        }
    }
}

/// A stored version of a building's profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AudienceProfile {
    pub building_id: Uuid,
    /// Grows by one with each change; plays store the version that estimated them.
    pub version: i32,
    pub source: String,
    pub dayparts: Vec<Daypart>,
    pub rows: Vec<AudienceRow>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub method: String,
}

impl AudienceProfile {
    pub fn row(&self, daypart: &str, day_type: DayType) -> Option<&AudienceRow> {
        self.rows
            .iter()
            .find(|row| row.daypart == daypart && row.day_type == day_type)
    }

    /// Visitor-weighted share of `segments` over a typical week (weights: visitors per hour x
    /// hours of the daypart x days of the day type).
    pub fn weekly_mix(&self, segments: &[AudienceSegment]) -> (f64, f64) {
        let mut visitors = 0.0;
        let mut in_segments = 0.0;
        for row in &self.rows {
            let hours = self
                .dayparts
                .iter()
                .find(|part| part.name == row.daypart)
                .map_or(0, Daypart::hours);
            let weight = row.visitors_per_hour * f64::from(hours) * row.day_type.days_per_week();
            visitors += weight;
            let share: f64 = segments.iter().map(|s| row.segment_share(*s)).sum();
            in_segments += weight * share.min(1.0);
        }
        (visitors, in_segments)
    }

    /// The row in which `segments` make up the largest share of visitors (ties: more visitors).
    pub fn peak(&self, segments: &[AudienceSegment]) -> Option<SegmentPeak> {
        self.rows
            .iter()
            .filter(|row| row.visitors_per_hour > 0.0)
            .map(|row| {
                let share: f64 = segments.iter().map(|s| row.segment_share(*s)).sum();
                (row, share.min(1.0))
            })
            .max_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then(a.0.visitors_per_hour.total_cmp(&b.0.visitors_per_hour))
            })
            .filter(|(_, share)| *share > 0.0)
            .map(|(row, share)| SegmentPeak {
                daypart: row.daypart.clone(),
                day_type: row.day_type,
                segment_share: share,
                visitors_per_hour: row.visitors_per_hour,
            })
    }
}

/// One building's fit for an event's target audiences.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuildingSuggestion {
    pub building_id: Uuid,
    pub building_name: String,
    /// Share of the building's visitors in the target segments, 0 to 1 (estimated).
    pub segment_share: f64,
    /// Segment share here / city-wide share x 100: above 100, the audiences are over-represented.
    pub composition_index: f64,
    /// Estimated weekly visitors in the target segments.
    pub weekly_segment_visitors: f64,
    pub profile_version: i32,
    /// When the target segments make up the largest share of the building's visitors.
    pub peak: Option<SegmentPeak>,
}

/// The daypart and day type in which target segments are most present in a building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentPeak {
    pub daypart: String,
    pub day_type: DayType,
    /// Share of the visitors then in the target segments, 0 to 1 (estimated).
    pub segment_share: f64,
    pub visitors_per_hour: f64,
}

/// Buildings ranked for target audiences; buildings without a profile are listed apart.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AudienceSuggestions {
    pub segments: Vec<AudienceSegment>,
    pub city_segment_share: f64,
    pub buildings: Vec<BuildingSuggestion>,
    pub without_profile: Vec<Uuid>,
    pub estimated: bool,
    pub method: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_dayparts_cover_the_day_once_and_wrap_at_night() {
        let parts = default_dayparts();
        let mut errors = ValidationErrors::default();
        validate_dayparts(&mut errors, &parts);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(daypart_of(&parts, 8), "07-09");
        assert_eq!(daypart_of(&parts, 23), "22-07");
        assert_eq!(daypart_of(&parts, 3), "22-07");
        assert_eq!(parts.last().unwrap().hours(), 9);
        assert_eq!(parts[0].hours(), 2);
    }

    #[test]
    fn overlapping_dayparts_are_refused() {
        let mut errors = ValidationErrors::default();
        let parts = vec![
            Daypart {
                name: "day".into(),
                start_hour: 6,
                end_hour: 20,
            },
            Daypart {
                name: "late".into(),
                start_hour: 18,
                end_hour: 6,
            },
        ];
        validate_dayparts(&mut errors, &parts);
        assert!(errors.0[0].message.contains("18:00 is in 2"), "{errors:?}");
    }

    #[test]
    fn multiplier_counts_visitors_present_during_the_play() {
        let row = AudienceRow {
            daypart: "09-12".into(),
            day_type: DayType::Weekday,
            visitors_per_hour: 360.0,
            dwell_s: 50.0,
            visibility: 0.5,
            segments: BTreeMap::new(),
        };
        // 360/h x (50 + 10) s / 3600 x 0.5 = 3 people per 10 s play.
        assert!((row.multiplier(10_000) - 3.0).abs() < 1e-9);
    }
}
