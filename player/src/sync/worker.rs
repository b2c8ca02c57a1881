//! The sync thread: pairs the player, polls the manifest, fills the cache, switches to a new
//! manifest only once every file it needs is verified in the cache, and reports status. It talks
//! to the app only through channels, so no frame ever waits on the network.

use std::collections::HashSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::log::{info, warn};
use civicast_shared::api::device::{Manifest, PairingRequest, PairingStatus, PlayerStatus};

use crate::net::backoff::Backoff;
use crate::net::cache::MediaCache;
use crate::net::client::{ManifestPoll, NetError, ServerClient};
use crate::net::endpoint::Endpoint;
use crate::net::storage::{DataDir, StoredManifest};

/// How long pairing waits for the app to know the real output size (the window exists, and
/// full screen covers the monitor) before it asks for a code with the default size.
const OUTPUT_SIZE_WAIT: Duration = Duration::from_secs(15);
/// The size a pairing request names when the app never said.
const DEFAULT_SIZE: (u32, u32) = (1920, 1080);

/// What the sync thread tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncMessage {
    /// Whether the last call reached the server.
    Link(LinkState),
    /// No token yet: show this code full screen.
    Pairing { code: String, server: String },
    /// A manifest whose media are all in the cache: switch to it at the next item boundary.
    Manifest(Box<StoredManifest>),
}

/// What the player last heard from the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LinkState {
    #[default]
    Unknown,
    Reachable,
    /// Why not, in one short line for the screen (at most
    /// [`crate::net::endpoint::MESSAGE_MAX_CHARS`] characters), e.g. "certificate for
    /// cms.city.example is not trusted" or "cms.city.example cannot be reached: connection
    /// refused".
    Unreachable(String),
}

/// What the app asks of the sync thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRequest {
    /// This cached file failed its check when it was about to be shown: fetch it again.
    Refetch(String),
}

/// What the app fills in for the status report (what plays, the output size).
pub type SharedStatus = Arc<Mutex<PlayerStatus>>;

/// Wakes the app's event loop after a message was sent (the app sleeps while nothing changes).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub data: DataDir,
    /// The server, and the certificates trusted for it.
    pub server: Endpoint,
    pub cache_limit_bytes: u64,
    pub download_rate_limit: Option<u64>,
    /// Shared with the play uploader and playback, which stamp plays with it.
    pub clock: Arc<crate::net::clock::ClockOffset>,
}

struct Worker {
    config: SyncConfig,
    client: ServerClient,
    cache: MediaCache,
    to_app: Sender<SyncMessage>,
    from_app: Receiver<AppRequest>,
    status: SharedStatus,
    waker: Option<Waker>,
    /// The link state last told to the app: only a change is sent (and wakes it).
    told_link: Option<LinkState>,
    current: Option<StoredManifest>,
    started: Instant,
    backoff: Backoff,
}

/// Runs until the app goes away.
pub fn run(
    config: SyncConfig,
    to_app: Sender<SyncMessage>,
    from_app: Receiver<AppRequest>,
    status: SharedStatus,
    waker: Option<Waker>,
) {
    let client = match ServerClient::new(&config.server, config.download_rate_limit) {
        Ok(client) => client.with_clock(Arc::clone(&config.clock)),
        Err(error) => {
            let message = match &error {
                NetError::Network(error) => config.server.explain(error),
                other => other.to_string(),
            };
            warn!("cannot make an HTTP client: {message}");
            let _ = to_app.send(SyncMessage::Link(LinkState::Unreachable(message)));
            return;
        }
    };
    let cache = match MediaCache::open(config.data.cache_dir(), config.cache_limit_bytes) {
        Ok(cache) => cache,
        Err(error) => {
            let _ = to_app.send(SyncMessage::Link(LinkState::Unreachable(format!(
                "cannot open the cache: {error}"
            ))));
            return;
        }
    };
    let current = config.data.manifest();
    let mut worker = Worker {
        config,
        client,
        cache,
        to_app,
        from_app,
        status,
        waker,
        told_link: None,
        current,
        started: Instant::now(),
        backoff: Backoff::default(),
    };
    // Offline start: play from the cache at once, before the network is even tried.
    if let Some(stored) = worker.current.clone()
        && !worker.send(SyncMessage::Manifest(Box::new(stored)))
    {
        return;
    }
    worker.run_forever();
}

impl Worker {
    /// Sends to the app; `false` once the app has closed.
    fn send(&self, message: SyncMessage) -> bool {
        let sent = self.to_app.send(message).is_ok();
        if let Some(wake) = &self.waker {
            wake();
        }
        sent
    }

    /// Waits up to `delay`, handling the app's requests; `false` once the app has closed.
    fn wait(&mut self, delay: Duration) -> bool {
        match self.from_app.recv_timeout(delay) {
            Ok(AppRequest::Refetch(sha256)) => {
                self.cache.discard(&sha256);
                true // fetch it again now
            }
            Err(RecvTimeoutError::Timeout) => true,
            Err(RecvTimeoutError::Disconnected) => false,
        }
    }

    fn run_forever(&mut self) {
        loop {
            let delay = match self.config.data.token() {
                None => self.pair(),
                Some(token) => self.sync(&token),
            };
            let Some(delay) = delay else {
                return;
            };
            if !self.wait(delay) {
                return;
            }
        }
    }

