//! What the screen shows, as full-screen UI layers: the city's default slide, the pairing code,
//! image slides, announcements and event cards laid out for landscape, portrait and LED-wall
//! shapes. A new layer fades in over the old one, which stays opaque underneath until the fade
//! ends, so no frame between items is ever black.

pub use civicast_shared::display as format;
pub mod qr;

use std::time::Duration;

use bevy::prelude::*;
use bevy::text::FontSize;
use bevy::window::{PrimaryWindow, RequestRedraw};
use civicast_shared::api::device::ManifestItem;
use civicast_shared::api::events::EventCategory;
use civicast_shared::api::playlists::Fit;

use crate::Step;
use crate::sync::{Link, LinkState};

/// The city's dark blue: default slide, letterboxing, announcements.
pub const BACKGROUND: Color = Color::srgb(
    civicast_shared::layout::BACKGROUND_RGB[0],
    civicast_shared::layout::BACKGROUND_RGB[1],
    civicast_shared::layout::BACKGROUND_RGB[2],
);
/// Behind a poster whose shape differs from its frame.
const POSTER_FRAME: Color = Color::srgb(0.02, 0.05, 0.12);
const TEXT_SOFT: Color = Color::srgb(0.8, 0.85, 0.95);
/// How long a new layer takes to fade in.
pub const FADE: Duration = Duration::from_millis(600);

/// The size of the output in physical pixels, which layouts and decoding follow.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSize(pub UVec2);

impl Default for OutputSize {
    fn default() -> Self {
        OutputSize(UVec2::new(1920, 1080))
    }
}

impl OutputSize {
    pub fn aspect(self) -> f32 {
        self.0.x.max(1) as f32 / self.0.y.max(1) as f32
    }

    /// LED walls are far wider than they are tall (e.g. 1536x384).
    pub fn is_wide(self) -> bool {
        self.aspect() >= 2.4
    }

    pub fn is_portrait(self) -> bool {
        self.aspect() < 1.0
    }
}

/// One full-screen layer; the newest is on top.
#[derive(Component, Debug)]
pub struct Layer {
    pub shown_at: Duration,
    pub fading: bool,
}

/// The opacity an entity of a fading layer ends at (its colours as built; transparent nodes
/// stay transparent).
#[derive(Component, Debug, Clone, Copy)]
struct BaseAlpha {
    background: f32,
    image: f32,
    text: f32,
}

/// Marks the status line of the default slide.
#[derive(Component, Debug)]
pub struct StatusLine;

/// Marks the pairing code on the pairing screen.
#[derive(Component, Debug)]
pub struct PairingCodeText;

/// What a layer shows.
#[derive(Debug)]
pub enum LayerContent<'a> {
    /// The city's default slide, when nothing is scheduled.
    Default,
    Pairing {
        code: &'a str,
        server: &'a str,
    },
    Item {
        item: &'a ManifestItem,
        /// The decoded slide image or event poster, with its size.
        image: Option<(Handle<Image>, UVec2)>,
        qr: Option<Handle<Image>>,
        tz: chrono_tz::Tz,
    },
}

pub fn plugin(app: &mut App) {
    app.init_resource::<OutputSize>()
        .add_systems(Startup, spawn_camera)
        .add_systems(Update, follow_window_size.in_set(Step::Receive))
        .add_systems(
            Update,
            (fade_layers, show_link.run_if(resource_changed::<Link>)).in_set(Step::Show),
        );
}

fn spawn_camera(mut commands: Commands, existing: Query<(), With<Camera>>) {
    // Tests bring their own camera that renders into an image.
    if existing.is_empty() {
        commands.spawn(Camera2d);
    }
}

fn follow_window_size(
    windows: Query<&Window, With<PrimaryWindow>>,
    mut output: ResMut<OutputSize>,
) {
    if let Ok(window) = windows.single() {
        let size = UVec2::new(window.physical_width(), window.physical_height());
        if size.x > 0 && size.y > 0 {
            output.set_if_neq(OutputSize(size));
        }
    }
}

