//! Proof of play on the wire: the record a player writes for every play, the batches it uploads
//! and the receipt the server answers once the batch is committed.
//!
//! Definitions follow the brief: a play under 1 s is not a play; a play is complete when it ran
//! its planned length within 500 ms. Records carry no personal data by construction: where
//! (screen), what (item and content hash), when (player clock plus its measured offset) and how
//! it ended. Owners and buildings are attributed on the server from its own ledger, never taken
//! from the player.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of [`PlayRecord`] that this build writes and the server reads.
pub const PLAY_SCHEMA_VERSION: u32 = 1;
/// Largest number of records in one upload.
pub const MAX_BATCH_PLAYS: usize = 1000;
/// Largest upload body; 1000 records of a few hundred bytes each fit with room to spare.
pub const MAX_BATCH_BYTES: usize = 2 * 1024 * 1024;
/// Shorter than this, content could not be seen: not a play.
pub const MIN_PLAY_MS: u32 = 1000;
/// A play that ran its planned length within this is complete.
pub const COMPLETE_TOLERANCE_MS: u32 = 500;
/// Records started longer ago than this are refused (the raw-play retention is longer, so that
/// every record that can still be accepted can still be recognised as a duplicate).
pub const MAX_LATE: Duration = Duration::days(30);
/// Clocks disagree a little even after correction; later than this is a broken record.
pub const MAX_FUTURE: Duration = Duration::minutes(5);
/// Largest clock offset a player may report: a clock wrong by more than this is broken, not slow.
pub const MAX_CLOCK_OFFSET: Duration = Duration::days(3650);

crate::wire_enum! {
    /// What kind of content played.
    PlayKind {
        Event = "event",
        Slide = "slide",
        Announcement = "announcement",
        Emergency = "emergency",
    }
}

crate::wire_enum! {
    /// How a play ended.
    PlayOutcome {
        /// Ran its planned length (within 500 ms).
        Complete = "complete",
        /// Ended early, e.g. a new manifest removed the item.
        Partial = "partial",
        /// An emergency message took the screen over.
        Interrupted = "interrupted",
    }
}

impl PlayOutcome {
    /// The outcome of a play that ran `played_ms` of its planned `planned_ms`.
    pub fn classify(planned_ms: u32, played_ms: u32, interrupted: bool) -> PlayOutcome {
        if interrupted {
            PlayOutcome::Interrupted
        } else if played_ms.saturating_add(COMPLETE_TOLERANCE_MS) >= planned_ms {
            PlayOutcome::Complete
        } else {
            PlayOutcome::Partial
        }
    }
}

/// One play, as the player recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlayRecord {
    /// UUID v7 made by the player: time-ordered, and the key that makes retries harmless.
    pub id: Uuid,
    pub schema_version: u32,
    /// Per-player counter that only grows, so that gaps can be noticed.
    pub seq: u64,
    pub screen_id: Uuid,
    /// The manifest item that played (none for an emergency message).
    pub item_id: Option<Uuid>,
    pub kind: PlayKind,
    /// SHA-256 (hex) of what was actually shown: the image, or the item's text content.
    pub content_hash: String,
    /// On the player's clock; the server adds `clock_offset_ms`.
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub planned_ms: u32,
    pub played_ms: u32,
    /// Server clock minus player clock, as last measured by the player.
    pub clock_offset_ms: i64,
    pub outcome: PlayOutcome,
    /// Whether the display was on, when the player knows.
    pub display_on: Option<bool>,
    pub player_version: String,
}

impl PlayRecord {
    /// The start and end on the server's clock. Only a record that [`PlayRecord::refusal`]
    /// accepted is sure to have them; past chrono's range a time is left uncorrected.
    pub fn corrected_times(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let offset = Duration::try_milliseconds(self.clock_offset_ms).unwrap_or_default();
        let correct = |t: DateTime<Utc>| t.checked_add_signed(offset).unwrap_or(t);
        (correct(self.started_at), correct(self.ended_at))
    }

