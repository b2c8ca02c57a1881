//! The kiosk view's pages, built from the state whenever something on them changes (a touch, a
//! picture decoded, a new manifest) and drawn once: nothing moves on a page a visitor reads.
//!
//! A top bar in the city's colour holds the place's name, the language switch, "close" and the
//! three sections; the page below is dark ink on light paper. Sizes follow the screen: every
//! touch target at least 9 mm on the glass (and never small on a large one), type large enough
//! to read standing. Texts are wrapped and cut here with the screens' own font metrics, so no
//! text leaves its box.

use bevy::prelude::*;
use bevy::text::LineBreak;
use bevy::window::RequestRedraw;
use chrono::{DateTime, Datelike, Duration as Days, NaiveTime, TimeZone, Utc, Weekday};
use civicast_shared::api::events::{AudienceSegment, EventCategory};
use civicast_shared::api::kiosk::{CityService, KioskContent, KioskEvent, KioskLanguage};
use civicast_shared::api::playlists::Fit;
use civicast_shared::colour::{INK, Rgb, SOFT_TEXT, WHITE};
use civicast_shared::typeface::{self, Weight};

use super::pictures::{KioskPictures, PictureKey};
use super::texts::{self, Texts};
use super::{DayFilter, Kiosk, KioskAction, KioskButton, Page, Section, content_of, search};
use crate::playback::{CacheDir, Playback, WallClock};
use crate::render::look::Palette;
use crate::render::typography::{self, Fonts};
use crate::render::{CityLook, OutputSize, image_node};
use crate::sync::AppWaker;

/// The page's paper, the cards on it, the secondary text and the lines between.
pub const PAPER: Rgb = [0.95, 0.955, 0.965];
pub const SLATE: Rgb = [0.27, 0.3, 0.36];
const LINE: Rgb = [0.72, 0.75, 0.8];

/// Above every loop layer, under the blank screen and an emergency message.
const VIEW_Z: i32 = i32::MAX - 2;
const HINT_Z: i32 = i32::MAX - 3;

/// Side a poster is decoded to cover in the agenda, and on an event's page.
const THUMB_SIDE: u32 = 240;
const POSTER_SIDE: u32 = 900;

/// The kiosk view (one root; built again on every change).
#[derive(Component, Debug)]
pub struct KioskRoot;

/// The "touch to explore" hint over the attract loop.
#[derive(Component, Debug)]
pub struct AttractHint;

/// A text of the view; `light` when it is light on a dark ground.
#[derive(Component, Debug, Clone, Copy)]
pub struct KioskText {
    pub light: bool,
}

/// The "you are here" marker on the map.
#[derive(Component, Debug)]
pub struct HereMarker;

/// A QR code shown large.
#[derive(Component, Debug)]
pub struct LargeQr;

/// The card over the shaded page while an event's QR code is shown large.
#[derive(Component, Debug)]
pub struct QrPanel;

/// Sizes, in pixels, for one screen.
#[derive(Debug, Clone, Copy)]
struct Metrics {
    width: f32,
    height: f32,
    portrait: bool,
    target: f32,
    pad: f32,
    gap: f32,
    body: f32,
    small: f32,
    label: f32,
    heading: f32,
}

impl Metrics {
    fn of(output: OutputSize, diagonal_mm: u32) -> Metrics {
        let (width, height) = (output.0.x.max(1) as f32, output.0.y.max(1) as f32);
        let unit = width.min(height);
        let nine_mm = super::min_target_px(output.0, diagonal_mm).ceil();
        let target = nine_mm.max((unit * 0.072).round());
        Metrics {
            width,
            height,
            portrait: height > width,
            target,
            pad: (unit * 0.03).round(),
            gap: (unit * 0.014).round(),
            body: (unit * 0.029).round(),
            small: (unit * 0.024).round(),
            label: (unit * 0.027).round().min(target * 0.45),
            heading: (unit * 0.045).round(),
        }
    }

    fn line(&self, px: f32) -> f32 {
        (px * typeface::LINE_HEIGHT).ceil()
    }

    /// The top bar's height: two rows of targets.
    fn bar(&self) -> f32 {
        2.0 * self.pad + 2.0 * self.target + self.gap
    }

    /// The page's area below the bar, inside its padding.
    fn page(&self) -> Vec2 {
        Vec2::new(
            self.width - 2.0 * self.pad,
            self.height - self.bar() - 2.0 * self.pad,
        )
    }
}

/// What the builders share.
struct Ui<'a> {
    fonts: &'a Fonts,
    m: Metrics,
    palette: Palette,
    texts: &'static Texts,
}

impl Ui<'_> {
    fn words(&self, text: impl Into<String>, weight: Weight, px: f32, colour: Rgb) -> impl Bundle {
        self.aligned_words(text, weight, px, colour, Justify::Left)
    }

    fn aligned_words(
        &self,
        text: impl Into<String>,
        weight: Weight,
        px: f32,
        colour: Rgb,
        justify: Justify,
    ) -> impl Bundle {
        let light = civicast_shared::colour::luminance(colour) > 0.5;
        (
            Text::new(text),
            typography::style(self.fonts, weight, px, self.m.height, colour),
            TextLayout::new(justify, LineBreak::NoWrap),
            KioskText { light },
        )
    }

    /// A button's node: at least a touch target in both directions.
    fn button_node(&self, width: Option<f32>, height: f32) -> Node {
        Node {
            width: width.map_or(Val::Auto, Val::Px),
            min_width: Val::Px(self.m.target),
            height: Val::Px(height.max(self.m.target)),
            padding: UiRect::horizontal(Val::Px((self.m.target * 0.3).round())),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            border: UiRect::all(Val::Px(3.0)),
            border_radius: BorderRadius::all(Val::Px((self.m.target * 0.16).round())),
            flex_shrink: 0.0,
            overflow: Overflow::clip(),
            ..default()
        }
    }

    /// The inner width of a button of `width` (its padding and border taken off).
    fn inside(&self, width: f32) -> f32 {
        width - 2.0 * (self.m.target * 0.3).round() - 6.0
    }

    /// A toggle's or a tab's width for `label`.
    fn fitted_width(&self, label: &str, weight: Weight, px: f32) -> f32 {
        (typeface::width(label, weight, px) * 1.06 + 2.0 * (self.m.target * 0.3).round() + 6.0)
            .ceil()
            .max(self.m.target)
    }
}

/// `text` on at most `lines` lines of `width`, the last cut with an ellipsis when it goes on.
fn fit_lines(text: &str, weight: Weight, px: f32, width: f32, lines: usize) -> String {
    let width = width * 0.94;
    if lines == 0 || width <= 0.0 {
        return String::new();
    }
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some(mut wrapped) = typeface::wrap(text, weight, px, width) else {
        return typeface::truncate(&one_line, weight, px, width);
    };
    if wrapped.len() > lines {
        wrapped.truncate(lines);
        let last = wrapped.pop().unwrap_or_default();
        wrapped.push(typeface::truncate(&format!("{last} …"), weight, px, width));
    }
    wrapped.join("\n")
}

