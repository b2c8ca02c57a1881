//! The loop: which item is on screen, when the next one starts, and switching to a new manifest
//! atomically at an item boundary. Schedules are read in the building's time zone with the rules
//! in `civicast-shared`, so a player offline for a week still plays the right items.
//!
//! An item's media is prepared (verified, decoded) while the item before it plays; if it is not
//! ready in time the current item stays up a little longer, so nothing half-loaded is shown.
//!
//! Each frame the loop's steps run in order in [`Step::Decide`]: the pairing code takes over
//! while unpaired; otherwise a new manifest replaces the old one at an item boundary, the next
//! item is picked (or the default slide), and finished decodes become textures. The loop sets
//! the [`Screen`] mode and says when a play starts and ends; `proof::recorder` records them.

pub mod prepare;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::RequestRedraw;
use chrono::{DateTime, Utc};
use civicast_shared::api::device::{ManifestItem, UNPLAYABLE_REPORTED_MAX, UnplayableMedia};
use civicast_shared::api::playlists::PlaylistItemKind;
use civicast_shared::api::plays::PlayKind;
use civicast_shared::schedule::TimeWindow;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::net::storage::StoredManifest;
use crate::proof::recorder::{Moment, Play, PlayEnded, PlayStarted};
use crate::render::{self, CityLook, Fonts, LayerContent, OutputSize};
use crate::sync::{AppRequest, AppWaker, IncomingManifest, PairingCode, StatusBoard, SyncOutbox};
use crate::video::{Video, VideoFile, VideoStream};
use crate::{Screen, Step};
use prepare::{Loading, MediaKind, PrepareError};

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

/// The item on screen while [`Screen::Playing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// Its place in the manifest it came from.
    pub index: usize,
    pub id: Uuid,
    /// What it shows (see [`content_hash`]).
    content_hash: String,
}

/// The media of an item, ready to show.
#[derive(Debug)]
struct Prepared {
    image: Option<(Handle<Image>, UVec2)>,
    /// An event poster blurred and darkened, to fill the screen behind its card.
    backdrop: Option<Handle<Image>>,
    qr: Option<Handle<Image>>,
    /// A video, paused on the frame `image` holds.
    video: Option<Video>,
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

#[derive(Resource, Debug, Default)]
pub struct Playback {
    manifest: Option<Arc<StoredManifest>>,
    current: Option<Current>,
    slot_ends: Duration,
    /// The new manifest removed or changed the item on screen this frame: its slot is over.
    cut_short: bool,
    next: Option<NextUp>,
    failed: HashMap<Uuid, Duration>,
    /// Files that could not be decoded (by SHA-256, with the decoder's words): their items are
    /// skipped until the next manifest, and the status report lists them.
    unplayable: BTreeMap<String, String>,
    /// The video on screen failed: the next item comes at once, without a fade.
    hard_cut: bool,
    /// Every item shown, in order, for tests and diagnostics (bounded).
    pub history: Vec<Uuid>,
    /// The item the kiosk view covered: the loop goes on after it when the view closes.
    covered: Option<usize>,
}

impl Playback {
    /// The item on screen, if one is.
    pub fn current(&self) -> Option<&Current> {
        self.current.as_ref()
    }

    /// The building's display hours and time zone, from the manifest playing.
    pub fn display_hours(&self) -> Option<(TimeWindow, chrono_tz::Tz)> {
        let manifest = &self.manifest.as_ref()?.manifest;
        Some((manifest.display_hours?, manifest.tz()))
    }

    /// The city's look, from the manifest playing.
    pub fn look(&self) -> Option<&civicast_shared::api::device::Look> {
        self.manifest.as_ref().map(|stored| &stored.manifest.look)
    }

