//! Kiosk sessions, uploaded with proof of play: each checked on its own (a bad one is refused
//! with its reason, the others kept), put on the server's clock with the player's offset,
//! placed in the building's daypart and kind of day like a play, and stored once by its id.
//! Nothing in a session says who the visitor was: only what was opened, and for how long.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use civicast_shared::api::kiosk::KioskSession;
use civicast_shared::api::places::ScreenKind;
use civicast_shared::api::plays::{MAX_CLOCK_OFFSET, MAX_FUTURE, MAX_LATE, RefusedPlay};
use diesel::prelude::*;

use super::enrich::ScreenContext;
use crate::db::models::to_json;
use crate::db::schema::{kiosk_sessions, screens};
use crate::db::{DbConnection, to_db_time};
use crate::error::AppError;
use crate::on_backend;

/// The most sessions one batch may carry: a busy kiosk's day, many times over.
pub const MAX_BATCH_SESSIONS: usize = 1000;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = kiosk_sessions)]
struct SessionRow {
    id: String,
    screen_id: String,
    building_id: String,
    started_at: NaiveDateTime,
    ended_at: NaiveDateTime,
    clock_offset_ms: i64,
    duration_ms: i64,
    language: String,
    pages: String,
    events_viewed: String,
    qr_shown: i32,
    searches: i32,
    daypart: String,
    day_type: String,
    received_at: NaiveDateTime,
}

/// A batch's sessions checked and placed, nothing written yet.
#[derive(Debug, Default)]
pub struct PreparedSessions {
    rows: Vec<SessionRow>,
    refused: Vec<RefusedPlay>,
    /// Sessions that repeat an id earlier in the same batch: settled, stored once.
    repeated: u32,
}

/// Why a session is refused for good, beyond [`KioskSession::refusal`]: another screen's, not
/// time-ordered, or at times the clock offset cannot explain (the limits of a play record).
fn refusal(session: &KioskSession, screen_id: uuid::Uuid, now: DateTime<Utc>) -> Option<String> {
    if session.screen_id != screen_id {
        return Some("screen_id is not the screen whose token sent the batch".into());
    }
    if session.id.get_version_num() != 7 {
        return Some("id must be a UUID v7".into());
    }
    if session.clock_offset_ms.unsigned_abs() > MAX_CLOCK_OFFSET.num_milliseconds().unsigned_abs() {
        return Some("clock_offset_ms is implausible (more than ten years)".into());
    }
    let reach = MAX_CLOCK_OFFSET + MAX_LATE;
    for (field, time) in [
        ("started_at", session.started_at),
        ("ended_at", session.ended_at),
    ] {
        if time.signed_duration_since(now).abs() > reach {
            return Some(format!(
                "{field} {time} is implausible: more than ten years from the server's clock"
            ));
        }
    }
    if let Some(reason) = session.refusal() {
        return Some(reason);
    }
    let (started, ended) = session.corrected_times();
    if started < now - MAX_LATE {
        return Some(format!(
            "started more than {} days ago: too late to count",
            MAX_LATE.num_days()
        ));
    }
    if ended > now + MAX_FUTURE {
        return Some("ends in the future, even after the clock offset".into());
    }
    None
}

/// Checks a batch's sessions from the screen of `context` and builds the rows to store. A
/// screen that is not a kiosk has no visitors to count: its sessions are all refused.
pub fn prepare(
    conn: &mut DbConnection,
    context: &ScreenContext,
    sessions: Vec<KioskSession>,
    now: DateTime<Utc>,
) -> Result<PreparedSessions, AppError> {
    if sessions.is_empty() {
        return Ok(PreparedSessions::default());
    }
    if sessions.len() > MAX_BATCH_SESSIONS {
        return Err(AppError::invalid(
            "kiosk_sessions",
            format!(
                "a batch holds at most {MAX_BATCH_SESSIONS} kiosk sessions (this one has {})",
                sessions.len()
            ),
        ));
    }
    let kind: String = screens::table
        .find(&context.screen_id)
        .select(screens::kind)
        .first(conn)?;
    let is_kiosk = ScreenKind::parse(&kind) == Some(ScreenKind::Kiosk);
    let screen_uuid = crate::db::models::stored_id(&context.screen_id);
    let received_at = to_db_time(now);
    let mut prepared = PreparedSessions::default();
    let mut seen = HashSet::with_capacity(sessions.len());
    for (index, session) in sessions.into_iter().enumerate() {
        let reason = if is_kiosk {
            refusal(&session, screen_uuid, now)
        } else {
            Some(format!(
                "this screen is a {kind}, not a kiosk: it has no visitor sessions"
            ))
        };
        if let Some(reason) = reason {
            prepared.refused.push(RefusedPlay {
                index,
                id: session.id,
                reason,
            });
            continue;
        }
        if !seen.insert(session.id) {
            prepared.repeated += 1;
            continue;
        }
        let (started, ended) = session.corrected_times();
        let placement = context.place(started, 0);
        let mut events_viewed = Vec::with_capacity(session.events_viewed.len());
        for event in &session.events_viewed {
            if !events_viewed.contains(event) {
                events_viewed.push(*event);
            }
        }
        prepared.rows.push(SessionRow {
            id: session.id.to_string(),
            screen_id: context.screen_id.clone(),
            building_id: context.building_id.clone(),
            started_at: to_db_time(started),
            ended_at: to_db_time(ended),
            clock_offset_ms: session.clock_offset_ms,
            duration_ms: (ended - started).num_milliseconds(),
            language: session.language.as_str().to_owned(),
            pages: to_json(&session.pages),
            events_viewed: to_json(&events_viewed),
            qr_shown: i32::try_from(session.qr_shown).unwrap_or(i32::MAX),
            searches: i32::try_from(session.searches).unwrap_or(i32::MAX),
            daypart: placement.daypart,
            day_type: placement.day_type.as_str().to_owned(),
            received_at,
        });
    }
    Ok(prepared)
}

impl PreparedSessions {
    /// Stores the sessions not stored before, in one transaction that commits before this
    /// returns. Returns how many sessions are settled (new, or stored before) and the refused.
    pub fn store(self, conn: &mut DbConnection) -> Result<(u32, Vec<RefusedPlay>), AppError> {
        let Self {
            rows,
            refused,
            repeated,
        } = self;
        if !rows.is_empty() {
            crate::db::transaction(conn, |conn| {
                for row in &rows {
                    on_backend!(conn, |c| diesel::insert_into(kiosk_sessions::table)
                        .values(row)
                        .on_conflict_do_nothing()
                        .execute(c))?;
                }
                Ok::<_, AppError>(())
            })?;
        }
        let settled = u32::try_from(rows.len()).unwrap_or(u32::MAX) + repeated;
        Ok((settled, refused))
    }
}
