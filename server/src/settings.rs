//! Command line and environment: every option of `civicast-server`, with its variable and default.

use std::path::PathBuf;
use std::str::FromStr;

use civicast_shared::api::accounts::Role;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::DatabaseUrl;

/// Civicast: digital signage for cities. Runs the CMS server (the default), manages users or
/// moves media into an object store.
#[derive(Debug, Parser)]
#[command(name = "civicast-server", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (what `civicast-server` does without a subcommand).
    Serve,
    /// Manage user accounts from the command line.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Manage the media store.
    Media {
        #[command(subcommand)]
        action: MediaCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MediaCommand {
    /// Copy every file the database references from DATA_DIR/media into the object store
    /// (--media-store), read each back and check its SHA-256; exits non-zero naming any file that
    /// is not there whole. Run it before the region's instances serve from the object store.
    Migrate,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        /// E-mail address the user signs in with.
        #[arg(long)]
        email: String,
        /// admin, staff or association.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Organisation the user belongs to (required for association members; created, verified,
        /// if it does not exist yet).
        #[arg(long)]
        organisation: Option<String>,
        /// Name shown in the CMS (default: the e-mail address).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(value)
        .ok_or_else(|| format!("'{value}' is not a role: use admin, staff or association"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "CIVICAST_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: String,
    /// Directory for the SQLite database, media files and backups.
    #[arg(
        long,
        env = "CIVICAST_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// postgres://user:password@host/db for PostgreSQL; default: SQLite at DATA_DIR/civicast.db.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Largest accepted upload, in mebibytes.
    #[arg(
        long,
        env = "CIVICAST_MAX_UPLOAD_MB",
        default_value_t = 50,
        global = true
    )]
    pub max_upload_mb: u64,
    /// Largest accepted image, in megapixels (larger images are refused before decoding).
    #[arg(
        long,
        env = "CIVICAST_MAX_IMAGE_MEGAPIXELS",
        default_value_t = 50,
        global = true
    )]
    pub max_image_megapixels: u64,
    /// Largest accepted video upload (MP4, WebM, MOV), in mebibytes; images keep
    /// --max-upload-mb.
    #[arg(
        long,
        env = "CIVICAST_VIDEO_MAX_MB",
        default_value_t = 500,
        value_parser = clap::value_parser!(u64).range(1..=1_048_576),
        global = true
    )]
    pub video_max_mb: u64,
    /// Video renditions (ffmpeg) this instance makes at once.
    #[arg(
        long,
        env = "CIVICAST_VIDEO_JOBS",
        default_value_t = 1,
        value_parser = clap::value_parser!(u32).range(1..=64),
        global = true
    )]
    pub video_jobs: u32,
    /// Memory that decoding uploaded images may use at once, in mebibytes: an upload waits
    /// until its image fits in what is left, and one that could never fit is refused. At least
    /// what the largest accepted image needs (about 4 bytes a pixel).
    #[arg(
        long,
        env = "CIVICAST_DECODE_MEMORY_MB",
        default_value_t = 512,
        value_parser = clap::value_parser!(u64).range(64..=1_048_576),
        global = true
    )]
    pub decode_memory_mb: u64,
    /// Days a bearer token stays valid.
    #[arg(long, env = "CIVICAST_TOKEN_DAYS", default_value_t = 30, global = true)]
    pub token_days: i64,
    /// E-mail address of the administrator created on the first start of an empty database.
    #[arg(
        long,
        env = "CIVICAST_INITIAL_ADMIN_EMAIL",
        default_value = "admin@civicast.local",
        global = true
    )]
    pub initial_admin_email: String,
    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "CIVICAST_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Days raw plays are kept (hourly rollups are kept for good); at least 31, so that every
    /// late upload still accepted can be recognised as a duplicate.
    #[arg(
        long,
        env = "CIVICAST_RAW_PLAY_RETENTION_DAYS",
        default_value_t = 90,
        value_parser = clap::value_parser!(i64).range(31..=3650),
        global = true
    )]
    pub raw_play_retention_days: i64,
    /// The city's time zone (IANA name): the portal shows dates in it and reads the dates
    /// typed into its forms in it.
    #[arg(
        long,
        env = "CIVICAST_CITY_TIME_ZONE",
        default_value = "Europe/Brussels",
        value_parser = parse_time_zone,
        global = true
    )]
    pub city_time_zone: chrono_tz::Tz,
    /// The hot folder: images dropped here are imported into the city's media library
    /// (default: DATA_DIR/media/inbox).
    #[arg(long, env = "CIVICAST_INBOX_DIR", global = true)]
    pub inbox_dir: Option<PathBuf>,
    /// When events that are over are closed (cron: sec min hour day month weekday, city time).
    #[arg(long, env = "CIVICAST_CLOSE_EVENTS_CRON", default_value = "0 5 * * * *", value_parser = check_cron, global = true)]
    pub close_events_cron: String,
    /// When raw plays past their retention are purged.
    #[arg(long, env = "CIVICAST_PURGE_RAW_PLAYS_CRON", default_value = "0 15 3 * * *", value_parser = check_cron, global = true)]
    pub purge_raw_plays_cron: String,
    /// When screens are checked for being offline in their building's opening hours (cron).
    #[arg(long, env = "CIVICAST_WATCH_SCREENS_CRON", default_value = "0 * * * * *", value_parser = check_cron, global = true)]
    pub watch_screens_cron: String,
    /// Minutes a screen may stay silent in its building's opening hours before staff are alerted.
    #[arg(long, env = "CIVICAST_OFFLINE_ALERT_AFTER_MIN", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1440), global = true)]
    pub offline_alert_after_min: u32,
    /// When the SQLite database is copied into DATA_DIR/backups.
    #[arg(long, env = "CIVICAST_BACKUP_CRON", default_value = "0 30 2 * * *", value_parser = check_cron, global = true)]
    pub backup_cron: String,
    /// How many backups are kept.
    #[arg(long, env = "CIVICAST_BACKUPS_KEPT", default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=365), global = true)]
    pub backups_kept: u16,
    /// Log line format.
    #[arg(long, env = "CIVICAST_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// The city's name, on each building's quiet slide.
    #[arg(long, env = "CIVICAST_CITY_NAME", global = true)]
    pub city_name: Option<String>,
    /// The city's accent colour (#rrggbb) for badges and date leaves on screens.
    #[arg(long, env = "CIVICAST_CITY_ACCENT", value_parser = check_colour, global = true)]
    pub city_accent: Option<String>,
    /// The city's ground colour (#rrggbb) for waiting screens, announcements and quiet slides
    /// (darkened on screen where white text would not read on it).
    #[arg(long, env = "CIVICAST_CITY_GROUND", value_parser = check_colour, global = true)]
    pub city_ground: Option<String>,
    /// The id of the city's logo in the media library (upload it first), for quiet slides.
    #[arg(long, env = "CIVICAST_CITY_LOGO_MEDIA_ID", global = true)]
    pub city_logo_media_id: Option<uuid::Uuid>,
    /// Reverse proxies in front of the server (comma-separated IP addresses or CIDR ranges):
    /// only from these are X-Forwarded-For (the client's address, which sign-in and registration
    /// limits count by) and X-Forwarded-Proto (HTTPS, for Secure cookies) believed. Default none.
    #[arg(
        long,
        env = "CIVICAST_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<String>,
    /// The SMTP server notifications are sent through: `smtp://host:587?tls=required`
    /// (STARTTLS), `smtps://host:465` (TLS from the start) or `smtp://host:25` (no TLS: only to
    /// a relay on this machine), with `user:password@` before the host for AUTH. Certificates
    /// are checked against the system's roots. Without it, notifications stay in the portal's
    /// inbox and e-mails wait in the outbox (given up after 3 days).
    #[arg(long, env = "CIVICAST_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// A PEM file of the CA that signed the SMTP server's certificate, trusted beside the
    /// system's roots (a city's own CA).
    #[arg(long, env = "CIVICAST_SMTP_CA_FILE", global = true)]
    pub smtp_ca_file: Option<PathBuf>,
    /// The sender of Civicast's e-mails, as `Name <address>` or an address.
    #[arg(long, env = "CIVICAST_MAIL_FROM", default_value = "Civicast <civicast@localhost>", value_parser = check_mailbox, global = true)]
    pub mail_from: String,
    /// The portal's address as people reach it (for links in e-mails), such as
    /// `https://civicast.example.org`. Default: http:// and the bind address.
    #[arg(long, env = "CIVICAST_PUBLIC_URL", value_parser = check_public_url, global = true)]
    pub public_url: Option<String>,
    /// When the daily digests are sent (cron, city time).
    #[arg(long, env = "CIVICAST_DIGEST_CRON", default_value = "0 0 8 * * *", value_parser = check_cron, global = true)]
    pub digest_cron: String,
    /// When staff are reminded of events that start within 7 days and still wait for a decision.
    #[arg(long, env = "CIVICAST_REMIND_PENDING_CRON", default_value = "0 30 8 * * *", value_parser = check_cron, global = true)]
    pub remind_pending_cron: String,
    /// When associations are told of their events' first play and of their reach once over.
    #[arg(long, env = "CIVICAST_NOTICE_EVENTS_CRON", default_value = "30 */5 * * * *", value_parser = check_cron, global = true)]
    pub notice_events_cron: String,
    /// Seconds an instance holds an e-mail it is sending; if it dies, another sends it after.
    #[arg(long, env = "CIVICAST_MAIL_CLAIM_SECONDS", default_value_t = 120, value_parser = clap::value_parser!(u32).range(2..=3600), global = true)]
    pub mail_claim_seconds: u32,
    /// The longest wait between tries of an e-mail the SMTP server did not take (the waits
    /// double from 2 s up to this).
    #[arg(long, env = "CIVICAST_MAIL_RETRY_MAX_SECONDS", default_value_t = 1800, value_parser = clap::value_parser!(u32).range(1..=86400), global = true)]
    pub mail_retry_max_seconds: u32,
    /// Where media are kept for good: `s3://BUCKET` or `s3://BUCKET/PREFIX` for an
    /// S3-compatible object store shared by every instance of a region (credentials from
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY). Default: the data directory only.
    /// DATA_DIR/media stays each instance's cache of what it serves.
    #[arg(long, env = "CIVICAST_MEDIA_STORE", value_parser = check_media_store, global = true)]
    pub media_store: Option<String>,
    /// The object store's address when it is not AWS S3, such as `https://s3.example.org` for
    /// MinIO, Garage or Ceph RGW (path-style requests; `http://` only on this machine).
    #[arg(long, env = "CIVICAST_S3_ENDPOINT", value_parser = check_s3_endpoint, global = true)]
    pub s3_endpoint: Option<String>,
    /// The object store's region.
    #[arg(
        long,
        env = "CIVICAST_S3_REGION",
        default_value = "us-east-1",
        global = true
    )]
    pub s3_region: String,
    /// Connections to PostgreSQL each instance keeps at most (SQLite: one writer, one reader
    /// keeps 8). Every instance of a region counts against PostgreSQL's `max_connections`.
    #[arg(long, env = "CIVICAST_DB_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u32).range(2..=1000), global = true)]
    pub db_pool_size: u32,
}

