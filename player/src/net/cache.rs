//! The content-addressed media cache: `cache/<sha256>` holds only files whose hash was verified;
//! downloads grow in `cache/partial/<sha256>` (resumed from their length after an interruption)
//! and are renamed into place only once their hash matches. A size limit evicts the oldest files
//! that no manifest needs.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use civicast_shared::api::device::is_sha256_hex;
use sha2::{Digest, Sha256};

use super::storage::sync_directory;

#[derive(Debug, Clone)]
pub struct MediaCache {
    dir: PathBuf,
    partial_dir: PathBuf,
    limit_bytes: u64,
}

/// Why a finished download was not taken into the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("the downloaded file's SHA-256 is {actual}, not {expected}: it was discarded")]
    HashMismatch { expected: String, actual: String },
    #[error("'{0}' is not a SHA-256 media name")]
    BadName(String),
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// SHA-256 of a file, read in chunks so that a large poster needs little memory.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

impl MediaCache {
    pub fn open(dir: impl Into<PathBuf>, limit_bytes: u64) -> io::Result<MediaCache> {
        let dir = dir.into();
        let partial_dir = dir.join("partial");
        fs::create_dir_all(&partial_dir)?;
        Ok(MediaCache {
            dir,
            partial_dir,
            limit_bytes,
        })
    }

    /// Where a verified file lives (whether or not it is there).
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.dir.join(sha256)
    }

    fn partial_path(&self, sha256: &str) -> PathBuf {
        self.partial_dir.join(sha256)
    }

    pub fn contains(&self, sha256: &str) -> bool {
        is_sha256_hex(sha256) && self.path_of(sha256).is_file()
    }

    /// Bytes already downloaded of an unfinished file (0 when none).
    pub fn partial_len(&self, sha256: &str) -> u64 {
        fs::metadata(self.partial_path(sha256)).map_or(0, |m| m.len())
    }

    /// Appends downloaded bytes to the unfinished file; `restart` empties it first (the server
    /// answered the whole file instead of the range asked for). Returns the bytes written.
    pub fn append_partial(
        &self,
        sha256: &str,
        restart: bool,
        body: &mut dyn Read,
    ) -> Result<u64, CacheError> {
        if !is_sha256_hex(sha256) {
            return Err(CacheError::BadName(sha256.to_owned()));
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(!restart)
            .write(true)
            .truncate(restart)
            .open(self.partial_path(sha256))?;
        let written = io::copy(body, &mut file)?;
        file.flush()?;
        Ok(written)
    }

    /// Verifies a finished download and moves it into the cache; a wrong hash discards it.
    pub fn commit(&self, sha256: &str) -> Result<(), CacheError> {
        let partial = self.partial_path(sha256);
        let actual = hash_file(&partial)?;
        if actual != sha256 {
            let _ = fs::remove_file(&partial);
            return Err(CacheError::HashMismatch {
                expected: sha256.to_owned(),
                actual,
            });
        }
        File::open(&partial)?.sync_all()?;
        fs::rename(&partial, self.path_of(sha256))?;
        sync_directory(&self.dir)?;
        Ok(())
    }

    /// Removes a cached file found to be damaged, so that it is fetched again.
    pub fn discard(&self, sha256: &str) {
        if is_sha256_hex(sha256) {
            let _ = fs::remove_file(self.path_of(sha256));
        }
    }

    /// Verified files in the cache with their sizes and modification times.
    fn entries(&self) -> Vec<(String, u64, std::time::SystemTime)> {
        let Ok(read) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        read.filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let meta = entry.metadata().ok()?;
                (meta.is_file() && is_sha256_hex(&name)).then(|| {
                    let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                    (name, meta.len(), modified)
                })
            })
            .collect()
    }

    /// Bytes and number of verified files in the cache.
    pub fn usage(&self) -> (u64, u32) {
        let entries = self.entries();
        let bytes = entries.iter().map(|(_, size, _)| size).sum();
        (bytes, u32::try_from(entries.len()).unwrap_or(u32::MAX))
    }

    /// Deletes unfinished downloads no manifest needs, then, while the cache is over its limit,
    /// the oldest verified files that `keep` does not name. Files in `keep` are never evicted.
    pub fn evict(&self, keep: &HashSet<String>) -> u32 {
        if let Ok(read) = fs::read_dir(&self.partial_dir) {
            for entry in read.filter_map(Result::ok) {
                if !keep.contains(entry.file_name().to_string_lossy().as_ref()) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|(_, size, _)| size).sum();
        entries.sort_by_key(|(_, _, modified)| *modified);
        let mut evicted = 0;
        for (name, size, _) in entries {
            if total <= self.limit_bytes {
                break;
            }
            if keep.contains(&name) {
                continue;
            }
            if fs::remove_file(self.path_of(&name)).is_ok() {
                total -= size;
                evicted += 1;
            }
        }
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[test]
    fn a_download_resumed_in_pieces_is_verified_before_it_enters_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::open(dir.path(), 1 << 20).unwrap();
        let content = b"a poster, in two pieces".to_vec();
        let name = sha(&content);
        cache
            .append_partial(&name, false, &mut &content[..10])
            .unwrap();
        assert_eq!(cache.partial_len(&name), 10);
        assert!(!cache.contains(&name), "half a file is never in the cache");
        cache
            .append_partial(&name, false, &mut &content[10..])
            .unwrap();
        cache.commit(&name).unwrap();
        assert!(cache.contains(&name));
        assert_eq!(fs::read(cache.path_of(&name)).unwrap(), content);
        assert_eq!(cache.partial_len(&name), 0);
    }

    #[test]
    fn a_download_with_the_wrong_content_is_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::open(dir.path(), 1 << 20).unwrap();
        let name = sha(b"what the manifest promised");
        cache
            .append_partial(&name, false, &mut &b"something else"[..])
            .unwrap();
        let error = cache.commit(&name).unwrap_err();
        assert!(matches!(error, CacheError::HashMismatch { .. }));
        assert!(!cache.contains(&name));
        assert_eq!(cache.partial_len(&name), 0, "a bad download starts over");
        assert!(matches!(
            cache.append_partial("../../etc/passwd", false, &mut &b"x"[..]),
            Err(CacheError::BadName(_))
        ));
    }

    #[test]
    fn eviction_keeps_what_the_manifest_needs_and_drops_the_oldest_rest() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::open(dir.path(), 25).unwrap();
        let mut names = Vec::new();
        for index in 0..4u8 {
            let content = vec![index; 10];
            let name = sha(&content);
            cache
                .append_partial(&name, false, &mut &content[..])
                .unwrap();
            cache.commit(&name).unwrap();
            let file = File::options()
                .write(true)
                .open(cache.path_of(&name))
                .unwrap();
            let age = std::time::Duration::from_secs(100 - u64::from(index));
            file.set_modified(std::time::SystemTime::now() - age)
                .unwrap();
            names.push(name);
        }
        let stale_partial = sha(b"abandoned");
        cache
            .append_partial(&stale_partial, false, &mut &b"aban"[..])
            .unwrap();
        assert_eq!(cache.usage(), (40, 4));
        // Keep the oldest file: the next two oldest go, which brings 40 bytes under 25.
        let keep: HashSet<String> = [names[0].clone()].into_iter().collect();
        assert_eq!(cache.evict(&keep), 2);
        assert!(cache.contains(&names[0]));
        assert!(!cache.contains(&names[1]));
        assert!(!cache.contains(&names[2]));
        assert!(cache.contains(&names[3]));
        assert_eq!(cache.partial_len(&stale_partial), 0);
    }
}
