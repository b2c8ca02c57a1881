//! The loop: which item is on screen, when the next one starts, and switching to a new manifest
//! atomically at an item boundary. Schedules are read in the building's time zone with the rules
//! in `civicast-shared`, so a player offline for a week still plays the right items.
//!
//! An item's media is prepared (verified, decoded) while the item before it plays; if it is not
//! ready in time the current item stays up a little longer, so nothing half-loaded is shown.

pub mod prepare;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bevy::prelude::*;
use bevy::window::RequestRedraw;
use chrono::{DateTime, Utc};
use civicast_shared::api::device::ManifestItem;
use civicast_shared::api::playlists::PlaylistItemKind;
use civicast_shared::api::plays::{
    MIN_PLAY_MS, PLAY_SCHEMA_VERSION, PlayKind, PlayOutcome, PlayRecord,
};
use civicast_shared::schedule::TimeWindow;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::proof::PlayLog;
use crate::render::{self, LayerContent, OutputSize};
use crate::sync::storage::StoredManifest;
use crate::sync::{AppRequest, IncomingManifest, PairingCode, StatusBoard, SyncOutbox};
use prepare::{Loading, PrepareError};

/// An item whose media failed is skipped for this long before it is tried again.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(10);
/// How often the default slide checks whether something became playable.
const DEFAULT_SLIDE_RECHECK: Duration = Duration::from_secs(5);

/// The wall clock that schedules are read against: the system's, or (in tests) one that starts
/// at a chosen instant and runs with bevy's time.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub enum WallClock {
    #[default]
    System,
    StartingAt(DateTime<Utc>),
}

impl WallClock {
    pub fn now(self, time: &Time<Real>) -> DateTime<Utc> {
        match self {
            WallClock::System => Utc::now(),
            WallClock::StartingAt(start) => {
                start + chrono::Duration::from_std(time.elapsed()).unwrap_or_default()
            }
        }
    }
}

/// What is on screen now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OnScreen {
    #[default]
    Nothing,
    /// The city's default slide: nothing is scheduled (or nothing has arrived yet).
    Default,
    Pairing(String),
    Item {
        index: usize,
        id: Uuid,
    },
}

/// The media of an item, ready to show.
#[derive(Debug)]
struct Prepared {
    image: Option<(Handle<Image>, UVec2)>,
    qr: Option<Handle<Image>>,
}

#[derive(Debug)]
enum Preparation {
    Loading {
        loading: Loading,
        qr: Option<Handle<Image>>,
    },
    Ready(Prepared),
}

/// The item being prepared to show next.
#[derive(Debug)]
struct NextUp {
    id: Uuid,
    state: Preparation,
}

/// The play on screen now, recorded when it ends (an emergency takeover has no item).
#[derive(Debug, Clone)]
struct Showing {
    item_id: Option<Uuid>,
    kind: PlayKind,
    content_hash: String,
    screen_id: Uuid,
    planned_ms: u32,
    started_wall: DateTime<Utc>,
    started: Duration,
}

/// An emergency message covering the screen since these instants (wall clock, app clock).
#[derive(Debug, Clone)]
struct Interruption {
    content_hash: String,
    started_wall: DateTime<Utc>,
    started: Duration,
}

#[derive(Resource, Debug, Default)]
pub struct Playback {
    manifest: Option<Arc<StoredManifest>>,
    pub on_screen: OnScreen,
    showing: Option<Showing>,
    /// While an emergency message covers the screen, what plays beneath it is no play.
    interruption: Option<Interruption>,
    /// Outside the display hours the screen is blank: no plays.
    blanked: bool,
    slot_ends: Duration,
    next: Option<NextUp>,
    failed: HashMap<Uuid, Duration>,
    /// Every item shown, in order, for tests and diagnostics (bounded).
    pub history: Vec<Uuid>,
}

impl Playback {
    /// The building's display hours and time zone, from the manifest playing.
    pub fn display_hours(&self) -> Option<(TimeWindow, chrono_tz::Tz)> {
        let manifest = &self.manifest.as_ref()?.manifest;
        Some((manifest.display_hours?, manifest.tz()))
    }

    /// Blanks the screen's plays (outside the display hours) or lets them count again. The
    /// play on screen when the hours end ends there; the one on screen when they begin counts
    /// from then.
    pub fn set_blanked(
        &mut self,
        blanked: bool,
        wall: DateTime<Utc>,
        elapsed: Duration,
        log: Option<&PlayLog>,
    ) {
        if blanked == self.blanked {
            return;
        }
        if blanked {
            let showing = self.showing.clone();
            end_play(self, wall, elapsed, log, false);
            self.showing = showing;
        } else if let Some(showing) = self.showing.as_mut() {
            showing.started = elapsed;
            showing.started_wall = wall;
        }
        self.blanked = blanked;
    }

