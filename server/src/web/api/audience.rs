//! Audience profiles per building (staff set them, or import them from CSV, always with a
//! source; each change is a new version) and targeting suggestions for chosen audiences.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::ValidationErrors;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::audience::{
    AudienceProfile, AudienceProfileInput, AudienceRow, AudienceSuggestions, DayType,
};
use civicast_shared::api::events::AudienceSegment;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::audit;
use crate::core::places::buildings::find_building;
use crate::core::proof::profiles::{self, ProfileRow};
use crate::core::reports::targeting;
use crate::db::models::stored_id;
use crate::db::schema::{audience_profiles, buildings};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_profile)
        .service(list_versions)
        .service(put_profile)
        .service(import_profiles)
        .service(suggestions);
}

/// Largest CSV import.
const MAX_CSV_BYTES: usize = 2 * 1024 * 1024;

/// The building's current audience profile.
#[utoipa::path(
    tag = "audience",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AudienceProfile), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/buildings/{id}/audience")]
async fn get_profile(
    state: web::Data<AppState>,
    _user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<AudienceProfile>, AppError> {
    let id = id.into_inner().to_string();
    let profile = db::run(&state.pool, move |conn| {
        find_building(conn, &id)?;
        profiles::latest(conn, &id)?
            .ok_or_else(|| AppError::NotFound("this building has no audience profile yet".into()))
    })
    .await?;
    Ok(web::Json(profile))
}

/// Every version of the building's profile, newest first (staff).
#[utoipa::path(
    tag = "audience",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<AudienceProfile>),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/buildings/{id}/audience/versions")]
async fn list_versions(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<AudienceProfile>>, AppError> {
    user.require_staff()?;
    let id = id.into_inner().to_string();
    let versions = db::run(&state.pool, move |conn| {
        find_building(conn, &id)?;
        let rows = audience_profiles::table
            .filter(audience_profiles::building_id.eq(&id))
            .order(audience_profiles::version.desc())
            .select(ProfileRow::as_select())
            .load(conn)?;
        Ok(rows.into_iter().map(AudienceProfile::from).collect())
    })
    .await?;
    Ok(web::Json(versions))
}

/// Sets the building's profile: a new version, which estimates plays from now on (staff).
#[utoipa::path(
    tag = "audience",
    params(("id" = Uuid, Path)),
    request_body = AudienceProfileInput,
    responses(
        (status = 201, body = AudienceProfile),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/buildings/{id}/audience")]
async fn put_profile(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<AudienceProfileInput>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner().to_string();
    let profile = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            find_building(conn, &id)?;
            store(conn, &user, &id, &input)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(profile))
}

fn store(
    conn: &mut DbConnection,
    user: &CurrentUser,
    building_id: &str,
    input: &AudienceProfileInput,
) -> Result<AudienceProfile, AppError> {
    let profile = profiles::add_version(conn, building_id, input, &user.audit_label())?;
    audit::record(
        conn,
        user,
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

const CSV_COLUMNS: [&str; 7] = [
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

/// Imports profiles from CSV (staff): a new version for every building named. Columns:
/// `building,daypart,day_type,visitors_per_hour,dwell_s,visibility,source` and one column per
/// segment (`youth,families,...`, shares 0 to 1). All or nothing: any bad line stores none.
#[utoipa::path(
    tag = "audience",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 201, body = Vec<AudienceProfile>),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/audience/import")]
async fn import_profiles(
    state: web::Data<AppState>,
    user: CurrentUser,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let body = super::read_body(payload, MAX_CSV_BYTES).await?;
    let mut errors = ValidationErrors::default();
    let lines = parse_csv(&body, &mut errors);
    if lines.is_empty() && errors.is_empty() {
        errors.add(
            "csv",
            "no lines: start with the header building,daypart,day_type,visitors_per_hour,dwell_s,visibility,source then segment columns",
        );
    }
    errors.clone().into_result()?;
    let created = db::run(&state.pool, move |conn| {
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
                        errors.add(&line, format!("{}: {}", error.field, error.message));
                    }
                }
            }
            errors.into_result()?;
            let mut created = Vec::new();
            for (building_id, (input, _)) in &inputs {
                created.push(store(conn, &user, building_id, input)?);
            }
            Ok(created)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct SuggestionQuery {
    /// Comma-separated segments, e.g. `youth,families`.
    segments: String,
}

/// Buildings where the target audiences are most present (composition index, estimated).
#[utoipa::path(
    tag = "audience",
    params(SuggestionQuery),
    responses((status = 200, body = AudienceSuggestions), (status = 422, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/audience/suggestions")]
async fn suggestions(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<SuggestionQuery>,
) -> Result<web::Json<AudienceSuggestions>, AppError> {
    let mut segments = Vec::new();
    for name in query
        .segments
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let segment = AudienceSegment::parse(name).ok_or_else(|| {
            AppError::invalid(
                "segments",
                format!(
                    "'{name}' is not a segment; use {}",
                    AudienceSegment::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        if !segments.contains(&segment) {
            segments.push(segment);
        }
    }
    if segments.is_empty() {
        return Err(AppError::invalid("segments", "name at least one segment"));
    }
    let suggestions = db::run(&state.pool, move |conn| {
        let names: Vec<(String, String)> = buildings::table
            .select((buildings::id, buildings::name))
            .load(conn)?;
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
        Ok(targeting::suggest(&segments, &profiles, &all))
    })
    .await?;
    Ok(web::Json(suggestions))
}
