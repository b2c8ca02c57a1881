//! `GET /healthz` and `GET /readyz`: 200 once the database answers, 503 while it does not (a
//! load balancer sends no requests to an instance that is not ready).

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use civicast_shared::api::Health;
use diesel::connection::SimpleConnection;

use crate::web::state::AppState;

#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)),
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    database_health(&state).await
}

/// Ready to serve: the same check as `/healthz`, under the name orchestrators expect.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)),
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    database_health(&state).await
}

async fn database_health(state: &AppState) -> HttpResponse {
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use actix_web::{App, test, web};

    use crate::core::media::MediaStore;
    use crate::db::{ConnectionManager, DatabaseUrl};
    use crate::settings::Settings;
    use crate::web::state::AppState;

    #[actix_web::test]
    async fn healthz_answers_503_while_the_database_is_unreachable() {
        let data_dir = tempfile::tempdir().unwrap();
        // Nothing listens on port 1: every connection attempt is refused.
        let url = DatabaseUrl::Postgres("postgres://civicast@127.0.0.1:1/civicast".into());
        let pool = r2d2::Pool::builder()
            .min_idle(Some(0))
            .connection_timeout(Duration::from_millis(500))
            .build_unchecked(ConnectionManager::new(url));
        let state = AppState {
            pool,
            backend: "postgresql",
            media: MediaStore::open(data_dir.path(), 1 << 20, 1, 64).unwrap(),
            settings: Arc::new(Settings::new("127.0.0.1:0", data_dir.path().to_path_buf())),
            sqlite_writer: Arc::default(),
            login_throttle: Arc::default(),
            metrics: Arc::default(),
            device_cache: Arc::default(),
            push: Default::default(),
        };
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(state))
                .service(super::healthz),
        )
        .await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
        assert_eq!(response.status(), 503);
        let body: serde_json::Value = test::read_body_json(response).await;
        assert_eq!(body["status"], "unavailable");
        assert_ne!(body["database"], "ok");
    }
}
