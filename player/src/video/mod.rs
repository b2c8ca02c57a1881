//! Video items, decoded by GStreamer on its own threads and shown as a bevy texture.
//!
//! A pipeline per video item: `playbin` (the cached file by `file://` URI) whose video sink is
//! `videoconvertscale ! RGBA at most the screen's size ! appsink`; audio is decoded only when the
//! item has its sound on. decodebin inside playbin picks the decoder by rank; at start-up
//! [`init`] lifts the hardware decoders (VA-API's `va` and `vaapi`, V4L2 on a Raspberry Pi) above
//! libav's software ones, so that a machine that has them uses them, and the log says which
//! decoder each file got.
//!
//! Frames go into a texture, not a video plane under the scene: the player is one bevy window on
//! X11 or a bare KMS console, where a plane would need per-platform code (and DRM planes that
//! lavapipe and most kiosks' X servers do not offer), while a texture crossfades, letterboxes and
//! sits in an event card like any picture. The appsink keeps only the newest frame; the app copies
//! it into the texture once per new frame and never waits on the decoder. Every 10 s the log says
//! how many frames a playing video showed and dropped (a frame replaced by a newer one before the
//! app took it); `benches/video.py` reads those lines.
//!
//! A video is prepared like a picture, ahead of its slot ([`prepare`] on the prepare thread):
//! the file's SHA-256 checked, the pipeline built and paused, its first frame taken as the
//! picture the item shows from its first frame on screen. At the switch it plays. A video shorter
//! than its slot loops seamlessly (segment seeks, no flush), so it never shows black at its end.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use sha2::{Digest, Sha256};

use crate::playback::prepare::{Pixels, PrepareError};

/// How often the log says how many frames a playing video showed and dropped.
const FRAME_REPORT_EVERY: Duration = Duration::from_secs(10);

/// How long a file may take to show its first frame before it counts as undecodable.
const PREROLL_TIMEOUT: Duration = Duration::from_secs(15);

/// Hardware decoders by GStreamer plugin, with the rank each gets at least: above libav's
/// software decoders (`primary`), VA-API's newer `va` plugin before the older `vaapi`.
const HARDWARE_PLUGINS: [(&str, i32); 4] = [
    ("va", 258),
    ("vaapi", 257),
    ("v4l2", 258),
    ("v4l2codecs", 257),
];

static INIT: Once = Once::new();
static INIT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Starts GStreamer once and prefers hardware decoders. Ranks the administrator set with
/// `GST_PLUGIN_FEATURE_RANK` are left as they are.
pub fn init() -> Result<(), String> {
    INIT.call_once(|| {
        if let Err(error) = gst::init() {
            *INIT_ERROR.lock().unwrap_or_else(|e| e.into_inner()) = Some(error.to_string());
            return;
        }
        if std::env::var_os("GST_PLUGIN_FEATURE_RANK").is_some() {
            return;
        }
        let registry = gst::Registry::get();
        for (plugin, rank) in HARDWARE_PLUGINS {
            for feature in registry.features_by_plugin(plugin) {
                let Some(factory) = feature.downcast_ref::<gst::ElementFactory>() else {
                    continue;
                };
                if factory.klass().contains("Decoder/Video") && i32::from(feature.rank()) < rank {
                    info!(
                        "video: hardware decoder {} preferred (rank {rank})",
                        feature.name()
                    );
                    feature.set_rank(gst::Rank::from(rank));
                }
            }
        }
    });
    match INIT_ERROR
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        Some(error) => Err(format!("GStreamer could not start: {error}")),
        None => Ok(()),
    }
}

/// The size a `width` x `height` video is scaled down to so that it just covers `cover` (never
/// up, and never to an odd number of pixels, which some decoders' converters dislike).
pub fn scaled_size(width: u32, height: u32, cover: (u32, u32)) -> Option<(u32, u32)> {
    if width == 0 || height == 0 {
        return None;
    }
    let scale = (f64::from(cover.0.max(1)) / f64::from(width))
        .max(f64::from(cover.1.max(1)) / f64::from(height));
    if scale >= 1.0 {
        return None;
    }
    let even = |side: f64| ((side / 2.0).round() as u32).max(1) * 2;
    Some((
        even(f64::from(width) * scale),
        even(f64::from(height) * scale),
    ))
}

