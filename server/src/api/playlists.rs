//! Playlists of buildings and LED walls and the items that loop in them; staff program them.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::events::EventStatus;
use civicast_shared::api::playlists::{Playlist, PlaylistInput, PlaylistItem, PlaylistItemInput};
use civicast_shared::api::{ErrorBody, Page, PageQuery};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use super::buildings::find_building;
use crate::audit;
use crate::auth::CurrentUser;
use crate::db::models::{EventRow, PlaylistItemRow, PlaylistRow, to_json};
use crate::db::schema::{events, media_assets, playlist_items, playlists};
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::proof::ledger;
use crate::state::AppState;

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

pub(crate) fn find_playlist(conn: &mut DbConnection, id: &str) -> Result<PlaylistRow, AppError> {
    playlists::table
        .find(id)
        .select(PlaylistRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no playlist with id {id}")))
}

fn find_item(
    conn: &mut DbConnection,
    playlist_id: &str,
    item_id: &str,
) -> Result<PlaylistItemRow, AppError> {
    playlist_items::table
        .find(item_id)
        .filter(playlist_items::playlist_id.eq(playlist_id))
        .select(PlaylistItemRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no item {item_id} in playlist {playlist_id}")))
}

fn load_order(conn: &mut DbConnection, playlist_id: &str) -> Result<Vec<(String, i32)>, AppError> {
    Ok(playlist_items::table
        .filter(playlist_items::playlist_id.eq(playlist_id))
        .order((
            playlist_items::position.asc(),
            playlist_items::created_at.asc(),
        ))
        .select((playlist_items::id, playlist_items::position))
        .load(conn)?)
}

/// Stores positions 0..n in the given order, touching only the rows that moved.
fn write_positions(conn: &mut DbConnection, order: &[(String, i32)]) -> Result<(), AppError> {
    for (index, (id, position)) in order.iter().enumerate() {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        if *position != index {
            diesel::update(playlist_items::table.find(id))
                .set(playlist_items::position.eq(index))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Puts `item_id` at `target` (clamped to the end) and renumbers the loop 0..n without gaps.
pub(crate) fn place_item(
    conn: &mut DbConnection,
    playlist_id: &str,
    item_id: &str,
    target: Option<u32>,
) -> Result<(), AppError> {
    let mut order = load_order(conn, playlist_id)?;
    let Some(current) = order.iter().position(|(id, _)| id == item_id) else {
        return Ok(());
    };
    let moved = order.remove(current);
    let target = target.map_or(order.len(), |t| (t as usize).min(order.len()));
    order.insert(target, moved);
    write_positions(conn, &order)
}

/// Closes the gaps that removed items leave in a loop.
pub(crate) fn renumber(conn: &mut DbConnection, playlist_id: &str) -> Result<(), AppError> {
    let order = load_order(conn, playlist_id)?;
    write_positions(conn, &order)
}

/// Checks that an item's event is approved and its media exists.
fn check_item_references(
    conn: &mut DbConnection,
    input: &PlaylistItemInput,
) -> Result<(), AppError> {
    if let Some(event_id) = input.event_id {
        let event = events::table
            .find(event_id.to_string())
            .select(EventRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::invalid("event_id", "no event with this id"))?;
        if event.status() != EventStatus::Approved {
            return Err(AppError::invalid(
                "event_id",
                "only approved events can be put in a playlist",
            ));
        }
    }
    if let Some(media_id) = input.media_id {
        let exists = media_assets::table
            .find(media_id.to_string())
            .count()
            .get_result::<i64>(conn)?;
        if exists == 0 {
            return Err(AppError::invalid("media_id", "no media with this id"));
        }
    }
    Ok(())
}

fn item_fields(row: &mut PlaylistItemRow, input: &PlaylistItemInput) {
    row.kind = input.kind.as_str().to_owned();
    row.event_id = input.event_id.map(|id| id.to_string());
    row.media_id = input.media_id.map(|id| id.to_string());
    row.text = input.text.as_ref().map(|t| t.trim().to_owned());
    row.duration_ms = i32::try_from(input.duration_ms).unwrap_or(i32::MAX);
    row.fit = input.fit.as_str().to_owned();
    row.schedule = to_json(&input.schedule);
    row.updated_at = db::now();
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
        let total = filtered().count().get_result::<i64>(conn)?;
        let rows = filtered()
            .order((playlists::building_id.asc(), playlists::created_at.asc()))
            .limit(paging.limit())
            .offset(paging.offset())
            .select(PlaylistRow::as_select())
            .load::<PlaylistRow>(conn)?;
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
        conn.transaction(|conn| {
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
        conn.transaction(|conn| {
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
        conn.transaction(|conn| {
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
    user.require_staff()?;
    let input = body.into_inner();
    input.validate()?;
    let playlist_id = id.into_inner().to_string();
    let item = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            find_playlist(conn, &playlist_id)?;
            check_item_references(conn, &input)?;
            let now = db::now();
            let mut row = PlaylistItemRow {
                id: db::new_id(),
                playlist_id: playlist_id.clone(),
                position: i32::MAX,
                kind: String::new(),
                event_id: None,
                media_id: None,
                text: None,
                duration_ms: 0,
                fit: String::new(),
                schedule: String::new(),
                created_at: now,
                updated_at: now,
            };
            item_fields(&mut row, &input);
            diesel::insert_into(playlist_items::table)
                .values(&row)
                .execute(conn)?;
            ledger::record_item(conn, &row)?;
            place_item(conn, &playlist_id, &row.id, input.position)?;
            audit::record(
                conn,
                &user,
                "playlist.item.create",
                "playlist_item",
                &row.id,
                json!({ "playlist_id": playlist_id, "kind": row.kind }),
            )?;
            find_item(conn, &playlist_id, &row.id).map(PlaylistItem::from)
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
    user.require_staff()?;
    let input = body.into_inner();
    input.validate()?;
    let (playlist_id, item_id) = path.into_inner();
    let (playlist_id, item_id) = (playlist_id.to_string(), item_id.to_string());
    let item = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let mut row = find_item(conn, &playlist_id, &item_id)?;
            check_item_references(conn, &input)?;
            item_fields(&mut row, &input);
            diesel::update(playlist_items::table.find(&item_id))
                .set(&row)
                .execute(conn)?;
            ledger::record_item(conn, &row)?;
            if input.position.is_some() {
                place_item(conn, &playlist_id, &item_id, input.position)?;
            }
            audit::record(
                conn,
                &user,
                "playlist.item.update",
                "playlist_item",
                &item_id,
                json!({ "playlist_id": playlist_id }),
            )?;
            find_item(conn, &playlist_id, &item_id).map(PlaylistItem::from)
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
    user.require_staff()?;
    let (playlist_id, item_id) = path.into_inner();
    let (playlist_id, item_id) = (playlist_id.to_string(), item_id.to_string());
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            find_item(conn, &playlist_id, &item_id)?;
            diesel::delete(playlist_items::table.find(&item_id)).execute(conn)?;
            renumber(conn, &playlist_id)?;
            audit::record(
                conn,
                &user,
                "playlist.item.delete",
                "playlist_item",
                &item_id,
                json!({ "playlist_id": playlist_id }),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
