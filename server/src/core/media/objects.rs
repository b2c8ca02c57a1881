//! The region's object store (`--media-store s3://BUCKET/PREFIX`): where media are kept for good
//! when several instances serve one city, so that a file received by one is served by all.
//!
//! Objects are named like the local store, `PREFIX/ab/<sha256>`, and never change. A file comes
//! down into a temporary file beside the local store, is hashed as it arrives, and is handed
//! over only when its SHA-256 equals its name, so a damaged or cut-off copy is never served.
//! Every failure to reach the store is an [`AppError::Unavailable`] that says what to check.

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::AppError;
use crate::settings::Settings;

/// The access key and secret the object store is signed in with.
#[derive(Clone)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

static GIVEN_CREDENTIALS: OnceLock<S3Credentials> = OnceLock::new();

impl S3Credentials {
    /// Gives every object store this process opens these credentials instead of the
    /// environment's: for a program that runs the server inside itself (the tests), where
    /// changing the environment of a running process is not safe. The first call wins.
    pub fn use_in_this_process(credentials: S3Credentials) {
        let _ = GIVEN_CREDENTIALS.set(credentials);
    }

    /// The credentials given to this process, else AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
    /// (for temporary credentials) AWS_SESSION_TOKEN.
    pub fn find() -> Option<S3Credentials> {
        if let Some(given) = GIVEN_CREDENTIALS.get() {
            return Some(given.clone());
        }
        let variable = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Some(S3Credentials {
            access_key_id: variable("AWS_ACCESS_KEY_ID")?,
            secret_access_key: variable("AWS_SECRET_ACCESS_KEY")?,
            session_token: variable("AWS_SESSION_TOKEN"),
        })
    }
}

/// An S3-compatible bucket (and folder in it) holding the region's media.
#[derive(Clone)]
pub struct ObjectStorage {
    store: Arc<dyn ObjectStore>,
    prefix: Option<ObjectPath>,
    /// `s3://BUCKET/PREFIX`, for messages.
    location: String,
}

impl std::fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStorage")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// A request that gets no answer for this long fails (and is tried again, see [`RETRIES`]).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// A store that is away is told to the client within seconds instead of after object_store's
/// default of 10 tries over 3 minutes; a player or browser asks again by itself.
const RETRIES: usize = 2;
const RETRY_WITHIN: Duration = Duration::from_secs(15);

impl ObjectStorage {
    /// The object store the settings name, or `None` when media live in the data directory only.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<ObjectStorage>> {
        let Some(location) = settings.media_store.as_deref() else {
            return Ok(None);
        };
        let credentials = S3Credentials::find().ok_or_else(|| {
            anyhow::anyhow!(
                "--media-store {location} needs the object store's credentials in \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        })?;
        ObjectStorage::open(
            location,
            settings.s3_endpoint.as_deref(),
            &settings.s3_region,
            credentials,
        )
        .map(Some)
    }

    /// Opens `s3://BUCKET` or `s3://BUCKET/PREFIX`; `endpoint` for a store other than AWS S3
    /// (path-style requests; plain `http://` only to this machine).
    pub fn open(
        location: &str,
        endpoint: Option<&str>,
        region: &str,
        credentials: S3Credentials,
    ) -> anyhow::Result<ObjectStorage> {
        let rest = location
            .strip_prefix("s3://")
            .ok_or_else(|| anyhow::anyhow!("'{location}' is not an s3://BUCKET/PREFIX address"))?;
        let (bucket, prefix) = match rest.split_once('/') {
            Some((bucket, prefix)) => (bucket, prefix.trim_matches('/')),
            None => (rest, ""),
        };
        let mut options = ClientOptions::new()
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(REQUEST_TIMEOUT);
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(region)
            .with_access_key_id(credentials.access_key_id)
            .with_secret_access_key(credentials.secret_access_key)
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: RETRIES,
                retry_timeout: RETRY_WITHIN,
            });
        if let Some(token) = credentials.session_token {
            builder = builder.with_token(token);
        }
        if let Some(endpoint) = endpoint {
            if let Some(host) = endpoint.strip_prefix("http://") {
                if !is_this_machine(host) {
                    anyhow::bail!(
                        "--s3-endpoint {endpoint}: plain http is only allowed to this machine \
                         (127.0.0.1, ::1, localhost); use https:// for another host"
                    );
                }
                options = options.with_allow_http(true);
            }
            builder = builder
                .with_endpoint(endpoint)
                .with_virtual_hosted_style_request(false);
        }
        let store = builder
            .with_client_options(options)
            .build()
            .map_err(|e| anyhow::anyhow!("--media-store {location}: {e}"))?;
        Ok(ObjectStorage {
            store: Arc::new(store),
            prefix: (!prefix.is_empty()).then(|| ObjectPath::from(prefix)),
            location: location.trim_end_matches('/').to_owned(),
        })
    }

