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
//! The same triggers raise a number per building (`building:<id>`) and one for changes that
//! reach every building (`everything`). When the version moves, an instance reads those numbers
//! and forgets only the screens and manifests of the buildings whose number moved, so an edit in
//! one building leaves every other building's screens answered from memory.
//!
//! The `last_seen_at` of screens answered from memory is written in one statement per
//! [`REFRESH`], for those not written within [`LAST_SEEN_RESOLUTION`].

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// A kiosk's manifest, which also carries what the `kiosks` number follows (every
    /// building's events, the services, the places on its map).
    pub kiosk: bool,
}

impl CachedManifest {
    pub fn of(body: Vec<u8>, media: HashSet<String>) -> CachedManifest {
        CachedManifest {
            etag: hex::encode(&Sha256::digest(&body)[..16]),
            body: body.into(),
            media,
            kiosk: false,
        }
    }
}

#[derive(Debug)]
struct KnownScreen {
    id: Uuid,
    building: String,
    last_seen_written: Instant,
}

#[derive(Debug)]
struct Entries {
    version: i64,
    /// The numbers read with `version`: `everything` and one per building (`building:<id>`).
    numbers: HashMap<String, i64>,
    /// Raised whenever anything is forgotten: what was read before it is not kept.
    generation: u64,
    /// By the SHA-256 of the device token, as `screens.token_hash` keeps it.
    screens: HashMap<String, KnownScreen>,
    /// By screen, with the screen's building.
    manifests: HashMap<Uuid, (String, Arc<CachedManifest>)>,
    /// Screens answered from memory whose `last_seen_at` is due to be written.
    seen: HashSet<Uuid>,
}

/// What a reader notes before reading the database, to keep what it read only if nothing was
/// forgotten meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    version: i64,
    generation: u64,
}

impl Entries {
    fn accepts(&self, ticket: Ticket) -> bool {
        ticket.version == self.version
            && ticket.generation == self.generation
            && ticket.version != UNREAD
    }

    fn forget_all(&mut self) {
        self.screens.clear();
        self.manifests.clear();
        self.generation += 1;
    }

    fn forget_buildings(&mut self, buildings: &HashSet<&str>) {
        self.screens
            .retain(|_, screen| !buildings.contains(screen.building.as_str()));
        self.manifests
            .retain(|_, (building, _)| !buildings.contains(building.as_str()));
        self.generation += 1;
    }

    fn forget_kiosks(&mut self) {
        self.manifests.retain(|_, (_, manifest)| !manifest.kiosk);
        self.generation += 1;
    }
}

const EVERYTHING: &str = "everything";
/// Raised by changes that reach every kiosk and no other screen.
const KIOSKS: &str = "kiosks";
const BUILDING_PREFIX: &str = "building:";

#[derive(Debug)]
pub struct DeviceCache {
    entries: Mutex<Entries>,
    /// Manifests answered from memory, and built from the database, since the start.
    from_memory: AtomicU64,
    built: AtomicU64,
}

