//! QR codes of event links, drawn one pixel per module (sampled without smoothing, so they stay
//! sharp at any size) with the quiet zone scanners need.

use bevy::image::{Image, ImageSampler};

use crate::playback::prepare::Pixels;

/// Modules of white border around the code.
const QUIET_ZONE: usize = 4;

/// The pixels of a QR code for `link`, or `None` when it is too long to encode.
pub fn qr_pixels(link: &str) -> Option<Pixels> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = modules + 2 * QUIET_ZONE;
    let mut rgba = vec![255u8; side * side * 4];
    for (index, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
            let at = (y * side + x) * 4;
            rgba[at..at + 3].copy_from_slice(&[0, 0, 0]);
        }
    }
    let side = u32::try_from(side).ok()?;
    Some(Pixels {
        width: side,
        height: side,
        rgba,
    })
}

/// A QR code texture for `link`.
pub fn qr_image(link: &str) -> Option<Image> {
    let mut image = qr_pixels(link)?.into_image();
    image.sampler = ImageSampler::nearest();
    Some(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_a_square_code_with_a_white_border() {
        let pixels = qr_pixels("https://choir.example/concert").unwrap();
        assert_eq!(pixels.width, pixels.height);
        assert!(pixels.width >= 21 + 8);
        assert_eq!(&pixels.rgba[..4], &[255, 255, 255, 255]);
        let dark = pixels.rgba.chunks(4).filter(|p| p[0] == 0).count();
        assert!(dark > 100, "a code has dark modules");
        assert!(qr_pixels(&"x".repeat(5000)).is_none());
    }
}
