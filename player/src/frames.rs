//! When the app draws: a still screen is drawn once, then the app sleeps until the current item
//! ends, a fade or a decode needs frames, or a thread wakes it with news.
//!
//! bevy's winit runner treats any change of [`UpdateMode`] as a reason to run a frame at once.
//! The time left until the item ends shrinks every frame, so handing it over as a new wait each
//! frame would keep the app drawing non-stop; the mode changes only when the moment to wake
//! does.

use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};

use crate::Screen;
use crate::display_hours::DisplayHours;
use crate::kiosk::Kiosk;
use crate::playback::Playback;
use crate::screenshot::ScreenshotInFlight;

/// Longest sleep while nothing is scheduled; the sync thread wakes the app when it has news.
pub const IDLE_WAKE: Duration = Duration::from_secs(60);

/// Two wake-up moments closer than this are the same one: waking a little late is harmless,
/// running frames to be exact is not.
const SAME_MOMENT: Duration = Duration::from_millis(25);

pub fn update_mode(wait: Duration) -> UpdateMode {
    UpdateMode::reactive_low_power(wait)
}

/// The moment (on the app's real clock) the current update mode wakes the app.
#[derive(Default)]
pub struct WakeAt(Option<Duration>);

#[allow(clippy::too_many_arguments)]
pub fn sleep_until_needed(
    time: Res<Time<Real>>,
    playback: Res<Playback>,
    screen: Res<State<Screen>>,
    hours: Res<State<DisplayHours>>,
    screenshot: Res<ScreenshotInFlight>,
    kiosk: Res<Kiosk>,
    mut settings: ResMut<WinitSettings>,
    mut wake_at: Local<WakeAt>,
) {
    let now = time.elapsed();
    // Outside the display hours the loop waits: the app looks again once a minute whether
    // the hours began (a message from a thread wakes it sooner).
    // While the kiosk view covers the loop, the loop waits: only the idle timeout is due.
    let kiosk_wakes = playback
        .manifest()
        .and_then(crate::kiosk::content_of)
        .and_then(|content| kiosk.wake_in(now, crate::kiosk::idle_of(content)));
    let deadline = match (hours.get(), kiosk_wakes) {
        (_, Some(idle)) => Some(idle),
        (DisplayHours::Inside, None) => playback.next_deadline(now, *screen.get()),
        (DisplayHours::Outside, None) => None,
    };
    let mut wait = deadline
        .unwrap_or(IDLE_WAKE)
        .clamp(Duration::from_millis(5), IDLE_WAKE);
    if screenshot.0 {
        // The capture comes back from the GPU over the next frames.
        wait = wait.min(Duration::from_millis(20));
    }
    let target = now + wait;
    if !wakes_elsewhere(wake_at.0, now, target) {
        return;
    }
    wake_at.0 = Some(target);
    let mode = update_mode(wait);
    settings.focused_mode = mode;
    settings.unfocused_mode = mode;
}

/// Whether the app must be told to wake at `target` rather than at `current`: `current` has
/// passed, or the two are not the same moment.
fn wakes_elsewhere(current: Option<Duration>, now: Duration, target: Duration) -> bool {
    match current {
        Some(current) => current <= now || current.abs_diff(target) >= SAME_MOMENT,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_before_the_item_ends_leave_the_wake_up_moment_alone() {
        let ends = Duration::from_secs(30);
        let mut current = None;
        let mut changes = 0;
        // A frame every 100 ms: each sees less time left, but the same moment to wake.
        for frame in 0..290 {
            let now = Duration::from_millis(frame * 100);
            if wakes_elsewhere(current, now, ends) {
                current = Some(ends);
                changes += 1;
            }
        }
        assert_eq!(changes, 1);
        // A new item ending at another moment, or the moment reached, moves it.
        assert!(wakes_elsewhere(
            current,
            Duration::from_secs(29),
            Duration::from_secs(40)
        ));
        assert!(wakes_elsewhere(
            current,
            ends,
            ends + Duration::from_secs(10)
        ));
    }
}
