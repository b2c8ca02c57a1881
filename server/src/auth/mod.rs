//! Who is calling: password hashing, tokens stored only as hashes, and the request extractors
//! [`CurrentUser`] (user bearer tokens) and [`CurrentScreen`] (screen device tokens).
//!
//! User and screen tokens carry different prefixes so that each kind is refused cleanly on the
//! other's routes before any database lookup.

mod extract;
pub mod password;
pub mod token;

pub use extract::{CurrentScreen, CurrentUser};
