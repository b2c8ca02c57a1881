//! The proof-of-play recorder: playback says when a play starts and when it ends
//! ([`PlayStarted`], [`PlayEnded`]); the recorder times each play and hands the finished ones to
//! [`PlayLog`]. An emergency message ends the play on screen as interrupted and is recorded as a
//! play of its own; outside the display hours nothing counts.

use std::time::Duration;

use bevy::prelude::*;
use chrono::{DateTime, Utc};
use civicast_shared::api::plays::{
    MIN_PLAY_MS, PLAY_SCHEMA_VERSION, PlayKind, PlayOutcome, PlayRecord,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::PlayLog;
use crate::Step;
use crate::display_hours::DisplayHours;
use crate::emergency::Emergency;
use crate::playback::{Playback, WallClock};

/// What a play shows (an emergency takeover has no item).
#[derive(Debug, Clone)]
pub struct Play {
    pub item_id: Option<Uuid>,
    pub kind: PlayKind,
    pub content_hash: String,
    pub screen_id: Uuid,
    pub planned_ms: u32,
}

/// An instant on both clocks: the wall clock for the record, the app's for the duration.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    pub wall: DateTime<Utc>,
    pub elapsed: Duration,
}

impl Moment {
    pub fn now(time: &Time<Real>, clock: WallClock) -> Moment {
        Moment {
            wall: clock.now(time),
            elapsed: time.elapsed(),
        }
    }
}

/// A play began on screen. In a frame that ends one play and starts the next, playback writes
/// the [`PlayEnded`] first, and each at most once.
#[derive(Message, Debug, Clone)]
pub struct PlayStarted {
    pub play: Play,
    pub at: Moment,
}

/// The play on screen ended (it ran its slot, or something else took the screen).
#[derive(Message, Debug, Clone, Copy)]
pub struct PlayEnded {
    pub at: Moment,
}

/// The play on screen now, recorded when it ends.
#[derive(Debug, Clone)]
struct Showing {
    play: Play,
    started: Moment,
}

/// An emergency message covering the screen since `started`.
#[derive(Debug, Clone)]
struct Interruption {
    content_hash: String,
    started: Moment,
}

#[derive(Resource, Debug, Default)]
struct Recorder {
    showing: Option<Showing>,
    /// While an emergency message covers the screen, what plays beneath it is no play.
    interruption: Option<Interruption>,
    /// Outside the display hours the screen is blank: no plays.
    blanked: bool,
}

pub fn plugin(app: &mut App) {
    app.init_resource::<PlayLog>()
        .init_resource::<Recorder>()
        .add_message::<PlayStarted>()
        .add_message::<PlayEnded>()
        .add_systems(OnEnter(DisplayHours::Outside), blank)
        .add_systems(OnExit(DisplayHours::Outside), unblank)
        .add_systems(
            Update,
            (
                follow_emergency.run_if(resource_changed::<Emergency>),
                record_plays,
            )
                .chain()
                .in_set(Step::Record),
        );
}

impl Recorder {
    /// Records the play on screen, if any, as ended at `at`; `interrupted` when an emergency
    /// message took the screen over. Nothing counts while one covers the screen or the screen
    /// is blank, and under a second it was no play at all.
    fn end_play(&mut self, at: Moment, log: &PlayLog, interrupted: bool) {
        let Some(showing) = self.showing.take() else {
            return;
        };
        if self.interruption.is_some() || self.blanked {
            return;
        }
        let played_ms = played_ms(showing.started, at);
        if played_ms < MIN_PLAY_MS {
            return;
        }
        let outcome = PlayOutcome::classify(showing.play.planned_ms, played_ms, interrupted);
        record(log, showing, at.wall, played_ms, outcome);
    }

    /// Ends the play on screen as `end_play` does, but keeps it on screen (beneath a message,
    /// behind the blank) to count again from [`Recorder::resume`].
    fn pause(&mut self, at: Moment, log: &PlayLog, interrupted: bool) {
        let showing = self.showing.clone();
        self.end_play(at, log, interrupted);
        self.showing = showing;
    }

