//! The Civicast player: a bevy app that shows a screen's content full screen.
//!
//! This first version shows the city's default slide with the state of its link to the server;
//! pairing, sync and playback build on it. `main.rs` only parses the command line.

pub mod options;
pub mod server_link;
pub mod slide;

use bevy::prelude::*;
use bevy::window::{MonitorSelection, WindowMode, WindowResolution};
use bevy::winit::WinitSettings;

pub use options::{Options, WindowSize};

/// Everything the player adds to a bevy app, apart from the platform plugins.
pub fn plugin(app: &mut App) {
    app.add_plugins((server_link::plugin, slide::plugin));
}

/// Runs the player with a window (or full screen) until it is closed.
pub fn run(options: Options) -> AppExit {
    if let Err(error) = std::fs::create_dir_all(&options.data_dir) {
        eprintln!(
            "civicast-player: cannot create the data directory {}: {error}",
            options.data_dir.display()
        );
        return AppExit::error();
    }
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
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(window),
            ..default()
        }))
        // A still slide needs no new frames: redraw only when something changes.
        .insert_resource(WinitSettings::desktop_app())
        .insert_resource(server_link::ServerAddress(options.server.clone()))
        .add_plugins(plugin)
        .run()
}
