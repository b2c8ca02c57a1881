//! Who is calling: password hashing, tokens stored only as hashes, and the request extractors
//! [`CurrentUser`] (user bearer tokens) and [`CurrentScreen`] (screen device tokens), and signing
//! in with a password, throttled per client and per account.
//!
//! User and screen tokens carry different prefixes so that each kind is refused cleanly on the
//! other's routes before any database lookup.

mod extract;
pub mod password;
mod sign_in;
mod throttle;
pub mod token;

pub(crate) use extract::app_state;
pub use extract::{CurrentScreen, CurrentUser, user_for_token};
pub use sign_in::{SignedIn, client_address, sign_in};
pub use throttle::LoginThrottle;
