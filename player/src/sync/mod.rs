//! Everything between the player and the server: the sync thread (pairing, manifest polls, the
//! verified media cache, status reports) and the bevy glue that hands its messages to the app.
//! `storage`, `cache`, `client` and `worker` know nothing of bevy.

pub mod backoff;
pub mod cache;
pub mod client;
pub mod storage;
pub mod worker;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};

pub use worker::{AppRequest, LinkState, SharedStatus, SyncConfig, SyncMessage};

/// Starts the sync thread when inserted before the app runs (tests leave it out and feed
/// [`SyncMessage`]s through [`SyncInbox`] themselves).
#[derive(Resource, Clone)]
pub struct SyncSettings(pub SyncConfig);

/// Messages from the sync thread, read each frame.
#[derive(Resource)]
pub struct SyncInbox(pub Mutex<Receiver<SyncMessage>>);

/// Requests to the sync thread.
#[derive(Resource, Clone)]
pub struct SyncOutbox(pub Sender<AppRequest>);

/// What the app shares with the sync thread for its status reports.
#[derive(Resource, Clone, Default)]
pub struct StatusBoard(pub SharedStatus);

/// The state of the link, shown on the default slide.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct Link(pub LinkState);

/// The code to show while the player waits to be paired.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct PairingCode(pub Option<(String, String)>);

/// A manifest that arrived from the sync thread and waits for the next item boundary.
#[derive(Resource, Debug, Default)]
pub struct IncomingManifest(pub Option<Box<storage::StoredManifest>>);

pub fn plugin(app: &mut App) {
    app.init_resource::<Link>()
        .init_resource::<PairingCode>()
        .init_resource::<IncomingManifest>()
        .init_resource::<StatusBoard>()
        .add_systems(Startup, start_sync_thread)
        .add_systems(PreUpdate, receive_messages);
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
    settings: Option<Res<SyncSettings>>,
    board: Res<StatusBoard>,
    event_loop: Option<Res<EventLoopProxyWrapper>>,
) {
    let Some(settings) = settings else {
        return;
    };
    let (to_app, inbox) = mpsc::channel();
    let (outbox, from_app) = mpsc::channel();
    commands.insert_resource(SyncInbox(Mutex::new(inbox)));
    commands.insert_resource(SyncOutbox(outbox));
    let config = settings.0.clone();
    let status: SharedStatus = Arc::clone(&board.0);
    let waker = event_loop.map(|proxy| {
        let proxy = (**proxy).clone();
        let wake: worker::Waker = Arc::new(move || {
            let _ = proxy.send_event(WinitUserEvent::WakeUp);
        });
        wake
    });
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || worker::run(config, to_app, from_app, status, waker))
        .expect("the sync thread starts");
}

fn receive_messages(
    inbox: Option<Res<SyncInbox>>,
    mut link: ResMut<Link>,
    mut pairing: ResMut<PairingCode>,
    mut incoming: ResMut<IncomingManifest>,
) {
    let Some(inbox) = inbox else {
        return;
    };
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