/// What the app needs to know of a video file to prepare it.
#[derive(Debug, Clone)]
pub struct VideoFile {
    pub sha256: String,
    /// Its size as the server measured it (0 when unknown).
    pub width: u32,
    pub height: u32,
    pub sound: bool,
}

/// The newest frame the appsink handed over, taken by the app.
type Latest = Arc<Mutex<Option<gst::Sample>>>;

/// A video paused on its first frame, or playing.
#[derive(Debug)]
pub struct Video {
    pipeline: gst::Element,
    sink: gst_app::AppSink,
    latest: Latest,
    /// Frames shown, and frames decoded but replaced by a newer one before the app took them.
    shown: AtomicU64,
    dropped: Arc<AtomicU64>,
    reported_at: Mutex<Option<Instant>>,
    /// How long the file says it is, if it says.
    length: Option<gst::ClockTime>,
    /// The decoder GStreamer picked, for the log.
    pub decoder: String,
    pub sha256: String,
}

/// Something the pipeline said since the last frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoEvent {
    /// It cannot go on: the decoder's own words.
    Failed(String),
}

impl Video {
    /// Starts playing (the switch to its item).
    pub fn play(&self) {
        if let Err(error) = self.pipeline.set_state(gst::State::Playing) {
            warn!("video {}: cannot play: {error}", self.sha256);
        }
    }

    pub fn pause(&self) {
        let _ = self.pipeline.set_state(gst::State::Paused);
    }

    /// The newest frame decoded since the last call, if one was.
    pub fn take_frame(&self) -> Option<Pixels> {
        let sample = self.latest.lock().ok()?.take()?;
        self.shown.fetch_add(1, Ordering::Relaxed);
        pixels_of(&sample)
    }

    /// Every [`FRAME_REPORT_EVERY`], logs the frames shown and dropped since the last report.
    fn report_frames(&self) {
        let Ok(mut reported_at) = self.reported_at.lock() else {
            return;
        };
        let now = Instant::now();
        let since = *reported_at.get_or_insert(now);
        if now.duration_since(since) < FRAME_REPORT_EVERY {
            return;
        }
        *reported_at = Some(now);
        let shown = self.shown.swap(0, Ordering::Relaxed);
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        info!(
            "video {}: frames shown {shown}, dropped {dropped} in {:.0} s",
            self.sha256,
            now.duration_since(since).as_secs_f64()
        );
    }

    /// Reads what the pipeline posted: a video played out starts again from the start (the
    /// loop); an error, or an end long before the file's own length (a file cut short), is
    /// returned.
    pub fn poll(&self) -> Option<VideoEvent> {
        let bus = self.pipeline.bus()?;
        while let Some(message) = bus.pop() {
            let flush = match message.view() {
                gst::MessageView::SegmentDone(_) => gst::SeekFlags::empty(),
                // A demuxer that ignored the segment seek: start again with a flush (the last
                // frame holds meanwhile).
                gst::MessageView::Eos(_) => gst::SeekFlags::FLUSH,
                gst::MessageView::Error(error) => {
                    return Some(VideoEvent::Failed(error.error().to_string()));
                }
                _ => continue,
            };
            if let Some(reason) = self.ended_early() {
                return Some(VideoEvent::Failed(reason));
            }
            // Without a flush the next round's frames follow the last one's at once.
            if let Err(error) = self
                .pipeline
                .seek_simple(flush | gst::SeekFlags::SEGMENT, gst::ClockTime::ZERO)
            {
                warn!("video {}: cannot loop: {error}", self.sha256);
            }
        }
        None
    }

    /// Why the end just reached is not the file's end, if it is not.
    fn ended_early(&self) -> Option<String> {
        let length = self.length?;
        let position = self.pipeline.query_position::<gst::ClockTime>()?;
        let short_by = length.saturating_sub(position);
        (short_by > gst::ClockTime::from_seconds(1)
            && position.nseconds() < length.nseconds() / 10 * 9)
            .then(|| {
                format!(
                    "the file ended after {:.1} s of its {:.1} s",
                    position.seconds_f64(),
                    length.seconds_f64()
                )
            })
    }
}

