//! Pixel tests: the player's own plugins render offscreen (lavapipe when there is no GPU) into
//! an image, for landscape, portrait and LED-wall sizes; the tests check pixels a person would
//! look at and save every image under `target/tmp/screenshots/` for review.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bevy::camera::RenderTarget;
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_resource::TextureFormat;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::time::TimeUpdateStrategy;
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
use chrono::{TimeZone, Utc};
use civicast_player::Screen;
use civicast_player::net::storage::StoredManifest;
use civicast_player::playback::{CacheDir, WallClock};
use civicast_player::render::{BACKGROUND, OutputSize, category_color};
use civicast_player::sync::{AppRequest, SyncMessage, test_channels};
use civicast_shared::api::device::{
    EventCard, MANIFEST_SCHEMA_VERSION, Manifest, ManifestItem, MediaRef,
};
use civicast_shared::api::events::EventCategory;
use civicast_shared::api::places::{Orientation, ScreenKind};
use civicast_shared::api::playlists::{Fit, PlaylistItemKind};
use civicast_shared::schedule::Schedule;
use image::RgbaImage;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One renderer at a time: they share two cores.
static RENDERER: Mutex<()> = Mutex::new(());

const LANDSCAPE: UVec2 = UVec2::new(960, 540);
const PORTRAIT: UVec2 = UVec2::new(540, 960);
const LED_WALL: UVec2 = UVec2::new(1536, 384);

const ORANGE: [u8; 3] = [240, 140, 20];
const RED: [u8; 3] = [220, 30, 30];

struct Scene {
    app: App,
    to_app: Sender<SyncMessage>,
    /// Kept open so that the app's requests (none expected here) have somewhere to go.
    _from_app: Receiver<AppRequest>,
    target: Handle<Image>,
    cache: tempfile::TempDir,
    size: UVec2,
}

impl Scene {
    fn new(size: UVec2) -> Scene {
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
        // Monday 23 November 2026, 09:00 in Brussels.
        let monday = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            100,
        )))
        .insert_resource(WallClock::StartingAt(monday))
        .insert_resource(OutputSize(size))
        .insert_resource(CacheDir(cache.path().to_path_buf()));
        let (to_app, from_app) = test_channels(&mut app);
        app.add_plugins(civicast_player::plugin);
        let target =
            app.world_mut()
                .resource_mut::<Assets<Image>>()
                .add(Image::new_target_texture(
                    size.x,
                    size.y,
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
            _from_app: from_app,
            target,
            cache,
            size,
        }
    }

    /// Puts a file in the player's cache; returns its reference.
    fn cached_png(&self, width: u32, height: u32, rgb: [u8; 3]) -> MediaRef {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb(rgb));
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        let bytes = bytes.into_inner();
        let sha256 = hex::encode(Sha256::digest(&bytes));
        std::fs::write(self.cache.path().join(&sha256), &bytes).unwrap();
        MediaRef {
            sha256,
            size_bytes: bytes.len() as u64,
            content_type: "image/png".into(),
            width,
            height,
        }
    }

    fn play(&self, item: ManifestItem) {
        let manifest = Manifest {
            schema_version: MANIFEST_SCHEMA_VERSION,
            screen_id: Uuid::now_v7(),
            screen_name: "Screen".into(),
            kind: ScreenKind::InformationScreen,
            width: self.size.x,
            height: self.size.y,
            orientation: Orientation::Landscape,
            building_name: "Library".into(),
            time_zone: "Europe/Brussels".into(),
            poll_interval_s: 10,
            display_hours: None,
            items: vec![item],
        };
        self.to_app
            .send(SyncMessage::Manifest(Box::new(StoredManifest {
                etag: "\"test\"".into(),
                manifest,
            })))
            .unwrap();
    }

    fn pair(&self, code: &str) {
        self.to_app
            .send(SyncMessage::Pairing {
                code: code.into(),
                server: "http://127.0.0.1:8080".into(),
            })
            .unwrap();
    }

    /// Runs frames until `done` holds (decoding runs on threads of its own) and the fade is over,
    /// then captures the image and saves it as `name`.
    fn capture(&mut self, name: &str, done: impl Fn(&Screen) -> bool) -> RgbaImage {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(self.app.world().resource::<State<Screen>>().get()) {
            assert!(
                Instant::now() < deadline,
                "{name}: the expected content never showed"
            );
            self.app.update();
            std::thread::sleep(Duration::from_millis(10));
        }
        for _ in 0..10 {
            self.app.update(); // the 600 ms fade
        }
        let captured: Arc<Mutex<Option<Image>>> = Arc::default();
        let slot = Arc::clone(&captured);
        self.app
            .world_mut()
            .spawn(Screenshot::image(self.target.clone()))
            .observe(move |event: On<ScreenshotCaptured>| {
                *slot.lock().unwrap() = Some(event.image.clone());
            });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            self.app.update();
            if let Some(image) = captured.lock().unwrap().take() {
                let data = image.data.expect("screenshot pixels");
                let picture = RgbaImage::from_raw(self.size.x, self.size.y, data)
                    .expect("RGBA pixels of the target's size");
                let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
                std::fs::create_dir_all(&dir).unwrap();
                picture.save(dir.join(format!("{name}.png"))).unwrap();
                return picture;
            }
            assert!(Instant::now() < deadline, "{name}: no screenshot arrived");
        }
    }
}