/// The largest size up to `px` at which `text` fits `width` on one line.
fn fit_px(text: &str, weight: Weight, px: f32, width: f32) -> f32 {
    let at_px = typeface::width(text, weight, px) * 1.06;
    if at_px <= width {
        px
    } else {
        (px * width / at_px).floor()
    }
}

fn colour(rgb: Rgb) -> Color {
    typography::rgb(rgb)
}

/// What the kiosk draws: the view or the hint.
type Drawn = Or<(With<KioskRoot>, With<AttractHint>)>;

/// A filter's name and its choices: label, chosen, what a touch does.
type FilterGroup = (&'static str, Vec<(String, bool, KioskAction)>);

/// Builds the view again when what it shows changed; puts up or takes down the attract hint.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    mut commands: Commands,
    kiosk: Res<Kiosk>,
    playback: Res<Playback>,
    fonts: Res<Fonts>,
    look: Res<CityLook>,
    output: Res<OutputSize>,
    time: Res<Time<Real>>,
    clock: Res<WallClock>,
    cache: Option<Res<CacheDir>>,
    waker: Option<Res<AppWaker>>,
    mut pictures: ResMut<KioskPictures>,
    mut images: ResMut<Assets<Image>>,
    roots: Query<Entity, Drawn>,
    mut shown_for: Local<Option<(Option<String>, bool)>>,
    mut again: Local<bool>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let manifest = playback.manifest();
    let content = manifest.and_then(content_of);
    let key = (
        playback.manifest_etag().map(str::to_owned),
        content.is_some(),
    );
    let changed = std::mem::take(&mut *again)
        || kiosk.is_changed()
        || pictures.is_changed()
        || output.is_changed()
        || look.is_changed()
        || shown_for.as_ref() != Some(&key);
    if !changed {
        return;
    }
    *shown_for = Some(key);
    for root in &roots {
        commands.entity(root).despawn();
    }
    let (Some(manifest), Some(content)) = (manifest, content) else {
        return;
    };
    let ui = Ui {
        fonts: &fonts,
        m: Metrics::of(*output, content.diagonal_mm),
        palette: look.palette,
        texts: texts::of(kiosk.language),
    };
    if !kiosk.is_open() {
        attract_hint(&mut commands, &ui);
        redraw.write(RequestRedraw);
        return;
    }
    let now = clock.now(&time);
    let tz = manifest.tz();
    let place = look
        .city_name
        .clone()
        .unwrap_or_else(|| manifest.building_name.clone());
    let mut wanted = Wants::default();
    commands
        .spawn((
            KioskRoot,
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(0.0),
                top: Val::Px(0.0),
                width: Val::Percent(100.0),
                height: Val::Percent(100.0),
                flex_direction: FlexDirection::Column,
                overflow: Overflow::clip(),
                ..default()
            },
            BackgroundColor(colour(PAPER)),
            GlobalZIndex(VIEW_Z),
        ))
        .with_children(|root| {
            top_bar(root, &ui, &kiosk, &place);
            root.spawn(Node {
                flex_grow: 1.0,
                padding: UiRect::all(Val::Px(ui.m.pad)),
                flex_direction: FlexDirection::Column,
                row_gap: Val::Px(ui.m.gap),
                overflow: Overflow::clip(),
                ..default()
            })
            .with_children(|page| {
                let pictures = &*pictures;
                match kiosk.page {
                    Page::WhatsOn => {
                        whats_on(page, &ui, &kiosk, content, now, &tz, pictures, &mut wanted)
                    }
                    // An event or a service a new manifest took away leaves its list.
                    Page::Event(id) => match content.events.iter().find(|e| e.id == id) {
                        Some(event) => event_page(page, &ui, event, &tz, pictures, &mut wanted),
                        None => {
                            whats_on(page, &ui, &kiosk, content, now, &tz, pictures, &mut wanted)
                        }
                    },
                    Page::Map => map_page(page, &ui, content, pictures, &mut wanted),
                    Page::Services => services_page(page, &ui, &kiosk, content),
                    Page::Service(id) => match content.services.iter().find(|s| s.id == id) {
                        Some(service) => service_page(page, &ui, service, pictures, &mut wanted),
                        None => services_page(page, &ui, &kiosk, content),
                    },
                }
            });
            if kiosk.qr
                && let Page::Event(id) = kiosk.page
                && let Some(event) = content.events.iter().find(|e| e.id == id)
            {
                let qr = wanted.qr(&pictures, &event.public_url);
                large_qr(root, &ui, qr);
            }
        });
    pictures.bypass_change_detection().ask(
        &wanted.pictures,
        &wanted.links,
        cache.as_deref(),
        waker.as_deref(),
        &mut images,
    );
    // QR codes are made at once: they show when the page is built again, next frame (a
    // system does not see its own changes).
    if wanted.missing_qr && wanted.links.iter().any(|link| pictures.qr(link).is_some()) {
        *again = true;
    }
    redraw.write(RequestRedraw);
}

/// The pictures and QR codes a page asked for.
#[derive(Default)]
struct Wants {
    pictures: Vec<PictureKey>,
    links: Vec<String>,
    /// A QR code was wanted and not there yet.
    missing_qr: bool,
}

impl Wants {
    fn picture(
        &mut self,
        pictures: &KioskPictures,
        sha256: &str,
        side: u32,
    ) -> Option<(Handle<Image>, UVec2)> {
        let found = pictures.get(sha256, side);
        if found.is_none() {
            self.pictures.push((sha256.to_owned(), side));
        }
        found
    }

    fn qr(&mut self, pictures: &KioskPictures, link: &str) -> Option<Handle<Image>> {
        let found = pictures.qr(link);
        if found.is_none() {
            self.links.push(link.to_owned());
            self.missing_qr = true;
        }
        found
    }
}

fn attract_hint(commands: &mut Commands, ui: &Ui) {
    let px = ui.m.small;
    let width = ui.m.width * 0.9;
    let words = fit_lines(texts::TOUCH_TO_EXPLORE, Weight::SemiBold, px, width, 2);
    commands
        .spawn((
            AttractHint,
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(0.0),
                bottom: Val::Px(ui.m.pad),
                width: Val::Percent(100.0),
                justify_content: JustifyContent::Center,
                ..default()
            },
            GlobalZIndex(HINT_Z),
        ))
        .with_children(|bar| {
            bar.spawn((
                Node {
                    padding: UiRect::axes(Val::Px(ui.m.pad), Val::Px(ui.m.gap)),
                    border_radius: BorderRadius::all(Val::Px(ui.m.target)),
                    ..default()
                },
                BackgroundColor(colour(INK).with_alpha(0.78)),
            ))
            .with_children(|pill| {
                pill.spawn(ui.aligned_words(words, Weight::SemiBold, px, WHITE, Justify::Center));
            });
        });
}

