//! Buildings: everyone signed in may read them (associations pick where they want to be shown);
//! administrators create, change and remove them.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::places::{Building, BuildingInput};
use civicast_shared::api::{ErrorBody, Page, PageQuery};
use diesel::prelude::*;
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::models::{BuildingRow, to_json};
use crate::db::schema::{buildings, playlists, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_buildings)
        .service(create_building)
        .service(get_building)
        .service(update_building)
        .service(delete_building);
}

pub(crate) fn find_building(conn: &mut DbConnection, id: &str) -> Result<BuildingRow, AppError> {
    buildings::table
        .find(id)
        .select(BuildingRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no building with id {id}")))
}

fn ensure_unique_name(
    conn: &mut DbConnection,
    name: &str,
    except_id: &str,
) -> Result<(), AppError> {
    let taken = buildings::table
        .filter(buildings::name.eq(name))
        .filter(buildings::id.ne(except_id))
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Err(AppError::Conflict(format!(
            "a building named '{name}' already exists"
        )));
    }
    Ok(())
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
        let total = buildings::table.count().get_result::<i64>(conn)?;
        let rows = buildings::table
            .order(buildings::name.asc())
            .limit(paging.limit())
            .offset(paging.offset())
            .select(BuildingRow::as_select())
            .load::<BuildingRow>(conn)?;
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

/// Replaces a building's details (administrators), as the API and the portal's hours page do.
pub(crate) fn change_building(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    input: BuildingInput,
) -> Result<Building, AppError> {
    user.require_admin()?;
    input.validate()?;
    let mut row = find_building(conn, id)?;
    row.name = input.name.trim().to_owned();
    ensure_unique_name(conn, &row.name, id)?;
    row.address = input.address.trim().to_owned();
    row.display_hours = input.display_hours.as_ref().map(to_json);
    row.opening_hours = stored_opening_hours(&input);
    row.time_zone = input.time_zone;
    row.venue_type = input.venue_type.as_str().to_owned();
    row.updated_at = db::now();
    diesel::update(buildings::table.find(id))
        .set(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "building.update",
        "building",
        id,
        json!({ "name": row.name }),
    )?;
    Ok(Building::from(row))
}

/// Removes a building with its playlists; refused while screens stand in it.
#[utoipa::path(
    tag = "buildings",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[delete("/buildings/{id}")]
async fn delete_building(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let row = find_building(conn, &id)?;
            let screen_count = screens::table
                .filter(screens::building_id.eq(&id))
                .count()
                .get_result::<i64>(conn)?;
            if screen_count > 0 {
                return Err(AppError::Conflict(format!(
                    "'{}' still has {screen_count} screen(s): move or delete them first",
                    row.name
                )));
            }
            diesel::delete(playlists::table.filter(playlists::building_id.eq(&id)))
                .execute(conn)?;
            diesel::delete(buildings::table.find(&id)).execute(conn)?;
            audit::record(
                conn,
                &user,
                "building.delete",
                "building",
                &id,
                json!({ "name": row.name }),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Admins add a building; its name is unique.
pub(crate) fn add_building(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &BuildingInput,
) -> Result<Building, AppError> {
    user.require_admin()?;
    input.validate()?;
    let name = input.name.trim().to_owned();
    ensure_unique_name(conn, &name, "")?;
    let now = db::now();
    let row = BuildingRow {
        id: db::new_id(),
        name,
        address: input.address.trim().to_owned(),
        time_zone: input.time_zone.clone(),
        venue_type: input.venue_type.as_str().to_owned(),
        created_at: now,
        updated_at: now,
        display_hours: input.display_hours.as_ref().map(to_json),
        opening_hours: stored_opening_hours(input),
    };
    diesel::insert_into(buildings::table)
        .values(&row)
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "building.create",
        "building",
        &row.id,
        json!({ "name": row.name }),
    )?;
    Ok(Building::from(row))
}

/// Opening hours as stored: none for "always open".
fn stored_opening_hours(input: &BuildingInput) -> Option<String> {
    (!input.opening_hours.is_empty()).then(|| to_json(&input.opening_hours))
}
