//! Buildings: everyone signed in may read them (associations pick where they want to be shown);
//! administrators create, change and remove them.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::api::places::{Building, BuildingInput};
use civicast_shared::api::{ErrorBody, Page, PageQuery};
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use crate::core::places::buildings::{add_building, change_building, find_building};
use crate::db::models::BuildingRow;
use crate::db::schema::buildings;
use crate::db::{self};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_buildings)
        .service(create_building)
        .service(get_building)
        .service(update_building)
        .service(delete_building);
}

#[utoipa::path(
    tag = "buildings",
    params(PageQuery),
    responses((status = 200, body = Page<Building>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/buildings")]
async fn list_buildings(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Building>>, AppError> {
    let paging = Paging::from_query(query.into_inner())?;
    let page = db::run(&state.pool, move |conn| {
        let all = || buildings::table.into_boxed();
        let (rows, total) =
            crate::load_page!(conn, paging, all, buildings::name.asc(), BuildingRow);
        Ok(paging.page(rows, total))
    })
    .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    tag = "buildings",
    request_body = BuildingInput,
    responses(
        (status = 201, body = Building),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/buildings")]
async fn create_building(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<BuildingInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let building = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| add_building(conn, &user, &input))
    })
    .await?;
    Ok(HttpResponse::Created().json(building))
}

#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Building), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/buildings/{id}")]
async fn get_building(
    state: web::Data<AppState>,
    _user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Building>, AppError> {
    let id = id.into_inner().to_string();
    let row = db::run(&state.pool, move |conn| find_building(conn, &id)).await?;
    Ok(web::Json(row.into()))
}

#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    request_body = BuildingInput,
    responses(
        (status = 200, body = Building),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/buildings/{id}")]
async fn update_building(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<BuildingInput>,
) -> Result<web::Json<Building>, AppError> {
    let input = body.into_inner();
    let id = id.into_inner().to_string();
    let building = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| change_building(conn, &user, &id, input))
    })
    .await?;
    Ok(web::Json(building))
}

/// Removes a building with its screens (their tokens stop working), playlists and items.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[delete("/buildings/{id}")]
async fn delete_building(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::buildings::delete_building(conn, &user, &id)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
