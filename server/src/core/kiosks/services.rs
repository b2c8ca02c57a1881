//! The city's services (what each is for, where, when and how it is delivered), which every
//! kiosk carries and a visitor searches by word. Staff keep the list in the portal or import it
//! as CSV.
//!
//! An import is the whole list, as a communications office keeps it in a spreadsheet: a service
//! the file names (by name, whatever the capitals) is updated in place and keeps its id, a new
//! one is added, and one the file leaves out is removed. All or nothing: a file with any bad
//! line changes nothing, and every bad line is named with its number and what to fix.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use civicast_shared::api::kiosk::{CityService, CityServiceInput};
use civicast_shared::api::kiosk_setup::ServiceImport;
use civicast_shared::validation::clean;
use civicast_shared::{Validate, ValidationErrors};
use diesel::prelude::*;
use serde_json::json;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::db::models::stored_id;
use crate::db::schema::city_services;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Largest service list file.
pub const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;
/// Most services in the list: every kiosk carries all of them.
pub const SERVICES_MAX: usize = 2000;

/// The CSV columns, in the order the portal shows them; `name`, `purpose` and `place` are
/// required, the others may be left out of the header.
pub const CSV_COLUMNS: [&str; 8] = [
    "name",
    "identifier",
    "purpose",
    "place",
    "desk",
    "hours",
    "phone",
    "web_url",
];
const REQUIRED_COLUMNS: [&str; 3] = ["name", "purpose", "place"];

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = city_services, treat_none_as_null = true)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub identifier: Option<String>,
    pub purpose: String,
    pub place: String,
    pub desk: Option<String>,
    pub hours: Option<String>,
    pub phone: Option<String>,
    pub web_url: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<ServiceRow> for CityService {
    fn from(row: ServiceRow) -> CityService {
        CityService {
            id: stored_id(&row.id),
            name: row.name,
            identifier: row.identifier,
            purpose: row.purpose,
            place: row.place,
            desk: row.desk,
            hours: row.hours,
            phone: row.phone,
            web_url: row.web_url,
        }
    }
}

/// What makes two names the same service: capitals do not count.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn row_of(id: String, input: &CityServiceInput, created_at: NaiveDateTime) -> ServiceRow {
    ServiceRow {
        id,
        name: input.name.clone(),
        name_key: name_key(&input.name),
        identifier: input.identifier.clone(),
        purpose: input.purpose.clone(),
        place: input.place.clone(),
        desk: input.desk.clone(),
        hours: input.hours.clone(),
        phone: input.phone.clone(),
        web_url: input.web_url.clone(),
        created_at,
        updated_at: db::now(),
    }
}

/// Every service, by name.
pub fn list(conn: &mut DbConnection) -> Result<Vec<CityService>, AppError> {
    Ok(city_services::table
        .order(city_services::name_key.asc())
        .select(ServiceRow::as_select())
        .load(conn)?
        .into_iter()
        .map(CityService::from)
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<ServiceRow, AppError> {
    crate::find_by_id!(conn, city_services::table, ServiceRow, id, "service")
}

fn ensure_unique_name(
    conn: &mut DbConnection,
    name: &str,
    except_id: &str,
) -> Result<(), AppError> {
    let taken: i64 = city_services::table
        .filter(city_services::name_key.eq(name_key(name)))
        .filter(city_services::id.ne(except_id))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict(format!(
            "a service named '{name}' already exists: give this one another name or change that one"
        )));
    }
    Ok(())
}

/// Adds a service (staff). Call it inside a transaction.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: &CityServiceInput,
) -> Result<CityService, AppError> {
    actor.require_staff()?;
    input.validate()?;
    ensure_unique_name(conn, &input.name, "")?;
    let count: i64 = city_services::table.count().get_result(conn)?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= SERVICES_MAX {
        return Err(AppError::Conflict(format!(
            "the list holds {SERVICES_MAX} services, the most a kiosk carries: remove one first"
        )));
    }
    let row = row_of(db::new_id(), input, db::now());
    diesel::insert_into(city_services::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        actor,
        "service.create",
        "service",
        &row.id,
        json!({ "name": row.name }),
    )?;
    Ok(row.into())
}

