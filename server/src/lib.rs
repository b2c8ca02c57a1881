//! The Civicast CMS server: JSON API, accounts, media library and storage on SQLite or
//! PostgreSQL. `main.rs` only parses the command line; everything lives here so that tests can
//! start the real server in-process.

pub mod accounts;
pub mod alerts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod device_cache;
pub mod emergency;
pub mod error;
pub mod health;
pub mod jobs;
pub mod media;
pub mod metrics;
pub mod moderation;
pub mod portal;
pub mod programming;
pub mod proof;
pub mod push;
pub mod reports;
pub mod screenshots;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