fn top_bar(root: &mut ChildSpawnerCommands, ui: &Ui, kiosk: &Kiosk, place: &str) {
    let m = ui.m;
    let texts = ui.texts;
    root.spawn((
        Node {
            flex_direction: FlexDirection::Column,
            padding: UiRect::all(Val::Px(m.pad)),
            row_gap: Val::Px(m.gap),
            flex_shrink: 0.0,
            ..default()
        },
        BackgroundColor(colour(ui.palette.ground)),
    ))
    .with_children(|bar| {
        let language_width = ui
            .fitted_width("NL", Weight::Bold, m.label)
            .max(m.target * 1.2);
        let close_width = ui.fitted_width(texts.close, Weight::SemiBold, m.label);
        let name_width =
            m.width - 2.0 * m.pad - 4.0 * (language_width + m.gap) - close_width - 2.0 * m.gap;
        bar.spawn(Node {
            height: Val::Px(m.target),
            align_items: AlignItems::Center,
            column_gap: Val::Px(m.gap),
            ..default()
        })
        .with_children(|row| {
            let px = m.heading.min(m.target * 0.6);
            row.spawn(Node {
                flex_grow: 1.0,
                overflow: Overflow::clip(),
                ..default()
            })
            .with_children(|name| {
                name.spawn(ui.words(
                    typeface::truncate(place, Weight::Bold, px, name_width * 0.94),
                    Weight::Bold,
                    px,
                    WHITE,
                ));
            });
            for language in KioskLanguage::ALL {
                let chosen = *language == kiosk.language;
                let (ground, ink) = if chosen {
                    (colour(ui.palette.accent), INK)
                } else {
                    (Color::NONE, WHITE)
                };
                row.spawn((
                    Button,
                    KioskButton(KioskAction::Language(*language)),
                    ui.button_node(Some(language_width), m.target),
                    BackgroundColor(ground),
                    BorderColor::all(colour(if chosen { ui.palette.accent } else { SOFT_TEXT })),
                ))
                .with_children(|button| {
                    button.spawn(ui.words(texts::of(*language).code, Weight::Bold, m.label, ink));
                });
            }
            row.spawn((
                Button,
                KioskButton(KioskAction::Close),
                ui.button_node(Some(close_width), m.target),
                BackgroundColor(colour(WHITE)),
                BorderColor::all(colour(WHITE)),
            ))
            .with_children(|button| {
                button.spawn(ui.words(texts.close, Weight::SemiBold, m.label, INK));
            });
        });
        let tab_width = ((m.width - 2.0 * m.pad - 2.0 * m.gap) / 3.0).floor();
        bar.spawn(Node {
            column_gap: Val::Px(m.gap),
            ..default()
        })
        .with_children(|row| {
            for (section, label) in [
                (Section::WhatsOn, texts.whats_on),
                (Section::Map, texts.find_your_way),
                (Section::Services, texts.city_services),
            ] {
                let chosen = kiosk.page.section() == section;
                let (ground, ink) = if chosen {
                    (colour(ui.palette.accent), INK)
                } else {
                    (Color::NONE, WHITE)
                };
                let px = fit_px(label, Weight::Bold, m.label * 1.1, ui.inside(tab_width));
                row.spawn((
                    Button,
                    KioskButton(KioskAction::Section(section)),
                    ui.button_node(Some(tab_width), m.target),
                    BackgroundColor(ground),
                    BorderColor::all(colour(if chosen { ui.palette.accent } else { SOFT_TEXT })),
                ))
                .with_children(|button| {
                    button.spawn(ui.words(label, Weight::Bold, px, ink));
                });
            }
        });
    });
}

/// A toggle of a filter: filled in the city's colour when chosen.
fn toggle(row: &mut ChildSpawnerCommands, ui: &Ui, label: &str, chosen: bool, action: KioskAction) {
    let (ground, border, ink) = if chosen {
        (ui.palette.ground, ui.palette.ground, WHITE)
    } else {
        (WHITE, LINE, INK)
    };
    let width = ui.fitted_width(label, Weight::SemiBold, ui.m.label);
    row.spawn((
        Button,
        KioskButton(action),
        ui.button_node(Some(width), ui.m.target),
        BackgroundColor(colour(ground)),
        BorderColor::all(colour(border)),
    ))
    .with_children(|button| {
        button.spawn(ui.words(label, Weight::SemiBold, ui.m.label, ink));
    });
}

/// How many rows toggles of these widths take in `width`.
fn rows_for(widths: &[f32], width: f32, gap: f32) -> usize {
    let mut rows = 1;
    let mut used = 0.0;
    for w in widths {
        if used > 0.0 && used + gap + w > width {
            rows += 1;
            used = *w;
        } else {
            used += if used > 0.0 { gap + w } else { *w };
        }
    }
    rows
}

/// The first moment of `date` in `tz`, in UTC.
fn midnight<Z: TimeZone>(date: chrono::NaiveDate, tz: &Z) -> DateTime<Utc> {
    tz.from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || date.and_time(NaiveTime::MIN).and_utc(),
            |local| local.with_timezone(&Utc),
        )
}

/// The span a day filter keeps events overlapping.
fn day_span<Z: TimeZone>(
    day: DayFilter,
    now: DateTime<Utc>,
    tz: &Z,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let today = now.with_timezone(tz).date_naive();
    match day {
        DayFilter::Today => (now, midnight(today + Days::days(1), tz)),
        DayFilter::Week => (now, now + Days::days(7)),
        DayFilter::Weekend => {
            let from_monday = today.weekday().num_days_from_monday();
            let saturday = match today.weekday() {
                Weekday::Sat | Weekday::Sun => today,
                _ => today + Days::days(i64::from(5 - from_monday)),
            };
            let monday = today + Days::days(i64::from(7 - from_monday));
            (midnight(saturday, tz).max(now), midnight(monday, tz))
        }
    }
}

/// The events the visitor's filters keep, soonest first.
pub fn filtered_events<'a, Z: TimeZone>(
    content: &'a KioskContent,
    kiosk: &Kiosk,
    now: DateTime<Utc>,
    tz: &Z,
) -> Vec<&'a KioskEvent> {
    let span = kiosk.day.map(|day| day_span(day, now, tz));
    let mut events: Vec<&KioskEvent> = content
        .events
        .iter()
        .filter(|event| event.ends_at > now)
        .filter(|event| span.is_none_or(|(from, to)| event.starts_at < to && event.ends_at > from))
        .filter(|event| kiosk.category.is_none_or(|c| event.category == c))
        .filter(|event| {
            kiosk
                .audience
                .is_none_or(|a| event.target_audiences.contains(&a))
        })
        .collect();
    events.sort_by_key(|event| event.starts_at);
    events
}

