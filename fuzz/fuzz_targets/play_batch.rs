//! A batch of plays as the server reads it from a screen: parsed, then put through the rules that
//! need no database, and the clock correction of those it keeps.
#![no_main]

use chrono::{TimeZone, Utc};
use civicast_shared::api::plays::PlayBatch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = serde_json::from_slice::<PlayBatch>(data) else {
        return;
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    for record in &batch.plays {
        if record.refusal(record.screen_id, now).is_none() {
            let (started, ended) = record.corrected_times();
            assert!(started <= ended, "a kept play ends after it starts");
        }
    }
});
