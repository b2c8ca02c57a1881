//! Delays between calls to the server: steady while it answers, doubling up to a minute while
//! it does not, so a city full of players does not hammer a server that is coming back up.

use std::time::Duration;

#[derive(Debug, Clone, Copy, Default)]
pub struct Backoff {
    /// The last retry delay; zero while the server answers.
    retry: Duration,
}

impl Backoff {
    const FIRST_RETRY: Duration = Duration::from_secs(2);
    const LONGEST: Duration = Duration::from_secs(60);

    /// The delay before the next call, given whether the last one reached the server and the
    /// steady poll interval.
    pub fn after(&mut self, reachable: bool, steady: Duration) -> Duration {
        if reachable {
            self.retry = Duration::ZERO;
            return steady;
        }
        self.retry = if self.retry.is_zero() {
            Self::FIRST_RETRY
        } else {
            (self.retry * 2).min(Self::LONGEST)
        };
        self.retry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_minute_and_resets_when_the_server_answers() {
        let steady = Duration::from_secs(10);
        let mut backoff = Backoff::default();
        let seen: Vec<u64> = (0..7)
            .map(|_| backoff.after(false, steady).as_secs())
            .collect();
        assert_eq!(seen, vec![2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff.after(true, steady), steady);
        assert_eq!(backoff.after(false, steady), Duration::from_secs(2));
    }
}