impl Drop for Video {
    fn drop(&mut self) {
        // Stopping waits for GStreamer's threads: never on the frame's thread.
        let pipeline = self.pipeline.clone();
        let stopped = std::thread::Builder::new()
            .name("video-stop".into())
            .spawn(move || {
                let _ = pipeline.set_state(gst::State::Null);
            });
        if stopped.is_err() {
            let _ = self.pipeline.set_state(gst::State::Null);
        }
    }
}

/// A video on screen, on its item's layer: it stops when the layer goes.
#[derive(Component, Debug)]
pub struct VideoStream {
    pub video: Video,
    /// The texture its frames go into.
    pub image: Handle<Image>,
    /// The item it plays for.
    pub item: uuid::Uuid,
}

pub fn plugin(app: &mut App) {
    app.add_systems(Update, show_new_frames.in_set(crate::Step::Receive))
        .add_systems(
            OnEnter(crate::display_hours::DisplayHours::Outside),
            pause_all,
        )
        .add_systems(
            OnExit(crate::display_hours::DisplayHours::Outside),
            play_all,
        );
}

/// Outside the display hours the screen is blank: nothing decodes behind it.
fn pause_all(streams: Query<&VideoStream>) {
    for stream in &streams {
        stream.video.pause();
    }
}

fn play_all(streams: Query<&VideoStream>) {
    for stream in &streams {
        stream.video.play();
    }
}

/// Copies each video's newest frame into its texture (only when one came), loops those that
/// played out, and ends the slot of one that failed.
fn show_new_frames(
    mut commands: Commands,
    streams: Query<(Entity, &VideoStream)>,
    mut images: ResMut<Assets<Image>>,
    mut playback: ResMut<crate::playback::Playback>,
    board: Res<crate::sync::StatusBoard>,
) {
    for (entity, stream) in &streams {
        if let Some(VideoEvent::Failed(reason)) = stream.video.poll() {
            warn!(
                "video {} failed while it played: {reason}",
                stream.video.sha256
            );
            playback.video_failed(stream.item, &stream.video.sha256, &reason, &board);
            commands.entity(entity).remove::<VideoStream>();
            continue;
        }
        stream.video.report_frames();
        let Some(frame) = stream.video.take_frame() else {
            continue;
        };
        let Some(mut image) = images.get_mut(&stream.image) else {
            continue;
        };
        if image.width() == frame.width && image.height() == frame.height {
            // Same size: the texture on the GPU is written over in place.
            image.data = Some(frame.rgba);
        } else {
            *image = frame.into_image();
        }
    }
}

/// Whether `path` holds the bytes its name promises, read in pieces (videos are large).
fn verify(path: &Path, sha256: &str) -> Result<(), PrepareError> {
    let file = File::open(path).map_err(|_| PrepareError::Missing)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut BufReader::with_capacity(1 << 20, file), &mut hasher)
        .map_err(|_| PrepareError::Missing)?;
    if hex::encode(hasher.finalize()) != sha256 {
        return Err(PrepareError::Damaged);
    }
    Ok(())
}

