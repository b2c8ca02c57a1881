//! The push channel. A thread (no bevy) follows the server's push stream, which carries
//! emergency messages and screenshot requests; while the stream cannot be opened it polls for
//! the emergency state instead. Everything it learns goes to the app: emergency states to
//! [`Emergency`] (shown or cleared by `emergency`), screenshot requests to
//! [`ScreenshotWanted`] (answered by `screenshot`).

use std::io::{BufRead, BufReader};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use bevy::prelude::*;
use civicast_shared::api::device::{MediaRef, ScreenshotRequest};
use civicast_shared::api::emergency::EmergencyState;

use crate::Step;
use crate::emergency::{Emergency, EmergencyImage};
use crate::net::cache::MediaCache;
use crate::net::client::ServerClient;
use crate::net::endpoint::Endpoint;
use crate::net::storage::DataDir;
use crate::playback::prepare::{Pixels, load_verified};
use crate::screenshot::ScreenshotWanted;
use crate::sync::{AppWaker, SyncSettings, Waker};

/// What the server pushes.
#[derive(Debug)]
pub enum Push {
    Emergency(EmergencyState),
    Screenshot(ScreenshotRequest),
    /// The emergency message's image, fetched and verified after the message itself (which
    /// shows at once, without waiting for it).
    EmergencyImage(String, Pixels),
}

/// What the thread received, read each frame. Until the thread starts (and in tests, which run
/// without it) nothing sends on it.
#[derive(Resource)]
pub struct PushInbox(pub Mutex<Receiver<Push>>);

