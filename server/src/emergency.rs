//! Emergency messages: posting and clearing them (staff), and getting them to the players at
//! once.
//!
//! Every instance keeps the active messages in a `watch` channel that its push streams (SSE)
//! follow. The channel is refreshed at once when this instance posts or clears a message, and
//! from the database every [`REFRESH`], so a message posted on one instance reaches players
//! connected to any instance sharing the database well within two seconds, on SQLite and
//! PostgreSQL alike.

use std::sync::Arc;
use std::time::Duration;

use civicast_shared::Validate;
use civicast_shared::api::emergency::{EmergencyInput, EmergencyMessage};
use diesel::prelude::*;
use serde_json::json;
use tokio::sync::watch;

use crate::audit;
use crate::auth::CurrentUser;
use crate::db::models::{stored_id, stored_opt_id};
use crate::db::schema::{buildings, emergency_messages, media_assets};
use crate::db::{self, DbConnection, DbPool};
use crate::error::AppError;

/// How often each instance reads the active messages from the database.
pub const REFRESH: Duration = Duration::from_millis(250);

/// The active messages, as this instance last read them.
pub type Active = Arc<Vec<EmergencyMessage>>;

/// The channel the push streams follow, and the signal that ends them when the server stops.
#[derive(Debug, Clone)]
pub struct EmergencyFeed {
    sender: Arc<watch::Sender<Active>>,
    closing: Arc<watch::Sender<bool>>,
}

impl Default for EmergencyFeed {
    fn default() -> EmergencyFeed {
        EmergencyFeed {
            sender: Arc::new(watch::Sender::new(Arc::default())),
            closing: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl EmergencyFeed {
    pub fn subscribe(&self) -> watch::Receiver<Active> {
        self.sender.subscribe()
    }

    /// Changes to `true` when the server stops; streams end then, so that a graceful stop
    /// does not wait for them.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Publishes `active` to the streams, unless it is what they have.
    pub fn publish(&self, active: Vec<EmergencyMessage>) {
        self.sender.send_if_modified(|current| {
            if **current == active {
                return false;
            }
            *current = Arc::new(active);
            true
        });
    }

    /// Reads the active messages into the feed every [`REFRESH`] until the server stops.
    pub async fn follow(self, pool: DbPool) {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match db::run(&pool, active).await {
                Ok(messages) => self.publish(messages),
                Err(error) => tracing::warn!(%error, "emergency messages could not be read"),
            }
        }
    }
}

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
);

fn message((id, text, building_id, media_id, created_at): Row) -> EmergencyMessage {
    EmergencyMessage {
        id: stored_id(&id),
        text,
        building_id: stored_opt_id(building_id.as_deref()),
        media_id: stored_opt_id(media_id.as_deref()),
        created_at: created_at.and_utc(),
    }
}

/// The messages not cleared yet, oldest first.
pub fn active(conn: &mut DbConnection) -> Result<Vec<EmergencyMessage>, AppError> {
    let rows: Vec<Row> = emergency_messages::table
        .filter(emergency_messages::cleared_at.is_null())
        .order((
            emergency_messages::created_at.asc(),
            emergency_messages::id.asc(),
        ))
        .select((
            emergency_messages::id,
            emergency_messages::text,
            emergency_messages::building_id,
            emergency_messages::media_id,
            emergency_messages::created_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(message).collect())
}

/// Puts a message on every screen, or on one building's.
pub fn post(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &EmergencyInput,
) -> Result<EmergencyMessage, AppError> {
    user.require_staff()?;
    input.validate()?;
    if let Some(building_id) = input.building_id {
        let known = buildings::table
            .find(building_id.to_string())
            .count()
            .get_result::<i64>(conn)?;
        if known == 0 {
            return Err(AppError::invalid("building_id", "no building with this id"));
        }
    }
    if let Some(media_id) = input.media_id {
        let known = media_assets::table
            .find(media_id.to_string())
            .count()
            .get_result::<i64>(conn)?;
        if known == 0 {
            return Err(AppError::invalid("media_id", "no media with this id"));
        }
    }
    let id = db::new_id();
    let created_at = db::now();
    diesel::insert_into(emergency_messages::table)
        .values((
            emergency_messages::id.eq(&id),
            emergency_messages::text.eq(input.text.trim()),
            emergency_messages::building_id.eq(input.building_id.map(|b| b.to_string())),
            emergency_messages::media_id.eq(input.media_id.map(|m| m.to_string())),
            emergency_messages::created_by.eq(Some(user.id.to_string())),
            emergency_messages::created_at.eq(created_at),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "emergency.post",
        "emergency_message",
        &id,
        json!({ "text": input.text.trim(), "building_id": input.building_id }),
    )?;
    Ok(message((
        id,
        input.text.trim().to_owned(),
        input.building_id.map(|b| b.to_string()),
        input.media_id.map(|m| m.to_string()),
        created_at,
    )))
}

/// Takes an active message off the screens.
pub fn clear(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> Result<(), AppError> {
    user.require_staff()?;
    let cleared = diesel::update(
        emergency_messages::table
            .find(id)
            .filter(emergency_messages::cleared_at.is_null()),
    )
    .set((
        emergency_messages::cleared_at.eq(Some(db::now())),
        emergency_messages::cleared_by.eq(Some(user.id.to_string())),
    ))
    .execute(conn)?;
    if cleared == 0 {
        return Err(AppError::NotFound(format!(
            "no active emergency message with id {id}"
        )));
    }
    audit::record(
        conn,
        user,
        "emergency.clear",
        "emergency_message",
        id,
        json!({}),
    )
}