    /// The rules that need no database: a reason to refuse the record, or `None`.
    /// `screen_id` is the screen whose token sent it; `now` the server's clock.
    pub fn refusal(&self, screen_id: Uuid, now: DateTime<Utc>) -> Option<String> {
        if self.schema_version != PLAY_SCHEMA_VERSION {
            return Some(format!(
                "schema_version {} is not supported (send {PLAY_SCHEMA_VERSION})",
                self.schema_version
            ));
        }
        if self.screen_id != screen_id {
            return Some("screen_id is not the screen whose token sent the batch".into());
        }
        if self.id.get_version_num() != 7 {
            return Some("id must be a UUID v7".into());
        }
        if self.clock_offset_ms.unsigned_abs() > MAX_CLOCK_OFFSET.num_milliseconds().unsigned_abs()
        {
            return Some("clock_offset_ms is implausible (more than ten years)".into());
        }
        // Before any arithmetic on them: the times on the player's clock lie within what the
        // largest offset and the latest upload can explain.
        let reach = MAX_CLOCK_OFFSET + MAX_LATE;
        for (field, time) in [("started_at", self.started_at), ("ended_at", self.ended_at)] {
            if time.signed_duration_since(now).abs() > reach {
                return Some(format!(
                    "{field} {time} is implausible: more than ten years from the server's clock"
                ));
            }
        }
        let span_ms = (self.ended_at - self.started_at).num_milliseconds();
        if span_ms < 0 {
            return Some("ended_at is before started_at".into());
        }
        if span_ms == 0 || self.played_ms == 0 {
            return Some("the play has zero length".into());
        }
        if self.played_ms < MIN_PLAY_MS {
            return Some(format!(
                "played_ms {} is under {MIN_PLAY_MS} ms: too short to be seen, not a play",
                self.played_ms
            ));
        }
        // One second of slack for clock steps and frame timing.
        if i64::from(self.played_ms) > span_ms + 1000 {
            return Some(format!(
                "played_ms {} is longer than ended_at - started_at ({span_ms} ms)",
                self.played_ms
            ));
        }
        if self.planned_ms == 0 {
            return Some("planned_ms must be more than 0".into());
        }
        if self.outcome == PlayOutcome::Complete
            && self.played_ms.saturating_add(COMPLETE_TOLERANCE_MS) < self.planned_ms
        {
            return Some(format!(
                "outcome complete needs played_ms within {COMPLETE_TOLERANCE_MS} ms of planned_ms"
            ));
        }
        if self.display_on == Some(false) {
            return Some("the display was off: not a play".into());
        }
        if self.item_id.is_none() && self.kind != PlayKind::Emergency {
            return Some(format!("item_id is required for a {} play", self.kind));
        }
        if !crate::api::device::is_sha256_hex(&self.content_hash) {
            return Some("content_hash must be 64 lowercase hex digits (SHA-256)".into());
        }
        let version = self.player_version.trim();
        if version.is_empty() || version.len() > 40 || version.chars().any(char::is_control) {
            return Some("player_version must be 1 to 40 printable characters".into());
        }
        let (started, ended) = self.corrected_times();
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
}

/// One upload: up to [`MAX_BATCH_PLAYS`] records, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlayBatch {
    pub plays: Vec<PlayRecord>,
    /// A kiosk's finished visitor sessions, sent with its plays (none from other screens).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kiosk_sessions: Vec<crate::api::kiosk::KioskSession>,
}

/// A record the server will never accept, and why; the player drops it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedPlay {
    /// Position in the batch, from 0.
    pub index: usize,
    pub id: Uuid,
    pub reason: String,
}