/// The filters' choices: the days, and the categories and audiences the agenda has.
fn filter_groups(ui: &Ui, kiosk: &Kiosk, content: &KioskContent) -> Vec<FilterGroup> {
    let texts = ui.texts;
    let days = [
        (texts.all, None),
        (texts.today, Some(DayFilter::Today)),
        (texts.this_weekend, Some(DayFilter::Weekend)),
        (texts.next_7_days, Some(DayFilter::Week)),
    ]
    .into_iter()
    .map(|(label, day)| (label.to_owned(), kiosk.day == day, KioskAction::Day(day)))
    .collect();
    let mut categories = vec![(
        texts.all.to_owned(),
        kiosk.category.is_none(),
        KioskAction::Category(None),
    )];
    categories.extend(
        EventCategory::ALL
            .iter()
            .filter(|c| content.events.iter().any(|e| e.category == **c))
            .take(7)
            .map(|c| {
                (
                    texts.category(*c).to_owned(),
                    kiosk.category == Some(*c),
                    KioskAction::Category(Some(*c)),
                )
            }),
    );
    let mut audiences = vec![(
        texts.all.to_owned(),
        kiosk.audience.is_none(),
        KioskAction::Audience(None),
    )];
    audiences.extend(
        AudienceSegment::ALL
            .iter()
            .filter(|a| {
                content
                    .events
                    .iter()
                    .any(|e| e.target_audiences.contains(a))
            })
            .take(7)
            .map(|a| {
                (
                    texts.audience(*a).to_owned(),
                    kiosk.audience == Some(*a),
                    KioskAction::Audience(Some(*a)),
                )
            }),
    );
    vec![
        (texts.day, days),
        (texts.category, categories),
        (texts.audience, audiences),
    ]
}

#[allow(clippy::too_many_arguments)]
fn whats_on<Z: TimeZone>(
    page: &mut ChildSpawnerCommands,
    ui: &Ui,
    kiosk: &Kiosk,
    content: &KioskContent,
    now: DateTime<Utc>,
    tz: &Z,
    pictures: &KioskPictures,
    wanted: &mut Wants,
) {
    let m = ui.m;
    let area = m.page();
    // The filters on top, each group on a line with its name before it; the list below.
    let panel_width = area.x;
    let groups = filter_groups(ui, kiosk, content);
    let label_width = groups
        .iter()
        .map(|(label, _)| typeface::width(label, Weight::SemiBold, m.small) * 1.06)
        .fold(0.0, f32::max)
        .ceil()
        + m.gap;
    let toggles_width = panel_width - label_width - m.gap;
    let panel_height: f32 = groups
        .iter()
        .map(|(_, choices)| {
            let widths: Vec<f32> = choices
                .iter()
                .map(|(label, _, _)| ui.fitted_width(label, Weight::SemiBold, m.label))
                .collect();
            let rows = rows_for(&widths, toggles_width, m.gap) as f32;
            rows * m.target + (rows - 1.0) * m.gap
        })
        .sum::<f32>()
        + 2.0 * m.gap;
    let events = filtered_events(content, kiosk, now, tz);
    let columns = if m.portrait { 1 } else { 2 };
    let list_width = area.x;
    let list_height = area.y - panel_height - m.gap - m.target - m.gap;
    let card_height = (m.width.min(m.height) * 0.13).max(m.target).round();
    let rows = (((list_height + m.gap) / (card_height + m.gap)).floor() as usize).max(1);
    let per_page = rows * columns;
    let pages = events.len().div_ceil(per_page).max(1);
    let list_page = kiosk.list_page.min(pages - 1);
    page.spawn(Node {
        flex_direction: FlexDirection::Column,
        row_gap: Val::Px(m.gap),
        flex_grow: 1.0,
        ..default()
    })
    .with_children(|split| {
        split
            .spawn(Node {
                width: Val::Px(panel_width),
                flex_direction: FlexDirection::Column,
                row_gap: Val::Px(m.gap),
                flex_shrink: 0.0,
                ..default()
            })
            .with_children(|panel| {
                for (label, choices) in groups {
                    panel
                        .spawn(Node {
                            column_gap: Val::Px(m.gap),
                            ..default()
                        })
                        .with_children(|group| {
                            group
                                .spawn(Node {
                                    width: Val::Px(label_width),
                                    height: Val::Px(m.target),
                                    align_items: AlignItems::Center,
                                    flex_shrink: 0.0,
                                    ..default()
                                })
                                .with_children(|name| {
                                    name.spawn(ui.words(label, Weight::SemiBold, m.small, SLATE));
                                });
                            group
                                .spawn(Node {
                                    width: Val::Px(toggles_width),
                                    flex_wrap: FlexWrap::Wrap,
                                    column_gap: Val::Px(m.gap),
                                    row_gap: Val::Px(m.gap),
                                    ..default()
                                })
                                .with_children(|row| {
                                    for (label, chosen, action) in choices {
                                        toggle(row, ui, &label, chosen, action);
                                    }
                                });
                        });
                }
            });
        split
            .spawn(Node {
                flex_direction: FlexDirection::Column,
                row_gap: Val::Px(m.gap),
                width: Val::Px(list_width),
                flex_shrink: 0.0,
                ..default()
            })
            .with_children(|list| {
                if events.is_empty() {
                    list.spawn(ui.words(
                        fit_lines(ui.texts.no_events, Weight::Regular, m.body, list_width, 3),
                        Weight::Regular,
                        m.body,
                        INK,
                    ));
                    return;
                }
                let card_width =
                    ((list_width - (columns as f32 - 1.0) * m.gap) / columns as f32).floor();
                list.spawn(Node {
                    flex_wrap: FlexWrap::Wrap,
                    column_gap: Val::Px(m.gap),
                    row_gap: Val::Px(m.gap),
                    height: Val::Px(list_height),
                    align_content: AlignContent::FlexStart,
                    overflow: Overflow::clip(),
                    ..default()
                })
                .with_children(|grid| {
                    for event in events.iter().skip(list_page * per_page).take(per_page) {
                        event_card(
                            grid,
                            ui,
                            event,
                            tz,
                            card_width,
                            card_height,
                            pictures,
                            wanted,
                        );
                    }
                });
                if pages > 1 {
                    pager(list, ui, list_page, pages);
                }
            });
    });
}

fn pager(list: &mut ChildSpawnerCommands, ui: &Ui, current: usize, pages: usize) {
    let m = ui.m;
    list.spawn(Node {
        column_gap: Val::Px(m.gap * 2.0),
        align_items: AlignItems::Center,
        ..default()
    })
    .with_children(|row| {
        for (label, to, shown) in [
            (ui.texts.previous, current.saturating_sub(1), current > 0),
            (ui.texts.next, current + 1, current + 1 < pages),
        ] {
            if shown {
                toggle(row, ui, label, false, KioskAction::ListPage(to));
            }
        }
        row.spawn(ui.words(
            format!("{} / {pages}", current + 1),
            Weight::SemiBold,
            m.body,
            SLATE,
        ));
    });
}

/// A picture box of `width` x `height` covered by the poster (cropped, never distorted), or
/// paper until it is decoded.
fn picture_box(
    parent: &mut ChildSpawnerCommands,
    picture: Option<(Handle<Image>, UVec2)>,
    width: f32,
    height: f32,
    fit: Fit,
) {
    parent
        .spawn((
            Node {
                width: Val::Px(width),
                height: Val::Px(height),
                flex_shrink: 0.0,
                overflow: Overflow::clip(),
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                border_radius: BorderRadius::all(Val::Px(8.0)),
                ..default()
            },
            BackgroundColor(colour(LINE)),
        ))
        .with_children(|frame| {
            if let Some((handle, size)) = picture {
                frame.spawn(image_node(handle, size, width / height.max(1.0), fit));
            }
        });
}