/// The words on the status line for each link state.
pub fn status_text(link: &LinkState) -> String {
    match link {
        LinkState::Unknown => "Verbinden met de server... / Connecting to the server...".into(),
        LinkState::Reachable => "Verbonden / Connected".into(),
        LinkState::Unreachable(_) => {
            "Server onbereikbaar: nieuwe poging / Server unreachable: trying again".into()
        }
    }
}

fn show_link(link: Res<Link>, mut lines: Query<&mut Text, With<StatusLine>>) {
    for mut text in &mut lines {
        text.0 = status_text(&link.0);
    }
}

/// The colours of a layer's entity that a fade changes.
type FadingColors = (
    &'static BaseAlpha,
    Option<&'static mut BackgroundColor>,
    Option<&'static mut ImageNode>,
    Option<&'static mut TextColor>,
);

/// Fades the newest layer in; when it is opaque, the layers under it go (and their textures
/// with them). Asks for frames only while a fade runs.
fn fade_layers(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut layers: Query<(Entity, &mut Layer)>,
    children: Query<&Children>,
    mut colors: Query<FadingColors>,
    mut redraw: MessageWriter<RequestRedraw>,
) {
    let Some((top, shown_at)) = layers
        .iter()
        .filter(|(_, layer)| layer.fading)
        .max_by_key(|(_, layer)| layer.shown_at)
        .map(|(entity, layer)| (entity, layer.shown_at))
    else {
        return;
    };
    let progress = (time.elapsed().saturating_sub(shown_at)).as_secs_f32() / FADE.as_secs_f32();
    let alpha = progress.clamp(0.0, 1.0);
    for entity in std::iter::once(top).chain(children.iter_descendants(top)) {
        let Ok((base, background, image, text)) = colors.get_mut(entity) else {
            continue;
        };
        if let Some(mut background) = background {
            background.0.set_alpha(base.background * alpha);
        }
        if let Some(mut image) = image {
            image.color.set_alpha(base.image * alpha);
        }
        if let Some(mut text) = text {
            text.0.set_alpha(base.text * alpha);
        }
    }
    if alpha >= 1.0 {
        for (entity, mut layer) in &mut layers {
            if entity == top {
                layer.fading = false;
            } else if layer.shown_at <= shown_at {
                commands.entity(entity).despawn();
            }
        }
    } else {
        redraw.write(RequestRedraw);
    }
}

fn text(value: impl Into<String>, size: FontSize, color: Color) -> impl Bundle {
    (
        Text::new(value),
        TextFont {
            font_size: size,
            ..default()
        },
        TextColor(color),
        // Wrap inside the parent's content box, padding included.
        Node {
            max_width: Val::Percent(100.0),
            ..default()
        },
    )
}

fn full_screen() -> Node {
    Node {
        position_type: PositionType::Absolute,
        left: Val::Px(0.0),
        top: Val::Px(0.0),
        width: Val::Percent(100.0),
        height: Val::Percent(100.0),
        overflow: Overflow::clip(),
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        ..default()
    }
}

/// The size of an image node inside a box of aspect `box_aspect`, in percent of the box: `fit`
/// shows all of the image (letterboxed), `fill` covers the box (cropped). Never distorted.
pub fn image_percent(image: UVec2, box_aspect: f32, fit: Fit) -> (f32, f32) {
    let image_aspect = image.x.max(1) as f32 / image.y.max(1) as f32;
    let wider = image_aspect > box_aspect;
    match (fit, wider) {
        (Fit::Fit, true) | (Fit::Fill, false) => (100.0, 100.0 * box_aspect / image_aspect),
        (Fit::Fit, false) | (Fit::Fill, true) => (100.0 * image_aspect / box_aspect, 100.0),
    }
}