/// The answer to a batch, sent only after it is committed: every record in it is settled (new,
/// already known, or refused for good), so the player may delete the whole batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlayReceipt {
    pub accepted: u32,
    /// Already stored from an earlier upload (or twice in this one): counted once.
    pub duplicates: u32,
    pub refused: Vec<RefusedPlay>,
    /// Kiosk sessions stored now, or already stored from an earlier upload; a session refused
    /// for good is named in `refused_sessions` and may be dropped too.
    #[serde(default)]
    pub kiosk_sessions_settled: u32,
    #[serde(default)]
    pub refused_sessions: Vec<RefusedPlay>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(screen: Uuid, now: DateTime<Utc>) -> PlayRecord {
        PlayRecord {
            id: Uuid::now_v7(),
            schema_version: PLAY_SCHEMA_VERSION,
            seq: 1,
            screen_id: screen,
            item_id: Some(Uuid::now_v7()),
            kind: PlayKind::Slide,
            content_hash: "a".repeat(64),
            started_at: now - Duration::seconds(20),
            ended_at: now - Duration::seconds(12),
            planned_ms: 8000,
            played_ms: 8000,
            clock_offset_ms: 0,
            outcome: PlayOutcome::Complete,
            display_on: Some(true),
            player_version: "0.1.0".into(),
        }
    }

    #[test]
    fn outcome_follows_the_500_ms_rule() {
        assert_eq!(
            PlayOutcome::classify(8000, 7500, false),
            PlayOutcome::Complete
        );
        assert_eq!(
            PlayOutcome::classify(8000, 7499, false),
            PlayOutcome::Partial
        );
        assert_eq!(
            PlayOutcome::classify(8000, 8000, true),
            PlayOutcome::Interrupted
        );
    }

    #[test]
    fn a_sound_record_passes_and_each_broken_one_says_why() {
        let screen = Uuid::now_v7();
        let now = Utc::now();
        assert_eq!(record(screen, now).refusal(screen, now), None);

        type Breakage = Box<dyn Fn(&mut PlayRecord)>;
        let cases: Vec<(Breakage, &str)> = vec![
            (
                Box::new(|r| std::mem::swap(&mut r.started_at, &mut r.ended_at)),
                "before started_at",
            ),
            (
                Box::new(|r| {
                    r.ended_at = r.started_at;
                    r.played_ms = 0;
                }),
                "zero length",
            ),
            (Box::new(|r| r.played_ms = 900), "not a play"),
            (Box::new(|r| r.played_ms = 20_000), "longer than"),
            (Box::new(|r| r.screen_id = Uuid::now_v7()), "not the screen"),
            (Box::new(|r| r.id = Uuid::new_v4()), "UUID v7"),
            (Box::new(|r| r.played_ms = 4000), "outcome complete"),
            (Box::new(|r| r.display_on = Some(false)), "display was off"),
            (Box::new(|r| r.content_hash = "x".into()), "content_hash"),
            (Box::new(|r| r.item_id = None), "item_id is required"),
            (
                Box::new(|r| r.clock_offset_ms = -31 * 24 * 3_600_000),
                "too late",
            ),
            (Box::new(|r| r.clock_offset_ms = 3_600_000), "in the future"),
            (Box::new(|r| r.schema_version = 9), "schema_version"),
            (
                Box::new(|r| r.clock_offset_ms = i64::MIN),
                "clock_offset_ms is implausible",
            ),
            (
                Box::new(|r| r.clock_offset_ms = i64::MAX),
                "clock_offset_ms is implausible",
            ),
            (
                Box::new(|r| r.started_at = DateTime::<Utc>::MIN_UTC),
                "started_at",
            ),
            (
                Box::new(|r| r.ended_at = DateTime::<Utc>::MAX_UTC),
                "ended_at",
            ),
        ];
        for (break_it, reason) in cases {
            let mut broken = record(screen, now);
            break_it(&mut broken);
            let refusal = broken.refusal(screen, now).unwrap_or_default();
            assert!(refusal.contains(reason), "{reason}: got '{refusal}'");
        }
    }

    #[test]
    fn a_player_clock_an_hour_slow_is_corrected() {
        let screen = Uuid::now_v7();
        let now = Utc::now();
        let mut slow = record(screen, now);
        slow.started_at -= Duration::hours(1);
        slow.ended_at -= Duration::hours(1);
        slow.clock_offset_ms = 3_600_000;
        assert_eq!(slow.refusal(screen, now), None);
        assert_eq!(slow.corrected_times().0, now - Duration::seconds(20));
    }
}