/// Checks the cached file, builds its pipeline and pauses it on its first frame, which it
/// returns with the paused video. `wake` is called whenever a new frame is ready.
pub fn prepare(
    path: &Path,
    file: &VideoFile,
    cover: (u32, u32),
    wake: Arc<dyn Fn() + Send + Sync>,
) -> Result<(Pixels, Video), PrepareError> {
    verify(path, &file.sha256)?;
    init().map_err(PrepareError::Undecodable)?;
    let undecodable = |error: &dyn std::fmt::Display| PrepareError::Undecodable(error.to_string());

    let uri = gst::glib::filename_to_uri(path, None).map_err(|e| undecodable(&e))?;
    let mut caps = gst::Caps::builder("video/x-raw").field("format", "RGBA");
    if let Some((width, height)) = scaled_size(file.width, file.height, cover) {
        caps = caps
            .field("width", width as i32)
            .field("height", height as i32)
            .field("pixel-aspect-ratio", gst::Fraction::new(1, 1));
    }
    let caps = caps.build();
    let sink = gst_app::AppSink::builder()
        .caps(&caps)
        .max_buffers(1)
        .drop(true)
        .sync(true)
        .build();
    let latest: Latest = Arc::default();
    let slot = Arc::clone(&latest);
    let dropped = Arc::new(AtomicU64::new(0));
    let replaced = Arc::clone(&dropped);
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Flushing)?;
                if let Ok(mut slot) = slot.lock()
                    && slot.replace(sample).is_some()
                {
                    replaced.fetch_add(1, Ordering::Relaxed);
                }
                wake();
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    let converter = gst::ElementFactory::make("videoconvertscale")
        .build()
        .map_err(|e| undecodable(&e))?;
    let video_sink = gst::Bin::new();
    video_sink
        .add_many([&converter, sink.upcast_ref()])
        .map_err(|e| undecodable(&e))?;
    converter.link(&sink).map_err(|e| undecodable(&e))?;
    let sink_pad = converter
        .static_pad("sink")
        .ok_or_else(|| undecodable(&"the converter has no input"))?;
    let ghost = gst::GhostPad::with_target(&sink_pad).map_err(|e| undecodable(&e))?;
    video_sink.add_pad(&ghost).map_err(|e| undecodable(&e))?;

    let pipeline = gst::ElementFactory::make("playbin")
        .property("uri", uri.as_str())
        .property("video-sink", &video_sink)
        .build()
        .map_err(|e| undecodable(&e))?;
    // Only what is shown is decoded: no subtitles, and sound only when the item has it.
    pipeline.set_property_from_str(
        "flags",
        if file.sound {
            "video+audio+soft-volume"
        } else {
            "video"
        },
    );
    let mut video = Video {
        pipeline,
        sink,
        latest,
        shown: AtomicU64::new(0),
        dropped,
        reported_at: Mutex::new(None),
        length: None,
        decoder: String::new(),
        sha256: file.sha256.clone(),
    };
    preroll(&video)?;
    // A segment seek, so that the video's end posts SEGMENT_DONE (not EOS) and it can loop
    // without a flush.
    video
        .pipeline
        .seek_simple(
            gst::SeekFlags::FLUSH | gst::SeekFlags::SEGMENT,
            gst::ClockTime::ZERO,
        )
        .map_err(|e| undecodable(&e))?;
    preroll(&video)?;
    let sample = video
        .sink
        .pull_preroll()
        .map_err(|_| undecodable(&"no first frame"))?;
    let first = pixels_of(&sample).ok_or_else(|| undecodable(&"a frame not in RGBA"))?;
    video.decoder = decoder_of(&video.pipeline);
    video.length = video.pipeline.query_duration::<gst::ClockTime>();
    info!(
        "video {}: {}x{}, decoder {}",
        file.sha256, first.width, first.height, video.decoder
    );
    Ok((first, video))
}

/// Pauses the pipeline and waits until its first frame reached the sink, or it failed.
fn preroll(video: &Video) -> Result<(), PrepareError> {
    let failed = |reason: String| {
        let _ = video.pipeline.set_state(gst::State::Null);
        PrepareError::Undecodable(reason)
    };
    if video.pipeline.set_state(gst::State::Paused).is_err() {
        return Err(failed(
            first_error(&video.pipeline).unwrap_or_else(|| "the pipeline cannot start".into()),
        ));
    }
    let bus = video
        .pipeline
        .bus()
        .ok_or_else(|| failed("no bus".into()))?;
    let timeout = gst::ClockTime::from_mseconds(PREROLL_TIMEOUT.as_millis() as u64);
    match bus.timed_pop_filtered(
        timeout,
        &[gst::MessageType::AsyncDone, gst::MessageType::Error],
    ) {
        Some(message) => match message.view() {
            gst::MessageView::Error(error) => Err(failed(error.error().to_string())),
            _ => Ok(()),
        },
        None => Err(failed(format!(
            "no picture within {} s",
            PREROLL_TIMEOUT.as_secs()
        ))),
    }
}