fn image_node(handle: Handle<Image>, size: UVec2, box_aspect: f32, fit: Fit) -> impl Bundle {
    let (width, height) = image_percent(size, box_aspect, fit);
    (
        ImageNode {
            image: handle,
            image_mode: NodeImageMode::Stretch,
            ..default()
        },
        Node {
            width: Val::Percent(width),
            height: Val::Percent(height),
            flex_shrink: 0.0,
            ..default()
        },
    )
}

/// A colour per category, for event cards without a poster.
pub fn category_color(category: EventCategory) -> Color {
    let [r, g, b] = civicast_shared::layout::category_rgb(category);
    Color::srgb(r, g, b)
}

/// Spawns a layer on top of the others; it fades in unless it is the first.
pub fn spawn_layer(
    commands: &mut Commands,
    now: Duration,
    fade: bool,
    output: OutputSize,
    content: LayerContent,
) -> Entity {
    let background = match &content {
        LayerContent::Item {
            item, image: None, ..
        } if item.event.is_some() => item
            .event
            .as_ref()
            .map_or(BACKGROUND, |event| category_color(event.category)),
        LayerContent::Item {
            item,
            image: Some(_),
            ..
        } if item.event.is_none() => Color::BLACK,
        _ => BACKGROUND,
    };
    let mut root = commands.spawn((
        Layer {
            shown_at: now,
            fading: fade,
        },
        full_screen(),
        BackgroundColor(background),
        GlobalZIndex(i32::try_from(now.as_millis() % 1_000_000_000).unwrap_or(0)),
    ));
    root.with_children(|layer| match content {
        LayerContent::Default => default_slide(layer),
        LayerContent::Pairing { code, server } => pairing_screen(layer, code, server),
        LayerContent::Item {
            item,
            image,
            qr,
            tz,
        } => {
            if let Some(event) = &item.event {
                event_card(layer, event, image, qr, output, &tz);
            } else if let Some((handle, size)) = image {
                layer.spawn(image_node(handle, size, output.aspect(), item.fit));
            } else {
                announcement(layer, item.text.as_deref().unwrap_or_default());
            }
        }
    });
    let entity = root.id();
    if fade {
        // Everything starts transparent; `fade_layers` brings it up.
        commands.queue(move |world: &mut World| {
            let mut family = vec![entity];
            let mut stack = vec![entity];
            while let Some(next) = stack.pop() {
                if let Some(children) = world.get::<Children>(next) {
                    let children: Vec<Entity> = children.iter().collect();
                    family.extend(&children);
                    stack.extend(children);
                }
            }
            for member in family {
                let base = BaseAlpha {
                    background: world
                        .get::<BackgroundColor>(member)
                        .map_or(0.0, |c| c.0.alpha()),
                    image: world
                        .get::<ImageNode>(member)
                        .map_or(0.0, |i| i.color.alpha()),
                    text: world.get::<TextColor>(member).map_or(0.0, |t| t.0.alpha()),
                };
                if let Some(mut text) = world.get_mut::<TextColor>(member) {
                    text.0.set_alpha(0.0);
                }
                if let Some(mut image) = world.get_mut::<ImageNode>(member) {
                    image.color.set_alpha(0.0);
                }
                if let Some(mut background) = world.get_mut::<BackgroundColor>(member) {
                    background.0.set_alpha(0.0);
                }
                world.entity_mut(member).insert(base);
            }
        });
    }
    entity
}

fn column(gap: f32) -> Node {
    Node {
        flex_direction: FlexDirection::Column,
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        row_gap: Val::VMin(gap),
        ..default()
    }
}

fn default_slide(layer: &mut ChildSpawnerCommands) {
    layer.spawn(column(3.0)).with_children(|slide| {
        slide.spawn(text("Civicast", FontSize::VMin(14.0), Color::WHITE));
        slide.spawn((
            StatusLine,
            text(
                status_text(&LinkState::Unknown),
                FontSize::VMin(3.5),
                TEXT_SOFT,
            ),
        ));
    });
}

