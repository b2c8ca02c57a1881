//! Screenshots on request: staff ask for one, the screen's player hears of it on its push
//! channel, captures what it shows and uploads it as a JPEG. The latest one of each screen is
//! kept in the database (so that every instance can show it) and a new one replaces it.

use std::collections::BTreeMap;
use std::io::Cursor;

use chrono::{DateTime, NaiveDateTime, Utc};
use civicast_shared::api::places::ScreenshotInfo;
use diesel::prelude::*;
use image::{ImageFormat, ImageReader};
use serde_json::json;
use uuid::Uuid;

use crate::core::actor::Actor;
use crate::core::audit;
use crate::core::media::jpeg_ends_whole;
use crate::core::places::screens::find_screen;
use crate::core::push::PushFeed;
use crate::db::DbPool;
use crate::db::models::stored_id;
use crate::db::schema::{screen_screenshots, screens};
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// The largest screenshot a player may upload: a 4K screen as a JPEG stays well below it.
pub const MAX_SCREENSHOT_BYTES: usize = 8 * 1024 * 1024;
/// The largest side of a screenshot, in pixels (an LED wall may be wide, but not wider).
const MAX_SIDE: u32 = 8192;

/// Asks the screen's player for a screenshot; it arrives within seconds if the screen is online,
/// or when it comes back.
pub fn request(
    conn: &mut DbConnection,
    user: &Actor,
    screen_id: &str,
) -> Result<ScreenshotInfo, AppError> {
    user.require_staff()?;
    find_screen(conn, screen_id)?;
    diesel::update(screens::table.find(screen_id))
        .set(screens::screenshot_requested_at.eq(Some(db::now())))
        .execute(conn)?;
    audit::record(
        conn,
        user,
        "screen.screenshot",
        "screen",
        screen_id,
        json!({}),
    )?;
    info(conn, screen_id)
}

/// What is known of a screen's screenshots.
pub fn info(conn: &mut DbConnection, screen_id: &str) -> Result<ScreenshotInfo, AppError> {
    // The screen and its open request in one read; a missing screen is a 404.
    let (id, requested_at) = screens::table
        .find(screen_id)
        .select((screens::id, screens::screenshot_requested_at))
        .first::<(String, Option<NaiveDateTime>)>(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no screen with id {screen_id}")))?;
    let latest = screen_screenshots::table
        .find(screen_id)
        .select((
            screen_screenshots::taken_at,
            screen_screenshots::width,
            screen_screenshots::height,
        ))
        .first::<(NaiveDateTime, i32, i32)>(conn)
        .optional()?;
    Ok(ScreenshotInfo {
        screen_id: stored_id(&id),
        requested_at: requested_at.map(|t| t.and_utc()),
        taken_at: latest.map(|(t, _, _)| t.and_utc()),
        width: latest.and_then(|(_, w, _)| u32::try_from(w).ok()),
        height: latest.and_then(|(_, _, h)| u32::try_from(h).ok()),
    })
}

/// The latest screenshot's JPEG and when it was taken.
pub fn latest_jpeg(
    conn: &mut DbConnection,
    screen_id: &str,
) -> Result<(DateTime<Utc>, Vec<u8>), AppError> {
    find_screen(conn, screen_id)?;
    screen_screenshots::table
        .find(screen_id)
        .select((screen_screenshots::taken_at, screen_screenshots::jpeg))
        .first::<(NaiveDateTime, Vec<u8>)>(conn)
        .optional()?
        .map(|(taken_at, jpeg)| (taken_at.and_utc(), jpeg))
        .ok_or_else(|| AppError::NotFound(format!("screen {screen_id} has sent no screenshot yet")))
}

/// Checks that an upload is a whole JPEG of a sensible size; gives its width and height.
pub fn check_jpeg(bytes: &[u8]) -> Result<(u32, u32), AppError> {
    if bytes.len() > MAX_SCREENSHOT_BYTES {
        return Err(AppError::PayloadTooLarge(format!(
            "a screenshot may be at most {} MB",
            MAX_SCREENSHOT_BYTES / 1024 / 1024
        )));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| AppError::BadRequest(format!("the screenshot is unreadable: {e}")))?;
    if reader.format() != Some(ImageFormat::Jpeg) {
        return Err(AppError::UnsupportedMediaType(
            "a screenshot must be a JPEG image".into(),
        ));
    }
    let (width, height) = reader.into_dimensions().map_err(|e| {
        AppError::invalid("screenshot", format!("the JPEG header is unreadable: {e}"))
    })?;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(AppError::invalid(
            "screenshot",
            format!(
                "a screenshot of {width}x{height} pixels is not a screen's (at most {MAX_SIDE} on a side)"
            ),
        ));
    }
    // The JPEG decoder fills a cut-off image with grey instead of failing, so the end marker is
    // checked; decoding the whole refuses a corrupt one before it replaces a good one.
    if !jpeg_ends_whole(bytes) {
        return Err(AppError::invalid(
            "screenshot",
            "the JPEG is cut off (no end-of-image marker): send the whole file",
        ));
    }
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
        .map_err(|e| AppError::invalid("screenshot", format!("the JPEG does not decode: {e}")))?;
    Ok((width, height))
}

