//! Video tests: clips made here with ffmpeg (H.264, yuv420p), put in the player's cache by their
//! SHA-256 and played by the player's own plugins, rendering offscreen (lavapipe when there is no
//! GPU) in real time. Every frame is captured across a loop of pictures and videos, twice round,
//! and checked: each is one of the items' colours or a blend of two neighbours in a crossfade,
//! never black, never anything else; the videos play (a clip's second colour shows) and loop in
//! a slot longer than themselves (a loop of one video too, without a seam); their plays are
//! recorded with their lengths. A video poster plays in its event card. A damaged video is never
//! shown and is fetched again; a file GStreamer cannot decode is skipped and listed in the status
//! report; one that breaks off while it plays is cut at once and counted for what it played.

use std::path::Path;
use std::process::Command;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::camera::RenderTarget;
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_resource::TextureFormat;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
use chrono::{TimeZone, Utc};
use civicast_player::net::storage::StoredManifest;
use civicast_player::playback::{CacheDir, Playback, WallClock};
use civicast_player::proof::PlayLog;
use civicast_player::render::OutputSize;
use civicast_player::sync::{AppRequest, StatusBoard, SyncMessage, test_channels};
use civicast_player::{Screen, net::clock::ClockOffset};
use civicast_shared::api::device::{MANIFEST_SCHEMA_VERSION, Manifest, ManifestItem, MediaRef};
use civicast_shared::api::places::{Orientation, ScreenKind};
use civicast_shared::api::playlists::{Fit, PlaylistItemKind};
use civicast_shared::api::plays::PlayRecord;
use civicast_shared::schedule::Schedule;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One renderer at a time: they share two cores.
static RENDERER: Mutex<()> = Mutex::new(());

const SIZE: UVec2 = UVec2::new(320, 180);

const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 80, 220];
const YELLOW: [u8; 3] = [230, 200, 40];
const GREEN: [u8; 3] = [30, 200, 60];
const CYAN: [u8; 3] = [20, 200, 200];
const PALETTE: [[u8; 3]; 5] = [RED, BLUE, YELLOW, GREEN, CYAN];

struct Scene {
    app: App,
    to_app: std::sync::mpsc::Sender<SyncMessage>,
    from_app: Receiver<AppRequest>,
    plays: Receiver<PlayRecord>,
    target: Handle<Image>,
    cache: tempfile::TempDir,
}

impl Scene {
    fn new() -> Scene {
        let mut app = App::new();
        app.add_plugins(
            DefaultPlugins
                .set(WindowPlugin {
                    primary_window: None,
                    exit_condition: ExitCondition::DontExit,
                    ..default()
                })
                .set(RenderPlugin {
                    synchronous_pipeline_compilation: true,
                    ..default()
                })
                .disable::<WinitPlugin>()
                .disable::<PipelinedRenderingPlugin>()
                .disable::<LogPlugin>(),
        );
        let cache = tempfile::tempdir().unwrap();
        // Monday 23 November 2026, 09:00 in Brussels; the app's clock runs in real time, as
        // GStreamer's does.
        let monday = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let (sender, plays) = std::sync::mpsc::channel();
        app.insert_resource(WallClock::StartingAt(monday))
            .insert_resource(OutputSize(SIZE))
            .insert_resource(CacheDir(cache.path().to_path_buf()))
            .insert_resource(PlayLog::new(sender, Arc::new(ClockOffset::default())));
        let (to_app, from_app) = test_channels(&mut app);
        app.add_plugins(civicast_player::plugin);
        let target =
            app.world_mut()
                .resource_mut::<Assets<Image>>()
                .add(Image::new_target_texture(
                    SIZE.x,
                    SIZE.y,
                    TextureFormat::Rgba8UnormSrgb,
                    None,
                ));
        app.world_mut().spawn((
            Camera2d,
            RenderTarget::from(target.clone()),
            IsDefaultUiCamera,
        ));
        app.finish();
        app.cleanup();
        Scene {
            app,
            to_app,
            from_app,
            plays,
            target,
            cache,
        }
    }

    /// Puts `bytes` in the cache under `sha256` (their own hash unless a test damages them).
    fn cache_file(&self, bytes: &[u8], sha256: &str, content_type: &str) -> MediaRef {
        std::fs::write(self.cache.path().join(sha256), bytes).unwrap();
        MediaRef {
            sha256: sha256.into(),
            size_bytes: bytes.len() as u64,
            content_type: content_type.into(),
            width: SIZE.x,
            height: SIZE.y,
            duration_ms: None,
        }
    }