/// Replaces a service's fields (staff). Call it inside a transaction.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    input: &CityServiceInput,
) -> Result<CityService, AppError> {
    actor.require_staff()?;
    let existing = find(conn, id)?;
    input.validate()?;
    ensure_unique_name(conn, &input.name, id)?;
    let row = row_of(existing.id.clone(), input, existing.created_at);
    diesel::update(city_services::table.find(id))
        .set(&row)
        .execute(conn)?;
    audit::record(
        conn,
        actor,
        "service.update",
        "service",
        id,
        json!({ "name": row.name }),
    )?;
    Ok(row.into())
}

/// Removes a service (staff). Call it inside a transaction.
pub fn delete(conn: &mut DbConnection, actor: &Actor, id: &str) -> Result<(), AppError> {
    actor.require_staff()?;
    let existing = find(conn, id)?;
    diesel::delete(city_services::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        actor,
        "service.delete",
        "service",
        id,
        json!({ "name": existing.name }),
    )?;
    Ok(())
}

/// Reads the CSV into (line number, service), or says for each bad line what to fix. A header
/// with semicolons (what a spreadsheet in Dutch writes) is read with semicolons.
pub fn parse_csv(body: &[u8], errors: &mut ValidationErrors) -> Vec<(u64, CityServiceInput)> {
    let Ok(text) = std::str::from_utf8(body) else {
        errors.add(
            "csv",
            "the file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'",
        );
        return Vec::new();
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The csv reader counts a line after CRLF one short; browsers send pasted text with CRLF.
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains(';') && !header_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(error) => {
            errors.add("csv", format!("the header line cannot be read: {error}"));
            return Vec::new();
        }
    };
    let header = CSV_COLUMNS.join(",");
    let unknown: Vec<&str> = headers
        .iter()
        .filter(|name| !CSV_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name)))
        .collect();
    if !unknown.is_empty() {
        errors.add(
            "csv",
            format!(
                "the header names unknown column(s) {}; the columns are {header}",
                unknown.join(", ")
            ),
        );
        return Vec::new();
    }
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .copied()
        .filter(|c| column(c).is_none())
        .collect();
    if !missing.is_empty() {
        errors.add(
            "csv",
            format!(
                "the header lacks {}; the first line names the columns {header}",
                missing.join(", ")
            ),
        );
        return Vec::new();
    }
    let width = headers.len();
    let mut lines = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let fallback = u64::try_from(index).unwrap_or(u64::MAX).saturating_add(2);
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error
                    .position()
                    .map_or(fallback, |position| position.line());
                errors.add(&format!("line {line}"), error.to_string());
                continue;
            }
        };
        let line = record
            .position()
            .map_or(fallback, |position| position.line());
        let field = format!("line {line}");
        if record.iter().all(str::is_empty) {
            continue; // a blank line a spreadsheet left at the end
        }
        if record.len() != width {
            errors.add(
                &field,
                format!(
                    "has {} fields where the header names {width}: put a value (or nothing) between every comma, and quotes around a text with a comma",
                    record.len()
                ),
            );
            continue;
        }
        let text = |name: &str| -> String {
            column(name)
                .and_then(|i| record.get(i))
                .map(|value| clean(value).trim().to_owned())
                .unwrap_or_default()
        };
        let optional = |name: &str| Some(text(name)).filter(|value| !value.is_empty());
        let input = CityServiceInput {
            name: text("name"),
            identifier: optional("identifier"),
            purpose: text("purpose"),
            place: text("place"),
            desk: optional("desk"),
            hours: optional("hours"),
            phone: optional("phone"),
            web_url: optional("web_url"),
        };
        if let Err(invalid) = input.validate() {
            for error in invalid.0 {
                errors.add(&field, format!("{}: {}", error.field, error.message));
            }
            continue;
        }
        match first_line_of.get(&name_key(&input.name)) {
            Some(first) => errors.add(
                &field,
                format!(
                    "name: '{}' is on line {first} too; each service once",
                    input.name
                ),
            ),
            None => {
                first_line_of.insert(name_key(&input.name), line);
                lines.push((line, input));
            }
        }
    }
    lines
}

