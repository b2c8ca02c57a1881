//! The media store: uploads streamed to disk, checked by content (never by file name), and kept
//! once per SHA-256 under `DATA_DIR/media/ab/<sha256>`.
//!
//! With an object store (`--media-store`, [`objects`]) the store is the truth that every
//! instance of a region shares, and `DATA_DIR/media` is this instance's cache of it: a file is
//! in the object store before it is placed here, and one this instance lacks is fetched (its
//! hash checked) before it is served, so serving stays a local file with Range and ETag.
//!
//! An upload is written to `media/incoming/` first and moved into place with a rename only after
//! it passed every check, so no half-written or refused file is ever served. Its renditions
//! ([`renditions`]) are made from the image decoded for the check and stored the same way.
//!
//! Decoding is what costs memory (a 160 KB PNG can unpack to 150 MB), so every decode first
//! takes its share of the [`DecodeBudget`], worked out from the image's header; content that is
//! already in the store was checked when it came and is not decoded again.

pub mod backfill;
pub mod inbox;
pub mod library;
pub mod migrate;
pub mod objects;
pub mod renditions;
pub mod video;

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
    /// The limit of a video upload (images keep `max_bytes`).
    video_max_bytes: u64,
    max_pixels: u64,
    budget: DecodeBudget,
    /// The region's object store, when media are kept there.
    objects: Option<objects::ObjectStorage>,
}

/// What this instance lets image decoding hold in memory at once, in mebibytes.
#[derive(Debug, Clone)]
pub struct DecodeBudget {
    mebibytes: u32,
    available: std::sync::Arc<tokio::sync::Semaphore>,
}

/// Longest an upload waits for its share of the decode budget before it is told to come back:
/// long enough for a queue of large posters to be checked one after another, as a browser waits.
const BUDGET_WAIT: std::time::Duration = std::time::Duration::from_secs(180);

impl DecodeBudget {
    pub fn new(mebibytes: u64) -> DecodeBudget {
        let mebibytes = u32::try_from(mebibytes.max(1)).unwrap_or(u32::MAX);
        DecodeBudget {
            mebibytes,
            available: std::sync::Arc::new(tokio::sync::Semaphore::new(mebibytes as usize)),
        }
    }

    /// Waits until `bytes` fit in what the other decodes leave; refuses at once what could
    /// never fit.
    pub async fn reserve(&self, bytes: u64) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        let needed = u32::try_from(bytes.div_ceil(1 << 20))
            .unwrap_or(u32::MAX)
            .max(1);
        if needed > self.mebibytes {
            return Err(AppError::PayloadTooLarge(format!(
                "checking this image takes about {needed} MiB of memory, more than this server \
                 gives image checks ({} MiB): upload it with fewer pixels",
                self.mebibytes
            )));
        }
        let permit = tokio::time::timeout(
            BUDGET_WAIT,
            self.available.clone().acquire_many_owned(needed),
        )
        .await
        .map_err(|_| {
            AppError::Unavailable(
                "the server is busy checking other images: send this one again in a minute".into(),
            )
        })?
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("decode budget closed: {e}")))?;
        Ok(permit)
    }
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
    /// What ffprobe read, for a video.
    pub video: Option<video::Probed>,
}

