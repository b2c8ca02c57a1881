//! The city's own look (`Look` in the manifest): its accent colour for badges and date leaves,
//! its ground for waiting screens, announcements and the quiet slide, its logo and name on the
//! quiet slide. Colours are adjusted until every text on them keeps its contrast, whatever the
//! city chose.

use bevy::prelude::*;
use civicast_shared::api::device::Look;
use civicast_shared::colour::{self, INK, Rgb, SOFT_TEXT, parse_hex};
use civicast_shared::layout::{BACKGROUND_RGB, LEAF_RGB};

use crate::Step;
use crate::playback::prepare::load_verified;
use crate::playback::{CacheDir, Playback};
use crate::render::OutputSize;

/// The colours in use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub accent: Rgb,
    pub ground: Rgb,
}

impl Default for Palette {
    fn default() -> Self {
        Palette::of(&Look::default())
    }
}

impl Palette {
    pub fn of(look: &Look) -> Palette {
        let accent = look
            .accent
            .as_deref()
            .and_then(parse_hex)
            .unwrap_or(LEAF_RGB);
        let ground = look
            .ground
            .as_deref()
            .and_then(parse_hex)
            .unwrap_or(BACKGROUND_RGB);
        Palette {
            accent: colour::lightened_for(accent, INK, colour::BODY_CONTRAST + 0.5),
            ground: colour::darkened_for(ground, SOFT_TEXT, 6.0),
        }
    }
}

/// The city's look as the screens use it now.
#[derive(Resource, Debug, Default, Clone)]
pub struct CityLook {
    pub palette: Palette,
    pub city_name: Option<String>,
    /// The logo, decoded, with its size.
    pub logo: Option<(Handle<Image>, UVec2)>,
    logo_sha256: Option<String>,
    /// The manifest this look was taken from (the loop touches `Playback` every frame; the
    /// look changes only with a new manifest).
    manifest_etag: Option<String>,
}

impl CityLook {
    /// This look with the colours of `look` (a manifest that arrived this frame).
    pub fn with_colours_of(&self, look: &Look) -> CityLook {
        CityLook {
            palette: Palette::of(look),
            ..self.clone()
        }
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<CityLook>().add_systems(
        Update,
        follow_the_manifest
            .in_set(Step::Decide)
            .run_if(resource_changed::<Playback>),
    );
}

/// Takes the look of the manifest playing; a new logo is decoded once, from the cache.
fn follow_the_manifest(
    playback: Res<Playback>,
    cache: Option<Res<CacheDir>>,
    output: Res<OutputSize>,
    mut images: ResMut<Assets<Image>>,
    mut look: ResMut<CityLook>,
) {
    let Some(wanted) = playback.look() else {
        return;
    };
    let etag = playback.manifest_etag();
    if look.manifest_etag.as_deref() == etag {
        return;
    }
    look.manifest_etag = etag.map(str::to_owned);
    let palette = Palette::of(wanted);
    if look.palette != palette {
        look.palette = palette;
    }
    if look.city_name != wanted.city_name {
        look.city_name.clone_from(&wanted.city_name);
    }
    let sha256 = wanted.logo.as_ref().map(|logo| logo.sha256.clone());
    if look.logo_sha256 == sha256 {
        return;
    }
    look.logo = None;
    look.logo_sha256.clone_from(&sha256);
    let (Some(sha256), Some(cache)) = (sha256, cache) else {
        return;
    };
    // A logo is small, and decoded only when the city changes it.
    let cover = (output.0.x / 3, output.0.y / 3);
    match load_verified(&cache.0.join(&sha256), &sha256, cover) {
        Ok(pixels) => {
            let size = UVec2::new(pixels.width, pixels.height);
            look.logo = Some((images.add(pixels.into_image()), size));
        }
        Err(error) => warn!("the city's logo cannot be shown: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_citys_colours_are_kept_readable() {
        let look = Look {
            accent: Some("#6a1b9a".into()),
            ground: Some("#ffd54f".into()),
            ..Look::default()
        };
        let palette = Palette::of(&look);
        assert!(colour::contrast(palette.accent, INK) >= colour::BODY_CONTRAST);
        assert!(colour::contrast(palette.ground, SOFT_TEXT) >= 6.0);
        // A colour already readable is left as chosen.
        let dark = Look {
            ground: Some("#0b2d5a".into()),
            ..Look::default()
        };
        assert_eq!(colour::css_hex(Palette::of(&dark).ground), "#0b2d5a");
    }
}
