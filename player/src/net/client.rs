//! HTTP calls to the server, one function per route the player uses. Blocking: they run on the
//! player's threads (sync, proof, push, screenshot), never on a frame. HTTP or HTTPS: every
//! client is built by [`Endpoint::client_builder`].

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use civicast_shared::api::device::{
    MANIFEST_SCHEMA_VERSION, Manifest, PairingRequest, PairingState, PairingTicket, PlayerStatus,
};
use civicast_shared::api::emergency::EmergencyState;
use civicast_shared::api::plays::{PlayBatch, PlayReceipt};
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header;

use super::cache::{CacheError, MediaCache};
use super::clock::ClockOffset;
use super::endpoint::Endpoint;

/// Why a call to the server did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The server refused the device token: the screen was unpaired or given another player.
    #[error("the server no longer accepts this screen's token")]
    Unauthorized,
    /// The pairing code expired or is unknown: ask for a new one.
    #[error("the pairing code expired")]
    PairingExpired,
    #[error("the server answered {0}")]
    Status(StatusCode),
    #[error("the server answered {0}: {1}")]
    Refused(StatusCode, String),
    #[error("cannot reach the server: {0}")]
    Network(#[from] reqwest::Error),
    #[error("the manifest is in format version {0}, newer than this player understands")]
    TooNew(u32),
    #[error(transparent)]
    Cache(#[from] CacheError),
}

/// The result of a conditional manifest poll.
#[derive(Debug)]
pub enum ManifestPoll {
    Unchanged,
    Changed {
        manifest: Box<Manifest>,
        etag: String,
    },
}

/// Reads at most `bytes_per_second`, so a player does not fill a building's uplink.
struct Throttled<R> {
    inner: R,
    bytes_per_second: u64,
    started: std::time::Instant,
    read: u64,
}

impl<R: Read> Read for Throttled<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let allowed_until =
            Duration::from_secs_f64(self.read as f64 / self.bytes_per_second as f64);
        if let Some(wait) = allowed_until.checked_sub(self.started.elapsed()) {
            std::thread::sleep(wait);
        }
        let chunk = buffer.len().min(16 * 1024);
        let count = self.inner.read(&mut buffer[..chunk])?;
        self.read += count as u64;
        Ok(count)
    }
}

#[derive(Debug, Clone)]
pub struct ServerClient {
    endpoint: Endpoint,
    http: Client,
    /// Download speed limit in bytes per second, if any.
    rate_limit: Option<u64>,
    /// Learns the server's clock from the answers to polls and uploads.
    clock: Option<Arc<ClockOffset>>,
}

impl ServerClient {
    pub fn new(endpoint: &Endpoint, rate_limit: Option<u64>) -> Result<ServerClient, NetError> {
        let http = endpoint.client_builder().build()?;
        Ok(ServerClient {
            endpoint: endpoint.clone(),
            http,
            rate_limit,
            clock: None,
        })
    }

    /// Measures the clock offset from the server's answers from now on.
    pub fn with_clock(mut self, clock: Arc<ClockOffset>) -> ServerClient {
        self.clock = Some(clock);
        self
    }

    fn observe_clock(&self, sent: SystemTime, response: &Response) {
        if let (Some(clock), Some(date)) = (
            &self.clock,
            response
                .headers()
                .get(header::DATE)
                .and_then(|v| v.to_str().ok()),
        ) {
            clock.observe(sent, SystemTime::now(), date);
        }
    }

    pub fn base(&self) -> &str {
        self.endpoint.base()
    }