/// Keeps a player's upload as its screen's latest screenshot and marks the request answered.
pub fn store(
    conn: &mut DbConnection,
    screen_id: &str,
    jpeg: Vec<u8>,
    (width, height): (u32, u32),
) -> Result<ScreenshotInfo, AppError> {
    let taken_at = db::now();
    crate::db::transaction(conn, |conn| {
        diesel::delete(screen_screenshots::table.find(screen_id)).execute(conn)?;
        diesel::insert_into(screen_screenshots::table)
            .values((
                screen_screenshots::screen_id.eq(screen_id),
                screen_screenshots::taken_at.eq(taken_at),
                screen_screenshots::width.eq(i32::try_from(width).unwrap_or(i32::MAX)),
                screen_screenshots::height.eq(i32::try_from(height).unwrap_or(i32::MAX)),
                screen_screenshots::jpeg.eq(jpeg),
            ))
            .execute(conn)?;
        // A request made after this capture began stays open: the next capture answers it.
        diesel::update(
            screens::table
                .find(screen_id)
                .filter(screens::screenshot_requested_at.le(taken_at)),
        )
        .set(screens::screenshot_requested_at.eq(None::<NaiveDateTime>))
        .execute(conn)?;
        Ok::<_, AppError>(())
    })?;
    info(conn, screen_id)
}

/// The screens asked for a screenshot that has not arrived yet.
pub fn requested(conn: &mut DbConnection) -> Result<BTreeMap<Uuid, DateTime<Utc>>, AppError> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = screens::table
        .filter(screens::screenshot_requested_at.is_not_null())
        .select((screens::id, screens::screenshot_requested_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((stored_id(&id), at?.and_utc())))
        .collect())
}

/// Records the request and tells this instance's push streams at once.
pub async fn request_now(
    pool: &DbPool,
    push: &PushFeed,
    actor: &Actor,
    screen_id: Uuid,
) -> Result<ScreenshotInfo, AppError> {
    let actor = actor.clone();
    let (info, requested) = db::run(pool, move |conn| {
        let info = request(conn, &actor, &screen_id.to_string())?;
        Ok((info, requested(conn)?))
    })
    .await?;
    push.publish_screenshots(requested);
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::RgbImage::from_pixel(width, height, image::Rgb([0, 120, 0]))
            .write_to(&mut out, ImageFormat::Jpeg)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn only_a_whole_jpeg_of_a_screens_size_is_accepted() {
        assert_eq!(check_jpeg(&jpeg(192, 108)).unwrap(), (192, 108));
        let whole = jpeg(192, 108);
        assert!(matches!(
            check_jpeg(&whole[..whole.len() / 2]),
            Err(AppError::Validation(_))
        ));
        let mut png = Cursor::new(Vec::new());
        image::RgbImage::new(4, 4)
            .write_to(&mut png, ImageFormat::Png)
            .unwrap();
        assert!(matches!(
            check_jpeg(png.get_ref()),
            Err(AppError::UnsupportedMediaType(_))
        ));
        assert!(matches!(
            check_jpeg(b"not an image"),
            Err(AppError::UnsupportedMediaType(_))
        ));
    }
}
