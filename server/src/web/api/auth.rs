//! Signing in and out with bearer tokens.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::accounts::{TokenRequest, TokenResponse, User};
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::core::auth::sign_in;
use crate::db::models::UserRow;
use crate::db::{self, schema::auth_tokens, schema::users};
use crate::error::AppError;
use crate::web::extract::{CurrentUser, client_address};
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_token).service(logout).service(me);
}

/// Exchanges an e-mail address and password for a bearer token.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "wrong e-mail address or password", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "too many failed sign-ins", body = ErrorBody),
    ),
)]
#[post("/auth/token")]
async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<web::Json<TokenResponse>, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let client = client_address(&req);
    let days = state.settings.token_days;
    let signed_in = sign_in(
        &state.pool,
        &state.login_throttle,
        &client,
        &request.email,
        request.password,
        "api",
        days,
    )
    .await?;
    Ok(web::Json(TokenResponse {
        token: signed_in.token,
        expires_at: signed_in.expires_at,
        user: User::from(signed_in.user),
    }))
}

/// Revokes the token this request was made with.
#[utoipa::path(
    tag = "auth",
    responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    db::run(&state.pool, move |conn| {
        diesel::delete(auth_tokens::table.find(&user.token_hash)).execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)),
    security(("bearer" = [])),
)]
#[get("/auth/me")]
async fn me(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<User>, AppError> {
    let id = user.id.to_string();
    let row = db::run(&state.pool, move |conn| {
        Ok(users::table
            .find(&id)
            .select(UserRow::as_select())
            .first::<UserRow>(conn)?)
    })
    .await?;
    Ok(web::Json(row.into()))
}
