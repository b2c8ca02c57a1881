//! Reading the audit log (staff only).

use actix_web::{get, web};
use civicast_shared::api::audit::{AuditEntry, AuditQuery};
use civicast_shared::api::{ErrorBody, Page};
use utoipa_actix_web::service_config::ServiceConfig;

use super::Paging;
use crate::core::audit::{self, AuditFilter};
use crate::db;
use crate::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

/// Newest first, optionally narrowed to one record or one kind of action.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/audit")]
async fn list_audit(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>, AppError> {
    user.require_staff()?;
    let query = query.into_inner();
    let paging = Paging::from_parts(query.page, query.per_page)?;
    let filter = AuditFilter {
        entity_id: query.entity_id,
        action_prefix: query.action,
        words: String::new(),
    };
    let (rows, total) =
        db::run(&state.pool, move |conn| audit::page(conn, &filter, paging)).await?;
    let page = paging.page(rows, total);
    Ok(web::Json(page))
}
