//! Command line of `civicast-player`.

use std::path::PathBuf;
use std::str::FromStr;

use clap::Parser;

/// Civicast player: shows a screen's playlist full screen and reports what it plays.
#[derive(Debug, Clone, Parser)]
#[command(name = "civicast-player", version, about, long_about = None)]
pub struct Options {
    /// Base address of the Civicast server, e.g. https://cms.city.example (or
    /// http://127.0.0.1:8080).
    #[arg(long, env = "CIVICAST_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// A PEM file of the city's own certificate authority (one or more certificates), trusted
    /// for HTTPS besides the system's roots.
    #[arg(long, env = "CIVICAST_PLAYER_CA_FILE", value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Directory for the player's token, cache and queue of plays.
    #[arg(
        long,
        env = "CIVICAST_PLAYER_DATA_DIR",
        default_value = "./player-data"
    )]
    pub data_dir: PathBuf,
    /// Full screen on the primary monitor (the default).
    #[arg(long, conflicts_with = "window")]
    pub fullscreen: bool,
    /// Run in a window of this size instead, e.g. 1280x720 (for development and tests).
    #[arg(long, value_name = "WxH")]
    pub window: Option<WindowSize>,
    /// Largest size of the media cache in MiB; files no manifest needs are evicted above it.
    #[arg(long, env = "CIVICAST_PLAYER_CACHE_MB", default_value_t = 4096)]
    pub cache_limit_mb: u64,
    /// Limit media downloads to this many kilobits per second, to spare a building's uplink.
    #[arg(long, env = "CIVICAST_PLAYER_DOWNLOAD_KBPS", value_parser = clap::value_parser!(u64).range(8..))]
    pub download_limit_kbps: Option<u64>,
    /// Seconds between proof-of-play uploads (a backlog is sent at once, batch after batch).
    #[arg(long, env = "CIVICAST_PLAYER_UPLOAD_EVERY_S", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub upload_every_s: u64,
    /// Shell command run when the display hours end (e.g. `vcgencmd display_power 0` or
    /// `xset dpms force off`); the screen is blank in any case.
    #[arg(long, env = "CIVICAST_PLAYER_DISPLAY_OFF_COMMAND")]
    pub display_off_command: Option<String>,
    /// Shell command run when the display hours begin again.
    #[arg(long, env = "CIVICAST_PLAYER_DISPLAY_ON_COMMAND")]
    pub display_on_command: Option<String>,
}

/// A window size written as `WIDTHxHEIGHT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSize {
    pub width: u32,
    pub height: u32,
}

impl FromStr for WindowSize {
    type Err = String;

    fn from_str(value: &str) -> Result<WindowSize, String> {
        let invalid =
            || format!("'{value}' is not a size: write it as WIDTHxHEIGHT, e.g. 1280x720");
        let (width, height) = value.split_once(['x', 'X']).ok_or_else(invalid)?;
        let width: u32 = width.trim().parse().map_err(|_| invalid())?;
        let height: u32 = height.trim().parse().map_err(|_| invalid())?;
        if !(64..=16_384).contains(&width) || !(64..=16_384).contains(&height) {
            return Err(format!(
                "'{value}': each side must be between 64 and 16384 pixels"
            ));
        }
        Ok(WindowSize { width, height })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes_parse_and_bad_ones_say_how_to_write_them() {
        assert_eq!(
            "1536x384".parse::<WindowSize>(),
            Ok(WindowSize {
                width: 1536,
                height: 384
            })
        );
        assert!(
            "1280"
                .parse::<WindowSize>()
                .unwrap_err()
                .contains("WIDTHxHEIGHT")
        );
        assert!(
            "10x10"
                .parse::<WindowSize>()
                .unwrap_err()
                .contains("between 64")
        );
    }

    #[test]
    fn fullscreen_and_window_exclude_each_other() {
        let both =
            Options::try_parse_from(["civicast-player", "--fullscreen", "--window", "800x600"]);
        assert!(both.is_err());
        let windowed = Options::try_parse_from(["civicast-player", "--window", "800x600"]).unwrap();
        assert_eq!(
            windowed.window,
            Some(WindowSize {
                width: 800,
                height: 600
            })
        );
    }
}