/// Imports the CSV `body` as the whole service list (staff); see the module's header.
pub fn import(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &[u8],
) -> Result<ServiceImport, AppError> {
    actor.require_staff()?;
    let mut errors = ValidationErrors::default();
    let lines = parse_csv(body, &mut errors);
    if lines.is_empty() && errors.is_empty() {
        errors.add(
            "csv",
            format!(
                "the file has no services: the first line names the columns {} and each next line is one service",
                CSV_COLUMNS.join(",")
            ),
        );
    }
    if lines.len() > SERVICES_MAX {
        errors.add(
            "csv",
            format!(
                "the file has {} services; a kiosk carries at most {SERVICES_MAX}",
                lines.len()
            ),
        );
    }
    errors.into_result()?;
    db::transaction(conn, |conn| {
        let existing: Vec<ServiceRow> = city_services::table
            .select(ServiceRow::as_select())
            .load(conn)?;
        let mut by_key: HashMap<String, ServiceRow> = existing
            .into_iter()
            .map(|row| (row.name_key.clone(), row))
            .collect();
        let (mut added, mut updated) = (0u32, 0u32);
        let mut kept = Vec::with_capacity(lines.len());
        for (_, input) in &lines {
            match by_key.remove(&name_key(&input.name)) {
                Some(row) => {
                    let new = row_of(row.id.clone(), input, row.created_at);
                    let changed = (
                        &new.name,
                        &new.identifier,
                        &new.purpose,
                        &new.place,
                        &new.desk,
                        &new.hours,
                        &new.phone,
                        &new.web_url,
                    ) != (
                        &row.name,
                        &row.identifier,
                        &row.purpose,
                        &row.place,
                        &row.desk,
                        &row.hours,
                        &row.phone,
                        &row.web_url,
                    );
                    if changed {
                        diesel::update(city_services::table.find(&row.id))
                            .set(&new)
                            .execute(conn)?;
                        updated += 1;
                    }
                    kept.push(new.id);
                }
                None => {
                    let new = row_of(db::new_id(), input, db::now());
                    diesel::insert_into(city_services::table)
                        .values(&new)
                        .execute(conn)?;
                    added += 1;
                    kept.push(new.id);
                }
            }
        }
        let removed_ids: Vec<String> = by_key.into_values().map(|row| row.id).collect();
        for chunk in removed_ids.chunks(500) {
            diesel::delete(city_services::table.filter(city_services::id.eq_any(chunk)))
                .execute(conn)?;
        }
        let removed = u32::try_from(removed_ids.len()).unwrap_or(u32::MAX);
        audit::record(
            conn,
            actor,
            "service.import",
            "service",
            "",
            json!({ "added": added, "updated": updated, "removed": removed }),
        )?;
        Ok(ServiceImport {
            added,
            updated,
            removed,
            services: list(conn)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_a_byte_order_mark_and_quoted_commas_are_read() {
        let mut errors = ValidationErrors::default();
        let lines = parse_csv(
            "\u{feff}name;purpose;place\nParking permit;\"Residents, visitors\";City hall\n"
                .as_bytes(),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(lines[0].1.purpose, "Residents, visitors");
        assert_eq!(lines[0].0, 2);
    }

    #[test]
    fn every_bad_line_is_named() {
        let mut errors = ValidationErrors::default();
        let csv = "name,purpose,place,web_url\r\n\
                   Passport,Travel documents,City hall,https://city.example/passport\r\n\
                   ,No name,City hall,\r\n\
                   Passport,Again,City hall,\r\n\
                   Waste,Collection days,Depot,ftp://nope\r\n";
        let lines = parse_csv(csv.as_bytes(), &mut errors);
        assert_eq!(lines.len(), 1);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["line 3", "line 4", "line 5"]);
        assert!(errors.0[1].message.contains("line 2"), "{:?}", errors.0[1]);
    }
}
