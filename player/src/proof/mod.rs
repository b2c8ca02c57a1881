//! Proof of play on the player: the recorder (`recorder`) turns playback's play-started and
//! play-ended messages into finished plays and hands each to [`PlayLog`]; a writer thread stores
//! it in the durable queue (it counts from then on), and an uploader thread sends the queue to
//! the server in batches, with a kiosk's finished sessions. No thread ever holds up a frame.

pub mod queue;
pub mod recorder;
pub mod uploader;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use bevy::prelude::*;
use civicast_shared::api::kiosk::KioskSession;
use civicast_shared::api::plays::PlayRecord;

use crate::net::client::ServerClient;
use crate::net::clock::ClockOffset;
use crate::net::endpoint::Endpoint;
use crate::net::storage::DataDir;
use queue::PlayQueue;

/// Where finished plays go, and the clock offset to stamp them with. The default one, for an
/// app started without proof of play (most tests), drops them.
#[derive(Resource, Clone, Default)]
pub struct PlayLog {
    sender: Option<Sender<PlayRecord>>,
    sessions: Option<Sender<KioskSession>>,
    clock: Arc<ClockOffset>,
}

impl PlayLog {
    pub fn new(sender: Sender<PlayRecord>, clock: Arc<ClockOffset>) -> PlayLog {
        PlayLog {
            sender: Some(sender),
            sessions: None,
            clock,
        }
    }

    /// This log with a kiosk's finished sessions going to `sessions`.
    pub fn with_sessions(mut self, sessions: Sender<KioskSession>) -> PlayLog {
        self.sessions = Some(sessions);
        self
    }

    /// Queues a kiosk's finished session, to be uploaded with the plays.
    pub fn record_session(&self, session: KioskSession) {
        if let Some(sessions) = &self.sessions {
            let _ = sessions.send(session);
        }
    }

    pub fn clock_offset_ms(&self) -> i64 {
        self.clock.get()
    }

    pub fn record(&self, play: PlayRecord) {
        if let Some(sender) = &self.sender {
            // The writer thread only ends with the app.
            let _ = sender.send(play);
        }
    }
}

#[derive(Debug, Clone)]
pub struct ProofConfig {
    pub data: DataDir,
    /// The server, and the certificates trusted for it.
    pub server: Endpoint,
    pub clock: Arc<ClockOffset>,
    /// How often queued plays are sent while all is well.
    pub upload_every: Duration,
}

impl ProofConfig {
    pub fn queue_path(&self) -> PathBuf {
        self.data.root().join("plays.sqlite")
    }
}

/// Starts the writer and uploader threads and returns the log that feeds them.
pub fn start(config: ProofConfig) -> Result<PlayLog, String> {
    let path = config.queue_path();
    let mut writer_queue =
        PlayQueue::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let upload_queue =
        PlayQueue::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let client = ServerClient::new(&config.server, None)
        .map_err(|e| e.to_string())?
        .with_clock(Arc::clone(&config.clock));
    let (sender, plays) = mpsc::channel::<PlayRecord>();
    let mut session_queue =
        PlayQueue::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let (nudge, nudges) = mpsc::channel();
    let (session_sender, sessions) = mpsc::channel::<KioskSession>();
    let session_nudge = nudge.clone();
    std::thread::Builder::new()
        .name("kiosk-session-writer".into())
        .spawn(move || {
            for session in sessions {
                match session_queue.push_session(&session) {
                    Ok(()) => {
                        let _ = session_nudge.send(());
                    }
                    Err(error) => error!("a kiosk session could not be stored: {error}"),
                }
            }
        })
        .map_err(|e| e.to_string())?;
    std::thread::Builder::new()
        .name("play-writer".into())
        .spawn(move || {
            for play in plays {
                match writer_queue.push(play) {
                    Ok(_) => {
                        let _ = nudge.send(());
                    }
                    Err(error) => error!("a play could not be stored: {error}"),
                }
            }
        })
        .map_err(|e| e.to_string())?;
    let upload = uploader::UploadConfig {
        data: config.data.clone(),
        upload_every: config.upload_every,
    };
    std::thread::Builder::new()
        .name("play-uploader".into())
        .spawn(move || uploader::run(upload, client, upload_queue, nudges))
        .map_err(|e| e.to_string())?;
    Ok(PlayLog::new(sender, config.clock).with_sessions(session_sender))
}
