//! The media store: uploads streamed to disk, checked by content (never by file name), and kept
//! once per SHA-256 under `DATA_DIR/media/ab/<sha256>`.
//!
//! An upload is written to `media/incoming/` first and moved into place with a rename only after
//! it passed every check, so no half-written or refused file is ever served. Its renditions
//! ([`renditions`]) are made from the image decoded for the check and stored the same way.

pub mod backfill;
pub mod inbox;
pub mod renditions;

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::core::actor::Actor;
use crate::core::audit;
use crate::db::models::MediaAssetRow;
use crate::db::schema::media_assets;
use crate::db::{self, DbConnection};
use crate::error::AppError;

/// Longest side of an accepted image, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 16_384;

#[derive(Debug, Clone)]
pub struct MediaStore {
    root: PathBuf,
    incoming: PathBuf,
    max_bytes: u64,
    max_pixels: u64,
}

/// A checked upload, in place in the store.
#[derive(Debug, Clone)]
pub struct StoredMedia {
    pub sha256: String,
    pub size_bytes: u64,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub renditions: Vec<StoredRendition>,
}

/// A rendition of a checked upload, in place in the store.
#[derive(Debug, Clone)]
pub struct StoredRendition {
    pub kind: civicast_shared::api::media::RenditionKind,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub size_bytes: u64,
}

/// An image that passed every check, decoded.
#[derive(Debug)]
pub struct Inspected {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    pub image: image::DynamicImage,
}

fn mime_of(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "image/jpeg",
        ImageFormat::Png => "image/png",
        ImageFormat::WebP => "image/webp",
        _ => "application/octet-stream",
    }
}

impl MediaStore {
    pub fn open(
        data_dir: &Path,
        max_bytes: u64,
        max_megapixels: u64,
    ) -> std::io::Result<MediaStore> {
        let root = data_dir.join("media");
        let incoming = root.join("incoming");
        std::fs::create_dir_all(&incoming)?;
        Ok(MediaStore {
            root,
            incoming,
            max_bytes,
            max_pixels: max_megapixels.saturating_mul(1_000_000),
        })
    }

    /// Where the content with this hash lives (whether or not it is there).
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Stores content made here (a rendition) under its hash; returns the hash and whether the
    /// file is new.
    fn put(&self, content: &[u8]) -> Result<(String, bool), AppError> {
        let sha256 = hex::encode(Sha256::digest(content));
        let destination = self.path_of(&sha256);
        if destination.exists() {
            return Ok((sha256, false));
        }
        let mut temp = tempfile::NamedTempFile::new_in(&self.incoming)
            .map_err(|e| AppError::storing("a rendition", e))?;
        temp.write_all(content)
            .and_then(|()| temp.as_file().sync_all())
            .map_err(|e| AppError::storing("a rendition", e))?;
        place(temp, &destination, "a rendition")?;
        Ok((sha256, true))
    }

    /// Stores renditions, noting in `added` each file that was not in the store before.
    fn put_renditions(
        &self,
        rendered: Vec<renditions::Rendered>,
        added: &mut Vec<PathBuf>,
    ) -> Result<Vec<StoredRendition>, AppError> {
        let mut stored = Vec::with_capacity(rendered.len());
        for rendition in rendered {
            let (sha256, new_file) = self.put(&rendition.jpeg)?;
            if new_file {
                added.push(self.path_of(&sha256));
            }
            stored.push(StoredRendition {
                kind: rendition.kind,
                sha256,
                width: rendition.width,
                height: rendition.height,
                size_bytes: rendition.jpeg.len() as u64,
            });
        }
        Ok(stored)
    }

    /// Makes and stores the renditions of an image already in the store (one stored before
    /// renditions existed); on failure nothing it added stays behind.
    pub fn render_stored(&self, sha256: &str) -> Result<Vec<StoredRendition>, AppError> {
        let Inspected { image, .. } = inspect_image(&self.path_of(sha256), None, self.max_pixels)?;
        let rendered = renditions::render(&image)?;
        drop(image);
        let mut added = Vec::new();
        self.put_renditions(rendered, &mut added)
            .inspect_err(|_| remove_all(&added))
    }

