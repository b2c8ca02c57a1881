//! Integration tests of the JSON API: the real server on a free port, driven over HTTP, on
//! SQLite by default and on PostgreSQL when `CIVICAST_TEST_POSTGRES_URL` is set.

mod access;
mod administration;
mod agenda;
mod bad_input;
mod catchup;
mod device;
mod emergency;
mod events;
mod faults;
mod generated;
mod hardening;
mod hardening_auth;
mod hardening_input;
mod jobs;
mod kiosks;
mod lifecycle;
mod load;
mod mail_tls;
mod media;
mod notifications;
mod planning;
mod plays;
mod postgres_tls;
mod region;
mod region_lb;
mod resources;
mod screenshots;
mod video;

use chrono::{Duration, Utc};
use serde_json::{Value, json};

/// A valid event submission starting `days` from now.
pub fn event_body(title: &str, days: i64, buildings: &[&str]) -> Value {
    let starts = Utc::now() + Duration::days(days);
    json!({
        "title": title,
        "description": "Open rehearsal, everyone welcome",
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + Duration::hours(3)).to_rfc3339(),
        "venue": "Culture centre, Kortrijk",
        "category": "music",
        "target_audiences": ["seniors", "culture"],
        "link": "https://choir.example/concert",
        "requested_building_ids": buildings,
    })
}
