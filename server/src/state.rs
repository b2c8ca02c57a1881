//! What every request handler shares: the database pool, the media store and the settings.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::DbPool;
use crate::media::MediaStore;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub backend: &'static str,
    pub media: MediaStore,
    pub settings: Arc<Settings>,
}
