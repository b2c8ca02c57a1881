//! `civicast-player`: parses the command line and runs the player.

use bevy::app::AppExit;
use clap::Parser;

fn main() -> AppExit {
    civicast_player::run(civicast_player::Options::parse())
}
