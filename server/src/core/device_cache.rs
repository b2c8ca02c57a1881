//! What each instance keeps in memory so that a screen's poll touches no database while nothing
//! changed: which screen a device token belongs to, and each screen's manifest bytes and ETag.
//!
//! Everything here is tagged with the content version (`content_versions`), which database
//! triggers raise on every change to a table a manifest is made of, screens' tokens included, so
//! no write path can forget it. Each instance reads the version every [`REFRESH`], and at once
//! after every change made through it (`startup::see_own_writes`): an answer from memory is never
//! older than what the shared database held [`REFRESH`] ago, and a change made through this
//! instance reaches its very next poll.
//!
//! The `last_seen_at` of screens answered from memory is written in one statement per
//! [`REFRESH`], for those not written within [`LAST_SEEN_RESOLUTION`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::schema::{content_versions, screens};
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;

/// How often each instance reads the content version and writes the screens it has seen.
pub const REFRESH: Duration = Duration::from_millis(250);

/// How stale `last_seen_at` may be before a screen's request writes it again: a player calls
/// several times a second while it uploads a backlog, and "online" needs no finer grain.
pub const LAST_SEEN_RESOLUTION: Duration = Duration::from_secs(5);

/// A content version no database holds: nothing is answered from memory until the first read.
const UNREAD: i64 = -1;

/// A manifest as sent: its JSON body and the ETag derived from it, and the files it names.
#[derive(Debug)]
pub struct CachedManifest {
    pub body: Bytes,
    /// The strong ETag's value: a hash of the body, so equal content gives an equal tag on
    /// every server instance.
    pub etag: String,
    /// The SHA-256 of every media file the manifest references: all that its screen may fetch
    /// (besides an emergency message's image).
    pub media: HashSet<String>,
}

impl CachedManifest {
    pub fn of(body: Vec<u8>, media: HashSet<String>) -> CachedManifest {
        CachedManifest {
            etag: hex::encode(&Sha256::digest(&body)[..16]),
            body: body.into(),
            media,
        }
    }
}

#[derive(Debug)]
struct KnownScreen {
    id: Uuid,
    last_seen_written: Instant,
}

#[derive(Debug)]
struct Entries {
    version: i64,
    /// By the SHA-256 of the device token, as `screens.token_hash` keeps it.
    screens: HashMap<String, KnownScreen>,
    manifests: HashMap<Uuid, Arc<CachedManifest>>,
    /// Screens answered from memory whose `last_seen_at` is due to be written.
    seen: HashSet<Uuid>,
}

#[derive(Debug)]
pub struct DeviceCache {
    entries: Mutex<Entries>,
}

impl Default for DeviceCache {
    fn default() -> DeviceCache {
        DeviceCache {
            entries: Mutex::new(Entries {
                version: UNREAD,
                screens: HashMap::new(),
                manifests: HashMap::new(),
                seen: HashSet::new(),
            }),
        }
    }
}

/// The content version the database holds now.
pub fn content_version(conn: &mut DbConnection) -> Result<i64, AppError> {
    Ok(content_versions::table
        .find("manifests")
        .select(content_versions::version)
        .first::<i64>(conn)?)
}

impl DeviceCache {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves nothing half-changed that matters: at worst a
        // missing entry, which the next request reads from the database.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The version to tag what is read from the database now; read it before reading.
    pub fn version(&self) -> i64 {
        self.lock().version
    }

    /// The screen a device token belongs to, if known at the current version.
    pub fn screen_for(&self, token_hash: &str) -> Option<Uuid> {
        let mut entries = self.lock();
        let Entries { screens, seen, .. } = &mut *entries;
        let known = screens.get_mut(token_hash)?;
        if known.last_seen_written.elapsed() >= LAST_SEEN_RESOLUTION {
            known.last_seen_written = Instant::now();
            seen.insert(known.id);
        }
        Some(known.id)
    }

    /// Keeps a token's screen, read from the database at `version`, whose `last_seen_at` the
    /// caller has just written.
    pub fn remember_screen(&self, version: i64, token_hash: String, id: Uuid) {
        let mut entries = self.lock();
        if version == entries.version && version != UNREAD {
            let last_seen_written = Instant::now();
            entries.screens.insert(
                token_hash,
                KnownScreen {
                    id,
                    last_seen_written,
                },
            );
        }
    }

