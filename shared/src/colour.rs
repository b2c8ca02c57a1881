//! Colours on screens and their contrast, as WCAG 2 measures it: the screens keep every text at
//! 4.5:1 or more against what is behind it.

/// An sRGB colour, each channel in 0..1.
pub type Rgb = [f32; 3];

pub const WHITE: Rgb = [1.0, 1.0, 1.0];
/// Secondary text: organiser, venue, description.
pub const SOFT_TEXT: Rgb = [0.86, 0.89, 0.95];
/// Text on the light badge and date leaf.
pub const INK: Rgb = [0.06, 0.07, 0.1];
/// The badge ("vandaag") and the date leaf: a warm amber that stands out on any dark ground.
pub const ACCENT: Rgb = [1.0, 0.78, 0.28];

/// Least contrast for body text (WCAG AA), and the margin the screens keep above it.
pub const BODY_CONTRAST: f32 = 4.5;

fn linear(channel: f32) -> f32 {
    if channel <= 0.040_45 {
        channel / 12.92
    } else {
        ((channel + 0.055) / 1.055).powf(2.4)
    }
}

/// WCAG relative luminance.
pub fn luminance(rgb: Rgb) -> f32 {
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// WCAG contrast ratio between two colours, 1 to 21.
pub fn contrast(a: Rgb, b: Rgb) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `background`, darkened just enough for `text` to reach `ratio` on it.
pub fn darkened_for(background: Rgb, text: Rgb, ratio: f32) -> Rgb {
    let mut colour = background;
    for _ in 0..64 {
        if contrast(colour, text) >= ratio {
            break;
        }
        colour = colour.map(|c| c * 0.95);
    }
    colour
}

/// `background`, lightened just enough for `text` to reach `ratio` on it.
pub fn lightened_for(background: Rgb, text: Rgb, ratio: f32) -> Rgb {
    let mut colour = background;
    for _ in 0..64 {
        if contrast(colour, text) >= ratio {
            break;
        }
        colour = colour.map(|c| c + (1.0 - c) * 0.08);
    }
    colour
}

/// A colour written `#rrggbb`; `None` for anything else.
pub fn parse_hex(text: &str) -> Option<Rgb> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?].map(|c| f32::from(c) / 255.0))
}

/// The CSS hex form of a colour.
pub fn css_hex(rgb: Rgb) -> String {
    let [r, g, b] = rgb.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_is_measured_as_wcag_does() {
        assert!((contrast(WHITE, [0.0, 0.0, 0.0]) - 21.0).abs() < 0.01);
        assert!((contrast(WHITE, WHITE) - 1.0).abs() < 0.001);
        // #767676 on white is the classic 4.54:1.
        let grey = [118.0 / 255.0; 3];
        assert!((contrast(WHITE, grey) - 4.54).abs() < 0.02);
    }

    #[test]
    fn hex_colours_are_read_and_nothing_else() {
        assert_eq!(parse_hex("#ff0000"), Some([1.0, 0.0, 0.0]));
        assert_eq!(css_hex(parse_hex("#1a2B3c").unwrap()), "#1a2b3c");
        for bad in ["ff0000", "#ff00", "#gg0000", "red", "#ff00001"] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
        let pale = lightened_for([0.4, 0.1, 0.1], INK, BODY_CONTRAST);
        assert!(contrast(pale, INK) >= BODY_CONTRAST);
    }

    #[test]
    fn an_orange_ground_is_darkened_until_soft_text_reads_on_it() {
        let orange = [0.85, 0.4, 0.05];
        assert!(contrast(orange, SOFT_TEXT) < BODY_CONTRAST);
        let ground = darkened_for(orange, SOFT_TEXT, BODY_CONTRAST + 0.3);
        assert!(contrast(ground, SOFT_TEXT) >= BODY_CONTRAST + 0.3);
        assert!(ground[0] > ground[1], "still orange: {ground:?}");
    }
}
