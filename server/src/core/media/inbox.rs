//! The hot folder: image files dropped into the inbox folder (`--inbox-dir`, by default
//! `DATA_DIR/media/inbox`) are imported into the city's media library with the same checks as an
//! upload, then removed from the inbox; a refused file is moved to `refused/` beside a
//! `.reason.txt` that says why.
//!
//! A file still being written is never imported half-written: it is imported once its writer
//! has closed it (the change notice `notify` gives on Linux) and it has not changed for
//! [`SETTLE`], or, where no such notice comes (network shares), once it has not changed for
//! [`SETTLE_UNCLOSED`]. A close notice is not the last word (a writer may write in steps, closing
//! the file between them), so content that does not decode whole is only refused once the file
//! has not changed for [`SETTLE_UNCLOSED`]. A slow sweep catches anything the notices
//! missed.
//!
//! Every instance of a region may watch the same shared inbox: before importing a file an
//! instance claims it by creating `claimed/<file name>` only if it does not exist (atomic, also
//! on a network share), and leaves a file it cannot claim to the instance that holds it. The
//! claim is released when the import ends (the file gone, set aside, or left for later); one
//! held when an instance stopped is released when that instance starts again. (The file is not
//! renamed to claim it: a writer that appends in steps would lose it.)

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};

use super::{MediaStore, add_to_library};
use crate::db::{self, DbPool};
use crate::error::AppError;

/// How long a closed file must stay unchanged before it is imported.
pub const SETTLE: Duration = Duration::from_millis(500);
/// How long a file never seen closed must stay unchanged before it is imported.
pub const SETTLE_UNCLOSED: Duration = Duration::from_secs(15);
/// How often the folder is looked at even without a change notice.
const SWEEP: Duration = Duration::from_secs(5);

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// In the library under this media id.
    Added(String),
    /// Moved to `refused/`, for this reason.
    Refused(String),
    /// Its content would be refused, but it changed too lately to tell a broken file from one
    /// still being written: left where it is, and looked at again.
    NotYet(String),
    /// Claimed by another instance watching the same inbox.
    TakenByAnother,
}

/// This instance's name on its claims: the machine and the data directory, so that it stays
/// the same across restarts and differs between instances that share the inbox.
fn instance_name(media: &MediaStore) -> String {
    use sha2::Digest;
    let machine = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .unwrap_or_else(|| "civicast".into());
    let data = hex::encode(sha2::Sha256::digest(
        media.root.as_os_str().as_encoded_bytes(),
    ));
    format!("{machine}-{}", &data[..12])
}

/// A file this instance holds the claim on, until [`Claim::release`].
#[derive(Debug)]
struct Claim {
    marker: PathBuf,
}

impl Claim {
    /// Claims the file at `path` for this instance; `None` when another instance holds it or
    /// has imported it already.
    async fn take(
        inbox: &Path,
        media: &MediaStore,
        path: &Path,
    ) -> Result<Option<Claim>, AppError> {
        let folder = inbox.join("claimed");
        tokio::fs::create_dir_all(&folder).await.map_err(|e| {
            AppError::Unexpected(anyhow::anyhow!("cannot create {}: {e}", folder.display()))
        })?;
        let Some(name) = path.file_name() else {
            return Ok(None);
        };
        let marker = folder.join(name);
        // Created only if absent (O_EXCL), which one instance alone achieves, on a network
        // share too. The file itself stays where it is, so a writer still appending to it
        // (`cat part >> file`) keeps writing to the same file.
        let created = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&marker)
            .await;
        match created {
            Ok(mut file) => {
                use tokio::io::AsyncWriteExt;
                let _ = file.write_all(instance_name(media).as_bytes()).await;
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                warn_if_held_long(&marker).await;
                return Ok(None);
            }
            Err(error) => {
                return Err(AppError::Unexpected(anyhow::anyhow!(
                    "cannot claim {}: {error}",
                    path.display()
                )));
            }
        }
        let claim = Claim { marker };
        // The claim of an instance that imported the file is released after the file is
        // removed: a claim won after that finds no file.
        if !tokio::fs::try_exists(path).await.unwrap_or(false) {
            claim.release().await;
            return Ok(None);
        }
        Ok(Some(claim))
    }

    async fn release(self) {
        if let Err(error) = tokio::fs::remove_file(&self.marker).await {
            tracing::warn!(claim = %self.marker.display(), %error, "hot folder: cannot release a claim");
        }
    }
}

