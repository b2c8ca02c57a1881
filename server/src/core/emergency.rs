//! Emergency messages: posting and clearing them (staff). The players' push channel
//! ([`crate::core::push`]) gets them to every screen at once.

use chrono::NaiveDateTime;
use civicast_shared::Validate;
use civicast_shared::api::emergency::{EmergencyInput, EmergencyMessage};
use diesel::prelude::*;
use serde_json::json;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::manifest::media_ref;
use crate::core::push::PushFeed;
use crate::db::DbPool;
use crate::db::models::{MediaAssetRow, stored_id, stored_opt_id};
use crate::db::schema::{buildings, emergency_messages, media_assets};
use crate::db::{self, DbConnection};
use crate::error::AppError;

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    Option<MediaAssetRow>,
);

fn message((id, text, building_id, media_id, created_at, media): Row) -> EmergencyMessage {
    EmergencyMessage {
        id: stored_id(&id),
        text,
        building_id: stored_opt_id(building_id.as_deref()),
        media_id: stored_opt_id(media_id.as_deref()),
        media: media.as_ref().map(media_ref),
        created_at: created_at.and_utc(),
    }
}

/// The messages not cleared yet (or the one with `only_id`), oldest first, with their images.
fn load(conn: &mut DbConnection, only_id: Option<&str>) -> Result<Vec<EmergencyMessage>, AppError> {
    let mut query = emergency_messages::table
        .left_join(media_assets::table)
        .filter(emergency_messages::cleared_at.is_null())
        .into_boxed();
    if let Some(id) = only_id {
        query = query.filter(emergency_messages::id.eq(id.to_owned()));
    }
    let rows: Vec<Row> = query
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
            Option::<MediaAssetRow>::as_select(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(message).collect())
}

/// The messages not cleared yet, oldest first.
pub fn active(conn: &mut DbConnection) -> Result<Vec<EmergencyMessage>, AppError> {
    load(conn, None)
}

/// Puts a message on every screen, or on one building's.
pub fn post(
    conn: &mut DbConnection,
    user: &Actor,
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
    load(conn, Some(&id))?
        .pop()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("the message just posted is gone")))
}

/// Takes an active message off the screens.
pub fn clear(conn: &mut DbConnection, user: &Actor, id: &str) -> Result<(), AppError> {
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

/// Sends the active messages to this instance's push streams at once.
pub async fn publish_active(pool: &DbPool, push: &PushFeed) -> Result<(), AppError> {
    let active = db::run(pool, active).await?;
    push.publish_emergency(active);
    Ok(())
}
