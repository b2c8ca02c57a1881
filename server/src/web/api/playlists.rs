//! Playlists of buildings and LED walls and the items that loop in them; staff program them.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::playlists::{Playlist, PlaylistInput, PlaylistItem, PlaylistItemInput};
use civicast_shared::api::{ErrorBody, Page, PageQuery};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use crate::core::audit;
use crate::core::places::buildings::find_building;
use crate::core::playlists::{self as playlist_rules, find_item, find_playlist};
use crate::db;
use crate::db::models::{PlaylistItemRow, PlaylistRow};
use crate::db::schema::{playlist_items, playlists};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_playlists)
        .service(create_playlist)
        .service(get_playlist)
        .service(update_playlist)
        .service(delete_playlist)
        .service(list_items)
        .service(create_item)
        .service(get_item)
        .service(update_item)
        .service(delete_item);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct PlaylistQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    /// Only the playlists of this building.
    building_id: Option<Uuid>,
}

#[utoipa::path(
    tag = "playlists",
    params(PlaylistQuery),
    responses((status = 200, body = Page<Playlist>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/playlists")]
async fn list_playlists(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PlaylistQuery>,
) -> Result<web::Json<Page<Playlist>>, AppError> {
    user.require_staff()?;
    let query = query.into_inner();
    let paging = Paging::from_parts(query.page, query.per_page)?;
    let building_id = query.building_id.map(|id| id.to_string());
    let page = db::run(&state.pool, move |conn| {
        let filtered = || {
            let mut q = playlists::table.into_boxed();
            if let Some(building_id) = &building_id {
                q = q.filter(playlists::building_id.eq(building_id.clone()));
            }
            q
        };
        let (rows, total) = crate::load_page!(
            conn,
            paging,
            filtered,
            (playlists::building_id.asc(), playlists::created_at.asc()),
            PlaylistRow
        );
        Ok(paging.page(rows, total))
    })
    .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    tag = "playlists",
    request_body = PlaylistInput,
    responses((status = 201, body = Playlist), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/playlists")]
async fn create_playlist(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PlaylistInput>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let input = body.into_inner();
    input.validate()?;
    let playlist = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            find_building(conn, &input.building_id.to_string())
                .map_err(|_| AppError::invalid("building_id", "no building with this id"))?;
            let now = db::now();
            let row = PlaylistRow {
                id: db::new_id(),
                building_id: input.building_id.to_string(),
                name: input.name.trim().to_owned(),
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(playlists::table)
                .values(&row)
                .execute(conn)?;
            audit::record(
                conn,
                &user,
                "playlist.create",
                "playlist",
                &row.id,
                json!({ "name": row.name }),
            )?;
            Ok(Playlist::from(row))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(playlist))
}

#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Playlist), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/playlists/{id}")]
async fn get_playlist(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Playlist>, AppError> {
    user.require_staff()?;
    let id = id.into_inner().to_string();
    let row = db::run(&state.pool, move |conn| find_playlist(conn, &id)).await?;
    Ok(web::Json(row.into()))
}

#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path)),
    request_body = PlaylistInput,
    responses(
        (status = 200, body = Playlist),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/playlists/{id}")]
async fn update_playlist(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<PlaylistInput>,
) -> Result<web::Json<Playlist>, AppError> {
    user.require_staff()?;
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner().to_string();
    let playlist = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let mut row = find_playlist(conn, &id)?;
            if row.building_id != input.building_id.to_string() {
                return Err(AppError::invalid(
                    "building_id",
                    "a playlist cannot move to another building",
                ));
            }
            row.name = input.name.trim().to_owned();
            row.updated_at = db::now();
            diesel::update(playlists::table.find(&id))
                .set(&row)
                .execute(conn)?;
            audit::record(
                conn,
                &user,
                "playlist.update",
                "playlist",
                &id,
                json!({ "name": row.name }),
            )?;
            Ok(Playlist::from(row))
        })
    })
    .await?;
    Ok(web::Json(playlist))
}

#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[delete("/playlists/{id}")]
async fn delete_playlist(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let row = find_playlist(conn, &id)?;
            diesel::delete(playlist_items::table.filter(playlist_items::playlist_id.eq(&id)))
                .execute(conn)?;
            diesel::delete(playlists::table.find(&id)).execute(conn)?;
            audit::record(
                conn,
                &user,
                "playlist.delete",
                "playlist",
                &id,
                json!({ "name": row.name }),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The items of a playlist in loop order.
#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<PlaylistItem>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/playlists/{id}/items")]
async fn list_items(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<PlaylistItem>>, AppError> {
    user.require_staff()?;
    let paging = Paging::from_query(query.into_inner())?;
    let id = id.into_inner().to_string();
    let page = db::run(&state.pool, move |conn| {
        find_playlist(conn, &id)?;
        let of_playlist = playlist_items::table.filter(playlist_items::playlist_id.eq(&id));
        let total = of_playlist.count().get_result::<i64>(conn)?;
        let rows = of_playlist
            .order(playlist_items::position.asc())
            .limit(paging.limit())
            .offset(paging.offset())
            .select(PlaylistItemRow::as_select())
            .load::<PlaylistItemRow>(conn)?;
        Ok(paging.page(rows, total))
    })
    .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path)),
    request_body = PlaylistItemInput,
    responses(
        (status = 201, body = PlaylistItem),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/playlists/{id}/items")]
async fn create_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<PlaylistItemInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let playlist_id = id.into_inner().to_string();
    let item = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            playlist_rules::add_item(conn, &user, &playlist_id, &input)
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(item))
}

#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path), ("item_id" = Uuid, Path)),
    responses((status = 200, body = PlaylistItem), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/playlists/{id}/items/{item_id}")]
async fn get_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<PlaylistItem>, AppError> {
    user.require_staff()?;
    let (playlist_id, item_id) = path.into_inner();
    let row = db::run(&state.pool, move |conn| {
        find_item(conn, &playlist_id.to_string(), &item_id.to_string())
    })
    .await?;
    Ok(web::Json(row.into()))
}

/// Replaces an item; with `position` it also moves in the loop.
#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path), ("item_id" = Uuid, Path)),
    request_body = PlaylistItemInput,
    responses(
        (status = 200, body = PlaylistItem),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/playlists/{id}/items/{item_id}")]
async fn update_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<PlaylistItemInput>,
) -> Result<web::Json<PlaylistItem>, AppError> {
    let input = body.into_inner();
    let (playlist_id, item_id) = path.into_inner();
    let (playlist_id, item_id) = (playlist_id.to_string(), item_id.to_string());
    let item = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            playlist_rules::update_item(conn, &user, &playlist_id, &item_id, &input)
        })
    })
    .await?;
    Ok(web::Json(item))
}

#[utoipa::path(
    tag = "playlists",
    params(("id" = Uuid, Path), ("item_id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[delete("/playlists/{id}/items/{item_id}")]
async fn delete_item(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (playlist_id, item_id) = path.into_inner();
    let (playlist_id, item_id) = (playlist_id.to_string(), item_id.to_string());
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            playlist_rules::remove_item(conn, &user, &playlist_id, &item_id)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
