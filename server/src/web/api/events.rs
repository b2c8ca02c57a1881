//! Events: associations submit them, staff approve them into building playlists, reject them
//! with a reason or ask for changes. Every decision is kept in the event's history and the audit log.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::api::events::{
    ApproveRequest, Decision, DecisionKind, Event, EventInput, EventStatus, ReasonRequest,
    Resubmission,
};
use civicast_shared::api::{ErrorBody, Page};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::core::events::{self as event_list, EventFilter};
use crate::core::moderation;
use crate::core::paging::Paging;
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events)
        .service(create_event)
        .service(get_event)
        .service(update_event)
        .service(delete_event)
        .service(withdraw_event)
        .service(approve_event)
        .service(reject_event)
        .service(request_changes)
        .service(list_decisions)
        .service(get_resubmission);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct EventQuery {
    page: Option<u32>,
    per_page: Option<u32>,
    /// Only events with this status (e.g. `pending` for the moderation queue).
    status: Option<EventStatus>,
    /// Only events of this organisation (staff).
    organisation_id: Option<Uuid>,
    /// Only events whose title contains these characters (as the moderation queue's search).
    q: Option<String>,
}

#[utoipa::path(
    tag = "events",
    params(EventQuery),
    responses((status = 200, description = "ordered by start: the most urgent first", body = Page<Event>)),
    security(("bearer" = [])),
)]
#[get("/events")]
async fn list_events(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<EventQuery>,
) -> Result<web::Json<Page<Event>>, AppError> {
    let query = query.into_inner();
    let paging = Paging::from_parts(query.page, query.per_page)?;
    let filter = EventFilter {
        organisation_id: query.organisation_id.map(|id| id.to_string()),
        status: query.status,
        title_contains: query.q,
        latest_first: false,
    };
    let (rows, total) = db::run(&state.pool, move |conn| {
        event_list::list(conn, &user, filter, paging)
    })
    .await?;
    let page = paging.page(rows, total);
    Ok(web::Json(page))
}

/// Submits an event for moderation; it starts as `pending`.
#[utoipa::path(
    tag = "events",
    request_body = EventInput,
    responses(
        (status = 201, body = Event),
        (status = 403, description = "organisation not verified yet", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/events")]
async fn create_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<EventInput>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner();
    let event = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| moderation::submit(conn, &user, &input))
    })
    .await?;
    Ok(HttpResponse::Created().json(event))
}

#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Event), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/events/{id}")]
async fn get_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Event>, AppError> {
    let id = id.into_inner().to_string();
    let row = db::run(&state.pool, move |conn| {
        moderation::find_visible(conn, &user, &id)
    })
    .await?;
    Ok(web::Json(row.into()))
}

/// Edits an event. An approved event goes back to `pending` and leaves the screens until it is
/// approved again.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    request_body = EventInput,
    responses(
        (status = 200, body = Event),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/events/{id}")]
async fn update_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<EventInput>,
) -> Result<web::Json<Event>, AppError> {
    let input = body.into_inner();
    let id = id.into_inner().to_string();
    let event = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| moderation::edit(conn, &user, &id, &input))
    })
    .await?;
    Ok(web::Json(event))
}

#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[delete("/events/{id}")]
async fn delete_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| moderation::delete(conn, &user, &id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The association takes its event back; it leaves every screen.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Event), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/events/{id}/withdraw")]
async fn withdraw_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Event>, AppError> {
    let id = id.into_inner().to_string();
    let event = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| moderation::withdraw(conn, &user, &id))
    })
    .await?;
    Ok(web::Json(event))
}

/// Approves an event into the playlists of the chosen buildings for its promotion window
/// (default: 14 days before the start until the end). Approving again replaces the placement.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    request_body = ApproveRequest,
    responses(
        (status = 200, body = Event),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/events/{id}/approve")]
async fn approve_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<ApproveRequest>,
) -> Result<web::Json<Event>, AppError> {
    let request = body.into_inner();
    let id = id.into_inner().to_string();
    let event = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| moderation::approve(conn, &user, &id, &request))
    })
    .await?;
    Ok(web::Json(event))
}

async fn decide_with_reason(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: Uuid,
    request: ReasonRequest,
    decision: DecisionKind,
) -> Result<web::Json<Event>, AppError> {
    let id = id.to_string();
    let event = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            moderation::decide_with_reason(conn, &user, &id, &request, decision)
        })
    })
    .await?;
    Ok(web::Json(event))
}

/// Rejects an event with a reason the association will read.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    request_body = ReasonRequest,
    responses((status = 200, body = Event), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/events/{id}/reject")]
async fn reject_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<ReasonRequest>,
) -> Result<web::Json<Event>, AppError> {
    decide_with_reason(
        state,
        user,
        id.into_inner(),
        body.into_inner(),
        DecisionKind::Rejected,
    )
    .await
}

/// Sends an event back to the association with a comment on what to change.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    request_body = ReasonRequest,
    responses((status = 200, body = Event), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/events/{id}/request-changes")]
async fn request_changes(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<ReasonRequest>,
) -> Result<web::Json<Event>, AppError> {
    decide_with_reason(
        state,
        user,
        id.into_inner(),
        body.into_inner(),
        DecisionKind::ChangesRequested,
    )
    .await
}

/// The moderation history of an event, oldest first.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Decision>), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/events/{id}/decisions")]
async fn list_decisions(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<Decision>>, AppError> {
    let id = id.into_inner().to_string();
    let decisions = db::run(&state.pool, move |conn| {
        moderation::decisions(conn, &user, &id)
    })
    .await?;
    Ok(web::Json(decisions))
}

/// What changed in an event the association sent again after changes were asked for (or it
/// was rejected), while no decision has been taken since: the version sent back, the current
/// one, and the fields that differ. 404 when the event waits for no such decision.
#[utoipa::path(
    tag = "events",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Resubmission), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/events/{id}/resubmission")]
async fn get_resubmission(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Resubmission>, AppError> {
    let id = id.into_inner().to_string();
    let found = db::run(&state.pool, move |conn| {
        moderation::resubmission(conn, &user, &id)
    })
    .await?;
    found.map(web::Json).ok_or_else(|| {
        AppError::NotFound("the event was not sent again after changes were asked for".into())
    })
}