fn check_media_store(text: &str) -> Result<String, String> {
    let rest = text.strip_prefix("s3://").unwrap_or_default();
    let bucket = rest.split('/').next().unwrap_or_default();
    if bucket.len() < 3
        || !bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        return Err(format!(
            "'{text}' is not an object store such as s3://civicast-media or s3://city-bucket/civicast"
        ));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

fn check_s3_endpoint(text: &str) -> Result<String, String> {
    let trimmed = text.trim_end_matches('/');
    match trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
    {
        Some(host) if !host.is_empty() && !host.contains(['/', ' ']) => Ok(trimmed.to_owned()),
        _ => Err(format!(
            "'{text}' is not an object store address such as https://s3.example.org:9000"
        )),
    }
}

/// The city's look as set up, before its logo is looked up in the library.
#[derive(Debug, Clone, Default)]
pub struct LookSettings {
    pub city_name: Option<String>,
    pub accent: Option<String>,
    pub ground: Option<String>,
    pub logo_media_id: Option<uuid::Uuid>,
    /// The portal's address (`public_url()`): a kiosk's events link to their public pages there.
    pub public_url: String,
}

fn check_colour(text: &str) -> Result<String, String> {
    civicast_shared::colour::parse_hex(text)
        .map(|_| text.to_ascii_lowercase())
        .ok_or_else(|| format!("'{text}' is not a colour written #rrggbb, such as #0b4f8a"))
}

fn check_mailbox(text: &str) -> Result<String, String> {
    text.parse::<lettre::message::Mailbox>()
        .map(|_| text.to_owned())
        .map_err(|_| format!("'{text}' is not a sender such as 'Civicast <civicast@example.org>'"))
}

fn check_public_url(text: &str) -> Result<String, String> {
    let trimmed = text.trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(format!(
            "'{text}' is not an address such as https://civicast.example.org"
        )),
    }
}