fn first_error(pipeline: &gst::Element) -> Option<String> {
    let message = pipeline.bus()?.pop_filtered(&[gst::MessageType::Error])?;
    match message.view() {
        gst::MessageView::Error(error) => Some(error.error().to_string()),
        _ => None,
    }
}

/// The video decoder in the pipeline, with whether it is hardware.
fn decoder_of(pipeline: &gst::Element) -> String {
    let Some(bin) = pipeline.downcast_ref::<gst::Bin>() else {
        return "an unknown decoder".into();
    };
    bin.iterate_recurse()
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|element| element.factory())
        .find(|factory| factory.klass().contains("Decoder/Video"))
        .map_or_else(
            || "an unknown decoder".into(),
            |factory| {
                let kind = if factory.klass().contains("Hardware") {
                    "hardware"
                } else {
                    "software"
                };
                format!("{} ({kind})", factory.name())
            },
        )
}

/// A frame's pixels, tightly packed.
fn pixels_of(sample: &gst::Sample) -> Option<Pixels> {
    let info = gst_video::VideoInfo::from_caps(sample.caps()?).ok()?;
    let buffer = sample.buffer()?.map_readable().ok()?;
    let (width, height) = (info.width(), info.height());
    let row = width as usize * 4;
    let stride = usize::try_from(*info.stride().first()?).ok()?;
    let data = buffer.as_slice();
    let rgba = if stride == row {
        data.get(..row * height as usize)?.to_vec()
    } else {
        let mut rgba = Vec::with_capacity(row * height as usize);
        for line in 0..height as usize {
            rgba.extend_from_slice(data.get(line * stride..line * stride + row)?);
        }
        rgba
    };
    Some(Pixels {
        width,
        height,
        rgba,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_video_is_scaled_down_to_cover_the_screen_and_a_small_one_kept() {
        assert_eq!(scaled_size(3840, 2160, (1920, 1080)), Some((1920, 1080)));
        // A portrait clip on a landscape screen covers its width.
        assert_eq!(scaled_size(1080, 1920, (640, 360)), Some((640, 1138)));
        assert_eq!(scaled_size(640, 360, (1920, 1080)), None);
        assert_eq!(scaled_size(0, 0, (1920, 1080)), None);
    }

    fn clip(dir: &Path) -> Vec<u8> {
        let path = dir.join("blue.mp4");
        let status = std::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi"])
            .args(["-i", "color=c=0x1e50dc:s=640x360:r=25:d=1"])
            .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
            .arg(&path)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success());
        std::fs::read(path).unwrap()
    }

    #[test]
    fn a_video_is_paused_on_its_first_frame_scaled_to_the_screen_and_a_bad_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = clip(dir.path());
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let path = dir.path().join(&sha256);
        std::fs::write(&path, &bytes).unwrap();
        let file = VideoFile {
            sha256: sha256.clone(),
            width: 640,
            height: 360,
            sound: false,
        };
        let (first, video) = prepare(&path, &file, (320, 180), Arc::new(|| {})).unwrap();
        assert_eq!((first.width, first.height), (320, 180));
        let centre = &first.rgba[(90 * 320 + 160) * 4..][..3];
        assert!(
            centre[2] > 180 && centre[0] < 60,
            "the clip's blue: {centre:?}"
        );
        assert!(video.decoder.contains("264"), "{}", video.decoder);
        let length = video.length.unwrap().mseconds();
        assert!((900..=1_100).contains(&length), "{length} ms");

        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(
            prepare(&path, &file, (320, 180), Arc::new(|| {})).unwrap_err(),
            PrepareError::Damaged
        );
        let garbage = vec![7u8; 10_000];
        let file = VideoFile {
            sha256: hex::encode(Sha256::digest(&garbage)),
            ..file
        };
        std::fs::write(&path, &garbage).unwrap();
        let error = prepare(&path, &file, (320, 180), Arc::new(|| {})).unwrap_err();
        assert!(matches!(error, PrepareError::Undecodable(_)), "{error:?}");
    }
}
