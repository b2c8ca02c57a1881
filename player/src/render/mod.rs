//! What the screen shows, as full-screen UI layers: event cards laid out by the shared plan
//! (`civicast_shared::layout`), image slides, announcements, and the waiting screens (pairing,
//! connecting, nothing scheduled). A new layer comes in over the old one: its ground and pictures
//! come up under the old words, which stay on top, and halfway the words swap in a short moment,
//! so two cards' texts barely meet and no frame between items is darker than both.
//!
//! - `typography.rs`: the embedded fonts and text styles.
//! - `card.rs`: an event card from its plan.
//! - `look.rs`: the city's colours, name and logo.
//! - `screens.rs`: the waiting screens and announcements.
//! - `qr.rs`: QR codes of event links.

pub mod card;
pub mod look;
pub mod qr;
pub mod screens;
pub mod typography;

pub use civicast_shared::display as format;

use std::time::Duration;

use bevy::prelude::*;
use bevy::window::{PrimaryWindow, RequestRedraw};
use chrono::{DateTime, Utc};
use civicast_shared::api::device::ManifestItem;
use civicast_shared::api::playlists::Fit;

use crate::Step;
use crate::sync::LinkState;
pub use look::CityLook;
pub use typography::Fonts;

/// The city's dark blue: waiting screens, letterboxing, announcements.
pub const BACKGROUND: Color = Color::srgb(
    civicast_shared::layout::BACKGROUND_RGB[0],
    civicast_shared::layout::BACKGROUND_RGB[1],
    civicast_shared::layout::BACKGROUND_RGB[2],
);
/// How long a new layer takes to come in.
pub const FADE: Duration = Duration::from_millis(800);
/// The share of the fade over which the new ground and pictures come up.
const GROUND_UNTIL: f32 = 0.6;
/// The share of the fade over which the old words go and the new ones come: while the old
/// ground still shows, so that the screen never has no words on a dark new ground.
const WORDS_FROM: f32 = 0.25;
const WORDS_UNTIL: f32 = 0.45;

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

    fn pair(self) -> (u32, u32) {
        (self.0.x, self.0.y)
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

/// Marks the line of a waiting screen that says how the link to the server is.
#[derive(Component, Debug)]
pub struct StatusLine;

/// Marks the pairing code on the pairing screen.
#[derive(Component, Debug)]
pub struct PairingCodeText;

/// What a layer shows.
#[derive(Debug)]
pub enum LayerContent<'a> {
    /// Nothing to show yet, and never connected: the IT-facing "connecting" screen.
    Connecting {
        server: &'a str,
        link: &'a LinkState,
    },
    /// Nothing scheduled now: the building's own quiet slide (its name, the date, and this
    /// week's events from the manifest, so that a screen with little to play still says what
    /// is on).
    Idle {
        building: &'a str,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        events: Vec<&'a civicast_shared::api::device::EventCard>,
    },
    Pairing {
        code: &'a str,
        server: &'a str,
        qr: Option<Handle<Image>>,
    },
    Item {
        item: &'a ManifestItem,
        /// The decoded slide image or event poster, with its size.
        image: Option<(Handle<Image>, UVec2)>,
        /// The poster blurred and darkened, to fill the screen behind the card.
        backdrop: Option<Handle<Image>>,
        qr: Option<Handle<Image>>,
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
    },
}

