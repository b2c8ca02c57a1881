//! Audience profiles imported from CSV: one line per building, daypart and day type, with the
//! source and one column per segment share. All or nothing: a file with any bad line stores
//! nothing, and every bad line is named with its number and what to fix.

use std::collections::BTreeMap;

use civicast_shared::Validate;
use civicast_shared::ValidationErrors;
use civicast_shared::api::audience::{AudienceProfile, AudienceProfileInput, AudienceRow, DayType};
use diesel::prelude::*;
use serde_json::json;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::proof::profiles;
use crate::db::DbConnection;
use crate::db::schema::buildings;
use crate::error::AppError;

/// Largest CSV import.
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;

/// Stores `input` (validated) as the building's next profile version, with its audit entry;
/// call it inside a transaction.
pub fn store(
    conn: &mut DbConnection,
    actor: &Actor,
    building_id: &str,
    input: &AudienceProfileInput,
) -> Result<AudienceProfile, AppError> {
    let profile = profiles::add_version(conn, building_id, input, &actor.audit_label())?;
    audit::record(
        conn,
        actor,
        "audience.profile.set",
        "building",
        building_id,
        json!({ "version": profile.version, "source": profile.source }),
    )?;
    Ok(profile)
}

/// One CSV line: the building (name or id), its daypart and day type, the figures, the source,
/// and one column per segment share.
#[derive(Debug)]
struct CsvLine {
    building: String,
    daypart: String,
    day_type: String,
    visitors_per_hour: f64,
    dwell_s: f64,
    visibility: f64,
    source: String,
    segments: BTreeMap<String, f64>,
}

pub const CSV_COLUMNS: [&str; 7] = [
    "building",
    "daypart",
    "day_type",
    "visitors_per_hour",
    "dwell_s",
    "visibility",
    "source",
];

/// Reads the CSV into lines, or says for each bad line what to fix.
fn parse_csv(body: &[u8], errors: &mut ValidationErrors) -> Vec<(usize, CsvLine)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            errors.add("csv", format!("the header line cannot be read: {error}"));
            return Vec::new();
        }
    };
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing: Vec<&str> = CSV_COLUMNS
        .iter()
        .copied()
        .filter(|c| column(c).is_none())
        .collect();
    if !missing.is_empty() {
        errors.add(
            "csv",
            format!(
                "the header lacks {}; it starts with {} and then names segment columns",
                missing.join(", "),
                CSV_COLUMNS.join(",")
            ),
        );
        return Vec::new();
    }
    let segment_columns: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(_, name)| !CSV_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name)))
        .map(|(index, name)| (index, name.to_lowercase()))
        .collect();
    let mut lines = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let field = format!("line {line}");
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.add(&field, error.to_string());
                continue;
            }
        };
        let text = |name: &str| column(name).and_then(|i| record.get(i)).unwrap_or_default();
        let mut bad = false;
        let mut number = |name: &str, value: &str| match value.parse::<f64>() {
            Ok(number) => number,
            Err(_) => {
                errors.add(&field, format!("{name}: '{value}' is not a number"));
                bad = true;
                0.0
            }
        };
        let visitors_per_hour = number("visitors_per_hour", text("visitors_per_hour"));
        let dwell_s = number("dwell_s", text("dwell_s"));
        let visibility = number("visibility", text("visibility"));
        let mut segments = BTreeMap::new();
        for (index, segment) in &segment_columns {
            let value = record.get(*index).unwrap_or_default();
            if !value.is_empty() {
                segments.insert(segment.clone(), number(segment, value));
            }
        }
        if !bad {
            lines.push((
                line,
                CsvLine {
                    building: text("building").to_owned(),
                    daypart: text("daypart").to_owned(),
                    day_type: text("day_type").to_owned(),
                    visitors_per_hour,
                    dwell_s,
                    visibility,
                    source: text("source").to_owned(),
                    segments,
                },
            ));
        }
    }
    lines
}

/// Imports the CSV `body` (staff): a new version for every building it names. Refused as a
/// whole, with field `line N` (or `csv`) for each mistake, when any line is wrong.
pub fn import(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &[u8],
) -> Result<Vec<AudienceProfile>, AppError> {
    actor.require_staff()?;
    let mut errors = ValidationErrors::default();
    let lines = parse_csv(body, &mut errors);
    if lines.is_empty() && errors.is_empty() {
        errors.add(
            "csv",
            "no lines: start with the header building,daypart,day_type,visitors_per_hour,dwell_s,visibility,source then segment columns",
        );
    }
    if lines.is_empty() {
        return Err(errors.into());
    }
    // Lines that could not be read are left out; the rest are checked too, so that one answer
    // names every bad line.
    crate::db::transaction(conn, |conn| {
        let known: Vec<(String, String)> = buildings::table
            .select((buildings::id, buildings::name))
            .load(conn)?;
        let mut inputs: BTreeMap<String, (AudienceProfileInput, Vec<usize>)> = BTreeMap::new();
        for (line, record) in lines {
            let Some((building_id, _)) = known.iter().find(|(id, name)| {
                *id == record.building || name.eq_ignore_ascii_case(&record.building)
            }) else {
                errors.add(
                    &format!("line {line}"),
                    format!("no building named '{}'", record.building),
                );
                continue;
            };
            let Some(day_type) = DayType::parse(&record.day_type) else {
                errors.add(
                    &format!("line {line}"),
                    "day_type must be weekday or weekend",
                );
                continue;
            };
            let segments = record.segments;
            let entry = match inputs.entry(building_id.clone()) {
                std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                // A building keeps its dayparts; its current profile is read once.
                std::collections::btree_map::Entry::Vacant(entry) => entry.insert((
                    AudienceProfileInput {
                        source: record.source.clone(),
                        dayparts: profiles::latest(conn, building_id)?
                            .map(|current| current.dayparts),
                        rows: Vec::new(),
                    },
                    Vec::new(),
                )),
            };
            if entry.0.source != record.source {
                errors.add(
                    &format!("line {line}"),
                    "every line of one building must name the same source",
                );
            }
            entry.0.rows.push(AudienceRow {
                daypart: record.daypart,
                day_type,
                visitors_per_hour: record.visitors_per_hour,
                dwell_s: record.dwell_s,
                visibility: record.visibility,
                segments,
            });
            entry.1.push(line);
        }
        for (input, line_numbers) in inputs.values() {
            if let Err(invalid) = input.validate() {
                for error in invalid.0 {
                    let line = error
                        .field
                        .strip_prefix("rows[")
                        .and_then(|rest| rest.split(']').next())
                        .and_then(|index| index.parse::<usize>().ok())
                        .and_then(|index| line_numbers.get(index))
                        .map_or_else(|| "csv".to_owned(), |line| format!("line {line}"));
                    // The line is named already; the column is what to fix in it.
                    let column = error
                        .field
                        .split_once("].")
                        .map_or(error.field.as_str(), |(_, column)| column);
                    errors.add(&line, format!("{column}: {}", error.message));
                }
            }
        }
        errors.into_result()?;
        let mut created = Vec::new();
        for (building_id, (input, _)) in &inputs {
            created.push(store(conn, actor, building_id, input)?);
        }
        Ok(created)
    })
}
