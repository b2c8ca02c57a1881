//! Pixel tests: the player's own plugins render offscreen (lavapipe when there is no GPU) into
//! an image, at 1920x1080, 1080x1920, 1536x384, 768x768 and 3840x2160, with portrait, landscape
//! and no posters and titles of 5 and 120 characters; the tests check what a person would: every
//! letter drawn, no text outside its area or over the QR code, contrast measured from the
//! rendered pixels, and no dark frame during a change. Every image is saved under
//! `target/tmp/screenshots/`; with `CIVICAST_GALLERY=<dir>` a small copy of each goes there too
//! (that is how `docs/screens/` is made).

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
use civicast_player::render::card::{CardText, plan_for};
use civicast_player::render::{BACKGROUND, OutputSize};
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

const FULL_HD: UVec2 = UVec2::new(1920, 1080);
const PORTRAIT: UVec2 = UVec2::new(1080, 1920);
const LED_WALL: UVec2 = UVec2::new(1536, 384);
const SQUARE: UVec2 = UVec2::new(768, 768);
const UHD: UVec2 = UVec2::new(3840, 2160);

const RED: [u8; 3] = [220, 30, 30];

struct Scene {
    app: App,
    to_app: Sender<SyncMessage>,
    /// Kept open so that the app's requests (none expected here) have somewhere to go.
    _from_app: Receiver<AppRequest>,
    target: Handle<Image>,
    cache: tempfile::TempDir,
    size: UVec2,
    /// The city's look the manifests carry.
    look: civicast_shared::api::device::Look,
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
            look: Default::default(),
        }
    }

    /// Puts a flat image in the player's cache; returns its reference.
    fn cached_png(&self, width: u32, height: u32, rgb: [u8; 3]) -> MediaRef {
        self.cached(image::RgbImage::from_pixel(width, height, image::Rgb(rgb)))
    }

    /// Puts a poster in the player's cache: a bright two-colour gradient with rings, busy
    /// enough that text over it would be hard to read without the card's backdrop.
    fn cached_poster(&self, width: u32, height: u32) -> MediaRef {
        let (w, h) = (width as f32, height as f32);
        self.cached(image::RgbImage::from_fn(width, height, |x, y| {
            let t = (x as f32 / w + y as f32 / h) / 2.0;
            let (dx, dy) = (x as f32 - w * 0.6, y as f32 - h * 0.35);
            let ring = (((dx * dx + dy * dy).sqrt() / (0.05 * w.min(h))) as u32).is_multiple_of(2);
            let base = [250.0 - 60.0 * t, 120.0 + 100.0 * t, 40.0 + 180.0 * t];
            let lift = if ring { 1.0 } else { 0.8 };
            image::Rgb(base.map(|c| (c * lift).min(255.0) as u8))
        }))
    }

    fn cached(&self, image: image::RgbImage) -> MediaRef {
        let (width, height) = image.dimensions();
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
            duration_ms: None,
        }
    }

    fn play(&self, item: ManifestItem) {
        self.play_loop(vec![item]);
    }

    /// Plays a loop of several items.
    fn play_loop(&self, items: Vec<ManifestItem>) {
        let manifest = self.manifest_of(items);
        self.to_app
            .send(SyncMessage::Manifest(Box::new(StoredManifest {
                etag: "\"loop\"".into(),
                manifest,
            })))
            .unwrap();
    }

    fn manifest_of(&self, items: Vec<ManifestItem>) -> Manifest {
        Manifest {
            schema_version: MANIFEST_SCHEMA_VERSION,
            screen_id: Uuid::now_v7(),
            screen_name: "Screen".into(),
            kind: ScreenKind::InformationScreen,
            width: self.size.x,
            height: self.size.y,
            orientation: Orientation::Landscape,
            building_name: "Bibliotheek Ëlzenplein".into(),
            time_zone: "Europe/Brussels".into(),
            poll_interval_s: 10,
            display_hours: None,
            items,
            look: self.look.clone(),
            kiosk: None,
        }
    }

    /// Every frame of the next `frames` updates, each `step` of app time apart.
    fn record(&mut self, frames: usize, step: Duration) -> Vec<RgbaImage> {
        self.app
            .insert_resource(TimeUpdateStrategy::ManualDuration(step));
        let captured: Arc<Mutex<Vec<Image>>> = Arc::default();
        for _ in 0..frames {
            let slot = Arc::clone(&captured);
            self.app
                .world_mut()
                .spawn(Screenshot::image(self.target.clone()))
                .observe(move |event: On<ScreenshotCaptured>| {
                    slot.lock().unwrap().push(event.image.clone());
                });
            self.app.update();
        }
        // The last captures come back over the next frames.
        let deadline = Instant::now() + Duration::from_secs(20);
        while captured.lock().unwrap().len() < frames && Instant::now() < deadline {
            self.app.update();
        }
        let images = std::mem::take(&mut *captured.lock().unwrap());
        images
            .into_iter()
            .map(|image| {
                RgbaImage::from_raw(self.size.x, self.size.y, image.data.expect("pixels"))
                    .expect("RGBA pixels of the target's size")
            })
            .collect()
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
                let for_gallery = !name.contains("before");
                if let (true, Ok(gallery)) = (for_gallery, std::env::var("CIVICAST_GALLERY")) {
                    let scale = 640.0 / self.size.x.max(self.size.y) as f32;
                    let small = image::imageops::resize(
                        &picture,
                        (self.size.x as f32 * scale) as u32,
                        (self.size.y as f32 * scale) as u32,
                        image::imageops::FilterType::Lanczos3,
                    );
                    std::fs::create_dir_all(&gallery).unwrap();
                    image::DynamicImage::ImageRgba8(small)
                        .to_rgb8()
                        .save(PathBuf::from(gallery).join(format!("{name}.jpg")))
                        .unwrap();
                }
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

fn luminance_of(pixel: [u8; 3]) -> f32 {
    civicast_shared::colour::luminance(pixel.map(|c| f32::from(c) / 255.0))
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

const SHORT_TITLE: &str = "Noël!";
/// 120 characters, with é, ë, ç, ß, ł and ğ.
const LONG_TITLE: &str = "Groot nieuwjaarsconcert van de Harmonie Sint-Cécilia: Noël, Façade-klanken, \
    Straßenmusik en Łódź-jazz met Doğan op de ğ";

fn event(title: &str, with_link: bool) -> EventCard {
    EventCard {
        title: title.into(),
        description: "Open repetitie met gastsolisten; iedereen welkom, de toegang is gratis."
            .into(),
        // Tuesday 24 November 2026, 19:30 - 22:30 in Brussels: "morgen" on the Monday the
        // scenes run.
        starts_at: Utc.with_ymd_and_hms(2026, 11, 24, 18, 30, 0).unwrap(),
        ends_at: Utc.with_ymd_and_hms(2026, 11, 24, 21, 30, 0).unwrap(),
        venue: "Cultuurcentrum, Ëlzenplein 4, Kortrijk".into(),
        category: EventCategory::Youth,
        link: with_link.then(|| "https://harmonie.example/noel".into()),
        organiser: "Koninklijke Harmonie Sint-Cécilia".into(),
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
        sound: false,
    }
}

/// A text block as rendered: its role, words, the node's rectangle and the laid-out text's size.
struct Rendered {
    role: civicast_shared::layout::Role,
    text: String,
    node: Rect,
    text_size: Vec2,
}

fn rendered_blocks(scene: &mut Scene) -> Vec<Rendered> {
    let world = scene.app.world_mut();
    let mut query = world.query::<(
        &CardText,
        &Text,
        &bevy::ui::ComputedNode,
        &bevy::ui::UiGlobalTransform,
        &bevy::text::TextLayoutInfo,
    )>();
    query
        .iter(world)
        .map(|(role, text, node, transform, layout)| Rendered {
            role: role.0,
            text: text.0.clone(),
            node: Rect::from_center_size(transform.translation, node.size()),
            text_size: layout.size,
        })
        .collect()
}

/// The WCAG contrast of a text block measured from the pixels of its area: the text's own
/// colour (its brightest pixels for light text, darkest for dark) against the ground, the
/// median pixel (letters and their smoothed edges cover well under half of a text's box).
fn measured_contrast(picture: &RgbaImage, area: Rect, light_text: bool) -> f32 {
    let mut lum: Vec<f32> = Vec::new();
    for y in area.min.y.max(0.0) as u32..(area.max.y as u32).min(picture.height()) {
        for x in area.min.x.max(0.0) as u32..(area.max.x as u32).min(picture.width()) {
            lum.push(luminance_of(rgb(picture, x, y)));
        }
    }
    lum.sort_by(f32::total_cmp);
    let at = |q: f32| lum[((lum.len() - 1) as f32 * q) as usize];
    let ground = at(0.5);
    let text = if light_text { at(0.995) } else { at(0.005) };
    (text.max(ground) + 0.05) / (text.min(ground) + 0.05)
}

/// Every event card layout at one screen size: posters portrait, landscape and none, titles
/// short and long; each checked as a city's designer would.
fn check_event_cards(shape: &str, size: UVec2) {
    use civicast_shared::layout::Role;
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let monday = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    for (poster_name, poster) in [
        ("portrait-poster", Some((1000, 1414))),
        ("landscape-poster", Some((1600, 900))),
        ("no-poster", None),
    ] {
        for (title_name, title) in [("short", SHORT_TITLE), ("long", LONG_TITLE)] {
            let name = format!("{shape}-card-{poster_name}-{title_name}");
            let mut scene = Scene::new(size);
            let mut card = item(PlaylistItemKind::Event, Fit::Fit);
            card.media = poster.map(|(w, h)| scene.cached_poster(w, h));
            card.event = Some(event(title, true));
            let event = card.event.clone().unwrap();
            scene.play(card);
            let picture = scene.capture(&name, is_item);

            // The same plan the player drew from (the poster decodes at its own size here).
            let output = OutputSize(size);
            let poster_size = poster.map(|(w, h)| UVec2::new(w, h));
            let tz = chrono_tz::Europe::Brussels;
            let plan = plan_for(&event, output, poster_size, true, &tz, monday);
            let blocks = rendered_blocks(&mut scene);
            assert!(
                blocks
                    .iter()
                    .any(|b| b.role == Role::Title && !b.text.is_empty()),
                "{name}: a title is shown"
            );
            for block in &blocks {
                // Every letter is drawn by a font of the screens: no missing-glyph box.
                let missing = civicast_shared::typeface::missing_glyphs(&block.text);
                assert!(
                    missing.is_empty(),
                    "{name}: {:?} has no glyph for {missing:?}",
                    block.role
                );
                // The laid-out text stays inside its area (a pixel's rounding allowed).
                let area = block.node.size();
                assert!(
                    block.text_size.x <= area.x + 1.5 && block.text_size.y <= area.y + 1.5,
                    "{name}: {:?} text {:?} overflows its area {area:?}",
                    block.role,
                    block.text_size
                );
                let screen = Rect::new(0.0, 0.0, size.x as f32, size.y as f32);
                assert!(
                    screen.contains(block.node.min) && screen.contains(block.node.max - 1.0),
                    "{name}: {:?} at {:?} is off the screen",
                    block.role,
                    block.node
                );
                // Not over the QR code or the poster.
                for other in [plan.qr, plan.poster].into_iter().flatten() {
                    let other = Rect::new(other.x, other.y, other.right(), other.bottom());
                    let overlap = block.node.intersect(other);
                    assert!(
                        overlap.is_empty() || overlap.width() < 1.0 || overlap.height() < 1.0,
                        "{name}: {:?} lies over {other:?}",
                        block.role
                    );
                }
                // Contrast, from the rendered pixels.
                let light = !matches!(
                    block.role,
                    Role::Near | Role::LeafWeekday | Role::LeafDay | Role::LeafMonth
                );
                let text_area = Rect::from_corners(
                    block.node.min,
                    block.node.min + block.text_size.min(block.node.size()),
                );
                let ratio = measured_contrast(&picture, text_area, light);
                let least = block.role.least_contrast();
                assert!(
                    ratio >= least,
                    "{name}: {:?} {:?} has contrast {ratio:.2} < {least}",
                    block.role,
                    block.text
                );
            }
            // The QR code is whole: only black and white modules in its square.
            if let Some(qr) = plan.qr {
                let (mut dark, mut light, mut other) = (0, 0, 0);
                for y in (qr.y as u32 + 1)..(qr.bottom() as u32 - 1) {
                    for x in (qr.x as u32 + 1)..(qr.right() as u32 - 1) {
                        let p = rgb(&picture, x, y);
                        if p.iter().all(|c| *c < 40) {
                            dark += 1;
                        } else if p.iter().all(|c| *c > 215) {
                            light += 1;
                        } else {
                            other += 1;
                        }
                    }
                }
                assert!(dark > 100 && light > 100, "{name}: the QR code is drawn");
                assert!(
                    other * 20 < dark + light,
                    "{name}: something else is drawn over the QR code ({other} pixels)"
                );
            }
            // The poster shows whole, and no black bars: every corner of the screen is lit by
            // the backdrop or the card's ground.
            if let Some(area) = plan.poster {
                let centre = rgb(
                    &picture,
                    (area.x + area.w / 2.0) as u32,
                    (area.y + area.h * 0.1) as u32,
                );
                assert!(
                    luminance_of(centre) > 0.2,
                    "{name}: the poster shows: {centre:?}"
                );
            }
            for (x, y) in [
                (1, 1),
                (size.x - 2, 1),
                (1, size.y - 2),
                (size.x - 2, size.y - 2),
            ] {
                let corner = rgb(&picture, x, y);
                assert!(corner != [0, 0, 0], "{name}: a black bar at ({x},{y})");
            }
        }
    }
}

#[test]
fn event_cards_at_full_hd() {
    check_event_cards("1920x1080", FULL_HD);
}

#[test]
fn event_cards_on_portrait_screens() {
    check_event_cards("1080x1920", PORTRAIT);
}

#[test]
fn event_cards_on_led_walls() {
    check_event_cards("1536x384", LED_WALL);
}

#[test]
fn event_cards_on_square_walls() {
    check_event_cards("768x768", SQUARE);
}

#[test]
fn event_cards_at_4k() {
    check_event_cards("3840x2160", UHD);
}

/// The screens around the programme, and slides, at each shape.
fn check_other_screens(shape: &str, size: UVec2) {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let blue = color_bytes(BACKGROUND);

    // The pairing code, large, on the city's blue, with a QR code to where it is entered.
    let mut scene = Scene::new(size);
    scene.pair("K7Q4MX");
    let pairing = scene.capture(&format!("{shape}-pairing"), |s| *s == Screen::Pairing);
    assert!(
        close(rgb(&pairing, 2, 2), blue),
        "{shape}: {:?}",
        rgb(&pairing, 2, 2)
    );
    assert!(
        white_pixels(&pairing, (0.0, 0.0), (1.0, 1.0)) > 2000,
        "{shape}: the code and the QR code are drawn"
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
    if size.x != size.y {
        let edge = if size.x > size.y {
            (2, size.y / 2)
        } else {
            (size.x / 2, 2)
        };
        assert!(
            !close(rgb(&fitted, edge.0, edge.1), RED),
            "{shape}: a square image is not stretched to the edge"
        );
    }

    // Never connected: the screen says which server it looks for (no product name).
    let mut scene = Scene::new(size);
    let connecting = scene.capture(&format!("{shape}-connecting"), |s| {
        *s == Screen::DefaultSlide
    });
    assert!(
        white_pixels(&connecting, (0.0, 0.0), (1.0, 1.0)) > 500,
        "{shape}: words shown"
    );

    // Connected, nothing scheduled now: the building's own quiet slide, with this week's
    // events (this one's promotion waits for the weekend, its concert is tomorrow).
    let mut scene = Scene::new(size);
    let mut later = item(PlaylistItemKind::Event, Fit::Fit);
    later.event = Some(event(SHORT_TITLE, false));
    later.schedule.weekdays = vec![chrono::Weekday::Sat, chrono::Weekday::Sun];
    scene.play_loop(vec![later]);
    for _ in 0..5 {
        scene.app.update();
    }
    let idle = scene.capture(&format!("{shape}-idle"), |s| *s == Screen::DefaultSlide);
    assert!(
        white_pixels(&idle, (0.0, 0.0), (1.0, 1.0)) > 500,
        "{shape}: words shown"
    );
    assert_ne!(
        connecting.as_raw(),
        idle.as_raw(),
        "{shape}: the idle slide replaced the connecting screen"
    );

    // An emergency message over everything: sign, heading, message and time.
    let mut scene = Scene::new(size);
    scene.play_loop(Vec::new());
    scene.capture(&format!("{shape}-before-emergency"), |s| {
        *s == Screen::DefaultSlide
    });
    scene
        .app
        .world_mut()
        .insert_resource(civicast_player::emergency::Emergency(Some(
            civicast_shared::api::emergency::EmergencyMessage {
                id: Uuid::now_v7(),
                text: "Brand in het stadhuis: verlaat het gebouw via de nooduitgangen".into(),
                building_id: None,
                media_id: None,
                media: None,
                created_at: Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
            },
        )));
    let alarm = scene.capture(&format!("{shape}-emergency"), |_| true);
    let red = color_bytes(civicast_player::emergency::EMERGENCY_RED);
    assert!(
        close(rgb(&alarm, 2, 2), red),
        "{shape}: {:?}",
        rgb(&alarm, 2, 2)
    );
    assert!(
        white_pixels(&alarm, (0.0, 0.0), (1.0, 1.0)) > 500,
        "{shape}: words shown"
    );

    // An announcement: its words, large, inside the screen.
    let mut scene = Scene::new(size);
    let mut note = item(PlaylistItemKind::Announcement, Fit::Fit);
    note.text = Some("De bibliotheek is zaterdag gesloten wegens inventaris".into());
    scene.play(note);
    let announced = scene.capture(&format!("{shape}-announcement"), is_item);
    assert!(
        white_pixels(&announced, (0.0, 0.0), (1.0, 1.0)) > 500,
        "{shape}: words shown"
    );
    let edge_white = (0..size.y)
        .filter(|y| rgb(&announced, size.x - 1, *y).iter().all(|c| *c > 200))
        .count();
    assert_eq!(
        edge_white, 0,
        "{shape}: the announcement runs off the screen"
    );
}

/// The mean linear luminance of a frame, 0 to 1.
fn mean_luminance(image: &RgbaImage) -> f32 {
    let pixels = image.pixels().step_by(7);
    let (sum, count) = pixels.fold((0.0, 0), |(sum, count), p| {
        (sum + luminance_of([p[0], p[1], p[2]]), count + 1)
    });
    sum / count as f32
}

#[test]
fn a_change_of_item_never_shows_a_dark_frame_nor_two_texts_at_once() {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let size = UVec2::new(960, 540);
    let mut scene = Scene::new(size);
    let mut card = item(PlaylistItemKind::Event, Fit::Fit);
    card.media = Some(scene.cached_poster(1000, 1414));
    card.event = Some(event(SHORT_TITLE, true));
    card.duration_ms = 2_000;
    let mut note = item(PlaylistItemKind::Announcement, Fit::Fit);
    note.text = Some("De bibliotheek is zaterdag gesloten".into());
    note.duration_ms = 60_000;
    scene.play_loop(vec![card, note]);
    scene.capture("transition-before", is_item);
    // From inside the card's slot through the change to the announcement, every 40 ms.
    let frames = scene.record(60, Duration::from_millis(40));
    let means: Vec<f32> = frames.iter().map(mean_luminance).collect();
    let (before, after) = (means[0], *means.last().unwrap());
    assert!(
        (before - after).abs() > 0.001,
        "the two items differ: {before} {after}"
    );
    let changing: Vec<usize> = (1..means.len())
        .filter(|i| (means[*i] - means[i - 1]).abs() > 1e-4)
        .collect();
    assert!(
        changing.len() >= 5,
        "the change was caught over several frames: {means:?}"
    );
    let dimmer = before.min(after);
    for (index, mean) in means.iter().enumerate() {
        assert!(
            *mean >= dimmer * 0.97,
            "frame {index} is darker than both items ({mean} < {before} and {after}): {means:?}"
        );
        let black = frames[index]
            .pixels()
            .step_by(7)
            .filter(|p| p[0] < 8 && p[1] < 8 && p[2] < 8)
            .count();
        assert!(
            black * 7 * 20 < (size.x * size.y) as usize,
            "frame {index} is mostly black"
        );
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    for (index, frame) in frames.iter().enumerate().filter(|(i, _)| i % 4 == 0) {
        frame
            .save(dir.join(format!("transition-{index:02}.png")))
            .unwrap();
    }
}

#[test]
fn the_citys_own_colours_name_and_logo_are_used() {
    use civicast_shared::colour::{css_hex, parse_hex};
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let size = UVec2::new(960, 540);
    let green = [20, 110, 60];
    let mut scene = Scene::new(size);
    scene.look = civicast_shared::api::device::Look {
        city_name: Some("Stad Kortrijk".into()),
        accent: Some("#7fd1ff".into()),
        ground: Some("#1b3a2a".into()),
        logo: Some(scene.cached_png(400, 200, green)),
    };
    scene.play_loop(Vec::new());
    for _ in 0..5 {
        scene.app.update();
    }
    let idle = scene.capture("city-look-idle", |s| *s == Screen::DefaultSlide);
    let ground = parse_hex("#1b3a2a")
        .unwrap()
        .map(|c| (c * 255.0).round() as u8);
    assert!(
        close(rgb(&idle, 2, 2), ground),
        "the city's ground: {:?}",
        rgb(&idle, 2, 2)
    );
    let logo = idle
        .pixels()
        .filter(|p| close([p[0], p[1], p[2]], green))
        .count();
    assert!(logo > 5000, "the city's logo is shown ({logo} pixels)");

    // A card without a poster: its date leaf in the city's accent.
    let mut scene = Scene::new(size);
    scene.look.accent = Some("#7fd1ff".into());
    let mut card = item(PlaylistItemKind::Event, Fit::Fit);
    card.event = Some(event(SHORT_TITLE, false));
    scene.play(card);
    let picture = scene.capture("city-look-card", is_item);
    let accent = parse_hex("#7fd1ff")
        .unwrap()
        .map(|c| (c * 255.0).round() as u8);
    let leaf = picture
        .pixels()
        .filter(|p| close([p[0], p[1], p[2]], accent))
        .count();
    assert!(
        leaf > 5000,
        "the leaf is in {} ({leaf} pixels)",
        css_hex(parse_hex("#7fd1ff").unwrap())
    );
}

#[test]
fn pairing_slides_and_announcements_at_full_hd() {
    check_other_screens("1920x1080", FULL_HD);
}

#[test]
fn pairing_slides_and_announcements_on_portrait_screens() {
    check_other_screens("1080x1920", PORTRAIT);
}

#[test]
fn pairing_slides_and_announcements_on_led_walls() {
    check_other_screens("1536x384", LED_WALL);
}
