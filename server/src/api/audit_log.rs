//! Reading the audit log (staff only).

use actix_web::{get, web};
use civicast_shared::api::audit::{AuditEntry, AuditQuery};
use civicast_shared::api::{ErrorBody, Page};
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;

use super::Paging;
use crate::auth::CurrentUser;
use crate::db::models::AuditRow;
use crate::db::{self, schema::audit_log};
use crate::error::AppError;
use crate::state::AppState;

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
    let page = db::run(&state.pool, move |conn| {
        let filtered = || {
            let mut q = audit_log::table.into_boxed();
            if let Some(entity_id) = &query.entity_id {
                q = q.filter(audit_log::entity_id.eq(entity_id.clone()));
            }
            if let Some(action) = &query.action {
                q = q
                    .filter(audit_log::action.like(format!("{}%", action.replace(['%', '_'], ""))));
            }
            q
        };
        let total = filtered().count().get_result::<i64>(conn)?;
        let rows = filtered()
            .order(audit_log::id.desc())
            .limit(paging.limit())
            .offset(paging.offset())
            .select(AuditRow::as_select())
            .load::<AuditRow>(conn)?;
        Ok(paging.page(rows, total))
    })
    .await?;
    Ok(web::Json(page))
}
