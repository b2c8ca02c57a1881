//! Slows down password guessing: after too many failed sign-ins in a window, for one account or
//! from one client address, further attempts are refused until the window has passed.
//!
//! Kept in memory per server instance: behind several instances an attacker gets a few more
//! guesses per window, which the account limit still keeps far below what guessing needs.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a failure counts against its account and client.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed per account in a window.
pub const PER_ACCOUNT: usize = 5;
/// Failures allowed per client address in a window (several people may share one address).
pub const PER_CLIENT: usize = 20;

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    /// Whether an attempt for `account` from `client` may go ahead now.
    pub fn allows(&self, client: &str, account: &str, now: Instant) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut recent = |key: String| {
            failures.get_mut(&key).map_or(0, |times| {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    times.pop_front();
                }
                times.len()
            })
        };
        recent(format!("account:{account}")) < PER_ACCOUNT
            && recent(format!("client:{client}")) < PER_CLIENT
    }

    pub fn record_failure(&self, client: &str, account: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Forget keys whose failures are all old, so the map cannot grow without end.
        if failures.len() > 100_000 {
            failures.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < WINDOW)
            });
        }
        for key in [format!("account:{account}"), format!("client:{client}")] {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A successful sign-in clears the account's failures (not the client's).
    pub fn record_success(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&format!("account:{account}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_five_failures_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..PER_ACCOUNT {
            assert!(throttle.allows("10.0.0.1", "a@example.org", start));
            throttle.record_failure("10.0.0.1", "a@example.org", start);
        }
        assert!(!throttle.allows("10.0.0.2", "a@example.org", start));
        assert!(throttle.allows("10.0.0.1", "b@example.org", start));
        assert!(throttle.allows("10.0.0.1", "a@example.org", start + WINDOW));
    }

    #[test]
    fn a_client_guessing_many_accounts_is_stopped() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..PER_CLIENT {
            throttle.record_failure("10.0.0.9", &format!("user{n}@example.org"), now);
        }
        assert!(!throttle.allows("10.0.0.9", "someone@example.org", now));
        assert!(throttle.allows("10.0.0.8", "someone@example.org", now));
    }
}