    fn cached(&self, bytes: &[u8], content_type: &str) -> MediaRef {
        self.cache_file(bytes, &hex::encode(Sha256::digest(bytes)), content_type)
    }

    fn cached_png(&self, rgb: [u8; 3]) -> MediaRef {
        let image = image::RgbImage::from_pixel(SIZE.x, SIZE.y, image::Rgb(rgb));
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        self.cached(&bytes.into_inner(), "image/png")
    }

    fn play_loop(&self, items: Vec<ManifestItem>) {
        let manifest = Manifest {
            schema_version: MANIFEST_SCHEMA_VERSION,
            screen_id: Uuid::now_v7(),
            screen_name: "Screen".into(),
            kind: ScreenKind::InformationScreen,
            width: SIZE.x,
            height: SIZE.y,
            orientation: Orientation::Landscape,
            building_name: "Bibliotheek".into(),
            time_zone: "Europe/Brussels".into(),
            poll_interval_s: 10,
            display_hours: None,
            items,
            look: Default::default(),
            kiosk: None,
        };
        self.to_app
            .send(SyncMessage::Manifest(Box::new(StoredManifest {
                etag: "\"loop\"".into(),
                manifest,
            })))
            .unwrap();
    }

    fn screen(&self) -> Screen {
        *self.app.world().resource::<State<Screen>>().get()
    }

