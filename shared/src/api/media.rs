//! The media library: posters and slides, stored once per content hash.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An uploaded file. The content lives once on disk under its SHA-256; each upload by an
/// organisation is its own library entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaAsset {
    pub id: Uuid,
    /// Hex SHA-256 of the content, which players verify after download.
    pub sha256: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub width: u32,
    pub height: u32,
    pub original_name: String,
    pub organisation_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Where to download the content.
    pub content_url: String,
    /// Smaller copies made at upload: what 1080p screens download, and the library's thumbnail.
    /// None for an image that is already that small.
    #[serde(default)]
    pub renditions: Vec<MediaRendition>,
    /// What ffprobe read from a video, and how its screen rendition is coming along; `None`
    /// for an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoInfo>,
}

/// A video's facts, read at upload, and the state of its player-safe rendition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VideoInfo {
    pub duration_ms: u32,
    /// Frames per second (the stream's average).
    pub frame_rate: f64,
    /// ffprobe's codec name: `h264`, `hevc`, `vp9` or `av1`.
    pub video_codec: String,
    /// ffprobe's codec name of the first audio stream, if there is one.
    pub audio_codec: Option<String>,
    pub rendition: RenditionJob,
}

/// The background job that makes a video's screen rendition (H.264, at most 1080p, silent,
/// and a variant with sound when the video has sound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RenditionJob {
    pub state: RenditionState,
    /// 0 to 100.
    pub progress: u8,
    /// Why it failed (ffmpeg's words), when it did.
    pub error: Option<String>,
}

crate::wire_enum! {
    /// Where a video's rendition job stands.
    RenditionState {
        /// Waiting for a free worker.
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

/// Content types accepted as video uploads (MP4, WebM, QuickTime).
pub const VIDEO_CONTENT_TYPES: [&str; 3] = ["video/mp4", "video/webm", "video/quicktime"];

crate::wire_enum! {
    /// A copy of an upload made by the server: smaller copies of an image, made once when
    /// it is uploaded; for a video, its still frame and its player-safe copies.
    RenditionKind {
        /// Fits in 1920 x 1080 (turned for a portrait image): what a screen up to 1080p plays.
        /// For a video: H.264 High, yuv420p, silent MP4, what every screen plays.
        Screen1080p = "screen_1080p",
        /// Fits in 320 x 320: the library's preview.
        Thumbnail = "thumbnail",
        /// A video's still frame (JPEG, at most 1920 x 1080): the library's, the moderation
        /// queue's and the preview's picture of it, and an event's poster until its video
        /// rendition is ready.
        PosterFrame = "poster_frame",
        /// A video's screen rendition with its sound (AAC), for items that ask for sound.
        Screen1080pSound = "screen_1080p_sound",
    }
}

impl RenditionKind {
    /// The box a rendition fits in: the long side, then the short side.
    pub fn bounds(self) -> (u32, u32) {
        match self {
            RenditionKind::Screen1080p
            | RenditionKind::PosterFrame
            | RenditionKind::Screen1080pSound => (1920, 1080),
            RenditionKind::Thumbnail => (320, 320),
        }
    }

    /// The size of this rendition of a `width` x `height` image, turned like the image; `None`
    /// when the image fits already and needs no rendition.
    pub fn fitted(self, width: u32, height: u32) -> Option<(u32, u32)> {
        let (long, short) = self.bounds();
        let (max_width, max_height) = if width >= height {
            (long, short)
        } else {
            (short, long)
        };
        if width <= max_width && height <= max_height {
            return None;
        }
        let scale = f64::min(
            f64::from(max_width) / f64::from(width),
            f64::from(max_height) / f64::from(height),
        );
        let side = |length: u32| ((f64::from(length) * scale).round() as u32).max(1);
        Some((side(width).min(max_width), side(height).min(max_height)))
    }
}

/// A JPEG rendition of a library image, stored under its own SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MediaRendition {
    pub kind: RenditionKind,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub size_bytes: u64,
    /// Where to download it.
    pub content_url: String,
}

#[cfg(test)]
mod tests {
    use super::RenditionKind;

    #[test]
    fn renditions_fit_their_box_turned_like_the_image_and_keep_its_shape() {
        let screen = RenditionKind::Screen1080p;
        assert_eq!(screen.fitted(3840, 2160), Some((1920, 1080)));
        assert_eq!(screen.fitted(2160, 3840), Some((1080, 1920)));
        assert_eq!(screen.fitted(4000, 1000), Some((1920, 480)));
        assert_eq!(screen.fitted(1920, 1080), None);
        assert_eq!(screen.fitted(800, 600), None);
        assert_eq!(
            RenditionKind::Thumbnail.fitted(3000, 2000),
            Some((320, 213))
        );
        assert_eq!(RenditionKind::Thumbnail.fitted(10_000, 1), Some((320, 1)));
    }
}