/// A rendition of a checked upload, in place in the store.
#[derive(Debug, Clone)]
pub struct StoredRendition {
    pub kind: civicast_shared::api::media::RenditionKind,
    pub content_type: &'static str,
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
        decode_memory_mb: u64,
    ) -> std::io::Result<MediaStore> {
        let root = data_dir.join("media");
        let incoming = root.join("incoming");
        std::fs::create_dir_all(&incoming)?;
        Ok(MediaStore {
            root,
            incoming,
            max_bytes,
            video_max_bytes: 500 << 20,
            max_pixels: max_megapixels.saturating_mul(1_000_000),
            budget: DecodeBudget::new(decode_memory_mb),
            objects: None,
        })
    }

    /// Accepts videos up to `bytes`.
    pub fn with_video_limit(mut self, bytes: u64) -> MediaStore {
        self.video_max_bytes = bytes;
        self
    }

    /// Keeps media in `objects` for good, this instance's folder becoming its cache.
    pub fn with_object_storage(mut self, objects: Option<objects::ObjectStorage>) -> MediaStore {
        self.objects = objects;
        self
    }

    /// The region's object store, if media are kept in one.
    pub fn object_storage(&self) -> Option<&objects::ObjectStorage> {
        self.objects.as_ref()
    }

    /// The local file of the content with this hash, fetched from the object store first when
    /// this instance does not hold it yet. Without an object store, or when the store lacks it
    /// too, the path where it would be.
    pub async fn local_file(&self, sha256: &str) -> Result<PathBuf, AppError> {
        let path = self.path_of(sha256);
        let Some(objects) = &self.objects else {
            return Ok(path);
        };
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        let Some(downloaded) = objects.download(sha256, &self.incoming).await? else {
            return Ok(path);
        };
        if downloaded.sha256 != sha256 {
            tracing::error!(store = objects.location(), media = sha256, found = %downloaded.sha256, "damaged object");
            return Err(AppError::Unavailable(format!(
                "the media store {} holds a damaged copy of {sha256} (its content's SHA-256 is \
                 {}): run `civicast-server media migrate` where DATA_DIR/media still holds the \
                 file, or upload the image again",
                objects.location(),
                downloaded.sha256
            )));
        }
        let destination = path.clone();
        tokio::task::spawn_blocking(move || {
            place(downloaded.file, &destination, "a media file from the store")
        })
        .await??;
        Ok(path)
    }

    /// Copies files of this store (renditions, originals) to the object store, if there is one.
    async fn share(&self, hashes: &[&str]) -> Result<(), AppError> {
        let Some(objects) = &self.objects else {
            return Ok(());
        };
        for sha256 in hashes {
            objects.put_file(sha256, &self.path_of(sha256)).await?;
        }
        Ok(())
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
                content_type: "image/jpeg",
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
    /// Runs on a blocking thread of the runtime (it waits there for its share of the budget).
    pub fn render_stored(&self, sha256: &str) -> Result<Vec<StoredRendition>, AppError> {
        let runtime = tokio::runtime::Handle::current();
        let path = runtime.block_on(self.local_file(sha256))?;
        let header = read_header(&path, None, self.max_pixels)?;
        let _share = runtime.block_on(self.budget.reserve(header.decode_cost()))?;
        let Inspected { image, .. } = decode(&path, &header, self.max_pixels)?;
        let rendered = renditions::render(&image)?;
        drop(image);
        let mut added = Vec::new();
        (|| {
            let stored = self.put_renditions(rendered, &mut added)?;
            let hashes: Vec<&str> = stored.iter().map(|r| r.sha256.as_str()).collect();
            runtime.block_on(self.share(&hashes))?;
            Ok(stored)
        })()
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
        let too_large = |limit: u64, what: &str| {
            AppError::PayloadTooLarge(format!(
                "the {what} is larger than the limit of {} MiB",
                limit / (1024 * 1024)
            ))
        };
        let declared = declared_type
            .as_deref()
            .map(|t| t.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let declared_video = declared.starts_with("video/");
        // Until the first bytes say whether it is a video, the larger limit holds.
        let mut limit = self.max_bytes.max(self.video_max_bytes);
        let mut what = "file";
        if let Some(length) = declared_length {
            if declared_video && length > self.video_max_bytes {
                return Err(too_large(self.video_max_bytes, "video"));
            }
            if declared.starts_with("image/") && length > self.max_bytes {
                return Err(too_large(self.max_bytes, what));
            }
            if length > limit {
                return Err(too_large(limit, what));
            }
        }
        let mut head: Vec<u8> = Vec::with_capacity(64);
        let mut container = None;
        let mut sniffed = false;
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
            if !sniffed {
                let wanted = 64 - head.len();
                head.extend_from_slice(&chunk[..wanted.min(chunk.len())]);
                if head.len() == 64 {
                    sniffed = true;
                    container = video::sniff(&head);
                    (limit, what) = match container {
                        Some(_) => (self.video_max_bytes, "video"),
                        None => (self.max_bytes, "file"),
                    };
                }
            }
            if size > limit {
                return Err(too_large(limit, what));
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
        if !sniffed {
            container = video::sniff(&head);
            if container.is_none() && size > self.max_bytes {
                return Err(too_large(self.max_bytes, "file"));
            }
        }
        if container.is_some() {
            return self
                .receive_video(temp, sha256, size, head, declared_type)
                .await;
        }
        if declared_video {
            return Err(AppError::invalid(
                "file",
                "the content is not an MP4, WebM or MOV video, whatever its name says",
            ));
        }
        let max_pixels = self.max_pixels;
        let header = {
            let path = temp.path().to_owned();
            tokio::task::spawn_blocking(move || {
                read_header(&path, declared_type.as_deref(), max_pixels)
            })
            .await??
        };
        let stored = |renditions| StoredMedia {
            sha256: sha256.clone(),
            size_bytes: size,
            content_type: mime_of(header.format),
            width: header.width,
            height: header.height,
            renditions,
            video: None,
        };
        // Checked whole when it first came, its renditions recorded then (or made by the
        // backfill at start): decoding it again would only spend memory.
        let Some(temp) = self.already_kept(temp, &sha256).await? else {
            return Ok(stored(Vec::new()));
        };
        let share = self.budget.reserve(header.decode_cost()).await?;
        let renditions = self
            .keep_new(temp, &sha256, move |path| {
                let _share = share;
                let Inspected { image, .. } = decode(path, &header, max_pixels)?;
                renditions::render(&image)
            })
            .await?;
        Ok(stored(renditions))
    }
}

impl MediaStore {
    /// `None` when the content of `temp` is kept already: here (then copied into the object
    /// store if that lacks it, as for a file received before this instance used one), or in
    /// the object store by another instance of the region (then placed here as the cache).
    /// Otherwise `temp` back, to be kept with [`MediaStore::keep_new`].
    async fn already_kept(
        &self,
        temp: tempfile::NamedTempFile,
        sha256: &str,
    ) -> Result<Option<tempfile::NamedTempFile>, AppError> {
        let destination = self.path_of(sha256);
        if destination.exists() {
            if let Some(objects) = &self.objects
                && !objects.contains(sha256).await?
            {
                objects.put_file(sha256, &destination).await?;
            }
            return Ok(None);
        }
        if let Some(objects) = &self.objects
            && objects.contains(sha256).await?
        {
            tokio::task::spawn_blocking(move || {
                temp.as_file()
                    .sync_all()
                    .map_err(|e| AppError::storing("the upload", e))?;
                place(temp, &destination, "the upload")
            })
            .await??;
            return Ok(None);
        }
        Ok(Some(temp))
    }

    /// Keeps new content: its renditions made by `render` (on a blocking thread) and stored
    /// first, the upload last, in the object store as here; on any failure (a disk filling up,
    /// the object store away) what this upload added here is removed again, so that a file in
    /// the store always has its renditions beside it.
    async fn keep_new(
        &self,
        temp: tempfile::NamedTempFile,
        sha256: &str,
        render: impl FnOnce(&Path) -> Result<Vec<renditions::Rendered>, AppError> + Send + 'static,
    ) -> Result<Vec<StoredRendition>, AppError> {
        let destination = self.path_of(sha256);
        let store = self.clone();
        let (renditions, added, temp) = tokio::task::spawn_blocking(move || {
            let rendered = render(temp.path())?;
            let mut added: Vec<PathBuf> = Vec::new();
            let renditions = store
                .put_renditions(rendered, &mut added)
                .and_then(|renditions| {
                    temp.as_file()
                        .sync_all()
                        .map_err(|e| AppError::storing("the upload", e))?;
                    Ok(renditions)
                })
                .inspect_err(|_| remove_all(&added))?;
            Ok::<_, AppError>((renditions, added, temp))
        })
        .await??;
        let shared = async {
            let hashes: Vec<&str> = renditions.iter().map(|r| r.sha256.as_str()).collect();
            self.share(&hashes).await?;
            if let Some(objects) = &self.objects {
                objects.put_file(sha256, temp.path()).await?;
            }
            Ok::<_, AppError>(())
        };
        if let Err(error) = shared.await {
            remove_all(&added);
            return Err(error);
        }
        tokio::task::spawn_blocking(move || {
            if !destination.exists() {
                place(temp, &destination, "the upload")?;
            }
            Ok::<_, AppError>(())
        })
        .await?
        .inspect_err(|_| remove_all(&added))?;
        Ok(renditions)
    }
}

impl MediaStore {
    /// The rest of [`MediaStore::receive`] for a video: probed, its still frame and thumbnail
    /// stored, then the file itself (its screen renditions come later, from a job).
    async fn receive_video(
        &self,
        temp: tempfile::NamedTempFile,
        sha256: String,
        size: u64,
        head: Vec<u8>,
        declared_type: Option<String>,
    ) -> Result<StoredMedia, AppError> {
        let (probed, temp) = tokio::task::spawn_blocking(move || {
            video::probe(temp.path(), &head, declared_type.as_deref()).map(|p| (p, temp))
        })
        .await??;
        let stored = |renditions, probed: video::Probed| StoredMedia {
            sha256: sha256.clone(),
            size_bytes: size,
            content_type: probed.content_type,
            width: probed.width,
            height: probed.height,
            renditions,
            video: Some(probed),
        };
        let Some(temp) = self.already_kept(temp, &sha256).await? else {
            return Ok(stored(Vec::new(), probed));
        };
        let facts = probed.clone();
        let renditions = self
            .keep_new(temp, &sha256, move |path| video::stills(path, &facts))
            .await?;
        Ok(stored(renditions, probed))
    }
}

/// Whether `user` may upload into `organisation_id`'s library (`None`: the city's): staff into
/// any, an association member into their own once staff have verified it. Asked before the file
/// is read, so an account anyone can register cannot make the server decode anything.
pub fn check_may_upload(
    conn: &mut DbConnection,
    user: &Actor,
    organisation_id: Option<&str>,
) -> Result<(), AppError> {
    let Some(id) = organisation_id else {
        return if user.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "your account belongs to no organisation".into(),
            ))
        };
    };
    if !user.is_staff() && user.organisation_id.map(|own| own.to_string()).as_deref() != Some(id) {
        return Err(AppError::Forbidden(
            "you can only upload to your own organisation's library".into(),
        ));
    }
    let organisation = crate::core::accounts::find_organisation(conn, id)
        .map_err(|_| AppError::invalid("organisation_id", "no organisation with this id"))?;
    if !user.is_staff() && !organisation.verified {
        return Err(AppError::Forbidden(format!(
            "'{}' has not been verified by city staff yet; images can be uploaded once it is",
            organisation.name
        )));
    }
    Ok(())
}