    /// Runs frames in real time until `done` holds.
    fn run_until(&mut self, what: &str, done: impl Fn(&Scene) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(self) {
            assert!(Instant::now() < deadline, "{what} never happened");
            self.app.update();
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Captures every frame for `duration` of real time; each is summed up as it comes back.
    fn record(&mut self, duration: Duration) -> Vec<Frame> {
        self.record_as(duration, Frame::of)
    }

    /// Captures every frame for `duration` of real time, each summed up by `sum_up`.
    fn record_as<T: Send + 'static>(
        &mut self,
        duration: Duration,
        sum_up: fn(&image::RgbaImage) -> T,
    ) -> Vec<T> {
        let frames: Arc<Mutex<Vec<T>>> = Arc::default();
        let started = Instant::now();
        let mut asked = 0;
        while started.elapsed() < duration {
            let slot = Arc::clone(&frames);
            self.app
                .world_mut()
                .spawn(Screenshot::image(self.target.clone()))
                .observe(move |event: On<ScreenshotCaptured>| {
                    let image = event.image.clone();
                    let pixels = image::RgbaImage::from_raw(
                        SIZE.x,
                        SIZE.y,
                        image.data.expect("screenshot pixels"),
                    )
                    .expect("RGBA pixels of the target's size");
                    slot.lock().unwrap().push(sum_up(&pixels));
                });
            asked += 1;
            self.app.update();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while frames.lock().unwrap().len() < asked && Instant::now() < deadline {
            self.app.update();
        }
        std::mem::take(&mut *frames.lock().unwrap())
    }

    fn unplayable(&self) -> Vec<String> {
        let board = self.app.world().resource::<StatusBoard>();
        let status = board.0.lock().unwrap();
        status
            .unplayable
            .iter()
            .map(|file| file.sha256.clone())
            .collect()
    }
}

/// A frame summed up: the colours at a grid of points.
#[derive(Debug, Clone)]
struct Frame {
    samples: Vec<[u8; 3]>,
}

impl Frame {
    fn of(image: &image::RgbaImage) -> Frame {
        let mut samples = Vec::new();
        for row in 0..5 {
            for column in 0..5 {
                let x = (image.width() - 1) * (2 * column + 1) / 10;
                let y = (image.height() - 1) * (2 * row + 1) / 10;
                let p = image.get_pixel(x, y).0;
                samples.push([p[0], p[1], p[2]]);
            }
        }
        Frame { samples }
    }

    /// The palette colour every sample shows, if one does.
    fn solid(&self) -> Option<[u8; 3]> {
        PALETTE
            .into_iter()
            .find(|colour| self.samples.iter().all(|s| close(*s, *colour, 14)))
    }

    fn is_black_anywhere(&self) -> bool {
        self.samples.iter().any(|s| s.iter().all(|c| *c < 24))
    }

    /// Whether every sample is a palette colour or a mix of two (a crossfade, blended in
    /// linear light): nothing dark, nothing foreign.
    fn is_plausible(&self) -> bool {
        self.samples.iter().all(|sample| {
            let s = linear(*sample);
            PALETTE.iter().any(|a| {
                PALETTE.iter().any(|b| {
                    let (a, b) = (linear(*a), linear(*b));
                    let d: Vec<f32> = (0..3).map(|i| b[i] - a[i]).collect();
                    let length: f32 = d.iter().map(|x| x * x).sum();
                    let t = if length == 0.0 {
                        0.0
                    } else {
                        ((0..3).map(|i| (s[i] - a[i]) * d[i]).sum::<f32>() / length).clamp(0.0, 1.0)
                    };
                    let distance: f32 = (0..3)
                        .map(|i| (s[i] - (a[i] + t * d[i])).powi(2))
                        .sum::<f32>()
                        .sqrt();
                    distance < 0.04
                })
            })
        })
    }
}

fn close(actual: [u8; 3], expected: [u8; 3], tolerance: i16) -> bool {
    actual
        .iter()
        .zip(expected)
        .all(|(a, e)| (i16::from(*a) - i16::from(e)).abs() <= tolerance)
}

fn linear(rgb: [u8; 3]) -> [f32; 3] {
    rgb.map(|c| {
        let c = f32::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    })
}

fn hex(rgb: [u8; 3]) -> String {
    format!("0x{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// An H.264 clip (yuv420p, 25 fps, in MP4) of one second of each colour, made with ffmpeg.
fn clip(colours: &[[u8; 3]], dir: &Path) -> Vec<u8> {
    let path = dir.join(format!(
        "{}.mp4",
        colours.iter().map(|c| hex(*c)).collect::<String>()
    ));
    let mut command = Command::new("ffmpeg");
    command.args(["-v", "error", "-y"]);
    for colour in colours {
        command.args([
            "-f",
            "lavfi",
            "-i",
            &format!("color=c={}:s={}x{}:r=25:d=1", hex(*colour), SIZE.x, SIZE.y),
        ]);
    }
    let inputs: String = (0..colours.len()).map(|i| format!("[{i}:v]")).collect();
    command
        .args([
            "-filter_complex",
            &format!("{inputs}concat=n={}:v=1[v]", colours.len()),
        ])
        // Every frame a key frame: a clip cut short then breaks off near where it was cut.
        .args([
            "-map", "[v]", "-c:v", "libx264", "-g", "1", "-pix_fmt", "yuv420p",
        ])
        .args(["-movflags", "+faststart"])
        .arg(&path);
    let status = command
        .status()
        .expect("ffmpeg runs (Debian: apt-get install ffmpeg; tests/run.sh installs it)");
    assert!(status.success(), "ffmpeg could not make {}", path.display());
    std::fs::read(&path).unwrap()
}

fn item(media: MediaRef, duration_ms: u32) -> ManifestItem {
    ManifestItem {
        id: Uuid::now_v7(),
        kind: PlaylistItemKind::Slide,
        duration_ms,
        fit: Fit::Fill,
        schedule: Schedule::default(),
        media: Some(media),
        text: None,
        event: None,
        sound: false,
    }
}

#[test]
fn a_loop_of_pictures_and_videos_never_shows_a_black_or_foreign_frame() {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let clips = tempfile::tempdir().unwrap();
    let mut scene = Scene::new();
    let red = item(scene.cached_png(RED), 1_500);
    let blue = item(
        scene.cached(&clip(&[BLUE, BLUE], clips.path()), "video/mp4"),
        2_000,
    );
    let yellow = item(scene.cached_png(YELLOW), 1_500);
    // Green then cyan, two seconds, in a slot of three: it plays, and loops back to green.
    let green = item(
        scene.cached(&clip(&[GREEN, CYAN], clips.path()), "video/mp4"),
        3_000,
    );
    scene.play_loop(vec![
        red.clone(),
        blue.clone(),
        yellow.clone(),
        green.clone(),
    ]);
    scene.run_until("the first item", |scene| scene.screen() == Screen::Playing);
    let frames = scene.record(Duration::from_millis(2 * 8_000 + 500));
    assert!(frames.len() > 150, "only {} frames captured", frames.len());
    for (index, frame) in frames.iter().enumerate() {
        assert!(
            !frame.is_black_anywhere(),
            "frame {index} of {} shows black: {frame:?}",
            frames.len()
        );
        assert!(
            frame.is_plausible(),
            "frame {index} of {} shows something else than the items: {frame:?}",
            frames.len()
        );
    }
    // The solid colours in the order they showed, each run once.
    let mut shown: Vec<[u8; 3]> = frames.iter().filter_map(Frame::solid).collect();
    shown.dedup();
    let names: Vec<String> = shown.iter().map(|c| hex(*c)).collect();
    // The green clip plays to cyan and loops back to green within its slot; it plays on under
    // the next item's fade, so cyan may show again before red.
    let one_loop = [RED, BLUE, YELLOW, GREEN, CYAN, GREEN];
    let expected: Vec<[u8; 3]> = one_loop.iter().chain(&one_loop).copied().collect();
    let mut rest = shown.iter();
    assert!(
        expected
            .iter()
            .all(|wanted| rest.any(|colour| colour == wanted)),
        "two loops in order: {names:?}"
    );
    let after_yellow: Vec<_> = shown
        .split(|colour| *colour == YELLOW)
        .nth(1)
        .unwrap()
        .split(|colour| *colour == RED)
        .next()
        .unwrap()
        .to_vec();
    assert!(
        after_yellow.len() <= 4,
        "nothing else shows in the green clip's slot: {names:?}"
    );

    let plays: Vec<PlayRecord> = scene.plays.try_iter().collect();
    let of = |wanted: &ManifestItem| -> Vec<u32> {
        plays
            .iter()
            .filter(|play| play.item_id == Some(wanted.id))
            .map(|play| play.played_ms)
            .collect()
    };
    for (wanted, planned) in [(&blue, 2_000), (&green, 3_000), (&red, 1_500)] {
        let lengths = of(wanted);
        assert!(!lengths.is_empty(), "{plays:?}");
        for length in lengths {
            assert!(
                (planned - 150..planned + 250).contains(&length),
                "a play of {planned} ms recorded as {length} ms"
            );
        }
    }
    let video_play = plays
        .iter()
        .find(|play| play.item_id == Some(blue.id))
        .unwrap();
    assert_eq!(video_play.content_hash, blue.media.as_ref().unwrap().sha256);
}

#[test]
fn a_damaged_video_is_fetched_again_and_an_undecodable_one_skipped_and_reported() {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let clips = tempfile::tempdir().unwrap();
    let mut scene = Scene::new();
    let mut bytes = clip(&[BLUE], clips.path());
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    let damaged = item(scene.cache_file(&bytes, &sha256, "video/mp4"), 2_000);
    let garbage: Vec<u8> = (0..50_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let undecodable = item(scene.cached(&garbage, "video/mp4"), 2_000);
    let red = item(scene.cached_png(RED), 1_000);
    scene.play_loop(vec![damaged.clone(), undecodable.clone(), red.clone()]);
    scene.run_until("the picture", |scene| scene.screen() == Screen::Playing);
    let frames = scene.record(Duration::from_millis(3_000));
    for (index, frame) in frames.iter().enumerate() {
        assert_eq!(
            frame.solid(),
            Some(RED),
            "frame {index}: only the picture shows"
        );
    }
    let history = scene.app.world().resource::<Playback>().history.clone();
    assert!(history.iter().all(|id| *id == red.id), "{history:?}");
    let requests: Vec<AppRequest> = scene.from_app.try_iter().collect();
    assert!(
        requests.contains(&AppRequest::Refetch(sha256.clone())),
        "the damaged file is fetched again: {requests:?}"
    );
    assert_eq!(
        scene.unplayable(),
        vec![undecodable.media.as_ref().unwrap().sha256.clone()],
        "the undecodable file is reported, the damaged one is not"
    );
    let board = scene.app.world().resource::<StatusBoard>();
    let reason = board.0.lock().unwrap().unplayable[0].reason.clone();
    assert!(!reason.is_empty());
}

#[test]
fn a_video_that_breaks_off_while_it_plays_cuts_to_the_next_item_and_counts_what_played() {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let clips = tempfile::tempdir().unwrap();
    let mut scene = Scene::new();
    // Six seconds by its header, cut off about halfway (an upload that stopped early).
    let mut bytes = clip(&[GREEN, CYAN, GREEN, CYAN, GREEN, CYAN], clips.path());
    bytes.truncate(bytes.len() / 2);
    let broken = item(scene.cached(&bytes, "video/mp4"), 6_000);
    let red = item(scene.cached_png(RED), 1_500);
    scene.play_loop(vec![broken.clone(), red.clone()]);
    scene.run_until("the video", |scene| scene.screen() == Screen::Playing);
    let frames = scene.record(Duration::from_millis(5_500));
    for (index, frame) in frames.iter().enumerate() {
        assert!(!frame.is_black_anywhere(), "frame {index} shows black");
        assert!(frame.is_plausible(), "frame {index}: {frame:?}");
    }
    let mut shown: Vec<[u8; 3]> = frames.iter().filter_map(Frame::solid).collect();
    shown.dedup();
    let names: Vec<String> = shown.iter().map(|c| hex(*c)).collect();
    assert_eq!(shown.first(), Some(&GREEN), "{names:?}");
    let red_from = shown
        .iter()
        .position(|c| *c == RED)
        .expect("the picture came");
    assert!(
        shown[red_from..].iter().all(|c| *c == RED),
        "the broken video never comes back: {names:?}"
    );
    let plays: Vec<PlayRecord> = scene.plays.try_iter().collect();
    let video = plays
        .iter()
        .find(|play| play.item_id == Some(broken.id))
        .expect("the video's play is recorded");
    assert!(
        (800..4_500).contains(&video.played_ms),
        "it counts what played: {video:?}"
    );
    assert_eq!(
        video.outcome,
        civicast_shared::api::plays::PlayOutcome::Partial
    );
    assert_eq!(
        scene.unplayable(),
        vec![broken.media.as_ref().unwrap().sha256.clone()]
    );
}

#[test]
fn a_loop_of_one_video_runs_on_without_a_seam_and_counts_each_slot() {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let clips = tempfile::tempdir().unwrap();
    let mut scene = Scene::new();
    let only = item(
        scene.cached(&clip(&[GREEN, CYAN], clips.path()), "video/mp4"),
        2_000,
    );
    scene.play_loop(vec![only.clone()]);
    scene.run_until("the video", |scene| scene.screen() == Screen::Playing);
    let frames = scene.record(Duration::from_millis(5_000));
    for (index, frame) in frames.iter().enumerate() {
        assert!(!frame.is_black_anywhere(), "frame {index} shows black");
        // Nothing fades at the loop's end: every frame is one of the clip's two colours.
        assert!(
            matches!(frame.solid(), Some(GREEN | CYAN)),
            "frame {index}: {frame:?}"
        );
    }
    let mut shown: Vec<[u8; 3]> = frames.iter().filter_map(Frame::solid).collect();
    shown.dedup();
    assert!(
        shown.len() >= 4,
        "it plays round and round: {:?}",
        shown.iter().map(|c| hex(*c)).collect::<Vec<_>>()
    );
    let plays: Vec<PlayRecord> = scene.plays.try_iter().collect();
    assert!(plays.len() >= 2, "{plays:?}");
    for play in &plays {
        assert_eq!(play.item_id, Some(only.id));
        assert!(
            (1_850..2_250).contains(&play.played_ms),
            "{}",
            play.played_ms
        );
    }
}

#[test]
fn a_video_as_an_events_poster_plays_in_the_card() {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let clips = tempfile::tempdir().unwrap();
    let mut scene = Scene::new();
    let mut card = item(
        scene.cached(&clip(&[GREEN, CYAN], clips.path()), "video/mp4"),
        10_000,
    );
    card.kind = PlaylistItemKind::Event;
    card.event = Some(civicast_shared::api::device::EventCard {
        title: "Open repetitie".into(),
        description: "Iedereen welkom.".into(),
        starts_at: Utc.with_ymd_and_hms(2026, 11, 24, 18, 30, 0).unwrap(),
        ends_at: Utc.with_ymd_and_hms(2026, 11, 24, 21, 30, 0).unwrap(),
        venue: "Cultuurcentrum".into(),
        category: civicast_shared::api::events::EventCategory::Youth,
        link: None,
        organiser: "Harmonie".into(),
    });
    scene.play_loop(vec![card]);
    scene.run_until("the card", |scene| scene.screen() == Screen::Playing);
    // Pixels of the poster's two colours in each frame.
    let counts = scene.record_as(Duration::from_millis(2_500), |image| {
        let count = |colour: [u8; 3]| {
            image
                .pixels()
                .filter(|p| close([p[0], p[1], p[2]], colour, 14))
                .count()
        };
        (count(GREEN), count(CYAN))
    });
    let green_at = counts.iter().position(|(green, _)| *green > 500);
    let cyan_at = counts.iter().position(|(_, cyan)| *cyan > 500);
    assert!(
        matches!((green_at, cyan_at), (Some(g), Some(c)) if g < c),
        "the poster shows the clip's green, then its cyan: {counts:?}"
    );
}
