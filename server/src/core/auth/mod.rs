//! Who may act: password hashing, tokens stored only as hashes, and signing in with a password,
//! throttled per account and client address so that a guesser is slowed without locking the
//! owner out (`throttle.rs`, which also limits registrations per address). The web layer's extractors turn a token into an
//! [`Actor`](crate::core::actor::Actor).
//!
//! User and screen tokens carry different prefixes so that each kind is refused cleanly on the
//! other's routes before any database lookup.

pub mod password;
pub mod password_links;
mod sign_in;
pub mod throttle;
pub mod token;

pub use sign_in::{SignedIn, sign_in};
pub use throttle::{LoginThrottle, RegistrationTicket};
