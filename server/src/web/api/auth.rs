//! Signing in and out with bearer tokens; choosing a password from an invitation or reset link,
//! and changing one's own.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use civicast_shared::Validate;
use civicast_shared::api::ErrorBody;
use civicast_shared::api::accounts::{
    PasswordChange, PasswordResetRequest, PasswordSet, TokenRequest, TokenResponse, User,
};
use diesel::prelude::*;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::core::accounts;
use crate::core::auth::{password, password_links, sign_in};
use crate::db::models::UserRow;
use crate::db::{self, schema::auth_tokens, schema::users};
use crate::error::AppError;
use crate::web::extract::{CurrentUser, client_address};
use crate::web::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_token)
        .service(logout)
        .service(me)
        .service(request_password_reset)
        .service(set_password)
        .service(change_password);
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

/// Asks for an e-mail with a link to choose a new password. The answer is the same whether or not
/// the address has an account, and at most one link is sent every two minutes.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202), (status = 422, body = ErrorBody)),
)]
#[post("/auth/password-reset")]
async fn request_password_reset(
    state: web::Data<AppState>,
    body: web::Json<PasswordResetRequest>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    db::run(&state.pool, move |conn| {
        password_links::request_reset(conn, &request.email, chrono::Utc::now())
    })
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Sets a password with the token of an invitation or reset link; the link works once.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordSet,
    responses(
        (status = 204),
        (status = 422, description = "the link was used or expired, or the password is too short", body = ErrorBody),
    ),
)]
#[post("/auth/password")]
async fn set_password(
    state: web::Data<AppState>,
    body: web::Json<PasswordSet>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    let plain = request.password.clone();
    let hash = web::block(move || password::hash(&plain)).await??;
    db::run(&state.pool, move |conn| {
        password_links::redeem(conn, &request.token, hash, chrono::Utc::now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the signed-in user's password: the current one first. Other sessions end, and the
/// user is told by e-mail.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordChange,
    responses(
        (status = 204),
        (status = 401, body = ErrorBody),
        (status = 422, description = "the current password is wrong, or the new one too short", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[put("/auth/password")]
async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let request = body.into_inner();
    request.validate()?;
    change_own_password(&state, user.0.clone(), request).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Checks the current password (off the connection, as argon2 takes its time) and stores the new
/// one; shared by the API and the portal's account page.
pub(crate) async fn change_own_password(
    state: &AppState,
    user: crate::core::actor::Actor,
    request: PasswordChange,
) -> Result<(), AppError> {
    request.validate()?;
    let id = user.id.to_string();
    let stored = db::run(&state.pool, move |conn| {
        accounts::password_hash_of(conn, &id)
    })
    .await?;
    let current = request.current_password.clone();
    let new = request.new_password.clone();
    let new_hash = web::block(move || {
        if password::verify(&current, &stored) {
            password::hash(&new).map(Some)
        } else {
            Ok(None)
        }
    })
    .await??
    .ok_or_else(|| AppError::invalid("current_password", "is not your current password"))?;
    db::run(&state.pool, move |conn| {
        db::transaction(conn, |conn| {
            accounts::change_own_password(conn, &user, new_hash)
        })
    })
    .await
}
