//! Notifications: who is told what, and how. A change that concerns someone calls [`tell`] (or
//! [`tell_staff`], [`tell_members`], [`mail_to`]) inside its own transaction, which writes the
//! inbox row and, by the user's choice for that kind, an e-mail into the outbox: both commit or
//! neither. Nothing here talks to an SMTP server; `app/mail.rs` sends the outbox.
//!
//! A notice is stored as its facts ([`Notice`], JSON) and written out in the reader's language
//! when it is shown or sent (`messages.rs`), so the same notice reads the same in the inbox and
//! in the e-mail.

pub mod inbox;
pub mod messages;
pub mod outbox;
pub mod reminders;

use chrono::{DateTime, Utc};
use civicast_shared::api::accounts::{Language, Role};
use civicast_shared::api::notifications::{Delivery, NotificationKind, Preference};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{mail_outbox, notification_preferences, notifications, users};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// One event in a list of events a notice names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedEvent {
    pub event_id: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
}

/// The facts of one notification; `messages::render` writes them out in a language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    RegistrationReceived {
        organisation: String,
    },
    /// Someone registered an association with an address that already has an account.
    RegistrationForKnownAddress,
    OrganisationVerified {
        organisation: String,
    },
    OrganisationRefused {
        organisation: String,
        reason: String,
    },
    EventApproved {
        event_id: String,
        title: String,
        buildings: Vec<String>,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    EventRejected {
        event_id: String,
        title: String,
        reason: String,
    },
    ChangesRequested {
        event_id: String,
        title: String,
        reason: String,
    },
    EventOnScreens {
        event_id: String,
        title: String,
        building: String,
    },
    EventReach {
        event_id: String,
        title: String,
        /// `None` where the figure is under the reports' suppression threshold.
        plays: Option<i64>,
        screens: i64,
        audience: Option<i64>,
    },
    Submitted {
        event_id: String,
        title: String,
        organisation: String,
        starts_at: DateTime<Utc>,
        again: bool,
    },
    PendingSoon {
        events: Vec<NamedEvent>,
    },
    ScreenOffline {
        screen_id: String,
        screen: String,
        building: String,
        since: DateTime<Utc>,
    },
    ScreenBack {
        screen_id: String,
        screen: String,
        building: String,
        since: DateTime<Utc>,
    },
    Invitation {
        token: String,
        invited_by: String,
        expires_at: DateTime<Utc>,
    },
    PasswordReset {
        token: String,
        expires_at: DateTime<Utc>,
    },
    PasswordChanged,
    EmailChanged {
        new_email: String,
    },
    Test,
    Digest {
        items: Vec<Notice>,
    },
}

impl Notice {
    pub fn kind(&self) -> NotificationKind {
        match self {
            Notice::RegistrationReceived { .. } => NotificationKind::RegistrationReceived,
            Notice::OrganisationVerified { .. } | Notice::OrganisationRefused { .. } => {
                NotificationKind::OrganisationDecision
            }
            Notice::EventApproved { .. }
            | Notice::EventRejected { .. }
            | Notice::ChangesRequested { .. } => NotificationKind::EventDecision,
            Notice::EventOnScreens { .. } => NotificationKind::EventOnScreens,
            Notice::EventReach { .. } => NotificationKind::EventReach,
            Notice::Submitted { .. } => NotificationKind::Submission,
            Notice::PendingSoon { .. } => NotificationKind::PendingSoon,
            Notice::ScreenOffline { .. } | Notice::ScreenBack { .. } => {
                NotificationKind::ScreenOffline
            }
            Notice::RegistrationForKnownAddress
            | Notice::Invitation { .. }
            | Notice::PasswordReset { .. }
            | Notice::PasswordChanged
            | Notice::EmailChanged { .. } => NotificationKind::Account,
            Notice::Test => NotificationKind::Test,
            Notice::Digest { .. } => NotificationKind::Digest,
        }
    }

