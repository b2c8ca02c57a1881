//! Schedule rules and opening hours as staff send them (and players receive them): parsed,
//! validated, and evaluated in a time zone with daylight saving at instants chosen by the input.
#![no_main]

use chrono::{DateTime, TimeZone, Utc};
use civicast_shared::schedule::{OpeningHours, Schedule};
use civicast_shared::validation::{Validate, ValidationErrors};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first eight bytes choose an instant; the rest is the JSON.
    let Some((instant, json)) = data.split_first_chunk::<8>() else {
        return;
    };
    let seconds = i64::from_le_bytes(*instant) % (400 * 366 * 86_400);
    let instant = Utc
        .timestamp_opt(1_790_000_000 + seconds, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let tz = chrono_tz::Europe::Brussels;
    if let Ok(schedule) = serde_json::from_slice::<Schedule>(json) {
        let _ = schedule.validate();
        let _ = schedule.is_active_in(instant, tz);
        let _ = schedule.is_active_in(DateTime::<Utc>::MAX_UTC, tz);
    }
    if let Ok(hours) = serde_json::from_slice::<Vec<OpeningHours>>(json) {
        let mut errors = ValidationErrors::default();
        OpeningHours::check_all(&hours, "opening_hours", &mut errors);
        let _ = OpeningHours::is_open_at(&hours, instant, tz);
    }
});