impl Default for DeviceCache {
    fn default() -> DeviceCache {
        DeviceCache {
            entries: Mutex::new(Entries {
                version: UNREAD,
                numbers: HashMap::new(),
                generation: 0,
                screens: HashMap::new(),
                manifests: HashMap::new(),
                seen: HashSet::new(),
            }),
            from_memory: AtomicU64::new(0),
            built: AtomicU64::new(0),
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

/// Every content number, read in one statement so that they agree with each other.
fn content_numbers(conn: &mut DbConnection) -> Result<HashMap<String, i64>, AppError> {
    Ok(content_versions::table
        .select((content_versions::name, content_versions::version))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

impl DeviceCache {
    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves nothing half-changed that matters: at worst a
        // missing entry, which the next request reads from the database.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The content version last read: a push stream looks at the database again when it moves.
    pub fn version(&self) -> i64 {
        self.lock().version
    }

    /// Note this before reading what is to be kept here.
    pub fn ticket(&self) -> Ticket {
        let entries = self.lock();
        Ticket {
            version: entries.version,
            generation: entries.generation,
        }
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

    /// Keeps a token's screen in `building`, read from the database after `ticket`, whose
    /// `last_seen_at` the caller has just written.
    pub fn remember_screen(&self, ticket: Ticket, token_hash: String, id: Uuid, building: String) {
        let mut entries = self.lock();
        if entries.accepts(ticket) {
            let last_seen_written = Instant::now();
            entries.screens.insert(
                token_hash,
                KnownScreen {
                    id,
                    building,
                    last_seen_written,
                },
            );
        }
    }

    pub fn manifest(&self, screen: Uuid) -> Option<Arc<CachedManifest>> {
        let found = self
            .lock()
            .manifests
            .get(&screen)
            .map(|(_, manifest)| manifest.clone());
        if found.is_some() {
            self.from_memory.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Manifests answered from memory and manifests built from the database, since the start.
    pub fn manifest_counts(&self) -> (u64, u64) {
        (
            self.from_memory.load(Ordering::Relaxed),
            self.built.load(Ordering::Relaxed),
        )
    }

    /// Keeps a manifest of a screen in `building`, built from the database after `ticket`.
    pub fn remember_manifest(
        &self,
        ticket: Ticket,
        screen: Uuid,
        building: String,
        manifest: Arc<CachedManifest>,
    ) {
        self.built.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.lock();
        if entries.accepts(ticket) {
            entries.manifests.insert(screen, (building, manifest));
        }
    }

    /// Brings what is kept to the numbers the database holds: everything is forgotten when
    /// `everything` moved (or on the first read), else only the buildings whose number moved.
    fn advance_to(&self, version: i64, numbers: HashMap<String, i64>) {
        let mut entries = self.lock();
        // Two refreshes may finish out of order; the numbers only ever rise.
        if entries.version == version || (entries.version != UNREAD && version < entries.version) {
            return;
        }
        let everything_moved =
            entries.version == UNREAD || entries.numbers.get(EVERYTHING) != numbers.get(EVERYTHING);
        if everything_moved {
            entries.forget_all();
        } else {
            let moved: HashSet<&str> = numbers
                .iter()
                .filter(|(name, number)| entries.numbers.get(*name) != Some(number))
                .filter_map(|(name, _)| name.strip_prefix(BUILDING_PREFIX))
                .collect();
            if !moved.is_empty() {
                entries.forget_buildings(&moved);
            }
            if entries.numbers.get(KIOSKS) != numbers.get(KIOSKS) {
                entries.forget_kiosks();
            }
        }
        entries.version = version;
        entries.numbers = numbers;
    }

    /// Forgets everything until a read works.
    fn lose_track(&self) {
        let mut entries = self.lock();
        entries.version = UNREAD;
        entries.numbers.clear();
        entries.forget_all();
    }

    /// Reads the content version, and the numbers behind it when it moved; on failure nothing
    /// is answered from memory until a read works.
    pub async fn refresh(&self, pool: &DbPool) {
        let known = self.version();
        let read = db::run(pool, move |conn| {
            let version = content_version(conn)?;
            if version == known {
                return Ok(None);
            }
            // The numbers and the version in one statement, so both belong together.
            let numbers = content_numbers(conn)?;
            let version = numbers.get("manifests").copied().unwrap_or(version);
            Ok(Some((version, numbers)))
        })
        .await;
        match read {
            Ok(None) => {}
            Ok(Some((version, numbers))) => self.advance_to(version, numbers),
            Err(error) => {
                self.lose_track();
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
            kiosk: text.starts_with("kiosk"),
        })
    }

    fn numbers(version: i64, everything: i64, buildings: &[(&str, i64)]) -> HashMap<String, i64> {
        let mut numbers: HashMap<String, i64> = buildings
            .iter()
            .map(|(building, number)| (format!("building:{building}"), *number))
            .collect();
        numbers.insert("manifests".into(), version);
        numbers.insert("everything".into(), everything);
        numbers
    }

    #[test]
    fn nothing_is_kept_before_the_version_is_read() {
        let cache = DeviceCache::default();
        let screen = Uuid::now_v7();
        cache.remember_screen(cache.ticket(), "token".into(), screen, "hall".into());
        cache.remember_manifest(cache.ticket(), screen, "hall".into(), manifest("a"));
        assert_eq!(cache.screen_for("token"), None);
        assert!(cache.manifest(screen).is_none());
    }

    #[test]
    fn a_change_in_one_building_forgets_only_that_building() {
        let cache = DeviceCache::default();
        cache.advance_to(3, numbers(3, 0, &[("hall", 1), ("library", 1)]));
        let (hall_screen, library_screen) = (Uuid::now_v7(), Uuid::now_v7());
        let ticket = cache.ticket();
        cache.remember_screen(ticket, "hall-token".into(), hall_screen, "hall".into());
        cache.remember_screen(
            ticket,
            "library-token".into(),
            library_screen,
            "library".into(),
        );
        cache.remember_manifest(ticket, hall_screen, "hall".into(), manifest("h"));
        cache.remember_manifest(ticket, library_screen, "library".into(), manifest("l"));

        cache.advance_to(4, numbers(4, 0, &[("hall", 2), ("library", 1)]));
        assert_eq!(cache.screen_for("hall-token"), None);
        assert!(cache.manifest(hall_screen).is_none());
        assert_eq!(cache.screen_for("library-token"), Some(library_screen));
        assert_eq!(&cache.manifest(library_screen).unwrap().body[..], b"l");
        // Read before the change, arriving after it: not kept.
        cache.remember_manifest(ticket, hall_screen, "hall".into(), manifest("old"));
        assert!(cache.manifest(hall_screen).is_none());

        // A building seen for the first time is a change there, and nowhere else.
        cache.advance_to(5, numbers(5, 0, &[("hall", 2), ("library", 1), ("new", 1)]));
        assert!(cache.manifest(library_screen).is_some());
    }

    #[test]
    fn a_change_for_kiosks_forgets_only_kiosks() {
        let cache = DeviceCache::default();
        let mut before = numbers(3, 0, &[("hall", 1)]);
        before.insert("kiosks".into(), 0);
        cache.advance_to(3, before.clone());
        let (screen, kiosk) = (Uuid::now_v7(), Uuid::now_v7());
        let ticket = cache.ticket();
        cache.remember_manifest(ticket, screen, "hall".into(), manifest("plain"));
        cache.remember_manifest(ticket, kiosk, "hall".into(), manifest("kiosk"));

        before.insert("kiosks".into(), 1);
        before.insert("manifests".into(), 4);
        cache.advance_to(4, before);
        assert!(cache.manifest(kiosk).is_none());
        assert_eq!(&cache.manifest(screen).unwrap().body[..], b"plain");
    }

    #[test]
    fn a_change_that_reaches_every_building_forgets_everything() {
        let cache = DeviceCache::default();
        cache.advance_to(3, numbers(3, 0, &[("hall", 1)]));
        let screen = Uuid::now_v7();
        cache.remember_screen(cache.ticket(), "token".into(), screen, "hall".into());
        cache.remember_manifest(cache.ticket(), screen, "hall".into(), manifest("a"));
        assert_eq!(&cache.manifest(screen).unwrap().body[..], b"a");

        cache.advance_to(4, numbers(4, 1, &[("hall", 1)]));
        assert_eq!(cache.screen_for("token"), None);
        assert!(cache.manifest(screen).is_none());
    }

    #[test]
    fn a_screen_answered_from_memory_is_marked_seen_once_per_resolution() {
        let cache = DeviceCache::default();
        cache.advance_to(1, numbers(1, 0, &[]));
        let screen = Uuid::now_v7();
        cache.remember_screen(cache.ticket(), "token".into(), screen, "hall".into());
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