    /// This week's events in the manifest playing (those not over yet, starting within seven
    /// days of `now`), soonest first, each once, at most `most`.
    pub fn upcoming_events(
        &self,
        now: DateTime<Utc>,
        most: usize,
    ) -> Vec<&civicast_shared::api::device::EventCard> {
        let Some(stored) = self.manifest.as_ref() else {
            return Vec::new();
        };
        let week_ends = now + chrono::Duration::days(7);
        let mut events: Vec<_> = stored
            .manifest
            .items
            .iter()
            .filter_map(|item| item.event.as_ref())
            .filter(|event| event.ends_at > now && event.starts_at < week_ends)
            .collect();
        events.sort_by_key(|event| event.starts_at);
        events.dedup_by(|a, b| a.title == b.title && a.starts_at == b.starts_at);
        events.truncate(most);
        events
    }

    /// The manifest playing.
    pub fn manifest(&self) -> Option<&civicast_shared::api::device::Manifest> {
        self.manifest.as_ref().map(|stored| &stored.manifest)
    }

    /// The kiosk view covers the screen: the item on it leaves (its play ends now, which the
    /// caller says) and the loop waits; it goes on with the next item when the view closes.
    /// Whether an item was on screen.
    pub fn cover(&mut self) -> bool {
        let Some(current) = self.current.take() else {
            return false;
        };
        self.covered = Some(current.index);
        self.slot_ends = Duration::ZERO;
        true
    }

    /// The building the manifest playing is for, with its time zone.
    pub fn building(&self) -> Option<(&str, chrono_tz::Tz)> {
        let manifest = &self.manifest.as_ref()?.manifest;
        Some((manifest.building_name.as_str(), manifest.tz()))
    }

    /// The screen the manifest playing is for.
    pub fn screen_id(&self) -> Option<Uuid> {
        self.manifest
            .as_ref()
            .map(|stored| stored.manifest.screen_id)
    }

    /// How long the app may sleep before it must run again (the end of the current item, or
    /// soon while the next one is being decoded); `None` when it waits on nothing.
    pub fn next_deadline(&self, elapsed: Duration, screen: Screen) -> Option<Duration> {
        if let Some(NextUp {
            state: Preparation::Loading { .. },
            ..
        }) = &self.next
        {
            return Some(Duration::from_millis(20));
        }
        let slot = match screen {
            Screen::Playing => Some(self.slot_ends.saturating_sub(elapsed)),
            // Nothing scheduled now: look again soon, as a time window may open.
            Screen::DefaultSlide if self.manifest.is_some() => Some(DEFAULT_SLIDE_RECHECK),
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

    /// Whether `item`, as it is now, is the one on screen.
    fn shows_now(&self, item: &ManifestItem) -> bool {
        self.current
            .as_ref()
            .is_some_and(|shown| shown.id == item.id && shown.content_hash == content_hash(item))
    }

    /// Whether the item on screen is still within its slot.
    fn in_slot(&self, elapsed: Duration) -> bool {
        self.current.is_some() && elapsed < self.slot_ends
    }

    /// The next item to play after `after`, skipping items whose media recently failed.
    fn next_index(
        &self,
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
            let failed_recently = self
                .failed
                .get(&id)
                .is_some_and(|at| elapsed.saturating_sub(*at) < RETRY_FAILED_AFTER);
            let unplayable = items[index]
                .media
                .as_ref()
                .is_some_and(|media| self.unplayable.contains_key(&media.sha256));
            if !failed_recently && !unplayable {
                return Some(index);
            }
            cursor = Some(index);
        }
        None
    }

    /// The file `sha256` cannot be decoded: its items are skipped until the next manifest.
    fn mark_unplayable(&mut self, sha256: &str, reason: &str, board: &StatusBoard) {
        if self.unplayable.len() < UNPLAYABLE_REPORTED_MAX || self.unplayable.contains_key(sha256) {
            self.unplayable
                .insert(sha256.to_owned(), reason.chars().take(300).collect());
        }
        share_unplayable(board, &self.unplayable);
    }

    /// The video of item `id` failed while it played: the file is unplayable, and if the item
    /// is on screen its slot ends now, with a cut rather than a fade over a frozen frame.
    pub fn video_failed(&mut self, id: Uuid, sha256: &str, reason: &str, board: &StatusBoard) {
        self.mark_unplayable(sha256, reason, board);
        if self
            .current
            .as_ref()
            .is_some_and(|current| current.id == id)
        {
            self.slot_ends = Duration::ZERO;
            self.hard_cut = true;
        }
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
                forget_failures,
                pairing_takes_over.run_if(unpaired),
                // Outside the display hours the screen is blank: the loop waits behind it
                // rather than change items (and fade) where nobody sees them.
                (
                    switch_manifest,
                    advance
                        .run_if(in_state(crate::display_hours::DisplayHours::Inside))
                        .run_if(not(crate::kiosk::covers_loop)),
                )
                    .chain()
                    .run_if(not(unpaired)),
                poll_preparation,
            )
                .chain()
                .in_set(Step::Decide)
                .after(crate::display_hours::check_hours),
        );
}

/// What the loop's steps share: the clocks, what is on screen, and where to say what changed.
#[derive(SystemParam)]
struct Loop<'w, 's> {
    commands: Commands<'w, 's>,
    fonts: Res<'w, Fonts>,
    look: Res<'w, CityLook>,
    time: Res<'w, Time<Real>>,
    clock: Res<'w, WallClock>,
    output: Res<'w, OutputSize>,
    cache: Res<'w, CacheDir>,
    playback: ResMut<'w, Playback>,
    images: ResMut<'w, Assets<Image>>,
    board: Res<'w, StatusBoard>,
    waker: Res<'w, AppWaker>,
    layers: Query<'w, 's, Entity, With<render::Layer>>,
    screen: Res<'w, State<Screen>>,
    next_screen: ResMut<'w, NextState<Screen>>,
    redraw: MessageWriter<'w, RequestRedraw>,
    ended: MessageWriter<'w, PlayEnded>,
    started: MessageWriter<'w, PlayStarted>,
}

impl Loop<'_, '_> {
    fn now(&self) -> Moment {
        Moment::now(&self.time, *self.clock)
    }