fn pairing_screen(layer: &mut ChildSpawnerCommands, code: &str, server: &str) {
    let spaced = if code.len() == 6 {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    };
    layer.spawn(column(3.0)).with_children(|screen| {
        screen.spawn(text(
            "Koppel dit scherm / Pair this screen",
            FontSize::VMin(5.0),
            TEXT_SOFT,
        ));
        screen.spawn((
            PairingCodeText,
            text(spaced, FontSize::VMin(18.0), Color::WHITE),
        ));
        screen.spawn((
            text(
                format!("Voer deze code in bij {server} / Enter this code in the CMS at {server}"),
                FontSize::VMin(3.0),
                TEXT_SOFT,
            ),
            TextLayout::justify(Justify::Center),
        ));
    });
}

fn announcement(layer: &mut ChildSpawnerCommands, message: &str) {
    layer
        .spawn(Node {
            width: Val::Percent(86.0),
            justify_content: JustifyContent::Center,
            ..default()
        })
        .with_children(|slot| {
            slot.spawn((
                text(message, FontSize::VMin(8.0), Color::WHITE),
                TextLayout::justify(Justify::Center),
            ));
        });
}

fn event_card(
    layer: &mut ChildSpawnerCommands,
    event: &civicast_shared::api::device::EventCard,
    poster: Option<(Handle<Image>, UVec2)>,
    qr: Option<Handle<Image>>,
    output: OutputSize,
    tz: &chrono_tz::Tz,
) {
    let when = format::event_when(event.starts_at, event.ends_at, tz);
    let wide = output.is_wide();
    let portrait = output.is_portrait();
    // The poster's share of the screen, and the aspect of the box it sits in.
    let (poster_width, poster_height) = match (&poster, wide, portrait) {
        (None, _, _) => (0.0, 0.0),
        (Some(_), true, _) => (30.0, 100.0),
        (Some(_), false, true) => (100.0, 50.0),
        (Some(_), false, false) => (50.0, 100.0),
    };
    // Font sizes are given in percent of the screen's height (LED walls) or shorter side, and
    // shrunk where the longest word of a line would not fit the width left for text.
    let (width, height) = (output.0.x.max(1) as f32, output.0.y.max(1) as f32);
    let padding = if wide { 0.02 } else { 0.05 } * width.min(height);
    let qr_width = if wide && event.link.is_some() {
        0.85 * height
    } else {
        0.0
    };
    // In portrait the poster sits above the text; otherwise beside it.
    let poster_share = if portrait && !wide {
        0.0
    } else {
        poster_width / 100.0
    };
    let text_width = width * (1.0 - poster_share) - 2.0 * padding - qr_width;
    let unit = |line: &str, percent: f32| {
        let preferred = percent / 100.0 * if wide { height } else { width.min(height) };
        FontSize::Vw(fitted_font_px(line, preferred, text_width) / width * 100.0)
    };
    let mut card = layer.spawn(Node {
        width: Val::Percent(100.0),
        height: Val::Percent(100.0),
        flex_direction: if portrait && !wide {
            FlexDirection::Column
        } else {
            FlexDirection::Row
        },
        ..default()
    });
    card.with_children(|card| {
        if let Some((handle, size)) = poster {
            let box_aspect = output.aspect() * poster_width / poster_height;
            card.spawn((
                Node {
                    width: Val::Percent(poster_width),
                    height: Val::Percent(poster_height),
                    flex_shrink: 0.0,
                    overflow: Overflow::clip(),
                    justify_content: JustifyContent::Center,
                    align_items: AlignItems::Center,
                    ..default()
                },
                BackgroundColor(POSTER_FRAME),
            ))
            .with_children(|frame| {
                frame.spawn(image_node(handle, size, box_aspect, Fit::Fit));
            });
        }
        card.spawn(Node {
            // Grow into the space left, but never wider: long titles wrap instead.
            flex_grow: 1.0,
            flex_shrink: 1.0,
            flex_basis: Val::Px(0.0),
            min_width: Val::Px(0.0),
            min_height: Val::Px(0.0),
            overflow: Overflow::clip(),
            flex_direction: FlexDirection::Column,
            justify_content: JustifyContent::Center,
            padding: UiRect::all(Val::VMin(if wide { 2.0 } else { 5.0 })),
            row_gap: Val::VMin(if wide { 1.0 } else { 2.0 }),
            ..default()
        })
        .with_children(|details| {
            if !wide {
                let byline = format!(
                    "{} | {}",
                    event.organiser,
                    format::category_label(event.category)
                );
                details.spawn(text(byline.clone(), unit(&byline, 3.0), TEXT_SOFT));
            }
            details.spawn(text(
                event.title.clone(),
                unit(&event.title, if wide { 20.0 } else { 7.0 }),
                Color::WHITE,
            ));
            details.spawn(text(
                when.clone(),
                unit(&when, if wide { 12.0 } else { 4.0 }),
                Color::WHITE,
            ));
            details.spawn(text(
                event.venue.clone(),
                unit(&event.venue, if wide { 10.0 } else { 3.5 }),
                TEXT_SOFT,
            ));
            if !wide && !event.description.is_empty() {
                details.spawn(text(
                    event.description.clone(),
                    unit(&event.description, 3.0),
                    TEXT_SOFT,
                ));
            }
        });
        if let Some(qr) = qr {
            let side = if wide { Val::Vh(80.0) } else { Val::VMin(22.0) };
            card.spawn(Node {
                position_type: if wide {
                    PositionType::Relative
                } else {
                    PositionType::Absolute
                },
                right: Val::VMin(3.0),
                bottom: Val::VMin(3.0),
                align_self: AlignSelf::Center,
                margin: UiRect::right(Val::Vh(if wide { 5.0 } else { 0.0 })),
                flex_shrink: 0.0,
                ..default()
            })
            .with_children(|corner| {
                corner.spawn((
                    ImageNode {
                        image: qr,
                        image_mode: NodeImageMode::Stretch,
                        ..default()
                    },
                    Node {
                        width: side,
                        height: side,
                        ..default()
                    },
                ));
            });
        }
    });
}