/// An import takes seconds to minutes; a claim held far longer belongs to an instance that
/// stopped in the middle and has not started again.
const CLAIM_HELD_LONG: Duration = Duration::from_secs(30 * 60);

/// Tells the operator about a claim that an instance seems to have left behind for good (it is
/// not taken over: the holder may only be slow, and two instances taking it over at once would
/// both import the file).
async fn warn_if_held_long(marker: &Path) {
    let Ok(metadata) = tokio::fs::metadata(marker).await else {
        return;
    };
    let held = metadata
        .modified()
        .ok()
        .and_then(|since| since.elapsed().ok())
        .unwrap_or_default();
    if held > CLAIM_HELD_LONG {
        let holder = tokio::fs::read_to_string(marker).await.unwrap_or_default();
        tracing::warn!(
            claim = %marker.display(),
            %holder,
            minutes = held.as_secs() / 60,
            "hot folder: a file has been claimed by another instance for long; if that instance \
             is gone for good, delete the claim and the file is imported"
        );
    }
}

/// Releases the claims this instance held when it stopped (in the middle of an import).
fn release_earlier_claims(inbox: &Path, media: &MediaStore) {
    let Ok(entries) = std::fs::read_dir(inbox.join("claimed")) else {
        return;
    };
    let own = instance_name(media);
    for entry in entries.filter_map(Result::ok) {
        if std::fs::read_to_string(entry.path()).is_ok_and(|holder| holder == own)
            && std::fs::remove_file(entry.path()).is_ok()
        {
            tracing::info!(file = ?entry.file_name(), "hot folder: a claim held before a stop is released");
        }
    }
}

/// The content type a file's name claims, which its content must then match.
fn declared_type(path: &Path) -> Option<String> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(
        match extension.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "webp" => "image/webp",
            _ => return None,
        }
        .to_owned(),
    )
}

/// Imports one settled file, once across the instances watching this inbox: into the library,
/// or aside with its reason (only `may_refuse`; otherwise a file whose content would be refused
/// is left for later).
pub async fn import(
    pool: &DbPool,
    media: &MediaStore,
    inbox: &Path,
    path: &Path,
    may_refuse: bool,
) -> Result<Imported, AppError> {
    let Some(claim) = Claim::take(inbox, media, path).await? else {
        return Ok(Imported::TakenByAnother);
    };
    let outcome = import_claimed(pool, media, inbox, path, may_refuse).await;
    claim.release().await;
    outcome
}

/// Imports a file this instance claimed.
async fn import_claimed(
    pool: &DbPool,
    media: &MediaStore,
    inbox: &Path,
    path: &Path,
    may_refuse: bool,
) -> Result<Imported, AppError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>();
    let Some(declared) = declared_type(path) else {
        return set_aside(
            inbox,
            path,
            &name,
            "only .jpg, .jpeg, .png and .webp files are imported",
        )
        .await;
    };
    let length = tokio::fs::metadata(path)
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot read {name}: {e}")))?
        .len();
    let file = path.to_owned();
    let content =
        futures_util::stream::once(async move { tokio::fs::read(file).await.map(Bytes::from) });
    let stored = match media
        .receive(Some(declared), Some(length), Box::pin(content))
        .await
    {
        Ok(stored) => stored,
        // A file cut short fails to decode; its type (read from its first bytes) and its size
        // only get worse as it grows, so those refusals do not wait.
        Err(error @ (AppError::Validation(_) | AppError::BadRequest(_))) if !may_refuse => {
            return Ok(Imported::NotYet(error.to_string()));
        }
        Err(
            error @ (AppError::Validation(_)
            | AppError::UnsupportedMediaType(_)
            | AppError::PayloadTooLarge(_)
            | AppError::BadRequest(_)),
        ) => return set_aside(inbox, path, &name, &error.to_string()).await,
        Err(other) => return Err(other),
    };
    let original = name.clone();
    let (asset, _) = db::run(pool, move |conn| {
        db::transaction(conn, |conn| {
            add_to_library(conn, None, None, stored, original)
        })
    })
    .await?;
    tokio::fs::remove_file(path)
        .await
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot remove {name}: {e}")))?;
    tracing::info!(file = %name, media = %asset.id, "hot folder: file imported");
    Ok(Imported::Added(asset.id))
}

