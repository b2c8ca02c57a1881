//! Prepares an item before it shows: reads its media file from the cache, checks its SHA-256
//! (a damaged file is never shown), decodes it and scales it down to what the screen can show,
//! on a thread of its own so that frames never wait on a decoder. An event's poster also gets its
//! backdrop there: the poster shrunk, blurred and darkened until white text reads on every
//! pixel of it, which fills the screen behind the card instead of black bars.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use bevy::asset::RenderAssetUsages;
use bevy::image::Image;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use image::imageops::FilterType;
use sha2::{Digest, Sha256};

/// Decoded pixels, ready to become a texture.
#[derive(Debug)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

impl Pixels {
    /// A texture whose pixels live only on the GPU once uploaded.
    pub fn into_image(self) -> Image {
        Image::new(
            Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
            TextureDimension::D2,
            self.rgba,
            TextureFormat::Rgba8UnormSrgb,
            RenderAssetUsages::RENDER_WORLD,
        )
    }
}

/// Why an item's media could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    #[error("the cached file is missing")]
    Missing,
    #[error("the cached file's SHA-256 does not match: it was damaged")]
    Damaged,
    #[error("the file cannot be decoded: {0}")]
    Undecodable(String),
}

/// Reads, verifies, decodes and scales one cached file so that it just covers `cover`.
pub fn load_verified(
    path: &PathBuf,
    sha256: &str,
    cover: (u32, u32),
) -> Result<Pixels, PrepareError> {
    let bytes = std::fs::read(path).map_err(|_| PrepareError::Missing)?;
    if hex::encode(Sha256::digest(&bytes)) != sha256 {
        return Err(PrepareError::Damaged);
    }
    let decoded =
        image::load_from_memory(&bytes).map_err(|e| PrepareError::Undecodable(e.to_string()))?;
    let (width, height) = (decoded.width().max(1), decoded.height().max(1));
    let scale = (f64::from(cover.0.max(1)) / f64::from(width))
        .max(f64::from(cover.1.max(1)) / f64::from(height));
    let decoded = if scale < 1.0 {
        let new_width = ((f64::from(width) * scale).round() as u32).max(1);
        let new_height = ((f64::from(height) * scale).round() as u32).max(1);
        decoded.resize_exact(new_width, new_height, FilterType::Triangle)
    } else {
        decoded
    };
    let rgba = decoded.into_rgba8();
    Ok(Pixels {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// Darkest text on a backdrop is [`SOFT_TEXT`](civicast_shared::colour::SOFT_TEXT); every
/// backdrop pixel is kept at or below this luminance, which gives it 5.9:1 (white: 7.5:1).
pub const BACKDROP_MAX_LUMINANCE: f32 = 0.09;
/// The backdrop's longer side: small, as it is blurred anyway and stretched smoothly.
const BACKDROP_SIDE: u32 = 64;

/// A poster's backdrop: shrunk, blurred and darkened so that text reads on it anywhere.
pub fn backdrop_of(picture: &Pixels) -> Option<Pixels> {
    let image = image::RgbaImage::from_raw(picture.width, picture.height, picture.rgba.clone())?;
    let scale = f64::from(BACKDROP_SIDE) / f64::from(picture.width.max(picture.height).max(1));
    let (w, h) = (
        ((f64::from(picture.width) * scale).round() as u32).max(1),
        ((f64::from(picture.height) * scale).round() as u32).max(1),
    );
    let small = image::imageops::resize(&image, w, h, FilterType::Triangle);
    let mut blurred = image::imageops::blur(&small, 3.0);
    for pixel in blurred.pixels_mut() {
        let mut rgb = [0, 1, 2].map(|i| f32::from(pixel[i]) / 255.0);
        for _ in 0..32 {
            if civicast_shared::colour::luminance(rgb) <= BACKDROP_MAX_LUMINANCE {
                break;
            }
            rgb = rgb.map(|c| c * 0.92);
        }
        for (i, c) in rgb.into_iter().enumerate() {
            pixel[i] = (c * 255.0).floor() as u8;
        }
        pixel[3] = 255;
    }
    Some(Pixels {
        width: blurred.width(),
        height: blurred.height(),
        rgba: blurred.into_raw(),
    })
}

/// A file prepared: the picture (a video's first frame), for an event's poster its backdrop,
/// and a video paused on that frame.
#[derive(Debug)]
pub struct Decoded {
    pub picture: Pixels,
    pub backdrop: Option<Pixels>,
    pub video: Option<crate::video::Video>,
}

/// What kind of file an item shows.
#[derive(Clone)]
pub enum MediaKind {
    Picture,
    /// A video; `wake` wakes the app when it has a new frame.
    Video {
        file: crate::video::VideoFile,
        wake: crate::sync::Waker,
    },
}

/// A file being prepared on its own thread.
#[derive(Debug)]
pub struct Loading {
    // A Mutex only to make the receiver `Sync`, as bevy resources must be.
    receiver: Mutex<Receiver<Result<Decoded, PrepareError>>>,
}

impl Loading {
    pub fn start(
        path: PathBuf,
        sha256: String,
        cover: (u32, u32),
        with_backdrop: bool,
        kind: MediaKind,
    ) -> Loading {
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("prepare".into())
            .spawn(move || {
                let prepared = match kind {
                    MediaKind::Picture => {
                        load_verified(&path, &sha256, cover).map(|picture| (picture, None))
                    }
                    MediaKind::Video { file, wake } => {
                        crate::video::prepare(&path, &file, cover, wake)
                            .map(|(picture, video)| (picture, Some(video)))
                    }
                };
                let decoded = prepared.map(|(picture, video)| Decoded {
                    backdrop: with_backdrop.then(|| backdrop_of(&picture)).flatten(),
                    picture,
                    video,
                });
                let _ = sender.send(decoded);
            });
        if spawned.is_err() {
            let (sender, receiver) = mpsc::channel();
            let _ = sender.send(Err(PrepareError::Undecodable(
                "no thread to decode on".into(),
            )));
            return Loading {
                receiver: Mutex::new(receiver),
            };
        }
        Loading {
            receiver: Mutex::new(receiver),
        }
    }

    /// The result once the thread finished.
    pub fn poll(&self) -> Option<Result<Decoded, PrepareError>> {
        let receiver = self.receiver.lock().ok()?;
        match receiver.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(Err(PrepareError::Undecodable("the decoder stopped".into())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 30, 30, 255]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn a_large_poster_is_scaled_down_to_cover_the_screen_and_a_damaged_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = png(800, 400);
        let sha = hex::encode(Sha256::digest(&bytes));
        let path = dir.path().join(&sha);
        std::fs::write(&path, &bytes).unwrap();
        let pixels = load_verified(&path, &sha, (200, 200)).unwrap();
        assert_eq!((pixels.width, pixels.height), (400, 200));
        assert_eq!(&pixels.rgba[..4], &[200, 30, 30, 255]);

        let mut damaged = bytes.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 0xff;
        std::fs::write(&path, &damaged).unwrap();
        assert_eq!(
            load_verified(&path, &sha, (200, 200)).unwrap_err(),
            PrepareError::Damaged
        );
        assert_eq!(
            load_verified(&dir.path().join("gone"), &sha, (200, 200)).unwrap_err(),
            PrepareError::Missing
        );
    }

    #[test]
    fn a_backdrop_is_dark_enough_for_text_on_every_pixel() {
        // A bright, busy poster: white, yellow and red stripes.
        let stripes = image::RgbaImage::from_fn(300, 450, |x, _| match x / 20 % 3 {
            0 => image::Rgba([255, 255, 255, 255]),
            1 => image::Rgba([255, 230, 0, 255]),
            _ => image::Rgba([220, 20, 20, 255]),
        });
        let picture = Pixels {
            width: 300,
            height: 450,
            rgba: stripes.into_raw(),
        };
        let backdrop = backdrop_of(&picture).unwrap();
        assert_eq!((backdrop.width, backdrop.height), (43, 64));
        use civicast_shared::colour::{SOFT_TEXT, contrast};
        for pixel in backdrop.rgba.chunks(4) {
            let rgb = [0, 1, 2].map(|i| f32::from(pixel[i]) / 255.0);
            assert!(contrast(rgb, SOFT_TEXT) >= 4.5, "{pixel:?}");
        }
        // Still the poster's colours, not black.
        assert!(backdrop.rgba.chunks(4).any(|p| p[0] > 40));
    }
}