fn check_cron(expression: &str) -> Result<String, String> {
    parse_cron(expression).map(|_| expression.to_owned())
}

fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse()
        .map_err(|_| format!("'{name}' is not an IANA time zone such as Europe/Brussels"))
}

impl Settings {
    /// Settings for a server on `bind` with its data in `data_dir`, everything else default.
    pub fn new(bind: &str, data_dir: PathBuf) -> Settings {
        Settings {
            bind: bind.to_owned(),
            data_dir,
            database_url: None,
            max_upload_mb: 50,
            max_image_megapixels: 50,
            video_max_mb: 500,
            video_jobs: 1,
            decode_memory_mb: 512,
            token_days: 30,
            initial_admin_email: "admin@civicast.local".into(),
            workers: None,
            raw_play_retention_days: 90,
            city_time_zone: chrono_tz::Europe::Brussels,
            inbox_dir: None,
            close_events_cron: "0 5 * * * *".into(),
            purge_raw_plays_cron: "0 15 3 * * *".into(),
            backup_cron: "0 30 2 * * *".into(),
            watch_screens_cron: "0 * * * * *".into(),
            offline_alert_after_min: 5,
            backups_kept: 7,
            log_format: LogFormat::Text,
            city_name: None,
            city_accent: None,
            city_ground: None,
            city_logo_media_id: None,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            smtp_ca_file: None,
            mail_from: "Civicast <civicast@localhost>".into(),
            public_url: None,
            digest_cron: "0 0 8 * * *".into(),
            remind_pending_cron: "0 30 8 * * *".into(),
            notice_events_cron: "30 */5 * * * *".into(),
            mail_claim_seconds: 120,
            mail_retry_max_seconds: 1800,
            media_store: None,
            s3_endpoint: None,
            s3_region: "us-east-1".into(),
            db_pool_size: 16,
        }
    }

