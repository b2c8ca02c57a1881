//! What the players' push channel (Server-Sent Events) follows on this instance: the active
//! emergency messages and the screens asked for a screenshot.
//!
//! Each is kept in a `watch` channel that the streams follow. A channel is refreshed at once when
//! this instance changes what it holds, and from the database every [`REFRESH`], so a change
//! made on one instance reaches players connected to any instance sharing the database well
//! within two seconds, on SQLite and PostgreSQL alike (no LISTEN/NOTIFY needed).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use civicast_shared::api::emergency::EmergencyMessage;
use tokio::sync::watch;
use uuid::Uuid;

use crate::core::{emergency, screenshots};
use crate::db::{self, DbPool};

/// How often each instance reads what the streams follow from the database.
pub const REFRESH: Duration = Duration::from_millis(250);

/// The active emergency messages, as this instance last read them.
pub type Active = Arc<Vec<EmergencyMessage>>;

/// The screens whose player was asked for a screenshot, and when.
pub type ScreenshotRequests = Arc<BTreeMap<Uuid, DateTime<Utc>>>;

/// The channels the push streams follow, and the signal that ends them when the server stops.
#[derive(Debug, Clone)]
pub struct PushFeed {
    emergency: Arc<watch::Sender<Active>>,
    screenshots: Arc<watch::Sender<ScreenshotRequests>>,
    closing: Arc<watch::Sender<bool>>,
}

impl Default for PushFeed {
    fn default() -> PushFeed {
        PushFeed {
            emergency: Arc::new(watch::Sender::new(Arc::default())),
            screenshots: Arc::new(watch::Sender::new(Arc::default())),
            closing: Arc::new(watch::Sender::new(false)),
        }
    }
}

/// Replaces what `sender` holds with `next`, waking its followers only if it differs.
fn publish<T: PartialEq>(sender: &watch::Sender<Arc<T>>, next: T) {
    sender.send_if_modified(|current| {
        if **current == next {
            return false;
        }
        *current = Arc::new(next);
        true
    });
}

impl PushFeed {
    pub fn emergency(&self) -> watch::Receiver<Active> {
        self.emergency.subscribe()
    }

    pub fn screenshots(&self) -> watch::Receiver<ScreenshotRequests> {
        self.screenshots.subscribe()
    }

    /// Changes to `true` when the server stops; streams end then, so that a graceful stop
    /// does not wait for them.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn publish_emergency(&self, active: Vec<EmergencyMessage>) {
        publish(&self.emergency, active);
    }

    pub fn publish_screenshots(&self, requests: BTreeMap<Uuid, DateTime<Utc>>) {
        publish(&self.screenshots, requests);
    }

    /// Reads both from the database every [`REFRESH`] until the server stops.
    pub async fn follow(self, pool: DbPool) {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let read = db::run(&pool, |conn| {
                Ok((emergency::active(conn)?, screenshots::requested(conn)?))
            })
            .await;
            match read {
                Ok((messages, requests)) => {
                    self.publish_emergency(messages);
                    self.publish_screenshots(requests);
                }
                Err(error) => tracing::warn!(%error, "the push channel's state could not be read"),
            }
        }
    }
}