impl Default for PushInbox {
    fn default() -> Self {
        PushInbox(Mutex::new(mpsc::channel().1))
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<PushInbox>()
        .add_systems(
            Startup,
            // Tests run without a server: there is nothing to follow.
            start_thread.run_if(resource_exists::<SyncSettings>),
        )
        .add_systems(Update, receive.in_set(Step::Receive));
}

fn start_thread(mut commands: Commands, settings: Res<SyncSettings>, waker: Res<AppWaker>) {
    let (to_app, inbox) = mpsc::channel();
    commands.insert_resource(PushInbox(Mutex::new(inbox)));
    let waker = std::sync::Arc::clone(&waker.0);
    let (data, server) = (settings.0.data.clone(), settings.0.server.clone());
    std::thread::Builder::new()
        .name("push".into())
        .spawn(move || run(data, server, to_app, Some(waker)))
        .expect("the push thread starts");
}

fn receive(
    inbox: Res<PushInbox>,
    mut emergency: ResMut<Emergency>,
    mut emergency_image: ResMut<EmergencyImage>,
    mut images: ResMut<Assets<Image>>,
    mut screenshot: ResMut<ScreenshotWanted>,
) {
    let Ok(inbox) = inbox.0.lock() else {
        return;
    };
    let mut latest = None;
    for push in inbox.try_iter() {
        match push {
            Push::Emergency(state) => latest = Some(state),
            Push::Screenshot(request) => {
                info!("screenshot requested");
                screenshot.0 = Some(request.requested_at);
            }
            Push::EmergencyImage(sha256, pixels) => {
                emergency_image.0 = Some((sha256, images.add(pixels.into_image())));
            }
        }
    }
    if let Some(latest) = latest {
        if latest.message.is_some() != emergency.0.is_some() {
            info!(
                "emergency message {}",
                if latest.message.is_some() {
                    "shown"
                } else {
                    "cleared"
                }
            );
        }
        emergency.set_if_neq(Emergency(latest.message));
    }
}

/// An emergency image is decoded no larger than needed to cover this (it shows on part of the
/// screen, beside the text).
const IMAGE_COVER: (u32, u32) = (1920, 1920);

/// Between polls while the stream is down, and between attempts to open it again.
pub const RETRY: Duration = Duration::from_secs(2);
/// A stream is reopened after this long: a connection that died without a word (a cable pulled
/// somewhere between) is noticed within it, and each reopening starts with the current state,
/// so nothing is missed in between.
const REOPEN: Duration = Duration::from_secs(60);

/// Reads Server-Sent Events: feed it text as it arrives and it gives back each complete event it
/// knows (`emergency`, `screenshot`).
#[derive(Debug, Default)]
pub struct EventReader {
    event: Option<String>,
    data: String,
}

impl EventReader {
    /// Takes one line of the stream (without its line ending).
    pub fn line(&mut self, line: &str) -> Option<Push> {
        if line.is_empty() {
            let event = self.event.take();
            let data = std::mem::take(&mut self.data);
            return match event.as_deref() {
                Some("emergency") => serde_json::from_str(&data).ok().map(Push::Emergency),
                Some("screenshot") => serde_json::from_str(&data).ok().map(Push::Screenshot),
                _ => None,
            };
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
pub fn run(data: DataDir, server: Endpoint, to_app: Sender<Push>, waker: Option<Waker>) {
    let client = match ServerClient::new(&server, None) {
        Ok(client) => client,
        Err(error) => {
            error!("cannot start the push channel: {error}");
            return;
        }
    };
    let send = |push: Push| {
        if let Push::Emergency(state) = &push
            && let Some(media) = state.message.as_ref().and_then(|m| m.media.clone())
        {
            fetch_image(&data, &client, media, to_app.clone(), waker.clone());
        }
        let sent = to_app.send(push).is_ok();
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
        if let Ok(response) = client.open_push_stream(&token, REOPEN) {
            let opened_at = std::time::Instant::now();
            let mut reader = EventReader::default();
            for line in BufReader::new(response).lines() {
                let Ok(line) = line else { break };
                if let Some(push) = reader.line(&line)
                    && !send(push)
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
        if let Ok(state) = client.emergency_state(&token)
            && !send(Push::Emergency(state))
        {
            return;
        }
        std::thread::sleep(RETRY);
    }
}

/// Gets an emergency message's image into the cache (unless it is there), verifies and decodes
/// it on a thread of its own, and hands it to the app.
fn fetch_image(
    data: &DataDir,
    client: &ServerClient,
    media: MediaRef,
    to_app: Sender<Push>,
    waker: Option<Waker>,
) {
    let (data, client) = (data.clone(), client.clone());
    let sha256 = media.sha256.clone();
    let fetched = move || -> Result<Pixels, String> {
        let cache = MediaCache::open(data.cache_dir(), u64::MAX).map_err(|e| e.to_string())?;
        if !cache.contains(&media.sha256) {
            let token = data.token().ok_or("the screen is not paired")?;
            client
                .download(&token, &cache, &media.sha256, media.size_bytes)
                .map_err(|e| e.to_string())?;
        }
        load_verified(&cache.path_of(&media.sha256), &media.sha256, IMAGE_COVER)
            .map_err(|e| e.to_string())
    };
    let spawned = std::thread::Builder::new()
        .name("emergency image".into())
        .spawn(move || match fetched() {
            Ok(pixels) => {
                let _ = to_app.send(Push::EmergencyImage(sha256, pixels));
                if let Some(wake) = &waker {
                    wake();
                }
            }
            Err(error) => warn!("the emergency image cannot be shown: {error}"),
        });
    if let Err(error) = spawned {
        error!("cannot fetch the emergency image: {error}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_line_by_line_and_keep_alives_and_unknown_events_ignored() {
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
            "event: screenshot",
            "data: {\"requested_at\":\"2026-11-24T10:00:01Z\"}",
            "",
            "event: something-newer",
            "data: {}",
            "",
        ] {
            states.extend(reader.line(line));
        }
        assert_eq!(states.len(), 3);
        let Push::Emergency(first) = &states[0] else {
            panic!("{states:?}")
        };
        assert_eq!(first.message, None);
        let Push::Emergency(second) = &states[1] else {
            panic!("{states:?}")
        };
        assert_eq!(second.message.as_ref().unwrap().text, "Leave now");
        assert!(
            matches!(states[2], Push::Screenshot(r) if r.requested_at.to_rfc3339() == "2026-11-24T10:00:01+00:00")
        );
    }
}
