//! The e-mail outbox, as the mail worker and administrators use it.
//!
//! A mail is claimed before it is sent: its row moves from `queued` to `sending` with this
//! worker's claim and a lease. Only one instance can claim a row (on PostgreSQL the candidates
//! are locked with `SKIP LOCKED`; on SQLite writers take turns), so each mail is handed to SMTP
//! by one worker. A worker that dies mid-send leaves its claim to run out; the mail is then
//! claimed again and sent again. That is the one way a mail can arrive twice: the SMTP server
//! accepted it, and the instance died before it wrote `sent`. Both copies carry the same
//! Message-ID, so mail clients show one.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use civicast_shared::api::accounts::Language;
use civicast_shared::api::notifications::{MailStatus, NotificationKind, Outbox, OutboxMail};
use diesel::prelude::*;

use super::{Notice, from_json};
use crate::db::models::stored_id;
use crate::db::schema::{mail_outbox, notifications, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;

pub const QUEUED: &str = "queued";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// A mail still queued this long after it was written is given up: what it says is stale (an
/// SMTP server configured days later should not send last week's notices).
const STALE_AFTER_DAYS: i64 = 3;

/// A mail a worker has claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub recipient: String,
    pub language: Language,
    pub notice: Notice,
    pub attempts: i32,
}

