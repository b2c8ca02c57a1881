//! Extractors that authenticate a request from its `Authorization: Bearer` header.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use civicast_shared::api::accounts::Role;
use diesel::prelude::*;
use uuid::Uuid;

use super::token;
use crate::db::{self, models::UserRow, schema};
use crate::device_cache::LAST_SEEN_RESOLUTION;
use crate::error::AppError;
use crate::state::AppState;

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    /// Hash of the token this request came with, so that logout revokes exactly it.
    pub token_hash: String,
}

impl CurrentUser {
    /// Admins and communications staff see and moderate everything.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Staff)
    }

    pub fn require_staff(&self) -> Result<(), AppError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden("only city staff may do this".into()))
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only administrators may do this".into(),
            ))
        }
    }

    /// Whether the user may see data that belongs to `organisation_id`.
    pub fn can_access_organisation(&self, organisation_id: Option<Uuid>) -> bool {
        self.is_staff() || (organisation_id.is_some() && organisation_id == self.organisation_id)
    }

    /// The label the audit log keeps for this user.
    pub fn audit_label(&self) -> String {
        self.email.clone()
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
    let lookup_hash = token_hash.clone();
    let found = db::run(&state.pool, move |conn| {
        use schema::{auth_tokens, users};
        auth_tokens::table
            .inner_join(users::table)
            .filter(auth_tokens::token_hash.eq(&lookup_hash))
            .filter(auth_tokens::expires_at.gt(db::now()))
            .select(UserRow::as_select())
            .first::<UserRow>(conn)
            .optional()
            .map_err(AppError::from)
    })
    .await?;
    Ok(found.map(|user| CurrentUser {
        id: db::models::stored_id(&user.id),
        role: user.role(),
        organisation_id: db::models::stored_opt_id(user.organisation_id.as_deref()),
        email: user.email,
        token_hash,
    }))
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
                use schema::screens;
                let found = screens::table
                    .filter(screens::token_hash.eq(&lookup_hash))
                    .select((screens::id, screens::last_seen_at))
                    .first::<(String, Option<chrono::NaiveDateTime>)>(conn)
                    .optional()?;
                let Some((id, last_seen)) = found else {
                    return Ok(None);
                };
                let now = db::now();
                if last_seen.is_none_or(|seen| {
                    (now - seen).to_std().unwrap_or_default() >= LAST_SEEN_RESOLUTION
                }) {
                    diesel::update(screens::table.find(&id))
                        .set(screens::last_seen_at.eq(now))
                        .execute(conn)?;
                }
                Ok(Some(id))
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
