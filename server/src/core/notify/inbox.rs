//! The in-app inbox: a user's notifications, newest first, and marking them read.

use civicast_shared::api::notifications::NotificationKind;
use diesel::prelude::*;

use super::{Notice, from_json};
use crate::db::schema::notifications;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// One notification as stored, with its facts read back.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub kind: NotificationKind,
    pub notice: Notice,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn unread_count(conn: &mut DbConnection, user_id: &str) -> Result<i64, AppError> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The newest `limit` notifications of `user_id`.
pub fn list(conn: &mut DbConnection, user_id: &str, limit: i64) -> Result<Vec<Stored>, AppError> {
    type Row = (
        String,
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    );
    let rows: Vec<Row> = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .order(notifications::created_at.desc())
        .limit(limit)
        .select((
            notifications::id,
            notifications::kind,
            notifications::notice,
            notifications::created_at,
            notifications::read_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, kind, notice, created_at, read_at)| {
            Some(Stored {
                id,
                kind: NotificationKind::parse(&kind)?,
                notice: from_json(&notice)?,
                created_at: created_at.and_utc(),
                read_at: read_at.map(|r| r.and_utc()),
            })
        })
        .collect())
}

/// Marks one of the user's notifications read and answers it; another user's is a 404.
pub fn mark_read(conn: &mut DbConnection, user_id: &str, id: &str) -> Result<Stored, AppError> {
    let found = list_one(conn, user_id, id)?;
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(db::now())))
    .execute(conn)?;
    list_one(conn, user_id, id).or(Ok(found))
}

fn list_one(conn: &mut DbConnection, user_id: &str, id: &str) -> Result<Stored, AppError> {
    let row: Option<(
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user_id))
        .select((
            notifications::kind,
            notifications::notice,
            notifications::created_at,
            notifications::read_at,
        ))
        .first(conn)
        .optional()?;
    let not_found = || AppError::NotFound("no notification with this id".into());
    let (kind, notice, created_at, read_at) = row.ok_or_else(not_found)?;
    Ok(Stored {
        id: id.to_owned(),
        kind: NotificationKind::parse(&kind).ok_or_else(not_found)?,
        notice: from_json(&notice).ok_or_else(not_found)?,
        created_at: created_at.and_utc(),
        read_at: read_at.map(|r| r.and_utc()),
    })
}

/// Marks all of the user's notifications read; answers how many were unread.
pub fn mark_all_read(conn: &mut DbConnection, user_id: &str) -> Result<usize, AppError> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(Some(db::now())))
    .execute(conn)?)
}

/// What the portal's header shows: the user's unread notifications and, for staff, the events
/// waiting for a decision.
pub fn header_counts(
    conn: &mut DbConnection,
    user_id: &str,
    staff: bool,
) -> Result<(i64, i64), AppError> {
    use crate::db::schema::events;
    let unread = unread_count(conn, user_id)?;
    let pending = if staff {
        events::table
            .filter(events::status.eq(civicast_shared::api::events::EventStatus::Pending.as_str()))
            .count()
            .get_result(conn)?
    } else {
        0
    };
    Ok((unread, pending))
}
