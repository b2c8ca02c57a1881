//! Slows down password guessing without letting a guesser lock the owner out, and limits
//! registrations per client address.
//!
//! Sign-in failures count three ways, each over the last quarter of an hour:
//! - per account *and* client address: five refuse further attempts for that account from that
//!   address until the oldest is a quarter of an hour old;
//! - per client address, whatever the account: twenty refuse that address the same way (one
//!   address trying many accounts);
//! - per account, from every address: these only delay each attempt, doubling from 100 ms to at
//!   most 2 s, and never refuse it. So a guesser elsewhere slows the owner down a little but
//!   cannot keep the right password out.
//!
//! Every attempt counts as a failure from the moment it is let through, so guesses sent side by
//! side cannot all slip in before the first is checked; a success takes its own back.
//!
//! An IPv6 client counts by its /64 network, which one household or server has whole: else a
//! guesser could take a new address for every few guesses.
//!
//! Kept in memory per server instance under fixed-size keys (a hash, not the address or
//! account) and bounded: past [`MAX_KEYS`] the keys whose last attempt is oldest are forgotten.
//! Behind several instances a guesser gets a few more guesses per window on each.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long a failed sign-in counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed for one account from one client address in a window.
pub const PER_PAIR: usize = 5;
/// Failures allowed from one client address in a window, whatever the accounts.
pub const PER_CLIENT: usize = 20;
/// Delay of an attempt for an account that failed [`PER_PAIR`] times (from any addresses);
/// it doubles with each further failure up to [`MAX_DELAY`].
pub const FIRST_DELAY: Duration = Duration::from_millis(100);
pub const MAX_DELAY: Duration = Duration::from_secs(2);
/// Registrations allowed from one client address in [`REGISTRATION_WINDOW`].
pub const REGISTRATIONS_PER_CLIENT: usize = 10;
pub const REGISTRATION_WINDOW: Duration = Duration::from_secs(60 * 60);
/// Most keys kept; a key is one account, one address or one pair of them.
pub const MAX_KEYS: usize = 50_000;
/// Account failures kept per account: enough to reach [`MAX_DELAY`].
const ACCOUNT_FAILURES_KEPT: usize = 16;

type Key = [u8; 16];

fn key(kind: &str, parts: &[&str]) -> Key {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// What a client address counts as: itself, or for IPv6 its /64 network.
fn client_group(client: &str) -> String {
    match client.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let network = u128::from(v6) & (u128::MAX << 64);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        },
        _ => client.to_owned(),
    }
}

/// An attempt that was let through: how long to wait before checking it, and what to take back
/// if it succeeds.
#[derive(Debug)]
pub struct Attempt {
    pub delay: Duration,
    at: Instant,
    pair: Key,
    client: Key,
    account: Key,
}

/// A registration that was let through; given back when the form had mistakes.
#[derive(Debug)]
pub struct RegistrationTicket {
    at: Instant,
    client: Key,
}

/// Recent times per key, in order, the oldest first.
#[derive(Debug, Default)]
struct Recent(HashMap<Key, VecDeque<Instant>>);

impl Recent {
    /// The times of `key` within `window` of `now`, after forgetting older ones.
    fn within(&mut self, key: &Key, window: Duration, now: Instant) -> Option<&VecDeque<Instant>> {
        let times = self.0.get_mut(key)?;
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            times.pop_front();
        }
        Some(&*times)
    }

    fn count(&mut self, key: &Key, window: Duration, now: Instant) -> usize {
        self.within(key, window, now).map_or(0, VecDeque::len)
    }

    /// How long until fewer than `limit` times of `key` are within `window`, if it is at the
    /// limit now.
    fn wait(
        &mut self,
        key: &Key,
        limit: usize,
        window: Duration,
        now: Instant,
    ) -> Option<Duration> {
        let times = self.within(key, window, now)?;
        if times.len() < limit {
            return None;
        }
        let oldest = times[times.len() - limit];
        Some(window.saturating_sub(now.saturating_duration_since(oldest)))
    }

    fn push(&mut self, key: Key, at: Instant, keep: usize) {
        let times = self.0.entry(key).or_default();
        times.push_back(at);
        while times.len() > keep {
            times.pop_front();
        }
    }

    /// Takes one time `at` of `key` back.
    fn take_back(&mut self, key: &Key, at: Instant) {
        if let Some(times) = self.0.get_mut(key)
            && let Some(index) = times.iter().rposition(|t| *t == at)
        {
            times.remove(index);
            if times.is_empty() {
                self.0.remove(key);
            }
        }
    }

    /// Makes room for `room` new keys under [`MAX_KEYS`]: forgets keys with nothing within
    /// `window`, then, if that is not enough, the quarter whose latest time is oldest.
    fn bound(&mut self, room: usize, window: Duration, now: Instant) {
        if self.0.len() + room <= MAX_KEYS {
            return;
        }
        self.0.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.saturating_duration_since(*t) < window)
        });
        if self.0.len() + room <= MAX_KEYS * 3 / 4 {
            return;
        }
        let mut latest: Vec<(Instant, Key)> = self
            .0
            .iter()
            .filter_map(|(key, times)| times.back().map(|t| (*t, *key)))
            .collect();
        let cut = self.0.len() / 4 + room;
        latest.select_nth_unstable_by_key(cut, |(t, _)| *t);
        for (_, key) in &latest[..cut] {
            self.0.remove(key);
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    sign_ins: Recent,
    registrations: Recent,
}

