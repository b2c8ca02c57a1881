//! `/emergency`: staff put an emergency message on every screen or one building's, list the
//! active ones, and clear them.

use actix_web::{HttpResponse, delete, get, post, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::emergency::{EmergencyInput, EmergencyMessage};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::emergency;
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_active)
        .service(post_message)
        .service(clear_message);
}

/// The active emergency messages, oldest first.
#[utoipa::path(
    tag = "emergency",
    responses((status = 200, body = Vec<EmergencyMessage>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/emergency")]
async fn list_active(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Vec<EmergencyMessage>>, AppError> {
    user.require_staff()?;
    Ok(web::Json(db::run(&state.pool, emergency::active).await?))
}

/// Puts a message on every screen (no `building_id`) or on one building's, at once.
#[utoipa::path(
    tag = "emergency",
    request_body = EmergencyInput,
    responses(
        (status = 201, body = EmergencyMessage),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/emergency")]
async fn post_message(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<EmergencyInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let message = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| emergency::post(conn, &user, &input))
    })
    .await?;
    crate::core::emergency::publish_active(&state.pool, &state.push).await?;
    Ok(HttpResponse::Created().json(message))
}

/// Takes a message off the screens.
#[utoipa::path(
    tag = "emergency",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[delete("/emergency/{id}")]
async fn clear_message(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| emergency::clear(conn, &user, &id))
    })
    .await?;
    crate::core::emergency::publish_active(&state.pool, &state.push).await?;
    Ok(HttpResponse::NoContent().finish())
}
