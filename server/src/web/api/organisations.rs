//! Organisations: associations and city departments. Staff see and verify all of them; an
//! association member sees and edits only their own.

use actix_web::{HttpResponse, delete, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::accounts::{Organisation, OrganisationInput, OrganisationKind};
use civicast_shared::api::events::ReasonRequest;
use civicast_shared::api::{ErrorBody, Page, PageQuery};
use diesel::prelude::*;
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::Paging;
use crate::core::accounts;
use crate::core::accounts::find_organisation;
use crate::core::audit;
use crate::db::models::OrganisationRow;
use crate::db::schema::organisations;
use crate::db::{self, DbConnection};
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_organisations)
        .service(create_organisation)
        .service(get_organisation)
        .service(update_organisation)
        .service(delete_organisation)
        .service(verify_organisation)
        .service(refuse_organisation);
}

/// Finds an organisation the user may see; others' organisations look absent.
fn find_visible(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: Uuid,
) -> Result<OrganisationRow, AppError> {
    if !user.can_access_organisation(Some(id)) {
        return Err(AppError::NotFound(format!("no organisation with id {id}")));
    }
    find_organisation(conn, &id.to_string())
}

#[utoipa::path(
    tag = "organisations",
    params(PageQuery),
    responses((status = 200, body = Page<Organisation>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/organisations")]
async fn list_organisations(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Organisation>>, AppError> {
    let paging = Paging::from_query(query.into_inner())?;
    let page = db::run(&state.pool, move |conn| {
        let visible = || {
            let mut q = organisations::table.into_boxed();
            if !user.is_staff() {
                let own = user
                    .organisation_id
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                q = q.filter(organisations::id.eq(own));
            }
            q
        };
        let (rows, total) = crate::load_page!(
            conn,
            paging,
            visible,
            organisations::name.asc(),
            OrganisationRow
        );
        Ok(paging.page(rows, total))
    })
    .await?;
    Ok(web::Json(page))
}

/// Staff register an organisation. City departments are trusted at once; an association still
/// has to be verified (`POST /organisations/{id}/verify`) before it may submit events.
#[utoipa::path(
    tag = "organisations",
    request_body = OrganisationInput,
    responses(
        (status = 201, body = Organisation),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/organisations")]
async fn create_organisation(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<OrganisationInput>,
) -> Result<HttpResponse, AppError> {
    user.require_staff()?;
    let input = body.into_inner();
    input.validate()?;
    let organisation = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let verified = input.kind == OrganisationKind::CityDepartment;
            let row = accounts::insert_organisation(conn, &input, verified)?;
            audit::record(
                conn,
                &user,
                "organisation.create",
                "organisation",
                &row.id,
                json!({ "name": row.name }),
            )?;
            Ok(Organisation::from(row))
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(organisation))
}

#[utoipa::path(
    tag = "organisations",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Organisation), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/organisations/{id}")]
async fn get_organisation(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Organisation>, AppError> {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| find_visible(conn, &user, id)).await?;
    Ok(web::Json(row.into()))
}

/// Staff change any organisation; a member changes their own, but not its kind.
#[utoipa::path(
    tag = "organisations",
    params(("id" = Uuid, Path)),
    request_body = OrganisationInput,
    responses(
        (status = 200, body = Organisation),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/organisations/{id}")]
async fn update_organisation(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<OrganisationInput>,
) -> Result<web::Json<Organisation>, AppError> {
    let input = body.into_inner();
    input.validate()?;
    let id = id.into_inner();
    let organisation = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            let row = find_visible(conn, &user, id)?;
            let row = accounts::update_organisation(conn, &user, row, &input)?;
            Ok(Organisation::from(row))
        })
    })
    .await?;
    Ok(web::Json(organisation))
}

/// Removes an organisation with its members' accounts, its events (and the playlist items that
/// show them) and its library; refused while a slide or emergency message of the city uses one
/// of its files.
#[utoipa::path(
    tag = "organisations",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[delete("/organisations/{id}")]
async fn delete_organisation(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| accounts::delete_organisation(conn, &user, &id))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Staff confirm that an association is genuine; from then on it may submit events.
#[utoipa::path(
    tag = "organisations",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Organisation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/organisations/{id}/verify")]
async fn verify_organisation(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Organisation>, AppError> {
    let id = id.into_inner().to_string();
    let organisation = db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| accounts::verify_organisation(conn, &user, &id))
    })
    .await?;
    Ok(web::Json(organisation.into()))
}

/// Staff refuse an association's registration with a reason: its members are told by e-mail,
/// then the association and its accounts are removed. A verified association is not refused.
#[utoipa::path(
    tag = "organisations",
    params(("id" = Uuid, Path)),
    request_body = ReasonRequest,
    responses(
        (status = 204),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "the association is verified", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/organisations/{id}/refuse")]
async fn refuse_organisation(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: web::Json<ReasonRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let id = id.into_inner().to_string();
    db::run(&state.pool, move |conn| {
        crate::db::transaction(conn, |conn| {
            accounts::refuse_organisation(conn, &user, &id, &request.reason)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
