//! The player's link to the server: a background thread checks `/healthz` with backoff and
//! reports whether the server answers, so the screen can say so without ever blocking a frame.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use bevy::prelude::*;

/// Base address of the server, e.g. `http://127.0.0.1:8080`.
#[derive(Debug, Clone, Resource)]
pub struct ServerAddress(pub String);

/// What the player last heard from the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Resource)]
pub enum ServerStatus {
    /// No answer yet.
    #[default]
    Unknown,
    Reachable,
    Unreachable(String),
}

/// Delay before the next check: steady while the server answers, doubling up to a minute while
/// it does not, so a city full of players does not hammer a server that is coming back up.
pub fn next_delay(previous: Duration, reachable: bool) -> Duration {
    const STEADY: Duration = Duration::from_secs(10);
    const FIRST_RETRY: Duration = Duration::from_secs(2);
    const LONGEST: Duration = Duration::from_secs(60);
    if reachable {
        STEADY
    } else if previous >= STEADY || previous.is_zero() {
        FIRST_RETRY
    } else {
        (previous * 2).min(LONGEST)
    }
}

#[derive(Resource)]
struct StatusReceiver(Mutex<Receiver<ServerStatus>>);

pub fn plugin(app: &mut App) {
    app.init_resource::<ServerStatus>()
        .add_systems(Startup, start_checker)
        .add_systems(Update, receive_status);
}

fn start_checker(mut commands: Commands, address: Option<Res<ServerAddress>>) {
    let Some(address) = address else {
        return;
    };
    let (sender, receiver) = mpsc::channel();
    commands.insert_resource(StatusReceiver(Mutex::new(receiver)));
    let url = format!("{}/healthz", address.0.trim_end_matches('/'));
    std::thread::Builder::new()
        .name("server-link".into())
        .spawn(move || check_forever(&url, &sender))
        .expect("the server-link thread starts");
}

fn check_forever(url: &str, sender: &Sender<ServerStatus>) {
    let client = match reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            let _ = sender.send(ServerStatus::Unreachable(error.to_string()));
            return;
        }
    };
    let mut delay = Duration::ZERO;
    loop {
        let status = match client.get(url).send() {
            Ok(response) if response.status().is_success() => ServerStatus::Reachable,
            Ok(response) => ServerStatus::Unreachable(format!("server answered {}", response.status())),
            Err(error) => ServerStatus::Unreachable(error.to_string()),
        };
        delay = next_delay(delay, status == ServerStatus::Reachable);
        if sender.send(status).is_err() {
            return; // the app has closed
        }
        std::thread::sleep(delay);
    }
}

fn receive_status(receiver: Option<Res<StatusReceiver>>, mut status: ResMut<ServerStatus>) {
    let Some(receiver) = receiver else {
        return;
    };
    let Ok(receiver) = receiver.0.lock() else {
        return;
    };
    if let Some(latest) = receiver.try_iter().last() {
        // Only a real change marks the resource changed, so the slide redraws only then.
        status.set_if_neq(latest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_minute_and_resets_when_the_server_answers() {
        let mut delay = Duration::ZERO;
        let mut seen = Vec::new();
        for _ in 0..7 {
            delay = next_delay(delay, false);
            seen.push(delay.as_secs());
        }
        assert_eq!(seen, vec![2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(next_delay(delay, true), Duration::from_secs(10));
        assert_eq!(next_delay(Duration::from_secs(10), false), Duration::from_secs(2));
    }
}
