//! A manifest as a player reads it from the network: parsed, then walked the way playback walks
//! it (media list, time zone, next playable item at instants around a DST change and far off).
#![no_main]

use chrono::{DateTime, TimeZone, Utc};
use civicast_shared::api::device::Manifest;
use libfuzzer_sys::fuzz_target;

fn instants() -> [DateTime<Utc>; 4] {
    [
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap(),
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(manifest) = serde_json::from_slice::<Manifest>(data) else {
        return;
    };
    let _ = manifest.media();
    let _ = manifest.tz();
    for instant in instants() {
        let mut after = None;
        for _ in 0..manifest.items.len().min(8) {
            after = manifest.next_playable(after, instant);
            if after.is_none() {
                break;
            }
        }
    }
    let again = serde_json::to_vec(&manifest).expect("a parsed manifest serialises");
    let reparsed: Manifest = serde_json::from_slice(&again).expect("and parses back");
    assert_eq!(reparsed.items.len(), manifest.items.len());
});