fn rgb(image: &RgbaImage, x: u32, y: u32) -> [u8; 3] {
    let p = image.get_pixel(x, y).0;
    [p[0], p[1], p[2]]
}

fn color_bytes(color: Color) -> [u8; 3] {
    let srgba = color.to_srgba();
    [
        (srgba.red * 255.0).round() as u8,
        (srgba.green * 255.0).round() as u8,
        (srgba.blue * 255.0).round() as u8,
    ]
}

fn close(actual: [u8; 3], expected: [u8; 3]) -> bool {
    actual
        .iter()
        .zip(expected)
        .all(|(a, e)| (i16::from(*a) - i16::from(e)).abs() <= 6)
}

/// Pixels in the rectangle (fractions of the image) that are near white.
fn white_pixels(image: &RgbaImage, from: (f32, f32), to: (f32, f32)) -> usize {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let mut count = 0;
    for y in (from.1 * h) as u32..(to.1 * h) as u32 {
        for x in (from.0 * w) as u32..(to.0 * w) as u32 {
            if rgb(image, x, y).iter().all(|c| *c > 200) {
                count += 1;
            }
        }
    }
    count
}

fn is_item(screen: &Screen) -> bool {
    *screen == Screen::Playing
}

fn event(with_link: bool) -> EventCard {
    EventCard {
        title: "<script>Winterconcert</script>".into(),
        description: "Open repetitie, iedereen welkom".into(),
        starts_at: Utc.with_ymd_and_hms(2026, 12, 12, 18, 30, 0).unwrap(),
        ends_at: Utc.with_ymd_and_hms(2026, 12, 12, 21, 30, 0).unwrap(),
        venue: "Schouwburg Kortrijk".into(),
        category: EventCategory::Music,
        link: with_link.then(|| "https://koor.example/winter".into()),
        organiser: "Koor Kortrijk".into(),
    }
}

fn item(kind: PlaylistItemKind, fit: Fit) -> ManifestItem {
    ManifestItem {
        id: Uuid::now_v7(),
        kind,
        duration_ms: 60_000,
        fit,
        schedule: Schedule::default(),
        media: None,
        text: None,
        event: None,
    }
}

