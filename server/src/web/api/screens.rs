//! Screens and LED walls: staff see them, administrators register them and issue the device
//! token a player uses.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::places::{Screen, ScreenAlert, ScreenInput, ScreenToken};
use civicast_shared::api::{ErrorBody, Page};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use crate::core::places::screens::{find_screen, insert_screen};
use crate::db::models::ScreenRow;
use crate::db::schema::screens;
use crate::db::{self};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_screens)
        .service(create_screen)
        .service(get_screen)
        .service(update_screen)
        .service(delete_screen)
        .service(issue_screen_token)
        .service(list_alerts);
}

/// Screens that went quiet while their building was open and have not called since, longest
/// offline first.
#[utoipa::path(
    tag = "screens",
    responses((status = 200, body = Vec<ScreenAlert>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/alerts")]
async fn list_alerts(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Vec<ScreenAlert>>, AppError> {
    user.require_staff()?;
    Ok(web::Json(
        db::run(&state.pool, crate::core::alerts::open_alerts).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct ScreenQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    /// Only the screens of this building.
    building_id: Option<Uuid>,
}

#[utoipa::path(
    tag = "screens",
    params(ScreenQuery),
    responses((status = 200, body = Page<Screen>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/screens")]
async fn list_screens(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ScreenQuery>,
) -> Result<web::Json<Page<Screen>>, AppError> {
    user.require_staff()?;
    let query = query.into_inner();
    let paging = Paging::from_parts(query.page, query.per_page)?;
    let building_id = query.building_id.map(|id| id.to_string());
    let page = db::run(&state.pool, move |conn| {
        let filtered = || {
            let mut q = screens::table.into_boxed();
            if let Some(building_id) = &building_id {
                q = q.filter(screens::building_id.eq(building_id.clone()));
            }
            q
        };
        let (rows, total) = crate::load_page!(
            conn,
            paging,
            filtered,
            (screens::building_id.asc(), screens::name.asc()),
            ScreenRow
        );
        Ok(paging.page(rows, total))
    })
    .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    tag = "screens",
    request_body = ScreenInput,
    responses(
        (status = 201, body = Screen),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/screens")]
async fn create_screen(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<ScreenInput>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let input = body.into_inner();
    input.validate()?;
    let screen = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            insert_screen(conn, &user, &input).map(Screen::from)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(screen))
}

#[utoipa::path(
    tag = "screens",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Screen), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/screens/{id}")]
async fn get_screen(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Screen>, AppError> {
    user.require_staff()?;
    let id = id.into_inner().to_string();
    let row = db::run(&state.pool, move |conn| find_screen(conn, &id)).await?;
    Ok(web::Json(row.into()))
}

#[utoipa::path(
    tag = "screens",
    params(("id" = Uuid, Path)),
    request_body = ScreenInput,
    responses(
        (status = 200, body = Screen),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/screens/{id}")]
async fn update_screen(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<ScreenInput>,
) -> Result<web::Json<Screen>, AppError> {
    user.require_admin()?;
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner().to_string();
    let screen = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::screens::update_screen(conn, &user, &id, &input).map(Screen::from)
        })
    })
    .await?;
    Ok(web::Json(screen))
}

#[utoipa::path(
    tag = "screens",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[delete("/screens/{id}")]
async fn delete_screen(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::screens::delete_screen(conn, &user, &id)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Issues a new device token for the screen's player, replacing (revoking) any earlier one.
/// The token is shown only in this response.
#[utoipa::path(
    tag = "screens",
    params(("id" = Uuid, Path)),
    responses((status = 201, body = ScreenToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/screens/{id}/token")]
async fn issue_screen_token(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let screen_id = id.into_inner();
    let id = screen_id.to_string();
    let device_token = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::places::screens::issue_token(conn, &user, &id)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(ScreenToken {
        screen_id,
        token: device_token,
    }))
}
