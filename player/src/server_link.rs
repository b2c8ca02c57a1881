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

/// Delays between checks: steady while the server answers, doubling up to a minute while it
/// does not, so a city full of players does not hammer a server that is coming back up.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backoff {
    /// The last retry delay; zero while the server answers.
    retry: Duration,
}

impl Backoff {
    const STEADY: Duration = Duration::from_secs(10);
    const FIRST_RETRY: Duration = Duration::from_secs(2);
    const LONGEST: Duration = Duration::from_secs(60);

    /// The delay before the next check, given whether the last one reached the server.
    pub fn after(&mut self, reachable: bool) -> Duration {
        if reachable {
            self.retry = Duration::ZERO;
            return Self::STEADY;
        }
        self.retry = if self.retry.is_zero() {
            Self::FIRST_RETRY
        } else {
            (self.retry * 2).min(Self::LONGEST)
        };
        self.retry
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
    let mut backoff = Backoff::default();
    loop {
        let status = match client.get(url).send() {
            Ok(response) if response.status().is_success() => ServerStatus::Reachable,
            Ok(response) => {
                ServerStatus::Unreachable(format!("server answered {}", response.status()))
            }
            Err(error) => ServerStatus::Unreachable(error.to_string()),
        };
        let delay = backoff.after(status == ServerStatus::Reachable);
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
        let mut backoff = Backoff::default();
        let seen: Vec<u64> = (0..7).map(|_| backoff.after(false).as_secs()).collect();
        assert_eq!(seen, vec![2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff.after(true), Duration::from_secs(10));
        assert_eq!(backoff.after(false), Duration::from_secs(2));
    }
}
