//! The player's files in its data directory, each replaced atomically (write a temporary file,
//! fsync it, rename it over the old one, fsync the directory), so a power cut leaves either the
//! old or the new file and never a half-written one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use civicast_shared::api::device::Manifest;
use serde::{Deserialize, Serialize};

/// Writes `bytes` to `path` so that readers see the old content or the new, never a mix.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let directory = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file path is needed"))?;
    let temporary = directory.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    {
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&temporary, path)?;
    sync_directory(directory)
}

/// Makes a rename in `directory` durable.
pub fn sync_directory(directory: &Path) -> io::Result<()> {
    File::open(directory)?.sync_all()
}

/// The manifest the player plays from, with the ETag the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredManifest {
    pub etag: String,
    pub manifest: Manifest,
}

/// Where the player keeps its token, its current manifest and its media cache.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn token_path(&self) -> PathBuf {
        self.root.join("screen-token")
    }

    fn manifest_path(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// The screen's device token, if the player has been paired.
    pub fn token(&self) -> Option<String> {
        let token = fs::read_to_string(self.token_path()).ok()?;
        let token = token.trim();
        (!token.is_empty()).then(|| token.to_owned())
    }

    pub fn save_token(&self, token: &str) -> io::Result<()> {
        write_atomically(&self.token_path(), token.as_bytes())
    }

    /// Forgets a token the server no longer accepts, so the player pairs again.
    pub fn forget_token(&self) -> io::Result<()> {
        match fs::remove_file(self.token_path()) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// The last manifest switched to; `None` if there is none or it cannot be read.
    pub fn manifest(&self) -> Option<StoredManifest> {
        let bytes = fs::read(self.manifest_path()).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn save_manifest(&self, stored: &StoredManifest) -> io::Result<()> {
        let bytes = serde_json::to_vec(stored).map_err(io::Error::other)?;
        write_atomically(&self.manifest_path(), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        write_atomically(&path, b"old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_damaged_manifest_file_reads_as_none_and_a_token_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path());
        fs::write(
            dir.path().join("manifest.json"),
            b"{\"etag\": \"x\", \"manif",
        )
        .unwrap();
        assert!(data.manifest().is_none());
        assert!(data.token().is_none());
        data.save_token("cvs_abc").unwrap();
        assert_eq!(data.token().as_deref(), Some("cvs_abc"));
        data.forget_token().unwrap();
        data.forget_token().unwrap();
        assert!(data.token().is_none());
    }
}