/// Moves a refused file to `refused/`, with a note of why beside it.
async fn set_aside(
    inbox: &Path,
    path: &Path,
    name: &str,
    reason: &str,
) -> Result<Imported, AppError> {
    let folder = inbox.join("refused");
    tokio::fs::create_dir_all(&folder).await.map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!("cannot create {}: {e}", folder.display()))
    })?;
    tokio::fs::write(
        folder.join(format!("{name}.reason.txt")),
        format!("{reason}\n"),
    )
    .await
    .and(tokio::fs::rename(path, folder.join(name)).await)
    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cannot set {name} aside: {e}")))?;
    tracing::warn!(file = %name, %reason, "hot folder: file refused");
    Ok(Imported::Refused(reason.to_owned()))
}

/// The files directly in the inbox (not its `refused/` or `claimed/` folders), with size and
/// change time.
fn look(inbox: &Path) -> HashMap<PathBuf, (u64, SystemTime)> {
    let Ok(entries) = std::fs::read_dir(inbox) else {
        return HashMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let metadata = entry.metadata().ok()?;
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let modified = metadata.modified().ok()?;
            (metadata.is_file() && !hidden).then(|| (entry.path(), (metadata.len(), modified)))
        })
        .collect()
}

/// Watches the inbox until the server stops.
pub async fn watch(inbox: PathBuf, pool: DbPool, media: MediaStore) {
    if let Err(error) = std::fs::create_dir_all(&inbox) {
        tracing::error!(folder = %inbox.display(), %error, "hot folder: cannot create the inbox");
        return;
    }
    release_earlier_claims(&inbox, &media);
    let (notices, mut noticed) = tokio::sync::mpsc::unbounded_channel::<notify::Event>();
    let folder = inbox.clone();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && is_about_a_file(&event, &folder)
        {
            let _ = notices.send(event);
        }
    })
    .and_then(|mut watcher| {
        watcher.watch(&inbox, RecursiveMode::NonRecursive)?;
        Ok(watcher)
    });
    let _watcher = match watcher {
        Ok(watcher) => Some(watcher),
        Err(error) => {
            tracing::warn!(%error, "hot folder: no change notices; sweeping every few seconds");
            None
        }
    };
    let mut files: HashMap<PathBuf, Settling> = HashMap::new();
    loop {
        let now = std::time::Instant::now();
        while let Ok(event) = noticed.try_recv() {
            note(&mut files, event, now);
        }
        let present = look(&inbox);
        files.retain(|path, _| present.contains_key(path));
        let mut ready = Vec::new();
        for (path, state) in present {
            let entry = files
                .entry(path.clone())
                .or_insert_with(|| Settling::new(now));
            if entry.state != Some(state) {
                entry.state = Some(state);
                entry.since = now;
            } else if entry.is_ready(now) {
                ready.push((path, entry.is_settled_long(now)));
            }
        }
        for (path, settled_long) in ready {
            match import(&pool, &media, &inbox, &path, settled_long).await {
                Ok(Imported::NotYet(reason)) => {
                    tracing::debug!(file = %path.display(), %reason, "hot folder: not whole yet");
                    // Its close notice was not the last word: it waits as if never closed.
                    if let Some(entry) = files.get_mut(&path) {
                        entry.closed = false;
                    }
                }
                Ok(_) => {
                    files.remove(&path);
                }
                Err(error) => {
                    files.remove(&path);
                    tracing::warn!(file = %path.display(), %error, "hot folder: import failed; trying again");
                }
            }
        }
        // Look again soon while files are settling, else on a change notice or the sweep.
        let wait = if files.is_empty() { SWEEP } else { SETTLE / 4 };
        if let Ok(Some(event)) = tokio::time::timeout(wait, noticed.recv()).await {
            note(&mut files, event, std::time::Instant::now());
        }
    }
}