#[allow(clippy::too_many_arguments)]
fn event_card<Z: TimeZone>(
    grid: &mut ChildSpawnerCommands,
    ui: &Ui,
    event: &KioskEvent,
    tz: &Z,
    width: f32,
    height: f32,
    pictures: &KioskPictures,
    wanted: &mut Wants,
) {
    let m = ui.m;
    let inner = (m.gap * 0.8).round();
    let thumb = height - 2.0 * inner - 6.0;
    let text_width = width - thumb - 3.0 * inner - 6.0;
    let poster = event
        .poster
        .as_ref()
        .and_then(|poster| wanted.picture(pictures, &poster.sha256, THUMB_SIDE));
    let has_poster = event.poster.is_some();
    grid.spawn((
        Button,
        KioskButton(KioskAction::OpenEvent(event.id)),
        Node {
            width: Val::Px(width),
            height: Val::Px(height),
            padding: UiRect::all(Val::Px(inner)),
            column_gap: Val::Px(inner),
            align_items: AlignItems::Center,
            border: UiRect::all(Val::Px(3.0)),
            border_radius: BorderRadius::all(Val::Px(12.0)),
            overflow: Overflow::clip(),
            ..default()
        },
        BackgroundColor(colour(WHITE)),
        BorderColor::all(colour(LINE)),
    ))
    .with_children(|card| {
        if has_poster {
            picture_box(card, poster, thumb, thumb, Fit::Fill);
        } else {
            date_leaf(card, ui, event, tz, thumb);
        }
        card.spawn(Node {
            flex_direction: FlexDirection::Column,
            width: Val::Px(text_width),
            row_gap: Val::Px(2.0),
            overflow: Overflow::clip(),
            ..default()
        })
        .with_children(|words| {
            let title_px = m.body;
            words.spawn(ui.words(
                typeface::truncate(&event.title, Weight::Bold, title_px, text_width * 0.94),
                Weight::Bold,
                title_px,
                INK,
            ));
            words.spawn(ui.words(
                typeface::truncate(
                    &ui.texts.when(event.starts_at, event.ends_at, tz),
                    Weight::SemiBold,
                    m.small,
                    text_width * 0.94,
                ),
                Weight::SemiBold,
                m.small,
                SLATE,
            ));
            words.spawn(ui.words(
                typeface::truncate(&event.venue, Weight::Regular, m.small, text_width * 0.94),
                Weight::Regular,
                m.small,
                SLATE,
            ));
        });
    });
}

/// An event without a poster shows its day on a leaf in the city's accent.
fn date_leaf<Z: TimeZone>(
    parent: &mut ChildSpawnerCommands,
    ui: &Ui,
    event: &KioskEvent,
    tz: &Z,
    side: f32,
) {
    let local = event.starts_at.with_timezone(tz);
    parent
        .spawn((
            Node {
                width: Val::Px(side),
                height: Val::Px(side),
                flex_shrink: 0.0,
                flex_direction: FlexDirection::Column,
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                border_radius: BorderRadius::all(Val::Px(8.0)),
                ..default()
            },
            BackgroundColor(colour(ui.palette.accent)),
        ))
        .with_children(|leaf| {
            leaf.spawn(ui.words(local.day().to_string(), Weight::Bold, side * 0.4, INK));
            let day = ui.texts.day(event.starts_at, tz);
            let weekday = day.split('\u{a0}').next().unwrap_or_default().to_owned();
            leaf.spawn(ui.words(weekday, Weight::SemiBold, side * 0.2, INK));
        });
}

fn back_button(page: &mut ChildSpawnerCommands, ui: &Ui) {
    page.spawn(Node {
        flex_shrink: 0.0,
        ..default()
    })
    .with_children(|row| {
        toggle(
            row,
            ui,
            &format!("← {}", ui.texts.back),
            false,
            KioskAction::Back,
        );
    });
}

/// A label over its value ("When" / "sat 28 November, 19:30–22:30").
fn fact(
    parent: &mut ChildSpawnerCommands,
    ui: &Ui,
    label: &str,
    value: &str,
    width: f32,
    lines: usize,
) -> f32 {
    let m = ui.m;
    let value = fit_lines(value, Weight::Regular, m.body, width, lines);
    let height = m.line(m.small) + value.lines().count().max(1) as f32 * m.line(m.body);
    parent
        .spawn(Node {
            flex_direction: FlexDirection::Column,
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|fact| {
            fact.spawn(ui.words(label, Weight::SemiBold, m.small, SLATE));
            fact.spawn(ui.words(value, Weight::Regular, m.body, INK));
        });
    height
}

fn event_page<Z: TimeZone>(
    page: &mut ChildSpawnerCommands,
    ui: &Ui,
    event: &KioskEvent,
    tz: &Z,
    pictures: &KioskPictures,
    wanted: &mut Wants,
) {
    let m = ui.m;
    let area = m.page();
    back_button(page, ui);
    let below = area.y - m.target - m.gap;
    let poster = event.poster.as_ref().map(|poster| {
        (
            poster,
            wanted.picture(pictures, &poster.sha256, POSTER_SIDE),
        )
    });
    let (poster_width, poster_height, text_width, text_height) = match (&poster, m.portrait) {
        (None, _) => (0.0, 0.0, area.x, below),
        (Some(_), true) => {
            let height = (below * 0.36).floor();
            (area.x, height, area.x, below - height - m.gap)
        }
        (Some(_), false) => {
            let width = (area.x * 0.34).floor();
            (width, below, area.x - width - 2.0 * m.gap, below)
        }
    };
    page.spawn(Node {
        flex_direction: if m.portrait {
            FlexDirection::Column
        } else {
            FlexDirection::Row
        },
        column_gap: Val::Px(2.0 * m.gap),
        row_gap: Val::Px(m.gap),
        flex_grow: 1.0,
        ..default()
    })
    .with_children(|body| {
        if let Some((_, picture)) = poster {
            picture_box(body, picture, poster_width, poster_height, Fit::Fit);
        }
        body.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(m.gap),
            width: Val::Px(text_width),
            height: Val::Px(text_height),
            overflow: Overflow::clip(),
            ..default()
        })
        .with_children(|words| {
            let title = fit_lines(&event.title, Weight::Bold, m.heading, text_width, 3);
            let title_lines = title.lines().count().max(1) as f32;
            words.spawn(ui.words(title, Weight::Bold, m.heading, INK));
            let texts = ui.texts;
            let when = texts.when(event.starts_at, event.ends_at, tz);
            let facts = fact(words, ui, texts.when, &when, text_width, 2)
                + fact(words, ui, texts.place, &event.venue, text_width, 2)
                + fact(words, ui, texts.organiser, &event.organiser, text_width, 1);
            // What is left for the text, under everything else and above the QR button.
            let used = title_lines * m.line(m.heading) + facts + 7.0 * m.gap + m.target * 1.2;
            let lines = ((text_height - used) / m.line(m.body)).floor().max(0.0) as usize;
            if lines > 0 {
                words.spawn(ui.words(
                    fit_lines(
                        &event.description,
                        Weight::Regular,
                        m.body,
                        text_width,
                        lines,
                    ),
                    Weight::Regular,
                    m.body,
                    INK,
                ));
            }
            words.spawn(Node {
                flex_grow: 1.0,
                ..default()
            });
            let label = ui.texts.take_along;
            let width = ui
                .fitted_width(label, Weight::Bold, m.label)
                .min(text_width);
            let px = fit_px(label, Weight::Bold, m.label, ui.inside(width));
            words
                .spawn((
                    Button,
                    KioskButton(KioskAction::ShowQr),
                    ui.button_node(Some(width), m.target * 1.2),
                    BackgroundColor(colour(ui.palette.ground)),
                    BorderColor::all(colour(ui.palette.ground)),
                ))
                .with_children(|button| {
                    button.spawn(ui.words(label, Weight::Bold, px, WHITE));
                });
        });
    });
}