    /// The portal's address for links in e-mails: `--public-url`, else http:// and the bind
    /// address (a wildcard bind read as this machine).
    pub fn public_url(&self) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let bind = self
            .bind
            .replace("0.0.0.0", "127.0.0.1")
            .replace("[::]", "[::1]");
        format!("http://{bind}")
    }

    /// The city's look on its screens, as the manifests carry it.
    pub fn look(&self) -> LookSettings {
        LookSettings {
            city_name: self.city_name.clone(),
            accent: self.city_accent.clone(),
            ground: self.city_ground.clone(),
            logo_media_id: self.city_logo_media_id,
            public_url: self.public_url(),
        }
    }

    pub fn database(&self) -> Result<DatabaseUrl, String> {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => DatabaseUrl::parse(url),
            _ => Ok(DatabaseUrl::Sqlite(self.data_dir.join("civicast.db"))),
        }
    }

    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_mb.saturating_mul(1024 * 1024)
    }

    pub fn video_max_bytes(&self) -> u64 {
        self.video_max_mb.saturating_mul(1024 * 1024)
    }

    /// The hot folder.
    pub fn inbox_dir(&self) -> PathBuf {
        self.inbox_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("media").join("inbox"))
    }

    /// File in which the first start leaves the initial administrator's password.
    pub fn initial_password_file(&self) -> PathBuf {
        self.data_dir.join("initial-admin-password.txt")
    }
}

/// Checks a cron expression for the settings; the message says what to fix.
pub fn parse_cron(expression: &str) -> Result<cron::Schedule, String> {
    cron::Schedule::from_str(expression).map_err(|e| {
        format!(
            "'{expression}' is not a cron expression of the form 'sec min hour day month weekday' \
             (e.g. '0 30 2 * * *' for 02:30 every night): {e}"
        )
    })
}