    /// The item on screen, if any, leaves it (and its play ends).
    fn leave_item(&mut self) {
        if self.playback.current.take().is_some() {
            let at = self.now();
            self.ended.write(PlayEnded { at });
        }
    }

    /// Puts the city's default slide up, unless it is up already.
    fn show_default(&mut self) {
        self.leave_item();
        // The default slide fades in as usual, even after a video that failed.
        self.playback.hard_cut = false;
        if *self.screen.get() != Screen::DefaultSlide {
            self.next_screen.set(Screen::DefaultSlide);
            set_now_playing(&self.board, None);
        }
    }

    /// Starts preparing `item` unless it is the one being prepared already, or the one on
    /// screen again (a loop of one keeps its layer: decoding it again would cost CPU for
    /// nothing every slot).
    fn prepare(&mut self, item: &ManifestItem) {
        if self.playback.shows_now(item) {
            return;
        }
        if self
            .playback
            .next
            .as_ref()
            .is_none_or(|next| next.id != item.id)
        {
            let next = start_preparing(
                item,
                &self.cache,
                *self.output,
                &self.waker,
                &mut self.images,
            );
            self.playback.next = Some(next);
        }
    }

    /// Puts item `index` on screen once its media are ready; until then what is on screen
    /// stays, and the next frame comes soon.
    fn play(&mut self, manifest: &StoredManifest, index: usize) {
        let item = &manifest.manifest.items[index];
        if self.playback.shows_now(item) {
            // The same item again (a loop of one): it stays on screen as it is, and a new slot
            // of it begins.
            let current = Current {
                index,
                id: item.id,
                content_hash: content_hash(item),
            };
            self.start_play(manifest, item, current);
            return;
        }
        self.prepare(item);
        let ready = matches!(
            self.playback.next,
            Some(NextUp {
                state: Preparation::Ready(_),
                ..
            })
        );
        if !ready {
            // Still decoding: keep what is on screen, and come back next frame.
            self.redraw.write(RequestRedraw);
            return;
        }
        let Some(NextUp {
            state: Preparation::Ready(prepared),
            ..
        }) = self.playback.next.take()
        else {
            return;
        };
        let current = Current {
            index,
            id: item.id,
            content_hash: content_hash(item),
        };
        let hard_cut = std::mem::take(&mut self.playback.hard_cut);
        let fade = *self.screen.get() != Screen::Starting && !hard_cut;
        let content = LayerContent::Item {
            item,
            image: prepared.image.clone(),
            backdrop: prepared.backdrop,
            qr: prepared.qr,
            tz: manifest.manifest.tz(),
            now: self.clock.now(&self.time),
        };
        let now = self.time.elapsed();
        // The look of the manifest this item comes from, even in the frame it arrived.
        let look = &self.look.with_colours_of(&manifest.manifest.look);
        let fonts = &self.fonts;
        let layer = render::spawn_layer(
            &mut self.commands,
            fonts,
            look,
            now,
            fade,
            *self.output,
            content,
        );
        if hard_cut {
            for old in &self.layers {
                self.commands.entity(old).despawn();
            }
        }
        if let (Some(video), Some((image, _))) = (prepared.video, prepared.image) {
            video.play();
            self.commands.entity(layer).insert(VideoStream {
                video,
                image,
                item: item.id,
            });
        }
        self.start_play(manifest, item, current);
    }

