//! The city's rules, written once for the JSON API, the portal, the jobs and the command line.
//! Every rule takes a database connection and, where someone acts, an [`actor::Actor`]; nothing
//! here knows HTTP (a test in `server/tests/layers.rs` keeps it so).

pub mod accounts;
pub mod actor;
pub mod agenda;
pub mod alerts;
pub mod audit;
pub mod auth;
pub mod device_cache;
pub mod emergency;
pub mod events;
pub mod kiosks;
pub mod manifest;
pub mod media;
pub mod moderation;
pub mod notify;
pub mod paging;
pub mod places;
pub mod playlists;
pub mod proof;
pub mod push;
pub mod reports;
pub mod screenshots;
