//! `civicast-server media migrate`: moves the media of a data directory into the object store
//! (`--media-store`) before a region's instances start serving from it, and checks that every
//! file the database references is there whole.
//!
//! Each file is hashed here first (a local file whose content is not its name is never sent),
//! then read back from the object store and hashed again. An object already there and whole is
//! left as it is; a damaged one is replaced from the local copy. Running it again is harmless,
//! and after a partial run it does only what is left.

use std::collections::BTreeSet;

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::MediaStore;
use super::objects::ObjectStorage;
use crate::db::DbPool;
use crate::db::schema::{media_assets, media_renditions};
use crate::error::AppError;

/// What a migration did.
#[derive(Debug, Default)]
pub struct Migration {
    /// Files the database references (originals and renditions).
    pub referenced: usize,
    /// Copied into the object store by this run.
    pub uploaded: usize,
    /// Already in the object store, whole.
    pub already_there: usize,
    /// In the object store damaged, replaced from the local copy.
    pub repaired: usize,
    /// Files that are not whole in the object store now, each with why.
    pub failed: Vec<(String, String)>,
}

impl Migration {
    /// Whether every referenced file is in the object store, whole.
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty()
    }
}

/// The SHA-256 of every file the database references: renditions first, so that an original
/// reaches the object store after its renditions, as uploads do.
fn referenced(pool: &DbPool) -> Result<Vec<String>, AppError> {
    let mut conn = pool.get()?;
    let renditions: Vec<String> = media_renditions::table
        .select(media_renditions::sha256)
        .distinct()
        .load(&mut *conn)?;
    let originals: Vec<String> = media_assets::table
        .select(media_assets::sha256)
        .distinct()
        .load(&mut *conn)?;
    let renditions: BTreeSet<String> = renditions.into_iter().collect();
    let originals: BTreeSet<String> = originals
        .into_iter()
        .filter(|sha| !renditions.contains(sha))
        .collect();
    Ok(renditions.into_iter().chain(originals).collect())
}

/// What the object store holds under this hash now.
enum Found {
    Whole,
    Missing,
    Damaged(String),
}

async fn look(
    objects: &ObjectStorage,
    media: &MediaStore,
    sha256: &str,
) -> Result<Found, AppError> {
    let folder = media.incoming.clone();
    Ok(match objects.download(sha256, &folder).await? {
        None => Found::Missing,
        Some(copy) if copy.sha256 == sha256 => Found::Whole,
        Some(copy) => Found::Damaged(copy.sha256),
    })
}

/// The SHA-256 of a local file's content, or why it cannot be read.
async fn hash_of(path: std::path::PathBuf) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let mut file =
            std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Copies every referenced file of `media`'s data directory into its object store and checks
/// each there. Fails only when the object store cannot be reached at all; a file that cannot be
/// moved is named in [`Migration::failed`] and the others go on.
pub async fn migrate(pool: &DbPool, media: &MediaStore) -> Result<Migration, AppError> {
    let objects = media.object_storage().ok_or_else(|| {
        AppError::BadRequest(
            "no object store to move the media into: set --media-store s3://BUCKET[/PREFIX] \
             (CIVICAST_MEDIA_STORE), and --s3-endpoint for a store other than AWS S3"
                .into(),
        )
    })?;
    let hashes = {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || referenced(&pool)).await??
    };
    let mut migration = Migration {
        referenced: hashes.len(),
        ..Migration::default()
    };
    for sha256 in hashes {
        let before = look(objects, media, &sha256).await?;
        if matches!(before, Found::Whole) {
            migration.already_there += 1;
            continue;
        }
        let path = media.path_of(&sha256);
        let local = if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            Some(hash_of(path.clone()).await)
        } else {
            None
        };
        let problem = match (&before, local) {
            (_, Some(Err(unreadable))) => Some(format!("cannot read {unreadable}")),
            (_, Some(Ok(actual))) if actual != sha256 => Some(format!(
                "{} is damaged: its content's SHA-256 is {actual}",
                path.display()
            )),
            (Found::Missing, None) => Some(format!(
                "neither {} nor the object store holds it",
                path.display()
            )),
            (Found::Damaged(found), None) => Some(format!(
                "the object store's copy is damaged (its SHA-256 is {found}) and {} is missing",
                path.display()
            )),
            _ => None,
        };
        if let Some(problem) = problem {
            migration.failed.push((sha256, problem));
            continue;
        }
        objects.put_file(&sha256, &path).await?;
        match look(objects, media, &sha256).await? {
            Found::Whole if matches!(before, Found::Damaged(_)) => migration.repaired += 1,
            Found::Whole => migration.uploaded += 1,
            Found::Missing => migration
                .failed
                .push((sha256, "stored, but not found when read back".into())),
            Found::Damaged(found) => migration.failed.push((
                sha256,
                format!("stored, but read back with the SHA-256 {found}"),
            )),
        }
    }
    Ok(migration)
}
