//! Bearer tokens: 256 random bits, shown once, stored as their SHA-256.
//!
//! A fast hash is enough here (unlike passwords): the token has full entropy, so the hash cannot
//! be reversed by guessing.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of tokens that act for a user.
pub const USER_PREFIX: &str = "cvu_";
/// Prefix of device tokens that act for a screen.
pub const SCREEN_PREFIX: &str = "cvs_";

pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_prefixed_and_hashed() {
        let a = generate(USER_PREFIX);
        let b = generate(USER_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with(USER_PREFIX));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
    }
}
