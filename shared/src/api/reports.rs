//! Reports on delivery and estimated audiences, as JSON, CSV or an SVG chart.
//!
//! Small cells are suppressed: a figure from fewer than [`SUPPRESS_BELOW`] plays or estimated
//! people is shown as `"<10"`, and when a table hides a cell the next smallest is hidden too, so
//! that no hidden figure can be worked out from the total.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Cells under this are shown as "<10".
pub const SUPPRESS_BELOW: f64 = 10.0;
pub const SUPPRESSED_MARK: &str = "<10";
pub const SUPPRESSION_RULE: &str = "Cells from fewer than 10 plays or 10 estimated people are \
     shown as <10. When a column hides exactly one cell, the next smallest is hidden as well, so \
     that the total cannot reveal it. No grain finer than an hour in one building is reported.";

crate::wire_enum! {
    /// What a report's rows are.
    ReportDimension {
        Event = "event",
        Organisation = "organisation",
        Building = "building",
        /// Building and daypart together: where and when.
        BuildingDaypart = "building_daypart",
        Screen = "screen",
        Daypart = "daypart",
        /// Hour of the day in the building's time zone.
        Hour = "hour",
        Category = "category",
        DayType = "day_type",
    }
}

crate::wire_enum! {
    ReportFormat {
        Json = "json",
        Csv = "csv",
        Svg = "svg",
    }
}

/// `GET /api/v1/reports/plays?by=building&from=...&to=...`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub by: ReportDimension,
    /// Start of the period, inclusive (default: 30 days ago).
    pub from: Option<DateTime<Utc>>,
    /// End of the period, exclusive (default: now).
    pub to: Option<DateTime<Utc>>,
    pub event_id: Option<Uuid>,
    /// Associations may only name their own (it is filled in for them).
    pub organisation_id: Option<Uuid>,
    pub building_id: Option<Uuid>,
    /// json (default), csv or svg.
    pub format: Option<ReportFormat>,
}

/// A figure, or `"<10"` where it is too small to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Cell {
    Value(f64),
    /// Always `"<10"`.
    Suppressed(String),
}

impl Cell {
    pub fn suppressed() -> Cell {
        Cell::Suppressed(SUPPRESSED_MARK.into())
    }

    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Value(value) => Some(*value),
            Cell::Suppressed(_) => None,
        }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Value(value) if value.fract() == 0.0 => write!(f, "{value:.0}"),
            Cell::Value(value) => write!(f, "{value:.1}"),
            Cell::Suppressed(mark) => f.write_str(mark),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// The id or name the row groups by.
    pub key: String,
    pub label: String,
    pub plays: Cell,
    /// Share of plays that ran their full length, in percent.
    pub completion_pct: Cell,
    pub on_screen_s: Cell,
    /// Estimated: see `method`.
    pub impressions_est: Cell,
    /// Estimated impressions per audience segment.
    pub segment_impressions_est: BTreeMap<String, Cell>,
}

/// A building's profile version used in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileVersion {
    pub building_id: Uuid,
    pub version: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub by: ReportDimension,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub rows: Vec<ReportRow>,
    pub total: ReportRow,
    /// Every audience figure is an estimate; this says how it is made.
    pub method: String,
    pub suppression: String,
    pub profile_versions: Vec<ProfileVersion>,
    /// Plays in buildings without an audience profile add no impressions.
    pub plays_without_profile: Cell,
}

/// `GET /api/v1/reports/fairness?from=...&to=...` (staff).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub format: Option<ReportFormat>,
}

/// One association's airtime against what it is entitled to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairnessRow {
    pub organisation_id: Uuid,
    pub name: String,
    pub plays: Cell,
    pub on_screen_s: Cell,
    /// Share of all association airtime, in percent.
    pub share_of_voice_pct: Cell,
    /// Booked airtime share: the loop time its approved items were given, in percent.
    pub entitled_pct: f64,
    /// Delivered / entitled, in percent.
    pub delivered_of_entitled_pct: Cell,
    /// Delivered under 80% of its entitlement.
    pub below_80_pct: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairnessReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub rows: Vec<FairnessRow>,
    /// Jain's fairness index over delivered / entitled (1 = perfectly fair, 1/n = one takes all).
    pub jain_index: Option<f64>,
    pub method: String,
    pub suppression: String,
}

