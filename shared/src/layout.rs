//! How an event card is laid out on a screen of a given shape, shared by the player (which
//! draws it), the portal (which previews it) and the server (which refuses posters too small for
//! the screens they are meant for).

use crate::api::events::EventCategory;

/// The three layouts a card has; the shape follows from the output's aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenShape {
    /// A landscape screen: the poster on the left half, the text beside it.
    Landscape,
    /// A portrait screen: the poster on the top half, the text below it.
    Portrait,
    /// An LED wall (2.4:1 or wider): a narrow poster, large text, the QR code on the right.
    Wide,
}

/// From this aspect ratio on, a screen is laid out as an LED wall.
pub const WIDE_ASPECT: f64 = 2.4;

/// A poster may be enlarged at most this much on screen before it looks blurred.
pub const MAX_POSTER_UPSCALE: f64 = 2.0;

impl ScreenShape {
    pub fn of(width: u32, height: u32) -> ScreenShape {
        let aspect = f64::from(width.max(1)) / f64::from(height.max(1));
        if aspect >= WIDE_ASPECT {
            ScreenShape::Wide
        } else if aspect < 1.0 {
            ScreenShape::Portrait
        } else {
            ScreenShape::Landscape
        }
    }

    /// The box the poster sits in, in percent of the screen's width and height.
    pub fn poster_box_percent(self) -> (f64, f64) {
        match self {
            ScreenShape::Wide => (30.0, 100.0),
            ScreenShape::Portrait => (100.0, 50.0),
            ScreenShape::Landscape => (50.0, 100.0),
        }
    }
}

/// The background of a card without a poster, by category, as sRGB in 0..1; cards with a poster
/// and the city's own categories use [`BACKGROUND_RGB`].
pub fn category_rgb(category: EventCategory) -> [f32; 3] {
    match category {
        EventCategory::Sports => [0.0, 0.45, 0.3],
        EventCategory::Culture | EventCategory::Music => [0.45, 0.1, 0.35],
        EventCategory::Youth | EventCategory::Family => [0.85, 0.4, 0.05],
        EventCategory::Seniors | EventCategory::Community => [0.1, 0.35, 0.55],
        EventCategory::Education => [0.25, 0.25, 0.6],
        EventCategory::Charity => [0.65, 0.1, 0.15],
        EventCategory::City | EventCategory::Other => BACKGROUND_RGB,
    }
}

/// The screens' background: a deep city blue.
pub const BACKGROUND_RGB: [f32; 3] = [0.05, 0.12, 0.25];

/// The CSS hex form of an sRGB colour in 0..1.
pub fn css_hex(rgb: [f32; 3]) -> String {
    let [r, g, b] = rgb.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The smallest poster, in the poster's own proportions, that a screen of `screen` pixels shows
/// without enlarging it more than [`MAX_POSTER_UPSCALE`]; `None` when `poster` is large enough.
pub fn poster_shortfall(poster: (u32, u32), screen: (u32, u32)) -> Option<(u32, u32)> {
    let (poster_w, poster_h) = (f64::from(poster.0.max(1)), f64::from(poster.1.max(1)));
    let (box_w, box_h) = ScreenShape::of(screen.0, screen.1).poster_box_percent();
    let box_w = f64::from(screen.0) * box_w / 100.0;
    let box_h = f64::from(screen.1) * box_h / 100.0;
    // The poster is fitted into its box, keeping its shape.
    let scale = (box_w / poster_w).min(box_h / poster_h);
    if scale <= MAX_POSTER_UPSCALE {
        return None;
    }
    // The tolerance keeps an exact fit (1080 / 2 = 540) from rounding up to 541.
    let needed = |side: f64| (side * scale / MAX_POSTER_UPSCALE - 1e-6).ceil() as u32;
    Some((needed(poster_w), needed(poster_h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_follow_the_aspect_ratio() {
        assert_eq!(ScreenShape::of(1920, 1080), ScreenShape::Landscape);
        assert_eq!(ScreenShape::of(1080, 1920), ScreenShape::Portrait);
        assert_eq!(ScreenShape::of(1536, 384), ScreenShape::Wide);
    }

    #[test]
    fn a_poster_enlarged_more_than_twice_is_too_small_and_the_need_is_exact() {
        // A landscape screen's poster box is 960 x 1080; an A-format 1000 x 1414 poster fits.
        assert_eq!(poster_shortfall((1000, 1414), (1920, 1080)), None);
        // 200 x 283 would be enlarged 3.8 times: it needs 382 x 540 (1080 / 2 high).
        assert_eq!(poster_shortfall((200, 283), (1920, 1080)), Some((382, 540)));
        // Exactly twice is still accepted.
        assert_eq!(poster_shortfall((480, 540), (1920, 1080)), None);
    }
}