/// The file names people uploaded, by the SHA-256 a screen knows: an original's own, or that of
/// one of its renditions (what a screen is sent). Contents nobody uploaded under a name are
/// left out.
pub fn names_by_screen_sha(
    conn: &mut DbConnection,
    shas: &[&str],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    use crate::db::schema::media_renditions;
    use diesel::prelude::*;
    if shas.is_empty() {
        return Ok(Default::default());
    }
    let sources: Vec<(String, String)> = media_renditions::table
        .filter(media_renditions::sha256.eq_any(shas))
        .select((media_renditions::sha256, media_renditions::source_sha256))
        .load(conn)?;
    let originals: Vec<&str> = shas
        .iter()
        .copied()
        .chain(sources.iter().map(|(_, source)| source.as_str()))
        .collect();
    let named: std::collections::HashMap<String, String> = media_assets::table
        .filter(media_assets::sha256.eq_any(&originals))
        .select((media_assets::sha256, media_assets::original_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(shas
        .iter()
        .filter_map(|sha| {
            let source = sources
                .iter()
                .find(|(rendition, _)| rendition == sha)
                .map_or(*sha, |(_, source)| source.as_str());
            Some((sha.to_string(), named.get(source)?.clone()))
        })
        .collect())
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
    if stored.video.is_some() {
        video::enqueue(conn, &stored.sha256)?;
    }
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
        duration_ms: stored
            .video
            .as_ref()
            .map(|v| i32::try_from(v.duration_ms).unwrap_or(i32::MAX)),
        frame_rate: stored.video.as_ref().map(|v| v.frame_rate),
        video_codec: stored.video.as_ref().map(|v| v.video_codec.clone()),
        audio_codec: stored.video.as_ref().and_then(|v| v.audio_codec.clone()),
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
            media_renditions::content_type.eq(rendition.content_type),
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

/// What an image's header says, read without decoding it.
#[derive(Debug, Clone, Copy)]
pub struct Header {
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    /// Bytes the decoded pixels take, in the decoder's own colour type.
    pub decoded_bytes: u64,
    /// Whether renditions need the pixels converted to 8-bit RGB first (another copy).
    pub needs_conversion: bool,
}

impl Header {
    /// Memory a decode and its renditions hold at their peak: the decoded pixels, their 8-bit
    /// RGB copy when the image is not one already, the resizer's intermediate image (the
    /// rendition's width by the source's height, or the other way round) and the decoders',
    /// resizers' and encoders' own buffers.
    pub fn decode_cost(&self) -> u64 {
        let pixels = u64::from(self.width) * u64::from(self.height);
        let conversion = if self.needs_conversion { pixels * 3 } else { 0 };
        let longest = u64::from(self.width.max(self.height));
        let intermediate = longest * 1920 * 3;
        self.decoded_bytes + conversion + intermediate + (16 << 20)
    }
}

/// Checks that a file is a JPEG, PNG or WebP image of acceptable size that decodes completely.
/// The size is read from the header first, so a decompression bomb is refused without decoding.
/// (Uploads read the header and decode as two steps, with the budget taken in between.)
pub fn inspect_image(
    path: &Path,
    declared_type: Option<&str>,
    max_pixels: u64,
) -> Result<Inspected, AppError> {
    let header = read_header(path, declared_type, max_pixels)?;
    decode(path, &header, max_pixels)
}

fn open_reader(path: &Path) -> Result<ImageReader<std::io::BufReader<std::fs::File>>, AppError> {
    ImageReader::open(path)
        .and_then(|reader| reader.with_guessed_format())
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot read the upload: {e}")))
}

/// The header checks: an accepted format that matches what the request declared, and a size
/// within the limits; a JPEG must also end whole.
pub fn read_header(
    path: &Path,
    declared_type: Option<&str>,
    max_pixels: u64,
) -> Result<Header, AppError> {
    use image::ImageDecoder;
    let reader = open_reader(path)?;
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
    let unreadable = |e: image::ImageError| {
        AppError::invalid("file", format!("the image header is unreadable: {e}"))
    };
    let decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    let colour = decoder.color_type();
    drop(decoder);
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
    Ok(Header {
        format,
        width,
        height,
        decoded_bytes: pixels * u64::from(colour.bytes_per_pixel()),
        needs_conversion: colour != image::ColorType::Rgb8,
    })
}

/// Decodes an image whose header passed [`read_header`], completely or not at all.
fn decode(path: &Path, header: &Header, max_pixels: u64) -> Result<Inspected, AppError> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    let mut reader = open_reader(path)?;
    reader.limits(limits);
    let image = reader.decode().map_err(|e| {
        AppError::invalid("file", format!("the image is truncated or corrupt: {e}"))
    })?;
    Ok(Inspected {
        format: header.format,
        width: header.width,
        height: header.height,
        image,
    })
}