/// Claims up to `limit` mails that are due (queued and due, or claimed by a worker whose lease
/// ran out) for `lease`.
pub fn claim(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Claimed>, AppError> {
    let now_db = now.naive_utc();
    let claim_id = db::new_id();
    let due = || {
        mail_outbox::status
            .eq(QUEUED)
            .and(mail_outbox::next_attempt_at.le(now_db))
            .or(mail_outbox::status
                .eq(SENDING)
                .and(mail_outbox::claimed_until.lt(now_db)))
    };
    // An idle worker only reads: on SQLite a claim takes the write lock, which ingestion needs.
    let anything_due: bool =
        diesel::select(diesel::dsl::exists(mail_outbox::table.filter(due()))).get_result(conn)?;
    if !anything_due {
        return Ok(Vec::new());
    }
    db::transaction(conn, |conn| {
        let candidates = mail_outbox::table
            .filter(due())
            .order(mail_outbox::next_attempt_at.asc())
            .select(mail_outbox::id)
            .limit(limit);
        let ids: Vec<String> = match conn {
            DbConnection::Postgres(pg) => candidates.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(sqlite) => candidates.load(sqlite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let stale_before = (now - Duration::days(STALE_AFTER_DAYS)).naive_utc();
        diesel::update(
            mail_outbox::table
                .filter(mail_outbox::id.eq_any(&ids))
                .filter(mail_outbox::created_at.lt(stale_before)),
        )
        .set((
            mail_outbox::status.eq(FAILED),
            mail_outbox::last_error.eq(Some(format!(
                "not sent within {STALE_AFTER_DAYS} days of being written (no SMTP server was reachable or configured)"
            ))),
        ))
        .execute(conn)?;
        diesel::update(
            mail_outbox::table
                .filter(mail_outbox::id.eq_any(&ids))
                .filter(mail_outbox::created_at.ge(stale_before)),
        )
        .set((
            mail_outbox::status.eq(SENDING),
            mail_outbox::claim.eq(Some(&claim_id)),
            mail_outbox::claimed_until.eq(Some((now + lease).naive_utc())),
            mail_outbox::attempts.eq(mail_outbox::attempts + 1),
        ))
        .execute(conn)?;
        let rows: Vec<(String, String, String, String, i32)> = mail_outbox::table
            .filter(mail_outbox::claim.eq(&claim_id))
            .filter(mail_outbox::status.eq(SENDING))
            .select((
                mail_outbox::id,
                mail_outbox::recipient,
                mail_outbox::language,
                mail_outbox::notice,
                mail_outbox::attempts,
            ))
            .load(conn)?;
        let mut claimed = Vec::with_capacity(rows.len());
        for (id, recipient, language, notice, attempts) in rows {
            match from_json(&notice) {
                Some(notice) => claimed.push(Claimed {
                    id,
                    recipient,
                    language: Language::parse(&language).unwrap_or_default(),
                    notice,
                    attempts,
                }),
                None => {
                    diesel::update(mail_outbox::table.find(&id))
                        .set((
                            mail_outbox::status.eq(FAILED),
                            mail_outbox::last_error.eq(Some("the stored notice could not be read")),
                        ))
                        .execute(conn)?;
                }
            }
        }
        Ok(claimed)
    })
}

/// The SMTP server accepted the mail. A secret link in it is blanked from the stored copy.
pub fn mark_sent(conn: &mut DbConnection, mail: &Claimed) -> Result<(), AppError> {
    let stored =
        serde_json::to_string(&mail.notice.without_secrets()).expect("a notice serialises");
    diesel::update(mail_outbox::table.find(&mail.id))
        .set((
            mail_outbox::status.eq(SENT),
            mail_outbox::sent_at.eq(Some(db::now())),
            mail_outbox::notice.eq(stored),
            mail_outbox::claim.eq(None::<String>),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
            mail_outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// The SMTP server refused the mail for good (a 5xx answer): kept, with its answer, for admins.
pub fn mark_failed(conn: &mut DbConnection, id: &str, reason: &str) -> Result<(), AppError> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(FAILED),
            mail_outbox::last_error.eq(Some(reason)),
            mail_outbox::claim.eq(None::<String>),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// The SMTP server was unreachable or answered 4xx: the mail waits until `at`.
pub fn retry_at(
    conn: &mut DbConnection,
    id: &str,
    at: DateTime<Utc>,
    reason: &str,
) -> Result<(), AppError> {
    diesel::update(mail_outbox::table.find(id))
        .set((
            mail_outbox::status.eq(QUEUED),
            mail_outbox::next_attempt_at.eq(at.naive_utc()),
            mail_outbox::last_error.eq(Some(reason)),
            mail_outbox::claim.eq(None::<String>),
            mail_outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// How long a mail waits after its `attempts`-th failed try: 2, 4, 8 ... seconds, at most `cap`.
pub fn backoff(attempts: i32, cap: Duration) -> Duration {
    let exponent = attempts.clamp(1, 20) as u32;
    Duration::seconds(1i64 << exponent).min(cap)
}

/// The outbox for administrators: counts per status and the newest `limit` mails, each with the
/// subject it has in its reader's language.
pub fn overview(
    conn: &mut DbConnection,
    smtp_configured: bool,
    limit: i64,
    subject_of: impl Fn(&Notice, Language) -> String,
) -> Result<Outbox, AppError> {
    let counts: Vec<(String, i64)> = mail_outbox::table
        .group_by(mail_outbox::status)
        .select((mail_outbox::status, diesel::dsl::count_star()))
        .load(conn)?;
    let count = |status: &str| {
        counts
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    };
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        i32,
        NaiveDateTime,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = mail_outbox::table
        .order(mail_outbox::created_at.desc())
        .limit(limit)
        .select((
            mail_outbox::id,
            mail_outbox::recipient,
            mail_outbox::kind,
            mail_outbox::language,
            mail_outbox::notice,
            mail_outbox::status,
            mail_outbox::attempts,
            mail_outbox::next_attempt_at,
            mail_outbox::last_error,
            mail_outbox::created_at,
            mail_outbox::sent_at,
        ))
        .load(conn)?;
    let mails = rows
        .into_iter()
        .map(
            |(
                id,
                recipient,
                kind,
                language,
                notice,
                status,
                attempts,
                next,
                error,
                created,
                sent,
            )| {
                let language = Language::parse(&language).unwrap_or_default();
                OutboxMail {
                    id: stored_id(&id),
                    recipient,
                    kind: NotificationKind::parse(&kind).unwrap_or(NotificationKind::Test),
                    subject: from_json(&notice)
                        .map(|n| subject_of(&n, language))
                        .unwrap_or_default(),
                    status: MailStatus::parse(&status).unwrap_or(MailStatus::Failed),
                    attempts,
                    next_attempt_at: next.and_utc(),
                    last_error: error,
                    created_at: created.and_utc(),
                    sent_at: sent.map(|s| s.and_utc()),
                }
            },
        )
        .collect();
    Ok(Outbox {
        smtp_configured,
        queued: count(QUEUED),
        sending: count(SENDING),
        sent: count(SENT),
        failed: count(FAILED),
        mails,
    })
}

/// The digests: for each user with notifications waiting for one, a single mail listing them.
/// Returns how many digests were queued.
pub fn queue_digests(conn: &mut DbConnection) -> Result<usize, AppError> {
    db::transaction(conn, |conn| {
        let waiting: Vec<(String, String, String, String)> = notifications::table
            .inner_join(users::table)
            .filter(notifications::digest.eq("pending"))
            .order((notifications::user_id, notifications::created_at))
            .select((
                notifications::user_id,
                users::email,
                users::language,
                notifications::notice,
            ))
            .load(conn)?;
        let mut digests: Vec<(String, String, String, Vec<Notice>)> = Vec::new();
        for (user_id, email, language, notice) in waiting {
            let Some(notice) = from_json(&notice) else {
                continue;
            };
            match digests.last_mut() {
                Some(last) if last.0 == user_id => last.3.push(notice),
                _ => digests.push((user_id, email, language, vec![notice])),
            }
        }
        for (user_id, email, language, items) in &digests {
            super::mail_to(
                conn,
                email,
                Language::parse(language).unwrap_or_default(),
                Some(user_id),
                &Notice::Digest {
                    items: items.clone(),
                },
            )?;
        }
        diesel::update(notifications::table.filter(notifications::digest.eq("pending")))
            .set(notifications::digest.eq("digested"))
            .execute(conn)?;
        Ok(digests.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_the_cap() {
        let cap = Duration::minutes(30);
        assert_eq!(backoff(1, cap), Duration::seconds(2));
        assert_eq!(backoff(3, cap), Duration::seconds(8));
        assert_eq!(backoff(15, cap), cap);
        assert_eq!(backoff(1, Duration::seconds(1)), Duration::seconds(1));
    }
}
