//! The Civicast CMS server: JSON API, web portal, accounts, media library and storage on SQLite
//! or PostgreSQL. `main.rs` only parses the command line; everything lives here so that tests
//! can start the real server in-process.
//!
//! Layers, one direction only (see ARCHITECTURE.md):
//! `app` (start-up, jobs) -> `web` (actix: API, portal) -> `core` (the city's rules) -> `db`.
//! `error` (the one error type) and `settings` (every option) are used by all of them.

pub mod app;
pub mod core;
pub mod db;
pub mod error;
pub mod settings;
pub mod web;

pub use app::Application;
pub use settings::Settings;
