//! What every request handler shares: the database pool, the media store and the settings.

use std::sync::Arc;

use crate::core::auth::LoginThrottle;
use crate::core::device_cache::DeviceCache;
use crate::core::media::MediaStore;
use crate::core::push::PushFeed;
use crate::db::DbPool;
use crate::settings::Settings;
use crate::web::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub backend: &'static str,
    pub media: MediaStore,
    pub settings: Arc<Settings>,
    /// On SQLite, ingestion takes this before its write transaction: one writer at a time in
    /// process, instead of many waiting on SQLite's busy handler, which sleeps in steps of
    /// milliseconds. Unused on PostgreSQL.
    pub sqlite_writer: Arc<std::sync::Mutex<()>>,
    /// Sign-in failures per account and client address, and registrations per address, shared
    /// by the API and the portal.
    pub login_throttle: Arc<LoginThrottle>,
    /// What the players' push streams follow: emergency messages, screenshot requests.
    pub push: PushFeed,
    /// Device tokens and manifests, answered from memory while the content is unchanged.
    pub device_cache: Arc<DeviceCache>,
    /// Counters and timings for `/metrics`.
    pub metrics: Arc<Metrics>,
}
