//! Signing in with an e-mail address and password, for an API token or a portal session.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use std::time::Instant;

use super::LoginThrottle;
use super::{password, token};
use crate::db::DbPool;
use crate::db::models::{AuthTokenRow, UserRow};
use crate::db::{self, schema::auth_tokens, schema::users};
use crate::error::AppError;

/// A new token and whom it signs in.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserRow,
}

/// Checks the password and issues a token of `kind` (`api` or `web`) valid for `days`.
/// `client` is the caller's address, for the throttle, which counts the attempt as a failure
/// until the password proved right.
pub async fn sign_in(
    pool: &DbPool,
    throttle: &LoginThrottle,
    client: &str,
    email: &str,
    password: String,
    kind: &'static str,
    days: i64,
) -> Result<SignedIn, AppError> {
    let email = email.trim().to_lowercase();
    let attempt = throttle
        .begin(client, &email, Instant::now())
        .map_err(|wait| {
            AppError::TooManyRequests(format!(
                "too many failed sign-ins; try again in {}",
                super::throttle::minutes(wait)
            ))
        })?;
    if !attempt.delay.is_zero() {
        tokio::time::sleep(attempt.delay).await;
    }
    let lookup = email.clone();
    let found = db::run(pool, move |conn| {
        users::table
            .filter(users::email.eq(&lookup))
            // A disabled account is refused as an unknown one is, after the same work.
            .filter(users::disabled_at.is_null())
            .select(UserRow::as_select())
            .first::<UserRow>(conn)
            .optional()
            .map_err(AppError::from)
    })
    .await?;
    // Password checks are slow on purpose: keep them off the async workers.
    let user = tokio::task::spawn_blocking(move || match found {
        Some(user) if password::verify(&password, &user.password_hash) => Some(user),
        Some(_) => None,
        None => {
            password::verify_against_dummy(&password);
            None
        }
    })
    .await?;
    let Some(user) = user else {
        return Err(AppError::Unauthorized(
            "wrong e-mail address or password".into(),
        ));
    };
    throttle.succeeded(&attempt);
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
    db::run(pool, move |conn| {
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
