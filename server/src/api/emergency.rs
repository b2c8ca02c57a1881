//! `/emergency`: staff put an emergency message on every screen or one building's, list the
//! active ones, and clear them.

use actix_web::{HttpResponse, delete, get, post, web};
use civicast_shared::api::ErrorBody;
use civicast_shared::api::emergency::{EmergencyInput, EmergencyMessage};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db;
use crate::emergency;
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_active)
        .service(post_message)
        .service(clear_message);
}

/// Sends the active messages to this instance's push streams at once.
pub(crate) async fn publish_now(state: &AppState) -> Result<(), AppError> {
    let active = db::run(&state.pool, emergency::active).await?;
    state.push.publish_emergency(active);
    Ok(())
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
    publish_now(&state).await?;
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
    publish_now(&state).await?;
    Ok(HttpResponse::NoContent().finish())
}
