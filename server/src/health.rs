//! `GET /healthz`: 200 once the database answers, 503 while it does not.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use civicast_shared::api::Health;
use diesel::connection::SimpleConnection;

use crate::state::AppState;

#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)),
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let database = web::block(move || -> Result<(), String> {
        let mut conn = pool
            .get_timeout(Duration::from_secs(2))
            .map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|result| result);
    let healthy = database.is_ok();
    let body = Health {
        status: if healthy { "ok" } else { "unavailable" }.into(),
        database: database.err().unwrap_or_else(|| "ok".into()),
        backend: state.backend.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