    /// Streams an upload to disk, checks it and stores it under its hash.
    ///
    /// `declared_type` is the request's Content-Type: when it names an image type it must match
    /// the content.
    /// `payload` is a request body or one file of a multipart form.
    pub async fn receive<S, E>(
        &self,
        declared_type: Option<String>,
        declared_length: Option<u64>,
        mut payload: S,
    ) -> Result<StoredMedia, AppError>
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let limit = self.max_bytes;
        let too_large = || {
            AppError::PayloadTooLarge(format!(
                "the file is larger than the limit of {} MiB",
                limit / (1024 * 1024)
            ))
        };
        if declared_length.is_some_and(|length| length > limit) {
            return Err(too_large());
        }
        let incoming = self.incoming.clone();
        let mut temp =
            tokio::task::spawn_blocking(move || tempfile::NamedTempFile::new_in(incoming))
                .await?
                .map_err(|e| AppError::storing("an upload file", e))?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut buffer: Vec<u8> = Vec::with_capacity(1 << 20);
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|e| AppError::BadRequest(format!("the upload was interrupted: {e}")))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(too_large());
            }
            hasher.update(&chunk);
            buffer.extend_from_slice(&chunk);
            if buffer.len() >= 1 << 20 {
                let full = std::mem::replace(&mut buffer, Vec::with_capacity(1 << 20));
                temp = write_blocking(temp, full).await?;
            }
        }
        if size == 0 {
            return Err(AppError::invalid("file", "the upload is empty"));
        }
        temp = write_blocking(temp, buffer).await?;
        let sha256 = hex::encode(hasher.finalize());
        let destination = self.path_of(&sha256);
        let max_pixels = self.max_pixels;
        let store = self.clone();
        tokio::task::spawn_blocking(move || -> Result<StoredMedia, AppError> {
            let Inspected {
                format,
                width,
                height,
                image,
            } = inspect_image(temp.path(), declared_type.as_deref(), max_pixels)?;
            let rendered = renditions::render(&image)?;
            drop(image);
            // The renditions first and the upload last, and on any failure (a disk filling up)
            // what this upload added is removed again: a file in the store always has its
            // renditions beside it.
            let mut added: Vec<PathBuf> = Vec::new();
            let stored = (|| -> Result<Vec<StoredRendition>, AppError> {
                let renditions = store.put_renditions(rendered, &mut added)?;
                temp.as_file()
                    .sync_all()
                    .map_err(|e| AppError::storing("the upload", e))?;
                if !destination.exists() {
                    place(temp, &destination, "the upload")?;
                }
                Ok(renditions)
            })();
            let renditions = stored.inspect_err(|_| remove_all(&added))?;
            Ok(StoredMedia {
                sha256,
                size_bytes: size,
                content_type: mime_of(format),
                width,
                height,
                renditions,
            })
        })
        .await?
    }
}

/// Puts a stored upload into an organisation's library (or the city's, for `None`). The same
/// file uploaded again to the same library gives the existing entry and `false`. `user` is
/// `None` for files the hot folder brought in.
pub fn add_to_library(
    conn: &mut DbConnection,
    user: Option<&Actor>,
    organisation_id: Option<String>,
    stored: StoredMedia,
    original_name: String,
) -> Result<(MediaAssetRow, bool), AppError> {
    use diesel::prelude::*;
    let mut existing = media_assets::table
        .filter(media_assets::sha256.eq(&stored.sha256))
        .into_boxed();
    existing = match &organisation_id {
        Some(id) => existing.filter(media_assets::organisation_id.eq(id.clone())),
        None => existing.filter(media_assets::organisation_id.is_null()),
    };
    record_renditions(conn, &stored.sha256, &stored.renditions)?;
    if let Some(row) = existing
        .select(MediaAssetRow::as_select())
        .first::<MediaAssetRow>(conn)
        .optional()?
    {
        return Ok((row, false));
    }
    let row = MediaAssetRow {
        id: db::new_id(),
        sha256: stored.sha256.clone(),
        organisation_id,
        uploaded_by: user.map(|u| u.id.to_string()),
        content_type: stored.content_type.to_owned(),
        size_bytes: i64::try_from(stored.size_bytes).unwrap_or(i64::MAX),
        width: i32::try_from(stored.width).unwrap_or(i32::MAX),
        height: i32::try_from(stored.height).unwrap_or(i32::MAX),
        original_name,
        created_at: db::now(),
    };
    diesel::insert_into(media_assets::table)
        .values(&row)
        .execute(conn)?;
    audit::record_as(
        conn,
        user.map(|u| u.id.to_string()),
        &user.map_or_else(|| "hot folder".to_owned(), Actor::audit_label),
        "media.upload",
        "media",
        &row.id,
        serde_json::json!({ "sha256": row.sha256, "name": row.original_name, "bytes": row.size_bytes }),
    )?;
    Ok((row, true))
}

