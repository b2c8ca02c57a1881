//! Test harness: starts the real Civicast server in-process on a free port with a fresh database
//! (SQLite in a temporary directory, or a new PostgreSQL database when
//! `CIVICAST_TEST_POSTGRES_URL` names a cluster) and drives it over HTTP.

pub mod bench;
pub mod load;
pub mod s3;
pub mod smtp;
pub mod tls;

use std::path::PathBuf;

use civicast_server::app::StopHandle;
use civicast_server::{Application, Settings};
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Names a PostgreSQL cluster (e.g. `postgres://postgres@127.0.0.1:5433`) to run against
/// instead of SQLite; `tests/run.sh` sets it for the second pass.
pub const POSTGRES_ENV: &str = "CIVICAST_TEST_POSTGRES_URL";

/// A running server with its own database and data directory.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub admin_email: String,
    pub admin_password: String,
    /// Token of the first administrator.
    pub admin: String,
    handle: StopHandle,
    // Removed when the test ends.
    _data_dir: std::sync::Arc<tempfile::TempDir>,
}

/// A fresh database URL for one test, or `None` for SQLite.
fn fresh_database() -> Option<String> {
    let base = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty())?;
    let base = base.trim_end_matches('/').to_owned();
    let name = format!("civicast_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&format!("{base}/postgres"))
        .expect("the test PostgreSQL cluster accepts connections");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("a test database can be created");
    Some(format!("{base}/{name}"))
}

/// Whether this run uses PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty())
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `adjust` changed its settings (e.g. a smaller upload limit).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary directory");
    let mut settings = Settings::new("127.0.0.1:0", data_dir.path().to_path_buf());
    settings.database_url = fresh_database();
    settings.workers = Some(2);
    adjust(&mut settings);
    let password_file: PathBuf = settings.initial_password_file();
    let mut app = start(
        settings,
        std::sync::Arc::new(data_dir),
        String::new(),
        String::new(),
    )
    .await;
    app.admin_password = std::fs::read_to_string(password_file)
        .expect("the first start leaves the admin password in the data directory")
        .trim()
        .to_owned();
    app.admin_email = app.settings.initial_admin_email.clone();
    app.admin = app
        .login(&app.admin_email.clone(), &app.admin_password.clone())
        .await;
    app
}

async fn start(
    settings: Settings,
    data_dir: std::sync::Arc<tempfile::TempDir>,
    admin_password: String,
    admin: String,
) -> TestApp {
    let application = Application::build(settings.clone()).expect("the server starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let handle = application.handle();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        // The server closes a connection idle for 5 s (actix's keep-alive); a client that
        // reused one at that moment would see its request cut ("IncompleteMessage"), so it lets
        // idle connections go well before.
        client: reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("an HTTP client"),
        admin_email: settings.initial_admin_email.clone(),
        settings,
        admin_password,
        admin,
        handle,
        _data_dir: data_dir,
    }
}

impl TestApp {
    /// Stops the server gracefully and starts a new one on the same database and data directory.
    pub async fn restart(self) -> TestApp {
        self.restart_at("127.0.0.1:0").await
    }

    /// Stops the server; `start_again` brings it back on the same address, as players expect.
    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// Starts the server again after [`TestApp::stop`], on the same address and data.
    pub async fn start_again(self) -> TestApp {
        let address = self.address.trim_start_matches("http://").to_owned();
        self.restart_at(&address).await
    }

    async fn restart_at(self, bind: &str) -> TestApp {
        self.handle.stop(true).await;
        let mut settings = self.settings.clone();
        settings.bind = bind.into();
        start(
            settings,
            self._data_dir.clone(),
            self.admin_password,
            self.admin,
        )
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("the server answers")
    }

