//! Proof of play on the server: attributing items (the ledger), enriching each play with its
//! building, daypart and estimated audience, ingesting batches exactly once, the hourly and
//! daily rollups that reports read, and purging raw plays after their retention period.

pub mod enrich;
pub mod import;
pub mod ingest;
pub mod kiosk_sessions;
pub mod ledger;
pub mod profiles;
pub mod retention;
pub mod rollup;
