//! The player's estimate of server time minus its own clock, from the `Date` header of the
//! server's answers, so that the server can place plays correctly even when the player's clock
//! is wrong (no NTP in a basement, a dead RTC battery).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::SystemTime;

use chrono::{DateTime, Utc};

#[derive(Debug, Default)]
pub struct ClockOffset {
    offset_ms: AtomicI64,
    known: AtomicBool,
}

impl ClockOffset {
    /// Server clock minus player clock in milliseconds (0 until first measured).
    pub fn get(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    pub fn is_known(&self) -> bool {
        self.known.load(Ordering::Relaxed)
    }

    /// Learns from one answer: sent and received on the player's clock, `date` the server's
    /// `Date` header (whole seconds). The true offset lies between the two bounds; the current
    /// estimate is kept while it fits them, so it does not jitter from poll to poll.
    pub fn observe(&self, sent: SystemTime, received: SystemTime, date: &str) {
        let Ok(server) = DateTime::parse_from_rfc2822(date) else {
            return;
        };
        let server_ms = server.with_timezone(&Utc).timestamp_millis();
        let (sent_ms, received_ms) = (millis(sent), millis(received));
        // The server stamped its answer somewhere in [server, server + 1 s) while the request
        // was between sent and received.
        let lowest = server_ms - received_ms;
        let highest = server_ms + 999 - sent_ms;
        let current = self.get();
        if !self.is_known() || current < lowest || current > highest {
            self.offset_ms
                .store(lowest + (highest - lowest) / 2, Ordering::Relaxed);
            self.known.store(true, Ordering::Relaxed);
        }
    }
}

fn millis(instant: SystemTime) -> i64 {
    DateTime::<Utc>::from(instant).timestamp_millis()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_clock_an_hour_slow_is_measured_within_a_second_and_then_held() {
        let clock = ClockOffset::default();
        let server_now: DateTime<Utc> = "2026-11-23T12:00:00.400Z".parse().unwrap();
        let player_sent = SystemTime::from(server_now) - Duration::from_secs(3600);
        let received = player_sent + Duration::from_millis(40);
        clock.observe(player_sent, received, "Mon, 23 Nov 2026 12:00:00 GMT");
        let offset = clock.get();
        assert!((offset - 3_600_000).abs() < 1000, "{offset}");
        // A later answer that agrees within its bounds does not move the estimate.
        clock.observe(
            player_sent + Duration::from_secs(10),
            received + Duration::from_secs(10),
            "Mon, 23 Nov 2026 12:00:10 GMT",
        );
        assert_eq!(clock.get(), offset);
    }
}