    /// The play on screen counts from `at`.
    fn resume(&mut self, at: Moment) {
        if let Some(showing) = self.showing.as_mut() {
            showing.started = at;
        }
    }
}

fn played_ms(started: Moment, ended: Moment) -> u32 {
    u32::try_from(ended.elapsed.saturating_sub(started.elapsed).as_millis()).unwrap_or(u32::MAX)
}

/// Hands a play that ran `played_ms` up to `wall` to the play queue.
fn record(
    log: &PlayLog,
    showing: Showing,
    wall: DateTime<Utc>,
    played_ms: u32,
    outcome: PlayOutcome,
) {
    let Showing { play, started } = showing;
    log.record(PlayRecord {
        id: Uuid::now_v7(),
        schema_version: PLAY_SCHEMA_VERSION,
        seq: 0,
        screen_id: play.screen_id,
        item_id: play.item_id,
        kind: play.kind,
        content_hash: play.content_hash,
        started_at: started.wall,
        ended_at: wall.max(started.wall + chrono::Duration::milliseconds(i64::from(played_ms))),
        planned_ms: play.planned_ms,
        played_ms,
        clock_offset_ms: log.clock_offset_ms(),
        outcome,
        display_on: None,
        player_version: env!("CARGO_PKG_VERSION").to_owned(),
    });
}

fn record_plays(
    mut ended: MessageReader<PlayEnded>,
    mut started: MessageReader<PlayStarted>,
    mut recorder: ResMut<Recorder>,
    log: Res<PlayLog>,
) {
    for end in ended.read() {
        recorder.end_play(end.at, &log, false);
    }
    for start in started.read() {
        recorder.showing = Some(Showing {
            play: start.play.clone(),
            started: start.at,
        });
    }
}

/// An emergency message came or went. When it comes, the play on screen ends as interrupted;
/// when it goes, the message itself is recorded as an emergency play, and the item beneath it
/// counts from now.
fn follow_emergency(
    emergency: Res<Emergency>,
    time: Res<Time<Real>>,
    clock: Res<WallClock>,
    playback: Res<Playback>,
    mut recorder: ResMut<Recorder>,
    log: Res<PlayLog>,
) {
    let at = Moment::now(&time, *clock);
    match (&emergency.0, recorder.interruption.clone()) {
        (Some(message), None) => {
            recorder.pause(at, &log, true);
            recorder.interruption = Some(Interruption {
                content_hash: hex::encode(Sha256::digest(message.text.as_bytes())),
                started: at,
            });
        }
        (None, Some(interruption)) => {
            recorder.interruption = None;
            recorder.resume(at);
            let Some(screen_id) = playback.screen_id() else {
                return; // nothing arrived yet: no screen to record it for
            };
            let played_ms = played_ms(interruption.started, at);
            if played_ms < MIN_PLAY_MS {
                return;
            }
            let takeover = Showing {
                play: Play {
                    item_id: None,
                    kind: PlayKind::Emergency,
                    content_hash: interruption.content_hash,
                    screen_id,
                    planned_ms: played_ms,
                },
                started: interruption.started,
            };
            record(&log, takeover, at.wall, played_ms, PlayOutcome::Complete);
        }
        _ => {}
    }
}

/// The display hours ended: the play on screen ends there.
fn blank(
    time: Res<Time<Real>>,
    clock: Res<WallClock>,
    mut recorder: ResMut<Recorder>,
    log: Res<PlayLog>,
) {
    recorder.pause(Moment::now(&time, *clock), &log, false);
    recorder.blanked = true;
}

/// The display hours began: the play on screen counts from now.
fn unblank(time: Res<Time<Real>>, clock: Res<WallClock>, mut recorder: ResMut<Recorder>) {
    recorder.resume(Moment::now(&time, *clock));
    recorder.blanked = false;
}
