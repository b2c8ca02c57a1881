//! Audience profiles per building (staff set them, or import them from CSV, always with a
//! source; each change is a new version) and targeting suggestions for chosen audiences.

use actix_web::{HttpResponse, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::audience::{AudienceProfile, AudienceProfileInput, AudienceSuggestions};
use civicast_shared::api::events::AudienceSegment;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::places::buildings::find_building;
use crate::core::proof::import::{self, MAX_CSV_BYTES};
use crate::core::proof::profiles::{self, ProfileRow};
use crate::core::reports::targeting;
use crate::db;
use crate::db::schema::audience_profiles;
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
            import::store(conn, &user, &id, &input)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(profile))
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
    let created = db::run(&state.pool, move |conn| import::import(conn, &user, &body)).await?;
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
        targeting::suggest_for(conn, &segments)
    })
    .await?;
    Ok(web::Json(suggestions))
}