/// Every scene for one screen shape.
fn render_every_scene(shape: &str, size: UVec2) {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let blue = color_bytes(BACKGROUND);

    // The pairing code, large, on the city's blue.
    let mut scene = Scene::new(size);
    scene.pair("K7Q4MX");
    let pairing = scene.capture(&format!("{shape}-pairing"), |s| *s == Screen::Pairing);
    assert!(
        close(rgb(&pairing, 2, 2), blue),
        "{shape}: {:?}",
        rgb(&pairing, 2, 2)
    );
    assert!(
        white_pixels(&pairing, (0.2, 0.3), (0.8, 0.7)) > 200,
        "{shape}: the code is written large in the middle"
    );

    // A red image slide filling the screen.
    let mut scene = Scene::new(size);
    let mut slide = item(PlaylistItemKind::Slide, Fit::Fill);
    slide.media = Some(scene.cached_png(1000, 1000, RED));
    scene.play(slide);
    let filled = scene.capture(&format!("{shape}-slide-fill"), is_item);
    for (x, y) in [(2, 2), (size.x - 3, size.y - 3), (size.x / 2, size.y / 2)] {
        assert!(
            close(rgb(&filled, x, y), RED),
            "{shape}: fill covers ({x},{y})"
        );
    }

    // The same square image fitted: red in the middle, letterboxed at the far edge.
    let mut scene = Scene::new(size);
    let mut slide = item(PlaylistItemKind::Slide, Fit::Fit);
    slide.media = Some(scene.cached_png(1000, 1000, RED));
    scene.play(slide);
    let fitted = scene.capture(&format!("{shape}-slide-fit"), is_item);
    assert!(close(rgb(&fitted, size.x / 2, size.y / 2), RED));
    let edge = if size.x > size.y {
        (2, size.y / 2)
    } else {
        (size.x / 2, 2)
    };
    assert!(
        !close(rgb(&fitted, edge.0, edge.1), RED),
        "{shape}: a square image is not stretched to the edge"
    );

    // An event card with a poster and a QR code.
    let mut scene = Scene::new(size);
    let mut card = item(PlaylistItemKind::Event, Fit::Fit);
    card.media = Some(scene.cached_png(800, 1200, ORANGE));
    card.event = Some(event(true));
    scene.play(card);
    let picture = scene.capture(&format!("{shape}-event-card"), is_item);
    let poster_at = if size.x >= size.y {
        (size.x / 8, size.y / 2)
    } else {
        (size.x / 2, size.y / 4)
    };
    assert!(
        close(rgb(&picture, poster_at.0, poster_at.1), ORANGE),
        "{shape}: the poster shows at {poster_at:?}: {:?}",
        rgb(&picture, poster_at.0, poster_at.1)
    );
    // The QR code sits at the right: bottom corner on screens, right end on LED walls.
    let (w, h) = (size.x as f32, size.y as f32);
    let corner = if size.x as f32 / size.y as f32 >= 2.4 {
        ((w - 0.9 * h) / w, 0.0)
    } else {
        let side = 0.3 * w.min(h);
        ((w - side) / w, (h - side) / h)
    };
    let (mut dark, mut light) = (0, 0);
    for y in (corner.1 * h) as u32..size.y {
        for x in (corner.0 * w) as u32..size.x {
            let p = rgb(&picture, x, y);
            dark += usize::from(p.iter().all(|c| *c < 30));
            light += usize::from(p.iter().all(|c| *c > 225));
        }
    }
    assert!(
        dark > 100 && light > 100,
        "{shape}: the QR code's modules are drawn ({dark} dark, {light} light)"
    );
    // Every line of text stays on the screen: nothing white touches the right edge.
    let right_edge_white = (0..size.y)
        .filter(|y| rgb(&picture, size.x - 1, *y).iter().all(|c| *c > 200))
        .count();
    assert_eq!(right_edge_white, 0, "{shape}: text runs off the screen");

    // An event card without a poster: laid out on its category's colour.
    let mut scene = Scene::new(size);
    let mut card = item(PlaylistItemKind::Event, Fit::Fit);
    card.event = Some(event(false));
    scene.play(card);
    let plain = scene.capture(&format!("{shape}-event-card-no-poster"), is_item);
    assert!(close(
        rgb(&plain, 2, 2),
        color_bytes(category_color(EventCategory::Music))
    ));
    assert!(
        white_pixels(&plain, (0.0, 0.0), (1.0, 1.0)) > 300,
        "{shape}: the title and date are written"
    );
}

#[test]
fn landscape_screens_show_every_kind_of_content() {
    render_every_scene("landscape", LANDSCAPE);
}

#[test]
fn portrait_screens_show_every_kind_of_content() {
    render_every_scene("portrait", PORTRAIT);
}

#[test]
fn led_walls_show_every_kind_of_content() {
    render_every_scene("led-wall", LED_WALL);
}
