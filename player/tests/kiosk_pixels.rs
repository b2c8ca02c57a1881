//! Pixel tests of the kiosk view: the player's own plugins render offscreen (lavapipe when there
//! is no GPU) at 1080x1920 and 1920x1080, a kiosk manifest fed as the sync thread would; every
//! page (what's on, an event with its QR code, the map, the services with a search and the
//! keyboard, a service) in Dutch, French, English and German, opened with the same actions the
//! buttons send (the end-to-end test touches the real buttons). Each page is checked as a
//! visitor would: every letter drawn, no text outside its box or the screen, contrast measured
//! from the rendered pixels, every touch target at least 9 mm on the glass. Every image is saved
//! under `target/tmp/screenshots/kiosk-*.png`.

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
use bevy::ui::{ComputedNode, UiGlobalTransform};
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;
use chrono::{NaiveTime, TimeZone, Utc, Weekday};
use civicast_player::kiosk::pictures::KioskPictures;
use civicast_player::kiosk::view::{
    AttractHint, HereMarker, KioskRoot, KioskText, LargeQr, QrPanel,
};
use civicast_player::kiosk::{Kiosk, KioskAction, KioskButton, Page, Section, min_target_px};
use civicast_player::net::storage::StoredManifest;
use civicast_player::playback::{CacheDir, WallClock};
use civicast_player::render::OutputSize;
use civicast_player::sync::{AppRequest, SyncMessage, test_channels};
use civicast_shared::api::device::{MANIFEST_SCHEMA_VERSION, Manifest, ManifestItem, MediaRef};
use civicast_shared::api::events::{AudienceSegment, EventCategory};
use civicast_shared::api::kiosk::{
    CityService, KioskContent, KioskEvent, KioskLanguage, KioskMap, MapPoint, PointOfInterest,
};
use civicast_shared::api::places::{Orientation, ScreenKind};
use civicast_shared::api::playlists::{Fit, PlaylistItemKind};
use civicast_shared::schedule::{OpeningHours, Schedule};
use image::RgbaImage;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One renderer at a time: they share two cores.
static RENDERER: Mutex<()> = Mutex::new(());

const PORTRAIT: UVec2 = UVec2::new(1080, 1920);
const LANDSCAPE: UVec2 = UVec2::new(1920, 1080);
/// A 43-inch kiosk.
const DIAGONAL_MM: u32 = 1092;

struct Scene {
    app: App,
    to_app: Sender<SyncMessage>,
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
        app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            100,
        )))
        .insert_resource(WallClock::StartingAt(monday()))
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

    /// A bright poster with rings.
    fn poster(&self, width: u32, height: u32, hue: [f32; 3]) -> MediaRef {
        let (w, h) = (width as f32, height as f32);
        self.cached(image::RgbImage::from_fn(width, height, |x, y| {
            let (dx, dy) = (x as f32 - w * 0.5, y as f32 - h * 0.4);
            let ring = (((dx * dx + dy * dy).sqrt() / (0.06 * w.min(h))) as u32).is_multiple_of(2);
            let lift = if ring { 1.0 } else { 0.7 };
            image::Rgb(hue.map(|c| (c * 255.0 * lift) as u8))
        }))
    }

    /// A town map: green blocks between pale streets, a river.
    fn map(&self) -> MediaRef {
        self.cached(image::RgbImage::from_fn(1600, 1000, |x, y| {
            let street = x % 200 < 24 || y % 160 < 20 || (x + y) % 420 < 18;
            let river = (y as i32 - 700 - (x as i32 / 12)).abs() < 30;
            image::Rgb(if river {
                [140, 190, 230]
            } else if street {
                [250, 248, 240]
            } else {
                [205, 228, 200]
            })
        }))
    }

    fn send(&self, manifest: Manifest) {
        self.to_app
            .send(SyncMessage::Manifest(Box::new(StoredManifest {
                etag: "\"kiosk\"".into(),
                manifest,
            })))
            .unwrap();
    }

    fn act(&mut self, action: KioskAction) {
        self.app.world_mut().write_message(action);
        self.app.update();
    }

    /// Runs frames until the view is built and its pictures are decoded, then captures it.
    fn capture(&mut self, name: &str) -> RgbaImage {
        let deadline = Instant::now() + Duration::from_secs(30);
        for _ in 0..3 {
            self.app.update();
        }
        while self.app.world().resource::<KioskPictures>().waiting() {
            assert!(Instant::now() < deadline, "{name}: the pictures never came");
            std::thread::sleep(Duration::from_millis(20));
            self.app.update();
        }
        for _ in 0..3 {
            self.app.update();
        }
        let captured: Arc<Mutex<Option<Image>>> = Arc::default();
        let slot = Arc::clone(&captured);
        self.app
            .world_mut()
            .spawn(Screenshot::image(self.target.clone()))
            .observe(move |event: On<ScreenshotCaptured>| {
                *slot.lock().unwrap() = Some(event.image.clone());
            });
        loop {
            self.app.update();
            if let Some(image) = captured.lock().unwrap().take() {
                let data = image.data.expect("screenshot pixels");
                let picture = RgbaImage::from_raw(self.size.x, self.size.y, data)
                    .expect("RGBA pixels of the target's size");
                let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
                std::fs::create_dir_all(&dir).unwrap();
                picture.save(dir.join(format!("kiosk-{name}.png"))).unwrap();
                return picture;
            }
            assert!(Instant::now() < deadline, "{name}: no screenshot arrived");
        }
    }
}