    /// The portal page where the reader acts on the notice, as a path: the inbox, the e-mail's
    /// button and the digest all lead there.
    pub fn link(&self) -> String {
        match self {
            Notice::ChangesRequested { event_id, .. } => format!("/events/{event_id}/edit"),
            Notice::EventApproved { event_id, .. }
            | Notice::EventRejected { event_id, .. }
            | Notice::EventOnScreens { event_id, .. }
            | Notice::EventReach { event_id, .. }
            | Notice::Submitted { event_id, .. } => format!("/events/{event_id}"),
            Notice::PendingSoon { .. } => "/moderation".into(),
            Notice::ScreenOffline { .. } | Notice::ScreenBack { .. } => "/screens".into(),
            Notice::Invitation { token, .. } | Notice::PasswordReset { token, .. } => {
                format!("/password/{token}")
            }
            Notice::RegistrationForKnownAddress | Notice::PasswordChanged => {
                "/password/forgot".into()
            }
            Notice::RegistrationReceived { .. } | Notice::EmailChanged { .. } => "/login".into(),
            Notice::OrganisationVerified { .. } => "/events/new".into(),
            Notice::OrganisationRefused { .. } => "/register".into(),
            Notice::Test | Notice::Digest { .. } => "/inbox".into(),
        }
    }

    /// Whether the notice goes only by e-mail: it carries a secret link, or it is about the
    /// account itself, which its owner may not be able to sign in to.
    fn mail_only(&self) -> bool {
        matches!(
            self.kind(),
            NotificationKind::Account | NotificationKind::Test | NotificationKind::Digest
        )
    }

    /// The notice as stored, with any secret link token blanked (kept once an e-mail is sent).
    pub fn without_secrets(&self) -> Notice {
        match self {
            Notice::Invitation {
                invited_by,
                expires_at,
                ..
            } => Notice::Invitation {
                token: String::new(),
                invited_by: invited_by.clone(),
                expires_at: *expires_at,
            },
            Notice::PasswordReset { expires_at, .. } => Notice::PasswordReset {
                token: String::new(),
                expires_at: *expires_at,
            },
            other => other.clone(),
        }
    }
}

/// Who is told: enough of a user to write to them.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: String,
    pub email: String,
    pub language: Language,
    pub role: Role,
}

type RecipientColumns = (users::id, users::email, users::language, users::role);
const RECIPIENT_COLUMNS: RecipientColumns = (users::id, users::email, users::language, users::role);

fn recipients(rows: Vec<(String, String, String, String)>) -> Vec<Recipient> {
    rows.into_iter()
        .map(|(user_id, email, language, role)| Recipient {
            user_id,
            email,
            language: Language::parse(&language).unwrap_or_default(),
            role: Role::parse(&role).unwrap_or(Role::Association),
        })
        .collect()
}

pub fn recipient(conn: &mut DbConnection, user_id: &str) -> Result<Recipient, AppError> {
    let rows = users::table
        .filter(users::id.eq(user_id))
        .select(RECIPIENT_COLUMNS)
        .load(conn)?;
    recipients(rows)
        .pop()
        .ok_or_else(|| AppError::NotFound("no user with this id".into()))
}

/// Tells one user: into their inbox, and by e-mail at once or in the next digest as they chose.
pub fn tell(conn: &mut DbConnection, to: &Recipient, notice: &Notice) -> Result<(), AppError> {
    tell_each(conn, std::slice::from_ref(to), notice)
}

/// Tells each of `recipients`, their choices for this kind read in one query.
fn tell_each(
    conn: &mut DbConnection,
    recipients: &[Recipient],
    notice: &Notice,
) -> Result<(), AppError> {
    if notice.mail_only() {
        for to in recipients {
            mail_to(conn, &to.email, to.language, Some(&to.user_id), notice)?;
        }
        return Ok(());
    }
    let kind = notice.kind();
    let ids: Vec<&str> = recipients.iter().map(|to| to.user_id.as_str()).collect();
    let chosen: Vec<(String, String)> = notification_preferences::table
        .filter(notification_preferences::kind.eq(kind.as_str()))
        .filter(notification_preferences::user_id.eq_any(&ids))
        .select((
            notification_preferences::user_id,
            notification_preferences::delivery,
        ))
        .load(conn)?;
    let stored = to_json(notice);
    for to in recipients {
        let delivery = chosen
            .iter()
            .find(|(user_id, _)| *user_id == to.user_id)
            .and_then(|(_, delivery)| Delivery::parse(delivery))
            .unwrap_or_else(|| kind.default_delivery());
        diesel::insert_into(notifications::table)
            .values((
                notifications::id.eq(db::new_id()),
                notifications::user_id.eq(&to.user_id),
                notifications::kind.eq(kind.as_str()),
                notifications::notice.eq(&stored),
                notifications::created_at.eq(db::now()),
                notifications::digest.eq(if delivery == Delivery::Digest {
                    "pending"
                } else {
                    "none"
                }),
            ))
            .execute(conn)?;
        if delivery == Delivery::Immediately {
            mail_to(conn, &to.email, to.language, Some(&to.user_id), notice)?;
        }
    }
    Ok(())
}

