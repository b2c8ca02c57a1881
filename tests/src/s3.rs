//! A real S3-compatible object store for tests of a region's media: `s3s-fs` (an S3 server over a
//! folder, from the s3s project) on a free port of 127.0.0.1, over a temporary folder, with an
//! access key and secret, stopped and removed when dropped. Objects are plain files under
//! `ROOT/BUCKET/KEY`, so a test can read or damage one directly ([`S3Server::object_file`]).
//!
//! Install it with `cargo install s3s-fs --version 0.14.1 --features binary --locked`
//! (tests/run.sh does); `CIVICAST_S3S_FS` may name the binary.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use civicast_server::Settings;
use civicast_server::core::media::objects::S3Credentials;

/// The credentials every test store takes; the in-process servers are given them in place of
/// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
pub const ACCESS_KEY: &str = "civicast-test-key";
pub const SECRET_KEY: &str = "civicast-test-secret-0123456789";

/// A running s3s-fs with one bucket.
pub struct S3Server {
    child: Child,
    port: u16,
    bucket: String,
    root: tempfile::TempDir,
}

/// The s3s-fs binary: `CIVICAST_S3S_FS`, else on PATH, else in ~/.cargo/bin.
fn binary() -> PathBuf {
    if let Some(given) = std::env::var_os("CIVICAST_S3S_FS").filter(|v| !v.is_empty()) {
        return PathBuf::from(given);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|folder| folder.join("s3s-fs"))
        .find(|candidate| candidate.is_file());
    let in_cargo = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join(".cargo/bin/s3s-fs"))
        .filter(|candidate| candidate.is_file());
    on_path.or(in_cargo).unwrap_or_else(|| {
        panic!(
            "the test S3 server s3s-fs is not installed: install it with \
             `cargo install s3s-fs --version 0.14.1 --features binary --locked` \
             (tests/run.sh does), or name it in CIVICAST_S3S_FS"
        )
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

impl S3Server {
    /// Starts s3s-fs with `bucket` made, and gives this process's object stores its
    /// credentials.
    pub fn start(bucket: &str) -> S3Server {
        S3Credentials::use_in_this_process(S3Credentials {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
            session_token: None,
        });
        let binary = binary();
        let root = tempfile::tempdir().expect("a temporary directory");
        // A bucket of s3s-fs is a folder under its root.
        std::fs::create_dir_all(root.path().join(bucket)).expect("the bucket's folder");
        let log_path = root.path().join(".s3s-fs.log");
        // The port is chosen free and then handed over, so another program may take it in
        // between: a start that does not answer is tried again on another port.
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(&log_path).expect("the S3 server's log");
            let mut child = Command::new(&binary)
                .arg("--host")
                .arg("127.0.0.1")
                .arg("--port")
                .arg(port.to_string())
                .arg("--access-key")
                .arg(ACCESS_KEY)
                .arg("--secret-key")
                .arg(SECRET_KEY)
                .arg(root.path())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("the log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|error| {
                    panic!(
                        "{} cannot be started ({error}): install it with `cargo install s3s-fs \
                         --version 0.14.1 --features binary --locked`",
                        binary.display()
                    )
                });
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return S3Server {
                        child,
                        port,
                        bucket: bucket.to_owned(),
                        root,
                    };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        panic!("s3s-fs did not answer on 127.0.0.1 after three starts:\n{log}");
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Points `settings` at this store, under `prefix` in the bucket.
    pub fn use_in(&self, settings: &mut Settings, prefix: &str) {
        settings.media_store = Some(format!("s3://{}/{prefix}", self.bucket));
        settings.s3_endpoint = Some(self.endpoint());
    }

    /// The file that holds the object `key`.
    pub fn object_file(&self, key: &str) -> PathBuf {
        self.root.path().join(&self.bucket).join(key)
    }

    /// The keys of every object in the bucket, sorted.
    pub fn keys(&self) -> Vec<String> {
        fn walk(folder: &Path, bucket: &Path, keys: &mut Vec<String>) {
            for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
                let path = entry.path();
                // s3s-fs keeps its metadata in dot files.
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                if path.is_dir() {
                    walk(&path, bucket, keys);
                } else if let Ok(key) = path.strip_prefix(bucket) {
                    keys.push(key.to_string_lossy().into_owned());
                }
            }
        }
        let bucket = self.root.path().join(&self.bucket);
        let mut keys = Vec::new();
        walk(&bucket, &bucket, &mut keys);
        keys.sort();
        keys
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