/// Whether a notice may change what the folder holds. Reading the folder (as every look here
/// does) raises open, read and close notices on the folder itself; answering those with another
/// look was a loop that kept a core two-thirds busy while nothing happened. Reads of files say
/// nothing new either.
fn is_about_a_file(event: &notify::Event, inbox: &Path) -> bool {
    let read_only = matches!(
        event.kind,
        EventKind::Access(
            AccessKind::Open(_) | AccessKind::Read | AccessKind::Close(AccessMode::Read)
        )
    );
    !read_only && event.paths.iter().any(|path| path != inbox)
}

/// Takes in a change notice: a writer closing a file marks it closed, anything else (a write,
/// a new open) marks it open again.
fn note(files: &mut HashMap<PathBuf, Settling>, event: notify::Event, now: std::time::Instant) {
    let closed = matches!(
        event.kind,
        EventKind::Access(AccessKind::Close(AccessMode::Write))
    );
    for path in event.paths {
        files
            .entry(path)
            .or_insert_with(|| Settling::new(now))
            .closed = closed;
    }
}

/// A file on its way in: its size and change time when last seen, since when they have held,
/// and whether its writer has closed it since.
#[derive(Debug)]
struct Settling {
    state: Option<(u64, SystemTime)>,
    since: std::time::Instant,
    closed: bool,
}

impl Settling {
    fn new(now: std::time::Instant) -> Settling {
        Settling {
            state: None,
            since: now,
            closed: false,
        }
    }

    fn is_ready(&self, now: std::time::Instant) -> bool {
        let held = now.duration_since(self.since);
        (self.closed && held >= SETTLE) || self.is_settled_long(now)
    }

    /// Unchanged for so long that content still not whole is broken, not being written.
    fn is_settled_long(&self, now: std::time::Instant) -> bool {
        now.duration_since(self.since) >= SETTLE_UNCLOSED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_the_folder_or_a_file_is_no_news_but_a_file_written_or_closed_is() {
        use notify::event::{CreateKind, DataChange, ModifyKind};
        let inbox = Path::new("/srv/inbox");
        let poster = inbox.join("poster.jpg");
        let notice = |kind, path: &Path| notify::Event::new(kind).add_path(path.to_owned());
        // What every look at the folder raises: ignored, or the loop would never rest.
        for kind in [
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            EventKind::Access(AccessKind::Read),
        ] {
            assert!(!is_about_a_file(&notice(kind, inbox), inbox));
            assert!(!is_about_a_file(&notice(kind, &poster), inbox));
        }
        assert!(!is_about_a_file(&notice(EventKind::Any, inbox), inbox));
        for kind in [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
        ] {
            assert!(is_about_a_file(&notice(kind, &poster), inbox));
        }
    }

    #[test]
    fn the_name_says_what_the_content_must_be() {
        assert_eq!(
            declared_type(Path::new("a/Poster.JPG")).as_deref(),
            Some("image/jpeg")
        );
        assert_eq!(
            declared_type(Path::new("slide.webp")).as_deref(),
            Some("image/webp")
        );
        assert_eq!(declared_type(Path::new("notes.txt")), None);
        assert_eq!(declared_type(Path::new("no-extension")), None);
    }
}