    /// Says that `item` now plays, for its slot.
    fn start_play(&mut self, manifest: &StoredManifest, item: &ManifestItem, current: Current) {
        self.leave_item();
        let at = self.now();
        let play = Play {
            item_id: Some(item.id),
            kind: play_kind(item.kind),
            content_hash: current.content_hash.clone(),
            screen_id: manifest.manifest.screen_id,
            planned_ms: item.duration_ms,
        };
        self.started.write(PlayStarted { play, at });
        let playback = &mut self.playback;
        playback.current = Some(current);
        playback.slot_ends = at.elapsed + Duration::from_millis(u64::from(item.duration_ms));
        if playback.history.len() >= 10_000 {
            playback.history.drain(..5_000);
        }
        playback.history.push(item.id);
        NextState::set_if_neq(&mut self.next_screen, Screen::Playing);
        set_now_playing(&self.board, Some(item.id));
        self.redraw.write(RequestRedraw);
    }
}

/// Items whose media failed a while ago may be tried again.
fn forget_failures(time: Res<Time<Real>>, mut playback: ResMut<Playback>) {
    let elapsed = time.elapsed();
    playback
        .failed
        .retain(|_, at| elapsed.saturating_sub(*at) < RETRY_FAILED_AFTER);
}

/// Unpaired (or the screen's token was revoked), and no manifest waiting to play.
fn unpaired(incoming: Res<IncomingManifest>, pairing: Res<PairingCode>) -> bool {
    incoming.0.is_none() && pairing.0.is_some()
}

/// The pairing code takes over until staff enter it; a new code shows as it comes.
fn pairing_takes_over(mut steps: Loop, pairing: Res<PairingCode>) {
    if *steps.screen.get() != Screen::Pairing || pairing.is_changed() {
        steps.leave_item();
        steps.next_screen.set(Screen::Pairing);
    }
}

/// The atomic switch to a manifest that arrived: only at an item boundary, and only to a
/// manifest whose media the sync thread has verified in the cache. An item that the new
/// manifest removed or changed (a withdrawn event, a new duration) leaves the screen now; one
/// that stays the same plays its slot to the end.
fn switch_manifest(
    time: Res<Time<Real>>,
    mut incoming: ResMut<IncomingManifest>,
    mut playback: ResMut<Playback>,
    board: Res<StatusBoard>,
) {
    let elapsed = time.elapsed();
    let Some(stored) = incoming.0.as_ref() else {
        return;
    };
    if playback.in_slot(elapsed)
        && let (Some(playing), Some(current)) = (&playback.manifest, &playback.current)
    {
        let before = playing
            .manifest
            .items
            .iter()
            .find(|item| item.id == current.id);
        let after = stored
            .manifest
            .items
            .iter()
            .find(|item| item.id == current.id);
        if after.is_some() && after == before {
            return;
        }
        playback.cut_short = true;
    }
    if let Some(stored) = incoming.0.take() {
        playback.manifest = Some(Arc::new(*stored));
        playback.next = None;
        playback.failed.clear();
        // The new manifest may bring the file anew (or not at all): it is tried again.
        if !playback.unplayable.is_empty() {
            playback.unplayable.clear();
            share_unplayable(&board, &playback.unplayable);
        }
    }
}

/// Picks what shows next: the next playable item once the slot on screen is over (prepared
/// while that one plays), or the default slide when nothing is playable.
fn advance(mut steps: Loop) {
    let now = steps.now();
    let Some(manifest) = steps.playback.manifest.clone() else {
        steps.show_default();
        return;
    };
    let covered = steps.playback.covered.take();
    let after = steps
        .playback
        .current
        .as_ref()
        .map(|current| {
            let items = &manifest.manifest.items;
            items
                .iter()
                .position(|item| item.id == current.id)
                .unwrap_or(current.index)
        })
        .or(covered);
    let next = steps
        .playback
        .next_index(&manifest, after, now.wall, now.elapsed);
    let cut_short = std::mem::take(&mut steps.playback.cut_short);
    if steps.playback.in_slot(now.elapsed) && !cut_short {
        // Prepare the next item ahead while this one plays.
        if steps.playback.next.is_none()
            && let Some(index) = next
        {
            steps.prepare(&manifest.manifest.items[index]);
        }
        return;
    }
    let Some(index) = next else {
        steps.show_default();
        steps.playback.next = None;
        return;
    };
    steps.play(&manifest, index);
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

fn share_unplayable(board: &StatusBoard, unplayable: &BTreeMap<String, String>) {
    if let Ok(mut status) = board.0.lock() {
        status.unplayable = unplayable
            .iter()
            .map(|(sha256, reason)| UnplayableMedia {
                sha256: sha256.clone(),
                reason: reason.clone(),
            })
            .collect();
    }
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
    waker: &AppWaker,
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
                item.event.is_some(),
                if media.is_video() {
                    MediaKind::Video {
                        file: VideoFile {
                            sha256: media.sha256.clone(),
                            width: media.width,
                            height: media.height,
                            sound: item.sound,
                        },
                        wake: Arc::clone(&waker.0),
                    }
                } else {
                    MediaKind::Picture
                },
            ),
            qr,
        },
        None => Preparation::Ready(Prepared {
            image: None,
            backdrop: None,
            qr,
            video: None,
        }),
    };
    NextUp { id: item.id, state }
}

