//! Notifications: the in-app inbox, each user's choices of how they are told, and the outbox of
//! e-mails as administrators see it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::accounts::Role;

crate::wire_enum! {
    /// What a notification is about.
    NotificationKind {
        /// An association's registration arrived (sent to its contact person).
        RegistrationReceived = "registration_received",
        /// Staff verified or refused an association.
        OrganisationDecision = "organisation_decision",
        /// Staff approved an event, rejected it or asked for changes.
        EventDecision = "event_decision",
        /// An approved event was played on a screen for the first time.
        EventOnScreens = "event_on_screens",
        /// An event is over: how many plays, screens and people it reached.
        EventReach = "event_reach",
        /// An event was submitted or submitted again (to staff).
        Submission = "submission",
        /// Events that start within 7 days and still wait for a decision (to staff, daily).
        PendingSoon = "pending_soon",
        /// A screen went silent in its building's opening hours, or came back (to staff).
        ScreenOffline = "screen_offline",
        /// An invitation, a password reset, a changed password or e-mail address: always sent
        /// at once, by e-mail only.
        Account = "account",
        /// A test message an administrator sent.
        Test = "test",
        /// The daily digest of notifications a user chose to receive that way.
        Digest = "digest",
    }
}

crate::wire_enum! {
    /// How a user is told of one kind of notification; the inbox always has it.
    Delivery {
        /// An e-mail at once.
        Immediately = "immediately",
        /// In the daily digest e-mail.
        Digest = "digest",
        /// Only in the portal's inbox.
        InApp = "in_app",
    }
}

impl NotificationKind {
    /// The kinds a user with `role` receives and may choose the delivery of, in the order the
    /// preferences page lists them.
    pub fn choosable_by(role: Role) -> &'static [NotificationKind] {
        match role {
            Role::Association => &[
                NotificationKind::OrganisationDecision,
                NotificationKind::EventDecision,
                NotificationKind::EventOnScreens,
                NotificationKind::EventReach,
            ],
            Role::Staff | Role::Admin => &[
                NotificationKind::Submission,
                NotificationKind::PendingSoon,
                NotificationKind::ScreenOffline,
            ],
        }
    }

    /// How this kind is delivered until the user chooses: screen alerts stay in the portal
    /// unless a staff member asks for e-mail; everything else is mailed at once.
    pub fn default_delivery(self) -> Delivery {
        match self {
            NotificationKind::ScreenOffline => Delivery::InApp,
            _ => Delivery::Immediately,
        }
    }
}

/// One notification in a user's inbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: Uuid,
    pub kind: NotificationKind,
    pub subject: String,
    pub body: String,
    /// The portal page it is about, as a path.
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/notifications`: the newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inbox {
    pub unread: i64,
    pub notifications: Vec<Notification>,
}

/// One choice on the preferences page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Preference {
    pub kind: NotificationKind,
    pub delivery: Delivery,
}

/// `GET` and `PUT /api/v1/notifications/preferences`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    pub preferences: Vec<Preference>,
}

crate::wire_enum! {
    /// Where an e-mail in the outbox stands.
    MailStatus {
        Queued = "queued",
        Sending = "sending",
        Sent = "sent",
        Failed = "failed",
    }
}

/// One e-mail in the outbox, as administrators see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxMail {
    pub id: Uuid,
    pub recipient: String,
    pub kind: NotificationKind,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed (the SMTP server's answer).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/mail/outbox`: counts per status and the newest mails.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outbox {
    /// Whether an SMTP server is configured; without one mail waits in the outbox.
    pub smtp_configured: bool,
    pub queued: i64,
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub mails: Vec<OutboxMail>,
}

/// `POST /api/v1/mail/test`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TestMail {
    pub to: String,
}

impl crate::validation::Validate for TestMail {
    fn validate(&self) -> Result<(), crate::validation::ValidationErrors> {
        let mut errors = crate::validation::ValidationErrors::default();
        errors.email("to", &self.to);
        errors.into_result()
    }
}