/// Width of a character of the default (monospaced) font, in ems.
const CHAR_WIDTH_EM: f32 = 0.62;

/// The font size in pixels for `line`: `preferred`, or smaller if its longest word would not
/// fit `available` pixels (a long Dutch compound word must not run off the screen).
pub fn fitted_font_px(line: &str, preferred: f32, available: f32) -> f32 {
    let longest = line
        .split_whitespace()
        .map(|word| word.chars().count())
        .max()
        .unwrap_or(1)
        .max(1) as f32;
    preferred.min(available.max(1.0) / (longest * CHAR_WIDTH_EM))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_too_long_for_the_line_shrinks_its_font() {
        assert_eq!(fitted_font_px("Winter concert", 40.0, 1000.0), 40.0);
        let shrunk = fitted_font_px("Nieuwjaarsreceptiegezelschapsavond", 40.0, 400.0);
        assert!(shrunk * CHAR_WIDTH_EM * 34.0 <= 400.0 + 0.01);
    }

    #[test]
    fn images_keep_their_shape_when_fitted_or_filled() {
        // A 2:1 image on a 16:9 screen: fit is full width, letterboxed; fill is full height.
        let (w, h) = image_percent(UVec2::new(2000, 1000), 16.0 / 9.0, Fit::Fit);
        assert_eq!(w, 100.0);
        assert!((h - 88.89).abs() < 0.01);
        let (w, h) = image_percent(UVec2::new(2000, 1000), 16.0 / 9.0, Fit::Fill);
        assert!((w - 112.5).abs() < 0.01);
        assert_eq!(h, 100.0);
        // A portrait poster on a wide LED wall (4:1) fits by height.
        let (w, h) = image_percent(UVec2::new(1000, 1500), 4.0, Fit::Fit);
        assert_eq!(h, 100.0);
        assert!((w - 16.67).abs() < 0.01);
    }
}