    fn link(&mut self, result: &Result<(), NetError>) -> Option<Duration> {
        let (state, reachable) = match result {
            Ok(()) => (LinkState::Reachable, true),
            Err(error) => (LinkState::Unreachable(self.client.describe(error)), false),
        };
        if self.told_link.as_ref() != Some(&state) {
            // Logged once per change, not on every retry.
            match &state {
                LinkState::Unreachable(why) => {
                    warn!("server {} unreachable: {why}", self.client.base());
                }
                LinkState::Reachable => info!("server {} reachable", self.client.base()),
                LinkState::Unknown => {}
            }
            self.told_link = Some(state.clone());
            if !self.send(SyncMessage::Link(state)) {
                return None;
            }
        }
        let steady = self
            .current
            .as_ref()
            .map_or(10, |stored| stored.manifest.poll_interval_s.clamp(1, 300));
        Some(
            self.backoff
                .after(reachable, Duration::from_secs(u64::from(steady))),
        )
    }

    /// One round: poll, fetch what is missing, switch if complete, report. Returns the delay
    /// before the next round, or `None` once the app has closed.
    fn sync(&mut self, token: &str) -> Option<Duration> {
        let result = self.sync_once(token);
        if let Err(NetError::Unauthorized) = result {
            let _ = self.config.data.forget_token();
            return Some(Duration::ZERO);
        }
        if result.is_ok() {
            let _ = self.client.report_status(token, &self.status_report());
        }
        self.link(&result)
    }

    fn sync_once(&mut self, token: &str) -> Result<(), NetError> {
        let etag = self
            .current
            .as_ref()
            .map(|stored| stored.etag.clone())
            .filter(|etag| !etag.is_empty());
        let poll = self.client.poll_manifest(token, etag.as_deref())?;
        let (target, is_new) = match poll {
            ManifestPoll::Changed { manifest, etag } => (
                StoredManifest {
                    etag,
                    manifest: *manifest,
                },
                true,
            ),
            ManifestPoll::Unchanged => match &self.current {
                Some(current) => (current.clone(), false),
                None => return Ok(()),
            },
        };
        // Fetch every missing file first; the switch happens only when all are verified.
        self.fetch_media(token, &target.manifest)?;
        if is_new {
            self.config
                .data
                .save_manifest(&target)
                .map_err(|e| NetError::Cache(e.into()))?;
            self.current = Some(target.clone());
            if !self.send(SyncMessage::Manifest(Box::new(target.clone()))) {
                return Ok(());
            }
        }
        let keep: HashSet<String> = target
            .manifest
            .media()
            .into_iter()
            .map(|media| media.sha256.clone())
            .collect();
        self.cache.evict(&keep);
        Ok(())
    }

    fn fetch_media(&mut self, token: &str, manifest: &Manifest) -> Result<(), NetError> {
        for media in manifest.media() {
            if !self.cache.contains(&media.sha256) {
                self.client
                    .download(token, &self.cache, &media.sha256, media.size_bytes)?;
            }
        }
        Ok(())
    }

    fn status_report(&self) -> PlayerStatus {
        let mut status = self
            .status
            .lock()
            .map(|status| status.clone())
            .unwrap_or_default();
        let (bytes, files) = self.cache.usage();
        status.player_version = env!("CARGO_PKG_VERSION").to_owned();
        status.cache_bytes = bytes;
        status.cache_files = files;
        status.uptime_s = self.started.elapsed().as_secs();
        status.manifest_etag = self.current.as_ref().map(|stored| stored.etag.clone());
        status
    }

    /// The output size the app shares once the window really has it, waiting up to
    /// [`OUTPUT_SIZE_WAIT`] for it (the screen's resolution and orientation at the server come
    /// from it); `None` once the app has closed.
    fn output_size(&mut self) -> Option<(u32, u32)> {
        let deadline = Instant::now() + OUTPUT_SIZE_WAIT;
        loop {
            let (width, height) = self
                .status
                .lock()
                .map(|status| (status.width, status.height))
                .unwrap_or_default();
            if width >= 64 && height >= 64 {
                return Some((width, height));
            }
            if Instant::now() >= deadline {
                warn!(
                    "the output size is still unknown after {OUTPUT_SIZE_WAIT:?}: pairing as {}x{}",
                    DEFAULT_SIZE.0, DEFAULT_SIZE.1
                );
                return Some(DEFAULT_SIZE);
            }
            // The app sleeps while nothing changes: wake it, so that it looks at its window.
            if let Some(wake) = &self.waker {
                wake();
            }
            if !self.wait(Duration::from_millis(100)) {
                return None;
            }
        }
    }

    /// Asks for a pairing code, shows it, and polls until staff entered it (token saved) or it
    /// expired. Returns the delay before the next round.
    fn pair(&mut self) -> Option<Duration> {
        let (width, height) = self.output_size()?;
        let request = PairingRequest {
            width,
            height,
            player_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let ticket = match self.client.request_pairing(&request) {
            Ok(ticket) => ticket,
            Err(error) => return self.link(&Err(error)),
        };
        self.link(&Ok(()))?;
        if !self.send(SyncMessage::Pairing {
            code: ticket.code.clone(),
            server: self.client.base().to_owned(),
        }) {
            return None;
        }
        loop {
            match self.client.poll_pairing(&ticket.secret) {
                Ok(state) if state.status == PairingStatus::Paired => {
                    if let Some(token) = state.token {
                        let _ = self.config.data.save_token(&token);
                    }
                    // Poll without an ETag, so the app gets a manifest (and leaves the pairing
                    // screen) even when the screen's content did not change.
                    if let Some(current) = self.current.as_mut() {
                        current.etag.clear();
                    }
                    return Some(Duration::ZERO);
                }
                Ok(_) => {}
                Err(NetError::PairingExpired) => return Some(Duration::ZERO),
                Err(error) => {
                    let delay = self.link(&Err(error))?;
                    if !self.wait(delay) {
                        return None;
                    }
                    continue;
                }
            }
            if !self.wait(Duration::from_secs(1)) {
                return None;
            }
        }
    }
}