/// Sign-in failures and registrations per client address (and account), shared by the API and
/// the portal.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    inner: Mutex<Inner>,
}

impl LoginThrottle {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets a sign-in for `account` from `client` go ahead (after its delay), counted as a
    /// failure until [`LoginThrottle::succeeded`]; or says how long to wait.
    pub fn begin(&self, client: &str, account: &str, now: Instant) -> Result<Attempt, Duration> {
        let client = client_group(client);
        let pair = key("pair", &[account, &client]);
        let client_key = key("client", &[&client]);
        let account_key = key("account", &[account]);
        let mut inner = self.inner();
        let failures = &mut inner.sign_ins;
        let wait = [
            failures.wait(&pair, PER_PAIR, WINDOW, now),
            failures.wait(&client_key, PER_CLIENT, WINDOW, now),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Err(wait.max(Duration::from_secs(1)));
        }
        let account_failures = failures.count(&account_key, WINDOW, now);
        let delay = match account_failures.checked_sub(PER_PAIR) {
            None => Duration::ZERO,
            Some(beyond) => FIRST_DELAY
                .saturating_mul(1u32 << beyond.min(16))
                .min(MAX_DELAY),
        };
        failures.bound(3, WINDOW, now);
        failures.push(pair, now, PER_PAIR);
        failures.push(client_key, now, PER_CLIENT);
        failures.push(account_key, now, ACCOUNT_FAILURES_KEPT);
        Ok(Attempt {
            delay,
            at: now,
            pair,
            client: client_key,
            account: account_key,
        })
    }

    /// The right password: this attempt is no failure, and the failures of this account from
    /// this address are forgotten (not those of the address, nor of the account elsewhere).
    pub fn succeeded(&self, attempt: &Attempt) {
        let mut inner = self.inner();
        let failures = &mut inner.sign_ins;
        failures.0.remove(&attempt.pair);
        failures.take_back(&attempt.client, attempt.at);
        failures.take_back(&attempt.account, attempt.at);
    }

    /// Lets a registration from `client` go ahead, or says how long to wait.
    pub fn begin_registration(
        &self,
        client: &str,
        now: Instant,
    ) -> Result<RegistrationTicket, Duration> {
        let client = key("registration", &[&client_group(client)]);
        let mut inner = self.inner();
        let registrations = &mut inner.registrations;
        if let Some(wait) =
            registrations.wait(&client, REGISTRATIONS_PER_CLIENT, REGISTRATION_WINDOW, now)
        {
            return Err(wait.max(Duration::from_secs(1)));
        }
        registrations.bound(1, REGISTRATION_WINDOW, now);
        registrations.push(client, now, REGISTRATIONS_PER_CLIENT);
        Ok(RegistrationTicket { at: now, client })
    }

    /// A registration whose form had mistakes does not count.
    pub fn forget_registration(&self, ticket: RegistrationTicket) {
        self.inner()
            .registrations
            .take_back(&ticket.client, ticket.at);
    }
}

