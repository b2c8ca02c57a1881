//! Extractors that authenticate a request from its `Authorization: Bearer` header: a user
//! ([`CurrentUser`], wrapping the [`Actor`] the rules take) or a screen ([`CurrentScreen`]).

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use uuid::Uuid;

use crate::core::accounts;
use crate::core::actor::Actor;
use crate::core::auth::token;
use crate::core::places::screens;
use crate::db;
use crate::error::AppError;
use crate::web::state::AppState;

/// The signed-in user of a request: an [`Actor`] taken from its bearer token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Actor);

impl std::ops::Deref for CurrentUser {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0
    }
}

/// The screen whose device token a request came with.
#[derive(Debug, Clone)]
pub struct CurrentScreen {
    pub id: Uuid,
}

fn bearer_token(req: &HttpRequest) -> Result<String, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            AppError::Unauthorized(
                "sign in first: send Authorization: Bearer <token> (from POST /api/v1/auth/token)"
                    .into(),
            )
        })?
        .to_str()
        .map_err(|_| {
            AppError::Unauthorized("the Authorization header is not readable text".into())
        })?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or_else(|| AppError::Unauthorized("use the form Authorization: Bearer <token>".into()))?
        .trim();
    if token.is_empty() || token.len() > 200 {
        return Err(AppError::Unauthorized(
            "the bearer token is malformed".into(),
        ));
    }
    Ok(token.to_owned())
}

/// The user a (bearer or session) token belongs to, unless it is unknown or expired.
pub async fn user_for_token(
    state: &AppState,
    token: &str,
) -> Result<Option<CurrentUser>, AppError> {
    let token_hash = token::hash(token);
    let found = db::run(&state.pool, move |conn| {
        accounts::actor_for_token_hash(conn, token_hash)
    })
    .await?;
    Ok(found.map(CurrentUser))
}

/// The caller's address, which the login throttle counts failures by.
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

pub(crate) fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("application state is missing")))
}

type ExtractFuture<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = ExtractFuture<CurrentUser>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = app_state(req);
        Box::pin(async move {
            let token = token?;
            if token.starts_with(token::SCREEN_PREFIX) {
                return Err(AppError::Forbidden(
                    "a screen token cannot be used for user routes".into(),
                ));
            }
            user_for_token(&*state?, &token).await?.ok_or_else(|| {
                AppError::Unauthorized("the token is unknown or has expired; sign in again".into())
            })
        })
    }
}

impl FromRequest for CurrentScreen {
    type Error = AppError;
    type Future = ExtractFuture<CurrentScreen>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = app_state(req);
        Box::pin(async move {
            let token = token?;
            if !token.starts_with(token::SCREEN_PREFIX) {
                return Err(AppError::Forbidden(
                    "this route is for screens: use the screen's device token".into(),
                ));
            }
            let token_hash = token::hash(&token);
            let state = state?;
            if let Some(id) = state.device_cache.screen_for(&token_hash) {
                return Ok(CurrentScreen { id });
            }
            let version = state.device_cache.version();
            let lookup_hash = token_hash.clone();
            let screen_id = db::run(&state.pool, move |conn| {
                screens::screen_for_token_hash(conn, &lookup_hash)
            })
            .await?
            .ok_or_else(|| {
                AppError::Unauthorized("the screen token is unknown or revoked".into())
            })?;
            let id = db::models::stored_id(&screen_id);
            state.device_cache.remember_screen(version, token_hash, id);
            Ok(CurrentScreen { id })
        })
    }
}