    /// `s3://BUCKET/PREFIX`.
    pub fn location(&self) -> &str {
        &self.location
    }

    fn key(&self, sha256: &str) -> ObjectPath {
        let name = format!("{}/{sha256}", &sha256[..2]);
        match &self.prefix {
            Some(prefix) => ObjectPath::from(format!("{prefix}/{name}")),
            None => ObjectPath::from(name),
        }
    }

    fn unavailable(&self, doing: &str, error: &object_store::Error) -> AppError {
        tracing::warn!(store = %self.location, %error, doing, "object store failed");
        AppError::Unavailable(format!(
            "the media store {} failed while {doing}: {error}. Check that it is reachable \
             (--s3-endpoint), that the bucket exists and that AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY may read and write it; then try again",
            self.location
        ))
    }

    /// Whether the store holds an object under this hash (its content is not read).
    pub async fn contains(&self, sha256: &str) -> Result<bool, AppError> {
        match self.store.head(&self.key(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(self.unavailable(&format!("looking for {sha256}"), &error)),
        }
    }

    /// Stores content under its hash (a whole object or none: S3 puts are atomic).
    pub async fn put(&self, sha256: &str, content: Bytes) -> Result<(), AppError> {
        self.store
            .put(&self.key(sha256), PutPayload::from_bytes(content))
            .await
            .map(|_| ())
            .map_err(|error| self.unavailable(&format!("storing {sha256}"), &error))
    }

    /// Stores a local file under its hash.
    pub async fn put_file(&self, sha256: &str, file: &Path) -> Result<(), AppError> {
        let content = tokio::fs::read(file).await.map_err(|e| {
            AppError::Unexpected(anyhow::anyhow!("cannot read media {sha256}: {e}"))
        })?;
        self.put(sha256, Bytes::from(content)).await
    }

    /// Downloads the object into a new temporary file in `folder`, hashing it on the way.
    /// `None` when the store has no such object.
    pub async fn download(
        &self,
        sha256: &str,
        folder: &Path,
    ) -> Result<Option<Downloaded>, AppError> {
        let fetching = format!("fetching {sha256}");
        let result = match self.store.get(&self.key(sha256)).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(self.unavailable(&fetching, &error)),
        };
        let folder = folder.to_owned();
        let temp = tokio::task::spawn_blocking(move || tempfile::NamedTempFile::new_in(folder))
            .await?
            .map_err(|e| AppError::storing("a media file from the store", e))?;
        let copy = temp
            .reopen()
            .map_err(|e| AppError::storing("a media file from the store", e))?;
        let mut copy = tokio::fs::File::from_std(copy);
        let mut hasher = Sha256::new();
        let mut stream = result.into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| self.unavailable(&fetching, &error))?;
            hasher.update(&chunk);
            copy.write_all(&chunk)
                .await
                .map_err(|e| AppError::storing("a media file from the store", e))?;
        }
        copy.sync_all()
            .await
            .map_err(|e| AppError::storing("a media file from the store", e))?;
        Ok(Some(Downloaded {
            sha256: hex::encode(hasher.finalize()),
            file: temp,
        }))
    }
}

/// An object read into a temporary file, with the SHA-256 of what arrived.
#[derive(Debug)]
pub struct Downloaded {
    pub sha256: String,
    pub file: tempfile::NamedTempFile,
}

/// Whether `host` (with its port, if any) names this machine.
fn is_this_machine(host: &str) -> bool {
    let name = host
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .map_or_else(
            || host.rsplit_once(':').map_or(host, |(name, _)| name),
            |(name, _)| name,
        );
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_goes_only_to_this_machine() {
        for host in [
            "127.0.0.1:9000",
            "localhost:9000",
            "[::1]:9000",
            "127.0.0.1",
            "LOCALHOST",
        ] {
            assert!(is_this_machine(host), "{host}");
        }
        for host in [
            "s3.example.org",
            "10.0.0.5:9000",
            "[2001:db8::1]:9000",
            "localhost.evil.org",
        ] {
            assert!(!is_this_machine(host), "{host}");
        }
    }

    #[test]
    fn objects_are_named_like_the_local_store_under_the_prefix() {
        let credentials = S3Credentials {
            access_key_id: "key".into(),
            secret_access_key: "secret".into(),
            session_token: None,
        };
        let sha = "ab".repeat(32);
        let open = |location| {
            ObjectStorage::open(
                location,
                Some("http://127.0.0.1:9000"),
                "us-east-1",
                credentials.clone(),
            )
            .unwrap()
        };
        assert_eq!(open("s3://media").key(&sha).as_ref(), format!("ab/{sha}"));
        assert_eq!(
            open("s3://media/city/civicast/").key(&sha).as_ref(),
            format!("city/civicast/ab/{sha}")
        );
        assert!(
            ObjectStorage::open(
                "s3://media",
                Some("http://s3.example.org"),
                "us-east-1",
                credentials.clone()
            )
            .is_err()
        );
    }
}
