//! User accounts: administrators manage them; staff may read them; everyone reads themselves.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::accounts::{User, UserCreate, UserUpdate};
use civicast_shared::api::{ErrorBody, Page, PageQuery};
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use crate::core::accounts::add_user;
use crate::core::auth::password;
use crate::db::models::UserRow;
use crate::db::schema::users;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(delete_user)
        .service(disable_user)
        .service(enable_user);
}

fn find_user(conn: &mut DbConnection, id: &str) -> Result<UserRow, AppError> {
    crate::find_by_id!(conn, users::table, UserRow, id, "user")
}

#[utoipa::path(
    tag = "users",
    params(PageQuery),
    responses((status = 200, body = Page<User>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/users")]
async fn list_users(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<User>>, AppError> {
    user.require_staff()?;
    let paging = Paging::from_query(query.into_inner())?;
    let page = db::run(&state.pool, move |conn| {
        let everyone = || users::table.into_boxed();
        let (rows, total) = crate::load_page!(conn, paging, everyone, users::email.asc(), UserRow);
        Ok(paging.page(rows, total))
    })
    .await?;
    Ok(web::Json(page))
}

#[utoipa::path(
    tag = "users",
    request_body = UserCreate,
    responses(
        (status = 201, body = User),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/users")]
async fn create_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<UserCreate>,
) -> Result<HttpResponse, AppError> {
    user.require_admin()?;
    let input = body.into_inner();
    input.validate()?;
    let password_hash = match input.password.clone() {
        Some(plain) => Some(web::block(move || password::hash(&plain)).await??),
        None => None,
    };
    let created = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| add_user(conn, &user, &input, password_hash))
    })
    .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/users/{id}")]
async fn get_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<User>, AppError> {
    let id = id.into_inner();
    if !user.is_staff() && id != user.id {
        return Err(AppError::NotFound(format!("no user with id {id}")));
    }
    let row = db::run(&state.pool, move |conn| find_user(conn, &id.to_string())).await?;
    Ok(web::Json(row.into()))
}

/// Changes a user's name, role or organisation, and the password when one is given (which signs
/// the user out everywhere).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    request_body = UserUpdate,
    responses(
        (status = 200, body = User),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "an administrator may not take away their own role", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/users/{id}")]
async fn update_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<UserUpdate>,
) -> Result<web::Json<User>, AppError> {
    user.require_admin()?;
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner().to_string();
    let new_hash = match input.password.clone() {
        Some(plain) => Some(web::block(move || password::hash(&plain)).await??),
        None => None,
    };
    let updated = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::accounts::update_user(conn, &user, &id, &input, new_hash)
        })
    })
    .await?;
    Ok(web::Json(updated))
}

#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[delete("/users/{id}")]
async fn delete_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::accounts::delete_user(conn, &user, &id)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Disables an account (someone who left): they cannot sign in, and every token of theirs stops
/// working at once. Nothing they made is removed.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = User),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "an administrator may not disable their own account", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/users/{id}/disable")]
async fn disable_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<User>, AppError> {
    set_disabled(&state, user, id.into_inner(), true).await
}

/// Enables a disabled account again: the user signs in with their password as before.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = User),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/users/{id}/enable")]
async fn enable_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<User>, AppError> {
    set_disabled(&state, user, id.into_inner(), false).await
}

async fn set_disabled(
    state: &AppState,
    user: CurrentUser,
    id: Uuid,
    disabled: bool,
) -> Result<web::Json<User>, AppError> {
    let id = id.to_string();
    let changed = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            crate::core::accounts::set_disabled(conn, &user, &id, disabled)
        })
    })
    .await?;
    Ok(web::Json(changed))
}