/// The event's public page as a large QR code over the page, with a button to close it.
fn large_qr(root: &mut ChildSpawnerCommands, ui: &Ui, qr: Option<Handle<Image>>) {
    let m = ui.m;
    let side = (m.width.min(m.height) * 0.55).floor();
    let panel = side + 2.0 * m.pad;
    // A touch anywhere on the shade closes the code, as its button does.
    root.spawn((
        Button,
        KioskButton(KioskAction::HideQr),
        Node {
            position_type: PositionType::Absolute,
            left: Val::Px(0.0),
            top: Val::Px(0.0),
            width: Val::Percent(100.0),
            height: Val::Percent(100.0),
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(colour(INK).with_alpha(0.7)),
        GlobalZIndex(VIEW_Z),
    ))
    .with_children(|shade| {
        shade
            .spawn((
                QrPanel,
                Node {
                    width: Val::Px(panel),
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    row_gap: Val::Px(m.gap),
                    padding: UiRect::all(Val::Px(m.pad)),
                    border_radius: BorderRadius::all(Val::Px(16.0)),
                    ..default()
                },
                BackgroundColor(colour(WHITE)),
            ))
            .with_children(|card| {
                card.spawn(ui.aligned_words(
                    fit_lines(ui.texts.scan_event, Weight::SemiBold, m.body, side, 3),
                    Weight::SemiBold,
                    m.body,
                    INK,
                    Justify::Center,
                ));
                let mut code = card.spawn(Node {
                    width: Val::Px(side),
                    height: Val::Px(side),
                    ..default()
                });
                code.insert(LargeQr);
                if let Some(handle) = qr {
                    code.insert(ImageNode::new(handle));
                }
                toggle(card, ui, ui.texts.close, false, KioskAction::HideQr);
            });
    });
}

fn map_page(
    page: &mut ChildSpawnerCommands,
    ui: &Ui,
    content: &KioskContent,
    pictures: &KioskPictures,
    wanted: &mut Wants,
) {
    let m = ui.m;
    let area = m.page();
    let Some(map) = &content.map else {
        page.spawn(ui.words(
            fit_lines(ui.texts.no_map, Weight::Regular, m.body, area.x, 3),
            Weight::Regular,
            m.body,
            INK,
        ));
        return;
    };
    let aspect = map.image.width.max(1) as f32 / map.image.height.max(1) as f32;
    let (box_width, box_height) = if m.portrait {
        let width = area.x;
        let height = (width / aspect).min(area.y * 0.52);
        (height * aspect, height)
    } else {
        let width = area.x * 0.6;
        let height = (width / aspect).min(area.y);
        (height * aspect, height)
    };
    let side = (m.width.max(m.height) as u32).min(2048);
    let picture = wanted.picture(pictures, &map.image.sha256, side);
    page.spawn(Node {
        flex_direction: if m.portrait {
            FlexDirection::Column
        } else {
            FlexDirection::Row
        },
        column_gap: Val::Px(2.0 * m.gap),
        row_gap: Val::Px(m.gap),
        align_items: AlignItems::FlexStart,
        ..default()
    })
    .with_children(|split| {
        split
            .spawn((
                Node {
                    width: Val::Px(box_width),
                    height: Val::Px(box_height),
                    flex_shrink: 0.0,
                    ..default()
                },
                BackgroundColor(colour(LINE)),
            ))
            .with_children(|frame| {
                if let Some((handle, _)) = picture {
                    frame.spawn((
                        ImageNode::new(handle),
                        Node {
                            position_type: PositionType::Absolute,
                            width: Val::Percent(100.0),
                            height: Val::Percent(100.0),
                            ..default()
                        },
                    ));
                }
                let marker = (m.target * 0.6).round();
                for (index, point) in map.points.iter().enumerate() {
                    let (ground, ink) = if index == 0 {
                        (ui.palette.accent, INK)
                    } else {
                        (ui.palette.ground, WHITE)
                    };
                    frame
                        .spawn((
                            Node {
                                position_type: PositionType::Absolute,
                                left: Val::Px(
                                    point.at.x as f32 / 1000.0 * box_width - marker / 2.0,
                                ),
                                top: Val::Px(
                                    point.at.y as f32 / 1000.0 * box_height - marker / 2.0,
                                ),
                                width: Val::Px(marker),
                                height: Val::Px(marker),
                                justify_content: JustifyContent::Center,
                                align_items: AlignItems::Center,
                                border: UiRect::all(Val::Px(3.0)),
                                border_radius: BorderRadius::MAX,
                                ..default()
                            },
                            BackgroundColor(colour(ground)),
                            BorderColor::all(colour(WHITE)),
                        ))
                        .with_children(|disc| {
                            disc.spawn(ui.words(
                                (index + 1).to_string(),
                                Weight::Bold,
                                (marker * 0.5).round(),
                                ink,
                            ));
                        });
                }
                here_marker(frame, ui, map.here, box_width, box_height);
            });
        let list_width = if m.portrait {
            area.x
        } else {
            area.x - box_width - 2.0 * m.gap
        };
        let list_height = if m.portrait {
            area.y - box_height - m.gap
        } else {
            area.y
        };
        points_list(split, ui, content, list_width, list_height);
    });
}

fn here_marker(
    frame: &mut ChildSpawnerCommands,
    ui: &Ui,
    here: civicast_shared::api::kiosk::MapPoint,
    width: f32,
    height: f32,
) {
    let m = ui.m;
    let dot = (m.target * 0.5).round();
    let (x, y) = (
        here.x as f32 / 1000.0 * width,
        here.y as f32 / 1000.0 * height,
    );
    frame.spawn((
        HereMarker,
        Node {
            position_type: PositionType::Absolute,
            left: Val::Px(x - dot / 2.0),
            top: Val::Px(y - dot / 2.0),
            width: Val::Px(dot),
            height: Val::Px(dot),
            border: UiRect::all(Val::Px((dot * 0.18).round())),
            border_radius: BorderRadius::MAX,
            ..default()
        },
        BackgroundColor(Color::srgb(0.85, 0.1, 0.1)),
        BorderColor::all(Color::WHITE),
    ));
    // The label goes on the side with room: right of the dot, or left near the right edge.
    let label = ui.texts.you_are_here;
    let px = m.small;
    let label_width = typeface::width(label, Weight::Bold, px) * 1.06 + 2.0 * m.gap;
    let left = if x + dot + label_width < width {
        x + dot * 0.7
    } else {
        (x - dot * 0.7 - label_width).max(0.0)
    };
    frame
        .spawn((
            Node {
                position_type: PositionType::Absolute,
                left: Val::Px(left),
                top: Val::Px(
                    (y - m.line(px) / 2.0 - m.gap * 0.3).clamp(0.0, (height - m.line(px)).max(0.0)),
                ),
                padding: UiRect::axes(Val::Px(m.gap), Val::Px(m.gap * 0.3)),
                border_radius: BorderRadius::all(Val::Px(8.0)),
                ..default()
            },
            BackgroundColor(colour(INK)),
        ))
        .with_children(|pill| {
            pill.spawn(ui.words(label, Weight::Bold, px, WHITE));
        });
}

fn points_list(
    parent: &mut ChildSpawnerCommands,
    ui: &Ui,
    content: &KioskContent,
    width: f32,
    height: f32,
) {
    let m = ui.m;
    let Some(map) = &content.map else {
        return;
    };
    let disc = (m.target * 0.6).round();
    let text_width = width - disc - 3.0 * m.gap - 6.0;
    parent
        .spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(m.gap),
            width: Val::Px(width),
            height: Val::Px(height),
            overflow: Overflow::clip(),
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|list| {
            let mut used = 0.0;
            for (index, point) in map.points.iter().enumerate() {
                let first = index == 0;
                let directions =
                    fit_lines(&point.directions, Weight::Regular, m.small, text_width, 2);
                let hours = ui.texts.opening_hours(&point.opening_hours);
                let hours = if hours.is_empty() {
                    String::new()
                } else {
                    let joined = hours.replace('\n', " · ");
                    fit_lines(
                        &format!("{}: {joined}", ui.texts.opening_hours),
                        Weight::SemiBold,
                        m.small,
                        text_width,
                        2,
                    )
                };
                let lines = directions.lines().count() + hours.lines().count();
                let row_height =
                    m.line(m.body) + lines as f32 * m.line(m.small) + 2.0 * m.gap + 6.0;
                if used + row_height > height {
                    break;
                }
                used += row_height + m.gap;
                let (ground, ink, soft) = if first {
                    (ui.palette.accent, INK, INK)
                } else {
                    (WHITE, INK, SLATE)
                };
                list.spawn((
                    Node {
                        column_gap: Val::Px(m.gap),
                        padding: UiRect::all(Val::Px(m.gap)),
                        border: UiRect::all(Val::Px(3.0)),
                        border_radius: BorderRadius::all(Val::Px(12.0)),
                        flex_shrink: 0.0,
                        ..default()
                    },
                    BackgroundColor(colour(ground)),
                    BorderColor::all(colour(if first { ui.palette.accent } else { LINE })),
                ))
                .with_children(|row| {
                    let (disc_ground, disc_ink) = if first {
                        (INK, WHITE)
                    } else {
                        (ui.palette.ground, WHITE)
                    };
                    row.spawn((
                        Node {
                            width: Val::Px(disc),
                            height: Val::Px(disc),
                            flex_shrink: 0.0,
                            justify_content: JustifyContent::Center,
                            align_items: AlignItems::Center,
                            border_radius: BorderRadius::MAX,
                            ..default()
                        },
                        BackgroundColor(colour(disc_ground)),
                    ))
                    .with_children(|number| {
                        number.spawn(ui.words(
                            (index + 1).to_string(),
                            Weight::Bold,
                            (disc * 0.5).round(),
                            disc_ink,
                        ));
                    });
                    row.spawn(Node {
                        flex_direction: FlexDirection::Column,
                        width: Val::Px(text_width),
                        ..default()
                    })
                    .with_children(|words| {
                        words.spawn(ui.words(
                            typeface::truncate(
                                &point.name,
                                Weight::Bold,
                                m.body,
                                text_width * 0.94,
                            ),
                            Weight::Bold,
                            m.body,
                            ink,
                        ));
                        if !directions.is_empty() {
                            words.spawn(ui.words(directions, Weight::Regular, m.small, soft));
                        }
                        if !hours.is_empty() {
                            words.spawn(ui.words(hours, Weight::SemiBold, m.small, soft));
                        }
                    });
                });
            }
        });
}

