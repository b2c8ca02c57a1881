//! The Civicast player: a bevy app that plays a screen's playlist full screen, unattended.
//!
//! - `screen.rs`: the [`Screen`] state (starting, pairing, the default slide, playing) and the
//!   layer each mode puts up when it begins.
//! - `net/`: the bevy-free library the threads share: HTTP client, data directory, media cache,
//!   clock offset, backoff.
//! - `sync/`: the sync thread (pairing, manifest polls, filling the cache, status reports) and
//!   the channels that connect it to the app; no frame waits on the network.
//! - `playback/`: the loop: schedules, item order, preparing the next item, atomic switching.
//! - `render/`: what the screen shows, as full-screen layers that crossfade.
//! - `video/`: video items, decoded by GStreamer into a texture.
//! - `proof/`: proof of play: the recorder fed by play messages, the durable play queue and its
//!   uploader.
//! - `push.rs`: the push channel from the server (emergency messages, screenshot requests).
//! - `emergency.rs`: an emergency message, shown over everything.
//! - `screenshot.rs`: captures the screen and uploads it when staff ask.
//! - `frames.rs`: when the app draws; a still screen is drawn once.
//! - `display_hours.rs`: a blank screen (and a command for the panel) outside display hours.
//! - `kiosk/`: a kiosk's touch view (what's on, the map, city services) over its loop.
//!
//! Each frame runs in the order of [`Step`]. `main.rs` only parses the command line.

pub mod display_hours;
pub mod emergency;
pub mod frames;
pub mod kiosk;
pub mod net;
pub mod options;
pub mod playback;
pub mod proof;
pub mod push;
pub mod render;
pub mod screen;
pub mod screenshot;
pub mod sync;
pub mod video;

use std::time::Duration;

use bevy::prelude::*;
use bevy::window::{
    Monitor, MonitorSelection, PrimaryMonitor, PrimaryWindow, RawHandleWrapper, WindowMode,
    WindowPosition, WindowResolution,
};
use bevy::winit::{EventLoopProxyWrapper, WinitSettings, WinitUserEvent};

pub use options::{Options, WindowSize};
pub use screen::Screen;

/// The order of each frame's work in `Update`, so that no two systems race over one resource.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Take in what the threads sent (sync, push).
    Receive,
    /// Decide what the screen shows: display hours, the loop, the [`Screen`] mode.
    Decide,
    /// Put it on screen: layers, fades, overlays. A new [`Screen`] mode begins just before.
    Show,
    /// Record what happened: proof of play, what the status report says.
    Record,
}

/// Everything the player adds to a bevy app, apart from the platform plugins.
pub fn plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (Step::Receive, Step::Decide, Step::Show, Step::Record).chain(),
    )
    .add_systems(
        Update,
        enter_new_mode.after(Step::Decide).before(Step::Show),
    )
    .add_plugins((
        screen::plugin,
        sync::plugin,
        playback::plugin,
        render::plugin,
        video::plugin,
        proof::recorder::plugin,
        emergency::plugin,
        push::plugin,
        screenshot::plugin,
        display_hours::plugin,
        kiosk::plugin,
    ));
}

/// A mode decided this frame begins this frame (its `OnEnter` layer shows with the decision),
/// rather than after the next `PreUpdate`, which a sleeping app may reach only much later.
fn enter_new_mode(world: &mut World) {
    let _ = world.try_run_schedule(StateTransition);
}

/// Runs the player with a window (or full screen) until it is closed.
pub fn run(options: Options) -> AppExit {
    let window = match options.window {
        Some(size) => Window {
            title: "Civicast player".into(),
            resolution: WindowResolution::new(size.width, size.height),
            ..default()
        },
        None => Window {
            title: "Civicast player".into(),
            mode: WindowMode::BorderlessFullscreen(MonitorSelection::Primary),
            ..default()
        },
    };
    let mut app = App::new();
    // First, so that the logging below has somewhere to go.
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(window),
        ..default()
    }));
    let server = match net::Endpoint::new(&options.server, options.ca_file.as_deref()) {
        Ok(server) => server,
        Err(error) => {
            error!("{error}");
            return AppExit::error();
        }
    };
    if let Err(error) = std::fs::create_dir_all(&options.data_dir) {
        error!(
            "cannot create the data directory {}: {error}",
            options.data_dir.display()
        );
        return AppExit::error();
    }
    let data = net::storage::DataDir::new(&options.data_dir);
    let clock = std::sync::Arc::new(net::clock::ClockOffset::default());
    let play_log = match proof::start(proof::ProofConfig {
        data: data.clone(),
        server: server.clone(),
        clock: std::sync::Arc::clone(&clock),
        upload_every: Duration::from_secs(options.upload_every_s),
    }) {
        Ok(log) => log,
        Err(error) => {
            error!("cannot start proof of play: {error}");
            return AppExit::error();
        }
    };
    let proxy = (**app.world().resource::<EventLoopProxyWrapper>()).clone();
    app.insert_resource(WinitSettings {
        focused_mode: frames::update_mode(Duration::from_millis(100)),
        unfocused_mode: frames::update_mode(Duration::from_millis(100)),
    })
    .insert_resource(sync::AppWaker(std::sync::Arc::new(move || {
        let _ = proxy.send_event(WinitUserEvent::WakeUp);
    })))
    .insert_resource(playback::CacheDir(data.cache_dir()))
    .insert_resource(play_log)
    .insert_resource(sync::SyncSettings(sync::SyncConfig {
        data,
        server,
        cache_limit_bytes: options.cache_limit_mb.saturating_mul(1024 * 1024),
        // kilobits (1000 bits) per second to bytes per second
        download_rate_limit: options.download_limit_kbps.map(|kbps| kbps * 125),
        clock,
    }));
    app.insert_resource(display_hours::DisplayCommands {
        off: options.display_off_command.clone(),
        on: options.display_on_command.clone(),
    });
    if let Some(size) = options.window {
        app.insert_resource(render::OutputSize(UVec2::new(size.width, size.height)));
    }
    app.add_plugins(plugin)
        .add_systems(
            Update,
            (
                cover_the_monitor.in_set(Step::Receive),
                share_output_size.in_set(Step::Record),
            ),
        )
        .add_systems(Last, frames::sleep_until_needed);
    app.run()
}

