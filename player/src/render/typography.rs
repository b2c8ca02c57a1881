//! The screens' type in bevy: the fonts of `civicast_shared::typeface` (Inter, with Noto Sans
//! behind it) loaded from the binary itself, Noto Sans registered as the fallback for the
//! scripts a city writes in, and text styles by weight and size. Nothing here reads a font from
//! the system: a player looks the same on every machine.

use bevy::prelude::*;
use bevy::text::{FontCx, FontSize, FontWeight, LineHeight};
use civicast_shared::colour::Rgb;
use civicast_shared::typeface::{self, Weight};
use parley::fontique::Script;

use crate::Step;

/// The loaded fonts; they stay loaded for the player's life.
#[derive(Resource, Debug, Clone)]
pub struct Fonts {
    pub regular: Handle<Font>,
    pub semibold: Handle<Font>,
    pub bold: Handle<Font>,
    pub fallback: Handle<Font>,
}

impl Fonts {
    pub fn of(&self, weight: Weight) -> Handle<Font> {
        match weight {
            Weight::Regular => self.regular.clone(),
            Weight::SemiBold => self.semibold.clone(),
            Weight::Bold => self.bold.clone(),
        }
    }
}

impl FromWorld for Fonts {
    fn from_world(world: &mut World) -> Self {
        let mut fonts = world.resource_mut::<Assets<Font>>();
        let mut load = |data: &'static [u8]| fonts.add(Font::from_bytes(data.to_vec()));
        Fonts {
            regular: load(typeface::INTER_REGULAR),
            semibold: load(typeface::INTER_SEMIBOLD),
            bold: load(typeface::INTER_BOLD),
            fallback: load(typeface::NOTO_SANS),
        }
    }
}

/// Scripts whose letters Noto Sans draws when Inter has no glyph for them.
const FALLBACK_SCRIPTS: [&[u8; 4]; 5] = [b"Latn", b"Grek", b"Cyrl", b"Zyyy", b"Zinh"];

pub fn plugin(app: &mut App) {
    app.init_resource::<Fonts>().add_systems(
        Update,
        register_fallback
            .in_set(Step::Receive)
            .run_if(not(resource_exists::<FallbackRegistered>)),
    );
}

/// Set once Noto Sans stands behind Inter.
#[derive(Resource)]
struct FallbackRegistered;

/// Once bevy put the fonts in its collection (a frame after they were added), Noto Sans becomes
/// the fallback for every script it covers.
fn register_fallback(mut commands: Commands, mut font_cx: ResMut<FontCx>) {
    let Some(noto) = font_cx.collection.family_id(typeface::FALLBACK_FAMILY) else {
        return;
    };
    for script in FALLBACK_SCRIPTS {
        font_cx
            .collection
            .append_fallbacks(Script::from_bytes(*script), std::iter::once(noto));
    }
    commands.insert_resource(FallbackRegistered);
}

/// A text style: one of the fonts at `px` pixels on a screen `screen_height` pixels high (kept
/// relative, so the layout follows the screen), lines [`typeface::LINE_HEIGHT`] apart.
pub fn style(
    fonts: &Fonts,
    weight: Weight,
    px: f32,
    screen_height: f32,
    colour: Rgb,
) -> impl Bundle {
    (
        TextFont {
            font: fonts.of(weight).into(),
            font_size: FontSize::Vh(px / screen_height.max(1.0) * 100.0),
            weight: FontWeight(weight.value()),
            ..default()
        },
        LineHeight::RelativeToFont(typeface::LINE_HEIGHT),
        TextColor(rgb(colour)),
    )
}

pub fn rgb(colour: Rgb) -> Color {
    Color::srgb(colour[0], colour[1], colour[2])
}
