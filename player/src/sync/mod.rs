//! The sync thread (pairing, manifest polls, filling the media cache, status reports) and the
//! bevy glue that hands its messages to the app. `worker` knows nothing of bevy; it talks to the
//! server through `crate::net`.

pub mod worker;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;

use crate::Step;
use crate::net::storage::StoredManifest;

pub use worker::{AppRequest, LinkState, SharedStatus, SyncConfig, SyncMessage, Waker};

/// Starts the sync thread when inserted before the app runs (tests leave it out and feed
/// [`SyncMessage`]s through [`SyncInbox`] themselves).
#[derive(Resource, Clone)]
pub struct SyncSettings(pub SyncConfig);

/// Wakes the app's event loop when a thread sent it something (the app sleeps while nothing
/// changes). Without a window (tests) there is no event loop to wake: frames run anyway.
#[derive(Resource, Clone)]
pub struct AppWaker(pub Waker);

impl Default for AppWaker {
    fn default() -> Self {
        AppWaker(Arc::new(|| {}))
    }
}

/// Messages from the sync thread, read each frame. Until the thread starts (and in tests that
/// do not connect it) nothing sends on it.
#[derive(Resource)]
pub struct SyncInbox(pub Mutex<Receiver<SyncMessage>>);

impl Default for SyncInbox {
    fn default() -> Self {
        SyncInbox(Mutex::new(mpsc::channel().1))
    }
}

/// Requests to the sync thread. Until the thread starts (and in tests that do not connect it)
/// nothing receives them: they are dropped.
#[derive(Resource, Clone)]
pub struct SyncOutbox(pub Sender<AppRequest>);

impl Default for SyncOutbox {
    fn default() -> Self {
        SyncOutbox(mpsc::channel().0)
    }
}

/// What the app shares with the sync thread for its status reports.
#[derive(Resource, Clone, Default)]
pub struct StatusBoard(pub SharedStatus);

/// The state of the link, shown on the default slide.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct Link(pub LinkState);

/// The code to show while the player waits to be paired, and the server to enter it at.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct PairingCode(pub Option<(String, String)>);

/// A manifest that arrived from the sync thread and waits for the next item boundary.
#[derive(Resource, Debug, Default)]
pub struct IncomingManifest(pub Option<Box<StoredManifest>>);

pub fn plugin(app: &mut App) {
    app.init_resource::<Link>()
        .init_resource::<PairingCode>()
        .init_resource::<IncomingManifest>()
        .init_resource::<StatusBoard>()
        .init_resource::<SyncInbox>()
        .init_resource::<SyncOutbox>()
        .init_resource::<AppWaker>()
        .add_systems(
            Startup,
            // Tests run without a server: they feed the inbox themselves.
            start_sync_thread.run_if(resource_exists::<SyncSettings>),
        )
        .add_systems(Update, receive_messages.in_set(Step::Receive));
}

/// A pair of channels for tests: the app's inbox and the sender that feeds it, plus the
/// receiving end of the app's requests.
pub fn test_channels(app: &mut App) -> (Sender<SyncMessage>, Receiver<AppRequest>) {
    let (to_app, inbox) = mpsc::channel();
    let (outbox, from_app) = mpsc::channel();
    app.insert_resource(SyncInbox(Mutex::new(inbox)))
        .insert_resource(SyncOutbox(outbox));
    (to_app, from_app)
}

fn start_sync_thread(
    mut commands: Commands,
    settings: Res<SyncSettings>,
    board: Res<StatusBoard>,
    waker: Res<AppWaker>,
) {
    let (to_app, inbox) = mpsc::channel();
    let (outbox, from_app) = mpsc::channel();
    commands.insert_resource(SyncInbox(Mutex::new(inbox)));
    commands.insert_resource(SyncOutbox(outbox));
    let config = settings.0.clone();
    let status: SharedStatus = Arc::clone(&board.0);
    let waker = Arc::clone(&waker.0);
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || worker::run(config, to_app, from_app, status, Some(waker)))
        .expect("the sync thread starts");
}

fn receive_messages(
    inbox: Res<SyncInbox>,
    mut link: ResMut<Link>,
    mut pairing: ResMut<PairingCode>,
    mut incoming: ResMut<IncomingManifest>,
) {
    let Ok(inbox) = inbox.0.lock() else {
        return;
    };
    for message in inbox.try_iter() {
        match message {
            // Only a real change marks the resource changed, so the slide redraws only then.
            SyncMessage::Link(state) => {
                link.set_if_neq(Link(state));
            }
            SyncMessage::Pairing { code, server } => {
                info!("pairing code {code}: enter it in the CMS of {server}");
                pairing.set_if_neq(PairingCode(Some((code, server))));
            }
            SyncMessage::Manifest(stored) => {
                pairing.set_if_neq(PairingCode(None));
                incoming.0 = Some(stored);
            }
        }
    }
}
