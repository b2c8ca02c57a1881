//! Signing in with an e-mail address and password, for an API token or a portal session.

use actix_web::web;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use std::time::Instant;

use super::{password, token};
use crate::db::models::{AuthTokenRow, UserRow};
use crate::db::{self, schema::auth_tokens, schema::users};
use crate::error::AppError;
use crate::state::AppState;

/// A new token and whom it signs in.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserRow,
}

/// The caller's address, which the throttle counts failures by.
pub fn client_address(req: &actix_web::HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// Checks the password and issues a token of `kind` (`api` or `web`) valid for `days`.
/// `client` is the caller's address, for the throttle.
pub async fn sign_in(
    state: &AppState,
    client: &str,
    email: &str,
    password: String,
    kind: &'static str,
    days: i64,
) -> Result<SignedIn, AppError> {
    let email = email.trim().to_lowercase();
    let throttle = state.login_throttle.clone();
    if !throttle.allows(client, &email, Instant::now()) {
        return Err(AppError::TooManyRequests(
            "too many failed sign-ins; wait a quarter of an hour and try again".into(),
        ));
    }
    let pool = state.pool.clone();
    let lookup = email.clone();
    let found = db::run(&pool, move |conn| {
        users::table
            .filter(users::email.eq(&lookup))
            .select(UserRow::as_select())
            .first::<UserRow>(conn)
            .optional()
            .map_err(AppError::from)
    })
    .await?;
    // Password checks are slow on purpose: keep them off the async workers.
    let user = web::block(move || match found {
        Some(user) if password::verify(&password, &user.password_hash) => Some(user),
        Some(_) => None,
        None => {
            password::verify_against_dummy(&password);
            None
        }
    })
    .await?;
    let Some(user) = user else {
        throttle.record_failure(client, &email, Instant::now());
        return Err(AppError::Unauthorized(
            "wrong e-mail address or password".into(),
        ));
    };
    throttle.record_success(&email);
    let token = token::generate(token::USER_PREFIX);
    let now = db::now();
    let row = AuthTokenRow {
        token_hash: token::hash(&token),
        user_id: user.id.clone(),
        kind: kind.into(),
        created_at: now,
        expires_at: now + Duration::days(days),
    };
    let expires_at = row.expires_at.and_utc();
    db::run(&pool, move |conn| {
        diesel::insert_into(auth_tokens::table)
            .values(&row)
            .execute(conn)?;
        Ok(())
    })
    .await?;
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}