/// A wait in words, rounded up to whole minutes: "1 minute", "15 minutes".
pub fn minutes(wait: Duration) -> String {
    match wait.as_secs().div_ceil(60).max(1) {
        1 => "1 minute".to_owned(),
        n => format!("{n} minutes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(throttle: &LoginThrottle, client: &str, account: &str, now: Instant) -> Duration {
        throttle
            .begin(client, account, now)
            .expect("the attempt is let through")
            .delay
    }

    #[test]
    fn a_guesser_is_refused_for_the_account_from_their_address_until_the_window_passes() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..PER_PAIR {
            fail(&throttle, "10.0.0.1", "a@example.org", start);
        }
        let wait = throttle
            .begin("10.0.0.1", "a@example.org", start)
            .unwrap_err();
        assert_eq!(wait, WINDOW);
        assert_eq!(
            throttle
                .begin("10.0.0.1", "a@example.org", start + WINDOW / 3)
                .unwrap_err(),
            WINDOW - WINDOW / 3
        );
        // The owner, elsewhere, is only slowed down a little.
        let owner = throttle
            .begin("10.0.0.2", "a@example.org", start)
            .expect("the owner's address is not refused");
        assert_eq!(owner.delay, FIRST_DELAY);
        throttle.succeeded(&owner);
        // The guesser's address may still try other accounts, and this one once the window passed.
        assert!(throttle.begin("10.0.0.1", "b@example.org", start).is_ok());
        assert!(
            throttle
                .begin("10.0.0.1", "a@example.org", start + WINDOW)
                .is_ok()
        );
    }

    #[test]
    fn failures_from_everywhere_delay_an_account_but_never_more_than_the_maximum() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..100 {
            fail(&throttle, &format!("10.1.0.{n}"), "admin@example.org", now);
        }
        let owner = throttle
            .begin("192.0.2.7", "admin@example.org", now)
            .expect("never refused from a fresh address");
        assert_eq!(owner.delay, MAX_DELAY);
        assert_eq!(
            fail(&throttle, "192.0.2.8", "x@example.org", now),
            Duration::ZERO
        );
    }

    #[test]
    fn a_client_guessing_many_accounts_is_stopped() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..PER_CLIENT {
            fail(&throttle, "10.0.0.9", &format!("user{n}@example.org"), now);
        }
        assert!(
            throttle
                .begin("10.0.0.9", "someone@example.org", now)
                .is_err()
        );
        assert!(
            throttle
                .begin("10.0.0.8", "someone@example.org", now)
                .is_ok()
        );
    }

    #[test]
    fn a_success_takes_its_attempt_back_and_clears_its_pair() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..PER_PAIR - 1 {
            fail(&throttle, "10.0.0.3", "c@example.org", now);
        }
        let right = throttle.begin("10.0.0.3", "c@example.org", now).unwrap();
        throttle.succeeded(&right);
        for _ in 0..PER_PAIR {
            fail(&throttle, "10.0.0.3", "c@example.org", now);
        }
        assert!(throttle.begin("10.0.0.3", "c@example.org", now).is_err());
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64_network() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..PER_PAIR {
            fail(
                &throttle,
                &format!("2001:db8:1:2::{n:x}"),
                "d@example.org",
                now,
            );
        }
        assert!(
            throttle
                .begin("2001:db8:1:2:ffff::1", "d@example.org", now)
                .is_err()
        );
        assert!(
            throttle
                .begin("2001:db8:1:3::1", "d@example.org", now)
                .is_ok()
        );
        assert_eq!(client_group("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(client_group("192.0.2.1"), "192.0.2.1");
    }

    #[test]
    fn memory_stays_bounded() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..(MAX_KEYS as u32) {
            let _ = throttle.begin(&format!("10.{n}"), &format!("u{n}"), now);
        }
        assert!(throttle.inner().sign_ins.0.len() <= MAX_KEYS);
    }

    #[test]
    fn registrations_are_limited_per_address_and_mistakes_do_not_count() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let ticket = throttle.begin_registration("10.0.0.4", now).unwrap();
        throttle.forget_registration(ticket);
        for _ in 0..REGISTRATIONS_PER_CLIENT {
            throttle.begin_registration("10.0.0.4", now).unwrap();
        }
        assert_eq!(
            throttle.begin_registration("10.0.0.4", now).unwrap_err(),
            REGISTRATION_WINDOW
        );
        assert!(throttle.begin_registration("10.0.0.5", now).is_ok());
        assert!(
            throttle
                .begin_registration("10.0.0.4", now + REGISTRATION_WINDOW)
                .is_ok()
        );
    }

    #[test]
    fn waits_are_told_in_whole_minutes() {
        assert_eq!(minutes(Duration::from_secs(5)), "1 minute");
        assert_eq!(minutes(Duration::from_secs(61)), "2 minutes");
        assert_eq!(minutes(WINDOW), "15 minutes");
    }
}