    /// One short line for the screen and the log: what went wrong, in words an IT person
    /// understands ("certificate for cms.city.example is not trusted").
    pub fn describe(&self, error: &NetError) -> String {
        match error {
            NetError::Network(error) => self.endpoint.explain(error),
            other => other.to_string(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.endpoint.base())
    }

    fn check(response: Response) -> Result<Response, NetError> {
        match response.status() {
            status if status.is_success() || status == StatusCode::NOT_MODIFIED => Ok(response),
            StatusCode::UNAUTHORIZED => Err(NetError::Unauthorized),
            status => Err(NetError::Status(status)),
        }
    }

    pub fn request_pairing(&self, request: &PairingRequest) -> Result<PairingTicket, NetError> {
        let response = self.http.post(self.url("/pairing")).json(request).send()?;
        Ok(Self::check(response)?.json()?)
    }

    pub fn poll_pairing(&self, secret: &str) -> Result<PairingState, NetError> {
        let response = self
            .http
            .get(self.url(&format!("/pairing/{secret}")))
            .send()?;
        if response.status() == StatusCode::NOT_FOUND {
            return Err(NetError::PairingExpired);
        }
        Ok(Self::check(response)?.json()?)
    }

    /// Polls the manifest; `etag` is the one of the manifest the player has.
    pub fn poll_manifest(&self, token: &str, etag: Option<&str>) -> Result<ManifestPoll, NetError> {
        let mut request = self
            .http
            .get(self.url("/screen/manifest"))
            .bearer_auth(token);
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        let sent = SystemTime::now();
        let response = Self::check(request.send()?)?;
        self.observe_clock(sent, &response);
        if response.status() == StatusCode::NOT_MODIFIED {
            return Ok(ManifestPoll::Unchanged);
        }
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let manifest: Manifest = response.json()?;
        if manifest.schema_version > MANIFEST_SCHEMA_VERSION {
            return Err(NetError::TooNew(manifest.schema_version));
        }
        Ok(ManifestPoll::Changed {
            manifest: Box::new(manifest),
            etag,
        })
    }

    /// Downloads one media file into the cache, resuming what an earlier attempt left, and
    /// verifies it. Returns the bytes transferred.
    pub fn download(
        &self,
        token: &str,
        cache: &MediaCache,
        sha256: &str,
        size: u64,
    ) -> Result<u64, NetError> {
        let offset = cache.partial_len(sha256);
        if size > 0 && offset >= size {
            // Everything arrived before an interruption: only the check and rename are left.
            return match cache.commit(sha256) {
                Ok(()) => Ok(0),
                Err(error) => Err(error.into()),
            };
        }
        let mut request = self
            .http
            .get(self.url(&format!("/screen/media/{sha256}")))
            .bearer_auth(token);
        if offset > 0 {
            request = request.header(header::RANGE, format!("bytes={offset}-"));
        }
        let response = Self::check(request.send()?)?;
        let restart = match response.status() {
            StatusCode::PARTIAL_CONTENT => false,
            StatusCode::OK => true,
            status => return Err(NetError::Status(status)),
        };
        let written = match self.rate_limit {
            Some(bytes_per_second) => cache.append_partial(
                sha256,
                restart,
                &mut Throttled {
                    inner: response,
                    bytes_per_second: bytes_per_second.max(1),
                    started: std::time::Instant::now(),
                    read: 0,
                },
            )?,
            None => cache.append_partial(sha256, restart, &mut { response })?,
        };
        cache.commit(sha256)?;
        Ok(written)
    }

    /// Uploads a batch of plays; the receipt means the server committed every one of them.
    pub fn upload_plays(&self, token: &str, batch: &PlayBatch) -> Result<PlayReceipt, NetError> {
        let sent = SystemTime::now();
        let response = self
            .http
            .post(self.url("/screen/plays"))
            .bearer_auth(token)
            .json(batch)
            .send()?;
        let response = Self::check(response)?;
        self.observe_clock(sent, &response);
        Ok(response.json()?)
    }

    pub fn report_status(&self, token: &str, status: &PlayerStatus) -> Result<(), NetError> {
        let response = self
            .http
            .post(self.url("/screen/status"))
            .bearer_auth(token)
            .json(status)
            .send()?;
        Self::check(response)?;
        Ok(())
    }

    /// Opens the push stream (Server-Sent Events), which the server ends after `timeout`.
    pub fn open_push_stream(&self, token: &str, timeout: Duration) -> Result<Response, NetError> {
        let response = self
            .http
            .get(self.url("/screen/emergency/stream"))
            .bearer_auth(token)
            .timeout(timeout)
            .send()?;
        Self::success(response)
    }

    /// The emergency state now, for when the push stream cannot be opened.
    pub fn emergency_state(&self, token: &str) -> Result<EmergencyState, NetError> {
        let response = self
            .http
            .get(self.url("/screen/emergency"))
            .bearer_auth(token)
            .timeout(Duration::from_secs(10))
            .send()?;
        Ok(Self::success(response)?.json()?)
    }

    /// Uploads a screenshot of what the screen shows, as a JPEG.
    pub fn upload_screenshot(&self, token: &str, jpeg: Vec<u8>) -> Result<(), NetError> {
        let response = self
            .http
            .put(self.url("/screen/screenshot"))
            .bearer_auth(token)
            .header(header::CONTENT_TYPE, "image/jpeg")
            .timeout(Duration::from_secs(60))
            .body(jpeg)
            .send()?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(NetError::Refused(
                status,
                response.text().unwrap_or_default(),
            ))
        }
    }

    /// The response if its status is a success (2xx).
    fn success(response: Response) -> Result<Response, NetError> {
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(NetError::Status(response.status()))
        }
    }
}
