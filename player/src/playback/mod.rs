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
use uuid::Uuid;

use crate::render::{self, LayerContent, OutputSize};
use crate::sync::storage::StoredManifest;
use crate::sync::{AppRequest, IncomingManifest, PairingCode, StatusBoard, SyncOutbox};
use prepare::{Loading, PrepareError};

/// An item whose media failed is skipped for this long before it is tried again.
const RETRY_FAILED_AFTER: Duration = Duration::from_secs(10);

/// The wall clock that schedules are read against: the system's, or (in tests) one that starts
/// at a chosen instant and runs with bevy's time.
#[derive(Resource, Debug, Clone, Copy, Default)]
pub enum WallClock {
    #[default]
    System,
    StartingAt(DateTime<Utc>),
}

impl WallClock {
    pub fn now(self, time: &Time) -> DateTime<Utc> {
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

#[derive(Resource, Debug, Default)]
pub struct Playback {
    manifest: Option<Arc<StoredManifest>>,
    pub on_screen: OnScreen,
    slot_ends: Duration,
    next: Option<NextUp>,
    failed: HashMap<Uuid, Duration>,
    /// Every item shown, in order, for tests and diagnostics (bounded).
    pub history: Vec<Uuid>,
}

impl Playback {
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
        .add_systems(Update, (advance, poll_preparation).chain());
}

fn media_of(item: &ManifestItem) -> Option<&civicast_shared::api::device::MediaRef> {
    item.media.as_ref()
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
    time: Res<Time>,
    clock: Res<WallClock>,
    output: Res<OutputSize>,
    cache: Option<Res<CacheDir>>,
    pairing: Res<PairingCode>,
    mut incoming: ResMut<IncomingManifest>,
    mut playback: ResMut<Playback>,
    mut images: ResMut<Assets<Image>>,
    board: Res<StatusBoard>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let elapsed = time.elapsed();
    let wall = clock.now(&time);
    let first_layer = playback.on_screen == OnScreen::Nothing;

    if playback.manifest.is_none()
        && incoming.0.is_none()
        && let Some((code, server)) = &pairing.0
    {
        if playback.on_screen != OnScreen::Pairing(code.clone()) {
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

    let in_slot = matches!(playback.on_screen, OnScreen::Item { .. }) && elapsed < playback.slot_ends;
    if !in_slot && let Some(stored) = incoming.0.take() {
        // The atomic switch: only at an item boundary, and only to a manifest whose media the
        // sync thread has verified in the cache.
        playback.manifest = Some(Arc::new(*stored));
        playback.next = None;
        playback.failed.clear();
    }
    let Some(manifest) = playback.manifest.clone() else {
        if playback.on_screen == OnScreen::Nothing || matches!(playback.on_screen, OnScreen::Pairing(_)) {
            render::spawn_layer(&mut commands, elapsed, !first_layer, *output, LayerContent::Default);
            playback.on_screen = OnScreen::Default;
        }
        return;
    };
    let current_index = match &playback.on_screen {
        OnScreen::Item { id, .. } => manifest.manifest.items.iter().position(|item| item.id == *id),
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
            let next = start_preparing(item, cache.as_deref(), *output, &mut images);
            playback.next = Some(next);
        }
        return;
    }

    let Some(index) = next_index(&playback, &manifest, after, wall, elapsed) else {
        if playback.on_screen != OnScreen::Default {
            render::spawn_layer(&mut commands, elapsed, !first_layer, *output, LayerContent::Default);
            playback.on_screen = OnScreen::Default;
            set_now_playing(&board, None);
        }
        playback.next = None;
        return;
    };
    let item = &manifest.manifest.items[index];
    if playback.next.as_ref().is_none_or(|next| next.id != item.id) {
        let next = start_preparing(item, cache.as_deref(), *output, &mut images);
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
    playback.on_screen = OnScreen::Item { index, id: item.id };
    playback.slot_ends = elapsed + Duration::from_millis(u64::from(item.duration_ms));
    if playback.history.len() >= 10_000 {
        playback.history.drain(..5_000);
    }
    playback.history.push(item.id);
    set_now_playing(&board, Some(item.id));
    redraw.write(RequestRedraw);
}

fn set_now_playing(board: &StatusBoard, id: Option<Uuid>) {
    if let Ok(mut status) = board.0.lock() {
        status.now_playing = id;
    }
}

fn start_preparing(
    item: &ManifestItem,
    cache: Option<&CacheDir>,
    output: OutputSize,
    images: &mut Assets<Image>,
) -> NextUp {
    let qr = item
        .event
        .as_ref()
        .and_then(|event| event.link.as_deref())
        .and_then(render::qr::qr_image)
        .map(|image| images.add(image));
    let state = match (media_of(item), cache) {
        (Some(media), Some(cache)) => Preparation::Loading {
            loading: Loading::start(
                cache.0.join(&media.sha256),
                media.sha256.clone(),
                (output.0.x, output.0.y),
            ),
            qr,
        },
        // Without a cache directory there is nothing to load from: the item fails and is skipped.
        (Some(_), None) => Preparation::Loading {
            loading: Loading::start(std::path::PathBuf::new(), String::new(), (1, 1)),
            qr,
        },
        (None, _) => Preparation::Ready(Prepared { image: None, qr }),
    };
    NextUp { id: item.id, state }
}

/// Turns finished decodes into textures; a damaged or missing file is reported to the sync
/// thread (which fetches it again) and its item skipped for a while.
fn poll_preparation(
    time: Res<Time>,
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
                    .and_then(media_of)
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
