//! The player's bevy-free library for talking to the server and keeping its files: the server's
//! address and trusted certificates (`endpoint`), the HTTP client, the data directory, the
//! verified media cache, the clock offset and the backoff between attempts. The sync, proof,
//! push and screenshot threads all use it; none of it knows bevy.

pub mod backoff;
pub mod cache;
pub mod client;
pub mod clock;
pub mod endpoint;
pub mod storage;

pub use client::{NetError, ServerClient};
pub use endpoint::Endpoint;
