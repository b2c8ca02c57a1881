//! Links that set a password: the invitation an administrator's new user gets, and the reset
//! anyone can ask for. A link carries 256 random bits, is stored as their SHA-256, works once
//! and expires. Asking for a reset answers the same whether or not the address has an account.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::token;
use crate::core::notify::{self, Notice};
use crate::db::models::UserRow;
use crate::db::schema::{auth_tokens, password_links, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::Reset => "reset",
        }
    }

    /// How long a link works: a week to accept an invitation, an hour for a reset.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::Invitation => Duration::days(7),
            Purpose::Reset => Duration::hours(1),
        }
    }
}

/// The password hash of an account whose owner has not chosen a password yet: no password
/// verifies against it.
pub const NO_PASSWORD_YET: &str = "!invited";

/// Token prefix, so a link's token is never taken for a bearer token.
const PREFIX: &str = "cvp_";

/// One reset mail per address in this time, whatever is asked: the form cannot flood a mailbox.
const RESET_EVERY: Duration = Duration::minutes(2);

const LINK_NOT_VALID: &str =
    "this link is not valid any more: it was used already or it expired; ask for a new one";

/// Makes a link for `user_id`; answers the token, which only the e-mail carries.
pub fn create(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), AppError> {
    let token = token::generate(PREFIX);
    let expires_at = now + purpose.lifetime();
    diesel::insert_into(password_links::table)
        .values((
            password_links::token_hash.eq(token::hash(&token)),
            password_links::user_id.eq(user_id),
            password_links::purpose.eq(purpose.as_str()),
            password_links::created_at.eq(now.naive_utc()),
            password_links::expires_at.eq(expires_at.naive_utc()),
        ))
        .execute(conn)?;
    Ok((token, expires_at))
}

/// Invites a new user: a link to choose their password, by e-mail.
pub fn invite(
    conn: &mut DbConnection,
    user: &UserRow,
    invited_by: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (token, expires_at) = create(conn, &user.id, Purpose::Invitation, now)?;
    let to = notify::recipient(conn, &user.id)?;
    notify::tell(
        conn,
        &to,
        &Notice::Invitation {
            token,
            invited_by: invited_by.to_owned(),
            expires_at,
        },
    )
}

/// Sends a reset link to `email` when it has an account (and none was sent in the last two
/// minutes); otherwise does nothing. The caller answers the same in every case.
pub fn request_reset(
    conn: &mut DbConnection,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    db::transaction(conn, |conn| {
        let Some(user_id) = users::table
            .filter(users::email.eq(&email))
            .select(users::id)
            .first::<String>(conn)
            .optional()?
        else {
            return Ok(());
        };
        let recent = password_links::table
            .filter(password_links::user_id.eq(&user_id))
            .filter(password_links::purpose.eq(Purpose::Reset.as_str()))
            .filter(password_links::created_at.gt((now - RESET_EVERY).naive_utc()))
            .count()
            .get_result::<i64>(conn)?;
        if recent > 0 {
            return Ok(());
        }
        let (token, expires_at) = create(conn, &user_id, Purpose::Reset, now)?;
        let to = notify::recipient(conn, &user_id)?;
        notify::tell(conn, &to, &Notice::PasswordReset { token, expires_at })
    })
}

/// What a link is, before it is used: for the page that asks for the new password.
pub fn look_up(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(Purpose, String), AppError> {
    let row: Option<(
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = password_links::table
        .find(token::hash(token))
        .select((
            password_links::user_id,
            password_links::purpose,
            password_links::expires_at,
            password_links::used_at,
        ))
        .first(conn)
        .optional()?;
    match row {
        Some((user_id, purpose, expires_at, None)) if expires_at.and_utc() > now => {
            let email = users::table
                .find(&user_id)
                .select(users::email)
                .first::<String>(conn)?;
            let purpose = if purpose == Purpose::Invitation.as_str() {
                Purpose::Invitation
            } else {
                Purpose::Reset
            };
            Ok((purpose, email))
        }
        _ => Err(AppError::invalid("token", LINK_NOT_VALID)),
    }
}

/// Sets the password of the link's user (`password_hash` made beforehand, off the connection),
/// uses the link up, signs the user out everywhere and, after a reset, tells them.
pub fn redeem(
    conn: &mut DbConnection,
    token: &str,
    password_hash: String,
    now: DateTime<Utc>,
) -> Result<UserRow, AppError> {
    db::transaction(conn, |conn| {
        let (purpose, _) = look_up(conn, token, now)?;
        let used = diesel::update(
            password_links::table
                .find(token::hash(token))
                .filter(password_links::used_at.is_null()),
        )
        .set(password_links::used_at.eq(Some(now.naive_utc())))
        .execute(conn)?;
        if used != 1 {
            return Err(AppError::invalid("token", LINK_NOT_VALID));
        }
        let user_id: String = password_links::table
            .find(token::hash(token))
            .select(password_links::user_id)
            .first(conn)?;
        diesel::update(users::table.find(&user_id))
            .set((
                users::password_hash.eq(password_hash),
                users::updated_at.eq(db::now()),
            ))
            .execute(conn)?;
        diesel::delete(auth_tokens::table.filter(auth_tokens::user_id.eq(&user_id)))
            .execute(conn)?;
        // Other links of this user stop working too: the password they were for is chosen.
        diesel::update(
            password_links::table
                .filter(password_links::user_id.eq(&user_id))
                .filter(password_links::used_at.is_null()),
        )
        .set(password_links::used_at.eq(Some(now.naive_utc())))
        .execute(conn)?;
        crate::core::audit::record_as(
            conn,
            Some(user_id.clone()),
            "password link",
            match purpose {
                Purpose::Invitation => "user.accept_invitation",
                Purpose::Reset => "user.reset_password",
            },
            "user",
            &user_id,
            serde_json::json!({}),
        )?;
        if purpose == Purpose::Reset {
            let to = notify::recipient(conn, &user_id)?;
            notify::tell(conn, &to, &Notice::PasswordChanged)?;
        }
        Ok(users::table
            .find(&user_id)
            .select(UserRow::as_select())
            .first(conn)?)
    })
}
