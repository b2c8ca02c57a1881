//! Renditions: smaller JPEG copies of an uploaded image, made once while the upload is checked
//! (from the image already decoded for the check), so that a 1080p screen downloads and decodes
//! a 1080p file instead of a 4K original, and the library shows thumbnails.
//!
//! Resizing is fast_image_resize (SIMD convolution, Lanczos3) and encoding jpeg-encoder (SIMD),
//! both several times faster than the `image` crate's own; see P5 in BENCHMARKS.md.

use civicast_shared::api::media::RenditionKind;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::DynamicImage;

use crate::error::AppError;

/// JPEG quality of renditions: no visible loss at screen distance, a third of quality 95's bytes.
const QUALITY: u8 = 85;

/// One rendition, encoded, not yet stored.
#[derive(Debug)]
pub struct Rendered {
    pub kind: RenditionKind,
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
}

fn unexpected(what: &str, error: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("rendition: {what}: {error}"))
}

fn resize(source: &ImageRef<'_>, width: u32, height: u32) -> Result<Image<'static>, AppError> {
    let mut target = Image::new(width, height, PixelType::U8x3);
    Resizer::new()
        .resize(
            source,
            &mut target,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(|e| unexpected("resize", e))?;
    Ok(target)
}

fn encode(image: &Image<'_>) -> Result<Vec<u8>, AppError> {
    let mut jpeg = Vec::new();
    let (width, height) = (
        u16::try_from(image.width()).map_err(|e| unexpected("width", e))?,
        u16::try_from(image.height()).map_err(|e| unexpected("height", e))?,
    );
    jpeg_encoder::Encoder::new(&mut jpeg, QUALITY)
        .encode(image.buffer(), width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| unexpected("encode", e))?;
    Ok(jpeg)
}

/// The renditions `image` needs: none for one that fits a 1080p screen and a thumbnail already.
/// Transparency is dropped (screens show images on black).
pub fn render(image: &DynamicImage) -> Result<Vec<Rendered>, AppError> {
    let (width, height) = (image.width(), image.height());
    let screen = RenditionKind::Screen1080p.fitted(width, height);
    let thumbnail = RenditionKind::Thumbnail.fitted(width, height);
    if screen.is_none() && thumbnail.is_none() {
        return Ok(Vec::new());
    }
    let converted;
    let rgb = match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other => {
            converted = other.to_rgb8();
            &converted
        }
    };
    let source = ImageRef::new(width, height, rgb.as_raw(), PixelType::U8x3)
        .map_err(|e| unexpected("source", e))?;
    let mut rendered = Vec::new();
    let mut screen_image = None;
    if let Some((w, h)) = screen {
        let resized = resize(&source, w, h)?;
        rendered.push(Rendered {
            kind: RenditionKind::Screen1080p,
            width: w,
            height: h,
            jpeg: encode(&resized)?,
        });
        screen_image = Some(resized);
    }
    if let Some((w, h)) = thumbnail {
        // From the screen rendition when there is one: a sixth of the pixels to read.
        let resized = match &screen_image {
            Some(screen) => {
                let smaller = ImageRef::new(
                    screen.width(),
                    screen.height(),
                    screen.buffer(),
                    PixelType::U8x3,
                )
                .map_err(|e| unexpected("screen rendition", e))?;
                resize(&smaller, w, h)?
            }
            None => resize(&source, w, h)?,
        };
        rendered.push(Rendered {
            kind: RenditionKind::Thumbnail,
            width: w,
            height: h,
            jpeg: encode(&resized)?,
        });
    }
    Ok(rendered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_4k_image_gets_a_1080p_rendition_and_a_thumbnail_that_decode_and_keep_its_colours() {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(3840, 2160, |x, _| {
            if x < 1920 {
                image::Rgb([200, 30, 30])
            } else {
                image::Rgb([30, 30, 200])
            }
        }));
        let rendered = render(&image).unwrap();
        let sizes: Vec<_> = rendered
            .iter()
            .map(|r| (r.kind, r.width, r.height))
            .collect();
        assert_eq!(
            sizes,
            [
                (RenditionKind::Screen1080p, 1920, 1080),
                (RenditionKind::Thumbnail, 320, 180)
            ]
        );
        for rendition in &rendered {
            let decoded = image::load_from_memory(&rendition.jpeg).unwrap().to_rgb8();
            assert_eq!(decoded.dimensions(), (rendition.width, rendition.height));
            let left = decoded.get_pixel(rendition.width / 4, rendition.height / 2);
            let right = decoded.get_pixel(rendition.width * 3 / 4, rendition.height / 2);
            assert!(left[0] > 180 && left[2] < 50, "{left:?}");
            assert!(right[2] > 180 && right[0] < 50, "{right:?}");
        }
    }

    #[test]
    fn a_small_image_needs_no_rendition_and_a_screen_sized_one_only_a_thumbnail() {
        let small = DynamicImage::ImageRgb8(image::RgbImage::new(300, 200));
        assert!(render(&small).unwrap().is_empty());
        let screen = DynamicImage::ImageRgba8(image::RgbaImage::new(1920, 1080));
        let kinds: Vec<_> = render(&screen).unwrap().iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [RenditionKind::Thumbnail]);
    }
}
