//! Screenshots on request: when the server asks (over `push`), the player captures what its
//! window shows, scales it down to at most [`MAX_WIDTH`] wide, encodes it as a JPEG and uploads
//! it. Encoding and upload run on a thread of their own: no frame waits for them.

use std::io::Cursor;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use chrono::{DateTime, Utc};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

use crate::Step;
use crate::net::storage::DataDir;
use crate::net::{Endpoint, ServerClient};
use crate::sync::SyncSettings;

/// Wide enough to read a poster's title on the dashboard, small enough to upload quickly.
pub const MAX_WIDTH: u32 = 1920;
const JPEG_QUALITY: u8 = 85;

/// A screenshot the server asked for and the player has not captured yet.
#[derive(Resource, Debug, Default)]
pub struct ScreenshotWanted(pub Option<DateTime<Utc>>);

/// Set from the request until the capture is back from the GPU; the app keeps drawing frames
/// meanwhile (a still slide would otherwise let it sleep).
#[derive(Resource, Debug, Default)]
pub struct ScreenshotInFlight(pub bool);

pub fn plugin(app: &mut App) {
    app.init_resource::<ScreenshotWanted>()
        .init_resource::<ScreenshotInFlight>()
        .add_systems(
            Update,
            capture
                .in_set(Step::Show)
                // Tests run without a server: there is nowhere to send a screenshot.
                .run_if(resource_exists::<SyncSettings>)
                .run_if(|wanted: Res<ScreenshotWanted>| wanted.0.is_some()),
        );
}

fn capture(
    mut commands: Commands,
    mut wanted: ResMut<ScreenshotWanted>,
    mut in_flight: ResMut<ScreenshotInFlight>,
    settings: Res<SyncSettings>,
) {
    wanted.0 = None;
    if in_flight.0 {
        // The capture under way answers this request too: the server marks the request
        // answered by any screenshot that arrives after it.
        return;
    }
    in_flight.0 = true;
    let (data, server) = (settings.0.data.clone(), settings.0.server.clone());
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut in_flight: ResMut<ScreenshotInFlight>| {
            in_flight.0 = false;
            let image = captured.image.clone();
            let (data, server) = (data.clone(), server.clone());
            let spawned = std::thread::Builder::new()
                .name("screenshot".into())
                .spawn(
                    move || match encode(image).and_then(|jpeg| upload(&data, &server, jpeg)) {
                        Ok(()) => info!("screenshot sent"),
                        Err(error) => warn!("screenshot not sent: {error}"),
                    },
                );
            if let Err(error) = spawned {
                error!("cannot send the screenshot: {error}");
            }
        },
    );
}

/// The captured frame as a JPEG, at most [`MAX_WIDTH`] wide.
fn encode(image: Image) -> Result<Vec<u8>, String> {
    let frame = image
        .try_into_dynamic()
        .map_err(|e| format!("the captured frame cannot be read: {e}"))?
        // The alpha channel of a window's frame is meaningless.
        .to_rgb8();
    let frame = if frame.width() > MAX_WIDTH {
        let height = (u64::from(frame.height()) * u64::from(MAX_WIDTH) / u64::from(frame.width()))
            .max(1) as u32;
        image::imageops::resize(&frame, MAX_WIDTH, height, FilterType::Triangle)
    } else {
        frame
    };
    let mut jpeg = Cursor::new(Vec::new());
    frame
        .write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY))
        .map_err(|e| format!("cannot encode the JPEG: {e}"))?;
    Ok(jpeg.into_inner())
}

fn upload(data: &DataDir, server: &Endpoint, jpeg: Vec<u8>) -> Result<(), String> {
    let token = data.token().ok_or("the screen is not paired")?;
    ServerClient::new(server, None)
        .and_then(|client| client.upload_screenshot(&token, jpeg))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::asset::RenderAssetUsages;
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

    #[test]
    fn a_wide_frame_is_scaled_down_and_keeps_its_colours() {
        // The swapchain's usual format: blue and red swapped.
        let (width, height) = (3840u32, 1080u32);
        let bgra = [0u8, 128, 0, 255].repeat((width * height) as usize);
        let frame = Image::new(
            Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            TextureDimension::D2,
            bgra,
            TextureFormat::Bgra8UnormSrgb,
            RenderAssetUsages::default(),
        );
        let jpeg = encode(frame).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        assert_eq!((decoded.width(), decoded.height()), (1920, 540));
        let [r, g, b] = decoded.get_pixel(960, 270).0;
        assert!(r < 10 && (118..=138).contains(&g) && b < 10, "{r} {g} {b}");
    }
}