    pub fn manifest(&self, screen: Uuid) -> Option<Arc<CachedManifest>> {
        self.lock().manifests.get(&screen).cloned()
    }

    /// Keeps a screen's manifest, built from the database at `version`.
    pub fn remember_manifest(&self, version: i64, screen: Uuid, manifest: Arc<CachedManifest>) {
        let mut entries = self.lock();
        if version == entries.version && version != UNREAD {
            entries.manifests.insert(screen, manifest);
        }
    }

    /// Forgets everything read at an older version once the database holds `version`.
    fn advance_to(&self, version: i64) {
        let mut entries = self.lock();
        if entries.version != version {
            entries.version = version;
            entries.screens.clear();
            entries.manifests.clear();
        }
    }

    /// Reads the content version; on failure nothing is answered from memory until a read works.
    pub async fn refresh(&self, pool: &DbPool) {
        match db::run(pool, content_version).await {
            Ok(version) => self.advance_to(version),
            Err(error) => {
                self.advance_to(UNREAD);
                tracing::warn!(%error, "the content version could not be read");
            }
        }
    }

    /// Writes `last_seen_at` of the screens answered from memory since the last call.
    async fn write_seen(&self, pool: &DbPool) {
        let seen: Vec<String> = {
            let mut entries = self.lock();
            entries.seen.drain().map(|id| id.to_string()).collect()
        };
        if seen.is_empty() {
            return;
        }
        let written = db::run(pool, move |conn| {
            let now = db::now();
            Ok(
                diesel::update(screens::table.filter(screens::id.eq_any(&seen)))
                    .set(screens::last_seen_at.eq(now))
                    .execute(conn)?,
            )
        })
        .await;
        if let Err(error) = written {
            tracing::warn!(%error, "screens' last_seen_at could not be written");
        }
    }

    /// Refreshes the version and writes what was seen every [`REFRESH`] until the server stops.
    pub async fn follow(self: Arc<DeviceCache>, pool: DbPool) {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.refresh(&pool).await;
            self.write_seen(&pool).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Arc<CachedManifest> {
        Arc::new(CachedManifest {
            body: Bytes::from(text.to_owned()),
            etag: text.to_owned(),
            media: HashSet::new(),
        })
    }

    #[test]
    fn nothing_is_kept_before_the_version_is_read() {
        let cache = DeviceCache::default();
        let screen = Uuid::now_v7();
        cache.remember_screen(cache.version(), "token".into(), screen);
        cache.remember_manifest(cache.version(), screen, manifest("a"));
        assert_eq!(cache.screen_for("token"), None);
        assert!(cache.manifest(screen).is_none());
    }

    #[test]
    fn a_new_version_forgets_what_was_read_before_it() {
        let cache = DeviceCache::default();
        cache.advance_to(3);
        let screen = Uuid::now_v7();
        cache.remember_screen(3, "token".into(), screen);
        cache.remember_manifest(3, screen, manifest("a"));
        assert_eq!(cache.screen_for("token"), Some(screen));
        assert_eq!(&cache.manifest(screen).unwrap().body[..], b"a");

        cache.advance_to(4);
        assert_eq!(cache.screen_for("token"), None);
        assert!(cache.manifest(screen).is_none());
        // Read at 3 but arriving after the change to 4: not kept.
        cache.remember_manifest(3, screen, manifest("old"));
        assert!(cache.manifest(screen).is_none());
    }

    #[test]
    fn a_screen_answered_from_memory_is_marked_seen_once_per_resolution() {
        let cache = DeviceCache::default();
        cache.advance_to(1);
        let screen = Uuid::now_v7();
        cache.remember_screen(1, "token".into(), screen);
        cache.screen_for("token");
        assert!(cache.lock().seen.is_empty(), "just written by the caller");
        cache
            .lock()
            .screens
            .get_mut("token")
            .unwrap()
            .last_seen_written -= LAST_SEEN_RESOLUTION;
        cache.screen_for("token");
        cache.screen_for("token");
        assert_eq!(cache.lock().seen.len(), 1);
    }
}