/// Monday 23 November 2026, 09:00 in Brussels.
fn monday() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

fn rgb(image: &RgbaImage, x: u32, y: u32) -> [u8; 3] {
    let p = image.get_pixel(x, y).0;
    [p[0], p[1], p[2]]
}

fn luminance_of(pixel: [u8; 3]) -> f32 {
    civicast_shared::colour::luminance(pixel.map(|c| f32::from(c) / 255.0))
}

/// The WCAG contrast of a text measured from the pixels of its area: the text's own colour (its
/// brightest pixels for light text, darkest for dark) against the ground, the median pixel.
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

fn rect_of(node: &ComputedNode, transform: &UiGlobalTransform) -> Rect {
    Rect::from_center_size(transform.translation, node.size())
}

fn slide() -> ManifestItem {
    ManifestItem {
        id: Uuid::now_v7(),
        kind: PlaylistItemKind::Slide,
        duration_ms: 60_000,
        fit: Fit::Fill,
        schedule: Schedule::default(),
        media: None,
        text: None,
        event: None,
        sound: false,
    }
}

fn hours(days: &[Weekday], from: u32, to: u32) -> OpeningHours {
    OpeningHours {
        weekdays: days.to_vec(),
        start: NaiveTime::from_hms_opt(from, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(to, 0, 0).unwrap(),
    }
}

/// A city's kiosk: a loop of one red slide, eight events, a map with four places, six services.
fn kiosk_manifest(scene: &Scene) -> Manifest {
    let mut red = slide();
    red.media = Some(scene.cached(image::RgbImage::from_pixel(
        960,
        960,
        image::Rgb([200, 40, 40]),
    )));
    let at = |days: i64, hour: i64| {
        monday() + chrono::Duration::days(days) + chrono::Duration::hours(hour)
    };
    let event = |title: &str,
                 days: i64,
                 category: EventCategory,
                 audiences: &[AudienceSegment],
                 poster: Option<MediaRef>| KioskEvent {
        id: Uuid::now_v7(),
        title: title.into(),
        description: "Een avond vol muziek en verhalen voor jong en oud. De toegang is gratis, \
                      reserveren kan aan de balie van het cultuurcentrum of online. Na afloop \
                      is er een drankje in de foyer; de zaal is toegankelijk met een rolstoel."
            .into(),
        starts_at: at(days, 10),
        ends_at: at(days, 13),
        venue: "Cultuurcentrum, Ëlzenplein 4, Kortrijk".into(),
        category,
        target_audiences: audiences.to_vec(),
        organiser: "Koninklijke Harmonie Sint-Cécilia".into(),
        poster,
        public_url: "http://127.0.0.1:8080/agenda/harmonie-noel".into(),
    };
    let events = vec![
        event(
            "Groot nieuwjaarsconcert van de Harmonie Sint-Cécilia: Noël, Façade-klanken, \
             Straßenmusik en Łódź-jazz met Doğan",
            0,
            EventCategory::Music,
            &[AudienceSegment::Families, AudienceSegment::Culture],
            Some(scene.poster(1000, 1414, [0.95, 0.6, 0.2])),
        ),
        event(
            "Kerstmarkt op de Grote Markt",
            1,
            EventCategory::City,
            &[AudienceSegment::Tourists, AudienceSegment::Families],
            Some(scene.poster(1600, 900, [0.2, 0.6, 0.9])),
        ),
        event(
            "Voorleesuur in de bib",
            2,
            EventCategory::Youth,
            &[AudienceSegment::Youth],
            None,
        ),
        event(
            "Seniorenfeest met dans",
            3,
            EventCategory::Seniors,
            &[AudienceSegment::Seniors],
            Some(scene.poster(1000, 1000, [0.7, 0.3, 0.8])),
        ),
        event(
            "Stadsloop Kortrijk",
            5,
            EventCategory::Sports,
            &[AudienceSegment::Sports],
            Some(scene.poster(1000, 1414, [0.3, 0.8, 0.4])),
        ),
        event(
            "Expo: Façades van de Leie",
            5,
            EventCategory::Culture,
            &[AudienceSegment::Culture, AudienceSegment::Tourists],
            None,
        ),
        event("Repair café", 6, EventCategory::Community, &[], None),
        event(
            "Infoavond voor nieuwkomers",
            9,
            EventCategory::Education,
            &[AudienceSegment::Newcomers],
            None,
        ),
    ];
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let point = |name: &str, x: u16, y: u16, directions: &str, opening: Vec<OpeningHours>| {
        PointOfInterest {
            name: name.into(),
            at: MapPoint { x, y },
            directions: directions.into(),
            opening_hours: opening,
        }
    };
    let map = KioskMap {
        image: scene.map(),
        here: MapPoint { x: 420, y: 610 },
        points: vec![
            point(
                "Toerisme Kortrijk (Begijnhofpark)",
                640,
                300,
                "Steek het plein over, tweede straat links, na 300 m rechts in het park",
                vec![
                    hours(&weekdays, 9, 17),
                    hours(&[Weekday::Sat, Weekday::Sun], 10, 12),
                ],
            ),
            point(
                "Stadhuis",
                520,
                420,
                "Rechtdoor over de Grote Markt, 200 m",
                vec![hours(&weekdays, 9, 12)],
            ),
            point(
                "Station",
                200,
                850,
                "Volg de Leie naar het zuiden, 10 minuten",
                Vec::new(),
            ),
            point(
                "Bibliotheek Ëlzenplein",
                860,
                700,
                "Over de brug en dan rechts",
                vec![hours(&weekdays, 10, 19)],
            ),
        ],
    };
    let service = |name: &str, purpose: &str, web: Option<&str>| CityService {
        id: Uuid::now_v7(),
        name: name.into(),
        identifier: Some("IPDC-1234".into()),
        purpose: purpose.into(),
        place: "Stadhuis, Grote Markt 54".into(),
        desk: Some("Loket Burgerzaken 3".into()),
        hours: Some("ma–vr 9:00–12:00, wo 14:00–19:00".into()),
        phone: Some("+32 56 27 00 00".into()),
        web_url: web.map(Into::into),
    };
    let services = vec![
        service(
            "Afvalkalender en containerpark",
            "Wanneer het afval opgehaald wordt",
            None,
        ),
        service(
            "Café- en terrasvergunning",
            "Een terras voor je zaak aanvragen",
            Some("http://127.0.0.1:8080/terras"),
        ),
        service(
            "Huwelijk en geregistreerd partnerschap",
            "Trouwen of samenwonen laten registreren",
            None,
        ),
        service(
            "Identiteitskaart (eID)",
            "Een nieuwe eID voor inwoners vanaf 12 jaar",
            Some("http://127.0.0.1:8080/eid"),
        ),
        service(
            "Parkeerkaart voor bewoners",
            "Parkeren in de blauwe zone bij je woning",
            None,
        ),
        service(
            "Paspoort aanvragen",
            "Een reispas voor reizen buiten Europa",
            Some("http://127.0.0.1:8080/paspoort"),
        ),
    ];
    Manifest {
        schema_version: MANIFEST_SCHEMA_VERSION,
        screen_id: Uuid::now_v7(),
        screen_name: "Zuil station".into(),
        kind: ScreenKind::Kiosk,
        width: scene.size.x,
        height: scene.size.y,
        orientation: if scene.size.x > scene.size.y {
            Orientation::Landscape
        } else {
            Orientation::Portrait
        },
        building_name: "Stationsplein".into(),
        time_zone: "Europe/Brussels".into(),
        poll_interval_s: 10,
        display_hours: None,
        items: vec![red],
        look: civicast_shared::api::device::Look {
            city_name: Some("Stad Kortrijk".into()),
            ..Default::default()
        },
        kiosk: Some(KioskContent {
            idle_timeout_s: 600,
            diagonal_mm: DIAGONAL_MM,
            events,
            map: Some(map),
            services,
        }),
    }
}

/// The checks every page passes: letters drawn, texts inside their boxes and the screen,
/// contrast from the pixels, touch targets of at least 9 mm.
fn check_page(scene: &mut Scene, picture: &RgbaImage, name: &str, only_in_qr_panel: bool) {
    let size = scene.size;
    let least_target = min_target_px(size, DIAGONAL_MM);
    let world = scene.app.world_mut();
    // While a QR code is shown large, the page under its shade is out of play: only the card
    // with the code is read.
    let panel: Option<Entity> = world
        .query_filtered::<Entity, With<QrPanel>>()
        .iter(world)
        .next();
    let mut in_panel: Vec<Entity> = Vec::new();
    let mut stack: Vec<Entity> = panel.into_iter().collect();
    while let Some(next) = stack.pop() {
        if let Some(children) = world.get::<Children>(next) {
            stack.extend(children.iter());
        }
        in_panel.push(next);
    }
    let mut texts = world.query::<(
        Entity,
        &Text,
        &KioskText,
        &ComputedNode,
        &UiGlobalTransform,
        &bevy::text::TextLayoutInfo,
        &ChildOf,
    )>();
    let mut parents = world.query::<(&ComputedNode, &UiGlobalTransform)>();
    let screen = Rect::new(0.0, 0.0, size.x as f32, size.y as f32);
    let mut count = 0;
    let found: Vec<_> = texts
        .iter(world)
        .map(|(entity, text, kind, node, transform, layout, parent)| {
            (
                entity,
                text.0.clone(),
                *kind,
                rect_of(node, transform),
                layout.size,
                parent.parent(),
            )
        })
        .collect();
    for (entity, words, kind, area, text_size, parent) in found {
        if words.trim().is_empty() {
            continue;
        }
        count += 1;
        let missing = civicast_shared::typeface::missing_glyphs(&words);
        assert!(
            missing.is_empty(),
            "{name}: {words:?} has no glyph for {missing:?}"
        );
        assert!(
            text_size.x <= area.width() + 1.5 && text_size.y <= area.height() + 1.5,
            "{name}: {words:?} ({text_size:?}) overflows its node {area:?}"
        );
        assert!(
            screen.contains(area.min) && screen.contains(area.max - 1.0),
            "{name}: {words:?} at {area:?} is off the screen"
        );
        let (parent_node, parent_transform) = parents.get(world, parent).unwrap();
        let outer = rect_of(parent_node, parent_transform);
        assert!(
            area.min.x >= outer.min.x - 1.5
                && area.min.y >= outer.min.y - 1.5
                && area.max.x <= outer.max.x + 1.5
                && area.max.y <= outer.max.y + 1.5,
            "{name}: {words:?} at {area:?} leaves its box {outer:?}"
        );
        if only_in_qr_panel && !in_panel.contains(&entity) {
            continue;
        }
        let inked = Rect::from_corners(area.min, area.min + text_size.min(area.size()));
        let ratio = measured_contrast(picture, inked, kind.light);
        assert!(
            ratio >= 4.5,
            "{name}: {words:?} has contrast {ratio:.2} < 4.5"
        );
    }
    assert!(count >= 5, "{name}: words are shown ({count})");
    let mut buttons = world.query::<(&KioskButton, &ComputedNode, &UiGlobalTransform)>();
    let mut targets = 0;
    for (button, node, transform) in buttons.iter(world) {
        let area = rect_of(node, transform);
        targets += 1;
        assert!(
            area.width() >= least_target && area.height() >= least_target,
            "{name}: the target of {:?} is {:?}, under 9 mm ({least_target:.0} px)",
            button.0,
            area.size()
        );
        assert!(
            screen.contains(area.min) && screen.contains(area.max - 1.0),
            "{name}: the target of {:?} at {area:?} is off the screen",
            button.0
        );
    }
    assert!(targets >= 8, "{name}: buttons to touch ({targets})");
}

/// The large QR code is whole: black and white modules only.
fn check_qr(scene: &mut Scene, picture: &RgbaImage, name: &str) {
    let world = scene.app.world_mut();
    let area = world
        .query_filtered::<(&ComputedNode, &UiGlobalTransform), With<LargeQr>>()
        .iter(world)
        .next()
        .map(|(node, transform)| rect_of(node, transform))
        .unwrap_or_else(|| panic!("{name}: a QR code is shown"));
    assert!(
        area.width() >= 250.0,
        "{name}: the QR code is large: {area:?}"
    );
    let (mut dark, mut light, mut other) = (0, 0, 0);
    for y in (area.min.y as u32 + 2)..(area.max.y as u32 - 2) {
        for x in (area.min.x as u32 + 2)..(area.max.x as u32 - 2) {
            let p = rgb(picture, x, y);
            if p.iter().all(|c| *c < 40) {
                dark += 1;
            } else if p.iter().all(|c| *c > 215) {
                light += 1;
            } else {
                other += 1;
            }
        }
    }
    assert!(
        dark > 5000 && light > 5000,
        "{name}: the QR code is drawn ({dark} dark, {light} light)"
    );
    assert!(
        other * 50 < dark + light,
        "{name}: the QR code is blurred or covered ({other})"
    );
}

fn check_kiosk(shape: &str, size: UVec2) {
    let _one_at_a_time = RENDERER.lock().unwrap_or_else(|e| e.into_inner());
    let mut scene = Scene::new(size);
    let manifest = kiosk_manifest(&scene);
    let content = manifest.kiosk.clone().unwrap();
    scene.send(manifest);
    for _ in 0..5 {
        scene.app.update();
    }

    // The attract loop: the red slide with the hint in four languages.
    let attract = scene.capture(&format!("{shape}-attract"));
    let centre = rgb(&attract, size.x / 2, size.y / 3);
    assert!(
        centre[0] > 150 && centre[1] < 80,
        "{shape}: the loop plays: {centre:?}"
    );
    let world = scene.app.world_mut();
    let hints = world
        .query_filtered::<(), With<AttractHint>>()
        .iter(world)
        .count();
    assert_eq!(hints, 1, "{shape}: the hint is shown");

    for language in KioskLanguage::ALL {
        let lang = language.as_str();
        scene.act(KioskAction::Open);
        assert!(scene.app.world().resource::<Kiosk>().is_open());
        scene.act(KioskAction::Language(*language));

        let picture = scene.capture(&format!("{shape}-{lang}-whats-on"));
        check_page(
            &mut scene,
            &picture,
            &format!("{shape} {lang} what's on"),
            false,
        );
        let world = scene.app.world_mut();
        let roots = world
            .query_filtered::<(), With<KioskRoot>>()
            .iter(world)
            .count();
        assert_eq!(roots, 1, "{shape}: one view");
        // The view covers the loop: no red left.
        let red = picture
            .pixels()
            .step_by(13)
            .filter(|p| p[0] > 180 && p[1] < 60 && p[2] < 60)
            .count();
        assert_eq!(red, 0, "{shape} {lang}: the loop is covered");

        // Filters: this weekend, music.
        scene.act(KioskAction::Day(Some(
            civicast_player::kiosk::DayFilter::Weekend,
        )));
        scene.act(KioskAction::Category(Some(EventCategory::Culture)));
        let filtered = scene.capture(&format!("{shape}-{lang}-whats-on-filtered"));
        check_page(
            &mut scene,
            &filtered,
            &format!("{shape} {lang} filtered"),
            false,
        );
        scene.act(KioskAction::Day(None));
        scene.act(KioskAction::Category(None));

        let first = content.events[0].id;
        scene.act(KioskAction::OpenEvent(first));
        assert_eq!(
            scene.app.world().resource::<Kiosk>().page,
            Page::Event(first)
        );
        let picture = scene.capture(&format!("{shape}-{lang}-event"));
        check_page(
            &mut scene,
            &picture,
            &format!("{shape} {lang} event"),
            false,
        );

        scene.act(KioskAction::ShowQr);
        let picture = scene.capture(&format!("{shape}-{lang}-event-qr"));
        check_page(
            &mut scene,
            &picture,
            &format!("{shape} {lang} event QR"),
            true,
        );
        check_qr(&mut scene, &picture, &format!("{shape} {lang} event QR"));
        scene.act(KioskAction::HideQr);

        scene.act(KioskAction::Section(Section::Map));
        let picture = scene.capture(&format!("{shape}-{lang}-map"));
        check_page(&mut scene, &picture, &format!("{shape} {lang} map"), false);
        let world = scene.app.world_mut();
        let here = world
            .query_filtered::<(&ComputedNode, &UiGlobalTransform), With<HereMarker>>()
            .iter(world)
            .next()
            .map(|(node, transform)| rect_of(node, transform))
            .expect("a you-are-here marker");
        let dot = rgb(&picture, here.center().x as u32, here.center().y as u32);
        assert!(
            dot[0] > 180 && dot[1] < 60,
            "{shape} {lang}: the marker is red: {dot:?}"
        );
        let street = picture
            .pixels()
            .filter(|p| {
                p[0] > 195 && p[0] < 215 && p[1] > 220 && p[1] < 236 && p[2] > 190 && p[2] < 210
            })
            .count();
        assert!(
            street > 20_000,
            "{shape} {lang}: the map is shown ({street} pixels)"
        );

        scene.act(KioskAction::Section(Section::Services));
        for letter in "pas".chars() {
            scene.act(KioskAction::Key(letter));
        }
        assert_eq!(scene.app.world().resource::<Kiosk>().query, "pas");
        let picture = scene.capture(&format!("{shape}-{lang}-services"));
        check_page(
            &mut scene,
            &picture,
            &format!("{shape} {lang} services"),
            false,
        );
        let world = scene.app.world_mut();
        let results: Vec<Uuid> = world
            .query::<&KioskButton>()
            .iter(world)
            .filter_map(|button| match button.0 {
                KioskAction::OpenService(id) => Some(id),
                _ => None,
            })
            .collect();
        assert_eq!(
            results,
            [content.services[5].id],
            "{shape} {lang}: 'pas' finds the passport"
        );

        scene.act(KioskAction::OpenService(content.services[5].id));
        let picture = scene.capture(&format!("{shape}-{lang}-service"));
        check_page(
            &mut scene,
            &picture,
            &format!("{shape} {lang} service"),
            false,
        );
        check_qr(&mut scene, &picture, &format!("{shape} {lang} service"));

        // Closing forgets everything: the next visitor starts in Dutch, on what's on.
        scene.act(KioskAction::Close);
        let kiosk = scene.app.world().resource::<Kiosk>();
        assert!(!kiosk.is_open());
        assert_eq!(kiosk.language, KioskLanguage::Dutch);
        assert!(kiosk.query.is_empty());
    }
}

#[test]
fn kiosk_pages_on_a_portrait_kiosk() {
    check_kiosk("1080x1920", PORTRAIT);
}

#[test]
fn kiosk_pages_on_a_landscape_kiosk() {
    check_kiosk("1920x1080", LANDSCAPE);
}