    /// `/metrics` in Prometheus's text format.
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("/metrics answers")
            .text()
            .await
            .expect("/metrics is text")
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.send(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> reqwest::Response {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    /// Sends a request and checks its status, returning the JSON body (or `null` when empty).
    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
        status: StatusCode,
    ) -> Value {
        let response = self.send(method.clone(), path, Some(token), body).await;
        let actual = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(actual, status, "{method} {path} answered {actual}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("a JSON body")
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = json!({ "email": email, "password": password });
        let response = self
            .send(Method::POST, "/api/v1/auth/token", None, Some(&body))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email} failed");
        let json: Value = response.json().await.expect("a JSON body");
        json["token"].as_str().expect("a token").to_owned()
    }

    /// Creates a verified organisation and a member of it; returns (organisation id, member token).
    pub async fn organisation_with_member(
        &self,
        name: &str,
        kind: &str,
        role: &str,
    ) -> (String, String) {
        let organisation = self
            .expect(
                Method::POST,
                "/api/v1/organisations",
                &self.admin,
                Some(&json!({
                    "name": name, "kind": kind, "contact_name": "Contact",
                    "contact_email": "contact@example.org", "description": ""
                })),
                StatusCode::CREATED,
            )
            .await;
        let organisation_id = organisation["id"].as_str().expect("an id").to_owned();
        if organisation["verified"] == false {
            let verify = format!("/api/v1/organisations/{organisation_id}/verify");
            self.expect(Method::POST, &verify, &self.admin, None, StatusCode::OK)
                .await;
        }
        let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
        self.expect(
            Method::POST,
            "/api/v1/users",
            &self.admin,
            Some(&json!({
                "email": email, "display_name": name, "password": "a long enough password",
                "role": role, "organisation_id": organisation_id
            })),
            StatusCode::CREATED,
        )
        .await;
        let token = self.login(&email, "a long enough password").await;
        (organisation_id, token)
    }

    /// Submits an event as the member behind `token`; returns the stored event.
    pub async fn submit_event(&self, token: &str, body: &Value) -> Value {
        self.expect(
            Method::POST,
            "/api/v1/events",
            token,
            Some(body),
            StatusCode::CREATED,
        )
        .await
    }

    /// Creates a building; returns its id.
    pub async fn building(&self, name: &str) -> String {
        let building = self
            .expect(
                Method::POST,
                "/api/v1/buildings",
                &self.admin,
                Some(&json!({ "name": name, "address": "Grote Markt 1, Kortrijk", "venue_type": "library" })),
                StatusCode::CREATED,
            )
            .await;
        building["id"].as_str().expect("an id").to_owned()
    }

    /// Uploads an image to the media library as the user behind `token`; returns the asset.
    pub async fn upload_image(&self, token: &str, bytes: Vec<u8>, content_type: &str) -> Value {
        let response = self
            .client
            .post(self.url("/api/v1/media?filename=slide"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), StatusCode::CREATED, "upload refused");
        response.json().await.expect("a JSON body")
    }

    /// Creates a playlist for a building; returns its id.
    pub async fn playlist(&self, building_id: &str, name: &str) -> String {
        let playlist = self
            .expect(
                Method::POST,
                "/api/v1/playlists",
                &self.admin,
                Some(&json!({ "building_id": building_id, "name": name })),
                StatusCode::CREATED,
            )
            .await;
        playlist["id"].as_str().expect("an id").to_owned()
    }

    /// Adds an item to a playlist; returns the stored item.
    pub async fn add_item(&self, playlist_id: &str, item: &Value) -> Value {
        self.expect(
            Method::POST,
            &format!("/api/v1/playlists/{playlist_id}/items"),
            &self.admin,
            Some(item),
            StatusCode::CREATED,
        )
        .await
    }

    /// Pairs a new screen in `building_id` the way a player and staff do: the player asks for a
    /// code, the administrator enters it, the player collects its token. Returns (screen id,
    /// device token).
    pub async fn pair_screen(
        &self,
        building_id: &str,
        name: &str,
        width: u32,
        height: u32,
    ) -> (String, String) {
        let ticket = self
            .send(
                Method::POST,
                "/api/v1/pairing",
                None,
                Some(&json!({ "width": width, "height": height, "player_version": "test" })),
            )
            .await;
        assert_eq!(ticket.status(), StatusCode::CREATED);
        let ticket: Value = ticket.json().await.expect("a JSON body");
        let screen = self
            .expect(
                Method::POST,
                "/api/v1/pairing/claim",
                &self.admin,
                Some(&json!({ "code": ticket["code"], "building_id": building_id, "name": name })),
                StatusCode::OK,
            )
            .await;
        let secret = ticket["secret"].as_str().expect("a secret");
        let state: Value = self
            .send(
                Method::GET,
                &format!("/api/v1/pairing/{secret}"),
                None,
                None,
            )
            .await
            .json()
            .await
            .expect("a JSON body");
        (
            screen["id"].as_str().expect("an id").to_owned(),
            state["token"].as_str().expect("a token").to_owned(),
        )
    }
}

/// A PNG of `width` x `height` with a gradient, so that every image is different.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("a PNG encodes");
    bytes.into_inner()
}

/// A PNG filled with one colour.
pub fn solid_png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("a PNG encodes");
    bytes.into_inner()
}

/// A clip made by ffmpeg with `args` (inputs and codec options; `-y` and the output are added)
/// into a file named `name`, e.g. `ffmpeg_clip(&["-f", "lavfi", "-i",
/// "testsrc=size=640x360:rate=30", "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
/// "clip.mp4")`.
pub fn ffmpeg_clip(args: &[&str], name: &str) -> Vec<u8> {
    let folder = tempfile::tempdir().expect("a temporary directory");
    let path = folder.path().join(name);
    let output = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .arg(&path)
        .output()
        .expect("ffmpeg runs (install the ffmpeg package)");
    assert!(
        output.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read(&path).expect("ffmpeg wrote the clip")
}

impl TestApp {
    /// Sends a file to `POST /api/v1/media` as the user behind `token`.
    pub async fn upload_media(
        &self,
        token: &str,
        bytes: Vec<u8>,
        content_type: &str,
        filename: &str,
    ) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/media?filename={filename}")))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await
            .expect("the server answers")
    }
}