/// Tells every administrator and communications staff member.
pub fn tell_staff(conn: &mut DbConnection, notice: &Notice) -> Result<(), AppError> {
    let rows = users::table
        .filter(users::role.eq_any([Role::Admin.as_str(), Role::Staff.as_str()]))
        .select(RECIPIENT_COLUMNS)
        .load(conn)?;
    tell_each(conn, &recipients(rows), notice)
}

/// Tells every member of an organisation.
pub fn tell_members(
    conn: &mut DbConnection,
    organisation_id: &str,
    notice: &Notice,
) -> Result<(), AppError> {
    let rows = users::table
        .filter(users::organisation_id.eq(organisation_id))
        .select(RECIPIENT_COLUMNS)
        .load(conn)?;
    tell_each(conn, &recipients(rows), notice)
}

/// Puts an e-mail into the outbox, to be sent by the mail worker (also to an address that has no
/// account, or no longer has this one).
pub fn mail_to(
    conn: &mut DbConnection,
    address: &str,
    language: Language,
    user_id: Option<&str>,
    notice: &Notice,
) -> Result<(), AppError> {
    let now = db::now();
    diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::id.eq(db::new_id()),
            mail_outbox::recipient.eq(address),
            mail_outbox::user_id.eq(user_id),
            mail_outbox::kind.eq(notice.kind().as_str()),
            mail_outbox::language.eq(language.as_str()),
            mail_outbox::notice.eq(to_json(notice)),
            mail_outbox::status.eq(outbox::QUEUED),
            mail_outbox::attempts.eq(0),
            mail_outbox::next_attempt_at.eq(now),
            mail_outbox::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

fn to_json(notice: &Notice) -> String {
    serde_json::to_string(notice).expect("a notice serialises")
}

pub fn from_json(stored: &str) -> Option<Notice> {
    serde_json::from_str(stored).ok()
}

/// How `user_id` chose to be told of `kind`, or the kind's default.
pub fn delivery_for(
    conn: &mut DbConnection,
    user_id: &str,
    kind: NotificationKind,
) -> Result<Delivery, AppError> {
    let chosen: Option<String> = notification_preferences::table
        .find((user_id, kind.as_str()))
        .select(notification_preferences::delivery)
        .first(conn)
        .optional()?;
    Ok(chosen
        .and_then(|d| Delivery::parse(&d))
        .unwrap_or_else(|| kind.default_delivery()))
}

/// A user's choice for each kind they receive.
pub fn preferences(
    conn: &mut DbConnection,
    user_id: &str,
    role: Role,
) -> Result<Vec<Preference>, AppError> {
    NotificationKind::choosable_by(role)
        .iter()
        .map(|&kind| {
            Ok(Preference {
                kind,
                delivery: delivery_for(conn, user_id, kind)?,
            })
        })
        .collect()
}

/// Stores a user's choices; a kind their role does not receive is refused, naming it.
pub fn set_preferences(
    conn: &mut DbConnection,
    user_id: &str,
    role: Role,
    chosen: &[Preference],
) -> Result<Vec<Preference>, AppError> {
    let allowed = NotificationKind::choosable_by(role);
    for preference in chosen {
        if !allowed.contains(&preference.kind) {
            return Err(AppError::invalid(
                "preferences",
                format!(
                    "{} is not a kind of notification you receive",
                    preference.kind.as_str()
                ),
            ));
        }
    }
    db::transaction(conn, |conn| {
        for preference in chosen {
            diesel::delete(
                notification_preferences::table.find((user_id, preference.kind.as_str())),
            )
            .execute(conn)?;
            diesel::insert_into(notification_preferences::table)
                .values((
                    notification_preferences::user_id.eq(user_id),
                    notification_preferences::kind.eq(preference.kind.as_str()),
                    notification_preferences::delivery.eq(preference.delivery.as_str()),
                ))
                .execute(conn)?;
        }
        preferences(conn, user_id, role)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_survives_storage_and_loses_its_secret_link_once_sent() {
        let notice = Notice::PasswordReset {
            token: "secret".into(),
            expires_at: Utc::now(),
        };
        let stored = to_json(&notice);
        assert_eq!(from_json(&stored), Some(notice.clone()));
        assert!(!to_json(&notice.without_secrets()).contains("secret"));
        assert_eq!(notice.kind(), NotificationKind::Account);
        assert!(notice.mail_only());
    }
}