    /// How long the app may sleep before it must run again (the end of the current item, or
    /// soon while the next one is being decoded); `None` when it waits on nothing.
    pub fn next_deadline(&self, elapsed: Duration) -> Option<Duration> {
        if let Some(NextUp {
            state: Preparation::Loading { .. },
            ..
        }) = &self.next
        {
            return Some(Duration::from_millis(20));
        }
        let slot = match self.on_screen {
            OnScreen::Item { .. } => Some(self.slot_ends.saturating_sub(elapsed)),
            // Nothing scheduled now: look again soon, as a time window may open.
            OnScreen::Default if self.manifest.is_some() => Some(DEFAULT_SLIDE_RECHECK),
            _ => None,
        };
        // An item whose file failed is tried again after a while (it may have been fetched).
        let retry = self
            .failed
            .values()
            .map(|at| (*at + RETRY_FAILED_AFTER).saturating_sub(elapsed))
            .min();
        match (slot, retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The ETag of the manifest playing now.
    pub fn manifest_etag(&self) -> Option<&str> {
        self.manifest.as_ref().map(|stored| stored.etag.as_str())
    }
}

/// Where cached media live, so that items can be prepared from them.
#[derive(Resource, Debug, Clone)]
pub struct CacheDir(pub std::path::PathBuf);

pub fn plugin(app: &mut App) {
    app.init_resource::<Playback>()
        .init_resource::<WallClock>()
        .add_systems(
            Update,
            (
                follow_emergency.run_if(resource_exists_and_changed::<crate::emergency::Emergency>),
                advance,
                poll_preparation,
            )
                .chain(),
        );
}

/// The next item to play after `after`, skipping items whose media recently failed.
fn next_index(
    playback: &Playback,
    manifest: &StoredManifest,
    after: Option<usize>,
    wall: DateTime<Utc>,
    elapsed: Duration,
) -> Option<usize> {
    let items = &manifest.manifest.items;
    let mut cursor = after;
    for _ in 0..items.len() {
        let index = manifest.manifest.next_playable(cursor, wall)?;
        let id = items[index].id;
        let failed_recently = playback
            .failed
            .get(&id)
            .is_some_and(|at| elapsed.saturating_sub(*at) < RETRY_FAILED_AFTER);
        if !failed_recently {
            return Some(index);
        }
        cursor = Some(index);
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn advance(
    mut commands: Commands,
    time: Res<Time<Real>>,
    clock: Res<WallClock>,
    output: Res<OutputSize>,
    cache: Res<CacheDir>,
    pairing: Res<PairingCode>,
    mut incoming: ResMut<IncomingManifest>,
    mut playback: ResMut<Playback>,
    mut images: ResMut<Assets<Image>>,
    board: Res<StatusBoard>,
    mut redraw: MessageWriter<RequestRedraw>,
    log: Option<Res<PlayLog>>,
) {
    let elapsed = time.elapsed();
    let wall = clock.now(&time);
    let log = log.as_deref();
    playback
        .failed
        .retain(|_, at| elapsed.saturating_sub(*at) < RETRY_FAILED_AFTER);
    let first_layer = playback.on_screen == OnScreen::Nothing;

    // Unpaired (or the screen's token was revoked): the code takes over until staff enter it.
    if incoming.0.is_none()
        && let Some((code, server)) = &pairing.0
    {
        if playback.on_screen != OnScreen::Pairing(code.clone()) {
            finish_play(&mut playback, wall, elapsed, log);
            render::spawn_layer(
                &mut commands,
                elapsed,
                !first_layer,
                *output,
                LayerContent::Pairing { code, server },
            );
            playback.on_screen = OnScreen::Pairing(code.clone());
        }
        return;
    }

    let mut in_slot =
        matches!(playback.on_screen, OnScreen::Item { .. }) && elapsed < playback.slot_ends;
    // An item that the new manifest removed or changed (a withdrawn event, a new duration)
    // leaves the screen now; one that stays the same plays its slot to the end.
    if in_slot
        && let (Some(stored), Some(current), OnScreen::Item { id, .. }) =
            (&incoming.0, &playback.manifest, &playback.on_screen)
    {
        let before = current.manifest.items.iter().find(|item| item.id == *id);
        let after = stored.manifest.items.iter().find(|item| item.id == *id);
        if after.is_none() || after != before {
            in_slot = false;
        }
    }
    if !in_slot && let Some(stored) = incoming.0.take() {
        // The atomic switch: only at an item boundary, and only to a manifest whose media the
        // sync thread has verified in the cache.
        playback.manifest = Some(Arc::new(*stored));
        playback.next = None;
        playback.failed.clear();
    }
    let Some(manifest) = playback.manifest.clone() else {
        finish_play(&mut playback, wall, elapsed, log);
        show_default(&mut commands, &mut playback, &board, elapsed, *output);
        return;
    };
    let current_index = match &playback.on_screen {
        OnScreen::Item { id, .. } => manifest
            .manifest
            .items
            .iter()
            .position(|item| item.id == *id),
        _ => None,
    };
    let after = match &playback.on_screen {
        OnScreen::Item { index, .. } => current_index.or(Some(*index)),
        _ => None,
    };

    if in_slot {
        // Prepare the next item ahead while this one plays.
        if playback.next.is_none()
            && let Some(index) = next_index(&playback, &manifest, after, wall, elapsed)
        {
            let item = &manifest.manifest.items[index];
            let next = start_preparing(item, &cache, *output, &mut images);
            playback.next = Some(next);
        }
        return;
    }

    let Some(index) = next_index(&playback, &manifest, after, wall, elapsed) else {
        finish_play(&mut playback, wall, elapsed, log);
        show_default(&mut commands, &mut playback, &board, elapsed, *output);
        playback.next = None;
        return;
    };
    let item = &manifest.manifest.items[index];
    if playback.next.as_ref().is_none_or(|next| next.id != item.id) {
        let next = start_preparing(item, &cache, *output, &mut images);
        playback.next = Some(next);
    }
    let ready = matches!(
        playback.next,
        Some(NextUp {
            state: Preparation::Ready(_),
            ..
        })
    );
    if !ready {
        // Still decoding: keep what is on screen, and come back next frame.
        redraw.write(RequestRedraw);
        return;
    }
    let Some(NextUp {
        state: Preparation::Ready(prepared),
        ..
    }) = playback.next.take()
    else {
        return;
    };
    // The same item again (a loop of one): it stays on screen as it is. A new layer would fade
    // in over an identical one, and the fade dims the screen for a moment.
    let hash = content_hash(item);
    let same_again = matches!(&playback.on_screen, OnScreen::Item { id, .. } if *id == item.id)
        && playback
            .showing
            .as_ref()
            .is_some_and(|showing| showing.content_hash == hash);
    finish_play(&mut playback, wall, elapsed, log);
    playback.showing = Some(Showing {
        item_id: Some(item.id),
        kind: play_kind(item.kind),
        content_hash: hash,
        screen_id: manifest.manifest.screen_id,
        planned_ms: item.duration_ms,
        started_wall: wall,
        started: elapsed,
    });
    if !same_again {
        render::spawn_layer(
            &mut commands,
            elapsed,
            !first_layer,
            *output,
            LayerContent::Item {
                item,
                image: prepared.image,
                qr: prepared.qr,
                tz: manifest.manifest.tz(),
            },
        );
    }
    playback.on_screen = OnScreen::Item { index, id: item.id };
    playback.slot_ends = elapsed + Duration::from_millis(u64::from(item.duration_ms));
    if playback.history.len() >= 10_000 {
        playback.history.drain(..5_000);
    }
    playback.history.push(item.id);
    set_now_playing(&board, Some(item.id));
    redraw.write(RequestRedraw);
}

fn play_kind(kind: PlaylistItemKind) -> PlayKind {
    match kind {
        PlaylistItemKind::Event => PlayKind::Event,
        PlaylistItemKind::Slide => PlayKind::Slide,
        PlaylistItemKind::Announcement => PlayKind::Announcement,
    }
}

/// What was shown: the image's hash, or a hash of the text content for items without one.
fn content_hash(item: &ManifestItem) -> String {
    if let Some(media) = &item.media {
        return media.sha256.clone();
    }
    let shown = serde_json::json!({ "text": item.text, "event": item.event });
    hex::encode(Sha256::digest(shown.to_string().as_bytes()))
}

/// Records the play on screen, if any, as ended now. Under a second it was no play at all.
fn finish_play(
    playback: &mut Playback,
    wall: DateTime<Utc>,
    elapsed: Duration,
    log: Option<&PlayLog>,
) {
    end_play(playback, wall, elapsed, log, false);
}

/// Records the play on screen as ended now; `interrupted` when an emergency message took the
/// screen over. Nothing is recorded while one covers the screen.
fn end_play(
    playback: &mut Playback,
    wall: DateTime<Utc>,
    elapsed: Duration,
    log: Option<&PlayLog>,
    interrupted: bool,
) {
    let (Some(showing), Some(log)) = (playback.showing.take(), log) else {
        return;
    };
    if playback.interruption.is_some() || playback.blanked {
        return;
    }
    let played_ms =
        u32::try_from(elapsed.saturating_sub(showing.started).as_millis()).unwrap_or(u32::MAX);
    if played_ms < MIN_PLAY_MS {
        return;
    }
    let outcome = PlayOutcome::classify(showing.planned_ms, played_ms, interrupted);
    record_play(log, showing, wall, played_ms, outcome);
}

/// Hands a play that ran `played_ms` up to `wall` to the play queue.
fn record_play(
    log: &PlayLog,
    showing: Showing,
    wall: DateTime<Utc>,
    played_ms: u32,
    outcome: PlayOutcome,
) {
    log.record(PlayRecord {
        id: Uuid::now_v7(),
        schema_version: PLAY_SCHEMA_VERSION,
        seq: 0,
        screen_id: showing.screen_id,
        item_id: showing.item_id,
        kind: showing.kind,
        content_hash: showing.content_hash,
        started_at: showing.started_wall,
        ended_at: wall
            .max(showing.started_wall + chrono::Duration::milliseconds(i64::from(played_ms))),
        planned_ms: showing.planned_ms,
        played_ms,
        clock_offset_ms: log.clock_offset_ms(),
        outcome,
        display_on: None,
        player_version: env!("CARGO_PKG_VERSION").to_owned(),
    });
}

/// An emergency message came or went. When it comes, the play on screen ends as interrupted;
/// when it goes, the message itself is recorded as an emergency play, and the item beneath it
/// counts from now.
fn follow_emergency(
    emergency: Res<crate::emergency::Emergency>,
    time: Res<Time<Real>>,
    clock: Res<WallClock>,
    mut playback: ResMut<Playback>,
    log: Option<Res<PlayLog>>,
) {
    let (elapsed, wall, log) = (time.elapsed(), clock.now(&time), log.as_deref());
    match (&emergency.0, playback.interruption.clone()) {
        (Some(message), None) => {
            let showing = playback.showing.clone();
            end_play(&mut playback, wall, elapsed, log, true);
            // The item stays on screen beneath the message, to go on once it is cleared.
            playback.showing = showing;
            playback.interruption = Some(Interruption {
                content_hash: hex::encode(Sha256::digest(message.text.as_bytes())),
                started_wall: wall,
                started: elapsed,
            });
        }
        (None, Some(interruption)) => {
            playback.interruption = None;
            if let Some(showing) = playback.showing.as_mut() {
                showing.started = elapsed;
                showing.started_wall = wall;
            }
            let (Some(log), Some(manifest)) = (log, playback.manifest.as_ref()) else {
                return;
            };
            let played_ms = u32::try_from(elapsed.saturating_sub(interruption.started).as_millis())
                .unwrap_or(u32::MAX);
            if played_ms < MIN_PLAY_MS {
                return;
            }
            let takeover = Showing {
                item_id: None,
                kind: PlayKind::Emergency,
                content_hash: interruption.content_hash,
                screen_id: manifest.manifest.screen_id,
                planned_ms: played_ms,
                started_wall: interruption.started_wall,
                started: interruption.started,
            };
            record_play(log, takeover, wall, played_ms, PlayOutcome::Complete);
        }
        _ => {}
    }
}

/// Puts the city's default slide up, unless it is up already.
fn show_default(
    commands: &mut Commands,
    playback: &mut Playback,
    board: &StatusBoard,
    elapsed: Duration,
    output: OutputSize,
) {
    if playback.on_screen == OnScreen::Default {
        return;
    }
    let fade = playback.on_screen != OnScreen::Nothing;
    render::spawn_layer(commands, elapsed, fade, output, LayerContent::Default);
    playback.on_screen = OnScreen::Default;
    set_now_playing(board, None);
}

fn set_now_playing(board: &StatusBoard, id: Option<Uuid>) {
    if let Ok(mut status) = board.0.lock() {
        status.now_playing = id;
    }
}

fn start_preparing(
    item: &ManifestItem,
    cache: &CacheDir,
    output: OutputSize,
    images: &mut Assets<Image>,
) -> NextUp {
    let qr = item
        .event
        .as_ref()
        .and_then(|event| event.link.as_deref())
        .and_then(render::qr::qr_image)
        .map(|image| images.add(image));
    let state = match &item.media {
        Some(media) => Preparation::Loading {
            loading: Loading::start(
                cache.0.join(&media.sha256),
                media.sha256.clone(),
                (output.0.x, output.0.y),
            ),
            qr,
        },
        None => Preparation::Ready(Prepared { image: None, qr }),
    };
    NextUp { id: item.id, state }
}

/// Turns finished decodes into textures; a damaged or missing file is reported to the sync
/// thread (which fetches it again) and its item skipped for a while.
fn poll_preparation(
    time: Res<Time<Real>>,
    mut playback: ResMut<Playback>,
    mut images: ResMut<Assets<Image>>,
    outbox: Option<Res<SyncOutbox>>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some(next) = playback.next.as_ref() else {
        return;
    };
    let Preparation::Loading { loading, .. } = &next.state else {
        return;
    };
    let id = next.id;
    let Some(result) = loading.poll() else {
        return;
    };
    match result {
        Ok(pixels) => {
            let size = UVec2::new(pixels.width, pixels.height);
            let handle = images.add(pixels.into_image());
            if let Some(next) = playback.next.as_mut()
                && let Preparation::Loading { qr, .. } = &mut next.state
            {
                let qr = qr.take();
                next.state = Preparation::Ready(Prepared {
                    image: Some((handle, size)),
                    qr,
                });
            }
            redraw.write(RequestRedraw);
        }
        Err(error) => {
            warn!("item {id} cannot be shown: {error}");
            if let (Some(outbox), Some(manifest)) = (outbox, playback.manifest.as_ref())
                && matches!(error, PrepareError::Damaged | PrepareError::Missing)
                && let Some(media) = manifest
                    .manifest
                    .items
                    .iter()
                    .find(|item| item.id == id)
                    .and_then(|item| item.media.as_ref())
            {
                let _ = outbox.0.send(AppRequest::Refetch(media.sha256.clone()));
            }
            let elapsed = time.elapsed();
            playback.failed.insert(id, elapsed);
            playback.next = None;
            redraw.write(RequestRedraw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{SyncMessage, test_channels};
    use bevy::time::TimeUpdateStrategy;
    use chrono::{TimeZone, Weekday};
    use civicast_shared::api::device::{MANIFEST_SCHEMA_VERSION, Manifest, MediaRef};
    use civicast_shared::api::places::{Orientation, ScreenKind};
    use civicast_shared::api::playlists::{Fit, PlaylistItemKind};
    use civicast_shared::schedule::Schedule;
    use std::sync::mpsc::{Receiver, Sender};

    const FRAME: Duration = Duration::from_millis(100);

    struct Harness {
        app: App,
        to_app: Sender<SyncMessage>,
        from_app: Receiver<AppRequest>,
        _cache: tempfile::TempDir,
    }

    impl Harness {
        fn new() -> Harness {
            let mut app = App::new();
            // Monday 23 November 2026, 09:00 in Brussels.
            let monday = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
            app.add_plugins((MinimalPlugins, AssetPlugin::default()))
                .init_asset::<Image>()
                .add_message::<RequestRedraw>()
                .insert_resource(TimeUpdateStrategy::ManualDuration(FRAME))
                .insert_resource(WallClock::StartingAt(monday));
            let cache = tempfile::tempdir().unwrap();
            app.insert_resource(CacheDir(cache.path().to_path_buf()));
            let (to_app, from_app) = test_channels(&mut app);
            app.add_plugins(crate::plugin);
            Harness {
                app,
                to_app,
                from_app,
                _cache: cache,
            }
        }

        fn send(&self, items: Vec<ManifestItem>, etag: &str) {
            self.send_with_hours(items, etag, None);
        }

        fn send_with_hours(
            &self,
            items: Vec<ManifestItem>,
            etag: &str,
            display_hours: Option<TimeWindow>,
        ) {
            let manifest = Manifest {
                schema_version: MANIFEST_SCHEMA_VERSION,
                screen_id: Uuid::now_v7(),
                screen_name: "Hall".into(),
                kind: ScreenKind::InformationScreen,
                width: 1920,
                height: 1080,
                orientation: Orientation::Landscape,
                building_name: "Library".into(),
                time_zone: "Europe/Brussels".into(),
                poll_interval_s: 10,
                display_hours,
                items,
            };
            self.to_app
                .send(SyncMessage::Manifest(Box::new(StoredManifest {
                    etag: etag.into(),
                    manifest,
                })))
                .unwrap();
        }

        /// Runs frames for `duration` of bevy time.
        fn run_for(&mut self, duration: Duration) {
            let frames = duration.as_millis() / FRAME.as_millis();
            for _ in 0..frames.max(1) {
                self.app.update();
            }
        }

        fn on_screen(&self) -> OnScreen {
            self.app.world().resource::<Playback>().on_screen.clone()
        }

        fn history(&self) -> Vec<Uuid> {
            self.app.world().resource::<Playback>().history.clone()
        }

        fn layers(&mut self) -> usize {
            let world = self.app.world_mut();
            world.query::<&crate::render::Layer>().iter(world).count()
        }
    }

    fn announcement(text: &str, duration_ms: u32) -> ManifestItem {
        ManifestItem {
            id: Uuid::now_v7(),
            kind: PlaylistItemKind::Announcement,
            duration_ms,
            fit: Fit::Fit,
            schedule: Schedule::default(),
            media: None,
            text: Some(text.into()),
            event: None,
        }
    }

    #[test]
    fn items_play_in_order_for_their_length_and_skip_those_out_of_schedule() {
        let mut harness = Harness::new();
        let a = announcement("A", 2_000);
        let mut sunday_only = announcement("B", 3_000);
        sunday_only.schedule.weekdays = vec![Weekday::Sun];
        let c = announcement("C", 1_000);
        harness.send(vec![a.clone(), sunday_only.clone(), c.clone()], "\"1\"");
        harness.run_for(FRAME);
        assert_eq!(harness.on_screen(), OnScreen::Item { index: 0, id: a.id });
        harness.run_for(Duration::from_millis(1_500));
        assert_eq!(
            harness.on_screen(),
            OnScreen::Item { index: 0, id: a.id },
            "A plays its 2 s"
        );
        harness.run_for(Duration::from_millis(700));
        assert_eq!(harness.on_screen(), OnScreen::Item { index: 2, id: c.id });
        harness.run_for(Duration::from_millis(6_000));
        let history = harness.history();
        assert!(
            !history.contains(&sunday_only.id),
            "a Sunday item never plays on a Monday"
        );
        assert_eq!(&history[..4], &[a.id, c.id, a.id, c.id]);
        // Old layers go once the new one has faded in: memory stays flat.
        assert!(harness.layers() <= 2);
    }

    #[test]
    fn every_play_is_recorded_when_it_ends_with_its_times_and_outcome() {
        let mut harness = Harness::new();
        let (sender, plays) = std::sync::mpsc::channel();
        let clock = Arc::new(crate::proof::clock::ClockOffset::default());
        harness.app.insert_resource(PlayLog::new(sender, clock));
        let a = announcement("A", 2_000);
        let c = announcement("C", 3_000);
        harness.send(vec![a.clone(), c.clone()], "\"1\"");
        harness.run_for(Duration::from_millis(5_500));
        let recorded: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(
            recorded
                .iter()
                .map(|p| p.item_id.unwrap())
                .collect::<Vec<_>>(),
            vec![a.id, c.id],
            "a play is recorded when it ends, not before"
        );
        let first = &recorded[0];
        assert_eq!(first.kind, PlayKind::Announcement);
        assert_eq!(first.planned_ms, 2_000);
        assert!(
            (2_000..2_200).contains(&first.played_ms),
            "{}",
            first.played_ms
        );
        assert_eq!(first.outcome, PlayOutcome::Complete);
        assert_eq!(
            (first.ended_at - first.started_at).num_milliseconds(),
            i64::from(first.played_ms)
        );
        assert_eq!(first.content_hash.len(), 64);
        assert_ne!(first.content_hash, recorded[1].content_hash);
        assert_eq!(first.id.get_version_num(), 7);
        assert!(first.refusal(first.screen_id, first.ended_at).is_none());

        // A new manifest without the item on screen cuts it short: a partial play.
        harness.run_for(Duration::from_millis(600));
        let other = announcement("Other", 5_000);
        harness.send(vec![other], "\"2\"");
        harness.run_for(Duration::from_millis(200));
        let cut: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].outcome, PlayOutcome::Partial);
        assert!(cut[0].played_ms < cut[0].planned_ms);
    }

    #[test]
    fn a_loop_of_one_keeps_its_layer_and_counts_each_slot() {
        let mut harness = Harness::new();
        let (sender, plays) = std::sync::mpsc::channel();
        let clock = Arc::new(crate::proof::clock::ClockOffset::default());
        harness.app.insert_resource(PlayLog::new(sender, clock));
        let only = announcement("Only", 1_000);
        harness.send(vec![only.clone()], "\"1\"");
        harness.run_for(Duration::from_millis(3_500));
        let layers = harness
            .app
            .world_mut()
            .query::<&crate::render::Layer>()
            .iter(harness.app.world())
            .count();
        assert_eq!(layers, 1, "no new layer fades in over the same item");
        let recorded: Vec<PlayRecord> = plays.try_iter().collect();
        assert!(recorded.len() >= 2, "{recorded:?}");
        assert!(
            recorded
                .iter()
                .all(|p| p.item_id == Some(only.id) && p.outcome == PlayOutcome::Complete)
        );
    }

    #[test]
    fn an_emergency_message_interrupts_the_play_and_is_recorded_as_a_play_of_its_own() {
        let mut harness = Harness::new();
        let (sender, plays) = std::sync::mpsc::channel();
        let clock = Arc::new(crate::proof::clock::ClockOffset::default());
        harness.app.insert_resource(PlayLog::new(sender, clock));
        let a = announcement("A", 4_000);
        harness.send(vec![a.clone()], "\"1\"");
        harness.run_for(Duration::from_millis(1_500));
        let message = civicast_shared::api::emergency::EmergencyMessage {
            id: Uuid::now_v7(),
            text: "Leave the building".into(),
            building_id: None,
            media_id: None,
            media: None,
            created_at: Utc::now(),
        };
        harness
            .app
            .world_mut()
            .resource_mut::<crate::emergency::Emergency>()
            .0 = Some(message);
        harness.run_for(Duration::from_millis(100));
        let interrupted: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(interrupted.len(), 1);
        assert_eq!(interrupted[0].item_id, Some(a.id));
        assert_eq!(interrupted[0].outcome, PlayOutcome::Interrupted);
        assert!(
            interrupted[0]
                .refusal(interrupted[0].screen_id, interrupted[0].ended_at)
                .is_none()
        );

        // Items that come and go beneath the message are no plays.
        harness.run_for(Duration::from_millis(5_000));
        assert_eq!(plays.try_iter().count(), 0);

        harness
            .app
            .world_mut()
            .resource_mut::<crate::emergency::Emergency>()
            .0 = None;
        harness.run_for(Duration::from_millis(100));
        let emergency: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(emergency.len(), 1);
        assert_eq!(emergency[0].kind, PlayKind::Emergency);
        assert_eq!(emergency[0].item_id, None);
        assert!(
            (5_000..5_400).contains(&emergency[0].played_ms),
            "{}",
            emergency[0].played_ms
        );
        assert!(
            emergency[0]
                .refusal(emergency[0].screen_id, emergency[0].ended_at)
                .is_none()
        );

        // The loop goes on: the next play counts from the moment the message left.
        harness.run_for(Duration::from_millis(4_200));
        let after: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(after.len(), 1);
        assert!(after[0].played_ms <= 4_100, "{}", after[0].played_ms);
    }

    #[test]
    fn outside_the_display_hours_the_screen_is_blank_and_nothing_counts() {
        use chrono::{NaiveTime, Timelike};
        let mut harness = Harness::new();
        let (sender, plays) = std::sync::mpsc::channel();
        let clock = Arc::new(crate::proof::clock::ClockOffset::default());
        harness.app.insert_resource(PlayLog::new(sender, clock));
        let WallClock::StartingAt(start) = *harness.app.world().resource::<WallClock>() else {
            unreachable!("the harness starts the clock at a chosen instant");
        };
        // The display hours end 3 s into the test, in the building's time zone.
        let local = start.with_timezone(&chrono_tz::Europe::Brussels).time();
        let at = |s: u32| {
            NaiveTime::from_num_seconds_from_midnight_opt(
                (local.num_seconds_from_midnight() + s) % 86_400,
                0,
            )
            .unwrap()
        };
        let hours = TimeWindow {
            start: at(86_400 - 3_600),
            end: at(3),
        };
        let a = announcement("A", 10_000);
        harness.send_with_hours(vec![a.clone()], "\"1\"", Some(hours));
        harness.run_for(Duration::from_millis(2_000));
        assert!(
            !harness
                .app
                .world()
                .resource::<crate::display_hours::DisplayOff>()
                .0
        );
        harness.run_for(Duration::from_millis(1_500));
        assert!(
            harness
                .app
                .world()
                .resource::<crate::display_hours::DisplayOff>()
                .0
        );
        let blanks = harness
            .app
            .world_mut()
            .query_filtered::<(), With<crate::display_hours::BlankScreen>>()
            .iter(harness.app.world())
            .count();
        assert_eq!(blanks, 1, "the screen is blank");
        // The play on screen ended with the hours: a partial play of about 3 s.
        let ended: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].outcome, PlayOutcome::Partial);
        assert!(
            (2_900..3_200).contains(&ended[0].played_ms),
            "{}",
            ended[0].played_ms
        );
        // Nothing counts while it is blank.
        harness.run_for(Duration::from_millis(25_000));
        assert_eq!(plays.try_iter().count(), 0);
    }

    #[test]
    fn a_new_manifest_takes_over_at_the_next_item_boundary_and_never_mid_item() {
        let mut harness = Harness::new();
        let a = announcement("A", 5_000);
        harness.send(vec![a.clone()], "\"1\"");
        harness.run_for(Duration::from_millis(1_000));
        // The new manifest keeps A and adds X: A plays its slot to the end.
        let x = announcement("X", 5_000);
        harness.send(vec![a.clone(), x.clone()], "\"2\"");
        harness.run_for(Duration::from_millis(3_800));
        assert_eq!(harness.on_screen(), OnScreen::Item { index: 0, id: a.id });
        harness.run_for(Duration::from_millis(400));
        assert_eq!(harness.on_screen(), OnScreen::Item { index: 1, id: x.id });
        assert_eq!(
            harness.app.world().resource::<Playback>().manifest_etag(),
            Some("\"2\"")
        );
    }

    #[test]
    fn an_item_the_new_manifest_removes_leaves_the_screen_at_once() {
        let mut harness = Harness::new();
        let long = announcement("Long", 60_000);
        harness.send(vec![long.clone()], "\"1\"");
        harness.run_for(Duration::from_millis(1_000));
        let other = announcement("Other", 5_000);
        harness.send(vec![other.clone()], "\"2\"");
        harness.run_for(Duration::from_millis(200));
        assert_eq!(
            harness.on_screen(),
            OnScreen::Item {
                index: 0,
                id: other.id
            }
        );
    }

    #[test]
    fn the_pairing_code_shows_until_a_manifest_arrives_and_an_empty_one_shows_the_default_slide() {
        let mut harness = Harness::new();
        harness
            .to_app
            .send(SyncMessage::Pairing {
                code: "K7Q4MX".into(),
                server: "http://127.0.0.1:8080".into(),
            })
            .unwrap();
        harness.run_for(FRAME);
        assert_eq!(harness.on_screen(), OnScreen::Pairing("K7Q4MX".into()));
        harness.send(vec![], "\"empty\"");
        harness.run_for(FRAME * 2);
        assert_eq!(harness.on_screen(), OnScreen::Default);
        let mut evening = announcement("Evening only", 2_000);
        evening.schedule.time_windows = vec![civicast_shared::schedule::TimeWindow {
            start: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            end: chrono::NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
        }];
        harness.send(vec![evening], "\"evening\"");
        harness.run_for(FRAME * 3);
        assert_eq!(
            harness.on_screen(),
            OnScreen::Default,
            "09:00 is not evening"
        );
    }

    #[test]
    fn a_damaged_media_file_is_never_shown_but_reported_for_fetching_again() {
        let mut harness = Harness::new();
        let cache = harness.app.world().resource::<CacheDir>().0.clone();
        let sha = "ab".repeat(32);
        std::fs::write(cache.join(&sha), b"not what the hash promised").unwrap();
        let mut slide = announcement("unused", 3_000);
        slide.kind = PlaylistItemKind::Slide;
        slide.text = None;
        slide.media = Some(MediaRef {
            sha256: sha.clone(),
            size_bytes: 26,
            content_type: "image/png".into(),
            width: 1920,
            height: 1080,
        });
        let fallback = announcement("Welcome", 3_000);
        harness.send(vec![slide.clone(), fallback.clone()], "\"1\"");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while harness.history().is_empty() && std::time::Instant::now() < deadline {
            harness.run_for(FRAME);
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(
            harness.history(),
            vec![fallback.id],
            "the damaged slide is skipped"
        );
        assert_eq!(
            harness.from_app.try_recv(),
            Ok(AppRequest::Refetch(sha)),
            "the sync thread is asked to fetch it again"
        );
    }
}