/// One approved event's booked airtime against what its screens delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryRow {
    pub event_id: Uuid,
    pub title: String,
    pub organisation_id: Uuid,
    /// Seconds its loop share gives it in the hours its screens were playing, within its
    /// promotion window and the period.
    pub booked_s: f64,
    pub plays: Cell,
    pub delivered_s: Cell,
    pub delivered_pct: Cell,
    /// Visits of the event's public agenda page (what its QR codes open) on the UTC days of
    /// the period: page loads by people, counted without cookies or anything about them.
    #[serde(default)]
    pub public_page_visits: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub rows: Vec<DeliveryRow>,
    pub method: String,
    pub suppression: String,
}

/// The rule of the kiosk report, as it travels with it.
pub const KIOSK_SUPPRESSION_RULE: &str = "A kiosk and daypart with fewer than 10 sessions shows \
     none of its figures (<10). When only one would be hidden, the next smallest is hidden as \
     well, so that the total cannot reveal it. Sessions record what was opened, never who.";

/// `GET /api/v1/reports/kiosks`: what visitors look for at each kiosk, per daypart (staff).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskReport {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// By kiosk (its name), then daypart (in the building's time zone).
    pub rows: Vec<KioskReportRow>,
    pub total_sessions: Cell,
    pub suppression: String,
}

/// One kiosk in one daypart. A row of fewer than 10 sessions has every figure `"<10"` and no
/// events or languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskReportRow {
    pub screen_id: Uuid,
    /// The kiosk's name, or its id when the screen was removed.
    pub kiosk: String,
    pub building: String,
    pub daypart: String,
    pub sessions: Cell,
    pub median_duration_s: Cell,
    pub average_duration_s: Cell,
    /// How often each kind of page was opened (`whats_on`, `event`, `map`, `services`,
    /// `service`).
    pub pages: BTreeMap<String, Cell>,
    pub qr_shown: Cell,
    pub searches: Cell,
    /// The share of sessions that ended in each language, in percent.
    pub languages_pct: BTreeMap<String, Cell>,
    /// The events whose page was opened most, most first (at most five).
    pub top_events: Vec<KioskEventViews>,
}

/// An event and the number of sessions that opened its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KioskEventViews {
    pub event_id: Uuid,
    pub title: String,
    pub sessions: u32,
}

/// Marks every cell of a column under [`SUPPRESS_BELOW`], plus the next smallest when only one
/// would be hidden, so that the column total cannot give it away. Returns the hidden rows.
pub fn suppress_column(values: &[f64]) -> Vec<bool> {
    let mut hidden: Vec<bool> = values
        .iter()
        .map(|value| *value < SUPPRESS_BELOW && *value > 0.0)
        .collect();
    if hidden.iter().filter(|h| **h).count() == 1 {
        let next = values
            .iter()
            .enumerate()
            .filter(|(index, _)| !hidden[*index])
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(index, _)| index);
        if let Some(index) = next {
            hidden[index] = true;
        }
    }
    hidden
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_small_cell_takes_the_next_smallest_with_it() {
        assert_eq!(
            suppress_column(&[120.0, 4.0, 30.0, 55.0]),
            vec![false, true, true, false]
        );
    }

    #[test]
    fn two_small_cells_hide_only_themselves_and_zero_is_not_small() {
        assert_eq!(
            suppress_column(&[3.0, 9.0, 30.0, 0.0]),
            vec![true, true, false, false]
        );
        assert_eq!(suppress_column(&[50.0, 60.0]), vec![false, false]);
    }

    #[test]
    fn cells_travel_as_numbers_or_the_mark() {
        let json = serde_json::to_string(&[Cell::Value(12.0), Cell::suppressed()]).unwrap();
        assert_eq!(json, r#"[12.0,"<10"]"#);
        assert_eq!(Cell::Value(12.0).to_string(), "12");
        assert_eq!(Cell::suppressed().to_string(), "<10");
    }
}