pub fn plugin(app: &mut App) {
    app.init_resource::<OutputSize>()
        .add_plugins((typography::plugin, look::plugin))
        .add_systems(Startup, spawn_camera)
        .add_systems(Update, follow_window_size.in_set(Step::Receive))
        .add_systems(
            Update,
            (
                fade_layers,
                screens::show_link.run_if(resource_changed::<crate::sync::Link>),
            )
                .in_set(Step::Show),
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

/// The colours of a layer's entity that a fade changes.
type FadingColors = (
    &'static BaseAlpha,
    Option<&'static mut BackgroundColor>,
    Option<&'static mut ImageNode>,
    Option<&'static mut TextColor>,
);

/// Eases in and out, 0 to 1 over `from..to` of the fade.
fn ease(progress: f32, from: f32, to: f32) -> f32 {
    let t = ((progress - from) / (to - from)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Brings the newest layer in; when it is complete, the layers under it go (and their
/// textures with them). The old layers' words are lifted above the new layer until they have
/// gone. Asks for frames only while a fade runs.
#[allow(clippy::too_many_arguments)]
fn fade_layers(
    mut commands: Commands,
    time: Res<Time<Real>>,
    mut layers: Query<(Entity, &mut Layer)>,
    z: Query<&GlobalZIndex>,
    children: Query<&Children>,
    mut colors: Query<FadingColors>,
    mut outgoing: Query<&mut TextColor, Without<BaseAlpha>>,
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
    let ground = ease(progress, 0.0, GROUND_UNTIL);
    let words = ease(progress, WORDS_FROM, WORDS_UNTIL);
    let above_top = z.get(top).map_or(0, |z| z.0.saturating_add(1));
    let older: Vec<Entity> = layers
        .iter()
        .filter(|(entity, layer)| *entity != top && layer.shown_at <= shown_at)
        .map(|(entity, _)| entity)
        .collect();
    for layer in older {
        for entity in children.iter_descendants(layer) {
            if let Ok(mut text) = outgoing.get_mut(entity) {
                text.0.set_alpha(1.0 - words);
                commands.entity(entity).insert(GlobalZIndex(above_top));
            } else if let Ok((_, _, _, Some(mut text))) = colors.get_mut(entity) {
                // A layer that faded in itself, now on its way out.
                text.0.set_alpha(1.0 - words);
                commands.entity(entity).insert(GlobalZIndex(above_top));
            }
        }
    }
    for entity in std::iter::once(top).chain(children.iter_descendants(top)) {
        let Ok((base, background, image, text)) = colors.get_mut(entity) else {
            continue;
        };
        if let Some(mut background) = background {
            background.0.set_alpha(base.background * ground);
        }
        if let Some(mut image) = image {
            image.color.set_alpha(base.image * ground);
        }
        if let Some(mut text) = text {
            text.0.set_alpha(base.text * words);
        }
    }
    if progress >= 1.0 {
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

pub(crate) fn full_screen() -> Node {
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

pub(crate) fn image_node(
    handle: Handle<Image>,
    size: UVec2,
    box_aspect: f32,
    fit: Fit,
) -> impl Bundle {
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

/// Spawns a layer on top of the others; it comes in with a fade unless it is the first.
pub fn spawn_layer(
    commands: &mut Commands,
    fonts: &Fonts,
    look: &CityLook,
    now: Duration,
    fade: bool,
    output: OutputSize,
    content: LayerContent,
) -> Entity {
    let background = match &content {
        // A picture that covers the whole screen needs no ground: a black one under it would
        // darken the crossfade (the old layer shows through both while the new one comes up).
        LayerContent::Item {
            item,
            image: Some((_, size)),
            ..
        } if item.event.is_none() => {
            let (width, height) = image_percent(*size, output.aspect(), item.fit);
            if width >= 99.9 && height >= 99.9 {
                Color::NONE
            } else {
                Color::BLACK
            }
        }
        _ => typography::rgb(look.palette.ground),
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
        LayerContent::Connecting { server, link } => {
            screens::connecting(layer, fonts, output, server, link);
        }
        LayerContent::Idle {
            building,
            now,
            tz,
            events,
        } => {
            screens::idle(layer, fonts, look, output, building, now, &tz, &events);
        }
        LayerContent::Pairing { code, server, qr } => {
            screens::pairing(layer, fonts, output, code, server, qr);
        }
        LayerContent::Item {
            item,
            image,
            backdrop,
            qr,
            tz,
            now,
        } => {
            if let Some(event) = &item.event {
                let pictures = card::Pictures {
                    poster: image,
                    backdrop,
                    qr,
                };
                card::event_card(layer, fonts, look, output, event, pictures, &tz, now);
            } else if let Some((handle, size)) = image {
                layer.spawn(image_node(handle, size, output.aspect(), item.fit));
            } else {
                screens::announcement(
                    layer,
                    fonts,
                    output,
                    item.text.as_deref().unwrap_or_default(),
                );
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_words_swap_quickly_while_the_grounds_cross() {
        // Before the swap only the old words show; after it only the new ones.
        assert_eq!(ease(0.2, WORDS_FROM, WORDS_UNTIL), 0.0);
        assert_eq!(ease(0.5, WORDS_FROM, WORDS_UNTIL), 1.0);
        // The swap takes a fifth of the fade, inside the grounds' crossing, so the screen
        // never goes darker than both items: the words are never both gone.
        const { assert!((WORDS_UNTIL - WORDS_FROM) <= 0.2 + f32::EPSILON) };
        const { assert!(WORDS_UNTIL < GROUND_UNTIL) };
        assert_eq!(ease(1.0, 0.0, GROUND_UNTIL), 1.0);
    }
}
