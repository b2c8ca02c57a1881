//! The city's services, which every kiosk carries (staff): the list, one at a time, or the whole
//! list imported from CSV.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::kiosk::{CityService, CityServiceInput};
use civicast_shared::api::kiosk_setup::ServiceImport;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::kiosks::services::{self, MAX_CSV_BYTES};
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_services)
        .service(create_service)
        .service(import_services)
        .service(update_service)
        .service(delete_service);
}

/// Every service, by name (staff).
#[utoipa::path(
    tag = "services",
    responses((status = 200, body = Vec<CityService>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/services")]
async fn list_services(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Vec<CityService>>, AppError> {
    user.require_staff()?;
    Ok(web::Json(db::run(&state.pool, services::list).await?))
}

/// Adds a service (staff); names are unique whatever their capitals.
#[utoipa::path(
    tag = "services",
    request_body = CityServiceInput,
    responses(
        (status = 201, body = CityService),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/services")]
async fn create_service(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CityServiceInput>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let input = body.into_inner();
    let created = db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| services::create(conn, &user, &input))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Replaces a service's fields (staff).
#[utoipa::path(
    tag = "services",
    params(("id" = Uuid, Path)),
    request_body = CityServiceInput,
    responses(
        (status = 200, body = CityService),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/services/{id}")]
async fn update_service(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<CityServiceInput>,
) -> Result<web::Json<CityService>, AppError> {
    user.require_staff()?;
    let input = body.into_inner();
    let id = id.into_inner().to_string();
    let updated = db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| services::update(conn, &user, &id, &input))
    })
    .await?;
    Ok(web::Json(updated))
}

/// Removes a service (staff); kiosks drop it at their next poll.
#[utoipa::path(
    tag = "services",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[delete("/services/{id}")]
async fn delete_service(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| services::delete(conn, &user, &id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Imports the whole service list from CSV (staff), UTF-8, commas or semicolons. Header:
/// `name,identifier,purpose,place,desk,hours,phone,web_url` (`name`, `purpose` and `place`
/// required). The file is the list: a service it names (by name, whatever the capitals) is
/// updated and keeps its id, a new one is added, one it leaves out is removed. All or nothing:
/// a file with any bad line changes nothing, and the 422 names each bad line (`line N`) with
/// what to fix.
#[utoipa::path(
    tag = "services",
    request_body(content = String, content_type = "text/csv"),
    responses(
        (status = 200, body = ServiceImport),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/services/import")]
async fn import_services(
    state: web::Data<AppState>,
    user: CurrentUser,
    payload: web::Payload,
) -> Result<web::Json<ServiceImport>, AppError> {
    user.require_staff()?;
    let body = super::read_body(payload, MAX_CSV_BYTES).await?;
    let imported = db::run(&state.pool, move |conn| {
        services::import(conn, &user, &body)
    })
    .await?;
    Ok(web::Json(imported))
}