fn services_page(page: &mut ChildSpawnerCommands, ui: &Ui, kiosk: &Kiosk, content: &KioskContent) {
    let m = ui.m;
    let area = m.page();
    let keyboard_width = if m.portrait {
        area.x
    } else {
        (area.x * 0.5).floor()
    };
    let key_width = ((keyboard_width - 9.0 * m.gap) / 10.0).floor();
    let key_height = m.target.max((key_width * 0.85).round()).min(m.target * 1.3);
    let keyboard_height = 4.0 * key_height + 3.0 * m.gap;
    let results_width = if m.portrait {
        area.x
    } else {
        area.x - keyboard_width - 2.0 * m.gap
    };
    let results_height = if m.portrait {
        area.y - keyboard_height - 2.0 * m.gap
    } else {
        area.y
    };
    page.spawn(Node {
        flex_direction: if m.portrait {
            FlexDirection::Column
        } else {
            FlexDirection::Row
        },
        column_gap: Val::Px(2.0 * m.gap),
        row_gap: Val::Px(2.0 * m.gap),
        flex_grow: 1.0,
        ..default()
    })
    .with_children(|split| {
        split
            .spawn(Node {
                flex_direction: FlexDirection::Column,
                row_gap: Val::Px(m.gap),
                width: Val::Px(results_width),
                height: Val::Px(results_height),
                overflow: Overflow::clip(),
                flex_shrink: 0.0,
                ..default()
            })
            .with_children(|column| {
                search_results(column, ui, kiosk, content, results_width, results_height);
            });
        keyboard(split, ui, keyboard_width, key_width, key_height);
    });
}

