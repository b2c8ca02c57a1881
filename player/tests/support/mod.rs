//! What the end-to-end tests share: an X server of their own (Xvfb), captures of it and touches
//! on it (ImageMagick's `import`, `xdotool`), and the real player binary with its log.
// Each test file uses a part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An X server of our own, on a display number no one else uses.
pub struct Display {
    pub number: u32,
    process: Child,
}

impl Display {
    /// An X server whose one monitor is `width` x `height`, with no window manager (as the
    /// kiosk's `xinit` runs it).
    pub fn start_sized(width: u32, height: u32) -> Display {
        // Xvfb picks a free display number itself and writes it to the descriptor given, so
        // that servers left by other processes (or their stale lock files) are never reused.
        let mut process = Command::new("Xvfb")
            .args(["-displayfd", "1"])
            .args(["-screen", "0", &format!("{width}x{height}x24")])
            .args(["-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (Debian: apt-get install xvfb; tests/run.sh installs it)");
        let mut line = String::new();
        BufReader::new(process.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number: u32 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("Xvfb gave no display number: {line:?}"));
        Display { number, process }
    }

    /// The whole X screen now.
    pub fn capture(&self) -> image::RgbImage {
        let file = tempfile::Builder::new().suffix(".png").tempfile().unwrap();
        let status = Command::new("import")
            .args(["-display", &format!(":{}", self.number), "-window", "root"])
            .arg(file.path())
            .status()
            .expect("ImageMagick's import runs (apt-get install imagemagick)");
        assert!(status.success(), "import could not capture the screen");
        image::open(file.path()).unwrap().into_rgb8()
    }

    /// The RGB of a pixel of the whole X screen now.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        self.capture().get_pixel(x, y).0
    }

    pub fn save_screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let _ = Command::new("import")
            .args(["-display", &format!(":{}", self.number), "-window", "root"])
            .arg(dir.join(format!("e2e-{name}.png")))
            .status();
    }

    /// `picture` under `target/tmp/screenshots/<name>.png`.
    pub fn save(&self, picture: &image::RgbImage, name: &str) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        picture.save(dir.join(format!("{name}.png"))).unwrap();
    }

    /// A touch: the pointer moves there and clicks, as `xdotool` does for a finger.
    pub fn touch(&self, at: (u32, u32)) {
        let status = Command::new("xdotool")
            .args([
                "mousemove",
                &at.0.to_string(),
                &at.1.to_string(),
                "click",
                "1",
            ])
            .env("DISPLAY", format!(":{}", self.number))
            .status()
            .expect("xdotool runs (apt-get install xdotool; tests/run.sh installs it)");
        assert!(status.success(), "xdotool could not click at {at:?}");
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SIGTERM, so that Xvfb removes its socket and lock file.
        let _ = Command::new("kill")
            .arg(self.process.id().to_string())
            .status();
        let _ = self.process.wait();
    }
}

/// The player binary, running against `server` with its data in `data_dir`.
pub struct Player {
    pub process: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl Player {
    /// The player with only these options besides the server, data directory and upload pace:
    /// without `--window` it runs full screen.
    pub fn start_with(display: &Display, server: &str, data_dir: &Path, extra: &[&str]) -> Player {
        let mut process = Command::new(env!("CARGO_BIN_EXE_civicast-player"))
            .args(["--server", server])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--upload-every-s", "1"])
            .args(extra)
            .env("DISPLAY", format!(":{}", display.number))
            .env("RUST_LOG", "info,wgpu=error,naga=error")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the player binary starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = process.stderr.take().unwrap();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Player { process, log }
    }

    pub fn pairing_code(&self) -> Option<String> {
        self.log.lock().unwrap().iter().find_map(|line| {
            let rest = line.split("pairing code ").nth(1)?;
            Some(rest.split(':').next()?.trim().to_owned())
        })
    }

    /// Waits for the pairing code the player shows (and logs).
    pub async fn wait_for_pairing_code(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(code) = self.pairing_code() {
                return code;
            }
            assert!(
                self.is_running(),
                "the player stopped:\n{}",
                self.dump_log()
            );
            assert!(
                Instant::now() < deadline,
                "no pairing code:\n{}",
                self.dump_log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// How many lines of the log contain `text`.
    pub fn log_count(&self, text: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.contains(text))
            .count()
    }

    pub fn is_running(&mut self) -> bool {
        self.process.try_wait().unwrap().is_none()
    }

    pub fn kill(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }

    pub fn dump_log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.kill();
    }
}
