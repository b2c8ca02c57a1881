//! Renditions for images stored without them: uploads from before renditions existed, or
//! whose renditions a crash cut short. After start-up each instance makes what is missing in
//! the background, one image at a time, so that earlier posters too reach 1080p screens as
//! renditions. Two instances may make the same one at once; files are stored by hash and rows
//! inserted once, so that costs time, never consistency.

use civicast_shared::api::media::RenditionKind;
use diesel::prelude::*;

use super::{MediaStore, record_renditions};
use crate::db::schema::{media_assets, media_renditions};
use crate::db::{DbConnection, DbPool};
use crate::error::AppError;

/// Stored images that would have a thumbnail but have none: `(sha256, width, height)`.
pub fn images_missing_renditions(
    conn: &mut DbConnection,
) -> Result<Vec<(String, i32, i32)>, AppError> {
    let made = media_renditions::table
        .filter(media_renditions::source_sha256.eq(media_assets::sha256))
        .filter(media_renditions::kind.eq(RenditionKind::Thumbnail.as_str()));
    let candidates: Vec<(String, i32, i32)> = crate::on_backend!(conn, |c| media_assets::table
        .filter(media_assets::content_type.like("image/%"))
        .filter(diesel::dsl::not(diesel::dsl::exists(made)))
        .select((
            media_assets::sha256,
            media_assets::width,
            media_assets::height
        ))
        .distinct()
        .load(c))?;
    Ok(candidates
        .into_iter()
        .filter(|(_, width, height)| {
            let (Ok(width), Ok(height)) = (u32::try_from(*width), u32::try_from(*height)) else {
                return false;
            };
            RenditionKind::Thumbnail.fitted(width, height).is_some()
        })
        .collect())
}

/// Makes and records the renditions of every stored image that lacks them; returns how many
/// images got theirs. An image that cannot be read is logged and skipped.
pub fn make_missing(pool: &DbPool, store: &MediaStore) -> Result<usize, AppError> {
    let missing = images_missing_renditions(&mut *pool.get()?)?;
    let mut made = 0;
    for (sha256, _, _) in missing {
        match store.render_stored(&sha256) {
            Ok(renditions) => {
                record_renditions(&mut *pool.get()?, &sha256, &renditions)?;
                made += 1;
            }
            Err(error) => {
                tracing::warn!(media = %sha256, %error, "renditions of a stored image could not be made");
            }
        }
    }
    if made > 0 {
        tracing::info!(
            images = made,
            "renditions made for images stored without them"
        );
    }
    Ok(made)
}
