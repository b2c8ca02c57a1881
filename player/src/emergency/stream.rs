//! The emergency thread (no bevy): follows the server's push stream of emergency messages and,
//! while the stream cannot be opened, polls for them instead. Every state it learns goes to the
//! app, which shows or clears the message.

use std::io::{BufRead, BufReader};
use std::sync::mpsc::Sender;
use std::time::Duration;

use civicast_shared::api::emergency::EmergencyState;

use crate::sync::storage::DataDir;
use crate::sync::worker::Waker;

/// Between polls while the stream is down, and between attempts to open it again.
pub const RETRY: Duration = Duration::from_secs(2);
/// A stream is reopened after this long: a connection that died without a word (a cable pulled
/// somewhere between) is noticed within it, and each reopening starts with the current state,
/// so nothing is missed in between.
const REOPEN: Duration = Duration::from_secs(60);

/// Reads Server-Sent Events: feed it text as it arrives and it gives back each complete
/// `emergency` event's state.
#[derive(Debug, Default)]
pub struct EventReader {
    event: Option<String>,
    data: String,
}

impl EventReader {
    /// Takes one line of the stream (without its line ending).
    pub fn line(&mut self, line: &str) -> Option<EmergencyState> {
        if line.is_empty() {
            let event = self.event.take();
            let data = std::mem::take(&mut self.data);
            if event.as_deref() == Some("emergency") {
                return serde_json::from_str(&data).ok();
            }
            return None;
        }
        if let Some(name) = line.strip_prefix("event:") {
            self.event = Some(name.trim().to_owned());
        } else if let Some(data) = line.strip_prefix("data:") {
            if !self.data.is_empty() {
                self.data.push('\n');
            }
            self.data.push_str(data.trim_start());
        }
        None
    }
}

/// Runs for as long as the player does.
pub fn run(data: DataDir, server: String, to_app: Sender<EmergencyState>, waker: Option<Waker>) {
    let client = match reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(REOPEN)
        .user_agent(concat!("civicast-player/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            eprintln!("civicast-player: cannot start the emergency channel: {error}");
            return;
        }
    };
    let server = server.trim_end_matches('/').to_owned();
    let send = |state: EmergencyState| {
        let sent = to_app.send(state).is_ok();
        if let Some(wake) = &waker {
            wake();
        }
        sent
    };
    loop {
        let Some(token) = data.token() else {
            std::thread::sleep(RETRY);
            continue;
        };
        let opened = client
            .get(format!("{server}/api/v1/screen/emergency/stream"))
            .bearer_auth(&token)
            .send()
            .ok()
            .filter(|response| response.status().is_success());
        let opened_at = std::time::Instant::now();
        if let Some(response) = opened {
            let mut reader = EventReader::default();
            for line in BufReader::new(response).lines() {
                let Ok(line) = line else { break };
                if let Some(state) = reader.line(&line)
                    && !send(state)
                {
                    return;
                }
            }
            // Reopened at once after its time is up; only a failure to open falls to polling.
            if opened_at.elapsed() < Duration::from_secs(1) {
                std::thread::sleep(RETRY);
            }
            continue;
        }
        // The stream is down: poll once, then try the stream again.
        let polled = client
            .get(format!("{server}/api/v1/screen/emergency"))
            .bearer_auth(&token)
            .timeout(Duration::from_secs(10))
            .send()
            .ok()
            .filter(|response| response.status().is_success())
            .and_then(|response| response.json::<EmergencyState>().ok());
        if let Some(state) = polled
            && !send(state)
        {
            return;
        }
        std::thread::sleep(RETRY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_line_by_line_and_keep_alives_ignored() {
        let mut reader = EventReader::default();
        let mut states = Vec::new();
        for line in [
            "event: emergency",
            "data: {\"message\":null}",
            "",
            ": keep-alive",
            "",
            "event: emergency",
            "data: {\"message\":{\"id\":\"0190f0a0-0000-7000-8000-000000000000\",\"text\":\"Leave now\",\"building_id\":null,\"media_id\":null,\"created_at\":\"2026-11-24T10:00:00Z\"}}",
            "",
        ] {
            states.extend(reader.line(line));
        }
        assert_eq!(states.len(), 2);
        assert_eq!(states[0].message, None);
        assert_eq!(states[1].message.as_ref().unwrap().text, "Leave now");
    }
}