/// Records the renditions of stored content, once per content (a file uploaded to several
/// libraries shares them).
fn record_renditions(
    conn: &mut DbConnection,
    source_sha256: &str,
    renditions: &[StoredRendition],
) -> Result<(), AppError> {
    use crate::db::schema::media_renditions;
    use diesel::prelude::*;
    let now = db::now();
    for rendition in renditions {
        let row = (
            media_renditions::source_sha256.eq(source_sha256),
            media_renditions::kind.eq(rendition.kind.as_str()),
            media_renditions::sha256.eq(&rendition.sha256),
            media_renditions::content_type.eq("image/jpeg"),
            media_renditions::width.eq(i32::try_from(rendition.width).unwrap_or(i32::MAX)),
            media_renditions::height.eq(i32::try_from(rendition.height).unwrap_or(i32::MAX)),
            media_renditions::size_bytes
                .eq(i64::try_from(rendition.size_bytes).unwrap_or(i64::MAX)),
            media_renditions::created_at.eq(now),
        );
        crate::on_backend!(conn, |c| diesel::insert_into(media_renditions::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

/// Removes files this request added to the store, when it fails after adding them.
fn remove_all(added: &[PathBuf]) {
    for path in added {
        let _ = std::fs::remove_file(path);
    }
}

/// Moves a whole, synced file from `incoming/` to its place in the store, by a rename.
fn place(temp: tempfile::NamedTempFile, destination: &Path, what: &str) -> Result<(), AppError> {
    let parent = destination.parent().expect("media paths have a parent");
    std::fs::create_dir_all(parent).map_err(|e| AppError::storing("a media folder", e))?;
    temp.persist(destination)
        .map_err(|e| AppError::storing(what, e.error))?;
    Ok(())
}

async fn write_blocking(
    mut temp: tempfile::NamedTempFile,
    bytes: Vec<u8>,
) -> Result<tempfile::NamedTempFile, AppError> {
    tokio::task::spawn_blocking(move || temp.write_all(&bytes).map(|()| temp))
        .await?
        .map_err(|e| AppError::storing("the upload", e))
}

/// Whether a JPEG file ends with its end-of-image marker.
fn jpeg_is_complete(path: &Path) -> Result<bool, AppError> {
    use std::io::{Read, Seek, SeekFrom};
    let read_tail = || -> std::io::Result<Vec<u8>> {
        let mut file = std::fs::File::open(path)?;
        let length = file.seek(SeekFrom::End(0))?;
        let start = length.saturating_sub(4096);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        Ok(tail)
    };
    let tail = read_tail()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot read the upload: {e}")))?;
    Ok(jpeg_ends_whole(&tail))
}

/// Whether JPEG bytes (or their tail) end with the end-of-image marker (FF D9), allowing the
/// zero or whitespace padding that some encoders append.
pub fn jpeg_ends_whole(tail: &[u8]) -> bool {
    let end = tail
        .iter()
        .rposition(|&b| b != 0 && !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    end >= 2 && tail[end - 2..end] == [0xFF, 0xD9]
}

/// Checks that a file is a JPEG, PNG or WebP image of acceptable size that decodes completely.
/// The size is read from the header first, so a decompression bomb is refused without decoding.
pub fn inspect_image(
    path: &Path,
    declared_type: Option<&str>,
    max_pixels: u64,
) -> Result<Inspected, AppError> {
    let open = || -> Result<ImageReader<std::io::BufReader<std::fs::File>>, AppError> {
        ImageReader::open(path)
            .and_then(|reader| reader.with_guessed_format())
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot read the upload: {e}")))
    };
    let reader = open()?;
    let format = match reader.format() {
        Some(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => format,
        Some(other) => {
            return Err(AppError::UnsupportedMediaType(format!(
                "{} images are not accepted: upload a JPEG, PNG or WebP image",
                other.extensions_str().first().unwrap_or(&"these")
            )));
        }
        None => {
            return Err(AppError::UnsupportedMediaType(
                "the content is not a JPEG, PNG or WebP image, whatever its name says".into(),
            ));
        }
    };
    let actual = mime_of(format);
    if let Some(declared) = declared_type {
        let declared = declared
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if declared.starts_with("image/") && declared != actual {
            return Err(AppError::UnsupportedMediaType(format!(
                "the request says {declared} but the content is {actual}"
            )));
        }
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| AppError::invalid("file", format!("the image header is unreadable: {e}")))?;
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || pixels > max_pixels {
        return Err(AppError::invalid(
            "file",
            format!(
                "the image is {width}x{height} pixels; the largest accepted is {MAX_IMAGE_SIDE} pixels \
                 on a side and {} megapixels",
                max_pixels / 1_000_000
            ),
        ));
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(path)? {
        // The JPEG decoder fills a cut-off image with grey instead of failing; a screen must
        // never show half a poster, so a JPEG has to end with its end-of-image marker.
        return Err(AppError::invalid(
            "file",
            "the JPEG is truncated: it does not end with an end-of-image marker; upload it again",
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(max_pixels.saturating_mul(4).saturating_add(64 << 20));
    let mut reader = open()?;
    reader.limits(limits);
    let image = reader.decode().map_err(|e| {
        AppError::invalid("file", format!("the image is truncated or corrupt: {e}"))
    })?;
    Ok(Inspected {
        format,
        width,
        height,
        image,
    })
}
