//! The uploader thread: sends the oldest queued plays (and a kiosk's finished sessions) in
//! batches and removes them only once the server's receipt says they are settled. It retries with backoff for as long as it takes (a
//! player offline for weeks catches up when it returns), one batch at a time, on its own thread,
//! so playback never waits on it.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use bevy::log::warn;

use civicast_shared::api::plays::PlayBatch;
use reqwest::StatusCode;
use uuid::Uuid;

use super::queue::PlayQueue;
use super::queue::QueueError;
use crate::net::backoff::Backoff;
use crate::net::client::{NetError, ServerClient};
use crate::net::storage::DataDir;

/// Records per upload (the brief: Xibo sends 50, 300 when catching up; HTTP takes more).
pub const BATCH_PLAYS: usize = 500;
/// Kiosk sessions per upload, beside the plays.
pub const BATCH_SESSIONS: usize = 100;

#[derive(Debug, Clone)]
pub struct UploadConfig {
    pub data: DataDir,
    /// Wait at most this long after a play before uploading it.
    pub upload_every: Duration,
}

/// Why a batch was not uploaded.
#[derive(Debug, thiserror::Error)]
enum UploadError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Runs until the app goes away (`nudges` closes).
pub fn run(config: UploadConfig, client: ServerClient, mut queue: PlayQueue, nudges: Receiver<()>) {
    let mut backoff = Backoff::default();
    let mut batch_size = BATCH_PLAYS;
    let mut wait = config.upload_every;
    loop {
        let deadline = Instant::now() + wait;
        // Sleep until the interval is over; nudges (new plays) do not cut it short, so uploads
        // stay batched, but a closed channel ends the thread.
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match nudges.recv_timeout(left) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        wait = match upload_once(&config, &client, &mut queue, batch_size) {
            // More waiting: catch up at once.
            Ok(true) => {
                backoff.after(true, Duration::ZERO);
                Duration::ZERO
            }
            Ok(false) => backoff.after(true, config.upload_every),
            Err(UploadError::Net(NetError::Status(StatusCode::PAYLOAD_TOO_LARGE))) => {
                batch_size = (batch_size / 2).max(1);
                Duration::ZERO
            }
            Err(error) => {
                let why = match &error {
                    UploadError::Net(error) => client.describe(error),
                    other => other.to_string(),
                };
                warn!("uploading plays: {why}; retrying");
                backoff.after(false, config.upload_every)
            }
        };
    }
}

/// Uploads one batch. `Ok(true)` when more plays wait.
fn upload_once(
    config: &UploadConfig,
    client: &ServerClient,
    queue: &mut PlayQueue,
    batch_size: usize,
) -> Result<bool, UploadError> {
    let Some(token) = config.data.token() else {
        return Ok(false);
    };
    let plays = queue.oldest(batch_size)?;
    let sessions = queue.oldest_sessions(BATCH_SESSIONS.min(batch_size))?;
    if plays.is_empty() && sessions.is_empty() {
        return Ok(false);
    }
    let last_seq = plays.last().map(|play| play.seq);
    let count = plays.len();
    let sent: Vec<Uuid> = sessions.iter().map(|session| session.id).collect();
    let receipt = client.upload_plays(
        &token,
        &PlayBatch {
            plays,
            kiosk_sessions: sessions,
        },
    )?;
    for refused in &receipt.refused {
        warn!("the server refused play {}: {}", refused.id, refused.reason);
    }
    if let Some(last_seq) = last_seq {
        queue.acknowledge_through(last_seq)?;
    }
    for refused in &receipt.refused_sessions {
        warn!(
            "the server refused kiosk session {}: {}",
            refused.id, refused.reason
        );
    }
    // The receipt counts the sessions it stored (or knew) and names those it refused: when they
    // add up to the batch, all of it is settled; otherwise only the refused ones are, and the
    // rest goes again (the server stores a session once by its id).
    let refused: Vec<Uuid> = receipt.refused_sessions.iter().map(|r| r.id).collect();
    let all_settled = receipt.kiosk_sessions_settled as usize + refused.len() >= sent.len();
    let settled = if all_settled { sent.clone() } else { refused };
    queue.remove_sessions(&settled)?;
    Ok(count == batch_size || (all_settled && sent.len() == BATCH_SESSIONS))
}