fn search_results(
    column: &mut ChildSpawnerCommands,
    ui: &Ui,
    kiosk: &Kiosk,
    content: &KioskContent,
    width: f32,
    height: f32,
) {
    let m = ui.m;
    let field_inner = width - 2.0 * m.gap - 6.0;
    let typing = !kiosk.query.trim().is_empty();
    let (shown, ink) = if kiosk.query.is_empty() {
        (ui.texts.search_hint.to_owned(), SLATE)
    } else {
        (format!("{}|", kiosk.query), INK)
    };
    let field_px = m.body.max(m.label);
    column
        .spawn((
            Node {
                height: Val::Px(m.target),
                padding: UiRect::horizontal(Val::Px(m.gap)),
                align_items: AlignItems::Center,
                border: UiRect::all(Val::Px(3.0)),
                border_radius: BorderRadius::all(Val::Px(12.0)),
                flex_shrink: 0.0,
                overflow: Overflow::clip(),
                ..default()
            },
            BackgroundColor(colour(WHITE)),
            BorderColor::all(colour(ui.palette.ground)),
        ))
        .with_children(|field| {
            let px = fit_px(&shown, Weight::Regular, field_px, field_inner * 0.94);
            field.spawn(ui.words(shown, Weight::Regular, px, ink));
        });
    let found = if typing {
        search::find(&content.services, &kiosk.query)
    } else {
        content.services.iter().collect()
    };
    let summary = if typing && found.is_empty() {
        ui.texts.no_services.to_owned()
    } else {
        let noun = if found.len() == 1 {
            ui.texts.service_found
        } else {
            ui.texts.services_found
        };
        format!("{} {noun}", found.len())
    };
    column.spawn(ui.words(
        fit_lines(&summary, Weight::SemiBold, m.small, width, 1),
        Weight::SemiBold,
        m.small,
        SLATE,
    ));
    let row_height = (m.line(m.body) + m.line(m.small) + 2.0 * m.gap * 0.6 + 6.0)
        .max(m.target)
        .ceil();
    let room = height - m.target - m.line(m.small) - 2.0 * m.gap;
    let rows = ((room + m.gap) / (row_height + m.gap)).floor().max(0.0) as usize;
    let text_width = width - 2.0 * m.gap - 6.0;
    for service in found.into_iter().take(rows) {
        column
            .spawn((
                Button,
                KioskButton(KioskAction::OpenService(service.id)),
                Node {
                    height: Val::Px(row_height),
                    flex_direction: FlexDirection::Column,
                    justify_content: JustifyContent::Center,
                    padding: UiRect::horizontal(Val::Px(m.gap)),
                    border: UiRect::all(Val::Px(3.0)),
                    border_radius: BorderRadius::all(Val::Px(12.0)),
                    flex_shrink: 0.0,
                    overflow: Overflow::clip(),
                    ..default()
                },
                BackgroundColor(colour(WHITE)),
                BorderColor::all(colour(LINE)),
            ))
            .with_children(|row| {
                row.spawn(ui.words(
                    typeface::truncate(&service.name, Weight::Bold, m.body, text_width * 0.94),
                    Weight::Bold,
                    m.body,
                    INK,
                ));
                row.spawn(ui.words(
                    typeface::truncate(
                        &format!("{} · {}", service.purpose, service.place),
                        Weight::Regular,
                        m.small,
                        text_width * 0.94,
                    ),
                    Weight::Regular,
                    m.small,
                    SLATE,
                ));
            });
    }
}

fn keyboard(
    parent: &mut ChildSpawnerCommands,
    ui: &Ui,
    width: f32,
    key_width: f32,
    key_height: f32,
) {
    let m = ui.m;
    let key_px = (m.label * 1.15).round().min(key_height * 0.5);
    let key = |row: &mut ChildSpawnerCommands, label: String, action: KioskAction, width: f32| {
        let px = fit_px(&label, Weight::SemiBold, key_px, width - 12.0);
        row.spawn((
            Button,
            KioskButton(action),
            Node {
                width: Val::Px(width),
                height: Val::Px(key_height),
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                border: UiRect::all(Val::Px(3.0)),
                border_radius: BorderRadius::all(Val::Px(10.0)),
                flex_shrink: 0.0,
                overflow: Overflow::clip(),
                ..default()
            },
            BackgroundColor(colour(WHITE)),
            BorderColor::all(colour(LINE)),
        ))
        .with_children(|button| {
            button.spawn(ui.words(label, Weight::SemiBold, px, INK));
        });
    };
    parent
        .spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(m.gap),
            width: Val::Px(width),
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|board| {
            for letters in search::KEY_ROWS {
                board
                    .spawn(Node {
                        column_gap: Val::Px(m.gap),
                        ..default()
                    })
                    .with_children(|row| {
                        for letter in letters.chars() {
                            key(row, letter.to_string(), KioskAction::Key(letter), key_width);
                        }
                    });
            }
            board
                .spawn(Node {
                    column_gap: Val::Px(m.gap),
                    ..default()
                })
                .with_children(|row| {
                    let unit = key_width + m.gap;
                    key(
                        row,
                        ui.texts.space.to_owned(),
                        KioskAction::Key(' '),
                        5.0 * unit - m.gap,
                    );
                    key(
                        row,
                        "←".to_owned(),
                        KioskAction::Backspace,
                        2.0 * unit - m.gap,
                    );
                    key(
                        row,
                        ui.texts.clear.to_owned(),
                        KioskAction::ClearSearch,
                        3.0 * unit - m.gap,
                    );
                });
        });
}

fn service_page(
    page: &mut ChildSpawnerCommands,
    ui: &Ui,
    service: &CityService,
    pictures: &KioskPictures,
    wanted: &mut Wants,
) {
    let m = ui.m;
    let area = m.page();
    back_button(page, ui);
    let qr_side = (m.width.min(m.height) * 0.32).floor();
    let text_width = if m.portrait {
        area.x
    } else {
        area.x - qr_side - 2.0 * m.pad - 2.0 * m.gap
    };
    page.spawn(Node {
        flex_direction: if m.portrait {
            FlexDirection::Column
        } else {
            FlexDirection::Row
        },
        column_gap: Val::Px(2.0 * m.gap),
        row_gap: Val::Px(m.gap),
        ..default()
    })
    .with_children(|body| {
        body.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: Val::Px(m.gap),
            width: Val::Px(text_width),
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|words| {
            words.spawn(ui.words(
                fit_lines(&service.name, Weight::Bold, m.heading, text_width, 2),
                Weight::Bold,
                m.heading,
                INK,
            ));
            words.spawn(ui.words(
                fit_lines(&service.purpose, Weight::Regular, m.body, text_width, 4),
                Weight::Regular,
                m.body,
                INK,
            ));
            let texts = ui.texts;
            fact(words, ui, texts.place, &service.place, text_width, 2);
            for (label, value) in [
                (texts.desk, &service.desk),
                (texts.hours, &service.hours),
                (texts.phone, &service.phone),
            ] {
                if let Some(value) = value {
                    fact(words, ui, label, value, text_width, 2);
                }
            }
        });
        if let Some(link) = &service.web_url {
            let qr = wanted.qr(pictures, link);
            body.spawn((
                Node {
                    flex_direction: FlexDirection::Column,
                    align_items: AlignItems::Center,
                    row_gap: Val::Px(m.gap),
                    padding: UiRect::all(Val::Px(m.pad)),
                    border_radius: BorderRadius::all(Val::Px(12.0)),
                    flex_shrink: 0.0,
                    ..default()
                },
                BackgroundColor(colour(WHITE)),
            ))
            .with_children(|card| {
                let mut code = card.spawn(Node {
                    width: Val::Px(qr_side),
                    height: Val::Px(qr_side),
                    ..default()
                });
                code.insert(LargeQr);
                if let Some(handle) = qr {
                    code.insert(ImageNode::new(handle));
                }
                card.spawn(ui.words(
                    fit_lines(ui.texts.scan_website, Weight::SemiBold, m.small, qr_side, 2),
                    Weight::SemiBold,
                    m.small,
                    INK,
                ));
            });
        }
    });
}