/// The primary monitor, or else the first one winit found.
fn main_monitor<'a>(monitors: &'a Query<(&Monitor, Has<PrimaryMonitor>)>) -> Option<&'a Monitor> {
    monitors
        .iter()
        .find(|(_, primary)| *primary)
        .or_else(|| monitors.iter().next())
        .map(|(monitor, _)| monitor)
}

/// How often the player resizes a full-screen window that does not cover its monitor.
const COVER_ATTEMPTS: u32 = 3;

/// Full screen is a request to the window manager; the kiosk runs X with none (a bare
/// `xinit`), so nobody resizes the window and it stays at winit's default 800x600. The player
/// then sizes and places the window over the monitor itself. Under a window manager that did
/// its job the sizes already match and nothing happens.
fn cover_the_monitor(
    mut windows: Query<&mut Window, (With<PrimaryWindow>, With<RawHandleWrapper>)>,
    monitors: Query<(&Monitor, Has<PrimaryMonitor>)>,
    mut attempts: Local<u32>,
    mut asked: Local<Option<UVec2>>,
) {
    let Ok(mut window) = windows.single_mut() else {
        return;
    };
    if !matches!(window.mode, WindowMode::BorderlessFullscreen(_)) {
        return;
    }
    let Some(monitor) = main_monitor(&monitors) else {
        return;
    };
    let target = UVec2::new(monitor.physical_width, monitor.physical_height);
    let now = UVec2::new(window.physical_width(), window.physical_height());
    // One request per size seen, a few at most: a window manager may have reasons of its own.
    if target.x == 0 || target.y == 0 || now == target || *asked == Some(now) {
        return;
    }
    if *attempts >= COVER_ATTEMPTS {
        return;
    }
    *attempts += 1;
    *asked = Some(now);
    info!(
        "full screen: the window is {}x{}, the monitor {}x{}: covering the monitor",
        now.x, now.y, target.x, target.y
    );
    window.position = WindowPosition::At(monitor.physical_position);
    window
        .resolution
        .set_physical_resolution(target.x, target.y);
}

/// How long a full-screen window may take to cover its monitor before its size counts anyway.
const FULLSCREEN_SETTLE: Duration = Duration::from_secs(3);

/// Tells the sync thread the output size, for pairing and status reports, once it is the real
/// one: the window exists, and full screen it covers the monitor (or had its time to). Until
/// then the size stays 0x0, which the sync thread waits on before it asks for a pairing code.
fn share_output_size(
    output: Res<render::OutputSize>,
    windows: Query<&Window, (With<PrimaryWindow>, With<RawHandleWrapper>)>,
    monitors: Query<(&Monitor, Has<PrimaryMonitor>)>,
    time: Res<Time<Real>>,
    board: Res<sync::StatusBoard>,
    mut created_at: Local<Option<Duration>>,
    mut shared: Local<Option<UVec2>>,
) {
    let Ok(window) = windows.single() else {
        return;
    };
    let created_at = *created_at.get_or_insert(time.elapsed());
    if shared.is_none() && matches!(window.mode, WindowMode::BorderlessFullscreen(_)) {
        let covers = main_monitor(&monitors).is_some_and(|monitor| {
            output.0 == UVec2::new(monitor.physical_width, monitor.physical_height)
        });
        if !covers && time.elapsed() < created_at + FULLSCREEN_SETTLE {
            return;
        }
    }
    if *shared != Some(output.0)
        && let Ok(mut status) = board.0.lock()
    {
        status.width = output.0.x;
        status.height = output.0.y;
        *shared = Some(output.0);
    }
}
