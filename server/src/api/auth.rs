//! Signing in and out with bearer tokens.

use actix_web::{HttpResponse, get, post, web};
use chrono::Duration;
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::accounts::{TokenRequest, TokenResponse, User};
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{CurrentUser, password, token};
use crate::db::models::{AuthTokenRow, UserRow};
use crate::db::{self, schema::auth_tokens, schema::users};
use crate::error::AppError;
use crate::state::AppState;

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
    ),
)]
#[post("/auth/token")]
async fn create_token(
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> Result<web::Json<TokenResponse>, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let email = request.email.trim().to_lowercase();
    let token_days = state.settings.token_days;
    let pool = state.pool.clone();
    let found = db::run(&pool, move |conn| {
        users::table
            .filter(users::email.eq(&email))
            .select(UserRow::as_select())
            .first::<UserRow>(conn)
            .optional()
            .map_err(AppError::from)
    })
    .await?;
    // Password checks are slow on purpose: keep them off the async workers.
    let user = web::block(move || match found {
        Some(user) if password::verify(&request.password, &user.password_hash) => Some(user),
        Some(_) => None,
        None => {
            password::verify_against_dummy(&request.password);
            None
        }
    })
    .await?
    .ok_or_else(|| AppError::Unauthorized("wrong e-mail address or password".into()))?;

    let token = token::generate(token::USER_PREFIX);
    let now = db::now();
    let row = AuthTokenRow {
        token_hash: token::hash(&token),
        user_id: user.id.clone(),
        kind: "api".into(),
        created_at: now,
        expires_at: now + Duration::days(token_days),
    };
    let expires_at = row.expires_at.and_utc();
    db::run(&pool, move |conn| {
        diesel::insert_into(auth_tokens::table)
            .values(&row)
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(web::Json(TokenResponse {
        token,
        expires_at,
        user: User::from(user),
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