/// Turns finished decodes into textures; a damaged or missing file is reported to the sync
/// thread (which fetches it again) and its item skipped for a while.
fn poll_preparation(
    time: Res<Time<Real>>,
    mut playback: ResMut<Playback>,
    mut images: ResMut<Assets<Image>>,
    outbox: Res<SyncOutbox>,
    board: Res<StatusBoard>,
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
        Ok(decoded) => {
            let pixels = decoded.picture;
            let size = UVec2::new(pixels.width, pixels.height);
            let handle = images.add(pixels.into_image());
            let backdrop = decoded
                .backdrop
                .map(|pixels| images.add(pixels.into_image()));
            if let Some(next) = playback.next.as_mut()
                && let Preparation::Loading { qr, .. } = &mut next.state
            {
                let qr = qr.take();
                next.state = Preparation::Ready(Prepared {
                    image: Some((handle, size)),
                    backdrop,
                    qr,
                    video: decoded.video,
                });
            }
            redraw.write(RequestRedraw);
        }
        Err(error) => {
            warn!("item {id} cannot be shown: {error}");
            let sha256 = playback.manifest.as_ref().and_then(|manifest| {
                let items = &manifest.manifest.items;
                let item = items.iter().find(|item| item.id == id)?;
                Some(item.media.as_ref()?.sha256.clone())
            });
            match (&error, sha256) {
                (PrepareError::Damaged | PrepareError::Missing, Some(sha256)) => {
                    let _ = outbox.0.send(AppRequest::Refetch(sha256));
                }
                (PrepareError::Undecodable(reason), Some(sha256)) => {
                    playback.mark_unplayable(&sha256, reason, &board);
                }
                _ => {}
            }
            playback.failed.insert(id, time.elapsed());
            playback.next = None;
            redraw.write(RequestRedraw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display_hours::DisplayHours;
    use crate::proof::PlayLog;
    use crate::sync::{SyncMessage, test_channels};
    use bevy::state::app::StatesPlugin;
    use bevy::time::TimeUpdateStrategy;
    use chrono::{TimeZone, Weekday};
    use civicast_shared::api::device::{MANIFEST_SCHEMA_VERSION, Manifest, MediaRef};
    use civicast_shared::api::places::{Orientation, ScreenKind};
    use civicast_shared::api::playlists::{Fit, PlaylistItemKind};
    use civicast_shared::api::plays::{PlayOutcome, PlayRecord};
    use civicast_shared::schedule::Schedule;
    use std::sync::mpsc::{Receiver, Sender};

    const FRAME: Duration = Duration::from_millis(100);

    /// What is on screen: the [`Screen`] mode, with the item or the code it shows.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum OnScreen {
        Nothing,
        Default,
        Pairing(String),
        Item { index: usize, id: Uuid },
    }

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
            app.add_plugins((MinimalPlugins, StatesPlugin, AssetPlugin::default()))
                .init_asset::<Image>()
                .init_asset::<Font>()
                .init_resource::<bevy::text::FontCx>()
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
                look: Default::default(),
                kiosk: None,
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
            let world = self.app.world();
            match world.resource::<State<Screen>>().get() {
                Screen::Starting => OnScreen::Nothing,
                Screen::DefaultSlide => OnScreen::Default,
                Screen::Pairing => {
                    let code = world.resource::<PairingCode>().0.clone().unwrap().0;
                    OnScreen::Pairing(code)
                }
                Screen::Playing => {
                    let current = world.resource::<Playback>().current().unwrap();
                    OnScreen::Item {
                        index: current.index,
                        id: current.id,
                    }
                }
            }
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
            sound: false,
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
        let clock = Arc::new(crate::net::clock::ClockOffset::default());
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
    fn the_kiosk_view_cuts_the_play_it_covers_counts_nothing_and_records_the_visit() {
        use crate::kiosk::{Kiosk, KioskAction, Section};
        use civicast_shared::api::kiosk::{KioskContent, KioskLanguage, KioskPage};
        let mut harness = Harness::new();
        let (sender, plays) = std::sync::mpsc::channel();
        let (session_sender, sessions) = std::sync::mpsc::channel();
        let clock = Arc::new(crate::net::clock::ClockOffset::default());
        harness
            .app
            .insert_resource(PlayLog::new(sender, clock).with_sessions(session_sender));
        let a = announcement("A", 10_000);
        let b = announcement("B", 10_000);
        let screen_id = Uuid::now_v7();
        let manifest = Manifest {
            schema_version: MANIFEST_SCHEMA_VERSION,
            screen_id,
            screen_name: "Station kiosk".into(),
            kind: ScreenKind::Kiosk,
            width: 1080,
            height: 1920,
            orientation: Orientation::Portrait,
            building_name: "Station".into(),
            time_zone: "Europe/Brussels".into(),
            poll_interval_s: 10,
            display_hours: None,
            items: vec![a.clone(), b.clone()],
            look: Default::default(),
            kiosk: Some(KioskContent {
                idle_timeout_s: 15,
                diagonal_mm: 1092,
                events: Vec::new(),
                map: None,
                services: Vec::new(),
            }),
        };
        harness
            .to_app
            .send(SyncMessage::Manifest(Box::new(StoredManifest {
                etag: "\"kiosk\"".into(),
                manifest,
            })))
            .unwrap();
        harness.run_for(Duration::from_millis(3_000));
        assert_eq!(harness.on_screen(), OnScreen::Item { index: 0, id: a.id });

        // A touch: the view covers the loop, and the play on screen ends there, cut short.
        let world = harness.app.world_mut();
        world.write_message(KioskAction::Open);
        harness.run_for(FRAME);
        assert!(harness.app.world().resource::<Kiosk>().is_open());
        let cut: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(cut.len(), 1, "{cut:?}");
        assert_eq!(cut[0].item_id, Some(a.id));
        assert_eq!(cut[0].outcome, PlayOutcome::Partial);
        assert!(
            (2_900..3_300).contains(&cut[0].played_ms),
            "{}",
            cut[0].played_ms
        );

        // While the view is open nothing plays, however long the visit.
        harness
            .app
            .world_mut()
            .write_message(KioskAction::Language(KioskLanguage::German));
        harness
            .app
            .world_mut()
            .write_message(KioskAction::Section(Section::Map));
        harness.run_for(Duration::from_millis(12_000));
        assert_eq!(plays.try_iter().count(), 0, "no plays under the view");
        assert!(harness.app.world().resource::<Kiosk>().is_open());
        // The idle timeout (15 s after the last touch) closes it; the visit is recorded.
        harness.run_for(Duration::from_millis(3_500));
        let kiosk = harness.app.world().resource::<Kiosk>();
        assert!(!kiosk.is_open(), "closed after the idle timeout");
        assert_eq!(
            kiosk.language,
            KioskLanguage::Dutch,
            "the visit is forgotten"
        );
        let visits: Vec<_> = sessions.try_iter().collect();
        assert_eq!(visits.len(), 1);
        let visit = &visits[0];
        assert_eq!(visit.screen_id, screen_id);
        assert_eq!(visit.language, KioskLanguage::German);
        assert_eq!(visit.pages, [KioskPage::WhatsOn, KioskPage::Map]);
        let length = (visit.ended_at - visit.started_at).num_milliseconds();
        assert!((14_900..15_400).contains(&length), "{length}");

        // The loop goes on with the next item, which counts in full.
        harness.run_for(FRAME);
        assert_eq!(harness.on_screen(), OnScreen::Item { index: 1, id: b.id });
        harness.run_for(Duration::from_millis(10_100));
        let after: Vec<PlayRecord> = plays.try_iter().collect();
        assert_eq!(
            after.first().map(|p| (p.item_id, p.outcome)),
            Some((Some(b.id), PlayOutcome::Complete))
        );
    }

    #[test]
    fn a_loop_of_one_keeps_its_layer_and_counts_each_slot() {
        let mut harness = Harness::new();
        let (sender, plays) = std::sync::mpsc::channel();
        let clock = Arc::new(crate::net::clock::ClockOffset::default());
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
        // Nor is it prepared again for its next slot: a poster would be decoded every slot.
        let playback = harness.app.world().resource::<Playback>();
        assert!(playback.next.is_none(), "{:?}", playback.next);
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
        let clock = Arc::new(crate::net::clock::ClockOffset::default());
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
        let clock = Arc::new(crate::net::clock::ClockOffset::default());
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
        assert_eq!(
            *harness.app.world().resource::<State<DisplayHours>>().get(),
            DisplayHours::Inside
        );
        harness.run_for(Duration::from_millis(1_500));
        assert_eq!(
            *harness.app.world().resource::<State<DisplayHours>>().get(),
            DisplayHours::Outside
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
        // Nothing counts while it is blank, and the loop waits behind the blank screen.
        let shown = harness.history().len();
        harness.run_for(Duration::from_millis(25_000));
        assert_eq!(plays.try_iter().count(), 0);
        assert_eq!(
            harness.history().len(),
            shown,
            "no item changes where nobody sees it"
        );
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
            duration_ms: None,
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
